"""PyTorch's type promotion for the imperative face's tensors (API.md section 13), registered
with the compiled operators through the core's hook ``_engine.use_torch_promotion``.

::

    ad.ones(3) * ad.arange(3)                     # float32 (NumPy: float64)
    ad.arange(3) * 0.5, ad.arange(3) / 2          # float32, the default dtype
    ad.ones(3) + ad.tensor(1.0, dtype=ad.float64) # float32: a 0-d tensor does not widen

# Design: PyTorch sorts the operands of an operation into three ranks, dimensioned tensors,
# 0-d tensors and Python numbers ("wrapped numbers"), promotes within each rank, and lets a
# lower rank change the result only when it brings a higher category (bool < integer <
# floating < complex); a Python float meeting integers gives the default dtype (float32), and
# true division of integers too. NumPy (NEP 50) instead widens float32 with any int64 array and
# integers with a Python float to float64. The same ``Tensor`` class also carries the values
# the functional transforms trace (``ad.grad`` of NumPy code), which keep NumPy's rules; only
# tensors on the imperative trace (``tape.IMPERATIVE``) promote as PyTorch. NumPy arrays and
# scalars meeting such a tensor count as tensors and as Python numbers, as PyTorch's own
# operators treat them. The operands are cast to the result dtype before the operation (a
# float cast is differentiable), so values round as PyTorch's do. The compiled operators ask
# ``promote`` only when their operands' dtypes differ (``_engine._torch_mixed``), so
# operations on one dtype cost what they did.
"""
import numpy as np

from . import numpy as dnp
from ._core import _engine
from ._core.dtypes import get_default_dtype
from ._core.primitive import Box, dtype_of
from ._core.tape import IMPERATIVE, Tensor

__all__ = ["promote", "promote_types", "result_type", "can_cast"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}   # bool < integer < floating < complex
_NUMBER, _ZERO_DIM, _DIMENSIONED = 0, 1, 2              # PyTorch's ranks of operands


def _category(dtype):
    return _CATEGORY.get(dtype.kind)


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` cast to, by PyTorch's table
    (``torch.promote_types``): as NumPy's within a category, the higher category's dtype
    across them (``int64`` with ``float32`` is ``float32``, not NumPy's ``float64``).

    >>> promote_types(np.int64, np.float32)
    dtype('float32')
    """
    a, b = np.dtype(type1), np.dtype(type2)
    ca, cb = _category(a), _category(b)
    if ca == cb or min(ca, cb) >= 2:
        return np.promote_types(a, b)
    return a if ca > cb else b


def _complex_of(dtype):
    return np.dtype(np.complex128 if dtype == np.float64 else np.complex64)


def _combine(higher, lower):
    """The result of a higher rank's dtype with a lower rank's (c10's
    ``combine_categories``): the lower rank counts only where it brings a higher category."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    ch, cl = _category(higher), _category(lower)
    if ch == 3:
        return higher
    if cl == 3:
        return _complex_of(higher) if ch == 2 else lower
    if ch == 2:
        return higher
    if ch == 0 or cl == 2:
        return promote_types(higher, lower)
    return higher


def _number_dtype(kind):
    """The dtype PyTorch gives a Python (or NumPy) number of this kind."""
    if kind == "b":
        return np.dtype(np.bool_)
    if kind in "iu":
        return np.dtype(np.int64)
    default = np.dtype(get_default_dtype())
    return default if kind == "f" else _complex_of(default)


def _operand(x):
    """``(dtype, rank)`` of an operand as PyTorch sees it; None for what is none of a tensor,
    an array or a number (NumPy's rules then decide, or refuse)."""
    if type(x) is Tensor:
        return np.dtype(dtype_of(x)), (_DIMENSIONED if np.ndim(x._value) else _ZERO_DIM)
    if type(x) is np.ndarray:
        return x.dtype, (_DIMENSIONED if x.ndim else _ZERO_DIM)
    for kind, types in _NUMBER_KINDS:
        if isinstance(x, types):
            return _number_dtype(kind), _NUMBER
    return None


_NUMBER_KINDS = (("b", (bool, np.bool_)), ("i", (int, np.integer)), ("f", (float, np.floating)),
                 ("c", (complex, np.complexfloating)))


def result_type(*operands):
    """The dtype of an elementwise operation on ``operands`` (tensors, arrays, numbers) by
    PyTorch's rules (``torch.result_type``): dimensioned tensors before 0-d tensors before
    Python numbers, a lower rank counting only for a higher category.

    >>> import dualad as ad
    >>> result_type(ad.ones(3), ad.tensor(1.0, dtype=ad.float64)), result_type(ad.arange(3), 0.5)
    (dtype('float32'), dtype('float32'))
    """
    ranks = [None, None, None]
    for x in operands:
        found = _operand(x)
        if found is None:
            raise TypeError(f"result_type: expected tensors, arrays or numbers, got "
                            f"{type(x).__name__}")
        dtype, rank = found
        ranks[rank] = dtype if ranks[rank] is None else promote_types(ranks[rank], dtype)
    return _combine(ranks[_DIMENSIONED], _combine(ranks[_ZERO_DIM], ranks[_NUMBER]))


def can_cast(from_, to):
    """Whether PyTorch writes a ``from_`` result into a ``to`` tensor in place
    (``torch.can_cast``): never complex into real, floating into integer, or into bool."""
    cf, ct = _category(np.dtype(from_)), _category(np.dtype(to))
    return not ((cf == 3 and ct < 3) or (cf == 2 and ct < 2) or (cf > 0 and ct == 0))


def _cast(x, dtype):
    if isinstance(x, Box):
        if np.dtype(dtype_of(x)) == dtype:
            return x
        if x._node is None and type(x._value) is np.ndarray:   # a constant: cast its array
            return Tensor._make(x._value.astype(dtype), None, x._trace)
        return dnp.astype(x, dtype)      # differentiable (a float tensor that requires grad)
    if type(x) is np.ndarray:
        return x if x.dtype == dtype else x.astype(dtype)
    if isinstance(x, np.generic):
        return dtype.type(x)
    return x   # a Python number: NumPy's weak scalars keep the other operand's dtype


def _on_torch_face(x):
    return not isinstance(x, Box) or (type(x) is Tensor and x._trace is IMPERATIVE)


def promote(a, b, true_divide=False):
    """``a`` and ``b`` cast to the dtype PyTorch computes ``a (op) b`` in: their
    ``result_type``, and the default dtype for the true division of integers. Operands that
    are no tensor, array or number, or a value a transform traces, are left to NumPy."""
    if not (_on_torch_face(a) and _on_torch_face(b)):
        return a, b
    found_a, found_b = _operand(a), _operand(b)
    if found_a is None or found_b is None:
        return a, b
    want = result_type(a, b)
    if true_divide and want.kind in "biu":
        want = np.dtype(get_default_dtype())
    return _cast(a, want), _cast(b, want)


_engine.use_torch_promotion(IMPERATIVE, promote)
