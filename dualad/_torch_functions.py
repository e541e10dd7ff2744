"""More of PyTorch's surface, as tutorials use it: Tensor methods (``x.add(y)``, ``x.sort(dim=1)``,
``x.gather(1, idx)`` …), the top-level functions that mirror them (``ad.mul(a, b, out=c)``),
a few functions of their own (``ad.meshgrid``, ``ad.cdist``, ``ad.as_tensor`` …) and PyTorch's
dtype names (``ad.float``, ``ad.half``, ``ad.int``, ``ad.cfloat`` …).

::

    import dualad as torch
    x = torch.randn(4, 5, requires_grad=True)
    values, indices = x.sort(dim=1, descending=True)
    torch.mul(x, 2).add(x, alpha=0.5).gather(1, indices[:, :2]).sum().backward()

# Design: every computation here is a composition of ``dualad.numpy`` functions, so each is
# differentiable in every mode and has no rule of its own. Methods are installed only where
# ``Tensor`` has none of the name (the NumPy-compatible methods of traced values are left
# alone); where PyTorch and NumPy give one name two meanings (``nonzero``), a traced value keeps
# NumPy's, as in ``_torch_methods``. Indices, masks and counts are plain integer or boolean
# tensors (constants).
"""
from __future__ import annotations

import builtins
import collections
from typing import Any, Callable

import numpy as np

from . import numpy as dnp
from ._core.backend import raw_value
from ._core.escape import holds_derivative
from ._core.primitive import Box, dtype_of, ndim_of, shape_of
from ._core.tape import Tensor, use_torch_surface
from ._torch_methods import _assign, _constant, _result, _torch_face
from ._torch_promotion import promote
from .torch_api import _as_tensor, _into, _make

SortResult = collections.namedtuple("SortResult", ["values", "indices"])


