"""Registering new primitives: the same route dualad's built-in primitives take.

::

    from dualad.extend import defprim

    def bessel_j0(x): ...                       # on plain NumPy arrays
    j0 = defprim("j0", bessel_j0,
                 jvp=lambda tangents, ans, x: tangents[0] * -bessel_j1(x),
                 vjp=lambda g, ans, x: (g * -bessel_j1(x),))
    j0(dual_or_tensor_or_array)

The rules take the forms described on ``Primitive`` (``help(dualad.extend.Primitive)``): one
rule for all arguments, a tuple with one rule per argument, or, for a primitive that takes any
number of operands, ``indexed(rule)``, one rule that is given the argument's index::

    weighted = defprim("weighted_sum", lambda *xs: sum((i + 1) * x for i, x in enumerate(xs)),
                       jvp=indexed(lambda i, t, ans, *xs: t * (i + 1)),
                       vjp=indexed(lambda i, g, ans, *xs: g * (i + 1)))

As ``Primitive`` does, ``defprim`` calls the rules one direction at a time unless
``batched=True``, in which case they receive tangents and cotangents with a leading batch axis
of k directions and must keep it, as the built-in rules do (see ``dualad/_core/primitive.py``).
Metadata goes in keyword ``params``, which are passed to ``impl`` and to the rules.
"""
from __future__ import annotations

from typing import Any, Callable

from ._core.primitive import _BUILTINS, REGISTRY, OperandRules, Primitive, bind, indexed

__all__ = ["defprim", "indexed", "Primitive", "bind", "REGISTRY"]

Rule = Callable[..., Any]


def defprim(name: str, impl: Callable[..., Any],
            jvp: Rule | tuple[Rule | None, ...] | OperandRules | None = None,
            vjp: Rule | tuple[Rule | None, ...] | OperandRules | None = None, *,
            batched: bool = False, broadcasts: bool = False, linear: bool = False,
            pattern: Callable[..., Any] | None = None) -> Primitive:
    """Register a primitive and return it; call it like a function: ``prim(*arrays, **params)``.

    ``jvp`` and ``vjp`` take the forms described on ``Primitive``. A user primitive registered
    again under the same name replaces the old one; the names of built-in primitives are
    refused.

    >>> cube = defprim("doc_cube", lambda x: x ** 3, jvp=lambda ts, ans, x: ts[0] * 3 * x ** 2)
    >>> float(ad.grad(cube)(2.0))
    12.0
    """
    if jvp is None and vjp is None:
        raise TypeError(f"defprim({name!r}): give a jvp rule, a vjp rule, or both")
    if name in REGISTRY and name not in _BUILTINS:
        del REGISTRY[name]
    return Primitive(name, impl, jvp=jvp, vjp=vjp, batched=batched, broadcasts=broadcasts,
                     linear=linear, pattern=pattern)
