"""Products: matmul, dot, inner, outer, tensordot and einsum against NumPy, their derivatives
against finite differences (both modes, second order), jacfwd against jacrev, float32 kept,
shapes and subscripts drawn by hypothesis, and errors that name the shapes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

R = np.random.default_rng(0)


def _rand(*shape):
    return R.standard_normal(shape)


# (dnp function, numpy function, operands)
CASES = [
    (dnp.dot, np.dot, (_rand(3), _rand(3))),
    (dnp.dot, np.dot, (_rand(2, 3), _rand(3))),
    (dnp.dot, np.dot, (_rand(3), _rand(3, 2))),
    (dnp.dot, np.dot, (_rand(2, 3), _rand(3, 4))),
    (dnp.dot, np.dot, (_rand(2, 2, 3), _rand(3, 2))),
    (dnp.dot, np.dot, (_rand(3), _rand(2, 3, 2))),
    (dnp.dot, np.dot, (_rand(2, 3), _rand(2, 3, 2))),
    (dnp.dot, np.dot, (_rand(2, 1, 3), _rand(2, 3, 2))),
    (dnp.dot, np.dot, (_rand(), _rand(2, 3))),
    (dnp.inner, np.inner, (_rand(3), _rand(3))),
    (dnp.inner, np.inner, (_rand(2, 3), _rand(4, 3))),
    (dnp.inner, np.inner, (_rand(2, 2, 3), _rand(3))),
    (dnp.inner, np.inner, (_rand(2, 3), _rand())),
    (dnp.outer, np.outer, (_rand(3), _rand(4))),
    (dnp.outer, np.outer, (_rand(2, 2), _rand(3))),
    (dnp.tensordot, np.tensordot, (_rand(2, 3, 4), _rand(3, 4, 2))),
    (lambda a, b: dnp.tensordot(a, b, axes=1), lambda a, b: np.tensordot(a, b, axes=1),
     (_rand(2, 3), _rand(3, 4))),
    (lambda a, b: dnp.tensordot(a, b, axes=0), lambda a, b: np.tensordot(a, b, axes=0),
     (_rand(2), _rand(3))),
    (lambda a, b: dnp.tensordot(a, b, axes=([0, 2], [1, 0])),
     lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])), (_rand(2, 3, 4), _rand(4, 2, 3))),
    (lambda a, b: dnp.tensordot(a, b, axes=(-1, 0)),
     lambda a, b: np.tensordot(a, b, axes=(-1, 0)), (_rand(2, 3), _rand(3, 2))),
    (dnp.matmul, np.matmul, (_rand(2, 1, 3, 4), _rand(5, 4, 2))),
    (dnp.matmul, np.matmul, (_rand(4), _rand(2, 4, 3))),
    (dnp.matmul, np.matmul, (_rand(2, 3, 4), _rand(4))),
]

EINSUM = [
    ("ij,jk->ik", (_rand(2, 3), _rand(3, 4))),
    ("ij,jk", (_rand(2, 3), _rand(3, 4))),
    ("ij,kj", (_rand(2, 3), _rand(4, 3))),
    ("ba", (_rand(2, 3),)),
    ("Ba,aC", (_rand(2, 3), _rand(3, 2))),
    ("ii->", (_rand(3, 3),)),
    ("ii", (_rand(3, 3),)),
    ("ii->i", (_rand(3, 3),)),
    ("iij->ji", (_rand(3, 3, 2),)),
    ("ij->", (_rand(2, 3),)),
    ("ij->j", (_rand(2, 3),)),
    ("i,i->i", (_rand(3), _rand(3))),
    ("i,j->ij", (_rand(2), _rand(3))),
    ("ij,i->", (_rand(3, 3), _rand(1))),
    ("ii,i->i", (_rand(3, 3), _rand(3))),
    ("ij,jk,kl->il", (_rand(2, 3), _rand(3, 4), _rand(4, 2))),
    ("bij,bjk->bik", (_rand(2, 2, 3), _rand(2, 3, 2))),
    ("...ij,...jk->...ik", (_rand(2, 1, 2, 3), _rand(3, 3, 2))),
    ("...i,...i", (_rand(2, 1, 3), _rand(4, 3))),
    ("i...->...", (_rand(3, 2),)),
    (",", (_rand(), _rand())),
    ("i,", (_rand(3), _rand())),
]


def _id(case):
    return getattr(case[0], "__name__", "lambda") + str([np.shape(x) for x in case[-1]])


@pytest.mark.parametrize("fun,npfun,args", CASES, ids=[_id(c) for c in CASES])
def test_products_match_numpy_and_differentiate(fun, npfun, args):
    np.testing.assert_allclose(fun(*args), npfun(*args), rtol=1e-12, atol=1e-12)
    check_grads(fun, args, order=2)
    argnums = tuple(range(len(args)))
    for jf, jr in zip(ad.jacfwd(fun, argnums)(*args), ad.jacrev(fun, argnums)(*args)):
        np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-12)


def _check_einsum(subscripts, args, order, rtol):
    """Value equals NumPy's; derivatives match finite differences; jacfwd equals jacrev."""
    def fun(*xs):
        return dnp.einsum(subscripts, *xs)

    np.testing.assert_allclose(fun(*args), np.einsum(subscripts, *args), rtol=rtol, atol=1e-12)
    check_grads(fun, args, order=order)
    argnums = tuple(range(len(args)))
    for jf, jr in zip(ad.jacfwd(fun, argnums)(*args), ad.jacrev(fun, argnums)(*args)):
        np.testing.assert_allclose(jf, jr, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("subscripts,args", EINSUM, ids=[s for s, _ in EINSUM])
def test_einsum_matches_numpy_and_differentiates(subscripts, args):
    _check_einsum(subscripts, args, order=2, rtol=1e-12)


def test_einsum_trace_and_diagonal_derivatives_are_exact():
    a = _rand(3, 3)
    np.testing.assert_array_equal(ad.grad(lambda m: dnp.einsum("ii->", m))(a), np.eye(3))
    jac = ad.jacrev(lambda m: dnp.einsum("ii->i", m))(a)
    np.testing.assert_array_equal(jac, np.einsum("ij,ik->ijk", np.eye(3), np.eye(3)))
    np.testing.assert_array_equal(ad.jacfwd(lambda m: dnp.einsum("ii->i", m))(a), jac)


def test_einsum_operand_used_twice_and_spaces():
    x = _rand(4)
    np.testing.assert_allclose(ad.grad(lambda v: dnp.einsum("i, i -> ", v, v))(x), 2 * x,
                               rtol=1e-12)
    m = _rand(3, 3)
    np.testing.assert_allclose(ad.grad(lambda a: dnp.einsum("ij,ji", a, a))(m), 2 * m.T,
                               rtol=1e-12)


def test_einsum_sublist_form_and_numpy_dispatch():
    a, b = _rand(2, 3), _rand(3, 4)
    np.testing.assert_allclose(dnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), a @ b, rtol=1e-12)
    np.testing.assert_allclose(dnp.einsum(a, [Ellipsis, 1], b, [1, 2]), a @ b, rtol=1e-12)
    g = ad.grad(lambda x: np.einsum("ij,jk->", x, b))(a)
    np.testing.assert_allclose(g, np.broadcast_to(b.sum(axis=1), (2, 3)), rtol=1e-12)
    g = ad.grad(lambda x: np.sum(np.dot(x, b)))(a)
    np.testing.assert_allclose(g, np.broadcast_to(b.sum(axis=1), (2, 3)), rtol=1e-12)


