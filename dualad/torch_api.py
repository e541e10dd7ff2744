"""PyTorch's top-level functions in the ``dualad`` namespace (API.md section 13): tensor
creation with PyTorch's dtype defaults, random tensors, ``cat``/``stack``, dtypes, the grad
switch, the math functions with ``dim=``/``keepdim=``, and ``save``/``load`` of state dicts.

::

    import dualad as torch            # a PyTorch tutorial, renamed
    torch.manual_seed(0)
    x = torch.randn(64, 3)            # float32, as in PyTorch
    values, indices = torch.max(x, 1)
    torch.save(model.state_dict(), "model.npz")
    model.load_state_dict(torch.load("model.npz"))

# Design: creation follows ``torch.tensor``'s dtype inference: Python floats (and ranges with a
# float bound) take the default dtype, float32 unless ``set_default_dtype`` says otherwise;
# Python ints give int64 and bools bool. The functional transforms (``ad.grad`` of NumPy code)
# are not affected: they keep NumPy's float64. Results are ``Tensor``s on the imperative tape
# (``requires_grad=`` makes a leaf). The math functions are ``dualad.numpy``'s with PyTorch's
# keywords, so they are differentiable in every mode.
"""
from __future__ import annotations

import builtins
import collections
import io
import json
import os
from typing import IO, Any, Callable, Sequence

import numpy as np

from . import _torch_methods
from . import numpy as dnp
from ._core.backend import raw_value
from ._core.primitive import Box, shape_of
from ._core.state import no_grad
from ._core.state import state as _grad_state
from ._core.tape import IMPERATIVE, Tensor
from ._core.dtypes import get_default_dtype, infer_dtype, set_default_dtype
from ._random import Generator, manual_seed, rng_of
from .typing import Array, ArrayLike, Axis, DTypeLike, PyTree

float32, float64, int64, int32 = np.float32, np.float64, np.int64, np.int32
long, double = np.int64, np.float64
_bool_dtype = np.bool_

# ------------------------------------------------------------------------------ devices
class device:
    """``torch.device``, for code that moves models and tensors with ``.to(device)``: only
    ``"cpu"`` exists here (``ad.cuda.is_available()`` is False).

    >>> ad.device('cpu')
    device(type='cpu')
    >>> str(ad.device('cpu:0'))
    'cpu'
    """

    def __init__(self, type: str = "cpu", index: int | None = None) -> None:
        self.type = str(type).split(":")[0]
        self.index = index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __eq__(self, other: object) -> builtins.bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class _Cuda:
    """``torch.cuda`` as seen from dualad's CPU tensors: no CUDA device (CuPy arrays are
    used by passing them to the functional transforms)."""

    @staticmethod
    def is_available() -> builtins.bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(seed: int) -> None:
        """Nothing to seed (no CUDA generator); present for ported code."""

    manual_seed_all = manual_seed


cuda = _Cuda()


# ------------------------------------------------------------------------------ creation
def _check_device(device):
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"device={device!r}: dualad's tensors live on the CPU (NumPy); pass "
                           "CuPy arrays to the functional transforms for the GPU")


def _make(value, requires_grad=False, device=None):
    _check_device(device)
    t = Tensor._make(value, None, IMPERATIVE)
    if requires_grad:
        t.requires_grad = True
    return t


