"""Data-parallel gradients: a loss summed over data shards that stay on the workers.

# Design: the shards are scattered once (the first call that sees them) and kept on the
# workers as futures; later calls with the same shard objects reuse them, so an optimisation
# loop moves only the parameters (once per step) and the gradients (once per shard, through
# the tree).
# Each shard's ``(value, gradient)`` is computed where the shard lives (Dask places a task
# with its largest input); the partial results are summed pairwise, a tree of depth
# ceil(log2(shards)) whose additions also run on the workers, and one sum reaches the caller.
"""
from concurrent.futures import CancelledError

import distributed

from .._core.tree import tree_map
from ..transforms import value_and_grad as local_value_and_grad
from ..transforms._args import normalize_argnums
from ._cluster import collect, match_kernel_threads, resolve_client
from ._kept import Kept

REDUCTIONS = ("sum", "mean")


def value_and_grad(loss, argnums=0, client=None, reduce="sum", *, timeout=None):
    """Data-parallel ``ad.value_and_grad``: returns ``fn(params, shards, *args)`` giving the
    value and gradient of ``sum(loss(params, shard, *args) for shard in shards)`` (``reduce=
    "sum"``) or of that sum divided by the number of shards (``"mean"``: equal shards give the
    full-batch mean), computed where the shards live and summed by a tree.

    ``shards`` is a list of arrays (or pytrees) or of Dask futures. Arrays are sent to the
    workers on the first call that sees them and reused by later calls given the same objects
    (send new arrays to change the data; the kept copies are not compared with the originals).
    ``argnums`` selects the differentiated arguments of ``loss`` as for ``ad.value_and_grad``
    (not 1, the shard). ``client`` and ``timeout`` as for ``dualad.distributed.jacobian``::

        >>> vg = dualad.distributed.value_and_grad(loss, reduce="mean")
        >>> for step in range(100):
        ...     value, g = vg(params, shards)           # shards sent on the first step only
        ...     params = params - 0.1 * g
    """
    fname = "dualad.distributed.value_and_grad"
    if reduce not in REDUCTIONS:
        raise ValueError(f"{fname}: reduce must be 'sum' or 'mean', got {reduce!r}")
    local = local_value_and_grad(loss, argnums)
    kept = _KeptShards()
    held = Kept()   # the local transform and the last parameters, on the cluster between calls

    def value_and_grad_fn(params, shards, *args):
        _, nums = normalize_argnums(argnums, 2 + len(args), fname)
        if 1 in nums:
            raise ValueError(f"{fname}: argnums={argnums!r} names argument 1, the shard; "
                             "gradients are summed over shards, so only the other arguments "
                             "(the parameters) can be differentiated")
        if not isinstance(shards, (list, tuple)) or not shards:
            raise TypeError(f"{fname}: shards must be a non-empty list of arrays or Dask "
                            f"futures, got {type(shards).__name__}")
        c = resolve_client(client, fname)
        transform = held.ref(c, "function", local)
        inputs = held.ref(c, "arguments", (params, args))
        for attempt in range(2):
            parts = [c.submit(_shard_value_and_grad, transform, inputs, s, pure=False)
                     for s in kept.futures(c, shards)]
            try:
                value, grad = collect(c, [_tree_sum(c, parts)], fname, timeout)[0]
                break
            except CancelledError:
                if attempt or not kept.lost():
                    raise
                kept.forget()   # a worker died holding shards: send them again, once
        if reduce == "mean":
            n = len(shards)
            value, grad = value / n, tree_map(lambda g: g / n, grad)
        return value, grad

    return value_and_grad_fn


class _KeptShards:
    """The futures of the last shards sent, reused while the same objects come back.

    Shards are scattered (spread over the workers, one copy each), not held by the scheduler
    as ``Kept`` does: they are the big data. Scattered data dies with its worker; the caller's
    shards are kept here, so they can be sent again (``lost``, ``forget``)."""

    def __init__(self):
        self.client, self.originals, self.sent = None, [], []

    def futures(self, client, shards):
        same = (client is self.client and len(shards) == len(self.originals)
                and all(a is b for a, b in zip(shards, self.originals)))
        if not same:
            self.client, self.originals = client, list(shards)
            arrays = [s for s in shards if not isinstance(s, distributed.Future)]
            scattered = iter(client.scatter(arrays, hash=False)) if arrays else iter(())
            self.sent = [s if isinstance(s, distributed.Future) else next(scattered)
                         for s in shards]
        return self.sent

    def lost(self):
        """Whether a shard this object scattered is gone (its worker died)."""
        return any(f.status != "finished" for f, s in zip(self.sent, self.originals)
                   if f is not s)

    def forget(self):
        self.client = None


def _shard_value_and_grad(local, inputs, shard):
    """On a worker: ``loss``'s value and gradient on one shard (``local`` and ``inputs``:
    from ``Kept.ref``)."""
    match_kernel_threads()
    params, args = inputs.value()
    return local.value()(params, shard, *args)


def _add(a, b):
    """On a worker: the sum of two ``(value, gradient)`` pairs."""
    return a[0] + b[0], tree_map(lambda x, y: x + y, a[1], b[1])


def _tree_sum(client, parts):
    """A future of the sum of ``parts``, added pairwise level by level."""
    while len(parts) > 1:
        pairs = [client.submit(_add, a, b, pure=False) for a, b in zip(parts[::2], parts[1::2])]
        parts = pairs + parts[len(parts) - len(parts) % 2:]
    return parts[0]
