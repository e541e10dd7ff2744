"""The mode selector: ``jacobian(mode="auto")`` and ``plan_jacobian``.

Cost model. For f: R^n -> R^m, a sizing pass records f once on a tape and learns m, the
number of primitive applications ``ops``, and ``work``, the sum over those applications of
their largest operand's size. Then

    forward  ~ c_forward_call + ops * c_forward_op + work * n * c_forward_element
    reverse  ~ c_reverse_call + ops * c_reverse_op + work * m * c_reverse_element

``c_*_call`` is what one Jacobian costs beyond its primitives (the basis of directions, the
tape or the trace, assembling the result: tens of microseconds, more than most small
functions' primitives), ``c_*_op`` the fixed cost of one primitive in each mode (dispatch; for
reverse also recording and sweeping), ``c_*_element`` the cost of one operand element for one
direction of the tangent or cotangent batch. They are measured once per process and array
backend on small probe functions (``calibration``), so the decision follows the machine and
the build (compiled kernels or references): forward wins when n is small relative to m, and
for tiny functions, where the fixed costs dominate, the mode with the cheaper overheads wins.
"""
from __future__ import annotations

from typing import Any, Sequence

import math
import time
import weakref

import numpy as np

from .._core.backend import array_module
from .._core.primitive import shape_of
from .._core.state import new_level
from .._core.tape import ReverseTrace
from .._core.tree import tree_flatten, tree_signature
from ._args import differentiated_leaves, normalize_argnums, with_kwargs
from .forward import jacfwd, push_forward
from .reverse import Recorded, jacrev
from ..typing import Fun

# function -> {argument signature: FunctionSize}; weak keys, so a cached entry never keeps a
# user's function (or anything it closes over) alive
_SIZES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CALIBRATION: dict = {}

MODES = ("auto", "forward", "reverse")


class JacobianPlan:
    """The mode selector's decision for one Jacobian, with the estimate behind it."""

    def __init__(self, mode: str, n_in: int, n_out: int, cost_forward: float, cost_reverse: float,
                 ops: int | None = None, work: int | None = None,
                 produced: int | None = None) -> None:
        self.mode = mode
        self.n_in = n_in
        self.n_out = n_out
        self.cost_forward = cost_forward    # estimated seconds
        self.cost_reverse = cost_reverse
        self.ops = ops                      # primitive applications in one pass
        self.work = work                    # operand elements touched in one pass
        # result elements made in one pass: a bound on what one direction's tangents or
        # cotangents hold (dualad.distributed sizes its chunks with it)
        self.produced = produced

    @property
    def cost(self):
        """The estimated seconds of each mode: ``{"forward": ..., "reverse": ...}``."""
        return {"forward": self.cost_forward, "reverse": self.cost_reverse}

    def __repr__(self):
        return (f"JacobianPlan(mode={self.mode!r}, n_in={self.n_in}, n_out={self.n_out}, "
                f"cost_forward={self.cost_forward:.4g}, cost_reverse={self.cost_reverse:.4g})")

    def __str__(self):
        other = "reverse" if self.mode == "forward" else "forward"
        ratio = self.cost[other] / max(self.cost[self.mode], 1e-300)
        return (f"Jacobian plan: {self.mode} mode for {self.n_in} inputs -> {self.n_out} "
                f"outputs ({self.ops} primitives, {self.work} operand elements per pass)\n"
                f"  forward: {self.n_in} tangent directions in one pass, estimated "
                f"{self.cost_forward * 1e6:.4g} us\n"
                f"  reverse: {self.n_out} cotangent directions in one sweep, estimated "
                f"{self.cost_reverse * 1e6:.4g} us\n"
                f"  {self.mode} is estimated {ratio:.3g}x cheaper than {other}")


class FunctionSize:
    """What the sizing pass learnt about a function at one argument signature."""

    __slots__ = ("n_out", "ops", "work", "produced")

    def __init__(self, n_out, ops, work, produced):
        self.n_out, self.ops, self.work, self.produced = n_out, ops, work, produced


class _CountingTrace(ReverseTrace):
    """A tape that also counts primitive applications and the operand elements they touch."""

    def __init__(self):
        super().__init__(new_level(), keep_list=False)
        self.ops = 0
        self.work = 0
        self.produced = 0

    def process(self, prim, args, params):
        out = super().process(prim, args, params)
        self.ops += 1
        self.work += max(math.prod(shape_of(v)) for v in (out,) + tuple(args))
        self.produced += math.prod(shape_of(out))
        return out


