"""Sparsity detection, colourings, and sparse Jacobians and Hessians."""
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad.sparse import SparsityPattern, _matrix, coloring, detect, plan_sparse_jacobian
from dualad.sparse.compressed import plan_hessian_pattern

X5 = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
RNG = np.random.default_rng(0)


def dense(P):
    return np.asarray(P.toarray())


def jacobian_2d(f, x):
    return np.asarray(ad.jacfwd(f)(x)).reshape(-1, x.size)


def assert_exact_pattern(f, x):
    """The detected pattern is the non-zero pattern of the Jacobian at a generic point."""
    P = ad.jacobian_sparsity(f, x)
    J = jacobian_2d(f, x)
    assert P.shape == J.shape
    np.testing.assert_array_equal(dense(P), J != 0)


# ---------------------------------------------------------------- structured functions
def tridiagonal(x):
    return dnp.concatenate([x[:1] ** 2, dnp.sin(x[:-2]) - 2 * x[1:-1] + x[2:] ** 3,
                            dnp.exp(x[-1:])])


def block_diagonal(x):
    pairs = dnp.reshape(x, (3, 2))
    a, b = pairs[:, 0], pairs[:, 1]
    return dnp.reshape(dnp.stack([a * b, dnp.tanh(a - b)], axis=1), (6,))


def arrow(x):
    return dnp.concatenate([dnp.sum(x * x, keepdims=True), x[1:] * x[0]])


def _tridiagonal_expected():
    p = np.abs(np.subtract.outer(np.arange(5), np.arange(5))) <= 1
    p[0, 1] = p[-1, -2] = False        # first and last rows are x0**2 and exp(x4)
    return p


def _arrow_expected():
    p = np.eye(5, dtype=bool)
    p[0] = p[:, 0] = True
    return p


@pytest.mark.parametrize("fun, x, expected", [
    (tridiagonal, X5, _tridiagonal_expected()),
    (block_diagonal, np.arange(1.0, 7.0), np.kron(np.eye(3), np.ones((2, 2))).astype(bool)),
    (arrow, X5, _arrow_expected()),
], ids=["tridiagonal", "block-diagonal", "arrow"])
def test_patterns_of_structured_functions(fun, x, expected):
    P = ad.jacobian_sparsity(fun, x)
    np.testing.assert_array_equal(dense(P), expected)
    assert P.dtype == bool and P.format == "csr"
    assert_exact_pattern(fun, x)


# ---------------------------------------------------------------- one family at a time
M34 = RNG.uniform(0.5, 1.5, (3, 4))
SPARSE_A = np.array([[1.0, 0, 0, 2.0], [0, 0, 3.0, 0], [0, 4.0, 0, 0]])
SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])

FAMILIES = {
    # elementwise unary (identity pattern) on a domain where every derivative is non-zero
    "unary": (lambda x: dnp.exp(x) + dnp.log1p(x) * dnp.sqrt(x) - dnp.tanh(dnp.arctan(x))
              + dnp.cbrt(x) * dnp.sinh(x) - dnp.sigmoid(x) * dnp.abs(x) + dnp.relu(x)
              - dnp.log(x) / dnp.reciprocal(x + 2) + dnp.arcsin(x / 4) - dnp.square(x)
              + dnp.expm1(x) * dnp.exp2(x) - dnp.log2(x) * dnp.log10(x) + dnp.cosh(x)
              + dnp.arcsinh(x) + dnp.arccosh(x + 1) + dnp.arctanh(x / 4) - dnp.sinc(x)
              + dnp.tan(x / 4) - dnp.arccos(x / 4), M34),
    "binary broadcasting": (lambda x: x[:1] * x - x[:, :1] / (x + 2)
                            + x[:, 1:2] ** x - dnp.arctan2(x, x[:1]), M34),
    "sum and mean": (lambda x: dnp.sum(x, axis=0) * dnp.mean(x[:, :2], axis=1, keepdims=True),
                     M34),
    "prod": (lambda x: dnp.concatenate([dnp.prod(x[1:], axis=1), dnp.prod(x, axis=0)]), M34),
    "cumsum": (lambda x: dnp.cumsum(x, axis=1), M34),
    "shape": (lambda x: dnp.reshape(dnp.transpose(x), (2, 6)) * dnp.broadcast_to(x[0, :2], (2, 2))
              .sum() + dnp.moveaxis(x[None], 0, -1).reshape(2, 6), M34),
    "indexing": (lambda x: dnp.concatenate([x[np.array([2, 0, 2]), 1:3].ravel(), x[x > 1],
                                            x[..., -1]]), M34),
    "stack and flip": (lambda x: dnp.stack([x[0], dnp.flip(x[1]), dnp.roll(x[2], 1)]), M34),
    "matmul, constant sparse": (lambda x: SPARSE_A @ x + x[:3, :3] @ SPARSE_A[:, :3], M34.T),
    "matmul, both traced": (lambda x: x @ x.T + x[0] @ x[1], M34),
    "einsum": (lambda x: dnp.einsum("ij,kj->ik", x, SPARSE_A), M34),
    "solve and inv": (lambda x: dnp.linalg.solve(SPD + dnp.diag(x[0, :3]), x[1, :3])
                      + dnp.linalg.inv(SPD * x[2, 0]).sum(axis=0), M34),
    "det": (lambda x: dnp.linalg.det(SPD + x[:, :3]) * dnp.linalg.slogdet(SPD + x[:, 1:])[1],
            M34 / 10),
    "astype": (lambda x: x.astype(np.float32) * 2, M34),
}