def test_dot_method_on_boxes():
    a, b = _rand(2, 3), _rand(3)
    primal, tangent = ad.jvp(lambda x: x.dot(b), (a,), (np.ones_like(a),))
    np.testing.assert_allclose(primal, a.dot(b), rtol=1e-12)
    np.testing.assert_allclose(tangent, np.ones_like(a).dot(b), rtol=1e-12)
    x = ad.tensor(a, requires_grad=True)
    x.dot(b).sum().backward()
    np.testing.assert_allclose(x.grad, np.broadcast_to(b, (2, 3)), rtol=1e-12)


def test_nested_transforms_take_fresh_einsum_letters():
    a = _rand(3, 3)

    def f(m):
        return dnp.einsum("ij,jk,ki->", m, m, m)     # tr(m^3)

    np.testing.assert_allclose(ad.hessian(f)(a), ad.jacfwd(ad.jacfwd(f))(a), rtol=1e-10)
    third = ad.jacfwd(ad.jacfwd(ad.jacrev(f)))(a)
    assert third.shape == (3,) * 6
    # d^3 tr(m^3) [E_ij, E_kl, E_mn] = 3 * sum over orderings of tr(E E E): symmetric in pairs
    np.testing.assert_allclose(third, np.transpose(third, (2, 3, 0, 1, 4, 5)), atol=1e-10)