def _dim(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


# ------------------------------------------------------------------------------ arithmetic
# The arithmetic goes through the operators, which promote dtypes as PyTorch on the imperative
# face (``_torch_promotion``) and as NumPy for traced values; the other binary functions
# promote their operands the same way first (``_binary``).
def add(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self + alpha * other``, as ``torch.add``."""
    return self + (other if alpha == 1 else other * alpha)


def sub(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self - alpha * other``, as ``torch.sub``."""
    return self - (other if alpha == 1 else other * alpha)


def mul(self: Tensor, other: Any) -> Tensor:
    """``self * other``."""
    return self * other


def true_divide(self: Tensor, other: Any) -> Tensor:
    """``self / other``."""
    return self / other


def floor_divide(self: Tensor, other: Any) -> Tensor:
    """``floor(self / other)``."""
    return self // other


def remainder(self: Tensor, other: Any) -> Tensor:
    """The remainder with the sign of the divisor (Python's %)."""
    return self % other


def div(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """``self / other``; ``rounding_mode="trunc"`` or ``"floor"`` rounds the quotient (its
    derivative is then zero almost everywhere, as in PyTorch)."""
    if rounding_mode is None:
        return self / other
    if rounding_mode == "floor":
        return self // other
    if rounding_mode == "trunc":
        a, b = promote(self, other)
        dtype = np.result_type(dtype_of(a), dtype_of(b))
        if dtype.kind in "iu":      # integers stay integers (no derivative to keep)
            return _result(self, np.trunc(np.true_divide(raw_value(a), raw_value(b))).astype(
                dtype))
        return dnp.trunc(dnp.true_divide(a, b))
    raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")


def rsqrt(self: Tensor) -> Tensor:
    """``1 / sqrt(self)``."""
    return dnp.reciprocal(dnp.sqrt(self))


def frac(self: Tensor) -> Tensor:
    """The fractional part, ``self - trunc(self)`` (the sign of ``self``)."""
    return dnp.subtract(self, dnp.trunc(self))


def lerp(self: Tensor, end: Any, weight: Any) -> Tensor:
    """``self + weight * (end - self)``."""
    return dnp.add(self, dnp.multiply(weight, dnp.subtract(end, self)))


def erf(self: Tensor) -> Tensor:
    """The error function (``dualad.scipy.special.erf``)."""
    from .scipy.special import erf as f
    return f(self)


def _same(fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        out = fn(self, *args, **kwargs)
        # a piecewise-constant function (floor, sign …) gives a plain array: a tensor here
        if type(out) is np.ndarray and isinstance(self, Tensor) and _torch_face(self):
            return _constant(out)
        return out
    method.__name__ = fn.__name__
    method.__doc__ = doc
    return method


def _binary(fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    """A binary function on operands promoted as the operators promote them."""
    def method(self: Tensor, other: Any) -> Any:
        return fn(*promote(self, other))
    method.__name__ = fn.__name__
    method.__doc__ = doc
    return method


def _predicate(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A boolean result: a constant tensor on the imperative face."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return _boolean(self, fn(*(raw_value(a) for a in (self,) + args), **kwargs))
    method.__name__ = fn.__name__
    method.__doc__ = f"``numpy.{fn.__name__}`` elementwise: a boolean tensor (no derivative)."
    return method


def _boolean(self: Tensor, value: Any) -> Any:
    return _result(self, np.asarray(value))


def isclose(self: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Elementwise ``|self - other| <= atol + rtol * |other|`` (a boolean tensor)."""
    return _boolean(self, np.isclose(raw_value(self), raw_value(other), rtol, atol, equal_nan))


def equal(self: Tensor, other: Any) -> bool:
    """Whether both have the same shape and elements."""
    return builtins.bool(np.array_equal(raw_value(self), raw_value(other)))


def clamp_min(self: Tensor, min: Any) -> Tensor:
    """``max(self, min)`` elementwise."""
    return dnp.maximum(self, min)


def clamp_max(self: Tensor, max: Any) -> Tensor:
    """``min(self, max)`` elementwise."""
    return dnp.minimum(self, max)


# ------------------------------------------------------------------------------ order
def _descending(raw: np.ndarray, dim: int) -> np.ndarray:
    """A stable descending order (equal elements keep their order, as PyTorch's stable sort)."""
    keys = -raw.astype(np.float64) if raw.dtype.kind in "biu" else -raw
    return np.argsort(keys, axis=dim, kind="stable")


def sort(self: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim``; the values are differentiable (the
    cotangent is permuted back, as JAX and PyTorch do)."""
    indices = np.argsort(raw_value(self), axis=dim, kind="stable") if not descending \
        else _descending(raw_value(self), dim)
    return SortResult(dnp.take_along_axis(self, indices, axis=dim),
                      _constant(indices.astype(np.int64)))


def argsort(self: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The indices that sort ``self`` along ``dim`` (int64)."""
    raw = raw_value(self)
    indices = _descending(raw, dim) if descending else np.argsort(raw, axis=dim, kind="stable")
    return _constant(indices.astype(np.int64))


def topk(self: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``."""
    raw = raw_value(self)
    order = _descending(raw, dim) if largest else np.argsort(raw, axis=dim, kind="stable")
    indices = np.take(order, np.arange(k), axis=dim)
    return SortResult(dnp.take_along_axis(self, indices, axis=dim),
                      _constant(indices.astype(np.int64)))


def amax(self: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (all axes for ``()``), ties sharing the derivative."""
    return dnp.max(self, axis=_dim(dim) if dim != () else None, keepdims=keepdim)


def amin(self: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (all axes for ``()``), ties sharing the derivative."""
    return dnp.min(self, axis=_dim(dim) if dim != () else None, keepdims=keepdim)


def logsumexp(self: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(self), dim))``, computed without overflow."""
    return dnp.logsumexp(self, axis=_dim(dim), keepdims=keepdim)


def cumprod(self: Tensor, dim: int | None = None, dtype: Any = None, *,
            axis: int | None = None) -> Tensor:
    """The cumulative product along ``dim`` (NumPy's ``axis=`` too; flattened when neither)."""
    return dnp.cumprod(self if dtype is None else dnp.astype(self, dtype),
                       axis=axis if dim is None else dim)


def cumsum(self: Tensor, dim: int | None = None, dtype: Any = None, *,
           axis: int | None = None) -> Tensor:
    """The cumulative sum along ``dim`` (NumPy's ``axis=`` too; flattened when neither)."""
    return dnp.cumsum(self if dtype is None else dnp.astype(self, dtype),
                      axis=axis if dim is None else dim)


# ------------------------------------------------------------------------------ indexing
def gather(self: Tensor, dim: int, index: Any) -> Tensor:
    """``out[i][j] = self[index[i][j]][j]`` for ``dim=0`` (``take_along_axis``)."""
    return dnp.take_along_axis(self, np.asarray(raw_value(index)), axis=dim)


def index_select(self: Tensor, dim: int, index: Any) -> Tensor:
    """The entries ``index`` (a 1-D integer tensor) along ``dim``."""
    return dnp.take(self, np.asarray(raw_value(index)), axis=dim)


def masked_select(self: Tensor, mask: Any) -> Tensor:
    """The elements where ``mask`` (broadcast to ``self``'s shape) is True, as a 1-D tensor."""
    mask = np.broadcast_to(np.asarray(raw_value(mask), bool), shape_of(self))
    return dnp.broadcast_to(self, mask.shape)[mask]


def take(self: Tensor, index: Any) -> Tensor:
    """The elements of the flattened tensor at ``index``."""
    return dnp.take(self, np.asarray(raw_value(index)))


def narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start + length`` along ``dim``."""
    index = [slice(None)] * ndim_of(self)
    index[dim] = slice(start, start + length)
    return self[tuple(index)]


def unbind(self: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, as a tuple."""
    return tuple(dnp.take(self, i, axis=dim) for i in range(shape_of(self)[dim]))


def nonzero(self: Any, as_tuple: bool = False) -> Any:
    """PyTorch's ``nonzero``: an ``(n, ndim)`` int64 tensor of the indices of the nonzero
    elements (``as_tuple=True``: one index tensor per axis). A traced value keeps NumPy's
    meaning: a tuple of index arrays."""
    found = np.nonzero(raw_value(self))
    if isinstance(self, Box) and not _torch_face(self):
        return found
    if as_tuple:
        return tuple(_constant(i.astype(np.int64)) for i in found)
    return _constant(np.stack(found, axis=-1).astype(np.int64))


# ------------------------------------------------------------------------------ shapes
def flip(self: Tensor, dims: Any) -> Tensor:
    """The elements in reverse order along ``dims``."""
    return dnp.flip(self, axis=_dim(dims))


def roll(self: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor when
    None)."""
    return dnp.roll(self, shifts, axis=_dim(dims))


def tril(self: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (below and on the ``diagonal``-th diagonal)."""
    return dnp.tril(self, diagonal)


def triu(self: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (above and on the ``diagonal``-th diagonal)."""
    return dnp.triu(self, diagonal)


def diag(self: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal."""
    return dnp.diag(self, diagonal)


def tile(self: Tensor, dims: Any) -> Tensor:
    """``self`` repeated ``dims`` times along each axis."""
    return dnp.tile(self, tuple(dims))


def repeat_interleave(self: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times along ``dim`` (the flattened tensor when None)."""
    return dnp.repeat(self, np.asarray(raw_value(repeats)), axis=dim)


def movedim(self: Tensor, source: Any, destination: Any) -> Tensor:
    """Axes ``source`` moved to ``destination``."""
    return dnp.moveaxis(self, _dim(source), _dim(destination))


def diff(self: Tensor, n: int = 1, dim: int = -1) -> Tensor:
    """The ``n``-th forward difference along ``dim``."""
    return dnp.diff(self, n=n, axis=dim)


def unflatten(self: Tensor, dim: int, sizes: Any) -> Tensor:
    """Axis ``dim`` split into ``sizes``."""
    shape = shape_of(self)
    dim = dim % len(shape)
    return dnp.reshape(self, shape[:dim] + tuple(sizes) + shape[dim + 1:])


def swapdims(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """Axes ``dim0`` and ``dim1`` exchanged."""
    return dnp.swapaxes(self, dim0, dim1)


# ------------------------------------------------------------------------------ linear algebra
def mv(self: Tensor, vec: Any) -> Tensor:
    """Matrix-vector product."""
    return dnp.matmul(self, vec)


def outer(self: Tensor, vec2: Any) -> Tensor:
    """Outer product of two vectors."""
    return dnp.outer(self, vec2)


def inverse(self: Tensor) -> Tensor:
    """The matrix inverse (of each matrix of a stack)."""
    return dnp.linalg.inv(self)


def det(self: Tensor) -> Tensor:
    """The determinant (of each matrix of a stack)."""
    return dnp.linalg.det(self)


def cross(self: Tensor, other: Any, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the first axis of length 3 when None)."""
    if dim is None:
        dim = next(i for i, n in enumerate(np.broadcast_shapes(shape_of(self), shape_of(other)))
                   if n == 3)
    return dnp.cross(self, other, axis=dim)


def nelement(self: Tensor) -> int:
    """The number of elements (``numel``)."""
    return int(np.prod(shape_of(self)))


def element_size(self: Tensor) -> int:
    """Bytes per element."""
    return np.dtype(dtype_of(self)).itemsize


# ------------------------------------------------------------------------------ scatter
def _scatter_index(self: Tensor, dim: int, index: Any) -> tuple:
    """The advanced index that ``scatter`` and ``gather`` address along ``dim``:
    ``index[i][j]`` in place of the ``dim``-th coordinate of ``(i, j)``."""
    index = np.asarray(raw_value(index))
    coordinates = list(np.indices(index.shape, sparse=True))
    coordinates[dim % ndim_of(self)] = index
    return tuple(coordinates), index.shape


def _source(src: Any, shape: tuple) -> Any:
    """``src``'s leading block of ``shape`` (PyTorch reads only that much), or a scalar."""
    if not isinstance(src, Box) and np.ndim(src) == 0:
        return src
    return src[tuple(slice(0, n) for n in shape)] if shape_of(src) != shape else src


def scatter(self: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy with ``out[i][index[i][j]] = src[i][j]`` for ``dim=1`` (``src`` a tensor or a
    number; the last write wins where indices repeat); ``reduce="add"`` adds instead."""
    where, shape = _scatter_index(self, dim, index)
    src = _source(value if src is None else src, shape)
    if reduce in ("add", "sum"):
        return self.at[where].add(src)
    if reduce in ("multiply", "prod"):
        return self.at[where].multiply(src)
    if reduce is not None:
        raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
    return self.at[where].set(dnp.broadcast_to(src, shape) if isinstance(src, Box) else src)


def scatter_add(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """A copy with ``src[i][j]`` added at ``out[i][index[i][j]]`` (``dim=1``); repeated
    indices accumulate."""
    return scatter(self, dim, index, src, reduce="add")


def index_add(self: Tensor, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """A copy with ``alpha * source`` added at the positions ``index`` along ``dim``."""
    where = (slice(None),) * (dim % ndim_of(self)) + (np.asarray(raw_value(index)),)
    return self.at[where].add(source if alpha == 1 else dnp.multiply(source, alpha))


def index_fill(self: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """A copy with ``value`` at the positions ``index`` along ``dim``."""
    where = (slice(None),) * (dim % ndim_of(self)) + (np.asarray(raw_value(index)),)
    return self.at[where].set(value)


def _in_place(method: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The in-place form ``name`` of ``method`` (a leaf that requires grad: only under
    ``no_grad``, as PyTorch)."""
    def in_place(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return _assign(self, method(self, *args, **kwargs), name)
    in_place.__name__ = name
    in_place.__doc__ = f"In-place ``{method.__name__}``."
    return in_place


def _masked_fill(self: Tensor, mask: Any, value: Any) -> Tensor:
    return self.masked_fill(mask, value)


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with values drawn uniformly from ``[a, b)``, in place."""
    from ._random import rng_of
    draw = rng_of(generator).uniform(a, b, shape_of(self))
    return _assign(self, _constant(draw.astype(dtype_of(self))), "uniform_")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with values drawn from ``N(mean, std**2)``, in place."""
    from ._random import rng_of
    draw = rng_of(generator).normal(mean, std, shape_of(self))
    return _assign(self, _constant(draw.astype(dtype_of(self))), "normal_")


# ------------------------------------------------------------------------------ new tensors
def new_tensor(self: Tensor, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor of ``data`` in this tensor's dtype (or ``dtype``)."""
    return _make(np.array(raw_value(data), dtype=dtype_of(self) if dtype is None else dtype),
                 requires_grad)


def _new(fill: Callable[..., Any], name: str) -> Callable[..., Any]:
    def new(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False,
            **kwargs: Any) -> Tensor:
        shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) \
            else tuple(size)
        return _make(fill(shape, dtype_of(self) if dtype is None else dtype, **kwargs),
                     requires_grad)
    new.__name__ = name
    new.__doc__ = f"``ad.{name[4:]}(size)`` in this tensor's dtype (or ``dtype``)."
    return new


def new_full(self: Tensor, size: Any, fill_value: Any, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``ad.full(size, fill_value)`` in this tensor's dtype (or ``dtype``)."""
    return _make(np.full(tuple(size), raw_value(fill_value),
                         dtype_of(self) if dtype is None else dtype), requires_grad)


def is_floating_point_method(self: Tensor) -> bool:
    """Whether the dtype is a floating-point one."""
    return np.dtype(dtype_of(self)).kind == "f"


def is_complex_method(self: Tensor) -> bool:
    """Whether the dtype is complex."""
    return np.dtype(dtype_of(self)).kind == "c"


_METHODS: dict[str, Callable[..., Any]] = dict(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div,
    true_divide=true_divide, floor_divide=floor_divide, remainder=remainder,
    fmod=_binary(dnp.fmod, "The remainder with the sign of the dividend (C's fmod)."),
    maximum=_binary(dnp.maximum, "Elementwise maximum (NaN wins)."),
    minimum=_binary(dnp.minimum, "Elementwise minimum (NaN wins)."),
    atan2=_binary(dnp.arctan2, "``atan(self / other)`` in the right quadrant."),
    arctan2=_binary(dnp.arctan2, "``atan(self / other)`` in the right quadrant."),
    hypot=_binary(dnp.hypot, "``sqrt(self**2 + other**2)`` without overflow."),
    logaddexp=_binary(dnp.logaddexp, "``log(exp(self) + exp(other))`` without overflow."),
    square=_same(dnp.square, "``self * self``."), rsqrt=rsqrt,
    reciprocal=_same(dnp.reciprocal, "``1 / self``."),
    log1p=_same(dnp.log1p, "``log(1 + self)``, accurate near 0."),
    expm1=_same(dnp.expm1, "``exp(self) - 1``, accurate near 0."),
    log2=_same(dnp.log2, "Base-2 logarithm."), log10=_same(dnp.log10, "Base-10 logarithm."),
    exp2=_same(dnp.exp2, "``2 ** self``."),
    sinh=_same(dnp.sinh, "Hyperbolic sine."), cosh=_same(dnp.cosh, "Hyperbolic cosine."),
    tan=_same(dnp.tan, "Tangent."),
    asin=_same(dnp.arcsin, "Inverse sine."), arcsin=_same(dnp.arcsin, "Inverse sine."),
    acos=_same(dnp.arccos, "Inverse cosine."), arccos=_same(dnp.arccos, "Inverse cosine."),
    atan=_same(dnp.arctan, "Inverse tangent."), arctan=_same(dnp.arctan, "Inverse tangent."),
    asinh=_same(dnp.arcsinh, "Inverse hyperbolic sine."),
    acosh=_same(dnp.arccosh, "Inverse hyperbolic cosine."),
    atanh=_same(dnp.arctanh, "Inverse hyperbolic tangent."),
    floor=_same(dnp.floor, "Round down (derivative 0)."),
    ceil=_same(dnp.ceil, "Round up (derivative 0)."),
    trunc=_same(dnp.trunc, "Round toward zero (derivative 0)."), fix=_same(
        dnp.trunc, "Round toward zero (derivative 0)."),
    frac=frac, sign=_same(dnp.sign, "-1, 0 or 1 (derivative 0)."),
    sgn=_same(dnp.sign, "-1, 0 or 1 (derivative 0)."), lerp=lerp, erf=erf,
    isnan=_predicate(np.isnan), isinf=_predicate(np.isinf), isfinite=_predicate(np.isfinite),
    isclose=isclose, equal=equal, clamp_min=clamp_min, clamp_max=clamp_max,
    logical_and=_predicate(np.logical_and), logical_or=_predicate(np.logical_or),
    logical_xor=_predicate(np.logical_xor), logical_not=_predicate(np.logical_not),
    sort=sort, argsort=argsort, topk=topk, amax=amax, amin=amin, logsumexp=logsumexp,
    cumprod=cumprod, cumsum=cumsum, gather=gather, index_select=index_select,
    masked_select=masked_select,
    take=take, narrow=narrow, unbind=unbind, nonzero=nonzero, flip=flip, roll=roll, tril=tril,
    triu=triu, diag=diag, tile=tile, repeat_interleave=repeat_interleave, movedim=movedim,
    moveaxis=movedim, swapdims=swapdims, diff=diff, unflatten=unflatten, mv=mv, outer=outer,
    inverse=inverse, det=det, cross=cross, nelement=nelement, element_size=element_size,
    scatter=scatter, scatter_add=scatter_add, index_add=index_add, index_fill=index_fill,
    scatter_=_in_place(scatter, "scatter_"), scatter_add_=_in_place(scatter_add, "scatter_add_"),
    index_add_=_in_place(index_add, "index_add_"), index_fill_=_in_place(index_fill, "index_fill_"),
    masked_fill_=_in_place(_masked_fill, "masked_fill_"), uniform_=uniform_, normal_=normal_,
    new_tensor=new_tensor, new_zeros=_new(np.zeros, "new_zeros"),
    new_ones=_new(np.ones, "new_ones"), new_empty=_new(np.zeros, "new_empty"),
    new_full=new_full, is_floating_point=is_floating_point_method,
    is_complex=is_complex_method,
)
# (not top-level functions here: the methods only, or torch_api's own ``cumsum``/``outer``)
_NOT_FUNCTIONS = {"cumsum", "outer", "fix", "nelement", "element_size", "new_tensor",
                  "new_zeros", "new_ones", "new_empty", "new_full", "is_floating_point",
                  "is_complex", "uniform_", "normal_"}


# methods NumPy's arrays also have, replaced by versions that take PyTorch's keywords as well
_TORCH_MEANING = {"cumsum", "cumprod"}


# ------------------------------------------------------------------------------ functions
# an example per generated function (run by the docstring tests): (call, what it prints)
_EXAMPLES: dict[str, tuple[str, str]] = {
    'add': ('ad.add(ad.tensor([1.0, 2.0, 3.0]), ad.tensor([1.0, 2.0, 3.0]), alpha=2)',
        'tensor([3., 6., 9.])'),
    'sub': ('ad.sub(ad.tensor([1.0, 2.0, 3.0]), 1.0)',
        'tensor([0., 1., 2.])'),
    'subtract': ('ad.subtract(ad.tensor([1.0, 2.0, 3.0]), ad.tensor([1.0, 2.0, 3.0]))',
        'tensor([0., 0., 0.])'),
    'mul': ('ad.mul(ad.tensor([1.0, 2.0, 3.0]), 2)',
        'tensor([2., 4., 6.])'),
    'multiply': ('ad.multiply(ad.tensor([1.0, 2.0, 3.0]), ad.tensor([1.0, 2.0, 3.0]))',
        'tensor([1., 4., 9.])'),
    'div': ("ad.div(ad.tensor([7, -7]), 2, rounding_mode='floor')",
        'tensor([ 3, -4])'),
    'divide': ('ad.divide(ad.tensor([1.0, 2.0, 3.0]), 2)',
        'tensor([0.5, 1. , 1.5])'),
    'true_divide': ('ad.true_divide(ad.tensor([1, 2]), 2)',
        'tensor([0.5, 1. ])'),
    'floor_divide': ('ad.floor_divide(ad.tensor([7.0, -7.0]), 2)',
        'tensor([ 3., -4.])'),
    'remainder': ('ad.remainder(ad.tensor([7.0, -7.0]), 3)',
        'tensor([1., 2.])'),
    'fmod': ('ad.fmod(ad.tensor([7.0, -7.0]), 3)',
        'tensor([ 1., -1.])'),
    'maximum': ('ad.maximum(ad.tensor([0.5, -1.0, 2.0]), ad.zeros(3))',
        'tensor([0.5, 0. , 2. ])'),
    'minimum': ('ad.minimum(ad.tensor([0.5, -1.0, 2.0]), ad.zeros(3))',
        'tensor([ 0., -1.,  0.])'),
    'atan2': ('ad.atan2(ad.tensor([1.0]), ad.tensor([1.0]))',
        'tensor([0.7853982])'),
    'arctan2': ('ad.arctan2(ad.tensor([1.0]), ad.tensor([-1.0]))',
        'tensor([2.3561945])'),
    'hypot': ('ad.hypot(ad.tensor([3.0]), ad.tensor([4.0]))',
        'tensor([5.])'),
    'logaddexp': ('ad.logaddexp(ad.tensor([0.0]), ad.tensor([0.0]))',
        'tensor([0.6931472])'),
    'square': ('ad.square(ad.tensor([0.5, -1.0, 2.0]))',
        'tensor([0.25, 1.  , 4.  ])'),
    'rsqrt': ('ad.rsqrt(ad.tensor([4.0, 0.25]))',
        'tensor([0.5, 2. ])'),
    'reciprocal': ('ad.reciprocal(ad.tensor([1.0, 2.0, 3.0]))',
        'tensor([1.        , 0.5       , 0.33333334])'),
    'log1p': ('ad.log1p(ad.tensor([0.0, 1e-10]))',
        'tensor([0.e+00, 1.e-10])'),
    'expm1': ('ad.expm1(ad.tensor([0.0, 1e-10]))',
        'tensor([0.e+00, 1.e-10])'),
    'log2': ('ad.log2(ad.tensor([1.0, 8.0]))',
        'tensor([0., 3.])'),
    'log10': ('ad.log10(ad.tensor([1.0, 100.0]))',
        'tensor([0., 2.])'),
    'exp2': ('ad.exp2(ad.tensor([0.0, 3.0]))',
        'tensor([1., 8.])'),
    'sinh': ('ad.sinh(ad.tensor([0.0]))',
        'tensor([0.])'),
    'cosh': ('ad.cosh(ad.tensor([0.0]))',
        'tensor([1.])'),
    'tan': ('ad.tan(ad.tensor([0.0]))',
        'tensor([0.])'),
    'asin': ('ad.asin(ad.tensor([0.0, 1.0]))',
        'tensor([0.       , 1.5707964])'),
    'arcsin': ('ad.arcsin(ad.tensor([0.0]))',
        'tensor([0.])'),
    'acos': ('ad.acos(ad.tensor([1.0]))',
        'tensor([0.])'),
    'arccos': ('ad.arccos(ad.tensor([1.0]))',
        'tensor([0.])'),
    'atan': ('ad.atan(ad.tensor([0.0]))',
        'tensor([0.])'),
    'arctan': ('ad.arctan(ad.tensor([0.0]))',
        'tensor([0.])'),
    'asinh': ('ad.asinh(ad.tensor([0.0]))',
        'tensor([0.])'),
    'acosh': ('ad.acosh(ad.tensor([1.0]))',
        'tensor([0.])'),
    'atanh': ('ad.atanh(ad.tensor([0.0]))',
        'tensor([0.])'),
    'floor': ('ad.floor(ad.tensor([0.5, -1.0, 2.0]))',
        'tensor([ 0., -1.,  2.])'),
    'ceil': ('ad.ceil(ad.tensor([0.5, -1.0, 2.0]))',
        'tensor([ 1., -1.,  2.])'),
    'trunc': ('ad.trunc(ad.tensor([-1.5, 1.5]))',
        'tensor([-1.,  1.])'),
    'frac': ('ad.frac(ad.tensor([-1.5, 2.25]))',
        'tensor([-0.5 ,  0.25])'),
    'sign': ('ad.sign(ad.tensor([0.5, -1.0, 2.0]))',
        'tensor([ 1., -1.,  1.])'),
    'sgn': ('ad.sgn(ad.tensor([0.5, -1.0, 2.0]))',
        'tensor([ 1., -1.,  1.])'),
    'lerp': ('ad.lerp(ad.tensor([0.0, 10.0]), ad.tensor([10.0, 20.0]), 0.5)',
        'tensor([ 5., 15.])'),
    'erf': ('ad.erf(ad.tensor([0.0]))',
        'tensor([0.])'),
    'isnan': ("ad.isnan(ad.tensor([1.0, float('nan')]))",
        'tensor([False,  True])'),
    'isinf': ("ad.isinf(ad.tensor([1.0, float('inf')]))",
        'tensor([False,  True])'),
    'isfinite': ("ad.isfinite(ad.tensor([1.0, float('inf')]))",
        'tensor([ True, False])'),
    'isclose': ('ad.isclose(ad.tensor([1.0, 2.0]), ad.tensor([1.0, 2.1]))',
        'tensor([ True, False])'),
    'equal': ('ad.equal(ad.tensor([1.0, 2.0, 3.0]), ad.tensor([1.0, 2.0, 3.0]))',
        'True'),
    'clamp_min': ('ad.clamp_min(ad.tensor([0.5, -1.0, 2.0]), 0.0)',
        'tensor([0.5, 0. , 2. ])'),
    'clamp_max': ('ad.clamp_max(ad.tensor([0.5, -1.0, 2.0]), 1.0)',
        'tensor([ 0.5, -1. ,  1. ])'),
    'logical_and': ('ad.logical_and(ad.tensor([True, False]), ad.tensor([True, True]))',
        'tensor([ True, False])'),
    'logical_or': ('ad.logical_or(ad.tensor([True, False]), ad.tensor([False, False]))',
        'tensor([ True, False])'),
    'logical_xor': ('ad.logical_xor(ad.tensor([True, False]), ad.tensor([True, True]))',
        'tensor([False,  True])'),
    'logical_not': ('ad.logical_not(ad.tensor([True, False]))',
        'tensor([False,  True])'),
    'sort': ('ad.sort(ad.tensor([0.5, -1.0, 2.0]), descending=True)',
        'SortResult(values=tensor([ 2. ,  0.5, -1. ]), indices=tensor([2, 0, 1]))'),
    'argsort': ('ad.argsort(ad.tensor([0.5, -1.0, 2.0]))',
        'tensor([1, 0, 2])'),
    'topk': ('ad.topk(ad.tensor([0.5, -1.0, 2.0]), 2)',
        'SortResult(values=tensor([2. , 0.5]), indices=tensor([2, 0]))'),
    'amax': ('ad.amax(ad.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), dim=1)',
        'tensor([5., 6.])'),
    'amin': ('ad.amin(ad.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), dim=0)',
        'tensor([1., 2., 3.])'),
    'logsumexp': ('ad.logsumexp(ad.zeros(2, 4), dim=1)',
        'tensor([1.3862944, 1.3862944])'),
    'cumprod': ('ad.cumprod(ad.tensor([1.0, 2.0, 3.0]), dim=0)',
        'tensor([1., 2., 6.])'),
    'gather': ('ad.gather(ad.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), 1, '
               'ad.tensor([[2], [0]]))',
        'tensor([[3.],\n        [4.]])'),
    'index_select': ('ad.index_select(ad.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), 1, '
                     'ad.tensor([2, 0]))',
        'tensor([[3., 1.],\n        [6., 4.]])'),
    'masked_select': ('ad.masked_select(ad.tensor([1.0, 2.0, 3.0]), '
                      'ad.tensor([True, False, True]))',
        'tensor([1., 3.])'),
    'take': ('ad.take(ad.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), ad.tensor([0, 5]))',
        'tensor([1., 6.])'),
    'narrow': ('ad.narrow(ad.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), 1, 1, 2)',
        'tensor([[5., 3.],\n        [2., 6.]])'),
    'unbind': ('ad.unbind(ad.tensor([[1.0, 2.0], [3.0, 4.0]]))',
        '(tensor([1., 2.]), tensor([3., 4.]))'),
    'nonzero': ('ad.nonzero(ad.tensor([0.0, 3.0, 0.0, 1.0]))',
        'tensor([[1],\n        [3]])'),
    'flip': ('ad.flip(ad.tensor([1.0, 2.0, 3.0]), [0])',
        'tensor([3., 2., 1.])'),
    'roll': ('ad.roll(ad.tensor([1.0, 2.0, 3.0]), 1)',
        'tensor([3., 1., 2.])'),
    'tril': ('ad.tril(ad.ones(2, 2))',
        'tensor([[1., 0.],\n        [1., 1.]])'),
    'triu': ('ad.triu(ad.ones(2, 2), 1)',
        'tensor([[0., 1.],\n        [0., 0.]])'),
    'diag': ('ad.diag(ad.tensor([1.0, 2.0]))',
        'tensor([[1., 0.],\n        [0., 2.]])'),
    'tile': ('ad.tile(ad.tensor([1.0, 2.0]), (2,))',
        'tensor([1., 2., 1., 2.])'),
    'repeat_interleave': ('ad.repeat_interleave(ad.tensor([1.0, 2.0]), 2)',
        'tensor([1., 1., 2., 2.])'),
    'movedim': ('ad.movedim(ad.zeros(2, 3, 4), 0, 2).shape',
        '(3, 4, 2)'),
    'moveaxis': ('ad.moveaxis(ad.zeros(2, 3, 4), 0, 2).shape',
        '(3, 4, 2)'),
    'swapdims': ('ad.swapdims(ad.zeros(2, 3), 0, 1).shape',
        '(3, 2)'),
    'diff': ('ad.diff(ad.tensor([1.0, 4.0, 9.0]))',
        'tensor([3., 5.])'),
    'unflatten': ('ad.unflatten(ad.zeros(2, 6), 1, (2, 3)).shape',
        '(2, 2, 3)'),
    'mv': ('ad.mv(ad.eye(2) * 2, ad.tensor([1.0, 2.0]))',
        'tensor([2., 4.])'),
    'inverse': ('ad.inverse(ad.eye(2) * 2)',
        'tensor([[0.5, 0. ],\n        [0. , 0.5]])'),
    'det': ('ad.det(ad.eye(2) * 2)',
        'tensor(4.)'),
    'cross': ('ad.cross(ad.tensor([1.0, 0.0, 0.0]), ad.tensor([0.0, 1.0, 0.0]))',
        'tensor([0., 0., 1.])'),
    'scatter': ('ad.scatter(ad.zeros(2, 3), 1, ad.tensor([[0], [2]]), 1.0)',
        'tensor([[1., 0., 0.],\n        [0., 0., 1.]])'),
    'scatter_add': ('ad.scatter_add(ad.zeros(3), 0, ad.tensor([0, 0, 2]), ad.ones(3))',
        'tensor([2., 0., 1.])'),
    'index_add': ('ad.index_add(ad.zeros(3), 0, ad.tensor([0, 2]), ad.tensor([1.0, 5.0]))',
        'tensor([1., 0., 5.])'),
    'index_fill': ('ad.index_fill(ad.zeros(3), 0, ad.tensor([1]), 7.0)',
        'tensor([0., 7., 0.])'),
    'scatter_': ('ad.scatter_(ad.zeros(3), 0, ad.tensor([1]), 4.0)',
        'tensor([0., 4., 0.])'),
    'scatter_add_': ('ad.scatter_add_(ad.zeros(3), 0, ad.tensor([1, 1]), ad.ones(2))',
        'tensor([0., 2., 0.])'),
    'index_add_': ('ad.index_add_(ad.zeros(3), 0, ad.tensor([2]), ad.ones(1))',
        'tensor([0., 0., 1.])'),
    'index_fill_': ('ad.index_fill_(ad.zeros(3), 0, ad.tensor([0]), 1.0)',
        'tensor([1., 0., 0.])'),
    'masked_fill_': ('ad.masked_fill_(ad.zeros(3), ad.tensor([True, False, True]), 2.0)',
        'tensor([2., 0., 2.])'),
    'all': ('ad.all(ad.tensor([True, False]))',
        'tensor(False)'),
    'any': ('ad.any(ad.tensor([True, False]))',
        'tensor(True)'),
    'clone': ('ad.clone(ad.tensor([1.0, 2.0, 3.0]))',
        'tensor([1., 2., 3.])'),
    'detach': ('ad.detach(ad.tensor([1.0, 2.0, 3.0]))',
        'tensor([1., 2., 3.])'),
    'diagonal': ('ad.diagonal(ad.eye(2))',
        'tensor([1., 1.])'),
    'dot': ('ad.dot(ad.tensor([1.0, 2.0, 3.0]), ad.tensor([1.0, 2.0, 3.0]))',
        'tensor(14.)'),
    'eq': ('ad.eq(ad.tensor([1.0, 2.0, 3.0]), 2.0)',
        'tensor([False,  True, False])'),
    'ne': ('ad.ne(ad.tensor([1.0, 2.0, 3.0]), 2.0)',
        'tensor([ True, False,  True])'),
    'lt': ('ad.lt(ad.tensor([1.0, 2.0, 3.0]), 2.0)',
        'tensor([ True, False, False])'),
    'le': ('ad.le(ad.tensor([1.0, 2.0, 3.0]), 2.0)',
        'tensor([ True,  True, False])'),
    'gt': ('ad.gt(ad.tensor([1.0, 2.0, 3.0]), 2.0)',
        'tensor([False, False,  True])'),
    'ge': ('ad.ge(ad.tensor([1.0, 2.0, 3.0]), 2.0)',
        'tensor([False,  True,  True])'),
    'neg': ('ad.neg(ad.tensor([1.0, 2.0, 3.0]))',
        'tensor([-1., -2., -3.])'),
    'swapaxes': ('ad.swapaxes(ad.zeros(2, 3), 0, 1).shape',
        '(3, 2)'),
    't': ('ad.t(ad.zeros(2, 3)).shape',
        '(3, 2)'),
    'trace': ('ad.trace(ad.eye(3))',
        'tensor(3.)'),
}


def _example(name: str) -> str:
    call, printed = _EXAMPLES[name]
    shown = printed.replace("\n", "\n    ")
    return f"    >>> import dualad as ad\n    >>> {call}\n    {shown}\n"


def _function(name: str) -> Callable[..., Any]:
    method = _METHODS.get(name)

    def function(input: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        input = _as_tensor(input)
        result = method(input, *args, **kwargs) if method is not None else getattr(
            input, name)(*args, **kwargs)
        return _into(out, result)
    function.__name__ = name
    function.__qualname__ = name
    function.__doc__ = (f"``torch.{name}``: ``input.{name}(...)`` (see the Tensor method); "
                        "``out=`` writes the result into a tensor of its shape.\n\n"
                        + _example(name))
    return function


# the top-level functions that are a Tensor method of the same name
_FUNCTION_NAMES = sorted(set(_METHODS) - _NOT_FUNCTIONS) + [
    "all", "any", "clone", "detach", "diagonal", "dot", "eq", "ne", "lt", "le", "gt", "ge",
    "neg", "swapaxes", "t", "trace"]


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor without copying where it can: a tensor of that dtype is returned as
    it is, a NumPy array is shared (``from_numpy``).

    >>> import dualad as ad
    >>> ad.as_tensor([1.0, 2.0])
    tensor([1., 2.])
    """
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == np.dtype(data.dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return _make(data)
    from ._core.tape import tensor
    return tensor(data, dtype=dtype)


def scalar_tensor(s: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A 0-d tensor of ``s`` (float32 by default).

    >>> import dualad as ad
    >>> ad.scalar_tensor(3)
    tensor(3.)
    """
    return _make(np.asarray(s, dtype=np.float32 if dtype is None else dtype))


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """``base ** linspace(start, end, steps)`` (float32 by default).

    >>> import dualad as ad
    >>> ad.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    return _make(np.logspace(start, end, steps, base=base).astype(
        np.float32 if dtype is None else dtype), requires_grad)


def empty_like(input: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """An uninitialised tensor of ``input``'s shape (zeros here).

    >>> import dualad as ad
    >>> ad.empty_like(ad.ones(2, 3)).shape
    (2, 3)
    """
    return _make(np.zeros(shape_of(input), dtype_of(input) if dtype is None else dtype),
                 requires_grad)


def randint_like(input: Any, low: int = 0, high: int | None = None, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Tensor:
    """Random integers in ``[low, high)`` of ``input``'s shape (``randint_like(x, high)``
    too).

    >>> import dualad as ad
    >>> ad.randint_like(ad.zeros(4), 10).shape
    (4,)
    """
    from .torch_api import randint
    if high is None:
        low, high = 0, low
    return randint(low, high, shape_of(input),
                   dtype=dtype_of(input) if dtype is None else dtype)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple:
    """Coordinate grids of 1-D tensors (``indexing="ij"``, PyTorch's default, or ``"xy"``).

    >>> import dualad as ad
    >>> ad.meshgrid(ad.tensor([1, 2]), ad.tensor([3, 4, 5]))[1]
    tensor([[3, 4, 5],
            [3, 4, 5]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return tuple(dnp.meshgrid(*(_as_tensor(t) for t in tensors), indexing=indexing))


def _stacking(fn: Callable[..., Any]) -> Callable[..., Any]:
    def function(tensors: Any, *, out: Any = None) -> Any:
        return _into(out, fn([_as_tensor(t) for t in tensors]))
    function.__name__ = fn.__name__
    function.__doc__ = (f"``numpy.{fn.__name__}`` of a sequence of tensors.\n\n"
                        f"    >>> import dualad as ad\n"
                        f"    >>> ad.{fn.__name__}([ad.ones(2), ad.zeros(2)]).shape[-1] > 0\n"
                        f"    True\n")
    return function


hstack, vstack, dstack, column_stack = (_stacking(f) for f in (
    dnp.hstack, dnp.vstack, dnp.dstack, dnp.column_stack))
row_stack = vstack


def broadcast_to(input: Any, size: Any) -> Tensor:
    """``input`` broadcast to ``size``.

    >>> import dualad as ad
    >>> ad.broadcast_to(ad.tensor([1.0, 2.0]), (2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return dnp.broadcast_to(_as_tensor(input), tuple(size))


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one axis.

    >>> import dualad as ad
    >>> ad.atleast_1d(ad.tensor(1.0))
    tensor([1.])
    """
    out = [dnp.atleast_1d(_as_tensor(t)) for t in tensors]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two axes.

    >>> import dualad as ad
    >>> ad.atleast_2d(ad.tensor([1.0, 2.0])).shape
    (1, 2)
    """
    out = [dnp.atleast_2d(_as_tensor(t)) for t in tensors]
    return out[0] if len(out) == 1 else tuple(out)


def is_floating_point(input: Any) -> bool:
    """Whether ``input``'s dtype is a floating-point one.

    >>> import dualad as ad
    >>> ad.is_floating_point(ad.ones(2)), ad.is_floating_point(ad.arange(2))
    (True, False)
    """
    return np.dtype(dtype_of(input)).kind == "f"


def is_complex(input: Any) -> bool:
    """Whether ``input``'s dtype is complex.

    >>> import dualad as ad
    >>> ad.is_complex(ad.ones(2))
    False
    """
    return np.dtype(dtype_of(input)).kind == "c"


def cdist(x1: Any, x2: Any, p: float = 2.0) -> Tensor:
    """The ``p``-norm distances between the rows of ``x1`` (``(..., P, M)``) and of ``x2``
    (``(..., R, M)``), shaped ``(..., P, R)``.

    >>> import dualad as ad
    >>> ad.cdist(ad.tensor([[0.0, 0.0]]), ad.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    diff = dnp.subtract(dnp.expand_dims(_as_tensor(x1), -2), dnp.expand_dims(x2, -3))
    return dnp.linalg.norm(diff, ord=p, axis=-1)


def dist(input: Any, other: Any, p: float = 2.0) -> Tensor:
    """The ``p``-norm of ``input - other``.

    >>> import dualad as ad
    >>> ad.dist(ad.tensor([0.0, 0.0]), ad.tensor([3.0, 4.0]))
    tensor(5.)
    """
    return dnp.linalg.norm(dnp.ravel(dnp.subtract(_as_tensor(input), other)), ord=p)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Contraction over the last ``dims`` axes of ``a`` and the first of ``b`` (or the axis
    lists ``dims``).

    >>> import dualad as ad
    >>> ad.tensordot(ad.ones(2, 3), ad.ones(3, 4), dims=1).shape
    (2, 4)
    """
    return dnp.tensordot(_as_tensor(a), b, axes=dims)


def kron(input: Any, other: Any) -> Tensor:
    """The Kronecker product.

    >>> import dualad as ad
    >>> ad.kron(ad.eye(2), ad.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 0., 0.],
            [0., 0., 1., 2.]])
    """
    return dnp.kron(_as_tensor(input), other)


def block_diag(*tensors: Any) -> Tensor:
    """A block-diagonal matrix of the given matrices.

    >>> import dualad as ad
    >>> ad.block_diag(ad.ones(1, 1), 2 * ad.ones(1, 2))
    tensor([[1., 0., 0.],
            [0., 2., 2.]])
    """
    from .scipy.linalg import block_diag as f
    return f(*(_as_tensor(t) for t in tensors))


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of the elements of the 1-D tensors, one per row.

    >>> import dualad as ad
    >>> ad.cartesian_prod(ad.tensor([1, 2]), ad.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    grids = dnp.meshgrid(*(_as_tensor(t) for t in tensors), indexing="ij")
    return dnp.stack([dnp.ravel(g) for g in grids], axis=-1) if len(grids) > 1 else grids[0]


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    """Counts of each non-negative integer (weighted sums with ``weights``).

    >>> import dualad as ad
    >>> ad.bincount(ad.tensor([0, 2, 2]))
    tensor([1, 0, 2])
    """
    raw = np.asarray(raw_value(input))
    if weights is None:
        return _constant(np.bincount(raw, minlength=minlength).astype(np.int64))
    length = builtins.max(minlength, int(raw.max()) + 1 if raw.size else 0)
    return dnp.at(dnp.zeros(length, dtype_of(weights)))[raw].add(weights)


def unique(input: Any, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values (sorted), with the inverse indices and counts on request. Not
    differentiable (as in PyTorch): a floating-point input that carries a derivative raises.

    >>> import dualad as ad
    >>> ad.unique(ad.tensor([3, 1, 3]), return_counts=True)
    (tensor([1, 3]), tensor([1, 2]))
    """
    if holds_derivative(input) and np.dtype(dtype_of(input)).kind in "fc":
        raise TypeError("unique: the distinct values are not differentiable (PyTorch raises in "
                        "backward too); apply it to input.detach()")
    found = np.unique(raw_value(input), return_inverse=return_inverse,
                      return_counts=return_counts, axis=dim)
    if not isinstance(found, tuple):
        return _constant(found)
    values, *rest = found
    return (_constant(values),) + tuple(_constant(r.astype(np.int64)) for r in rest)


def searchsorted(sorted_sequence: Any, values: Any, *, right: bool = False,
                 side: str | None = None) -> Tensor:
    """Insertion indices of ``values`` into the sorted last axis of ``sorted_sequence``.

    >>> import dualad as ad
    >>> ad.searchsorted(ad.tensor([1.0, 3.0, 5.0]), ad.tensor([2.0, 6.0]))
    tensor([1, 3])
    """
    side = side or ("right" if right else "left")
    seq, vals = np.asarray(raw_value(sorted_sequence)), np.asarray(raw_value(values))
    if seq.ndim <= 1:
        found = np.searchsorted(seq, vals, side=side)
    else:
        found = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(
            seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1]))]).reshape(
            vals.shape)
    return _constant(np.asarray(found, np.int64))


def bucketize(input: Any, boundaries: Any, *, right: bool = False) -> Tensor:
    """The index of the bucket of ``boundaries`` (1-D, sorted) each element falls in.

    >>> import dualad as ad
    >>> ad.bucketize(ad.tensor([0.5, 2.5]), ad.tensor([1.0, 2.0]))
    tensor([0, 2])
    """
    found = np.searchsorted(np.asarray(raw_value(boundaries)), np.asarray(raw_value(input)),
                            side="right" if right else "left")
    return _constant(found.astype(np.int64))


def std_mean(input: Any, dim: Any = None, unbiased: bool = True, keepdim: bool = False) -> tuple:
    """``(std, mean)`` over ``dim``.

    >>> import dualad as ad
    >>> ad.std_mean(ad.tensor([1.0, 3.0]))
    (tensor(1.4142135), tensor(2.))
    """
    t = _as_tensor(input)
    return t.std(dim=dim, unbiased=unbiased, keepdim=keepdim), t.mean(dim=dim, keepdim=keepdim)


def var_mean(input: Any, dim: Any = None, unbiased: bool = True, keepdim: bool = False) -> tuple:
    """``(var, mean)`` over ``dim``.

    >>> import dualad as ad
    >>> ad.var_mean(ad.tensor([1.0, 3.0]))
    (tensor(2.), tensor(2.))
    """
    t = _as_tensor(input)
    return t.var(dim=dim, unbiased=unbiased, keepdim=keepdim), t.mean(dim=dim, keepdim=keepdim)


def _bitwise(ufunc: Any, reflected: bool = False) -> Callable[..., Any]:
    """``&``, ``|``, ``^`` of boolean or integer tensors (no derivative), as NumPy and
    PyTorch give them."""
    def operator(self: Tensor, other: Any) -> Any:
        a, b = raw_value(self), raw_value(other)
        return _result(self, ufunc(b, a) if reflected else ufunc(a, b))
    operator.__name__ = ufunc.__name__
    return operator


def _invert(self: Tensor) -> Any:
    """``~x``: logical not of a boolean tensor, bitwise not of an integer one."""
    return _result(self, np.invert(raw_value(self)))


_OPERATORS = {"__and__": _bitwise(np.bitwise_and), "__rand__": _bitwise(np.bitwise_and, True),
              "__or__": _bitwise(np.bitwise_or), "__ror__": _bitwise(np.bitwise_or, True),
              "__xor__": _bitwise(np.bitwise_xor), "__rxor__": _bitwise(np.bitwise_xor, True),
              "__invert__": _invert}


class GradFn:
    """``tensor.grad_fn``: the recorded operation that made a tensor (None for leaves and for
    tensors made while nothing was recorded), as PyTorch's ``MulBackward0`` and the like."""

    def __init__(self, node: Any) -> None:
        self._node = node

    def name(self) -> str:
        """The operation's name, ``"MultiplyBackward"`` for a product."""
        words = str(self._node.prim.name).replace("_", " ").title().replace(" ", "")
        return f"{words}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


def _grad_fn(self: Tensor) -> GradFn | None:
    node = self._node
    return None if node is None or node.prim is None else GradFn(node)


class Size(tuple):
    """``torch.Size``: a shape, which is a tuple (``ad.Size([2, 3]) == (2, 3)``)."""

    def __repr__(self) -> str:
        return f"Size({list(self)})"


class LegacyTensorType:
    """``torch.FloatTensor`` and its kin: called with sizes, an uninitialised (zero) tensor of
    the type's dtype; with data, a tensor of it; also a dtype for ``x.type(...)``."""

    def __init__(self, name: str, dtype: Any) -> None:
        self.__name__, self.dtype = name, np.dtype(dtype)

    def __call__(self, *args: Any) -> Tensor:
        if builtins.all(isinstance(a, (builtins.int, np.integer)) for a in args):
            return _make(np.zeros(args, self.dtype))
        (data,) = args
        return _make(np.array(raw_value(data), dtype=self.dtype))

    def __repr__(self) -> str:
        return f"<class 'dualad.{self.__name__}'>"


FloatTensor = LegacyTensorType("FloatTensor", np.float32)
DoubleTensor = LegacyTensorType("DoubleTensor", np.float64)
LongTensor = LegacyTensorType("LongTensor", np.int64)
IntTensor = LegacyTensorType("IntTensor", np.int32)
BoolTensor = LegacyTensorType("BoolTensor", np.bool_)


def install() -> None:
    """Give ``Tensor`` the methods above that it has no method of the name for."""
    surface: dict[str, Any] = {name: method for name, method in _METHODS.items()
                               if not hasattr(Tensor, name) or name in _TORCH_MEANING}
    if not hasattr(Tensor, "grad_fn"):
        surface["grad_fn"] = property(_grad_fn, doc=GradFn.__doc__)
    # (looked up in the classes: ``hasattr(Tensor, "__or__")`` finds type's ``X | Y``)
    surface.update({name: op for name, op in _OPERATORS.items()
                    if not any(name in vars(k) for k in Tensor.__mro__)})
    if not hasattr(Tensor, "mT"):
        surface["mT"] = property(lambda self: dnp.swapaxes(self, -1, -2),
                                 doc="The last two axes swapped (a stack of transposes).")
    use_torch_surface(surface)


install()
# (this shadows the builtins all and any in this module: use builtins.all below)
globals().update({name: _function(name) for name in _FUNCTION_NAMES})

# PyTorch's dtype names (``torch.float`` is float32, ``torch.int`` int32)
half = float16 = np.float16
short = int16 = np.int16
int8, uint8 = np.int8, np.uint8
complex64 = cfloat = np.complex64
complex128 = cdouble = np.complex128

__all__ = _FUNCTION_NAMES + [
    "SortResult", "GradFn", "Size", "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
    "BoolTensor", "as_tensor", "scalar_tensor", "logspace", "empty_like", "randint_like",
    "meshgrid", "hstack", "vstack", "dstack", "column_stack", "row_stack", "broadcast_to",
    "atleast_1d", "atleast_2d", "is_floating_point", "is_complex", "cdist", "dist",
    "tensordot", "kron", "block_diag", "cartesian_prod", "bincount", "unique", "searchsorted",
    "bucketize", "std_mean", "var_mean", "half", "float16", "short", "int16", "int8", "uint8",
    "complex64", "cfloat", "complex128", "cdouble", "float", "int",
]

# last, as they shadow the builtins in this module: torch.float is float32, torch.int int32
float = np.float32   # noqa: A001
int = np.int32       # noqa: A001
