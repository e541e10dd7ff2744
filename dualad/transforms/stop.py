"""``ad.stop_gradient``: a value used as a constant by every transform."""
from __future__ import annotations

from .._core.backend import raw_value
from .._core.state import IMPERATIVE_LEVEL
from .._core.tape import IMPERATIVE, Tensor
from .._core.tree import tree_flatten, tree_unflatten
from ..typing import PyTree

__all__ = ["stop_gradient"]


def stop_gradient(x: PyTree) -> PyTree:
    """``x``'s value as a constant: no transform (at any nesting level) differentiates
    through it, as JAX's ``stop_gradient``. Works on pytrees. A tensor of the imperative face
    comes back as a tensor that does not require grad (PyTorch's ``detach``); every other
    traced value as its plain array.

    >>> import dualad as ad, dualad.numpy as dnp
    >>> float(ad.grad(lambda x: x * ad.stop_gradient(x))(3.0))   # d/dx (x * c) at c = 3
    3.0
    """
    leaves, treedef = tree_flatten(x)
    return tree_unflatten(treedef, [_constant(v) for v in leaves])


def _constant(v):
    if not hasattr(v, "_level"):
        return v
    value = raw_value(v)
    if getattr(v, "_level", None) == IMPERATIVE_LEVEL:
        return Tensor._make(value, None, IMPERATIVE)
    return value
