"""``fixed_point``: the limit of ``x = f(a)(x)``, differentiated in ``a`` by the implicit
function theorem (HIPS autograd's ``fixed_point``, in both modes).

# Design: at the fixed point ``x* = g(a, x*)`` (``g`` one step of the iteration), so
# ``dx* = (I - dg/dx)^-1 (dg/da) da``. Neither mode unrolls the iterations: forward mode finds the
# tangent ``t`` as the fixed point of ``t = (dg/da) ta + (dg/dx) t`` (JVPs of one step), reverse
# mode the adjoint ``w`` as the fixed point of ``w = gbar + (dg/dx)^T w`` (VJPs of one step) and
# returns ``(dg/da)^T w``. Both inner solves are ``fixed_point`` calls themselves, with the
# user's ``distance`` and ``tol``, so derivatives of any order come from the same rule. The
# iteration converges where ``dg/dx`` is a contraction, as the forward iteration needs anyway.
"""
from __future__ import annotations

from typing import Any, Callable

import inspect

import numpy as np

from ._core.backend import raw_value
from ._core.primitive import Primitive
from ._core.tree import tree_flatten, tree_unflatten
from .tree import ravel_pytree
from .typing import PyTree

__all__ = ["fixed_point"]


def _step_of(f, a, x0):
    """``g(a, x)`` for ``f`` given curried, ``f(a)(x)`` (autograd's convention), or as
    ``f(a, x)``."""
    try:
        inspect.signature(f).bind(a, x0)
        two_arguments = True
    except (TypeError, ValueError):
        two_arguments = False
    if two_arguments:
        return f
    return lambda a_, x: f(a_)(x)


def fixed_point(f: Callable[..., Any], a: PyTree, x0: PyTree,
                distance: Callable[[PyTree, PyTree], Any], tol: float) -> PyTree:
    """Iterate ``x = f(a)(x)`` from ``x0`` until ``distance(x, x_prev) < tol``; return ``x``.

    ``f(a)`` returns the step function (HIPS autograd's signature; ``f(a, x)`` taking both is
    accepted too). ``a`` and ``x`` may be arrays, scalars or pytrees of them. The result is
    differentiable in ``a``, in forward and reverse mode and to any order, by the implicit
    function theorem (nothing is unrolled); ``x0`` is not differentiated (the limit does not
    depend on it).

    >>> import dualad as ad
    >>> newton = lambda a: lambda x: 0.5 * (x + a / x)
    >>> sqrt = lambda a: fixed_point(newton, a, 1.0, lambda x, y: abs(x - y), 1e-12)
    >>> round(float(ad.grad(sqrt)(4.0)), 10)
    0.25
    """
    step = _step_of(f, a, x0)
    leaves, a_def = tree_flatten(a)
    x0_flat, unravel_x = ravel_pytree(_raw_tree(x0))

    def flat_step(a_leaves, x_flat):
        """One step on flat ``x``: what the derivative rules differentiate."""
        return ravel_pytree(step(tree_unflatten(a_def, list(a_leaves)), unravel_x(x_flat)))[0]

    def flat_distance(u, v):
        return distance(unravel_x(u), unravel_x(v))

    def iterate(*a_leaves):
        a_value = tree_unflatten(a_def, list(a_leaves))
        x_prev = unravel_x(x0_flat)
        x = step(a_value, x_prev)
        while distance(x, x_prev) > tol:
            x, x_prev = step(a_value, x), x
        return np.asarray(raw_value(ravel_pytree(x)[0]))

    def tangent_rule(tangents, x_star, *a_leaves):
        from .transforms import jvp
        moving = [i for i, t in enumerate(tangents) if t is not None]

        def step_in_moving(*moved):
            return flat_step(_replaced(a_leaves, moving, moved), x_star)
        b = jvp(step_in_moving, tuple(a_leaves[i] for i in moving),
                tuple(tangents[i] for i in moving))[1]

        def tangent_step(params, t):
            ls, xs, b_ = params
            return b_ + jvp(lambda x: flat_step(ls, x), (xs,), (t,))[1]
        return fixed_point(tangent_step, (list(a_leaves), x_star, b), _zeros_like(x_star),
                           flat_distance, tol)

    def adjoint_rule(g, x_star, *a_leaves):
        from .transforms import vjp

        def adjoint_step(params, w):
            ls, xs, g_ = params
            return g_ + vjp(lambda x: flat_step(ls, x), xs)[1](w)[0]
        w = fixed_point(adjoint_step, (list(a_leaves), x_star, g), _zeros_like(x_star),
                        flat_distance, tol)
        # only floating-point leaves have cotangents (integers are constants)
        moving = [i for i, x in enumerate(a_leaves) if _is_float(x)]

        def step_in_moving(*moved):
            return flat_step(_replaced(a_leaves, moving, moved), x_star)
        cts = vjp(step_in_moving, *(a_leaves[i] for i in moving))[1](w)
        out = [None] * len(a_leaves)
        for i, c in zip(moving, cts):
            out[i] = c
        return out

    prim = Primitive("fixed_point", iterate, jvp=tangent_rule, vjp=adjoint_rule, batched=False,
                     register=False)
    return unravel_x(prim(*leaves))


def _replaced(values, positions, new):
    """``values`` with the entries at ``positions`` replaced by ``new``."""
    out = list(values)
    for i, v in zip(positions, new):
        out[i] = v
    return out


def _is_float(x):
    return np.result_type(raw_value(x)).kind == "f"


def _raw_tree(tree):
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [raw_value(x) for x in leaves])


def _zeros_like(x):
    value = np.asarray(raw_value(x))
    return np.zeros(value.shape, dtype=value.dtype if value.dtype.kind == "f" else np.float64)
