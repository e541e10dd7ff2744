"""Gradient checkpointing: trade recomputation for tape memory.

``checkpoint(fn)`` records one tape entry for a whole call of ``fn``, keeping only its inputs; the
sweep re-runs ``fn`` on a fresh tape to get its derivative. ``checkpoint_loop(step, state,
n_steps)`` records one entry for a whole time-stepping loop and reverses it with a binomial
(revolve) schedule that holds at most ``checkpoints + 1`` states at once.

# Design: both are primitives with their own ``record`` (save the inputs, not the inner
# residuals), ``backward`` (recompute, then sweep) and ``forward`` (forward mode stores nothing,
# so it simply pushes Duals through the function). Recording goes through ``bind`` like any
# primitive, so an outer transform sees the same single entry: ``grad(grad(...))``, the
# imperative tensors and ``Tape`` all checkpoint. A primitive has one output array, so a pytree
# result is packed into one flat vector and unpacked with (recorded, cheap) indexing.
"""
from __future__ import annotations

from typing import Callable

import functools
import math

import numpy as np

from . import numpy as dnp
from ._core.dual import Dual, ForwardTrace
from ._core.primitive import Box, Primitive, bind, dtype_of, shape_of
from ._core.state import new_level
from ._core.tape import ReverseTrace, Tensor, sweep
from ._core.tree import tree_flatten, tree_unflatten
from .typing import Fun, PyTree


class _Packer:
    """Packs a pytree of arrays into one array and back; a single array is left as it is."""

    def __init__(self, tree, what):
        leaves, self.treedef = tree_flatten(tree)
        if not leaves:
            raise TypeError(f"{what} is an empty pytree; it must hold at least one array")
        self.shapes = [shape_of(x) for x in leaves]
        dtypes = {np.dtype(dtype_of(x)) for x in leaves}
        if len(dtypes) > 1:
            raise TypeError(f"{what} mixes the dtypes {sorted(map(str, dtypes))}; cast its "
                            "arrays to one floating-point dtype")
        self.single = len(leaves) == 1 and self.treedef.kind == "leaf"

    def pack(self, tree, what):
        leaves, treedef = tree_flatten(tree)
        if treedef != self.treedef or [shape_of(x) for x in leaves] != self.shapes:
            raise ValueError(f"{what} changed its structure or shapes: expected the structure "
                             f"{self.treedef} with shapes {self.shapes}")
        if self.single:
            return leaves[0]
        return dnp.concatenate([dnp.reshape(x, (-1,)) for x in leaves])

    def unpack(self, flat):
        if self.single:
            return tree_unflatten(self.treedef, [flat])
        out, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape))
            out.append(dnp.reshape(flat[start:start + size], shape))
            start += size
        return tree_unflatten(self.treedef, out)


def _top_level(leaves):
    return max((x._level for x in leaves if isinstance(x, Box)), default=-1)


class _Recompute(Primitive):
    """A primitive over the flat leaves of its arguments whose sweep recomputes instead of
    reading saved intermediates. Subclasses define ``impl`` and ``backward``."""

    def __init__(self, name):
        super().__init__(name, None, batched=True, register=False)   # impl: the subclass method
        self.level = -1

    def record(self, args, params):
        return bind(self, *args), tuple(args)

    def forward(self, primals, tangents, params):
        trace = ForwardTrace(new_level())
        duals = [p if t is None else Dual._make(p, t, trace, True)
                 for p, t in zip(primals, tangents)]
        try:
            out = self.impl(*duals)
        finally:
            trace.active = False
        if type(out) is Dual and out._trace is trace:
            return out._primal, out._tangent
        return out, None

    def apply(self, leaves):
        """Bind the primitive to ``leaves`` and refuse a result that depends on a value being
        differentiated that ``fn`` closed over instead of receiving it as an argument (its
        derivative would be lost behind the single tape entry)."""
        self.level = _top_level(leaves)
        out = bind(self, *leaves)
        inner = out._value if type(out) is Tensor and out._level == self.level else out
        if type(inner) is Tensor and inner._level >= self.level:
            raise TypeError(
                f"{self.name}: the function uses a value being differentiated that it does not "
                "receive as an argument (a closure); pass that value as an argument so that its "
                "derivative is recomputed too")
        return out


def _recompute_vjp(fun, args, needs, g):
    """Cotangents of ``args`` (None where not needed) for the cotangent ``g`` of ``fun(*args)``,
    from a fresh tape recorded now and swept at once."""
    trace = ReverseTrace(new_level(), keep_list=True)
    inputs = [trace.leaf(a, guard=False) if need else a for a, need in zip(args, needs)]
    try:
        out = fun(*inputs)
    finally:
        trace.active = False
    if not (type(out) is Tensor and out._trace is trace and out._node is not None):
        return [None] * len(args)
    cts = sweep(reversed(trace.nodes), {out._node: g}, retain=False)
    return [cts.get(x._node) if need else None for x, need in zip(inputs, needs)]