@pytest.mark.parametrize("name", FAMILIES)
def test_pattern_rules_are_exact(name):
    fun, x = FAMILIES[name]
    assert_exact_pattern(fun, x)


@pytest.mark.parametrize("fun", [
    lambda x: dnp.maximum(x, x[::-1]), lambda x: dnp.minimum(x[::-1], x),
    lambda x: dnp.where(x > 0, x, x[::-1] * 2), lambda x: dnp.clip(x, -1, 1) + x[::-1] * 0,
    lambda x: dnp.max(dnp.stack([x, x[::-1]]), axis=0),
    lambda x: dnp.min(dnp.stack([x, x[::-1]]), axis=0, keepdims=True)[0],
], ids=["maximum", "minimum", "where", "clip", "max", "min"])
def test_branching_functions_keep_both_branches(fun):
    """Where the derivative comes from one branch at this point, the pattern still holds both,
    so it stays valid at every other point."""
    P = dense(ad.jacobian_sparsity(fun, X5))
    both = np.eye(5, dtype=bool) | np.eye(5, dtype=bool)[::-1]
    np.testing.assert_array_equal(P, both)
    assert np.all(P >= (jacobian_2d(fun, X5) != 0))


def test_cholesky_pattern_covers_the_jacobian_and_keeps_the_upper_triangle_empty():
    f = lambda x: dnp.linalg.cholesky(SPD + x * 0.1)
    P = dense(ad.jacobian_sparsity(f, SPD)).reshape(3, 3, 9)
    J = jacobian_2d(f, SPD).reshape(3, 3, 9)
    assert np.all(P >= (J != 0))
    assert not P[np.triu_indices(3, 1)].any()


def test_stacked_linalg_keeps_the_stack_structure():
    stack = np.stack([SPD, 2 * SPD])
    P = dense(ad.jacobian_sparsity(lambda a: dnp.linalg.inv(a), stack))
    np.testing.assert_array_equal(P, np.kron(np.eye(2), np.ones((9, 9))).astype(bool))


def test_a_linear_map_with_a_constant_zero_operand_has_no_dependency():
    f = lambda x: np.zeros((2, 5)) @ x + dnp.sum(x) * 0.0
    assert dense(ad.jacobian_sparsity(f, X5)).tolist() == [[True] * 5, [True] * 5]
    assert ad.jacobian_sparsity(lambda x: np.zeros((2, 5)) @ x, X5).nnz == 0
    assert ad.jacobian_sparsity(lambda x: np.ones(3), X5).shape == (3, 5)


def test_pattern_is_structural_not_numerical():
    """``cos`` vanishes at pi/2 but ``sin`` still depends on x there; detection gives the
    structure valid at every point, where the Jacobian happens to have a zero."""
    x = np.array([np.pi / 2, 1.0])
    P = ad.jacobian_sparsity(dnp.sin, x)
    np.testing.assert_array_equal(dense(P), np.eye(2, dtype=bool))


