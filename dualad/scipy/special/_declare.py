"""Declaring a SciPy-valued elementwise function as a dualad primitive.

# Design: each function is one broadcasting primitive. Its value comes from ``scipy.special``
# (on plain arrays); its partial derivative in argument i is ``partials[i](ans, *args)``, written
# with dualad operations (often other functions of this package), so that the same formula
# serves the JVP (``t * d_i``) and the VJP (``g * d_i``) and differentiates again for Hessians.
# An argument without a derivative (an integer order, or one not implemented) gets a rule that
# raises when a tangent or cotangent actually reaches it: never a silent zero.
"""
from ...extend import defprim
from ...numpy import multiply
from .._scipy import scipy_module


class NoDerivative:
    """Marks an argument that ``elementwise`` must refuse to differentiate, saying ``why``."""

    def __init__(self, why):
        self.why = why


def no_derivative(function, argument, why):
    """A per-argument rule that raises: ``function`` is not differentiable in ``argument``."""
    def rule(t, ans, *args):
        raise NotImplementedError(
            f"dualad.scipy.special.{function}: no derivative with respect to {argument} "
            f"({why}); pass it as a constant (a NumPy array or ad.stop_gradient(...))")
    return rule


def zero_derivative(t, ans, *args):
    """The rule of an argument in which the function is piecewise constant (``gammasgn``)."""
    return None


def scipy_value(scipy_name):
    """The value function: ``scipy.special.<scipy_name>`` on plain arrays."""
    def value(*args):
        return getattr(scipy_module("special"), scipy_name)(*args)
    value.__name__ = scipy_name
    return value


def elementwise(name, arguments, partials, *, value=None):
    """Declare ``scipy.special.<name>`` as a broadcasting primitive.

    ``arguments`` names the arguments (for error messages); ``partials`` has one entry per
    argument: ``d_i(ans, *args)`` (the partial derivative), ``zero_derivative`` or a
    ``NoDerivative(why)``.
    """
    jvps, vjps = [], []
    for argument, partial in zip(arguments, partials):
        if isinstance(partial, NoDerivative):
            rule = no_derivative(name, argument, partial.why)
            jvps.append(rule)
            vjps.append(rule)
        elif partial is zero_derivative:
            jvps.append(zero_derivative)
            vjps.append(zero_derivative)
        else:
            jvps.append(_times(partial))
            vjps.append(_times(partial))
    return defprim(f"scipy.special.{name}", value or scipy_value(name), jvp=tuple(jvps),
                   vjp=tuple(vjps), batched=True, broadcasts=True)


def _times(partial):
    def rule(t, ans, *args):
        return multiply(t, partial(ans, *args))
    return rule