def _size(size, what):
    """``(2, 3)`` from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(s, (int, np.integer)) for s in size):
        raise TypeError(f"{what}: size must be integers, got {size!r}")
    return tuple(int(s) for s in size)


def _float_dtype(dtype):
    return np.dtype(get_default_dtype() if dtype is None else dtype)


def zeros(*size: int | Sequence[int], dtype: DTypeLike | None = None,
          requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """A tensor of zeros, float32 by default: ``ad.zeros(2, 3)`` or ``ad.zeros((2, 3))``.

    >>> ad.zeros(2, 3).shape
    (2, 3)
    >>> ad.zeros((2,)).dtype
    dtype('float32')
    """
    return _make(np.zeros(_size(size, "zeros"), _float_dtype(dtype)), requires_grad, device)


def ones(*size: int | Sequence[int], dtype: DTypeLike | None = None,
         requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """A tensor of ones, float32 by default.

    >>> ad.ones(2)
    tensor([1., 1.])
    """
    return _make(np.ones(_size(size, "ones"), _float_dtype(dtype)), requires_grad, device)


def empty(*size: int | Sequence[int], dtype: DTypeLike | None = None,
          requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """An uninitialised tensor (zeros here: NumPy's ``empty`` can hold NaN, which would turn up
    in a sum of gradients), float32 by default.

    >>> ad.empty(2, 2).shape
    (2, 2)
    """
    return _make(np.zeros(_size(size, "empty"), _float_dtype(dtype)), requires_grad, device)


def full(size: int | Sequence[int], fill_value: ArrayLike, dtype: DTypeLike | None = None,
         requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """A tensor of ``fill_value``; its dtype as ``torch.full`` infers it (floats: the
    default dtype, ints: int64, bools: bool).

    >>> ad.full((2,), 7)
    tensor([7, 7])
    >>> ad.full((2,), 0.5)
    tensor([0.5, 0.5])
    """
    dtype = infer_dtype(fill_value, dtype)
    return _make(np.full(_size((size,), "full"), raw_value(fill_value), dtype), requires_grad,
                 device)


def arange(start: float, end: float | None = None, step: float = 1,
           dtype: DTypeLike | None = None, requires_grad: builtins.bool = False,
           device: device | str | None = None) -> Tensor:
    """``[start, end)`` by ``step``; int64 when every bound is an integer, else the default
    dtype: ``ad.arange(5)``, ``ad.arange(0, 1, 0.25)``.

    >>> ad.arange(3)
    tensor([0, 1, 2])
    >>> ad.arange(0, 1, 0.25)
    tensor([0.  , 0.25, 0.5 , 0.75])
    """
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _make(np.arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None,
             requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (default dtype).

    >>> ad.linspace(0, 1, 3)
    tensor([0. , 0.5, 1. ])
    """
    return _make(np.linspace(start, end, int(steps)).astype(_float_dtype(dtype)),
                 requires_grad, device)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None,
        requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """The ``n x m`` identity matrix (default dtype).

    >>> ad.eye(2)
    tensor([[1., 0.],
     [0., 1.]])
    """
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def _like(input, dtype):
    raw = raw_value(input)
    return np.shape(raw), np.dtype(dtype if dtype is not None else np.asarray(raw).dtype)


