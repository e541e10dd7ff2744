"""Elementwise unary primitives, one for each declaration of the op table
(``dualad/_kernels/optable.py``), plus ``negative`` (linear, no residuals) and ``sinc``.

Every op is ``f(x)`` with derivative ``f'(x) = deriv(ans, x)``, so the JVP is ``t * f'`` and
the VJP is ``g * f'``: one formula serves both modes. ``deriv`` is the table's expression
evaluated with this module's primitives, so it is itself differentiable to any order. When
``x`` is a plain array and a compiled loop exists, value and derivative come from one pass over
memory (``dualad._kernels``), generated from the same declaration.
"""
import math

import numpy as np

from .._core._engine import UnaryPrimitive
from .._core.backend import array_module, raw_value as _raw
from .._core.primitive import Primitive, dtype_of
from .._kernels import UNARY_FWD, UNARY_VALUE, reference
from .._kernels.optable import OPS, function
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
                         pattern=same_pattern, batched=True)
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
                            pattern=same_pattern, batched=True)


def _sinc_deriv(ans, x):
    return sinc_derivative(x, order=1)


def _sign(x):
    """``sign(x)`` as a constant (the derivative of ``abs``: its own derivative is zero
    wherever it exists)."""
    return np.sign(_raw(x))


def _step(x):
    """``x > 0`` as a constant 0 or 1 in ``x``'s dtype (the derivative of ``relu``)."""
    return reference.step(_raw(x))


# the names of the table's expressions: this module's primitives (entered as they are made)
_RULE_FUNCTIONS = {"sign": _sign, "step": _step}


def _declare(op):
    impl = getattr(np, op.numpy) if op.numpy else getattr(reference, op.name)
    deriv = the_value if op.deriv == "y" else function(op.deriv, _RULE_FUNCTIONS, ("y", "x"))
    prim = _RULE_FUNCTIONS[op.name] = Unary(op.name, impl, deriv)
    return prim


# in the table's order
(exp, expm1, exp2, log, log1p, log2, log10, sin, cos, tan, arcsin, arccos, arctan, sinh, cosh,
 tanh, arcsinh, arccosh, arctanh, sqrt, cbrt, square, reciprocal, sigmoid, absolute,
 relu) = map(_declare, OPS.values())
negative = Primitive("negative", np.negative, jvp=(lambda t, ans, x: negative(t),),
                     vjp=(lambda g, ans, x: negative(g),), pattern=same_pattern,
                     saves_values=False, sweep_step="negation", batched=True)
sinc = Unary("sinc", np.sinc, _sinc_deriv)
