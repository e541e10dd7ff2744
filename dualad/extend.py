"""Registering new primitives: the same route dualad's built-in primitives take.

::

    from dualad.extend import defprim

    def bessel_j0(x): ...                       # on plain NumPy arrays
    j0 = defprim("j0", bessel_j0,
                 jvp=lambda tangents, ans, x: tangents[0] * -bessel_j1(x),
                 vjp=lambda g, ans, x: (g * -bessel_j1(x),))
    j0(dual_or_tensor_or_array)

Rule signatures (one direction at a time unless ``batched=True``):

- ``jvp(tangents, ans, *args, **params)`` -> output tangent; ``tangents`` is a tuple with one
  entry per argument, None where that argument's tangent is zero. Alternatively a tuple of
  per-argument rules ``jvp_i(t_i, ans, *args, **params)``, whose results are summed.
- ``vjp(g, ans, *args, **params)`` -> tuple of cotangents (None for zero). Alternatively a
  tuple of per-argument rules ``vjp_i(g, ans, *args, **params)``.

Give either or both: with only one, the other mode is derived from it at one rule evaluation
per input (reverse from JVP) or output (forward from VJP) direction. Write rules with
``dualad.numpy`` functions to keep them differentiable (higher derivatives). With
``batched=True`` the rules receive tangents and cotangents with a leading batch axis of k
directions and must keep it, as the built-in rules do (see ``dualad/_core/primitive.py``).
Metadata goes in keyword ``params``, which are passed to ``impl`` and to the rules.
"""
from __future__ import annotations

from typing import Any, Callable

from ._core.primitive import _BUILTINS, REGISTRY, Primitive, bind

__all__ = ["defprim", "Primitive", "bind", "REGISTRY"]


def defprim(name: str, impl: Callable[..., Any],
            jvp: Callable[..., Any] | tuple[Callable[..., Any] | None, ...] | None = None,
            vjp: Callable[..., Any] | tuple[Callable[..., Any] | None, ...] | None = None, *,
            batched: bool = False, broadcasts: bool = False, linear: bool = False,
            pattern: Callable[..., Any] | None = None) -> Primitive:
    """Register a primitive and return it; call it like a function: ``prim(*arrays, **params)``.

    A user primitive registered again under the same name replaces the old one; the names of
    built-in primitives are refused.
    """
    if jvp is None and vjp is None:
        raise TypeError(f"defprim({name!r}): give a jvp rule, a vjp rule, or both")
    if name in REGISTRY and name not in _BUILTINS:
        del REGISTRY[name]
    return Primitive(name, impl, jvp=jvp, vjp=vjp, batched=batched, broadcasts=broadcasts,
                     linear=linear, pattern=pattern)
