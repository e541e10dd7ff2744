"""Primitives that copy values without arithmetic: the cast ``astype`` and ``stop_gradient``.

A cast between float (or to complex) dtypes is linear: its JVP casts the tangent to the new
dtype and its VJP casts the cotangent back to the argument's dtype, so float32 and float64 values
can meet in one computation and each derivative keeps the dtype of its own value.
"""
import numpy as np

from .._core.backend import array_module
from .._core.primitive import Primitive, dtype_of
from .complex import real


def _cast(x, dtype):
    return array_module(x).asarray(x).astype(dtype)


def _cast_back(g, dtype):
    """The cotangent of a cast, in the source dtype; a complex cotangent of a real source is its
    real part (NOTE: complex convention in ``complex.py``)."""
    if np.dtype(dtype).kind != "c" and np.dtype(dtype_of(g)).kind == "c":
        g = real(g)
    return astype(g, dtype=dtype)


astype = Primitive(
    "astype", _cast,
    jvp=(lambda t, ans, x, dtype: astype(t, dtype=dtype),),
    vjp=(lambda g, ans, x, dtype: _cast_back(g, dtype_of(x)),),
    linear=True, batched=True)


def _no_derivative(t, ans, x):
    return None


# the value of x as a constant inside a traced program: ``ad.jit`` runs it (recomputing
# it from the new x), while every transform sees a zero derivative
stop_gradient = Primitive("stop_gradient", lambda x: x, jvp=(_no_derivative,),
                          vjp=(_no_derivative,), pattern=lambda patterns, ans, x: None,
                          saves_values=False, batched=True)
