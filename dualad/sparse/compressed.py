"""Sparse Jacobians and Hessians by colouring and compression.

# Design: with a colouring of the pattern, all columns (or rows) of one colour are seeded in
# one direction, so a Jacobian costs one batched pass of as many directions as colours instead
# of one per input (or output): a banded 2,000-state ODE Jacobian takes a handful. The compressed
# product ``B`` (colours x length) holds every non-zero of the pattern at a known place, so
# decompression is one fancy-indexing gather ``B[select_color, select_index]`` into CSR data.
# Detection and colouring are done once per argument signature and cached on the returned
# function: an ODE solver calling it hundreds of times pays for them once.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._core.tree import tree_signature
from ..transforms import grad, jvp
from ..transforms.reverse import Recorded
from .coloring import adjacency, column_coloring, n_colors, row_coloring, star_coloring
from ._matrix import coordinates, row_pointers, values_matrix
from .detect import bind_argument, detect_hessian, detect_jacobian
from ..typing import DTypeLike, Fun

MODES = ("auto", "forward", "reverse")


class SparsePlan:
    """How a sparse Jacobian or Hessian is computed: the pattern, the colouring, and the
    direction of the one batched pass.

    Attributes: ``kind`` ("jacobian" or "hessian"), ``direction`` ("forward", "reverse" or
    "forward-over-reverse"), ``colors`` (directions in the pass), ``coloring`` (the colour of
    each seeded column, or row in reverse), ``colors_forward`` / ``colors_reverse`` (what each
    direction would need; None where not considered), ``shape``, ``nnz``, ``rows``/``cols``
    (the pattern, row-major).
    """

    def __init__(self, kind: str, direction: str, coloring: np.ndarray, rows: np.ndarray,
                 cols: np.ndarray, shape: tuple[int, int], select_color: np.ndarray,
                 select_index: np.ndarray, colors_forward: int | None = None,
                 colors_reverse: int | None = None) -> None:
        self.kind = kind
        self.direction = direction
        self.coloring = coloring
        self.colors = n_colors(coloring) if rows.size else 0
        self.rows, self.cols, self.shape = rows, cols, shape
        self.indptr = row_pointers(rows, shape[0])
        self.select_color, self.select_index = select_color, select_index
        self.colors_forward, self.colors_reverse = colors_forward, colors_reverse

    @property
    def nnz(self):
        return int(self.rows.size)

    @property
    def n_in(self):
        return self.shape[1]

    @property
    def n_out(self):
        return self.shape[0]

    def seeds(self, dtype: DTypeLike, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The compression matrix, one row per colour: ``seeds[c, j] = 1`` where ``j`` has
        colour ``c``; only colours ``start:stop`` (default: all) when given, for a pass that
        computes some of the rows of the compressed product (``dualad.distributed``)."""
        stop = self.colors if stop is None else stop
        mine = np.flatnonzero((self.coloring >= start) & (self.coloring < stop))
        out = np.zeros((stop - start, self.coloring.size), dtype=dtype)
        out[self.coloring[mine] - start, mine] = 1
        return out

    def decompress(self, compressed: np.ndarray | None, dtype: DTypeLike) -> Any:
        """The sparse matrix from the compressed product (colours x length); None when the
        pattern is empty and nothing was computed."""
        if compressed is None:
            data = np.zeros(0, dtype=dtype)
        else:
            data = compressed[self.select_color, self.select_index].astype(dtype, copy=False)
        return values_matrix(data, self.rows, self.cols, self.indptr, self.shape)

    def __repr__(self):
        return (f"SparsePlan(kind={self.kind!r}, direction={self.direction!r}, "
                f"colors={self.colors}, shape={self.shape}, nnz={self.nnz})")

    def __str__(self):
        dense = self.shape[1] if self.direction != "reverse" else self.shape[0]
        lines = [f"Sparse {self.kind} plan: {self.shape[0]} x {self.shape[1]}, {self.nnz} "
                 f"non-zeros",
                 f"  {self.direction} pass of {self.colors} directions (dense: {dense})"]
        if self.colors_forward is not None:
            lines.append(f"  column colouring: {self.colors_forward} colours, row colouring: "
                         f"{self.colors_reverse} colours")
        else:
            lines.append(f"  star colouring: {self.colors} colours")
        return "\n".join(lines)


