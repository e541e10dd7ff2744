"""Elementwise unary primitives: one line each, the value and the derivative side by side.

Every entry is ``f(x)`` with derivative ``f'(x) = deriv(ans, x)``, so the JVP is ``t * f'`` and
the VJP is ``g * f'``: one formula serves both modes. The derivative is written with dualad
operations, so it is itself differentiable. When ``x`` is a plain array and a fused kernel
exists, value and derivative come from one pass over memory (``dualad._kernels``).
"""
import numpy as np

from .._core._engine import UnaryPrimitive
from .._core.primitive import Primitive
from .._kernels import UNARY_FWD, UNARY_VALUE, reference


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


def _sinc_deriv(ans, x):
    safe = where(x == 0, 1.0, x)
    return where(x == 0, 0.0, (cos(np.pi * x) - ans) / safe)


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
arccosh = Unary("arccosh", np.arccosh, lambda ans, x: reciprocal(sqrt(x * x - 1)))
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


from .binary import multiply, where  # noqa: E402  (rules resolve these names at call time)
