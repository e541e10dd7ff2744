"""Argument handling shared by the transforms: ``argnums``, keyword arguments and the leaves
of pytrees."""
import functools

import numpy as np

from .._core.tree import check_float_leaf, tree_flatten, tree_unflatten


def with_kwargs(fun, kwargs):
    """``fun`` with the keyword arguments of a call to a transformed function bound: they are
    passed through, not differentiated (as JAX does)."""
    return functools.partial(fun, **kwargs) if kwargs else fun


def normalize_argnums(argnums, nargs, fname):
    """``(single, nums)``: whether one argnum was given, and the tuple of argnums."""
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    if not single and not isinstance(argnums, (tuple, list)):
        raise TypeError(f"{fname}: argnums must be an int or a tuple of distinct ints, got "
                        f"{argnums!r} of type {type(argnums).__name__}")
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise ValueError(f"{fname}: argnums must name at least one argument")
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{fname}: argnums must be an int or a tuple of distinct ints, got "
                            f"{a!r} in argnums={argnums!r}")
        if not -nargs <= a < nargs:
            raise ValueError(
                f"{fname}: argnums={argnums!r} is out of range for a call with {nargs} "
                f"positional argument{'s' if nargs != 1 else ''}")
        out.append(int(a) % nargs)
    if len(set(out)) != len(out):
        raise TypeError(f"{fname}: argnums={argnums!r} repeats an argument; each argument can be "
                        "differentiated once (argnums must be a tuple of distinct ints)")
    return single, tuple(out)


def differentiated_leaves(args, nums, fname):
    """Flatten the selected arguments. Returns ``(leaves, rebuild, defs)``: the float-checked
    leaves, ``rebuild(new_leaves)`` giving the full argument list with the leaves replaced, and
    ``(argnum, treedef, number of leaves)`` per selected argument."""
    leaves, defs = [], []
    for i in nums:
        ls, td = tree_flatten(args[i])
        for leaf in ls:
            if type(leaf) is np.ndarray and leaf.dtype.kind in "fc":   # the common case first
                leaves.append(leaf)
            else:
                what = f"{fname}: argument {i}"
                leaves.append(check_float_leaf(
                    leaf, what if len(ls) == 1 else f"{what} (a leaf of its pytree)"))
        defs.append((i, td, len(ls)))

    def rebuild(new_leaves):
        out = list(args)
        pos = 0
        for i, td, n in defs:
            out[i] = tree_unflatten(td, new_leaves[pos:pos + n])
            pos += n
        return out

    return leaves, rebuild, defs


def selected_structure(defs, leaves_out, single):
    """Rebuild the structure of the selected arguments from per-leaf values."""
    if single:
        return tree_unflatten(defs[0][1], leaves_out)
    parts, pos = [], 0
    for i, td, n in defs:
        parts.append(tree_unflatten(td, leaves_out[pos:pos + n]))
        pos += n
    return parts[0] if single else tuple(parts)