def test_control_flow_on_values_and_extra_arguments():
    def f(t, y, scale):
        if y[0] > 0:          # comparisons give plain values: Python branches work
            return scale * y[1:] * y[:-1] + t
        return y
    P = ad.jacobian_sparsity(f, 1.0, X5[::-1].copy(), 2.0, argnums=1)   # y[0] = -0.4: identity
    np.testing.assert_array_equal(dense(P), np.eye(5, dtype=bool))
    P = ad.jacobian_sparsity(f, 1.0, X5, 2.0, argnums=1)
    np.testing.assert_array_equal(dense(P), np.eye(4, 5, dtype=bool) | np.eye(4, 5, 1, dtype=bool))


def test_multidimensional_inputs_and_outputs_flatten_row_major():
    x = RNG.uniform(1, 2, (2, 3))
    f = lambda x: dnp.stack([x[:, 0] * x[:, 2], x.sum(axis=1)], axis=0)
    assert_exact_pattern(f, x)


def test_inputs_in_chunks_give_the_same_pattern(monkeypatch):
    expected = dense(ad.jacobian_sparsity(tridiagonal, X5))
    monkeypatch.setattr(detect, "MAX_PATTERN_ELEMENTS", 10)     # two inputs per chunk
    np.testing.assert_array_equal(dense(ad.jacobian_sparsity(tridiagonal, X5)), expected)


def test_a_primitive_without_pattern_rule_is_named():
    @ad.custom_jvp
    def opaque(x):
        return np.sin(x)

    @opaque.defjvp
    def opaque_jvp(primals, tangents):
        return opaque(primals[0]), dnp.cos(primals[0]) * tangents[0]

    with pytest.raises(NotImplementedError, match="opaque.*pattern"):
        ad.jacobian_sparsity(lambda x: opaque(x) * 2, X5)
    J = ad.sparse_jacobian(lambda x: opaque(x) * 2, sparsity=np.eye(5))(X5)   # explicit pattern
    np.testing.assert_allclose(J.toarray(), np.diag(2 * np.cos(X5)))


def test_errors_name_the_mistake():
    with pytest.raises(TypeError, match="one array"):
        ad.jacobian_sparsity(lambda x: (x, x), X5)
    with pytest.raises(TypeError, match="argument 0"):
        ad.jacobian_sparsity(lambda x: x, np.arange(3))
    with pytest.raises(TypeError, match="argnums must be one int"):
        ad.sparse_jacobian(lambda x: x, argnums=(0,))(X5)
    with pytest.raises(ValueError, match="columns"):
        ad.sparse_jacobian(lambda x: x, sparsity=np.eye(4))(X5)
    with pytest.raises(ValueError, match="rows"):
        ad.sparse_jacobian(lambda x: x[:4], sparsity=np.eye(5))(X5)
    with pytest.raises(ValueError, match="mode"):
        ad.sparse_jacobian(lambda x: x, mode="sideways")
    with pytest.raises(ValueError, match="'auto' or a pattern"):
        ad.sparse_jacobian(lambda x: x, sparsity="detect")


# ---------------------------------------------------------------- Hessian patterns
def rosenbrock(x):
    return dnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


HESSIAN_CASES = {
    "rosenbrock (tridiagonal)": rosenbrock,
    "separable (diagonal)": lambda x: dnp.sum(dnp.sin(x) * dnp.exp(x)),
    "bilinear (no diagonal)": lambda x: x[0] * x[1] + x[2] * x[3] + x[4],
    "arrow": lambda x: x[0] * dnp.sum(x[1:] ** 2) + dnp.cos(x[0]),
    "sparse least squares times x4": lambda x: dnp.sum((SPARSE_A @ x[:4]) ** 2) * x[4],
    "linear (empty)": lambda x: dnp.sum(3 * x),
}


@pytest.mark.parametrize("name", HESSIAN_CASES)
def test_hessian_patterns_are_exact(name):
    f = HESSIAN_CASES[name]
    P = dense(ad.hessian_sparsity(f, X5))
    np.testing.assert_array_equal(P, ad.hessian(f)(X5) != 0)


# ---------------------------------------------------------------- colourings
def random_pattern(seed, m, n, density):
    rng = np.random.default_rng(seed)
    rows, cols = np.nonzero(rng.random((m, n)) < density)
    return rows.astype(np.int64), cols.astype(np.int64)


@given(st.integers(0, 10**6), st.integers(1, 25), st.integers(1, 25),
       st.floats(0.02, 0.5))