def plan_jacobian_pattern(rows, cols, shape, mode="auto"):
    """The plan for a Jacobian with this pattern: colour both ways, keep the direction with
    fewer colours (forward on a tie: it records no tape)."""
    col_colors = column_coloring(rows, cols, shape)
    row_colors = row_coloring(rows, cols, shape)
    n_fwd, n_rev = n_colors(col_colors), n_colors(row_colors)
    if mode == "auto":
        mode = "forward" if n_fwd <= n_rev else "reverse"
    if mode == "forward":
        return SparsePlan("jacobian", "forward", col_colors, rows, cols, shape,
                          col_colors[cols], rows, n_fwd, n_rev)
    return SparsePlan("jacobian", "reverse", row_colors, rows, cols, shape,
                      row_colors[rows], cols, n_fwd, n_rev)


def plan_hessian_pattern(rows, cols, n):
    """The plan for a symmetric Hessian with this pattern, from a star colouring.

    Direct recovery: ``B = H S`` has ``B[i, colour(j)] = H[i, j]`` unless another neighbour of
    ``i`` shares ``j``'s colour; a star colouring guarantees that then ``j`` has no other
    neighbour coloured like ``i``, so ``H[i, j] = B[j, colour(i)]``.
    """
    colors = star_coloring(rows, cols, n)
    indptr, nbrs = adjacency(rows, cols, n)
    counts = np.zeros((n, n_colors(colors) or 1), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(n), np.diff(indptr)), colors[nbrs]), 1)
    direct = (rows == cols) | (counts[rows, colors[cols]] == 1)
    select_color = np.where(direct, colors[cols], colors[rows])
    select_index = np.where(direct, rows, cols)
    return SparsePlan("hessian", "forward-over-reverse", colors, rows, cols, (n, n),
                      select_color, select_index)


class SparseDerivative:
    """The function ``sparse_jacobian`` and ``sparse_hessian`` return: call it with ``fun``'s
    arguments. Its plans (pattern, colouring, direction) are cached in ``plans`` per argument
    signature (the structure, shapes and dtypes of the arguments); ``plan(*args)`` returns
    the one for ``args``. ``evaluate(g, x, plan, start, stop)`` computes rows ``start:stop``
    of the compressed product (colours ``start:stop``), so that they can be spread out."""

    def __init__(self, fun: Fun, sparsity: Any, argnums: int, fname: str,
                 make_plan: Callable[..., SparsePlan], evaluate: Callable[..., np.ndarray]) -> None:
        if isinstance(sparsity, str) and sparsity != "auto":
            raise ValueError(f"{fname}: sparsity must be 'auto' or a pattern, got {sparsity!r}")
        self.fun, self.argnums, self.fname = fun, argnums, fname
        self.given = None if isinstance(sparsity, str) else coordinates(sparsity)
        self.make_plan, self.evaluate = make_plan, evaluate
        self.plans: dict = {}

    def _bound(self, args):
        g, x = bind_argument(self.fun, args, self.argnums, self.fname)
        key = tree_signature(args)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self.make_plan(g, x, self.given)
        if plan.shape[1] != x.size:
            raise ValueError(f"{self.fname}: the sparsity pattern has {plan.shape[1]} columns "
                             f"but argument {self.argnums} has {x.size} elements")
        return g, x, plan

    def plan(self, *args: Any) -> SparsePlan:
        """The plan (pattern, colouring, direction) used for arguments like ``args``."""
        return self._bound(args)[2]

    def __call__(self, *args: Any) -> Any:
        g, x, plan = self._bound(args)
        compressed = self.evaluate(g, x, plan) if plan.nnz else None
        return plan.decompress(compressed, x.dtype)


def _forward_compressed(g, x, plan, start=0, stop=None):
    seeds = plan.seeds(x.dtype, start, stop)
    k = seeds.shape[0]
    _, tangent = jvp(g, (x,), (seeds.reshape((k,) + x.shape),))
    tangent = np.asarray(tangent).reshape(k, -1)
    _check_rows(tangent.shape[1], plan)
    return tangent


def _reverse_compressed(g, x, plan, start=0, stop=None):
    rec = Recorded(g, (x,), (0,), "sparse_jacobian")
    if len(rec.out_leaves) != 1:
        rec.close()
        raise TypeError("sparse_jacobian: fun must return one array")
    out = np.asarray(rec.primal_out)
    _check_rows(out.size, plan)
    dtype = out.dtype if np.issubdtype(out.dtype, np.floating) else x.dtype
    seeds = plan.seeds(dtype, start, stop)
    k = seeds.shape[0]
    (ct,) = rec.backward([seeds.reshape((k,) + out.shape)], retain=False)
    return np.asarray(ct).reshape(k, -1)


