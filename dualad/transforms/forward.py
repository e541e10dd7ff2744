"""Forward-mode transforms: ``jvp`` and ``jacfwd``, one batched pass of Duals."""
from __future__ import annotations

from typing import Sequence

import math

import numpy as np

from .._core.backend import array_module, raw_value
from .._core.dual import Dual, ForwardTrace
from .._core.primitive import shape_of
from .._core.state import new_level
from .._core.tree import check_float_leaf, tree_flatten, tree_unflatten
from .._kernels import cache_scope
from ._args import differentiated_leaves, normalize_argnums, selected_structure, with_kwargs
from ..typing import Fun, PyTree

# Design: jacfwd pushes all n input directions through the function at once (a tangent batch
# of width n). Memory grows with n times the size of every intermediate, so past this many
# tangent elements per input element the directions go in chunks.
MAX_SEED_ELEMENTS = 1 << 24


def push_forward(fun, args, leaves, rebuild, tangents, batched):
    """Run ``fun`` once on Duals whose tangents (batch axis first) are ``tangents``.

    Returns ``(out_tree_def, [(primal, tangent-with-batch-axis)] per output leaf)``; a leaf that
    does not depend on the inputs gets a zero tangent. NumPy allocates through the caching
    allocator meanwhile (``dualad._kernels._alloc``): tangents are big and short-lived.
    """
    trace = ForwardTrace(new_level())
    duals = [Dual._make(x, t, trace, batched) for x, t in zip(leaves, tangents)]
    try:
        with cache_scope():
            out = fun(*rebuild(duals))
    finally:
        trace.active = False
    k = tangents[0].shape[0] if tangents else 1
    out_leaves, out_def = tree_flatten(out)
    pairs = []
    for o in out_leaves:
        if type(o) is Dual and o._trace is trace:
            pairs.append((o._primal, o._tangent))
        else:
            xp = array_module(o)
            dtype = getattr(o, "dtype", np.result_type(raw_value(o)))
            pairs.append((o, xp.zeros((k,) + shape_of(o), dtype=dtype)))
    return out_def, pairs


def jvp(fun: Fun, primals: Sequence[PyTree], tangents: Sequence[PyTree]) -> tuple[PyTree, PyTree]:
    """``(primal_out, tangent_out)`` of ``fun`` at ``primals`` along ``tangents``.

    ``primals`` and ``tangents`` are tuples (one entry per positional argument, pytrees
    allowed). A tangent of shape ``(k,) + primal.shape`` means k directions; the output
    tangent then has shape ``(k,) + out.shape``.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples (one entry per argument of "
                        f"fun), got {type(primals).__name__} and {type(tangents).__name__}")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    nums = tuple(range(len(primals)))
    leaves, rebuild, _ = differentiated_leaves(list(primals), nums, "jvp")
    # a None tangent of an argument that is not None: no direction there (a zero tangent)
    tangents = [_zeros_tree(p) if t is None and p is not None else t
                for p, t in zip(primals, tangents)]
    t_leaves, t_def = tree_flatten(list(tangents))
    p_def = tree_flatten(list(primals))[1]
    if t_def != p_def:
        raise ValueError("jvp: tangents must have the same pytree structure as primals")
    ts, batch = [], None
    for i, (x, t) in enumerate(zip(leaves, t_leaves)):
        t = check_float_leaf(t, f"jvp: tangent {i}")
        xs, tsh = shape_of(x), shape_of(t)
        if t.dtype != x.dtype:
            raise TypeError(f"jvp: tangent {i} has dtype {t.dtype} but its primal has dtype "
                            f"{x.dtype}; they must match")
        if tsh == xs:
            this_batch, t = None, t[None]
        elif len(tsh) == len(xs) + 1 and tsh[1:] == xs:
            this_batch = tsh[0]
        else:
            raise ValueError(f"jvp: tangent {i} has shape {tsh} but its primal has shape {xs}; "
                             f"expected {xs} or (k,) + {xs} for k directions")
        if i and this_batch != batch:
            raise ValueError("jvp: all tangents must have the same number of directions")
        batch = this_batch
        ts.append(t)
    out_def, pairs = push_forward(fun, list(primals), leaves, rebuild, ts, batch is not None)
    prim_out = tree_unflatten(out_def, [p for p, _ in pairs])
    tan_out = tree_unflatten(out_def, [t if batch is not None else t[0] for _, t in pairs])
    return prim_out, tan_out


def _zeros_tree(tree):
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [array_module(x).zeros(shape_of(x), dtype=np.asarray(
        raw_value(x)).dtype if hasattr(raw_value(x), "dtype") else np.float64) for x in leaves])


def basis_tangents(leaves, start, stop):
    """Tangents for directions ``start:stop`` of the standard basis over all ``leaves``."""
    out, offset = [], 0
    for x in leaves:
        size = math.prod(shape_of(x))
        # direction r is input element start + r - offset of this leaf: a shifted diagonal
        t = array_module(x).eye(stop - start, size, k=start - offset, dtype=x.dtype)
        out.append(t.reshape((stop - start,) + shape_of(x)))
        offset += size
    return out


def jacfwd(fun: Fun, argnums: int | Sequence[int] = 0) -> Fun:
    """Jacobian of ``fun`` by forward mode: all input directions in one batched pass (chunked
    when the tangents would be too large). Shape: ``out.shape + x.shape``."""

    def jacobian_fn(*args, **kwargs):
        single, nums = normalize_argnums(argnums, len(args), "jacfwd")
        f = with_kwargs(fun, kwargs)
        leaves, rebuild, defs = differentiated_leaves(list(args), nums, "jacfwd")
        n = sum(math.prod(shape_of(x)) for x in leaves)
        chunk = max(1, min(n, MAX_SEED_ELEMENTS // max(n, 1)))
        chunks = []
        with cache_scope():
            for start in range(0, max(n, 1), chunk):
                stop = min(n, start + chunk)
                out_def, pairs = push_forward(f, list(args), leaves, rebuild,
                                              basis_tangents(leaves, start, stop), True)
                chunks.append(pairs)
            return assemble_forward(out_def, chunks, leaves, defs, single)

    return jacobian_fn


def assemble_forward(out_def, chunks, leaves, defs, single):
    """Out-tree of in-trees of Jacobian blocks from chunked tangents ``(k,) + out.shape``."""
    blocks = []
    for j, (primal, _) in enumerate(chunks[0]):
        xp = array_module(primal)
        full = chunks[0][j][1] if len(chunks) == 1 else xp.concatenate(
            [c[j][1] for c in chunks], axis=0)
        out_shape = shape_of(primal)
        per_in, offset = [], 0
        for x in leaves:
            size = math.prod(shape_of(x))
            block = full[offset:offset + size]
            block = block.reshape((size,) + out_shape).transpose(
                tuple(range(1, len(out_shape) + 1)) + (0,))   # the input axis last
            per_in.append(block.reshape(out_shape + shape_of(x)))
            offset += size
        blocks.append(selected_structure(defs, per_in, single))
    return tree_unflatten(out_def, blocks)
