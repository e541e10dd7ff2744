"""Ensembles: independent derivative computations (one per parameter set, initial condition,
...) run as one task each."""
from ._cluster import collect, resolve_client


def map(transform_fn, *iterables, client=None, timeout=None):
    """``[transform_fn(*items) for items in zip(*iterables)]`` computed on a Dask cluster, one
    task per item, returned as a list in order. ``transform_fn`` is typically a dualad
    transform (``ad.jacobian(f)``, ``ad.grad(loss)``, a ``Recording``'s method); it travels
    with cloudpickle. ``client`` and ``timeout`` as for ``dualad.distributed.jacobian``::

        >>> sensitivities = dualad.distributed.map(ad.jacobian(simulate), initial_conditions)
    """
    c = resolve_client(client, "dualad.distributed.map")
    futures = c.map(transform_fn, *iterables, pure=False)
    return collect(c, futures, "dualad.distributed.map", timeout)
