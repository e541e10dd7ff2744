"""Products of ``dualad.numpy``: ``dot``, ``inner``, ``outer``, ``tensordot`` and ``einsum``,
with NumPy's semantics for every rank. ``dot``, ``inner``, ``outer`` and ``tensordot`` are
written with ``matmul``, ``multiply``, ``transpose`` and ``reshape`` (matrix products run on BLAS
and the derivatives come from those primitives); ``einsum`` is a primitive of its own (NOTE:
einsum subscripts in ``dualad/primitives/linalg.py``).
"""
from __future__ import annotations

from typing import Any, Sequence

import string

import math

import numpy as np

from .._core.primitive import ndim_of, shape_of
from ..primitives import linalg as _la
from ._core import ravel, reshape, transpose
from ._ufuncs import multiply, reject_kwargs
from ..typing import Array, ArrayLike


def dot(a: ArrayLike, b: ArrayLike, **kwargs: Any) -> Array:
    """``numpy.dot``: a product over the last axis of ``a`` and the second-to-last of ``b`` (the
    only axis of a vector); a scalar operand multiplies."""
    if kwargs:
        reject_kwargs("dot", kwargs)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    sa, sb = shape_of(a), shape_of(b)
    b_axis = -2 if len(sb) >= 2 else -1
    if sa[-1] != sb[b_axis]:
        raise ValueError(f"dot: shapes {sa} and {sb} not aligned: {sa[-1]} (dim {len(sa) - 1}) "
                         f"!= {sb[b_axis]} (dim {len(sb) + b_axis})")
    if len(sa) >= 2 and len(sb) >= 3:
        return tensordot(a, b, axes=([-1], [-2]))
    return _la.matmul(a, b)


