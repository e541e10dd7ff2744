"""The mode selector: ``jacobian(mode="auto")`` and ``plan_jacobian``.

Cost model (first version). For f: R^n -> R^m, with ``c`` the cost of one primal evaluation,
    forward  ~ c * (1 + FORWARD_PER_DIRECTION * n)     one pass carrying n tangent directions
    reverse  ~ c * (RECORD + REVERSE_PER_DIRECTION * m) one recording, one sweep of width m
The constants were measured on dualad's own eager passes (a reverse sweep of one direction
costs about as much as a forward direction, recording adds bookkeeping per operation). Only
the ratio matters, so ``c`` is taken as 1. Forward wins when n is small relative to m.
"""
import weakref

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import shape_of
from .._core.tree import tree_flatten
from ._args import differentiated_leaves, normalize_argnums
from .forward import jacfwd
from .reverse import jacrev

FORWARD_PER_DIRECTION = 1.0
REVERSE_PER_DIRECTION = 1.0
RECORD = 1.5

# function -> {argument signature: n_out}; weak keys, so a cached entry never keeps a user's
# function (or anything it closes over) alive
_OUTPUT_SIZES = weakref.WeakKeyDictionary()

MODES = ("auto", "forward", "reverse")


class JacobianPlan:
    """The mode selector's decision for one Jacobian, with the estimate behind it."""

    def __init__(self, mode, n_in, n_out, cost_forward, cost_reverse):
        self.mode = mode
        self.n_in = n_in
        self.n_out = n_out
        self.cost_forward = cost_forward
        self.cost_reverse = cost_reverse

    @property
    def cost(self):
        return {"forward": self.cost_forward, "reverse": self.cost_reverse}

    def __repr__(self):
        return (f"JacobianPlan(mode={self.mode!r}, n_in={self.n_in}, n_out={self.n_out}, "
                f"cost_forward={self.cost_forward:.4g}, cost_reverse={self.cost_reverse:.4g})")

    def __str__(self):
        other = "reverse" if self.mode == "forward" else "forward"
        return (f"Jacobian plan: {self.mode} mode for {self.n_in} inputs -> {self.n_out} outputs\n"
                f"  forward ~ 1 + {FORWARD_PER_DIRECTION:g} x {self.n_in} directions = "
                f"{self.cost_forward:.4g} primal evaluations\n"
                f"  reverse ~ {RECORD:g} + {REVERSE_PER_DIRECTION:g} x {self.n_out} directions = "
                f"{self.cost_reverse:.4g} primal evaluations\n"
                f"  {self.mode} is estimated {self.cost[other] / self.cost[self.mode]:.3g}x "
                f"cheaper than {other}")


def _signature(args):
    leaves, td = tree_flatten(list(args))
    return (repr(td),) + tuple((shape_of(x), str(getattr(raw_value(x), "dtype", type(x))))
                               for x in leaves)


def _output_size(fun, args):
    sig = _signature(args)
    try:
        cache = _OUTPUT_SIZES.setdefault(fun, {})
    except TypeError:  # not weak-referenceable: do not cache
        cache = {}
    if sig not in cache:
        out = fun(*args)
        cache[sig] = sum(int(np.prod(shape_of(o))) for o in tree_flatten(out)[0])
    return cache[sig]


def plan_jacobian(fun, *args, argnums=0):
    """The mode ``jacobian(fun, argnums, mode="auto")`` would use at ``args``, without computing
    the Jacobian (``fun`` is evaluated once, the first time, to learn the output size)."""
    _, nums = normalize_argnums(argnums, len(args), "plan_jacobian")
    leaves, _, _ = differentiated_leaves(list(args), nums, "plan_jacobian")
    n_in = sum(int(np.prod(shape_of(x))) for x in leaves)
    n_out = _output_size(fun, args)
    cost_forward = 1 + FORWARD_PER_DIRECTION * n_in
    cost_reverse = RECORD + REVERSE_PER_DIRECTION * n_out
    mode = "forward" if cost_forward <= cost_reverse else "reverse"
    return JacobianPlan(mode, n_in, n_out, cost_forward, cost_reverse)


def jacobian(fun, argnums=0, mode="auto"):
    """Jacobian of ``fun``; ``mode`` is ``"auto"`` (the mode selector), ``"forward"`` or
    ``"reverse"``. Shape: ``out.shape + x.shape``."""
    if mode not in MODES:
        raise ValueError(f"jacobian: unknown mode {mode!r}; choose one of "
                         f"{', '.join(repr(m) for m in MODES)}")
    if mode == "forward":
        return jacfwd(fun, argnums)
    if mode == "reverse":
        return jacrev(fun, argnums)

    def jacobian_fn(*args):
        plan = plan_jacobian(fun, *args, argnums=argnums)
        chosen = jacfwd if plan.mode == "forward" else jacrev
        return chosen(fun, argnums)(*args)

    return jacobian_fn