def test_column_and_row_colourings_are_valid(seed, m, n, density):
    rows, cols = random_pattern(seed, m, n, density)
    col_colors = coloring.column_coloring(rows, cols, (m, n))
    row_colors = coloring.row_coloring(rows, cols, (m, n))
    for r in range(m):                          # no two columns of one colour share a row
        in_row = col_colors[cols[rows == r]]
        assert len(set(in_row)) == in_row.size
    for c in range(n):                          # no two rows of one colour share a column
        in_col = row_colors[rows[cols == c]]
        assert len(set(in_col)) == in_col.size
    assert coloring.n_colors(col_colors) <= n and coloring.n_colors(row_colors) <= m


def symmetric_pattern(seed, n, density):
    rows, cols = random_pattern(seed, n, n, density)
    rows, cols, _ = _matrix.canonical(np.concatenate([rows, cols, np.arange(n)]),
                                      np.concatenate([cols, rows, np.arange(n)]), (n, n))
    return rows, cols


@given(st.integers(0, 10**6), st.integers(1, 12), st.floats(0.05, 0.6))
def test_star_colouring_is_a_star_colouring(seed, n, density):
    rows, cols = symmetric_pattern(seed, n, density)
    colors = coloring.star_coloring(rows, cols, n)
    adj = np.zeros((n, n), dtype=bool)
    adj[rows, cols] = True
    np.fill_diagonal(adj, False)
    assert not np.any(adj & (colors[:, None] == colors[None, :]))       # proper
    for a, b, c, d in itertools.permutations(range(n), 4):              # no two-coloured P4
        if adj[a, b] and adj[b, c] and adj[c, d]:
            assert len({colors[a], colors[b], colors[c], colors[d]}) >= 3


@given(st.integers(0, 10**6), st.integers(1, 30), st.floats(0.02, 0.4))
def test_star_colouring_recovers_every_hessian_entry(seed, n, density):
    rows, cols = symmetric_pattern(seed, n, density)
    H = np.zeros((n, n))
    H[rows, cols] = np.random.default_rng(seed).uniform(1, 2, rows.size)
    H = H + H.T
    plan = plan_hessian_pattern(rows, cols, n)
    compressed = plan.seeds(np.float64) @ H          # row c: H times the seed of colour c
    np.testing.assert_array_equal(plan.decompress(compressed, np.float64).toarray(), H)


def test_colour_counts_on_structured_patterns():
    n = 40
    tri = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
    rows, cols = np.nonzero(tri)
    assert coloring.n_colors(coloring.column_coloring(rows, cols, (n, n))) == 3
    assert coloring.n_colors(coloring.star_coloring(rows, cols, n)) == 3
    arrow_ = np.eye(n, dtype=bool)
    arrow_[-1] = arrow_[:, -1] = True                   # the hub last: found anyway
    rows, cols = np.nonzero(arrow_)
    assert coloring.n_colors(coloring.star_coloring(rows, cols, n)) == 2
    assert coloring.n_colors(coloring.column_coloring(rows, cols, (n, n))) == n


# ---------------------------------------------------------------- sparse == dense
def brusselator_like(x):
    u, v = x[0::2], x[1::2]
    one = np.ones(1)
    up = dnp.concatenate([one, u, one])
    du = 1 + u * u * v - 4 * u + (up[:-2] - 2 * u + up[2:])
    dv = 3 * u - u * u * v
    return dnp.reshape(dnp.stack([du, dv], axis=1), (-1,))


JACOBIAN_CASES = {
    "tridiagonal": (tridiagonal, X5),
    "block-diagonal": (block_diagonal, np.arange(1.0, 7.0)),
    "arrow": (arrow, X5),
    "brusselator-like": (brusselator_like, RNG.uniform(0.5, 2, 40)),
    "wide": (lambda x: dnp.sum(x ** 2, axis=0), RNG.uniform(size=(6, 3))),
    "dense": (lambda x: dnp.tanh(M34 @ x), RNG.uniform(size=4)),
}


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
@pytest.mark.parametrize("name", JACOBIAN_CASES)
def test_sparse_jacobian_equals_dense(name, mode):
    f, x = JACOBIAN_CASES[name]
    J = ad.sparse_jacobian(f, mode=mode)(x)
    assert J.format == "csr" and J.dtype == np.float64
    np.testing.assert_allclose(J.toarray(), jacobian_2d(f, x), rtol=1e-14, atol=1e-14)


