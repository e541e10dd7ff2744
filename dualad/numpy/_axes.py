"""Axis arguments, normalised the way the primitives expect them (see NOTE: batch axis)."""
import numpy as np


def normalize_axis(axis, ndim, name):
    """``axis`` (None, int or tuple) as a sorted tuple of distinct negative integers."""
    if axis is None:
        return tuple(range(-ndim, 0))
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis - ndim if axis >= 0 else axis,)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{name}: axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a - ndim if a >= 0 else a)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def normalize_one(axis, ndim, name):
    return normalize_axis(axis, ndim, name)[0]
