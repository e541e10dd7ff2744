"""Pytrees for users: nested tuples, lists and dicts (and ``None``) with arrays at the leaves.

``tree_map``, ``tree_flatten``, ``tree_unflatten`` and ``tree_leaves`` are the functions every
transform of dualad uses (``dualad/_core/tree.py``; dicts flatten in sorted-key order, as in
JAX). ``ravel_pytree`` packs a tree's leaves into one vector and returns the function that
unpacks it; both directions are differentiable. ``flatten_func`` (HIPS autograd's) turns a
function of a pytree into a function of one vector, as optimisers and solvers want.

>>> import numpy as np, dualad.tree as tree
>>> flat, unravel = tree.ravel_pytree({"w": np.ones((2, 2)), "b": np.zeros(2)})
>>> flat
array([0., 0., 1., 1., 1., 1.])
>>> unravel(flat)["w"].shape
(2, 2)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._core.backend import raw_value
from ._core.primitive import dtype_of, shape_of
from ._core.tree import tree_flatten, tree_map, tree_unflatten
from .typing import Array, ArrayLike, PyTree

__all__ = ["tree_map", "tree_flatten", "tree_unflatten", "tree_leaves", "ravel_pytree",
           "flatten", "flatten_func"]


def tree_leaves(tree: PyTree) -> list[Any]:
    """The leaves of ``tree`` in flattening order.

    >>> tree_leaves({"b": 2.0, "a": (1.0, None)})
    [1.0, 2.0]
    """
    return tree_flatten(tree)[0]


def ravel_pytree(pytree: PyTree) -> tuple[Array, Callable[[ArrayLike], PyTree]]:
    """``(flat, unravel)``: the leaves of ``pytree`` raveled and joined into one 1-d array (of
    their common dtype), and the function mapping such a vector back to a tree of the same
    structure, shapes and dtypes. Both are differentiable (``dnp`` operations), so
    ``grad(lambda v: loss(unravel(v)))`` works.

    >>> flat, unravel = ravel_pytree((np.ones(2), 3.0))
    >>> flat
    array([1., 1., 3.])
    """
    import dualad.numpy as dnp

    leaves, treedef = tree_flatten(pytree)
    shapes = [shape_of(x) for x in leaves]
    dtypes = [np.result_type(dtype_of(raw_value(x))) for x in leaves]
    sizes = [int(np.prod(s)) for s in shapes]
    common = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    if leaves:
        flat = dnp.concatenate([dnp.ravel(dnp.astype(x, common)) for x in leaves])
    else:
        flat = np.zeros(0, dtype=common)
    bounds = np.cumsum([0] + sizes)

    def unravel(vector):
        if shape_of(vector) != (bounds[-1],):
            raise ValueError(f"unravel: expected a vector of shape ({bounds[-1]},), got shape "
                             f"{shape_of(vector)}")
        parts = [dnp.astype(dnp.reshape(vector[int(lo):int(hi)], shape), dtype)
                 for lo, hi, shape, dtype in zip(bounds[:-1], bounds[1:], shapes, dtypes)]
        return tree_unflatten(treedef, parts)

    return flat, unravel


flatten = ravel_pytree
"""HIPS autograd's name for ``ravel_pytree`` (``autograd.misc.flatten``)."""


def flatten_func(func: Callable[..., Any], example: PyTree
                 ) -> tuple[Callable[..., Array], Callable[[ArrayLike], PyTree], Array]:
    """``(flat_func, unflatten, flat_example)`` (HIPS autograd's ``flatten_func``):
    ``flat_func(v, *args)`` is ``func(unflatten(v), *args)`` with its result raveled, for
    parameters shaped like ``example``.

    >>> f = lambda p, s: s * (p["a"] ** 2).sum()
    >>> flat_f, unflatten, v = flatten_func(f, {"a": np.ones(3)})
    >>> float(flat_f(v, 2.0)[0])
    6.0
    """
    flat_example, unflatten = ravel_pytree(example)

    def flat_func(vector, *args):
        return ravel_pytree(func(unflatten(vector), *args))[0]

    return flat_func, unflatten, flat_example
