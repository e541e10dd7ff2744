"""The default floating-point dtype of the PyTorch face (API.md section 13): what Python floats
and lists of them become in ``ad.tensor`` and the creation functions. float32, as in PyTorch,
unless ``ad.set_default_dtype`` says otherwise; NumPy arrays keep their dtype, and the
functional transforms keep NumPy's float64 for Python floats (section 1)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .backend import raw_value

if TYPE_CHECKING:   # dualad.typing imports this package: the aliases are for checkers
    from ..typing import DTypeLike

_default_dtype = np.float32


def set_default_dtype(d: DTypeLike) -> None:
    """Set the dtype that Python floats take in tensor creation (float32 or float64).

    >>> import dualad as ad
    >>> ad.set_default_dtype(ad.float64); ad.tensor(1.0).dtype
    dtype('float64')
    >>> ad.set_default_dtype(ad.float32)
    """
    global _default_dtype
    d = np.dtype(d)
    if d not in (np.float32, np.float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {d}")
    _default_dtype = d.type


def get_default_dtype() -> type[np.floating]:
    """The dtype Python floats take in tensor creation (float32 unless changed)."""
    return _default_dtype


def infer_dtype(data, dtype=None):
    """``torch.tensor``'s dtype for ``data``: ``dtype`` if given; NumPy arrays and tensors keep
    theirs; Python floats (anywhere in a nested list) the default dtype; ints int64; bools
    bool."""
    if dtype is not None:
        return np.dtype(dtype)
    raw = raw_value(data)
    if hasattr(raw, "dtype"):
        return np.dtype(raw.dtype)
    kind = np.asarray(raw).dtype
    if kind.kind == "f":
        return np.dtype(_default_dtype)
    if kind.kind in "iu":
        return np.dtype(np.int64)
    return kind
