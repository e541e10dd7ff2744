"""Ensembles: independent derivative computations (one per parameter set, initial condition,
...) run as one task each."""
from ._cluster import collect, match_kernel_threads, resolve_client
from ._kept import Kept, Pickled


def map(transform_fn, *iterables, client=None, timeout=None):
    """``[transform_fn(*items) for items in zip(*iterables)]`` computed on a Dask cluster, one
    task per item, returned as a list in order. ``transform_fn`` is typically a dualad
    transform (``ad.jacobian(f)``, ``ad.grad(loss)``, a ``Recording``'s method); it travels
    with cloudpickle. ``client`` and ``timeout`` as for ``dualad.distributed.jacobian``::

        >>> sensitivities = dualad.distributed.map(ad.jacobian(simulate), initial_conditions)
    """
    c = resolve_client(client, "dualad.distributed.map")
    iterables = [list(items) for items in iterables]
    if not iterables or not min(len(items) for items in iterables):
        return []
    # sent once for all the items, not once per task (a closure may hold large arrays); the
    # items pickled as well, to arrive aligned (see ``Pickled``)
    kept = Kept()   # held until the tasks have finished
    function = kept.ref(c, "function", transform_fn)
    items = [[Pickled(item) for item in column] for column in iterables]
    futures = c.map(_apply, *items, transform_fn=function, pure=False)
    return collect(c, futures, "dualad.distributed.map", timeout)


def _apply(*items, transform_fn):
    """On a worker: one item of the ensemble (``items``: ``Pickled``; ``transform_fn``: from
    ``Kept.ref``)."""
    match_kernel_threads()
    return transform_fn.value()(*(item.value() for item in items))
