"""Custom derivative rules with JAX's signatures: ``custom_jvp`` and ``custom_vjp``.

Both wrap the user's function as a ``Primitive`` (not entered in the registry: each decorated
function is its own primitive), so the rules are used by every transform at every nesting
level. A function with only a JVP rule still works in reverse mode, and one with only a VJP rule
in forward mode, through ``dualad.primitives.derived`` (one rule evaluation per input or output
direction). The rules see one direction at a time, with tangents and cotangents shaped like
the primals and outputs, exactly as in JAX.
"""
from __future__ import annotations

from typing import Any, Callable

import functools

from .._core.backend import array_module, raw_value
from .._core.primitive import Primitive, ShapeOnly, dtype_of, shape_of
from .._core.tree import tree_flatten
from ..primitives.derived import apply_jacobian_rows, basis
from ..primitives.indexing import stack
from ..typing import Fun, PyTree

# a JVP rule: (primals, tangents) -> (primal_out, tangent_out)
JVPRule = Callable[[tuple, tuple], tuple[PyTree, PyTree]]


def _zeros_like(x):
    return array_module(x).zeros(shape_of(x), dtype=dtype_of(raw_value(x)))


def _live_levels(tree):
    """Levels of the boxes in ``tree`` whose transform is still running."""
    return [v._level for v in tree_flatten(tree)[0] if hasattr(v, "_level") and v._trace.active]


def refuse_closures(name, what, args, produced):
    """Raise when a user function of a custom rule returned a value traced at a level that none
    of its arguments has: it closed over a value being differentiated (``x`` of the enclosing
    function), whose derivative the rule cannot see. JAX refuses the same."""
    top = max(_live_levels(args), default=-1)
    if any(level > top for level in _live_levels(produced)):
        raise TypeError(
            f"{name}: its {what} closes over a value that an enclosing transform is "
            "differentiating, so that dependence would be silently dropped; pass the value as "
            "an argument of the custom function instead (and give its cotangent in the rule)")


class custom_jvp:
    """``@custom_jvp`` then ``@f.defjvp`` with ``f_jvp(primals, tangents) -> (out, t_out)``."""

    def __init__(self, fun: Fun) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.jvp_rule: JVPRule | None = None
        self._prim: Primitive | None = None

    def defjvp(self, jvp: JVPRule) -> JVPRule:
        """Set the rule ``jvp(primals, tangents) -> (primal_out, tangent_out)``; returns it, so
        that it can be used as a decorator."""
        self.jvp_rule = jvp
        self._prim = None
        return jvp

    def _impl(self, *args):
        out = self.fun(*args)
        refuse_closures(f"custom_jvp function {self.fun.__name__!r}", "function", args, out)
        return out

    def _rule(self, tangents, ans, *primals):
        tangents = tuple(_zeros_like(x) if t is None else t for t, x in zip(tangents, primals))
        out = self.jvp_rule(primals, tangents)
        refuse_closures(f"custom_jvp function {self.fun.__name__!r}", "JVP rule",
                        (primals, tangents), out)
        return out[1]

    def __call__(self, *args: Any) -> PyTree:
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp function {self.fun.__name__!r} has no JVP rule; "
                            "define one with @f.defjvp")
        if self._prim is None:
            self._prim = Primitive(f"custom_jvp:{self.fun.__name__}", self._impl, jvp=self._rule,
                                   batched=False, register=False)
        return self._prim(*args)


class _CustomVJPPrimitive(Primitive):
    """A primitive whose residuals come from the user's forward function."""

    def __init__(self, owner):
        super().__init__(f"custom_vjp:{owner.fun.__name__}", self._impl, register=False,
                         batched=True)
        self.owner = owner
        self.label = f"custom_vjp function {owner.fun.__name__!r}"

    def _impl(self, *args):
        out = self.owner.fun(*args)
        refuse_closures(self.label, "function", args, out)
        return out

    def _fwd(self, args):
        out, residuals = self.owner.fwd(*args)
        refuse_closures(self.label, "forward function", args, (out, residuals))
        return out, residuals

    def record(self, args, params):
        out, residuals = self._fwd(args)
        return out, (out, residuals, [ShapeOnly(a) for a in args])

    def backward(self, g, residuals, needs, params):
        _, res, operands = residuals
        return self._sweep_directions(g, res, operands, needs)

    def _sweep_directions(self, g, res, operands, needs):
        """One call of the user's backward function per cotangent direction; a None it
        returns is a zero cotangent."""
        per_arg = [[] for _ in needs]
        for j in range(g.shape[0]):
            cts = tuple(self.owner.bwd(res, g[j]))
            if len(cts) != len(needs):
                raise ValueError(f"custom_vjp backward of {self.owner.fun.__name__!r} returned "
                                 f"{len(cts)} cotangents for {len(needs)} arguments")
            refuse_closures(self.label, "backward function", (res, g[j]), cts)
            for i, c in enumerate(cts):
                if needs[i]:
                    x = operands[i]
                    per_arg[i].append(
                        array_module(g).zeros(x.shape, dtype=x.dtype) if c is None else c)
        return [stack(p) if need else None for p, need in zip(per_arg, needs)]

    def jvp(self, tangents, ans, primals, params):
        _, res = self._fwd(primals)
        needs = [t is not None for t in tangents]
        rows = self._sweep_directions(
            basis(shape_of(ans), dtype_of(raw_value(ans)), raw_value(ans)), res,
            [ShapeOnly(x) for x in primals], needs)
        return apply_jacobian_rows(rows, tangents, ans)


class custom_vjp:
    """``@custom_vjp`` then ``f.defvjp(f_fwd, f_bwd)``: ``f_fwd(*args) -> (out, residuals)``,
    ``f_bwd(residuals, cotangent) -> tuple`` (one cotangent per argument)."""

    def __init__(self, fun: Fun) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd: Callable[..., tuple[PyTree, Any]] | None = None
        self.bwd: Callable[[Any, PyTree], tuple[PyTree, ...]] | None = None
        self._prim: Primitive | None = None

    def defvjp(self, fwd: Callable[..., tuple[PyTree, Any]],
               bwd: Callable[[Any, PyTree], tuple[PyTree, ...]]) -> None:
        """Set the rules: ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, cotangent)``
        returning one cotangent per argument (None for zero)."""
        self.fwd, self.bwd = fwd, bwd
        self._prim = None

    def __call__(self, *args: Any) -> PyTree:
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.fun.__name__!r} has no VJP rule; "
                            "define one with f.defvjp(f_fwd, f_bwd)")
        if self._prim is None:
            self._prim = _CustomVJPPrimitive(self)
        return self._prim(*args)