def zeros_like(input: ArrayLike, dtype: DTypeLike | None = None,
               requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """Zeros of ``input``'s shape and dtype.

    >>> ad.zeros_like(ad.ones(2))
    tensor([0., 0.])
    """
    shape, dtype = _like(input, dtype)
    return _make(np.zeros(shape, dtype), requires_grad, device)


def ones_like(input: ArrayLike, dtype: DTypeLike | None = None,
              requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """Ones of ``input``'s shape and dtype.

    >>> ad.ones_like(np.zeros(2))
    tensor([1., 1.], dtype=float64)
    """
    shape, dtype = _like(input, dtype)
    return _make(np.ones(shape, dtype), requires_grad, device)


def full_like(input: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype.

    >>> ad.full_like(ad.zeros(2), 3.0)
    tensor([3., 3.])
    """
    shape, dtype = _like(input, dtype)
    return _make(np.full(shape, fill_value, dtype), requires_grad, device)


def _random_float(draw, size, generator, dtype, requires_grad, device, what):
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{what}: dtype must be floating-point, got {dtype}")
    values = draw(rng_of(generator), _size(size, what)).astype(dtype)
    return _make(values, requires_grad, device)


def randn(*size: int | Sequence[int], generator: Generator | None = None,
          dtype: DTypeLike | None = None, requires_grad: builtins.bool = False,
          device: device | str | None = None) -> Tensor:
    """Standard normal draws (default dtype) from ``generator`` or the default generator
    (seeded by ``ad.manual_seed``).

    >>> _ = ad.manual_seed(0)
    >>> ad.randn(2, 3).shape, ad.randn(2).dtype
    ((2, 3), dtype('float32'))
    """
    return _random_float(lambda g, s: g.standard_normal(s), size, generator, dtype,
                         requires_grad, device, "randn")


def rand(*size: int | Sequence[int], generator: Generator | None = None,
         dtype: DTypeLike | None = None, requires_grad: builtins.bool = False,
         device: device | str | None = None) -> Tensor:
    """Uniform draws from [0, 1) (default dtype).

    >>> x = ad.rand(1000)
    >>> bool((x >= 0).all() and (x < 1).all())
    np.True_
    """
    return _random_float(lambda g, s: g.random(s), size, generator, dtype, requires_grad,
                         device, "rand")


def randint(low: int = 0, high: int | Sequence[int] | None = None,
            size: int | Sequence[int] | None = None,
            generator: Generator | None = None, dtype: DTypeLike | None = None,
            requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """Integers uniform in ``[low, high)``, int64: ``ad.randint(10, (3,))`` or
    ``ad.randint(2, 10, (3,))``.

    >>> x = ad.randint(2, 5, (4,))
    >>> x.dtype, (x.min() >= 2).item(), (x.max() < 5).item()
    (dtype('int64'), True, True)
    """
    if size is None:                     # randint(high, size)
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: give (high, size) or (low, high, size)")
    values = rng_of(generator).integers(low, high, _size((size,), "randint"))
    return _make(values.astype(np.int64 if dtype is None else dtype), requires_grad, device)


def randn_like(input: ArrayLike, dtype: DTypeLike | None = None,
               requires_grad: builtins.bool = False, generator: Generator | None = None,
               device: device | str | None = None) -> Tensor:
    """Standard normal draws in ``input``'s shape and (floating) dtype.

    >>> ad.randn_like(ad.zeros(2, 2)).shape
    (2, 2)
    """
    shape, like = _like(input, dtype)
    return randn(shape, generator=generator, dtype=like, requires_grad=requires_grad,
                 device=device)


def rand_like(input: ArrayLike, dtype: DTypeLike | None = None,
              requires_grad: builtins.bool = False, generator: Generator | None = None,
              device: device | str | None = None) -> Tensor:
    """Uniform [0, 1) draws in ``input``'s shape and (floating) dtype.

    >>> ad.rand_like(ad.zeros(3)).shape
    (3,)
    """
    shape, like = _like(input, dtype)
    return rand(shape, generator=generator, dtype=like, requires_grad=requires_grad,
                device=device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with the NumPy array ``ndarray`` (its dtype kept), as
    ``torch.from_numpy``: writes through either are seen by both.

    >>> a = np.zeros(2)
    >>> t = ad.from_numpy(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 0.], dtype=float64)
    """
    if type(ndarray) is not np.ndarray:
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(ndarray).__name__}")
    return _make(ndarray)


def is_tensor(obj: Any) -> builtins.bool:
    """Whether ``obj`` is a dualad ``Tensor``, as ``torch.is_tensor``.

    >>> ad.is_tensor(ad.zeros(1)), ad.is_tensor(np.zeros(1))
    (True, False)
    """
    return isinstance(obj, Tensor)


def numel(input: ArrayLike) -> int:
    """The number of elements of ``input``, as ``torch.numel``.

    >>> ad.numel(ad.zeros(2, 3))
    6
    """
    return int(np.prod(np.shape(raw_value(input))))


def _dim(dim, axis, what):
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{what}: give dim or axis, not both")
        return axis
    return tuple(dim) if isinstance(dim, list) else dim


def cat(tensors: Sequence[ArrayLike], dim: int = 0, axis: int | None = None) -> Array:
    """Concatenate along ``dim`` (differentiable).

    >>> ad.cat([ad.ones(2), ad.zeros(1)])
    tensor([1., 1., 0.])
    """
    return dnp.concatenate(list(tensors), axis=_dim(dim, axis, "cat"))


concat = concatenate = cat


def stack(tensors: Sequence[ArrayLike], dim: int = 0, axis: int | None = None) -> Array:
    """Stack along a new axis ``dim`` (differentiable).

    >>> ad.stack([ad.ones(2), ad.zeros(2)]).shape
    (2, 2)
    """
    return dnp.stack(list(tensors), axis=_dim(dim, axis, "stack"))


# ------------------------------------------------------------------------------ grad mode
def is_grad_enabled() -> builtins.bool:
    """Whether operations on tensors that require grad are recorded (False inside
    ``no_grad``).

    >>> ad.is_grad_enabled()
    True
    >>> with ad.no_grad():
    ...     print(ad.is_grad_enabled())
    ...
    False
    """
    return _grad_state.no_grad_upto < IMPERATIVE.level


class set_grad_enabled:
    """Switch recording on or off: as a function (``ad.set_grad_enabled(False)``) it stays so;
    as a context manager (``with ad.set_grad_enabled(is_train):``) it is restored on exit.

    >>> with ad.set_grad_enabled(False):
    ...     print(ad.is_grad_enabled())
    ...
    False
    >>> ad.is_grad_enabled()
    True
    """

    def __init__(self, mode: builtins.bool) -> None:
        from ._core._engine import note_no_grad
        note_no_grad()   # traces start reading the per-thread switch (as no_grad does)
        self._saved = _grad_state.no_grad_upto
        _grad_state.no_grad_upto = -1 if mode else _grad_state.next_level - 1

    def __enter__(self) -> set_grad_enabled:
        return self

    def __exit__(self, *exc: Any) -> builtins.bool:
        _grad_state.no_grad_upto = self._saved
        return False


# ------------------------------------------------------------------------------ math
def _maybe_tensor(x):
    """NumPy results of the functions below as tensors (PyTorch's functions return
    tensors)."""
    return x if isinstance(x, Box) else _make(np.asarray(x))


def sin(input: ArrayLike) -> Array:
    """``sin`` elementwise (differentiable), as ``torch.sin``.

    >>> ad.sin(ad.tensor([0.0]))
    tensor([0.])
    """
    return dnp.sin(input)


def cos(input: ArrayLike) -> Array:
    """``cos`` elementwise (differentiable), as ``torch.cos``.

    >>> ad.cos(ad.tensor([0.0]))
    tensor([1.])
    """
    return dnp.cos(input)


def exp(input: ArrayLike) -> Array:
    """``exp`` elementwise (differentiable), as ``torch.exp``.

    >>> ad.allclose(ad.exp(ad.tensor([0.0, 1.0])), ad.tensor([1.0, 2.7182817]))
    True
    """
    return dnp.exp(input)


def log(input: ArrayLike) -> Array:
    """Natural logarithm elementwise (differentiable), as ``torch.log``.

    >>> ad.log(ad.tensor([1.0]))
    tensor([0.])
    """
    return dnp.log(input)


def tanh(input: ArrayLike) -> Array:
    """``tanh`` elementwise (differentiable), as ``torch.tanh``.

    >>> ad.tanh(ad.tensor([0.0]))
    tensor([0.])
    """
    return dnp.tanh(input)


def sigmoid(input: ArrayLike) -> Array:
    """``1 / (1 + exp(-x))`` elementwise (differentiable), as ``torch.sigmoid``.

    >>> ad.sigmoid(ad.tensor([0.0]))
    tensor([0.5])
    """
    return dnp.sigmoid(input)


def _functional():
    from .nn import functional   # dualad.nn is imported when first used
    return functional


def relu(input: ArrayLike) -> Array:
    """``max(x, 0)`` elementwise, derivative 0 at 0, as ``torch.relu``.

    >>> ad.relu(ad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _functional().relu(input)


def abs(input: ArrayLike) -> Array:
    """``|x|`` elementwise, derivative 0 at 0, as ``torch.abs``.

    >>> ad.abs(ad.tensor([-1.5, 2.0]))
    tensor([1.5, 2. ])
    """
    return dnp.abs(input)


def sqrt(input: ArrayLike) -> Array:
    """Square root elementwise (differentiable), as ``torch.sqrt``.

    >>> ad.sqrt(ad.tensor([4.0, 9.0]))
    tensor([2., 3.])
    """
    return dnp.sqrt(input)


def pow(input: ArrayLike, exponent: ArrayLike) -> Array:
    """``input ** exponent`` elementwise, differentiable in both, as ``torch.pow`` (a tensor's
    operator: PyTorch's type promotion on the imperative face).

    >>> ad.pow(ad.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if isinstance(input, Box) or isinstance(exponent, Box):
        return input ** exponent
    return dnp.power(input, exponent)


def _into(out: Any, result: Any) -> Any:
    """PyTorch's ``out=``: the result written into ``out`` (which must have its shape)."""
    if out is None:
        return result
    if shape_of(out) != shape_of(result):
        raise RuntimeError(f"out=: the result has shape {shape_of(result)} but out has shape "
                           f"{shape_of(out)}; give an out tensor of the result's shape")
    return out.copy_(result)


def matmul(input: ArrayLike, other: ArrayLike, *, out: Tensor | None = None) -> Array:
    """Matrix product with NumPy's (and PyTorch's) broadcasting rules, as ``torch.matmul``;
    ``out=`` writes the product into a tensor of its shape.

    >>> ad.matmul(ad.eye(2), ad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    return _into(out, dnp.matmul(input, other))


def sum(input: ArrayLike, dim: Axis = None, keepdim: builtins.bool = False,
        dtype: DTypeLike | None = None, axis: Axis = None,
        keepdims: builtins.bool | None = None) -> Array:
    """Sum over ``dim`` (an int or a tuple; all axes when None).

    >>> x = ad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ad.sum(x), ad.sum(x, dim=0)
    (tensor(10.), tensor([4., 6.]))
    """
    x = input if dtype is None else dnp.astype(input, dtype)
    return dnp.sum(x, axis=_dim(dim, axis, "sum"), keepdims=_keep(keepdim, keepdims))


def mean(input: ArrayLike, dim: Axis = None, keepdim: builtins.bool = False,
         dtype: DTypeLike | None = None, axis: Axis = None,
         keepdims: builtins.bool | None = None) -> Array:
    """Mean over ``dim`` (an int or a tuple; all axes when None).

    >>> ad.mean(ad.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1, keepdim=True)
    tensor([[1.5],
     [3.5]])
    """
    x = input if dtype is None else dnp.astype(input, dtype)
    if np.dtype(dnp.result_type(x)).kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {dnp.result_type(x)}")
    return dnp.mean(x, axis=_dim(dim, axis, "mean"), keepdims=_keep(keepdim, keepdims))


def _keep(keepdim, keepdims):
    return builtins.bool(keepdim if keepdims is None else keepdims)


MaxMin = collections.namedtuple("MaxMin", ["values", "indices"])


def _extremum(input, dim, keepdim, reducer, arg, pair, what):
    if dim is None:
        return reducer(input)
    if isinstance(dim, Box) or isinstance(dim, np.ndarray) and dim.ndim > 0:
        return pair(input, dim)                  # torch.max(a, b): elementwise
    values = reducer(input, axis=dim, keepdims=keepdim)
    idx = arg(raw_value(input), axis=dim)
    if keepdim:
        idx = np.expand_dims(idx, dim)
    return MaxMin(values, _make(np.asarray(idx, dtype=np.int64)))


def max(input: ArrayLike, dim: int | ArrayLike | None = None, keepdim: builtins.bool = False, *,
        axis: Axis = None, keepdims: builtins.bool | None = None) -> Array | MaxMin:
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)`` along ``dim``;
    ``max(x, y)`` with a tensor ``y``: the elementwise maximum. Tied maxima share the
    derivative evenly (API.md section 8).

    >>> x = ad.tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> ad.max(x)
    tensor(5.)
    >>> values, indices = ad.max(x, 1)
    >>> values, indices
    (tensor([5., 3.]), tensor([1, 0]))
    """
    return _extremum(input, _dim(dim, axis, "max"), _keep(keepdim, keepdims), dnp.max,
                     np.argmax, dnp.maximum, "max")


def min(input: ArrayLike, dim: int | ArrayLike | None = None, keepdim: builtins.bool = False, *,
        axis: Axis = None, keepdims: builtins.bool | None = None) -> Array | MaxMin:
    """``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, or ``min(x, y)`` elementwise.

    >>> ad.min(ad.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=0).values
    tensor([1., 2.])
    """
    return _extremum(input, _dim(dim, axis, "min"), _keep(keepdim, keepdims), dnp.min,
                     np.argmin, dnp.minimum, "min")


def _arg(fn, input, dim, keepdim):
    raw = raw_value(input)
    if dim is None:
        out = fn(raw)
        return _make(np.asarray(out, np.int64).reshape((1,) * np.ndim(raw) if keepdim else ()))
    out = fn(raw, axis=dim)
    return _make(np.asarray(np.expand_dims(out, dim) if keepdim else out, np.int64))


def argmax(input: ArrayLike, dim: int | None = None, keepdim: builtins.bool = False) -> Tensor:
    """Indices of the largest values along ``dim`` (of the flattened input when None),
    int64, not differentiable.

    >>> ad.argmax(ad.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1)
    tensor([1, 0])
    """
    return _arg(np.argmax, input, dim, keepdim)


def argmin(input: ArrayLike, dim: int | None = None, keepdim: builtins.bool = False) -> Tensor:
    """Indices of the smallest values along ``dim`` (of the flattened input when None),
    int64, not differentiable.

    >>> ad.argmin(ad.tensor([3.0, 1.0, 2.0]))
    tensor(1)
    """
    return _arg(np.argmin, input, dim, keepdim)


def clamp(input: ArrayLike, min: ArrayLike | None = None,
          max: ArrayLike | None = None) -> Array:
    """``input`` limited to ``[min, max]``; derivative 1 inside, bounds included.

    >>> ad.clamp(ad.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    tensor([0. , 0.5, 1. ])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    return dnp.clip(input, min, max)


clip = clamp


def where(condition: ArrayLike, input: ArrayLike | None = None,
          other: ArrayLike | None = None) -> Array | tuple[Tensor, ...]:
    """``input`` where ``condition`` holds, ``other`` elsewhere (differentiable in both);
    ``where(condition)`` alone gives the indices of the true elements, as ``nonzero``.

    >>> x = ad.tensor([1.0, -2.0])
    >>> ad.where(x > 0, x, ad.zeros(2))
    tensor([1., 0.])
    """
    if input is None and other is None:
        return tuple(_make(i.astype(np.int64)) for i in np.nonzero(raw_value(condition)))
    return dnp.where(raw_value(condition), input, other)


def softmax(input: ArrayLike, dim: int) -> Array:
    """Softmax along ``dim``, as ``torch.softmax``.

    >>> ad.softmax(ad.tensor([0.0, 0.0]), dim=0)
    tensor([0.5, 0.5])
    """
    return _functional().softmax(input, dim)


def log_softmax(input: ArrayLike, dim: int) -> Array:
    """Log-softmax along ``dim``, as ``torch.log_softmax``.

    >>> ad.exp(ad.log_softmax(ad.tensor([0.0, 0.0]), dim=0))
    tensor([0.5, 0.5])
    """
    return _functional().log_softmax(input, dim)


def flatten(input: ArrayLike, start_dim: int = 0, end_dim: int = -1) -> Array:
    """Merge the axes ``start_dim`` … ``end_dim`` into one.

    >>> ad.flatten(ad.zeros(2, 3, 4), start_dim=1).shape
    (2, 12)
    """
    return Tensor.flatten(input, start_dim, end_dim) if isinstance(input, Tensor) else (
        _torch_methods.flatten(input, start_dim, end_dim))


def allclose(input: ArrayLike, other: ArrayLike, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: builtins.bool = False) -> builtins.bool:
    """Whether all elements are close (``|a - b| <= atol + rtol |b|``), a Python bool, as
    ``torch.allclose``.

    >>> ad.allclose(ad.tensor([1.0]), ad.tensor([1.0 + 1e-9]))
    True
    """
    return builtins.bool(np.allclose(raw_value(input), raw_value(other), rtol, atol, equal_nan))


def _as_tensor(x):
    return x if isinstance(x, Box) else _make(np.asarray(x))


def _method_function(name: str, example: str) -> Callable[..., Any]:
    """``ad.<name>(input, ...)``: the ``Tensor`` method of the same name, as PyTorch's
    functions mirror its methods; ``example`` (a call and what it gives) ends its docstring."""
    def function(input: ArrayLike, *args: Any, **kwargs: Any) -> Any:
        return getattr(_as_tensor(input), name)(*args, **kwargs)
    function.__name__ = name
    call, result = example.split(" -> ")
    function.__doc__ = (f"``input.{name}(...)`` (see the Tensor method).\n\n"
                        f"    >>> {call}\n    {result}\n    ")
    return function


unsqueeze = _method_function("unsqueeze", "ad.unsqueeze(ad.zeros(3), 0).shape -> (1, 3)")
squeeze = _method_function("squeeze", "ad.squeeze(ad.zeros(1, 3)).shape -> (3,)")
reshape = _method_function("reshape", "ad.reshape(ad.arange(6), (2, 3)).shape -> (2, 3)")
transpose = _method_function("transpose", "ad.transpose(ad.zeros(2, 3), 0, 1).shape -> (3, 2)")
permute = _method_function("permute", "ad.permute(ad.zeros(2, 3, 4), (2, 0, 1)).shape -> (4, 2, 3)")
mm = _method_function("mm", "ad.mm(ad.eye(2), ad.ones(2, 3)).shape -> (2, 3)")
bmm = _method_function("bmm", "ad.bmm(ad.ones(4, 2, 3), ad.ones(4, 3, 5)).shape -> (4, 2, 5)")
norm = _method_function("norm", "ad.norm(ad.tensor([3.0, 4.0])) -> tensor(5.)")


def std(input: ArrayLike, *args: Any, **kwargs: Any) -> Array:
    """Standard deviation, unbiased unless ``unbiased=False`` / ``correction=0`` (PyTorch's
    meaning on every input, traced values included).

    >>> ad.std(ad.tensor([1.0, 2.0, 3.0]))
    tensor(1.)
    """
    return _torch_methods.moment(dnp.std, input, args, kwargs, torch_call=True)


def var(input: ArrayLike, *args: Any, **kwargs: Any) -> Array:
    """Variance, unbiased by default (see ``std``).

    >>> ad.var(ad.tensor([1.0, 2.0, 3.0])), ad.var(ad.tensor([1.0, 2.0, 3.0]), unbiased=False)
    (tensor(1.), tensor(0.6666667))
    """
    return _torch_methods.moment(dnp.var, input, args, kwargs, torch_call=True)


prod = _method_function("prod", "ad.prod(ad.tensor([2.0, 3.0])) -> tensor(6.)")
chunk = _method_function(
    "chunk", "[c.tolist() for c in ad.chunk(ad.arange(5), 2)] -> [[0, 1, 2], [3, 4]]")
split = _method_function(
    "split", "[s.tolist() for s in ad.split(ad.arange(5), 2)] -> [[0, 1], [2, 3], [4]]")
masked_fill = _method_function(
    "masked_fill", "ad.masked_fill(ad.zeros(2), ad.tensor([True, False]), 1.0) -> tensor([1., 0.])")


def cumsum(input: ArrayLike, dim: int, dtype: DTypeLike | None = None) -> Array:
    """Cumulative sum along ``dim`` (differentiable).

    >>> ad.cumsum(ad.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 3., 6.])
    """
    return dnp.cumsum(input, axis=dim, dtype=dtype)


def einsum(equation: str, *operands: ArrayLike | Sequence[ArrayLike]) -> Array:
    """``einsum`` with PyTorch's calling forms (operands listed or in one list).

    >>> ad.einsum('ij,j->i', ad.eye(2), ad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return dnp.einsum(equation, *operands)


def outer(input: ArrayLike, vec2: ArrayLike) -> Array:
    """Outer product of two vectors (differentiable), as ``torch.outer``.

    >>> ad.outer(ad.tensor([1.0, 2.0]), ad.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
     [ 2., 20.]])
    """
    return dnp.outer(input, vec2)


def randperm(n: int, generator: Generator | None = None, dtype: DTypeLike | None = None,
             requires_grad: builtins.bool = False, device: device | str | None = None) -> Tensor:
    """A random permutation of ``0 … n-1`` (int64).

    >>> sorted(ad.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    values = rng_of(generator).permutation(int(n))
    return _make(values.astype(np.int64 if dtype is None else dtype), requires_grad, device)


class inference_mode(no_grad):
    """``torch.inference_mode``: recording off, as ``no_grad`` (``mode=False`` leaves it
    on).

    >>> with ad.inference_mode():
    ...     y = ad.ones(2, requires_grad=True) * 2
    ...
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: builtins.bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> Any:
        return super().__enter__() if self.mode else self

    def __exit__(self, *exc: Any) -> builtins.bool:
        return super().__exit__(*exc) if self.mode else False


# ------------------------------------------------------------------------------ save / load
_TREE_KEY = "__dualad_tree__"


def _encode(obj, arrays):
    """A JSON-able description of ``obj``; its arrays go into ``arrays``."""
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        raw = np.asarray(raw_value(obj))
        if raw.dtype.hasobject:
            raise TypeError("save: arrays of Python objects cannot be saved (they would need "
                            "pickle); convert them to numbers first")
        arrays[f"a{len(arrays)}"] = raw
        node = {"t": "tensor" if isinstance(obj, Tensor) else "array", "i": len(arrays) - 1}
        if isinstance(obj, Tensor) and obj.requires_grad:
            node["rg"] = True
        if isinstance(obj, np.generic):
            node["t"] = "scalar"
        return node
    if obj is None or isinstance(obj, (builtins.bool, int, float, str)):
        return {"t": "py", "v": obj}
    if isinstance(obj, complex):
        return {"t": "complex", "v": [obj.real, obj.imag]}
    if isinstance(obj, dict):
        return {"t": "odict" if isinstance(obj, collections.OrderedDict) else "dict",
                "k": [_encode(k, arrays) for k in obj], "v": [_encode(v, arrays)
                                                            for v in obj.values()]}
    if isinstance(obj, (list, tuple)):
        return {"t": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                "v": [_encode(v, arrays) for v in obj]}
    raise TypeError(f"save: cannot store a {type(obj).__name__}; ad.save writes nested dicts, "
                    "lists and tuples of tensors, arrays, numbers and strings (save "
                    "model.state_dict(), not the model)")


def _decode(node, arrays):
    kind = node["t"]
    if kind == "py":
        return node["v"]
    if kind == "complex":
        return complex(*node["v"])
    if kind in ("array", "tensor", "scalar"):
        a = arrays[f"a{node['i']}"]
        if kind == "scalar":
            return a[()]
        if kind == "array":
            return a
        return _make(a, node.get("rg", False))
    if kind in ("dict", "odict"):
        pairs = [(_hashable(_decode(k, arrays)), _decode(v, arrays))
                 for k, v in zip(node["k"], node["v"])]
        return collections.OrderedDict(pairs) if kind == "odict" else dict(pairs)
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays) for v in node["v"]]
        return items if kind == "list" else tuple(items)
    raise ValueError(f"load: unknown entry kind {kind!r} in the file")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def save(obj: PyTree, f: str | bytes | os.PathLike | IO[bytes]) -> None:
    """Write ``obj`` (a state dict, an optimiser's state dict, or any nested dicts, lists and
    tuples of tensors, arrays, numbers and strings) to exactly the path ``f`` (or a binary
    file object) as a ``.npz`` archive: one entry per array and a JSON description of the
    structure. Nothing is pickled, so loading never runs code.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'state.npz')
    >>> ad.save({'w': ad.ones(2), 'step': 3}, path)
    >>> ad.load(path)
    {'w': tensor([1., 1.]), 'step': 3}
    """
    arrays = {}
    tree = json.dumps(_encode(obj, arrays)).encode()
    arrays[_TREE_KEY] = np.frombuffer(tree, dtype=np.uint8)
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        with open(f, "wb") as handle:        # np.savez would append ".npz" to a bare path
            np.savez(handle, **arrays)
    else:
        np.savez(f, **arrays)


def load(f: str | bytes | os.PathLike | IO[bytes], map_location: Any = None,
         weights_only: builtins.bool = True, **kwargs: Any) -> PyTree:
    """Read what ``save`` wrote (``map_location`` and ``weights_only`` are accepted for
    PyTorch's sake; loading never executes code: ``numpy.load(allow_pickle=False)``).
    Tensors come back as tensors, arrays as arrays, dicts in their order.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> ad.save([ad.zeros(1), 'note'], buffer)
    >>> _ = buffer.seek(0)
    >>> ad.load(buffer)
    [tensor([0.]), 'note']
    """
    if isinstance(f, io.IOBase) or hasattr(f, "read"):
        data = np.load(f, allow_pickle=False)
        return _load_from(data)
    with np.load(f, allow_pickle=False) as data:
        return _load_from(data)


def _load_from(data):
    if _TREE_KEY not in data.files:
        raise ValueError("load: this .npz file was not written by dualad.save (no structure "
                         "entry); read it with numpy.load")
    arrays = {k: data[k] for k in data.files if k != _TREE_KEY}
    tree = json.loads(bytes(data[_TREE_KEY]).decode())
    return _decode(tree, arrays)


__all__ = [
    "device", "cuda", "zeros", "ones", "empty", "full", "arange",
    "linspace", "eye",
    "zeros_like", "ones_like", "full_like", "randn", "rand", "randint", "randn_like",
    "rand_like", "from_numpy", "is_tensor", "numel", "cat", "concat", "concatenate", "stack",
    "manual_seed", "Generator", "set_grad_enabled", "is_grad_enabled", "set_default_dtype",
    "get_default_dtype", "float32", "float64", "int64", "int32", "long", "double", "bool",
    "sin", "cos", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "pow", "matmul",
    "sum", "mean", "max", "min", "argmax", "argmin", "clamp", "clip", "where", "softmax",
    "log_softmax", "flatten", "allclose", "save", "load", "unsqueeze", "squeeze", "reshape",
    "transpose", "permute", "mm", "bmm", "norm", "std", "var", "prod", "chunk", "split",
    "masked_fill", "cumsum", "einsum", "outer", "randperm", "inference_mode",
]

_torch_methods.install()

bool = _bool_dtype   # last: the builtin ``bool`` is used above
