"""Indexing (basic, integer-array and boolean) and its transpose, ``index_add``.

NOTE: indexing with a batch axis. An index written for ``x`` cannot simply be applied to a
tangent ``(k,) + x.shape`` by prefixing a slice: NumPy moves the axes of non-adjacent advanced
indices to the front, which would displace the batch axis. The rules therefore move the batch
axis to the end, apply the index (which, with any Ellipsis expanded, only touches the leading
axes), and move it back.
"""
import numpy as np

from .._core.backend import array_module
from .._core.primitive import Primitive
from .shape import transpose


def _to_back(v):
    n = v.ndim
    return transpose(v, axes=tuple(range(1, n)) + (0,))


def _to_front(v):
    n = v.ndim
    return transpose(v, axes=(n - 1,) + tuple(range(n - 1)))


def _getitem_vjp(g, ans, x, index):
    moved = index_add(_to_back(g), index=index, shape=tuple(x.shape), trailing=1)
    return _to_front(moved)


getitem = Primitive(
    "getitem", lambda x, index: x[index],
    jvp=(lambda t, ans, x, index: _to_front(getitem(_to_back(t), index=index)),),
    vjp=(_getitem_vjp,), linear=True)


def _index_add_impl(y, index, shape, trailing):
    xp = array_module(y)
    full = tuple(shape) + tuple(y.shape[y.ndim - trailing:])
    if len(index) == 1 and type(index[0]) is slice and index[0].step in (None, 1):
        # one contiguous block (the VJP of x[1:], x[:-1] …): write it, zero only the rest
        start, stop, _ = index[0].indices(full[0])
        out = xp.empty(full, dtype=y.dtype)
        out[:start] = 0
        out[max(start, stop):] = 0
        out[start:stop] = y
        return out
    out = xp.zeros(full, dtype=y.dtype)
    if any(isinstance(i, np.ndarray) or hasattr(i, "__cuda_array_interface__") for i in index):
        if xp is np:
            np.add.at(out, index, y)
        else:
            xp.add.at(out, index, y)
    else:
        out[index] = y
    return out


index_add = Primitive(
    "index_add", _index_add_impl,
    jvp=(lambda t, ans, y, index, shape, trailing: _to_front(
        index_add(_to_back(t), index=index, shape=shape, trailing=trailing + 1)),),
    vjp=(lambda g, ans, y, index, shape, trailing: _to_front(
        getitem(_to_back(g), index=index)),), linear=True)


def normalize_index(index, ndim):
    """``index`` as a tuple with lists turned into arrays and any Ellipsis expanded, so it
    touches only the first ``ndim`` axes."""
    from .._core.backend import raw_value
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for i in index:
        i = raw_value(i)
        if isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis "
                             f"(`None`) and integer or boolean arrays are valid indices; got an "
                             f"array of dtype {i.dtype}")
        items.append(i)
    used = sum(i.ndim if getattr(i, "dtype", None) == bool else 1
               for i in items if i is not None and i is not Ellipsis)
    pos = next((n for n, i in enumerate(items) if i is Ellipsis), None)
    if pos is not None:
        items[pos:pos + 1] = [slice(None)] * (ndim - used)
    if used > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{used} were indexed")
    return tuple(items)


def _concatenate_impl(*xs, axis):
    return array_module(*xs).concatenate(xs, axis=axis)


def _concatenate_jvp(tangents, ans, *xs, axis):
    k = next(t.shape[0] for t in tangents if t is not None)
    parts = []
    for t, x in zip(tangents, xs):
        if t is None:
            t = array_module(x).zeros((k,) + tuple(x.shape), dtype=ans.dtype)
        parts.append(t)
    return concatenate(*parts, axis=axis)


def _concatenate_vjp(g, ans, *xs, axis):
    out, start = [], 0
    lead = (slice(None),) * (g.ndim + axis)
    for x in xs:
        stop = start + x.shape[axis]
        out.append(getitem(g, index=lead + (slice(start, stop),)))
        start = stop
    return out


concatenate = Primitive("concatenate", _concatenate_impl, jvp=_concatenate_jvp,
                        vjp=_concatenate_vjp, linear=True)
