"""PyTorch's ``Tensor`` methods (API.md section 13), handed to ``Tensor`` by ``install()``
through the core's hook ``tape.use_torch_surface``.

::

    x = ad.randn(8, 4, requires_grad=True)
    y = x.view(-1, 2).unsqueeze(0).sum(dim=2, keepdim=True)
    values, indices = x.max(dim=1)
    with ad.no_grad():
        x -= 0.1 * x.grad               # in place, the same leaf

# Design: one class, two faces. A ``Tensor`` is the imperative face's value (PyTorch's
# habits) and also the traced value that ``ad.grad`` and the other reverse transforms pass to a
# user's NumPy code, which runs on plain arrays too. Where PyTorch and NumPy give one call two
# meanings (positional ``x.max(1)``: values and indices, or values; ``x.var()``: unbiased or
# not; ``x.repeat(2)``: tile or repeat elements), a traced value keeps NumPy's meaning, so that
# a function and its derivative describe the same mathematics; an imperative tensor takes
# PyTorch's. PyTorch's keywords (``dim=``, ``keepdim=``, ``unbiased=``) and NumPy's (``axis=``,
# ``keepdims=``, ``ddof=``) select their library's meaning on either.

In-place methods (``add_`` …, ``+=`` …) write into the tensor's array when nothing is recorded
(inside ``no_grad``, or when no operand requires grad); when recording, a non-leaf tensor takes
the recorded result (PyTorch's rebasing of the graph) and a leaf that requires grad raises
``RuntimeError``, as in PyTorch.
"""
from __future__ import annotations

import collections
from typing import Any, Callable, Sequence

import numpy as np

from . import numpy as dnp
from ._core._engine import torch_mixed
from ._core.backend import raw_value
from ._core.primitive import Box, dtype_of, ndim_of, shape_of
from ._core.state import state as _state
from ._core.tape import IMPERATIVE, Tensor, use_torch_surface
from ._torch_promotion import can_cast, promote
from .typing import Array, ArrayLike, Axis, DTypeLike

MaxMin = collections.namedtuple("MaxMin", ["values", "indices"])


def _torch_face(t):
    """Does ``t`` follow PyTorch's meaning where NumPy's differs (see the Design note)?"""
    return t._trace is IMPERATIVE


def _constant(value):
    return Tensor._make(value, None, IMPERATIVE)


def _result(self, value):
    """A non-differentiable result (indices, booleans): a tensor on the imperative face, the
    plain array NumPy would give for a traced value."""
    return _constant(value) if _torch_face(self) else value


def _dims(args, what):
    """``(2, 3)`` from ``f(2, 3)`` or ``f((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def _axis(dim, axis, what):
    if dim is not None and axis is not None:
        raise TypeError(f"{what}() got both dim and axis; give one")
    dim = axis if dim is None else dim
    return tuple(dim) if isinstance(dim, list) else dim


def _keep(keepdim, keepdims):
    return bool(keepdims if keepdims is not None else keepdim)


# ------------------------------------------------------------------------------ shapes
def view(self, *shape: int | Sequence[int]) -> Array:
    """``reshape`` (``-1`` infers one size); dualad's arrays need no contiguity.

    >>> ad.arange(6).view(2, -1).shape
    (2, 3)
    """
    return dnp.reshape(self, _dims(shape, "view"))


def reshape(self, *shape: int | Sequence[int], **kwargs: Any) -> Array:
    """``self`` with a new shape (sizes as arguments or one tuple; one may be -1).

    >>> ad.arange(6).reshape(3, 2).shape
    (3, 2)
    >>> ad.arange(6).reshape((2, 3)).shape
    (2, 3)
    """
    if kwargs:           # NumPy's order=
        return dnp.reshape(self, shape[0] if len(shape) == 1 else shape, **kwargs)
    return dnp.reshape(self, _dims(shape, "reshape"))


def view_as(self, other: ArrayLike) -> Array:
    """``self`` reshaped to ``other``'s shape.

    >>> ad.arange(6).view_as(ad.zeros(2, 3)).shape
    (2, 3)
    """
    return dnp.reshape(self, shape_of(other))


def flatten(self, start_dim: int | str = 0, end_dim: int = -1) -> Array:
    """Merge the axes ``start_dim`` … ``end_dim`` (all: a 1-D tensor); NumPy's
    ``flatten("C")`` also accepted.

    >>> ad.zeros(2, 3, 4).flatten().shape, ad.zeros(2, 3, 4).flatten(1).shape
    ((24,), (2, 12))
    """
    if isinstance(start_dim, str):
        return dnp.ravel(self)
    shape = shape_of(self)
    if not shape:
        return dnp.reshape(self, (1,))
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = int(np.prod(shape[start:end + 1]))
    return dnp.reshape(self, shape[:start] + (merged,) + shape[end + 1:])


def t(self) -> Array:
    """The transpose of a matrix (a 0-D or 1-D tensor as it is).

    >>> ad.zeros(2, 3).t().shape
    (3, 2)
    """
    if ndim_of(self) > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{ndim_of(self)}D; use transpose(dim0, dim1) or permute")
    return dnp.transpose(self) if ndim_of(self) == 2 else self


def permute(self, *dims: int | Sequence[int]) -> Array:
    """``self`` with its axes in the order ``dims``.

    >>> ad.zeros(2, 3, 4).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    return dnp.transpose(self, _dims(dims, "permute"))