def _check_rows(m, plan):
    if m != plan.shape[0]:
        raise ValueError(f"sparse_jacobian: fun's output has {m} elements but the sparsity "
                         f"pattern has {plan.shape[0]} rows")


def sparse_jacobian(fun: Fun, sparsity: Any = "auto", argnums: int = 0,
                    mode: str = "auto") -> SparseDerivative:
    """Sparse Jacobian of ``fun`` with respect to its argument ``argnums`` (one array).

    Returns ``jac_fn(*args)`` (JAX style, like ``ad.jacobian``) giving a
    ``scipy.sparse.csr_matrix`` of shape ``(out.size, x.size)``, the Jacobian flattened
    row-major on both sides (a ``SparseMatrix`` coordinate tuple without SciPy).

    ``sparsity`` is ``"auto"`` (detected by ``jacobian_sparsity`` on the first call for each
    argument signature; see NOTE: what a detected pattern promises) or the pattern itself: a
    SciPy sparse matrix, a dense boolean array or a ``(rows, cols, shape)`` triple. The pattern
    is coloured both ways; ``mode="auto"`` takes the direction with fewer colours,
    ``"forward"`` or ``"reverse"`` force one. Each call is one batched ``jvp`` (or one
    recording and one batched reverse sweep) of as many directions as colours.
    ``jac_fn.plan(*args)`` returns the ``SparsePlan`` (colours, direction, pattern).

    For SciPy's ODE solvers: ``solve_ivp(rhs, ..., jac=ad.sparse_jacobian(rhs, argnums=1))``.
    """
    if mode not in MODES:
        raise ValueError(f"sparse_jacobian: unknown mode {mode!r}; choose one of "
                         f"{', '.join(repr(m) for m in MODES)}")

    def make_plan(g, x, given):
        pattern = given if given is not None else detect_jacobian(g, x, "sparse_jacobian")
        return plan_jacobian_pattern(*pattern, mode=mode)

    def evaluate(g, x, plan, start=0, stop=None):
        compressed = _forward_compressed if plan.direction == "forward" else _reverse_compressed
        return compressed(g, x, plan, start, stop)

    return SparseDerivative(fun, sparsity, argnums, "sparse_jacobian", make_plan, evaluate)


def sparse_hessian(fun: Fun, sparsity: Any = "auto", argnums: int = 0) -> SparseDerivative:
    """Sparse Hessian of a scalar ``fun`` with respect to its argument ``argnums``.

    Returns ``hess_fn(*args)`` giving a symmetric ``scipy.sparse.csr_matrix`` of shape
    ``(x.size, x.size)``. ``sparsity`` is ``"auto"`` (``hessian_sparsity``, cached per argument
    signature) or a symmetric pattern. The pattern gets a star colouring; each call is one
    forward-over-reverse pass, ``jvp(grad(fun))`` with a tangent batch of as many directions as
    colours, decompressed symmetrically. ``hess_fn.plan(*args)`` returns the ``SparsePlan``.
    """

    def make_plan(g, x, given):
        rows, cols, shape = given if given is not None else detect_hessian(g, x,
                                                                          "sparse_hessian")
        if shape[0] != shape[1]:
            raise ValueError(f"sparse_hessian: the sparsity pattern must be square, got {shape}")
        rows, cols, _ = coordinates((np.concatenate([rows, cols]), np.concatenate([cols, rows]),
                                     shape))
        return plan_hessian_pattern(rows, cols, shape[0])

    def evaluate(g, x, plan, start=0, stop=None):
        seeds = plan.seeds(x.dtype, start, stop)
        k = seeds.shape[0]
        _, hs = jvp(grad(g), (x,), (seeds.reshape((k,) + x.shape),))
        return np.asarray(hs).reshape(k, -1)

    return SparseDerivative(fun, sparsity, argnums, "sparse_hessian", make_plan, evaluate)


def plan_sparse_jacobian(fun: Fun, *args: Any, sparsity: Any = "auto", argnums: int = 0,
                         mode: str = "auto") -> SparsePlan:
    """The ``SparsePlan`` ``sparse_jacobian(fun, sparsity, argnums, mode)`` would use at
    ``args``, without computing the Jacobian."""
    return sparse_jacobian(fun, sparsity, argnums, mode).plan(*args)