@pytest.mark.parametrize("fun,args", [
    (dnp.dot, (_rand(2, 3), _rand(3))), (dnp.tensordot, (_rand(2, 3, 4), _rand(3, 4, 2))),
    (lambda a, b: dnp.einsum("ij,jk->ik", a, b), (_rand(2, 3), _rand(3, 4))),
    (dnp.outer, (_rand(2), _rand(3))), (dnp.inner, (_rand(2, 3), _rand(3))),
])
def test_float32_stays_float32(fun, args):
    args32 = tuple(x.astype(np.float32) for x in args)
    assert fun(*args32).dtype == np.float32
    grads = ad.grad(lambda *xs: dnp.sum(fun(*xs)), argnums=(0, 1))(*args32)
    assert all(g.dtype == np.float32 for g in grads)
    assert ad.jacfwd(fun)(*args32).dtype == np.float32
    check_grads(fun, args32, order=1)


@pytest.mark.parametrize("fun,args,shapes", [
    (dnp.dot, (np.ones((2, 3)), np.ones((4, 3))), ["(2, 3)", "(4, 3)"]),
    (dnp.dot, (np.ones((2, 3)), np.ones(4)), ["(2, 3)", "(4,)"]),
    (dnp.inner, (np.ones((2, 3)), np.ones((3, 2))), ["(2, 3)", "(3, 2)"]),
    (dnp.matmul, (np.ones((2, 3)), np.ones((4, 3))), ["(2, 3)", "(4, 3)"]),
    (dnp.matmul, (np.ones((2, 2, 3)), np.ones((3, 3, 1))), ["(2, 2, 3)", "(3, 3, 1)"]),
    (lambda a, b: dnp.tensordot(a, b, axes=([1], [1])), (np.ones((2, 3)), np.ones((3, 2))),
     ["(2, 3)", "(3, 2)"]),
    (lambda a, b: dnp.einsum("ij,jk", a, b), (np.ones((2, 3)), np.ones((4, 3))),
     ["(2, 3)", "(4, 3)"]),
])
def test_shape_mismatch_names_the_shapes(fun, args, shapes):
    with pytest.raises(ValueError) as info:
        fun(*args)
    for s in shapes:
        assert s in str(info.value)
    with pytest.raises(ValueError):
        ad.grad(lambda x: dnp.sum(fun(x, args[1])))(args[0])


