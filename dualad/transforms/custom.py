"""Custom derivative rules with JAX's signatures: ``custom_jvp`` and ``custom_vjp``.

Both wrap the user's function as a ``Primitive`` (not entered in the registry: each decorated
function is its own primitive), so the rules are used by every transform at every nesting
level. A function with only a JVP rule still works in reverse mode, and one with only a VJP rule
in forward mode, through ``dualad.transforms.derived`` (one rule evaluation per input or output
direction). The rules see one direction at a time, with tangents and cotangents shaped like
the primals and outputs, exactly as in JAX.
"""
import functools

from .._core.backend import array_module, raw_value
from .._core.primitive import Primitive, dtype_of, shape_of


def _zeros_like(x):
    return array_module(x).zeros(shape_of(x), dtype=dtype_of(raw_value(x)))


class custom_jvp:
    """``@custom_jvp`` then ``@f.defjvp`` with ``f_jvp(primals, tangents) -> (out, t_out)``."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.jvp_rule = None
        self._prim = None

    def defjvp(self, jvp):
        self.jvp_rule = jvp
        self._prim = None
        return jvp

    def _rule(self, tangents, ans, *primals):
        tangents = tuple(_zeros_like(x) if t is None else t for t, x in zip(tangents, primals))
        return self.jvp_rule(primals, tangents)[1]

    def __call__(self, *args):
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp function {self.fun.__name__!r} has no JVP rule; "
                            "define one with @f.defjvp")
        if self._prim is None:
            self._prim = Primitive(f"custom_jvp:{self.fun.__name__}", self.fun, jvp=self._rule,
                                   batched=False, register=False)
        return self._prim(*args)


class _CustomVJPPrimitive(Primitive):
    """A primitive whose residuals come from the user's forward function."""

    def __init__(self, owner):
        super().__init__(f"custom_vjp:{owner.fun.__name__}", owner.fun, register=False)
        self.owner = owner

    def record(self, args, params):
        out, residuals = self.owner.fwd(*args)
        return out, (out, residuals)

    def backward(self, g, residuals, needs, params):
        return self._sweep_directions(g, residuals[1], needs)

    def _sweep_directions(self, g, res, needs):
        from .derived import _stack
        per_arg = [[] for _ in needs]
        for j in range(g.shape[0]):
            cts = tuple(self.owner.bwd(res, g[j]))
            if len(cts) != len(needs):
                raise ValueError(f"custom_vjp backward of {self.owner.fun.__name__!r} returned "
                                 f"{len(cts)} cotangents for {len(needs)} arguments")
            for i, c in enumerate(cts):
                per_arg[i].append(c)
        return [_stack(p) if need else None for p, need in zip(per_arg, needs)]

    def jvp(self, tangents, ans, primals, params):
        from .derived import apply_jacobian_rows, basis
        _, res = self.owner.fwd(*primals)
        needs = [t is not None for t in tangents]
        rows = self._sweep_directions(
            basis(shape_of(ans), dtype_of(raw_value(ans)), raw_value(ans)), res, needs)
        return apply_jacobian_rows(rows, tangents, ans)


class custom_vjp:
    """``@custom_vjp`` then ``f.defvjp(f_fwd, f_bwd)``: ``f_fwd(*args) -> (out, residuals)``,
    ``f_bwd(residuals, cotangent) -> tuple`` (one cotangent per argument)."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd = self.bwd = None
        self._prim = None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd
        self._prim = None

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.fun.__name__!r} has no VJP rule; "
                            "define one with f.defvjp(f_fwd, f_bwd)")
        if self._prim is None:
            self._prim = _CustomVJPPrimitive(self)
        return self._prim(*args)