class _Checkpointed(_Recompute):
    """One call of a checkpointed function."""

    def __init__(self, fn, treedef, kwargs):
        super().__init__(f"checkpoint:{getattr(fn, '__name__', 'fn')}")
        self.fn, self.treedef, self.kwargs = fn, treedef, kwargs
        self.out = None

    def impl(self, *leaves):
        result = self.fn(*tree_unflatten(self.treedef, leaves), **self.kwargs)
        if self.out is None:
            self.out = _Packer(result, f"the result of {self.name}")
        return self.out.pack(result, f"the result of {self.name}")

    def backward(self, g, residuals, needs, params):
        return _recompute_vjp(self.impl, residuals, needs, g)


def checkpoint(fn: Fun) -> Fun:
    """``fn`` with gradient checkpointing: under reverse mode one tape entry stands for the whole
    call and keeps only the arguments; the backward sweep re-runs ``fn`` to differentiate it.

    Use it on a block whose intermediates are large compared with its inputs. Positional
    arguments may be pytrees; values being differentiated must be passed as arguments, not
    closed over (that raises TypeError). Keyword arguments are passed through unchanged.
    Forward mode and plain calls run ``fn`` directly.
    """
    @functools.wraps(fn)
    def checkpointed(*args, **kwargs):
        leaves, treedef = tree_flatten(list(args))
        if not any(type(x) is Tensor for x in leaves):
            return fn(*args, **kwargs)
        prim = _Checkpointed(fn, treedef, kwargs)
        flat = prim.apply(leaves)   # runs fn, which tells prim.out the result's structure
        return prim.out.unpack(flat)

    return checkpointed


def binomial_split(n: int, c: int) -> int:
    """How many of ``n`` steps to advance before taking the next checkpoint, with ``c`` free
    checkpoints, for the fewest recomputations (Griewank's binomial rule): with ``r`` the
    smallest repetition number such that C(c + r, c) >= n, the remaining ``n - m`` steps fit
    in C(c - 1 + r, c - 1) with one checkpoint less."""
    r = 0
    while math.comb(c + r, c) < n:
        r += 1
    return max(1, n - math.comb(c - 1 + r, c - 1))


class _Loop(_Recompute):
    """``n_steps`` applications of ``step`` to a (packed) state."""

    def __init__(self, step, packer, n_steps, checkpoints):
        super().__init__(f"checkpoint_loop:{getattr(step, '__name__', 'step')}")
        self.step, self.packer = step, packer
        self.n_steps, self.checkpoints = n_steps, checkpoints

    def step_packed(self, flat):
        return self.packer.pack(self.step(self.packer.unpack(flat)),
                                f"the state returned by {self.name}")

    def advance(self, flat, n):
        for _ in range(n):
            flat = self.step_packed(flat)
        return flat

    def impl(self, flat):
        return self.advance(flat, self.n_steps)

    def backward(self, g, residuals, needs, params):
        """The revolve schedule as a loop: ``pending`` holds the segments still to reverse,
        each ``(state at its start, its length, free checkpoints)``, latest on top."""
        pending = [(residuals[0], self.n_steps, self.checkpoints)]
        while pending and g is not None:
            state, n, c = pending.pop()
            while n > 1:
                m = binomial_split(n, c)
                pending.append((state, m, c))
                state = self.advance(state, m)
                n, c = n - m, c - 1
            g, = _recompute_vjp(self.step_packed, (state,), (True,), g)
        return [g]


def checkpoint_loop(step: Callable[[PyTree], PyTree], state: PyTree, n_steps: int,
                    checkpoints: int | None = None) -> PyTree:
    """``state`` after ``n_steps`` applications of ``step``, differentiable in reverse mode with
    memory for ``checkpoints + 1`` states (default ``ceil(log2(n_steps))``) instead of a tape of
    every step: the sweep replays segments from stored states on a binomial schedule, so each
    step is recomputed at most r times where C(checkpoints + r, r) >= n_steps.

    ``state`` may be an array or a pytree of arrays of one dtype; ``step(state)`` must return the
    same structure and shapes. Values being differentiated must be part of the state (closures
    over them raise TypeError).
    """
    if not isinstance(n_steps, (int, np.integer)) or isinstance(n_steps, bool) or n_steps < 0:
        raise TypeError(f"checkpoint_loop: n_steps must be a non-negative int, got {n_steps!r}")
    if checkpoints is None:
        checkpoints = max(1, math.ceil(math.log2(max(n_steps, 2))))
    if not isinstance(checkpoints, (int, np.integer)) or checkpoints < 1:
        raise ValueError(f"checkpoint_loop: checkpoints must be a positive int, got "
                         f"{checkpoints!r}")
    packer = _Packer(state, "checkpoint_loop state")
    flat = packer.pack(state, "checkpoint_loop state")
    if n_steps == 0 or type(flat) is not Tensor:
        return packer.unpack(_Loop(step, packer, n_steps, checkpoints).impl(flat))
    return packer.unpack(_Loop(step, packer, int(n_steps), int(checkpoints)).apply([flat]))