def inner(a: ArrayLike, b: ArrayLike) -> Array:
    """``numpy.inner``: a product over the last axes of ``a`` and ``b``."""
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    sa, sb = shape_of(a), shape_of(b)
    if sa[-1] != sb[-1]:
        raise ValueError(f"inner: shapes {sa} and {sb} not aligned: the last axes have lengths "
                         f"{sa[-1]} and {sb[-1]}")
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: ArrayLike, b: ArrayLike, **kwargs: Any) -> Array:
    """``numpy.outer``: ``a`` and ``b`` are flattened first."""
    if kwargs:
        reject_kwargs("outer", kwargs)
    return multiply(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


def _tensordot_axes(axes, sa, sb):
    """``axes`` of ``tensordot`` as two lists of non-negative axes, checked against the shapes."""
    if np.ndim(axes) == 0:
        n = int(axes)
        if not 0 <= n <= min(len(sa), len(sb)):
            raise ValueError(f"tensordot: axes={n} is out of range for operands of shapes {sa} "
                             f"and {sb}")
        return list(range(len(sa) - n, len(sa))), list(range(n))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise ValueError(f"tensordot: axes must be an int or a pair of sequences, got "
                         f"{axes!r}") from None
    axes_a = [axes_a] if np.ndim(axes_a) == 0 else list(axes_a)
    axes_b = [axes_b] if np.ndim(axes_b) == 0 else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: {len(axes_a)} axes of a but {len(axes_b)} axes of b")
    for axs, shape, name in ((axes_a, sa, "a"), (axes_b, sb, "b")):
        for ax in axs:
            if not -len(shape) <= ax < len(shape):
                raise np.exceptions.AxisError(
                    f"tensordot: axis {ax} is out of bounds for {name} of shape {shape}")
    axes_a = [ax % len(sa) for ax in axes_a]
    axes_b = [ax % len(sb) for ax in axes_b]
    if [sa[ax] for ax in axes_a] != [sb[ax] for ax in axes_b]:
        raise ValueError(f"tensordot: shape-mismatch for sum: axes {tuple(axes_a)} of a (shape "
                         f"{sa}) and {tuple(axes_b)} of b (shape {sb}) have lengths "
                         f"{tuple(sa[ax] for ax in axes_a)} and {tuple(sb[ax] for ax in axes_b)}")
    return axes_a, axes_b


def tensordot(a: ArrayLike, b: ArrayLike,
              axes: int | Sequence[int] | Sequence[Sequence[int]] = 2) -> Array:
    """``numpy.tensordot``: ``axes`` is an int n (the last n axes of ``a`` with the first n of
    ``b``) or a pair of sequences. Computed as NumPy does, as one matrix product of the
    transposed and flattened operands."""
    sa, sb = shape_of(a), shape_of(b)
    axes_a, axes_b = _tensordot_axes(axes, sa, sb)
    free_a = [ax for ax in range(len(sa)) if ax not in axes_a]
    free_b = [ax for ax in range(len(sb)) if ax not in axes_b]
    # explicit sizes, not -1: a zero-length axis leaves -1 undetermined
    summed = math.prod(sa[ax] for ax in axes_a)
    rows = math.prod(sa[ax] for ax in free_a)
    cols = math.prod(sb[ax] for ax in free_b)
    a2 = reshape(transpose(a, free_a + axes_a), (rows, summed))
    b2 = reshape(transpose(b, axes_b + free_b), (summed, cols))
    out_shape = tuple(sa[ax] for ax in free_a) + tuple(sb[ax] for ax in free_b)
    return reshape(_la.matmul(a2, b2), out_shape)


# ---------------------------------------------------------------- einsum
def _sublist_subscripts(args):
    """The operands and subscripts of NumPy's interleaved form
    ``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])``."""
    def term(sublist):
        return "".join("..." if s is Ellipsis else _index_letter(s) for s in sublist)

    operands, terms = list(args[0::2]), [term(s) for s in args[1::2]]
    if len(args) % 2:
        return ",".join(terms) + "->" + term(args[-1]), operands[:-1]
    return ",".join(terms), operands


def _index_letter(s):
    """NumPy numbers sublist indices 0-25 as A-Z and 26-51 as a-z."""
    letters = string.ascii_uppercase + string.ascii_lowercase
    if not (isinstance(s, (int, np.integer)) and 0 <= s < len(letters)):
        raise ValueError(f"einsum: a subscript in a sublist must be an integer in [0, 52) or "
                         f"Ellipsis, got {s!r}")
    return letters[s]


def _check_term(term, n, shape):
    """Validate one operand's term (after the ellipsis is removed)."""
    for c in term:
        if not c.isascii() or not c.isalpha():
            raise ValueError(f"einsum: invalid subscript {c!r} for operand {n}; use letters, "
                             f"'...', ',' and '->'")
    if len(term) > len(shape):
        raise ValueError(f"einsum: operand {n} has shape {shape} but its subscripts name "
                         f"{len(term)} axes")


def _expand_ellipses(inputs, output, shapes):
    """Replace each ``...`` by letters of its own; the broadcast axes are right-aligned, as in
    NumPy. Returns the new input terms, the output term (None in implicit mode) and the letters
    that stand for the ellipsis."""
    widths = []
    for n, (term, shape) in enumerate(zip(inputs, shapes)):
        letters = term.replace("...", "")
        _check_term(letters, n, shape)
        if "..." not in term and len(letters) != len(shape):
            raise ValueError(f"einsum: operand {n} has shape {shape} but its subscripts "
                             f"{term!r} name {len(letters)} axes (use '...' for the others)")
        widths.append(len(shape) - len(letters))
    used = "".join(inputs) + (output or "")
    ellipsis = "".join(_la.fresh_letters(used, max(widths, default=0)))
    inputs = [t.replace("...", ellipsis[len(ellipsis) - w:]) for t, w in zip(inputs, widths)]
    if output is not None:
        if "..." not in output and ellipsis:
            raise ValueError("einsum: the output subscripts need '...' because the operands "
                             "have axes covered by '...'")
        output = output.replace("...", ellipsis)
    return inputs, output, ellipsis


def _check_sizes(inputs, shapes):
    """Every index letter has one length across the operands (length 1 broadcasts)."""
    first = {}      # letter -> (its length other than 1, the operand it was first seen in)
    for n, (term, shape) in enumerate(zip(inputs, shapes)):
        for c, size in zip(term, shape):
            if size != 1:
                length, m = first.setdefault(c, (size, n))
                if length != size:
                    raise ValueError(f"einsum: index {c!r} has length {length} in operand {m} "
                                     f"(shape {shapes[m]}) but {size} in operand {n} (shape "
                                     f"{shape})")


def canonical_subscripts(subscripts, shapes):
    """``subscripts`` in the explicit canonical form of the ``einsum`` primitive, checked
    against the operands' ``shapes``; implicit mode puts the ellipsis axes first, then the
    letters that occur once, in alphabetical (ASCII) order, as NumPy does."""
    s = subscripts.replace(" ", "")
    inputs, arrow, output = s.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: the subscripts {subscripts!r} name {len(inputs)} operands "
                         f"but {len(shapes)} were given")
    inputs, output, ellipsis = _expand_ellipses(inputs, output if arrow else None, shapes)
    joined = "".join(inputs)
    if output is None:
        output = ellipsis + "".join(sorted(c for c in set(joined) - set(ellipsis)
                                           if joined.count(c) == 1))
    for c in output:
        if output.count(c) > 1:
            raise ValueError(f"einsum: the output subscript {c!r} occurs more than once")
        if c not in joined:
            raise ValueError(f"einsum: the output subscript {c!r} does not occur in the inputs")
    _check_sizes(inputs, shapes)
    return _la.join_subscripts(inputs, output)


def einsum(subscripts: str, *operands: ArrayLike, optimize: bool | str | None = None,
           **kwargs: Any) -> Array:
    """``numpy.einsum``: explicit (``"ij,jk->ik"``) and implicit (``"ij,jk"``) modes, repeated
    indices (``"ii->"``, ``"ii->i"``), ``...`` broadcasting and the interleaved sublist form.
    ``optimize`` is accepted for compatibility; dualad chooses the contraction order itself."""
    if kwargs:
        reject_kwargs("einsum", kwargs)
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_subscripts((subscripts,) + operands)
    canonical = canonical_subscripts(subscripts, [shape_of(x) for x in operands])
    return _la.einsum(*operands, subscripts=canonical)


__all__ = ["dot", "inner", "outer", "tensordot", "einsum"]
