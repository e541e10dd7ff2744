"""Complex numbers in ``dualad.numpy``: ``real``, ``imag``, ``conj``/``conjugate``, ``angle``
(conventions: NOTE: complex convention in ``primitives/complex.py``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import dtype_of
from ..primitives import complex as _c
from ._creation import asarray
from ._ufuncs import reject_kwargs
from ..typing import Array, ArrayLike

__all__ = ["real", "imag", "conj", "conjugate", "angle", "iscomplexobj", "isrealobj"]


def real(x: ArrayLike) -> Array:
    """The real part, differentiable (its cotangent is the cotangent itself).

    >>> import dualad as ad, dualad.numpy as dnp
    >>> ad.grad(lambda z: dnp.real(z * z))(1.0 + 2.0j)   # du/dx - i du/dy of x^2 - y^2
    np.complex128(2+4j)
    """
    return _c.real(x)


def imag(x: ArrayLike) -> Array:
    """The imaginary part, differentiable.

    >>> import dualad as ad, dualad.numpy as dnp
    >>> ad.grad(dnp.imag)(1.0 + 2.0j)
    np.complex128(-1j)
    """
    return _c.imag(x)


def conj(x: ArrayLike, **kwargs: Any) -> Array:
    """The complex conjugate, differentiable (real values come back unchanged).

    >>> import dualad as ad, dualad.numpy as dnp
    >>> ad.grad(lambda z: dnp.real(z * dnp.conj(z)))(1.0 + 2.0j)   # |z|^2: 2 conj(z)
    np.complex128(2-4j)
    """
    if kwargs:
        reject_kwargs("conj", kwargs)
    x = asarray(x)   # a list or a number becomes an array, as NumPy's conj returns
    if np.dtype(dtype_of(x)).kind != "c":
        return x
    return _c.conj(x)


conjugate = conj


def angle(z: ArrayLike, deg: bool = False) -> Array:
    """The argument of ``z`` in radians (degrees with ``deg=True``), differentiable; its
    derivative at 0 is 0.

    >>> import dualad as ad, dualad.numpy as dnp
    >>> ad.grad(dnp.angle)(1.0j)   # d angle = Im(dz / z)
    np.complex128(-1+0j)
    """
    out = _c.angle(z)
    return out * (180 / np.pi) if deg else out


def iscomplexobj(x: ArrayLike) -> bool:
    """Whether ``x`` has a complex dtype (NumPy's ``iscomplexobj``), for boxes too."""
    return np.dtype(dtype_of(x)).kind == "c"


def isrealobj(x: ArrayLike) -> bool:
    """Whether ``x`` does not have a complex dtype (NumPy's ``isrealobj``), for boxes too."""
    return not iscomplexobj(x)
