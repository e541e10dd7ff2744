"""Axis arguments, normalised the way the primitives expect them (see NOTE: batch axis)."""
import operator

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
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"{name}: axis must be an integer or a tuple of integers, got "
                            f"{axis!r}") from None
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{name}: axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a - ndim if a >= 0 else a)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def normalize_one(axis, ndim, name):
    return normalize_axis(axis, ndim, name)[0]


def as_int(value, what, name):
    """``value`` as a Python int, or a TypeError naming the argument: a float or complex
    number is never truncated silently."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}: {what} must be an integer, got {value!r}") from None


def as_ints(values, what, name):
    """A tuple of ints from an int or a sequence of them (``shape``, ``reps``, ``axes``)."""
    if np.ndim(values) == 0:
        return (as_int(values, what, name),)
    return tuple(as_int(v, what, name) for v in values)
