"""Primitives that copy values without arithmetic: the floating-point cast ``astype``.

A cast between float dtypes is linear: its JVP casts the tangent to the new dtype and its VJP
casts the cotangent back to the argument's dtype, so float32 and float64 values can meet in one
computation and each derivative keeps the dtype of its own value.
"""
from .._core.backend import array_module
from .._core.primitive import Primitive, dtype_of


def _cast(x, dtype):
    return array_module(x).asarray(x).astype(dtype)


astype = Primitive(
    "astype", _cast,
    jvp=(lambda t, ans, x, dtype: astype(t, dtype=dtype),),
    vjp=(lambda g, ans, x, dtype: astype(g, dtype=dtype_of(x)),),
    linear=True)
