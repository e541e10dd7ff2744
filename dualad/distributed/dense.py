"""Dense Jacobians and Hessians on a cluster: chunks of forward directions or of reverse
output rows, one task per chunk.

# Design: the mode selector decides once, on the caller (``plan_jacobian``: one sizing pass,
# cached per argument signature; it also gives the number of outputs and the cost of one
# direction, from which the chunk size follows). The function and its arguments are kept on
# the cluster between calls (``Kept``: sent again only when their pickled bytes change, so a
# task carries two small references and its bounds); each task runs one batched pass over its chunk,
# the same pass ``jacfwd`` (``push_forward`` over ``basis_tangents``) or ``jacrev``
# (``Recorded.backward`` over ``basis_cotangents``) runs over all directions, and the caller
# joins the chunks with their own assembly. So the result is the local one, block by block.
"""
from types import SimpleNamespace

from .._core.backend import array_module
from .._core.tree import tree_flatten, tree_signature
from ..transforms._args import differentiated_leaves, normalize_argnums
from ..transforms.forward import MAX_SEED_ELEMENTS, assemble_forward, basis_tangents, push_forward
from ..transforms.modes import MODES, calibration, plan_jacobian
from ..transforms.reverse import Recorded, assemble_reverse, basis_cotangents, jacrev
from ._cluster import (DirectionCost, Resources, choose_chunk, chunk_bounds, collect,
                       match_kernel_threads, resolve_client)
from ._kept import Kept


def jacobian(fun, argnums=0, mode="auto", client=None, chunk_size=None, *, timeout=None):
    """``ad.jacobian(fun, argnums, mode)`` computed on a Dask cluster.

    The input directions (forward mode) or output rows (reverse mode) are split into chunks of
    ``chunk_size`` (default: one chunk per worker thread, no smaller than keeps the per-task
    overhead under a tenth, no larger than fits a quarter of a worker's memory), one task per
    chunk; ``mode="auto"`` is decided once on the caller by ``ad.plan_jacobian``. ``client``:
    a ``dask.distributed.Client`` (default: the current one). ``timeout``: seconds to wait
    before cancelling the tasks and raising TimeoutError. Returns ``jac_fn(*args)``::

        >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
        >>> J = dualad.distributed.jacobian(f)(x)      # equals ad.jacobian(f)(x)
    """
    fname = "dualad.distributed.jacobian"
    if mode not in MODES:
        raise ValueError(f"{fname}: unknown mode {mode!r}; choose one of "
                         f"{', '.join(repr(m) for m in MODES)}")
    plans = {}   # argument signature -> the selector's plan, made once on the caller
    kept = Kept()   # fun and the last arguments, on the cluster while this transform lives

    def jacobian_fn(*args):
        plan = _plan(plans, fun, args, argnums)
        chosen = plan.mode if mode == "auto" else mode
        return spread(fun, args, argnums, chosen, plan, client, chunk_size, timeout, fname,
                      kept)

    return jacobian_fn


def hessian(fun, argnums=0, client=None, chunk_size=None, *, timeout=None):
    """``ad.hessian(fun, argnums)`` computed on a Dask cluster: forward-over-reverse, as
    locally, with the forward directions split into chunks (see ``jacobian`` for
    ``client``, ``chunk_size`` and ``timeout``). Returns ``hess_fn(*args)``::

        >>> H = dualad.distributed.hessian(f)(x)       # equals ad.hessian(f)(x)
    """
    gradient = jacrev(fun, argnums)   # one object, so that its sizing pass is cached
    plans = {}
    kept = Kept()

    def hessian_fn(*args):
        plan = _plan(plans, gradient, args, argnums)
        return spread(gradient, args, argnums, "forward", plan, client, chunk_size, timeout,
                      "dualad.distributed.hessian", kept)

    return hessian_fn


def _plan(plans, fun, args, argnums):
    key = tree_signature(args)
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = plan_jacobian(fun, *args, argnums=argnums)
    return plan