def transpose(self, *axes: int | Sequence[int] | None) -> Array:
    """``transpose(dim0, dim1)`` swaps two axes (PyTorch); ``transpose()`` or
    ``transpose(axes_tuple)`` permutes them (NumPy). For a matrix both agree.

    >>> ad.zeros(2, 3, 4).transpose(0, 2).shape
    (4, 3, 2)
    >>> ad.zeros(2, 3, 4).transpose().shape
    (4, 3, 2)
    """
    if len(axes) == 2 and isinstance(axes[0], (int, np.integer)) and isinstance(
            axes[1], (int, np.integer)):
        return dnp.swapaxes(self, int(axes[0]), int(axes[1]))
    return dnp.transpose(self, axes[0] if len(axes) == 1 else (axes or None))


def unsqueeze(self, dim: int) -> Array:
    """``self`` with a new axis of length 1 at ``dim``.

    >>> ad.zeros(3).unsqueeze(-1).shape
    (3, 1)
    """
    return dnp.expand_dims(self, dim if dim >= 0 else dim + ndim_of(self) + 1)


def squeeze(self, dim: Axis = None, axis: Axis = None) -> Array:
    """Drop axes of length 1: all, or ``dim`` (PyTorch: left alone if its length is not 1;
    NumPy's ``axis=`` raises then).

    >>> ad.zeros(1, 3, 1).squeeze().shape, ad.zeros(1, 3, 1).squeeze(0).shape
    ((3,), (3, 1))
    """
    if axis is not None:
        return dnp.squeeze(self, axis)
    if dim is None:
        return dnp.squeeze(self)
    shape = shape_of(self)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    dims = tuple(d for d in dims if shape[d] == 1)
    return dnp.squeeze(self, dims) if dims else self


def expand(self, *sizes: int | Sequence[int]) -> Array:
    """A broadcast view to ``sizes`` (``-1`` keeps an axis).

    >>> ad.zeros(3, 1).expand(-1, 4).shape
    (3, 4)
    """
    sizes = _dims(sizes, "expand")
    shape = shape_of(self)
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return dnp.broadcast_to(self, target)


def expand_as(self, other: ArrayLike) -> Array:
    """``self`` broadcast to ``other``'s shape.

    >>> ad.zeros(1, 2).expand_as(ad.ones(3, 2)).shape
    (3, 2)
    """
    return dnp.broadcast_to(self, shape_of(other))


def repeat(self, *args: Any, axis: int | None = None) -> Array:
    """PyTorch's ``repeat(*sizes)`` tiles the tensor; NumPy's ``repeat(n, axis=)`` repeats
    each element (a traced value's positional call keeps NumPy's meaning).

    >>> ad.tensor([1.0, 2.0]).repeat(2)
    tensor([1., 2., 1., 2.])
    >>> ad.zeros(1, 2).repeat(3, 1).shape
    (3, 2)
    """
    if axis is not None or not _torch_face(self):
        return dnp.repeat(self, *args, axis=axis)
    reps = _dims(args, "repeat")
    x = self
    if len(reps) > ndim_of(x):
        x = dnp.reshape(x, (1,) * (len(reps) - ndim_of(x)) + shape_of(x))
    return dnp.tile(x, reps)