@pytest.mark.parametrize("subscripts,args,words", [
    ("ij,jk->ii", (np.ones((2, 3)), np.ones((3, 2))), "more than once"),
    ("ij->k", (np.ones((2, 3)),), "does not occur"),
    ("ij,jk", (np.ones((2, 3)),), "2 operands"),
    ("ijk", (np.ones((2, 3)),), "(2, 3)"),
    ("i", (np.ones((2, 3)),), "'...'"),
    ("i.j", (np.ones((2, 3)),), "'.'"),
    ("...i->i", (np.ones((2, 3)),), "'...'"),
])
def test_einsum_subscript_errors(subscripts, args, words):
    with pytest.raises(ValueError) as info:
        dnp.einsum(subscripts, *args)
    assert words in str(info.value)


def test_unsupported_keywords_raise_type_error():
    with pytest.raises(TypeError, match="out="):
        dnp.einsum("ij->", np.ones((2, 2)), out=np.zeros(()))
    with pytest.raises(TypeError, match="out="):
        dnp.dot(np.ones(2), np.ones(2), out=np.zeros(()))


# ---------------------------------------------------------------- hypothesis
_SIDE = st.integers(1, 3)


@st.composite
def _matmul_shapes(draw):
    """Shapes of a matmul: 1-D or stacked operands whose stacks broadcast, and may use 1s."""
    n, k, m = draw(_SIDE), draw(_SIDE), draw(_SIDE)
    batch = draw(st.lists(_SIDE, max_size=2))
    ba = [draw(st.sampled_from([s, 1])) for s in batch][draw(st.integers(0, len(batch))):]
    bb = [draw(st.sampled_from([s, 1])) for s in batch][draw(st.integers(0, len(batch))):]
    a = (k,) if draw(st.booleans()) else tuple(ba) + (n, k)
    b = (k,) if draw(st.booleans()) else tuple(bb) + (k, m)
    return a, b


@given(_matmul_shapes())
def test_matmul_and_dot_shapes(shapes):
    a, b = (R.standard_normal(s) for s in shapes)
    np.testing.assert_allclose(dnp.matmul(a, b), np.matmul(a, b), rtol=1e-12, atol=1e-12)
    check_grads(dnp.matmul, (a, b), order=1)
    np.testing.assert_allclose(dnp.dot(a, b), np.dot(a, b), rtol=1e-12, atol=1e-12)
    jf, jr = ad.jacfwd(dnp.dot, (0, 1))(a, b), ad.jacrev(dnp.dot, (0, 1))(a, b)
    for x, y in zip(jf, jr):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((4,), (4, 2)), ((4,), (4,)),
                                    ((3, 4), (4, 2)), ((1, 4), (4,))])
def test_matmul_of_vectors_and_matrices_to_second_order(shapes):
    """The one-product VJPs for operands of at most two axes, differentiated again."""
    a, b = (R.standard_normal(s) for s in shapes)
    check_grads(lambda a, b: dnp.tanh(dnp.matmul(a, b)), (a, b), order=2)


@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((4,), (4, 2)), ((4,), (4,)),
                                    ((3, 4), (4, 2)), ((1, 4), (4,))])
@pytest.mark.parametrize("k", [1, 3])
def test_concrete_matmul_vjps_match_the_differentiable_rules(shapes, k):
    """A first-order sweep takes the VJPs straight through NumPy; they agree bit for bit with
    the rules written in dualad operations, which serve higher orders."""
    from dualad.primitives import _compiled_rules as _rules
    from dualad.primitives import linalg
    a, b = (R.standard_normal(s) for s in shapes)
    g = R.standard_normal((k,) + np.matmul(a, b).shape)
    assert _rules.concrete_small(g, a, b)
    vjp_a, vjp_b = linalg.matmul.vjps
    np.testing.assert_array_equal(vjp_a(g, None, a, b), linalg._plain_matmul_vjp_a(g, a, b))
    np.testing.assert_array_equal(vjp_b(g, None, a, b), linalg._plain_matmul_vjp_b(g, a, b))


@given(st.lists(st.integers(0, 5), max_size=3), st.integers(0, 6),
       st.sampled_from([np.float64, np.float32]))