def spread(fun, args, argnums, mode, plan, client, chunk_size, timeout, fname, kept):
    """The Jacobian of ``fun`` at ``args`` in ``mode``, chunk by chunk on the cluster; ``fun``
    and ``args`` are sent through ``kept`` (a ``Kept``)."""
    client = resolve_client(client, fname)
    single, nums = normalize_argnums(argnums, len(args), fname)
    leaves, _, defs = differentiated_leaves(list(args), nums, fname)
    total = plan.n_in if mode == "forward" else plan.n_out
    cost = _direction_cost(plan, mode, leaves)
    resources = Resources(client)
    chunk = choose_chunk(total, resources, chunk_size, cost,
                         most=MAX_SEED_ELEMENTS // max(plan.n_in, 1))
    fun_kept = kept.ref(client, "function", fun)
    args_kept = kept.ref(client, "arguments", args)
    task = _forward_chunk if mode == "forward" else _reverse_chunk
    futures = [client.submit(task, fun_kept, args_kept, nums, start, stop, pure=False)
               for start, stop in chunk_bounds(total, chunk)]
    parts = collect(client, futures, fname, timeout, chunk * cost.bytes if cost else None,
                    resources)
    if mode == "forward":
        return assemble_forward(parts[0][0], [pairs for _, pairs in parts], leaves, defs,
                                single)
    out_def, out_leaves, _ = parts[0]
    grads = [_join([grads[i] for _, _, grads in parts]) for i in range(len(leaves))]
    # what assemble_reverse reads of a recording: the output leaves' shapes and structure,
    # the differentiated leaves' shapes and the selected arguments' structure
    recorded = SimpleNamespace(out_leaves=out_leaves, out_def=out_def, leaves=leaves, defs=defs)
    return assemble_reverse(recorded, grads, single)


def _direction_cost(plan, mode, leaves):
    """The ``DirectionCost`` of one direction: the plan's operand elements per pass at the
    calibrated cost of one element, the elements its primitives produce (each holds one
    direction's tangent or cotangent), their mean per primitive, and the calibrated fixed
    cost of a pass; None when unknown."""
    if plan.work is None or plan.produced is None or not leaves or not plan.ops:
        return None
    c_fcall, c_rcall, c_fop, c_rop, c_fel, c_rel = calibration(array_module(*leaves))
    forward = mode == "forward"
    itemsize = leaves[0].dtype.itemsize
    return DirectionCost(seconds=max(plan.work * (c_fel if forward else c_rel), 1e-12),
                         bytes=(plan.produced + plan.n_in) * itemsize,
                         op_bytes=plan.produced / plan.ops * itemsize,
                         pass_seconds=(c_fcall + plan.ops * c_fop) if forward
                         else (c_rcall + plan.ops * c_rop))


def _join(blocks):
    return blocks[0] if len(blocks) == 1 else array_module(blocks[0]).concatenate(blocks)


def _forward_chunk(fun, args, nums, start, stop):
    """On a worker: ``(out_def, [(primal, tangents)])`` for input directions ``start:stop``
    (``fun`` and ``args``: from ``Kept.ref``)."""
    match_kernel_threads()
    fun, args = fun.value(), args.value()
    leaves, rebuild, _ = differentiated_leaves(list(args), nums, "dualad.distributed")
    return push_forward(fun, list(args), leaves, rebuild, basis_tangents(leaves, start, stop),
                        True)


def _reverse_chunk(fun, args, nums, start, stop):
    """On a worker: ``(out_def, output leaves, leaf cotangents)`` for output rows
    ``start:stop`` (``fun`` and ``args``: from ``Kept.ref``)."""
    match_kernel_threads()
    fun, args = fun.value(), args.value()
    rec = Recorded(fun, args, nums, "dualad.distributed")
    grads = rec.backward(basis_cotangents(rec.out_leaves, start, stop), retain=False)
    return rec.out_def, tree_flatten(rec.primal_out)[0], grads