def _function_size(fun, args, nums):
    sig = tree_signature(args)
    try:
        cache = _SIZES.setdefault(fun, {})
    except TypeError:  # not weak-referenceable: do not cache
        cache = {}
    if sig not in cache:
        trace = _CountingTrace()
        leaves, rebuild, _ = differentiated_leaves(list(args), nums, "plan_jacobian")
        try:
            out = fun(*rebuild([trace.leaf(x) for x in leaves]))
        finally:
            trace.active = False
        n_out = sum(math.prod(shape_of(o)) for o in tree_flatten(out)[0])
        cache[sig] = FunctionSize(n_out, trace.ops, trace.work, trace.produced)
    return cache[sig]


def _median_time(fun, repeat=3):
    fun()  # warm-up: first calls pay one-time costs
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fun()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def calibration(xp=np):
    """``(c_forward_call, c_reverse_call, c_forward_op, c_reverse_op, c_forward_element,
    c_reverse_element)`` in seconds, measured once per process and array module on probe
    functions."""
    key = xp.__name__
    if key not in _CALIBRATION:
        import dualad.numpy as dnp

        def chain(v):
            for _ in range(10):
                v = dnp.sin(v) * v
            return v
        ops, k, size = 20, 8, 4000
        scalar = xp.asarray(0.5)
        big = xp.linspace(0.1, 1.0, size)
        seeds = xp.ones((k, size))

        def forward(x, directions):
            return push_forward(chain, [x], [x], lambda leaves: leaves, [directions], True)

        def reverse(x, directions):
            rec = Recorded(chain, (x,), (0,), "calibration")
            return rec.backward([directions], retain=False)
        c_fop = _median_time(lambda: forward(scalar, xp.ones((1,)))) / ops
        c_rop = _median_time(lambda: reverse(scalar, xp.ones((1,)))) / ops
        c_fel = max(_median_time(lambda: forward(big, seeds)) / (ops * size * k), 1e-13)
        c_rel = max(_median_time(lambda: reverse(big, seeds)) / (ops * size * k), 1e-13)
        one = xp.asarray([0.5])   # a Jacobian of one primitive: the calls' own costs
        probe_forward, probe_reverse = jacfwd(dnp.sin), jacrev(dnp.sin)
        c_fcall = max(_median_time(lambda: probe_forward(one), repeat=15) - c_fop, 0.0)
        c_rcall = max(_median_time(lambda: probe_reverse(one), repeat=15) - c_rop, 0.0)
        _CALIBRATION[key] = (c_fcall, c_rcall, c_fop, c_rop, c_fel, c_rel)
    return _CALIBRATION[key]


def plan_jacobian(fun: Fun, *args: Any, argnums: int | Sequence[int] = 0) -> JacobianPlan:
    """The mode ``jacobian(fun, argnums, mode="auto")`` would use at ``args``, with the
    estimate behind it, without computing the Jacobian. ``fun`` is traced once, the first time
    for a given argument signature, to learn the sizes (see the module's cost model)."""
    _, nums = normalize_argnums(argnums, len(args), "plan_jacobian")
    leaves, _, _ = differentiated_leaves(list(args), nums, "plan_jacobian")
    n_in = sum(math.prod(shape_of(x)) for x in leaves)
    size = _function_size(fun, args, nums)
    xp = array_module(*leaves) if leaves else np
    c_fcall, c_rcall, c_fop, c_rop, c_fel, c_rel = calibration(xp)
    cost_forward = c_fcall + size.ops * c_fop + size.work * n_in * c_fel
    cost_reverse = c_rcall + size.ops * c_rop + size.work * size.n_out * c_rel
    mode = "forward" if cost_forward <= cost_reverse else "reverse"
    return JacobianPlan(mode, n_in, size.n_out, cost_forward, cost_reverse, size.ops, size.work,
                        size.produced)


def jacobian(fun: Fun, argnums: int | Sequence[int] = 0, mode: str = "auto") -> Fun:
    """Jacobian of ``fun``; ``mode`` is ``"auto"`` (the mode selector), ``"forward"`` or
    ``"reverse"``. Shape: ``out.shape + x.shape``."""
    if mode not in MODES:
        raise ValueError(f"jacobian: unknown mode {mode!r}; choose one of "
                         f"{', '.join(repr(m) for m in MODES)}")
    if mode == "forward":
        return jacfwd(fun, argnums)
    if mode == "reverse":
        return jacrev(fun, argnums)

    decisions: dict = {}   # argument signature -> mode, for this jacobian function only
    transforms = {"forward": jacfwd(fun, argnums), "reverse": jacrev(fun, argnums)}

    def jacobian_fn(*args, **kwargs):
        key = tree_signature(args)
        if kwargs:   # they may change the sizes, so they are part of what the plan depends on
            names = tuple(sorted(kwargs))
            key = (key, names, tree_signature([kwargs[k] for k in names]))
        mode = decisions.get(key)
        if mode is None:
            mode = decisions[key] = plan_jacobian(with_kwargs(fun, kwargs), *args,
                                                  argnums=argnums).mode
        return transforms[mode](*args, **kwargs)

    return jacobian_fn

