"""Elementwise unary primitives: one line each, the value and the derivative side by side.

Every entry is ``f(x)`` with derivative ``f'(x) = deriv(ans, x)``, so the JVP is ``t * f'`` and
the VJP is ``g * f'``: one formula serves both modes. The derivative is written with dualad
operations, so it is itself differentiable. When ``x`` is a plain array and a fused kernel
exists, value and derivative come from one pass over memory (``dualad._kernels``).
"""
import math

import numpy as np

from .._core._engine import UnaryPrimitive
from .._core.backend import array_module
from .._core.primitive import Primitive, dtype_of
from .._kernels import UNARY_FWD, UNARY_VALUE, reference
from .binary import multiply


def same_pattern(patterns, ans, x):
    """Sparsity-pattern rule of an elementwise function of one argument: each output element
    depends on what its input element depends on (whatever the value of the derivative)."""
    return patterns[0]


class Unary(UnaryPrimitive):
    """An elementwise function of one argument, ``f(x)``, with ``f'(x) = deriv(ans, x)``.

    Where a kernel exists, the value function is the kernel's value-only loop, the same loop
    that computes value and derivative together, so primal values agree bitwise between plain
    evaluation and differentiation (a checkpointed recomputation reproduces the original).
    Recording, the backward rule and the forward rule are compiled (``UnaryPrimitive``).
    """

    def __init__(self, name, impl, deriv):
        self.deriv = deriv
        self.fused = UNARY_FWD.get(name)
        super().__init__(name, UNARY_VALUE.get(name, impl),
                         jvp=(lambda t, ans, x: multiply(t, deriv(ans, x)),),
                         vjp=(lambda g, ans, x: multiply(g, deriv(ans, x)),),
                         pattern=same_pattern)
        self.deriv_is_value = deriv is the_value   # the sweep may not hand f' on as its own


def the_value(ans, x):
    """The derivative of a function that is its own derivative (``exp``)."""
    return ans


def _sinc_derivative_impl(x, order):
    """The ``order``-th derivative of NumPy's (normalised) ``sinc`` at ``x``.

    With ``u = pi x`` and ``f(u) = sin(u) / u``: near 0 (``|u| < 1``) the Taylor series
    ``f^(n)(u) = sum_k (-1)^k (2k)! / ((2k - n)! (2k + 1)!) u^(2k - n)`` (exact at 0, where the
    quotient form divides by zero); elsewhere the recurrence ``u f^(n) = sin^(n)(u) - n f^(n-1)``
    that differentiating ``u f(u) = sin(u)`` n times gives."""
    xp = array_module(x)
    u = np.pi * xp.asarray(x, dtype=np.result_type(dtype_of(x), np.float64))
    small = xp.abs(u) < 1
    us = xp.where(small, u, 0.0)
    series = xp.zeros_like(u)
    for k in range((order + 1) // 2, (order + 1) // 2 + 20):
        coef = (-1) ** k * math.factorial(2 * k) / (
            math.factorial(2 * k - order) * math.factorial(2 * k + 1))
        series = series + coef * us ** (2 * k - order)
    ul = xp.where(small, 1.0, u)
    f = xp.sin(ul) / ul
    for n in range(1, order + 1):
        f = (xp.sin(ul + n * np.pi / 2) - n * f) / ul
    out = xp.where(small, series, f) * np.pi ** order
    return out.astype(dtype_of(x), copy=False)


def _sinc_derivative_rule(t, ans, x, order):
    return multiply(t, sinc_derivative(x, order=order + 1))


sinc_derivative = Primitive("sinc_derivative", _sinc_derivative_impl,
                            jvp=(_sinc_derivative_rule,), vjp=(_sinc_derivative_rule,),
                            pattern=same_pattern)


def _sinc_deriv(ans, x):
    return sinc_derivative(x, order=1)


_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))  # Python floats keep float32

exp = Unary("exp", np.exp, the_value)
expm1 = Unary("expm1", np.expm1, lambda ans, x: ans + 1)
exp2 = Unary("exp2", np.exp2, lambda ans, x: ans * _LN2)
log = Unary("log", np.log, lambda ans, x: reciprocal(x))
log1p = Unary("log1p", np.log1p, lambda ans, x: reciprocal(x + 1))
log2 = Unary("log2", np.log2, lambda ans, x: reciprocal(x * _LN2))
log10 = Unary("log10", np.log10, lambda ans, x: reciprocal(x * _LN10))
sin = Unary("sin", np.sin, lambda ans, x: cos(x))
cos = Unary("cos", np.cos, lambda ans, x: negative(sin(x)))
tan = Unary("tan", np.tan, lambda ans, x: 1 + ans * ans)
arcsin = Unary("arcsin", np.arcsin, lambda ans, x: reciprocal(sqrt(1 - x * x)))
arccos = Unary("arccos", np.arccos, lambda ans, x: negative(reciprocal(sqrt(1 - x * x))))
arctan = Unary("arctan", np.arctan, lambda ans, x: reciprocal(1 + x * x))
sinh = Unary("sinh", np.sinh, lambda ans, x: cosh(x))
cosh = Unary("cosh", np.cosh, lambda ans, x: sinh(x))
tanh = Unary("tanh", np.tanh, lambda ans, x: 1 - ans * ans)
arcsinh = Unary("arcsinh", np.arcsinh, lambda ans, x: reciprocal(sqrt(x * x + 1)))
# 1/sqrt(x - 1)/sqrt(x + 1), not 1/sqrt(x*x - 1): the same for real x, and the principal
# branch's derivative for complex x
arccosh = Unary("arccosh", np.arccosh,
                lambda ans, x: reciprocal(multiply(sqrt(x - 1), sqrt(x + 1))))
arctanh = Unary("arctanh", np.arctanh, lambda ans, x: reciprocal(1 - x * x))
sqrt = Unary("sqrt", np.sqrt, lambda ans, x: 0.5 / ans)
cbrt = Unary("cbrt", np.cbrt, lambda ans, x: reciprocal(3 * ans * ans))
square = Unary("square", np.square, lambda ans, x: 2 * x)
reciprocal = Unary("reciprocal", np.reciprocal, lambda ans, x: negative(ans * ans))
negative = Primitive("negative", np.negative, jvp=(lambda t, ans, x: negative(t),),
                     vjp=(lambda g, ans, x: negative(g),), pattern=same_pattern,
                     saves_values=False)
sigmoid = Unary("sigmoid", reference.sigmoid, lambda ans, x: ans * (1 - ans))
absolute = Unary("abs", np.abs, lambda ans, x: np.sign(_raw(x)))        # 0 at 0
relu = Unary("relu", reference.relu, lambda ans, x: (_raw(x) > 0).astype(_raw(ans).dtype))  # 0 at 0
sinc = Unary("sinc", np.sinc, _sinc_deriv)


def _raw(x):
    from .._core.backend import raw_value
    return raw_value(x)