def test_compiled_outer_product_matches_numpy_bit_for_bit(g_shape, n, dtype):
    """The outer product of the matmul VJPs (``g[..., None] * v``) against NumPy's multiply."""
    from dualad.primitives._compiled_rules import outer
    g = R.standard_normal(g_shape).astype(dtype)
    v = R.standard_normal(n).astype(dtype)
    out = outer(g, v)
    assert out.dtype == dtype and out.shape == tuple(g_shape) + (n,)
    np.testing.assert_array_equal(out, g[..., None] * v)


def test_compiled_outer_product_hands_other_cases_to_numpy():
    from dualad.primitives._compiled_rules import outer
    g, v = R.standard_normal((3, 4)), R.standard_normal(5)
    for a, b in [(g.T, v), (g, v[::2]), (g.astype(np.float32), v), (g, v.astype(np.float32)),
                 (g.astype(int), v.astype(int))]:
        out = outer(a, b)
        assert out.dtype == (a[..., None] * b).dtype
        np.testing.assert_array_equal(out, a[..., None] * b)
    big = np.array([1e200, 2.0])
    with pytest.warns(RuntimeWarning, match="overflow"):   # NumPy's own warning, as NumPy's
        np.testing.assert_array_equal(outer(big, big), big[:, None] * big)
    with np.errstate(over="ignore"):
        assert np.isinf(outer(big, big)[0, 0])
    for special in (np.nan, np.inf, -np.inf):
        a = np.array([special, 2.0, -0.0])
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(outer(a, a[::-1].copy()), a[:, None] * a[::-1])


@st.composite
def _tensordot_case(draw):
    """Two operands sharing ``n`` contracted axes, placed at random positions."""
    n = draw(st.integers(0, 2))
    summed = [draw(_SIDE) for _ in range(n)]
    free_a = draw(st.lists(_SIDE, max_size=2))
    free_b = draw(st.lists(_SIDE, max_size=2))
    order_a = draw(st.permutations(range(n + len(free_a))))
    order_b = draw(st.permutations(range(n + len(free_b))))
    shape_a = [(summed + free_a)[i] for i in order_a]
    shape_b = [(summed + free_b)[i] for i in order_b]
    axes_a = [order_a.index(i) for i in range(n)]
    axes_b = [order_b.index(i) for i in range(n)]
    return tuple(shape_a), tuple(shape_b), (axes_a, axes_b)


@given(_tensordot_case())
def test_tensordot_axes(case):
    sa, sb, axes = case
    a, b = R.standard_normal(sa), R.standard_normal(sb)

    def f(x, y):
        return dnp.tensordot(x, y, axes=axes)

    np.testing.assert_allclose(f(a, b), np.tensordot(a, b, axes=axes), rtol=1e-12, atol=1e-12)
    check_grads(f, (a, b), order=1)


@st.composite
def _einsum_case(draw):
    """Random subscripts over four letters, with repeated letters, letters summed within one
    operand, size-1 broadcasting and an output in any order (explicit or implicit)."""
    letters = "abcd"
    sizes = {c: draw(_SIDE) for c in letters}
    terms = draw(st.lists(st.lists(st.sampled_from(letters), max_size=3), min_size=1,
                          max_size=3))
    used = sorted({c for t in terms for c in t})
    shapes = [tuple(sizes[c] if draw(st.integers(0, 4)) else 1 for c in t) for t in terms]
    # a repeated letter must have one length within its operand
    shapes = [tuple(sizes[c] for c in t) if len(set(t)) < len(t) else s
              for t, s in zip(terms, shapes)]
    inputs = ",".join("".join(t) for t in terms)
    if draw(st.booleans()):
        return inputs, shapes
    output = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
    return inputs + "->" + "".join(output), shapes


@given(_einsum_case())
def test_einsum_random_subscripts(case):
    subscripts, shapes = case
    _check_einsum(subscripts, tuple(R.standard_normal(s) for s in shapes), order=1, rtol=1e-10)
