"""Sparse Jacobians and Hessians on a cluster: the colour groups spread over the workers.

# Design: detection and colouring run on the caller, once per argument signature, through the
# local ``SparseDerivative`` (its plan cache is the local one). The compressed product has one
# row per colour; each task computes a range of colours with the local evaluation
# (``evaluate(g, x, plan, start, stop)``) and the caller decompresses the joined rows as the
# local function does.
"""
import numpy as np

from .. import sparse as local_sparse
from ._cluster import (Resources, choose_chunk, chunk_bounds, collect, match_kernel_threads,
                       resolve_client)
from ._kept import Kept


class DistributedSparseDerivative:
    """The function ``sparse_jacobian`` and ``sparse_hessian`` return: call it with ``fun``'s
    arguments. ``plan(*args)`` returns the ``SparsePlan`` (pattern, colouring, direction)."""

    def __init__(self, local, client, chunk_size, timeout):
        self.local = local
        self.client, self.chunk_size, self.timeout = client, chunk_size, timeout
        self.fname = "dualad.distributed." + local.fname
        self.kept = Kept()   # the function and the last point, on the cluster between calls

    def plan(self, *args):
        """The plan (pattern, colouring, direction) used for arguments like ``args``."""
        return self.local.plan(*args)

    def __call__(self, *args):
        g, x, plan = self.local._bound(args)
        if not plan.nnz:
            return plan.decompress(None, x.dtype)
        client = resolve_client(self.client, self.fname)
        resources = Resources(client)
        chunk = choose_chunk(plan.colors, resources, self.chunk_size)
        function = self.kept.ref(client, "function", (self.local.evaluate, g))
        point = self.kept.ref(client, "arguments", (x, plan))
        futures = [client.submit(_colour_rows, function, point, start, stop, pure=False)
                   for start, stop in chunk_bounds(plan.colors, chunk)]
        rows = collect(client, futures, self.fname, self.timeout, resources=resources)
        return plan.decompress(np.concatenate(rows), x.dtype)


def _colour_rows(function, point, start, stop):
    """On a worker: rows ``start:stop`` of the compressed product (``function`` and ``point``:
    from ``Kept.ref``)."""
    match_kernel_threads()
    (evaluate, g), (x, plan) = function.value(), point.value()
    return evaluate(g, x, plan, start, stop)


def sparse_jacobian(fun, sparsity="auto", argnums=0, mode="auto", client=None,
                    chunk_size=None, *, timeout=None):
    """``ad.sparse_jacobian(fun, sparsity, argnums, mode)`` with the colour groups spread over
    a Dask cluster, ``chunk_size`` colours per task (default: one task per worker thread).
    ``client`` and ``timeout`` as for ``dualad.distributed.jacobian``. Returns
    ``jac_fn(*args)``, a ``scipy.sparse.csr_matrix`` equal to the local one::

        >>> J = dualad.distributed.sparse_jacobian(rhs, argnums=1)(t, y)
    """
    local = local_sparse.sparse_jacobian(fun, sparsity, argnums, mode)
    return DistributedSparseDerivative(local, client, chunk_size, timeout)


def sparse_hessian(fun, sparsity="auto", argnums=0, client=None, chunk_size=None, *,
                   timeout=None):
    """``ad.sparse_hessian(fun, sparsity, argnums)`` with the colour groups spread over a Dask
    cluster (see ``sparse_jacobian``)::

        >>> H = dualad.distributed.sparse_hessian(f)(x)
    """
    local = local_sparse.sparse_hessian(fun, sparsity, argnums)
    return DistributedSparseDerivative(local, client, chunk_size, timeout)