def test_auto_mode_picks_the_direction_with_fewer_colours():
    wide = JACOBIAN_CASES["wide"]       # 3 outputs, each summing a column of 6: rows 1 colour
    plan = ad.sparse_jacobian(wide[0]).plan(wide[1])
    assert (plan.direction, plan.colors, plan.colors_forward, plan.colors_reverse) == (
        "reverse", 1, 6, 1)
    f, x = JACOBIAN_CASES["brusselator-like"]
    plan = plan_sparse_jacobian(f, x)
    assert plan.direction == "forward" and plan.colors == plan.colors_forward <= 5
    assert plan.shape == (40, 40) and plan.nnz == (plan.rows.size) and "forward pass" in str(plan)


def test_detection_runs_once_per_signature():
    calls = []

    def f(t, y):
        calls.append(type(y).__name__)
        return brusselator_like(y) * t

    jac = ad.sparse_jacobian(f, argnums=1)
    y = RNG.uniform(0.5, 2, 20)
    first = jac(1.0, y).toarray()
    assert calls == ["PatternTracer", "Dual"]
    calls.clear()
    np.testing.assert_allclose(jac(2.0, y).toarray(), 2 * first, rtol=1e-14)
    assert calls == ["Dual"]                        # one batched jvp, no detection
    jac(1.0, RNG.uniform(size=30))                  # a new shape: a new plan
    assert calls[1] == "PatternTracer" and len(jac.plans) == 2


def test_given_sparsity_in_every_form():
    f, x = JACOBIAN_CASES["tridiagonal"]
    P = ad.jacobian_sparsity(f, x)
    expected = jacobian_2d(f, x)
    coo = P.tocoo()
    for pattern in (P, P.toarray(), (coo.row, coo.col, coo.shape), np.ones((5, 5))):
        np.testing.assert_allclose(ad.sparse_jacobian(f, sparsity=pattern)(x).toarray(), expected)


def test_float32_stays_float32():
    f, x = JACOBIAN_CASES["brusselator-like"]
    J = ad.sparse_jacobian(f)(x.astype(np.float32))
    assert J.dtype == np.float32
    np.testing.assert_allclose(J.toarray(), jacobian_2d(f, x), rtol=1e-5, atol=1e-5)
    H = ad.sparse_hessian(rosenbrock)(X5.astype(np.float32))
    assert H.dtype == np.float32


@pytest.mark.parametrize("name", HESSIAN_CASES)
def test_sparse_hessian_equals_dense(name):
    f = HESSIAN_CASES[name]
    H = ad.sparse_hessian(f)(X5)
    assert H.format == "csr"
    np.testing.assert_allclose(H.toarray(), ad.hessian(f)(X5), rtol=1e-13, atol=1e-12)


def test_sparse_hessian_plan_uses_few_colours():
    n = 200
    x = RNG.uniform(-1, 1, n)
    hess = ad.sparse_hessian(rosenbrock)
    plan = hess.plan(x)
    assert plan.direction == "forward-over-reverse" and plan.colors == 3
    assert "star colouring: 3 colours" in str(plan)
    np.testing.assert_allclose(hess(x).toarray(), ad.hessian(rosenbrock)(x), rtol=1e-13)
    arrow_f = HESSIAN_CASES["arrow"]
    assert ad.sparse_hessian(arrow_f).plan(x).colors == 2


def test_sparse_hessian_with_given_pattern_and_argnums():
    f = lambda c, x: c * rosenbrock(x)
    n = 6
    tri = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
    x = RNG.uniform(size=n)
    H = ad.sparse_hessian(f, sparsity=np.triu(tri), argnums=1)(2.0, x)   # symmetrised
    np.testing.assert_allclose(H.toarray(), 2 * ad.hessian(rosenbrock)(x), rtol=1e-13)
    with pytest.raises(ValueError, match="square"):
        ad.sparse_hessian(rosenbrock, sparsity=np.ones((3, 4)))(x)


def test_without_scipy_results_are_coordinate_tuples(monkeypatch):
    monkeypatch.setattr(_matrix, "scipy_sparse", lambda: None)
    P = ad.jacobian_sparsity(arrow, X5)
    assert isinstance(P, SparsityPattern) and P.shape == (5, 5)
    rows, cols, shape = P
    assert rows.size == 13 and shape == (5, 5)
    np.testing.assert_array_equal(P.toarray(), _arrow_expected())
    J = ad.sparse_jacobian(arrow)(X5)
    np.testing.assert_allclose(J.toarray(), jacobian_2d(arrow, X5))
    assert J.data.size == 13
