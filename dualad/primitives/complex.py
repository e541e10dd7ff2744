"""The functions that take complex numbers apart: ``real``, ``imag``, ``conj``, ``angle`` and the
modulus ``abs`` of a complex array.

NOTE: complex convention. dualad follows HIPS autograd and JAX: a cotangent pairs with a tangent
through ``Re(g * t)`` (no conjugate), so for a real loss of ``z = x + iy`` the gradient is
``du/dx - i du/dy`` (a real loss descends along ``conj(grad)``), and for a holomorphic function
both rules are plain products with ``f'(z)``: the JVP ``f'(z) t``, the VJP ``g f'(z)``. Every
rule of a holomorphic primitive therefore serves complex values unchanged; the functions here
are not holomorphic, and each states its pair. A cotangent reaching a real value is its real
part (``Primitive.backward``): the imaginary part pairs with a direction the real value cannot
move in.
"""
import numpy as np

from .._core.backend import array_module, raw_value
from .._core.primitive import Primitive, dtype_of
from .binary import divide, multiply, where
from .elementwise import same_pattern


def _is_complex(x):
    return np.dtype(dtype_of(x)).kind == "c"


def _real_rule(t, ans, x):
    # jvp: Re(t); vjp: Re(g Re(t)) = Re(g t) for a real g, so g itself (made complex if x is)
    return real(t)


def _real_vjp(g, ans, x):
    return g if not _is_complex(x) else multiply(g, np.ones((), dtype=dtype_of(x)))


def _imag_jvp(t, ans, x):
    return imag(t)


def _imag_vjp(g, ans, x):
    # Re(w t) = g Im(t) for w = -i g
    return multiply(g, np.asarray(-1j, dtype=np.result_type(dtype_of(x), np.complex64)))


real = Primitive("real", lambda x: array_module(x).real(x), jvp=(_real_rule,),
                 vjp=(_real_vjp,), linear=True, batched=True)
imag = Primitive("imag", lambda x: array_module(x).imag(x), jvp=(_imag_jvp,),
                 vjp=(_imag_vjp,), linear=True, batched=True)
conj = Primitive("conj", lambda x: array_module(x).conj(x),
                 jvp=(lambda t, ans, x: conj(t),), vjp=(lambda g, ans, x: conj(g),),
                 linear=True, batched=True)


def squared_modulus(x):
    """``|x|^2`` as a real value: ``x * x`` for real ``x``, ``Re(x conj(x))`` for complex."""
    if not _is_complex(x):
        return multiply(x, x)
    return real(multiply(x, conj(x)))


def _modulus_factor(ans, x):
    """``conj(z) / |z|``, 0 where ``z == 0`` (the convention of ``abs`` at 0)."""
    zero = raw_value(ans) == 0
    return where(zero, 0.0, divide(conj(x), where(zero, 1.0, ans)))


complex_abs = Primitive(
    "complex_abs", lambda x: array_module(x).abs(x),
    jvp=(lambda t, ans, x: real(multiply(t, _modulus_factor(ans, x))),),
    vjp=(lambda g, ans, x: multiply(g, _modulus_factor(ans, x)),), pattern=same_pattern,
    batched=True)


def _angle_factor(ans, x):
    """``-i conj(z) / |z|^2``: d angle = Re(that * dz); 0 at z == 0."""
    r2 = real(multiply(x, conj(x)))
    zero = raw_value(r2) == 0
    scale = np.asarray(-1j, dtype=np.result_type(dtype_of(x), np.complex64))
    return where(zero, 0.0, divide(multiply(scale, conj(x)), where(zero, 1.0, r2)))


angle = Primitive(
    "angle", lambda x: array_module(x).angle(x),
    jvp=(lambda t, ans, x: real(multiply(t, _angle_factor(ans, x))),),
    vjp=(lambda g, ans, x: multiply(g, _angle_factor(ans, x)),), pattern=same_pattern, batched=True)
