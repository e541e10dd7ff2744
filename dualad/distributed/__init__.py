"""dualad on a Dask cluster: Jacobians and Hessians split into chunks of directions, sparse
derivatives by colour groups, data-parallel gradients over shards kept on the workers, and
ensembles of independent derivative computations (API.md section 15).

Every function takes ``client=`` (a ``dask.distributed.Client``; default: the current one) and
returns what its local counterpart returns, equal to it up to rounding::

    from dask.distributed import Client
    import dualad.distributed as add

    client = Client("tcp://scheduler:8786")          # or Client(LocalCluster(...))
    J = add.jacobian(f)(x)                           # == ad.jacobian(f)(x)
    value, g = add.value_and_grad(loss)(params, shards)

Needs the ``[distributed]`` extra (``pip install "dualad[distributed]"``); ``dualad`` itself
imports without Dask.
"""
try:
    import distributed as _distributed  # noqa: F401
except ImportError as exc:   # name the extra: the bare ModuleNotFoundError does not
    raise ImportError(
        "dualad.distributed needs Dask's distributed scheduler: install the extra with "
        "pip install \"dualad[distributed]\" (or pip install \"dask[distributed]\")") from exc

from .data import value_and_grad
from .dense import hessian, jacobian
from .ensemble import map
from .sparse import sparse_hessian, sparse_jacobian

__all__ = ["jacobian", "hessian", "sparse_jacobian", "sparse_hessian", "value_and_grad",
           "map"]
