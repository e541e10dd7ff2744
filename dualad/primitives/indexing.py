"""Indexing (basic, integer-array and boolean) and its transpose, ``index_add``.

NOTE: indexing with a batch axis. A basic index (slices, integers, None) written for ``x``
applies to a tangent ``(k,) + x.shape`` with a whole slice prefixed for the batch axis. An
advanced index cannot be prefixed so: NumPy moves the axes of non-adjacent advanced indices to
the front, which would displace the batch axis. For those the rules move the batch axis to the
end, apply the index (which, with any Ellipsis expanded, only touches the leading axes), and
move it back: a transposed copy that basic indices avoid.
"""
import numpy as np

from .._core.backend import array_module, raw_value
from .._core.primitive import Primitive, shape_of
from .shape import reshape, transpose


def _to_back(v):
    n = v.ndim
    return transpose(v, axes=tuple(range(1, n)) + (0,))


def _to_front(v):
    n = v.ndim
    return transpose(v, axes=(n - 1,) + tuple(range(n - 1)))


_ALL = slice(None)


def _is_basic(index):
    """Whether the normalised ``index`` is basic indexing (slices, integers, None): it then
    leaves the axes after those it indexes in place, and a batch axis in front stays there."""
    for i in index:
        if not (i is None or type(i) is slice or type(i) is int
                or isinstance(i, np.integer)):
            return False
    return True


def _getitem_jvp(t, ans, x, index):
    if _is_basic(index):
        return getitem(t, index=(_ALL,) + index)
    return _to_front(getitem(_to_back(t), index=index))


def _getitem_vjp(g, ans, x, index):
    if _is_basic(index):
        return index_add(g, index=(_ALL,) + index, shape=shape_of(g)[:1] + tuple(x.shape),
                         trailing=0)
    return _to_front(index_add(_to_back(g), index=index, shape=tuple(x.shape), trailing=1))


getitem = Primitive("getitem", lambda x, index: x[index], jvp=(_getitem_jvp,),
                    vjp=(_getitem_vjp,), linear=True, batched=True)


def _block_axis(index):
    """The axis of the one step-1 slice in ``index`` when every item before it takes a whole
    axis (``x[1:]``, and with a batch axis in front ``t[:, 1:]``), else None."""
    *whole, last = index
    if type(last) is not slice or last.step not in (None, 1):
        return None
    for i in whole:
        if type(i) is not slice or i != _ALL:
            return None
    return len(whole)


def _index_add_impl(y, index, shape, trailing):
    xp = array_module(y)
    full = tuple(shape) + tuple(y.shape[y.ndim - trailing:])
    axis = _block_axis(index) if index else None
    if axis is not None:
        # one contiguous block (the VJP of x[1:], x[:-1] …): write it, zero only the rest
        start, stop, _ = index[axis].indices(full[axis])
        whole = index[:axis]
        out = xp.empty(full, dtype=y.dtype)
        out[whole + (slice(None, start),)] = 0
        out[whole + (slice(max(start, stop), None),)] = 0
        out[index] = y
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


def _index_add_jvp(t, ans, y, index, shape, trailing):
    if _is_basic(index):
        return index_add(t, index=(_ALL,) + index, shape=shape_of(t)[:1] + tuple(shape),
                         trailing=trailing)
    return _to_front(index_add(_to_back(t), index=index, shape=shape, trailing=trailing + 1))


def _index_add_vjp(g, ans, y, index, shape, trailing):
    if _is_basic(index):
        return getitem(g, index=(_ALL,) + index)
    return _to_front(getitem(_to_back(g), index=index))


index_add = Primitive("index_add", _index_add_impl, jvp=(_index_add_jvp,),
                      vjp=(_index_add_vjp,), linear=True, batched=True)


def normalize_index(index, ndim):
    """``index`` as a tuple with lists turned into arrays and any Ellipsis expanded, so it
    touches only the first ``ndim`` axes."""
    if (type(index) is slice or type(index) is int) and ndim:
        return (index,)
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
    used = sum(i.ndim if getattr(getattr(i, "dtype", None), "kind", None) == "b" else 1
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
    present = [t for t in tangents if t is not None]
    if len(present) == len(tangents):
        return concatenate(*tangents, axis=axis)
    k = present[0].shape[0]
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
                        vjp=_concatenate_vjp, linear=True, batched=True)


def stack(parts):
    """The arrays ``parts``, all of one shape, stacked along a new leading axis (``np.stack``
    for the rules and layers below ``dualad.numpy``)."""
    shape = shape_of(parts[0])
    return concatenate(*[reshape(p, shape=(1,) + shape) for p in parts], axis=-1 - len(shape))
