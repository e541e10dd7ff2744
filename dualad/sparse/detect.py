"""Sparsity detection: ``jacobian_sparsity`` and ``hessian_sparsity``.

NOTE: what a detected pattern promises. Pattern rules follow the structure of each primitive's
derivative, not its values: ``sin`` keeps a dependency even where ``cos`` vanishes, ``where``
and ``maximum`` keep both branches, a constant operand of ``matmul`` contributes its non-zeros.
The pattern therefore holds at every point at which the function takes the same Python
branches and indexes the same elements; a function whose structure depends on values
(``if x[0] > 0``, indices computed from ``x``) yields the pattern of the branch taken.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core.backend import is_cupy_array
from .._core.primitive import shape_of
from .._core.state import new_level
from .._core.tree import check_float_leaf, tree_flatten
from ._matrix import canonical, pattern_matrix
from .trace import PatternTrace, PatternTracer
from ..typing import Fun

# Design: the patterns of all n input elements travel together (a batch of n boolean
# directions), so every intermediate costs n times its size in bytes; past this many, the
# inputs are taken in chunks, one evaluation of the function per chunk.
MAX_PATTERN_ELEMENTS = 1 << 26


def bind_argument(fun, args, argnums, fname):
    """``(g, x)``: ``fun`` as a function of its argument ``argnums`` alone (the others held
    fixed), and that argument as a float array."""
    if not isinstance(argnums, (int, np.integer)):
        raise TypeError(f"{fname}: argnums must be one int (sparse derivatives are taken with "
                        f"respect to one array argument), got {argnums!r}")
    if not -len(args) <= argnums < len(args):
        raise ValueError(f"{fname}: argnums={argnums} is out of range for a call with "
                         f"{len(args)} positional argument(s)")
    k = int(argnums) % len(args)
    x = check_float_leaf(args[k], f"{fname}: argument {k}")
    if is_cupy_array(x):
        raise TypeError(f"{fname}: sparse derivatives are computed on NumPy arrays; argument {k} "
                        "is a CuPy array (move it with cupy.asnumpy, or use ad.jacobian)")
    x = np.asarray(x)

    def g(z):
        return fun(*args[:k], z, *args[k + 1:])

    return g, x


def detect_jacobian(g, x, fname="jacobian_sparsity"):
    """``(rows, cols, shape)`` of the Jacobian pattern of ``g`` at ``x``, row-major, with shape
    ``(output size, x.size)``."""
    n = x.size
    chunk = max(1, min(n, MAX_PATTERN_ELEMENTS // max(n, 1)))
    rows, cols, m = [], [], None
    for start in range(0, n, chunk):
        r, c, m = _propagate(g, x, start, min(n, start + chunk), fname)
        rows.append(r)
        cols.append(c)
    if m is None:   # an empty input: evaluate once to learn the output size
        m = _output_size(g(x), fname)
        rows, cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    return canonical(np.concatenate(rows), np.concatenate(cols), (m, n))


def _propagate(g, x, start, stop, fname):
    """Non-zeros ``(rows, cols, output size)`` in the columns ``start:stop``."""
    k, n = stop - start, x.size
    seed = np.zeros((k, n), dtype=bool)
    seed[np.arange(k), np.arange(start, stop)] = True
    trace = PatternTrace(new_level())
    try:
        out = g(PatternTracer(x, seed.reshape((k,) + x.shape), trace))
    finally:
        trace.active = False
    m = _output_size(out, fname)
    if type(out) is not PatternTracer or out._trace is not trace:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), m
    local, rows = np.nonzero(out._pattern.reshape(k, m))
    return rows.astype(np.int64), local.astype(np.int64) + start, m


def _output_size(out, fname):
    leaves, _ = tree_flatten(out)
    if len(leaves) != 1 or leaves[0] is not out:
        raise TypeError(f"{fname}: fun must return one array, got {type(out).__name__}; "
                        "concatenate the outputs (dnp.concatenate) first")
    return int(np.prod(shape_of(out)))


def detect_hessian(g, x, fname="hessian_sparsity"):
    """``(rows, cols, shape)`` of the Hessian pattern of a scalar ``g`` at ``x``: the Jacobian
    pattern of its gradient (the reverse sweep runs on pattern tracers, so second-order
    structure comes from the same rules), symmetrised."""
    from ..transforms import grad
    rows, cols, (m, n) = detect_jacobian(grad(g), x, fname)
    return canonical(np.concatenate([rows, cols]), np.concatenate([cols, rows]), (n, n))


def jacobian_sparsity(fun: Fun, *args: Any, argnums: int = 0) -> Any:
    """The sparsity pattern of ``jacobian(fun, argnums)(*args)``, found by propagating
    dependency patterns through the primitives (one evaluation on boolean arrays, no
    probing).

    Returns a boolean ``scipy.sparse.csr_matrix`` of shape ``(out.size, x.size)`` (the Jacobian
    flattened row-major on both sides), or a ``SparsityPattern(rows, cols, shape)`` triple
    when SciPy is not installed. See NOTE: what a detected pattern promises.
    """
    g, x = bind_argument(fun, args, argnums, "jacobian_sparsity")
    return pattern_matrix(*detect_jacobian(g, x))


def hessian_sparsity(fun: Fun, *args: Any, argnums: int = 0) -> Any:
    """The sparsity pattern of ``hessian(fun, argnums)(*args)`` for a scalar ``fun``: a boolean
    ``scipy.sparse.csr_matrix`` of shape ``(x.size, x.size)`` (or a ``SparsityPattern``)."""
    g, x = bind_argument(fun, args, argnums, "hessian_sparsity")
    return pattern_matrix(*detect_hessian(g, x))
