"""Pytrees: nested tuples, lists and dicts of arrays, flattened to leaves and rebuilt.

Dicts are flattened in sorted-key order (as JAX does), so two dicts with the same keys always
flatten alike. ``None`` is an empty subtree.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, TYPE_CHECKING

import numpy as np

from .backend import is_cupy_array
from .primitive import shape_of

if TYPE_CHECKING:   # dualad.typing imports this package: the aliases are for checkers
    from ..typing import PyTree


class TreeDef:
    """The structure of a pytree without its leaves."""

    __slots__ = ("kind", "meta", "children", "flat")

    def __init__(self, kind, meta, children, flat=False):
        self.kind = kind          # "leaf", "none", tuple, list or dict
        self.meta = meta          # dict keys (sorted) for dicts, the class for namedtuples
        self.children = children  # TreeDefs of the children
        self.flat = flat          # a plain tuple or list whose children are all leaves

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __eq__(self, other):
        return (isinstance(other, TreeDef) and self.kind == other.kind
                and self.meta == other.meta and self.children == other.children)

    def __repr__(self):
        return f"TreeDef({self.kind}, {self.children})"


_LEAF = TreeDef("leaf", None, ())
_NONE = TreeDef("none", None, ())


def tree_flatten(tree: PyTree) -> tuple[list[Any], TreeDef]:
    """``(leaves, treedef)``. Recursive: pytrees are shallow, unlike tapes."""
    leaves = []
    treedef = _flatten(tree, leaves)
    return leaves, treedef


_FLAT_DEFS = {}   # (tuple or list, length) -> the TreeDef of a flat sequence of arrays


def _flat_def(kind, n):
    td = _FLAT_DEFS.get((kind, n))
    if td is None:
        td = _FLAT_DEFS[kind, n] = TreeDef(kind, tuple if kind is tuple else None,
                                           (_LEAF,) * n, flat=True)
    return td


def _flatten(tree, leaves):
    kind = type(tree)
    if kind is np.ndarray:   # the common leaf first
        leaves.append(tree)
        return _LEAF
    if kind is tuple or kind is list:   # plain sequences of arrays (parameter lists): no recursion
        for child in tree:
            if type(child) is not np.ndarray:
                break
        else:
            leaves.extend(tree)
            return _flat_def(kind, len(tree))
    if tree is None:
        return _NONE
    if isinstance(tree, dict):
        keys = sorted(tree)
        return TreeDef(dict, tuple(keys), tuple(_flatten(tree[k], leaves) for k in keys))
    if isinstance(tree, tuple):
        cls = type(tree) if hasattr(tree, "_fields") else tuple
        return TreeDef(tuple, cls, tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, list):
        return TreeDef(list, None, tuple(_flatten(c, leaves) for c in tree))
    leaves.append(tree)
    return _LEAF


def tree_unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> PyTree:
    """The tree of structure ``treedef`` (from ``tree_flatten``) with ``leaves`` in order."""
    if treedef.flat and type(leaves) is list and len(leaves) == len(treedef.children):
        return tuple(leaves) if treedef.kind is tuple else leaves.copy()
    return _unflatten(treedef, iter(leaves))


def _unflatten(td, it):
    if td.kind == "leaf":
        return next(it)
    if td.kind == "none":
        return None
    children = [_unflatten(c, it) for c in td.children]
    if td.kind is dict:
        return dict(zip(td.meta, children))
    if td.kind is list:
        return children
    if td.meta is not tuple:  # namedtuple
        return td.meta(*children)
    return tuple(children)


def tree_map(fun: Callable[..., Any], tree: PyTree, *rest: PyTree) -> PyTree:
    """``fun`` applied to each leaf of ``tree`` (and the matching leaves of the trees ``rest``),
    in a tree of the same structure: ``tree_map(lambda w, g: w - 0.1 * g, params, grads)``."""
    leaves, td = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten(td, [fun(*xs) for xs in zip(leaves, *others)])


def tree_signature(args):
    """A hashable key for the structure, shapes and dtypes of ``args`` (a sequence of pytrees),
    for caches of what a transform learnt about a function at such arguments. Plain arrays and
    Python floats, the common case, skip flattening."""
    quick = []
    for a in args:
        if type(a) is np.ndarray:
            quick.append((a.shape, a.dtype.char))
        elif type(a) is float:
            quick.append(float)
        else:
            break
    else:
        return tuple(quick)
    leaves, td = tree_flatten(list(args))
    return (repr(td),) + tuple((shape_of(x), str(getattr(x, "dtype", type(x))))
                               for x in leaves)


def check_float_leaf(x, what):
    """``x`` as a floating-point array for differentiation, or a TypeError naming ``what``.

    Python floats become float64 arrays and Python complex numbers complex128 arrays; float32
    and complex64 stay as they are; CuPy arrays and dualad boxes pass through. Integers,
    booleans and objects are refused.
    """
    if type(x) is np.ndarray and x.dtype.kind in "fc":   # the common case first
        return x
    if hasattr(x, "_level"):
        dtype = x.dtype
    elif isinstance(x, np.ndarray) or is_cupy_array(x):
        dtype = x.dtype
    elif isinstance(x, (bool, np.bool_)):
        dtype = np.dtype(bool)
    elif isinstance(x, (float, np.floating, complex, np.complexfloating)):
        return np.asarray(x)
    elif isinstance(x, (int, np.integer)):
        dtype = np.dtype(int)
    else:
        try:
            x = np.asarray(x)
        except Exception:
            raise TypeError(f"{what} must be a float array, got {type(x).__name__}") from None
        dtype = x.dtype
    if np.dtype(dtype).kind not in "fc":
        hint = ""
        if np.dtype(dtype).kind in "biu":
            hint = " (pass floats, e.g. 3.0 instead of 3, or x.astype(float))"
        raise TypeError(
            f"{what} has dtype {dtype}; only floating-point and complex values can be "
            f"differentiated{hint}")
    return x