def chunk(self, chunks: int, dim: int = 0) -> tuple[Array, ...]:
    """Split into ``chunks`` pieces along ``dim`` (the last may be smaller).

    >>> [c.tolist() for c in ad.arange(5).chunk(2)]
    [[0, 1, 2], [3, 4]]
    """
    n = shape_of(self)[dim]
    size = -(-n // chunks)
    return tuple(dnp.split(self, list(range(size, n, size)), axis=dim))


def split(self, split_size_or_sections: int | Sequence[int],
          dim: int = 0) -> tuple[Array, ...]:
    """Pieces of ``self`` along ``dim``: of ``split_size`` each (the last may be shorter), or of
    the listed sizes.

    >>> [s.tolist() for s in ad.arange(5).split([1, 4])]
    [[0], [1, 2, 3, 4]]
    """
    n = shape_of(self)[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        bounds = list(range(int(split_size_or_sections), n, int(split_size_or_sections)))
    else:
        bounds = list(np.cumsum(split_size_or_sections)[:-1])
    return tuple(dnp.split(self, bounds, axis=dim))


# ------------------------------------------------------------------------------ reductions
def sum(self, dim: Axis = None, keepdim: bool = False, dtype: DTypeLike | None = None, *,
        axis: Axis = None, keepdims: bool | None = None, **kwargs: Any) -> Array:
    """Sum over ``dim`` (an int or a tuple; all axes when None).

    >>> x = ad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.sum(), x.sum(dim=1, keepdim=True)
    (tensor(10.), tensor([[3.],
     [7.]]))
    """
    x = self if dtype is None else dnp.astype(self, dtype)
    return dnp.sum(x, axis=_axis(dim, axis, "sum"), keepdims=_keep(keepdim, keepdims), **kwargs)


def mean(self, dim: Axis = None, keepdim: bool = False, dtype: DTypeLike | None = None, *,
         axis: Axis = None, keepdims: bool | None = None, **kwargs: Any) -> Array:
    """Mean over ``dim`` (an int or a tuple; all axes when None).

    >>> ad.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(dim=0)
    tensor([2., 3.])
    """
    x = self if dtype is None else dnp.astype(self, dtype)
    return dnp.mean(x, axis=_axis(dim, axis, "mean"), keepdims=_keep(keepdim, keepdims),
                    **kwargs)


def prod(self, dim: Axis = None, keepdim: bool = False, dtype: DTypeLike | None = None, *,
         axis: Axis = None, keepdims: bool | None = None) -> Array:
    """Product over ``dim`` (all axes when None).

    >>> ad.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1)
    tensor([ 2., 12.])
    """
    return dnp.prod(self, axis=_axis(dim, axis, "prod"), dtype=dtype,
                    keepdims=_keep(keepdim, keepdims))


def _extremum(self, dim, keepdim, axis, keepdims, reduce, arg, pair, torch_call):
    if isinstance(dim, Box) or isinstance(dim, np.ndarray):
        return pair(self, dim)                                      # x.max(other)
    if axis is not None or not torch_call or dim is None:
        return reduce(self, axis=_axis(dim, axis, "max"), keepdims=_keep(keepdim, keepdims))
    values = reduce(self, axis=dim, keepdims=bool(keepdim))
    idx = arg(raw_value(self), axis=dim)
    if keepdim:
        idx = np.expand_dims(idx, dim)
    return MaxMin(values, _result(self, np.asarray(idx, np.int64)))


def _extremum_call(self, args, kwargs, reduce, arg, pair, what):
    """``x.max()``, ``x.max(dim[, keepdim])``, ``x.max(dim=…)``, ``x.max(other)`` or
    NumPy's ``x.max(axis=…, keepdims=…)``."""
    torch_call = "dim" in kwargs or "keepdim" in kwargs or _torch_face(self)
    names = ("dim", "keepdim")
    opts = dict(zip(names, args))
    if len(args) > 2:
        raise TypeError(f"{what}() takes at most 2 positional arguments")
    for k, v in kwargs.items():
        if k not in ("dim", "keepdim", "axis", "keepdims"):
            raise TypeError(f"{what}() got an unexpected keyword argument {k!r}")
        opts[k] = v
    return _extremum(self, opts.get("dim"), opts.get("keepdim", False), opts.get("axis"),
                     opts.get("keepdims"), reduce, arg, pair, torch_call)


def max(self, *args: Any, **kwargs: Any) -> Array | MaxMin:
    """``x.max()``: the largest value; ``x.max(dim)`` / ``x.max(dim=1)``: ``(values,
    indices)``; ``x.max(axis=1)``: the values (NumPy). Ties share the derivative evenly.

    >>> x = ad.tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> x.max()
    tensor(5.)
    >>> x.max(dim=1)
    MaxMin(values=tensor([5., 3.]), indices=tensor([1, 0]))
    """
    return _extremum_call(self, args, kwargs, dnp.max, np.argmax, dnp.maximum, "max")


def min(self, *args: Any, **kwargs: Any) -> Array | MaxMin:
    """``x.min()``, ``x.min(dim)`` -> ``(values, indices)``; see ``max``.

    >>> ad.tensor([[1.0, 5.0], [3.0, 2.0]]).min(1).indices
    tensor([0, 1])
    """
    return _extremum_call(self, args, kwargs, dnp.min, np.argmin, dnp.minimum, "min")


def _arg(fn, self, dim, keepdim, axis, keepdims):
    dim = _axis(dim, axis, fn.__name__)
    raw = raw_value(self)
    keep = _keep(keepdim, keepdims)
    if dim is None:
        out = np.asarray(fn(raw)).reshape((1,) * np.ndim(raw) if keep else ())
    else:
        out = fn(raw, axis=dim)
        out = np.expand_dims(out, dim) if keep else out
    return _result(self, np.asarray(out, np.int64))


def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
           keepdims: bool | None = None) -> Array:
    """Indices of the largest values (int64, not differentiable).

    >>> ad.tensor([[1.0, 5.0], [3.0, 2.0]]).argmax(dim=1)
    tensor([1, 0])
    """
    return _arg(np.argmax, self, dim, keepdim, axis, keepdims)


def argmin(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
           keepdims: bool | None = None) -> Array:
    """Indices of the smallest values along ``dim`` (int64, not differentiated).

    >>> ad.tensor([3.0, 1.0, 2.0]).argmin()
    tensor(1)
    """
    return _arg(np.argmin, self, dim, keepdim, axis, keepdims)


def moment(fn: Callable[..., Array], self: ArrayLike, args: tuple,
           kwargs: dict[str, Any], torch_call: bool = False) -> Array:
    """``var``/``std`` with PyTorch's ``(dim, unbiased, keepdim, correction)`` or NumPy's
    ``(axis, dtype, out, ddof, keepdims)``; ``torch_call``: PyTorch's meaning whatever the
    face (``ad.var``)."""
    numpy_call = bool({"axis", "ddof", "keepdims", "dtype", "out"} & set(kwargs)) or (
        not torch_call and not _torch_face(self)
        and not {"dim", "unbiased", "keepdim", "correction"} & set(kwargs))
    if numpy_call:
        return fn(self, *args, **kwargs)
    names = ("dim", "unbiased", "keepdim")
    if args and isinstance(args[0], bool):           # x.var(False): unbiased first
        names = ("unbiased", "keepdim")
    opts = dict(zip(names, args))
    opts.update(kwargs)
    dim = opts.pop("dim", None)
    correction = opts.pop("correction", None)
    unbiased = opts.pop("unbiased", None)
    keepdim = opts.pop("keepdim", False)
    if opts:
        raise TypeError(f"{fn.__name__}() got unexpected arguments {sorted(opts)}")
    ddof = correction if correction is not None else (0 if unbiased is False else 1)
    return fn(self, axis=tuple(dim) if isinstance(dim, list) else dim, ddof=ddof,
              keepdims=bool(keepdim))


def var(self, *args: Any, **kwargs: Any) -> Array:
    """Variance; PyTorch's default is unbiased (divisor n - 1): ``x.var(dim=0)``,
    ``x.var(unbiased=False)``; NumPy's ``x.var(axis=0, ddof=0)`` also accepted.

    >>> x = ad.tensor([1.0, 2.0, 3.0])
    >>> x.var(), x.var(unbiased=False)
    (tensor(1.), tensor(0.6666667))
    """
    return moment(dnp.var, self, args, kwargs)


def std(self, *args: Any, **kwargs: Any) -> Array:
    """Standard deviation, unbiased by default (see ``var``).

    >>> ad.tensor([1.0, 2.0, 3.0]).std()
    tensor(1.)
    """
    return moment(dnp.std, self, args, kwargs)


def norm(self, p: float | str = 2, dim: Axis = None, keepdim: bool = False) -> Array:
    """The ``p``-norm of the flattened tensor, or along ``dim``.

    >>> ad.tensor([3.0, 4.0]).norm(), ad.tensor([3.0, -4.0]).norm(p=1)
    (tensor(5.), tensor(7.))
    """
    if p == 2:
        return dnp.sqrt(dnp.sum(self * self, axis=dim, keepdims=keepdim))
    if p in (np.inf, "inf"):
        return dnp.max(dnp.abs(self), axis=dim, keepdims=keepdim)
    return dnp.sum(dnp.abs(self) ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)


def any(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
        keepdims: bool | None = None) -> Array:
    """Whether any element (along ``dim``) is true: a boolean tensor.

    >>> ad.tensor([[True, False], [False, False]]).any(dim=1)
    tensor([ True, False])
    """
    return _result(self, np.any(raw_value(self), axis=_axis(dim, axis, "any"),
                                keepdims=_keep(keepdim, keepdims)))


def all(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
        keepdims: bool | None = None) -> Array:
    """Whether all elements (along ``dim``) are true: a boolean tensor.

    >>> ad.tensor([1.0, 0.0]).all()
    tensor(False)
    """
    return _result(self, np.all(raw_value(self), axis=_axis(dim, axis, "all"),
                                keepdims=_keep(keepdim, keepdims)))


# ------------------------------------------------------------------------------ math
def _unary(fn):
    def method(self) -> Array:
        return fn(self)
    method.__name__ = fn.__name__
    method.__doc__ = f"``{fn.__name__}`` elementwise, as ``torch.Tensor.{fn.__name__}``."
    return method


def _relu(x):
    from .nn.functional import relu as f
    return f(x)


def pow(self, exponent: ArrayLike) -> Array:
    """``self ** exponent`` elementwise, keeping a float tensor's dtype against an integer
    exponent as PyTorch does (NumPy would widen ``float32 ** int64`` to float64).

    >>> import dualad as ad
    >>> ad.linspace(0, 1, 3).unsqueeze(-1).pow(ad.tensor([1, 2])).dtype
    dtype('float32')
    """
    dtype = np.dtype(dtype_of(self))
    exponent_dtype = getattr(exponent, "dtype", None)
    if dtype.kind == "f" and exponent_dtype is not None and np.dtype(exponent_dtype).kind in "biu":
        exponent = dnp.astype(exponent, dtype)
    return self ** exponent


def clamp(self, min: ArrayLike | None = None, max: ArrayLike | None = None) -> Array:
    """``self`` limited to ``[min, max]``; derivative 1 inside, bounds included.

    >>> ad.tensor([-2.0, 0.5, 3.0]).clamp(min=0.0, max=1.0)
    tensor([0. , 0.5, 1. ])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    return dnp.clip(self, min, max)


def clip(self, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None,
         **kwargs: Any) -> Array:
    """NumPy's ``clip(a_min, a_max)`` (also ``min=``/``max=``, as ``clamp``).

    >>> ad.tensor([-2.0, 0.5, 3.0]).clip(0.0, 1.0)
    tensor([0. , 0.5, 1. ])
    """
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    return dnp.clip(self, a_min, a_max, **kwargs)


def matmul(self, other: ArrayLike) -> Array:
    """``self @ other``.

    >>> ad.eye(2).matmul(ad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    return dnp.matmul(self, other)


def mm(self, other: ArrayLike) -> Array:
    """Product of two matrices (2-d only), as ``torch.mm``.

    >>> ad.ones(2, 3).mm(ad.ones(3, 4)).shape
    (2, 4)
    """
    if ndim_of(self) != 2 or ndim_of(other) != 2:
        raise RuntimeError(f"mm: expected two matrices, got shapes {shape_of(self)} and "
                           f"{shape_of(other)}")
    return dnp.matmul(self, other)


def bmm(self, other: ArrayLike) -> Array:
    """Batched product of two stacks of matrices (3-d only), as ``torch.bmm``.

    >>> ad.ones(5, 2, 3).bmm(ad.ones(5, 3, 4)).shape
    (5, 2, 4)
    """
    if ndim_of(self) != 3 or ndim_of(other) != 3 or shape_of(self)[0] != shape_of(other)[0]:
        raise RuntimeError(f"bmm: expected two batches of matrices (b, n, m) and (b, m, p), "
                           f"got shapes {shape_of(self)} and {shape_of(other)}")
    return dnp.matmul(self, other)


def softmax(self, dim: int) -> Array:
    """Softmax along ``dim``.

    >>> ad.tensor([0.0, 0.0]).softmax(0)
    tensor([0.5, 0.5])
    """
    from .nn.functional import softmax as f
    return f(self, dim)


def log_softmax(self, dim: int) -> Array:
    """Log-softmax along ``dim``.

    >>> ad.tensor([0.0, 0.0]).log_softmax(0).exp()
    tensor([0.5, 0.5])
    """
    from .nn.functional import log_softmax as f
    return f(self, dim)


def masked_fill(self, mask: ArrayLike, value: ArrayLike) -> Array:
    """``value`` where ``mask`` is true, the tensor elsewhere.

    >>> x = ad.tensor([1.0, -2.0, 3.0])
    >>> x.masked_fill(x < 0, 0.0)
    tensor([1., 0., 3.])
    """
    return dnp.where(raw_value(mask), value, self)


def _compare(name):
    """A comparison giving a boolean tensor on the imperative face (a plain boolean array for
    traced values, as NumPy code expects)."""
    fn = getattr(dnp, name)

    def method(self, other: ArrayLike) -> Array:
        if not _torch_face(self):
            return fn(self, other)
        if torch_mixed(self, other):
            self, other = promote(self, other)   # compared in PyTorch's common dtype
        out = fn(self, other)
        return out if isinstance(out, Box) else _constant(out)
    method.__name__ = name
    method.__doc__ = f"``dualad.numpy.{name}(self, other)``: a boolean tensor, not differentiated."
    return method


def _promoting(fn, name, reflected=False):
    """The operator ``fn(self, other)`` (``fn(other, self)`` when ``reflected``), its operands
    promoted as PyTorch's on the imperative face (``_torch_promotion``), as NumPy's on traced
    values. (+ - * / ** are compiled on the boxes' base, which asks the same ``promote``.)"""
    def method(self, other):
        a, b = (other, self) if reflected else (self, other)
        return fn(*promote(a, b)) if torch_mixed(self, other) else fn(a, b)
    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    method.__doc__ = f"``dualad.numpy.{fn.__name__}``, with PyTorch's type promotion."
    return method


# the NumPy ufuncs whose operands an ndarray meeting a tensor (``np_array * t``) hands to
# ``__array_ufunc__``: promoted there as by the operators (True: a comparison)
_PROMOTED_UFUNCS = {np.add: False, np.subtract: False, np.multiply: False,
                    np.true_divide: False, np.floor_divide: False, np.remainder: False,
                    np.power: False, np.equal: True, np.not_equal: True, np.less: True,
                    np.less_equal: True, np.greater: True, np.greater_equal: True}


def _array_ufunc(box_array_ufunc):
    """``Box.__array_ufunc__`` with the operators' promotion for an imperative tensor, and
    comparisons giving boolean tensors (as ``t > a`` does)."""
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        comparison = _PROMOTED_UFUNCS.get(ufunc)
        if (comparison is None or method != "__call__" or len(inputs) != 2 or kwargs
                or not _torch_face(self)):
            return box_array_ufunc(self, ufunc, method, *inputs, **kwargs)
        divide = ufunc is np.true_divide
        if torch_mixed(self, inputs[0] if inputs[1] is self else inputs[1], divide):
            inputs = promote(*inputs, true_divide=divide)
        out = box_array_ufunc(self, ufunc, method, *inputs)
        return _constant(out) if comparison and not isinstance(out, Box) else out
    return __array_ufunc__


# ------------------------------------------------------------------------------ dtypes
def cast(self, dtype: DTypeLike) -> Tensor:
    """``self`` in ``dtype``: a float (or complex) value that carries a derivative through the
    differentiable ``astype``; integer and boolean values, and constants, by casting the array
    (nothing to differentiate).

    >>> cast(ad.tensor([1.5]), np.float64).dtype
    dtype('float64')
    """
    dtype = np.dtype(dtype)
    if dtype == np.dtype(self.dtype):
        return self
    value = self._value
    if (self._node is None and type(value) is np.ndarray) or np.dtype(self.dtype).kind in "biu":
        return Tensor._make(np.asarray(raw_value(value)).astype(dtype), None, self._trace)
    out = dnp.astype(self, dtype)
    # a cast to an integer or boolean dtype is a constant (dnp gives a plain array)
    return out if isinstance(out, Box) else Tensor._make(out, None, self._trace)


def _cast(dtype):
    def method(self) -> Tensor:
        return cast(self, dtype)
    method.__doc__ = f"``self`` as {np.dtype(dtype).name} (see ``cast``)."
    return method


def to(self, *args: Any, **kwargs: Any) -> Tensor:
    """``to(dtype)``, ``to(other_tensor)`` (its dtype), ``to("cpu")`` or ``to(device,
    dtype)``; a float-to-float cast stays differentiable.

    >>> ad.tensor([1.5]).to(ad.float64).dtype, ad.tensor([1.5]).to('cpu').dtype
    (dtype('float64'), dtype('float32'))
    """
    from .nn.module import _parse_to
    dtype = _parse_to(args, dict(kwargs))
    return self if dtype is None else cast(self, dtype)


def type_(self, dtype: DTypeLike | None = None) -> str | Tensor:
    """The dtype's name with no argument, else ``self`` cast to ``dtype``.

    >>> x = ad.tensor([1.5])
    >>> x.type()
    'float32'
    >>> x.type(ad.int64)
    tensor([1])
    """
    if dtype is None:
        return str(self.dtype)
    return cast(self, dtype)


# ------------------------------------------------------------------------------ sizes
class _Size(int):
    """NumPy's ``x.size`` (the element count, an int) that can also be called as PyTorch's
    ``x.size()`` (the shape) or ``x.size(dim)``."""

    def __new__(cls, shape: Sequence[int]) -> _Size:
        obj = super().__new__(cls, int(np.prod(shape)))
        obj.shape = tuple(shape)
        return obj

    def __call__(self, dim: int | None = None) -> int | tuple[int, ...]:
        return self.shape if dim is None else self.shape[dim]


def numel(self) -> int:
    """The number of elements.

    >>> ad.zeros(2, 3).numel()
    6
    """
    return int(np.prod(shape_of(self)))


def dim(self) -> int:
    """The number of axes.

    >>> ad.zeros(2, 3).dim()
    2
    """
    return ndim_of(self)


def contiguous(self) -> Tensor:
    """The tensor itself: dualad's values are already C-contiguous, so PyTorch code calling
    ``.contiguous()`` runs unchanged.

    >>> import dualad as ad
    >>> x = ad.tensor([1.0, 2.0])
    >>> x.contiguous() is x
    True
    """
    return self


def cpu(self) -> Tensor:
    """The tensor itself: its values are NumPy arrays in host memory.

    >>> import dualad as ad
    >>> x = ad.tensor([1.0, 2.0])
    >>> x.cpu() is x
    True
    """
    return self


def clone(self) -> Tensor:
    """A copy with its own memory, still in the graph.

    >>> x = ad.ones(2)
    >>> y = x.clone()
    >>> y[0] = 5.0
    >>> x, y
    (tensor([1., 1.]), tensor([5., 1.]))
    """
    if self._node is None and type(self._value) is np.ndarray:
        return Tensor._make(self._value.copy(), None, self._trace)
    return self + np.zeros((), dtype_of(self))    # recorded (and any inner box kept)


# ------------------------------------------------------------------------------ in place
_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
_OPS = {"add": dnp.add, "sub": dnp.subtract, "mul": dnp.multiply, "div": dnp.divide}


def _carries(v, level):
    return isinstance(v, Tensor) and v._level == level and v._node is not None


def _assign(self, result, what):
    """``self`` takes ``result``'s value (and place in the graph) in place."""
    if not _torch_face(self):
        return result                       # a traced value: ``x += y`` rebinds the name
    recording = _state.no_grad_upto < self._level and (
        self._node is not None or _carries(result, self._level))
    if not recording:
        value = raw_value(self)
        new = np.asarray(raw_value(result))
        if not np.can_cast(new.dtype, value.dtype, "same_kind"):
            raise RuntimeError(f"{what}: result type {new.dtype} can't be cast to the desired "
                               f"output type {value.dtype}")
        if value.flags.writeable and value.shape == new.shape:
            value[...] = new
        else:
            self._value = new.astype(value.dtype).reshape(np.shape(value) or new.shape)
        return self
    if self.is_leaf and self.requires_grad:
        raise RuntimeError(f"{what}: a leaf Variable that requires grad is being used in an "
                           "in-place operation (update it inside ad.no_grad(), or on .data)")
    if dtype_of(result) != dtype_of(self):
        result = dnp.astype(result, dtype_of(self))
    if shape_of(result) != shape_of(self):
        raise RuntimeError(f"{what}: output with shape {shape_of(self)} doesn't match the "
                           f"broadcast shape {shape_of(result)}")
    self._value, self._node = result._value, result._node
    return self


def _inplace(name):
    op = _OPS[name]

    def method(self, other: ArrayLike, alpha: ArrayLike | None = None) -> Array:
        if alpha is not None:
            other = other * alpha
        if not _torch_face(self):
            return _assign(self, op(self, other), f"{name}_")
        promoted = self
        if torch_mixed(self, other, name == "div"):
            promoted, other = promote(self, other, true_divide=name == "div")
            _check_castable(self, promoted, f"{name}_")
        if not _would_record(self, other):
            ufunc = _UFUNCS[name]
            value = raw_value(self)
            if value.flags.writeable and np.broadcast_shapes(
                    value.shape, np.shape(raw_value(other))) == value.shape:
                ufunc(value, raw_value(other), out=value, casting="same_kind")
                return self
        return _assign(self, op(promoted, other), f"{name}_")
    method.__name__ = f"{name}_"
    method.__doc__ = f"In-place ``{name}`` (``alpha`` scales ``other`` first, where given)."
    return method


def _would_record(self, other):
    return _state.no_grad_upto < self._level and (
        self._node is not None or _carries(other, self._level))


def _check_castable(self, promoted, what):
    """PyTorch's refusal to write a result of another category into ``self``; ``promoted``
    is ``self`` cast to the operation's dtype (``promote``)."""
    have, want = np.dtype(dtype_of(promoted)), np.dtype(dtype_of(self))
    if not can_cast(have, want):
        raise RuntimeError(f"{what}: result type {have} can't be cast to the desired output "
                           f"type {want}")


def _augmented(name):
    method = _inplace(name)

    def dunder(self, other: ArrayLike) -> Array:
        return method(self, other)
    return dunder


def _plain_index(index):
    """An index with its tensors replaced by their arrays (indices carry no derivative)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    return raw_value(index) if isinstance(index, Box) else index


def setitem(self, index: Any, value: ArrayLike) -> None:
    """``t[index] = value``: written into the tensor's array when nothing is recorded; when
    recording, a non-leaf tensor takes ``t.at[index].set(value)`` (the write is differentiated)
    and a leaf that requires grad raises, as in PyTorch. A value traced by a transform has no
    item assignment: ``x = x.at[index].set(value)``.

    >>> x = ad.zeros(3)
    >>> x[1] = 2.0
    >>> x
    tensor([0., 2., 0.])
    """
    if not _torch_face(self):
        raise TypeError("a value traced by a dualad transform does not support item assignment; "
                        "write x = x.at[index].set(value) (a functional update)")
    index = _plain_index(index)
    if not _would_record(self, value):
        raw = raw_value(self)
        if not raw.flags.writeable:
            raw = self._value = raw.copy()
        raw[index] = raw_value(value)
        return
    _assign(self, self.at[index].set(value), "item assignment")


def zero_(self) -> Tensor:
    """Set every element to 0, in place.

    >>> ad.ones(2).zero_()
    tensor([0., 0.])
    """
    return fill_(self, 0)


def fill_(self, value: ArrayLike) -> Tensor:
    """Set every element to ``value``, in place.

    >>> ad.zeros(2).fill_(3.0)
    tensor([3., 3.])
    """
    if _torch_face(self) and not _would_record(self, value):
        raw = raw_value(self)
        if raw.flags.writeable:
            raw[...] = raw_value(value)
        else:
            self._value = np.full_like(raw, raw_value(value))
        return self
    if isinstance(value, Box):
        return _assign(self, dnp.broadcast_to(value, shape_of(self)) + np.zeros(
            (), dtype_of(self)), "fill_")
    return _assign(self, _constant(np.full(shape_of(self), value, dtype_of(self))), "fill_")


def copy_(self, src: ArrayLike) -> Tensor:
    """Copy ``src``'s values into this tensor, in place (broadcast to its shape).

    >>> ad.zeros(2, 2).copy_(ad.tensor([1.0, 2.0]))
    tensor([[1., 2.],
     [1., 2.]])
    """
    if _torch_face(self) and not _would_record(self, src):
        raw_value(self)[...] = raw_value(src)
        return self
    return _assign(self, dnp.broadcast_to(src, shape_of(self)) + np.zeros((), dtype_of(self)),
                   "copy_")


def clamp_(self, min: ArrayLike | None = None, max: ArrayLike | None = None) -> Array:
    """In-place ``clamp`` (a leaf that requires grad only under ``no_grad``).

    >>> x = ad.tensor([-1.0, 2.0])
    >>> _ = x.clamp_(0.0, 1.0)
    >>> x
    tensor([0., 1.])
    """
    return _assign(self, clamp(self, min, max), "clamp_")


# The examples that end the docstrings of the methods made above by ``_unary``, ``_compare``,
# ``_cast`` and ``_inplace`` (a call and what it gives), by the name each is installed under.
_EXAMPLES = {
    "abs": "ad.tensor([-1.5, 2.0]).abs() -> tensor([1.5, 2. ])",
    "exp": "ad.tensor([0.0]).exp() -> tensor([1.])",
    "log": "ad.tensor([1.0]).log() -> tensor([0.])",
    "sin": "ad.tensor([0.0]).sin() -> tensor([0.])",
    "cos": "ad.tensor([0.0]).cos() -> tensor([1.])",
    "tanh": "ad.tensor([0.0]).tanh() -> tensor([0.])",
    "sigmoid": "ad.tensor([0.0]).sigmoid() -> tensor([0.5])",
    "relu": "ad.tensor([-1.0, 2.0]).relu() -> tensor([0., 2.])",
    "sqrt": "ad.tensor([4.0]).sqrt() -> tensor([2.])",
    "neg": "ad.tensor([1.0, -2.0]).neg() -> tensor([-1.,  2.])",
    "eq": "ad.tensor([1.0, 2.0]).eq(2.0) -> tensor([False,  True])",
    "ne": "ad.tensor([1.0, 2.0]).ne(2.0) -> tensor([ True, False])",
    "lt": "ad.tensor([1.0, 2.0]).lt(2.0) -> tensor([ True, False])",
    "le": "ad.tensor([1.0, 2.0]).le(1.0) -> tensor([ True, False])",
    "gt": "ad.tensor([1.0, 2.0]).gt(1.0) -> tensor([False,  True])",
    "ge": "ad.tensor([1.0, 2.0]).ge(2.0) -> tensor([False,  True])",
    "float": "ad.tensor([1, 2]).float().dtype -> dtype('float32')",
    "double": "ad.tensor([1.0]).double().dtype -> dtype('float64')",
    "long": "ad.tensor([1.7]).long() -> tensor([1])",
    "int": "ad.tensor([1.7]).int().dtype -> dtype('int32')",
    "bool": "ad.tensor([0.0, 2.0]).bool() -> tensor([False,  True])",
    "add_": "ad.ones(2).add_(ad.ones(2), alpha=2) -> tensor([3., 3.])",
    "sub_": "ad.ones(2).sub_(0.5) -> tensor([0.5, 0.5])",
    "mul_": "ad.ones(2).mul_(3.0) -> tensor([3., 3.])",
    "div_": "ad.ones(2).div_(4.0) -> tensor([0.25, 0.25])",
}


# ------------------------------------------------------------------------------ install
def install() -> None:
    methods = dict(
        view=view, reshape=reshape, view_as=view_as, reshape_as=view_as, flatten=flatten,
        t=t, permute=permute, transpose=transpose, unsqueeze=unsqueeze, squeeze=squeeze,
        expand=expand, expand_as=expand_as, repeat=repeat, chunk=chunk, split=split,
        sum=sum, mean=mean, prod=prod, max=max, min=min, argmax=argmax, argmin=argmin,
        var=var, std=std, norm=norm, any=any, all=all,
        abs=_unary(dnp.abs), exp=_unary(dnp.exp), log=_unary(dnp.log), sin=_unary(dnp.sin),
        cos=_unary(dnp.cos), tanh=_unary(dnp.tanh), sigmoid=_unary(dnp.sigmoid),
        relu=_unary(_relu), sqrt=_unary(dnp.sqrt), neg=_unary(dnp.negative), pow=pow,
        clamp=clamp, clip=clip, matmul=matmul, mm=mm, bmm=bmm, softmax=softmax,
        log_softmax=log_softmax, masked_fill=masked_fill,
        eq=_compare("equal"), ne=_compare("not_equal"), lt=_compare("less"),
        le=_compare("less_equal"), gt=_compare("greater"), ge=_compare("greater_equal"),
        __eq__=_compare("equal"), __ne__=_compare("not_equal"), __lt__=_compare("less"),
        __le__=_compare("less_equal"), __gt__=_compare("greater"),
        __ge__=_compare("greater_equal"),
        __floordiv__=_promoting(dnp.floor_divide, "floordiv"),
        __rfloordiv__=_promoting(dnp.floor_divide, "floordiv", reflected=True),
        __mod__=_promoting(dnp.mod, "mod"), __rmod__=_promoting(dnp.mod, "mod", reflected=True),
        __array_ufunc__=_array_ufunc(Box.__array_ufunc__),
        float=_cast(np.float32), double=_cast(np.float64), long=_cast(np.int64),
        int=_cast(np.int32), bool=_cast(np.bool_), to=to, type=type_,
        numel=numel, dim=dim, ndimension=dim, clone=clone,
        contiguous=contiguous, cpu=cpu,
        zero_=zero_, fill_=fill_, copy_=copy_, clamp_=clamp_,
        add_=_inplace("add"), sub_=_inplace("sub"), mul_=_inplace("mul"),
        div_=_inplace("div"),
        __iadd__=_augmented("add"), __isub__=_augmented("sub"), __imul__=_augmented("mul"),
        __itruediv__=_augmented("div"), __setitem__=setitem,
    )
    methods.update(
        __hash__=object.__hash__,   # defining __eq__ would otherwise unset it
        size=property(lambda self: _Size(shape_of(self)),
                      doc="``x.size()`` is the shape; ``x.size(d)`` the length of axis d."),
        device=property(lambda self: "cpu", doc='Always ``"cpu"``: the values are NumPy '
                                               "arrays in host memory."),
        is_cuda=False,
    )
    for name, example in _EXAMPLES.items():
        call, result = example.split(" -> ")
        methods[name].__doc__ += f"\n\n    >>> {call}\n    {result}\n    "
    use_torch_surface(methods)
