"""Gradient checkpointing: ``ad.checkpoint`` and ``ad.checkpoint_loop`` give the plain tape's
derivatives in every mode and nesting, while recording one entry and saving only inputs."""
import tracemalloc

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.checkpoint import binomial_split
from dualad.testing import check_grads


def block(x, w):
    return dnp.tanh(dnp.sin(x) * w + x)


ck_block = ad.checkpoint(block)


def plain_f(x, w):
    return dnp.sum(block(block(x, w), w) ** 2)


def ck_f(x, w):
    return dnp.sum(ck_block(ck_block(x, w), w) ** 2)


X = np.linspace(-1.0, 1.0, 5)
W = np.array(0.7)


def test_checkpoint_grad_matches_plain():
    for a, b in zip(ad.grad(ck_f, (0, 1))(X, W), ad.grad(plain_f, (0, 1))(X, W)):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_checkpoint_check_grads_both_modes_second_order():
    check_grads(ck_f, (X, W), order=2)


@pytest.mark.parametrize("transform", [
    ad.hessian,
    lambda f: ad.jacfwd(ad.grad(f)),
    lambda f: ad.jacrev(ad.grad(f)),
    lambda f: ad.grad(lambda x, w: dnp.sum(ad.grad(f)(x, w))),
])
def test_checkpoint_nested_higher_order(transform):
    np.testing.assert_allclose(transform(ck_f)(X, W), transform(plain_f)(X, W), rtol=1e-12)


def test_checkpoint_records_one_entry_and_saves_only_inputs():
    with ad.Tape() as tape:
        x = tape.watch(X)
        y = ck_f(x, W)
    assert [e.op for e in tape.entries] == ["watch", "checkpoint:block", "checkpoint:block",
                                           "power", "sum"]
    node = tape._trace.nodes[1]
    assert len(node.residuals) == 2
    assert node.residuals[0] is X and node.residuals[1] is W
    gx, = tape.gradient(y, [x])
    np.testing.assert_allclose(gx, ad.grad(plain_f)(X, W))


def test_checkpoint_imperative_tensors():
    x = ad.tensor(X, requires_grad=True)
    w = ad.tensor(W, requires_grad=True)
    ck_f(x, w).backward()
    gx, gw = ad.grad(plain_f, (0, 1))(X, W)
    np.testing.assert_allclose(x.grad.numpy(), gx)
    np.testing.assert_allclose(w.grad.numpy(), gw)


def test_checkpoint_forward_mode_and_plain_call():
    t = np.ones_like(X)
    p1, t1 = ad.jvp(lambda x: ck_f(x, W), (X,), (t,))
    p0, t0 = ad.jvp(lambda x: plain_f(x, W), (X,), (t,))
    np.testing.assert_allclose(p1, p0)
    np.testing.assert_allclose(t1, t0)
    np.testing.assert_allclose(ck_f(X, W), plain_f(X, W))


def test_checkpoint_pytree_arguments_and_results():
    def blk(d):
        return {"a": d["a"] * dnp.sin(d["b"]), "b": d["b"] + d["a"]}

    ck = ad.checkpoint(blk)
    d = {"a": np.arange(3.0), "b": np.ones((2, 3))}
    got = ad.grad(lambda d: dnp.sum(ck(ck(d))["a"]) + dnp.sum(ck(d)["b"] ** 2))(d)
    want = ad.grad(lambda d: dnp.sum(blk(blk(d))["a"]) + dnp.sum(blk(d)["b"] ** 2))(d)
    for k in d:
        np.testing.assert_allclose(got[k], want[k])


def test_checkpoint_keyword_arguments_are_static():
    ck = ad.checkpoint(lambda x, scale=1.0: dnp.sin(x) * scale)
    g = ad.grad(lambda x: dnp.sum(ck(x, scale=3.0)))(X)
    np.testing.assert_allclose(g, 3.0 * np.cos(X))


def test_checkpoint_closure_over_differentiated_value_raises():
    with pytest.raises(TypeError, match="pass that value as an argument"):
        ad.grad(lambda x, w: dnp.sum(ad.checkpoint(lambda s: s * w)(x)), (0, 1))(X, W)


def test_checkpoint_mixed_dtype_results_raise():
    ck = ad.checkpoint(lambda x: (x, np.ones(2, np.float32)))
    with pytest.raises(TypeError, match="mixes the dtypes"):
        ad.grad(lambda x: dnp.sum(ck(x)[0]))(X)


# ------------------------------------------------------------------------- checkpoint_loop
def step(s):
    return s + 0.01 * dnp.sin(s[::-1]) * s


def loop_plain(s, n):
    for _ in range(n):
        s = step(s)
    return dnp.sum(s ** 2)


S0 = np.linspace(0.0, 1.0, 4)


@pytest.mark.parametrize("n,c", [(1, None), (2, 1), (7, 1), (37, 2), (100, None), (100, 30)])
def test_checkpoint_loop_gradient_matches_plain_tape(n, c):
    got = ad.grad(lambda s: dnp.sum(ad.checkpoint_loop(step, s, n, c) ** 2))(S0)
    np.testing.assert_array_equal(got, ad.grad(loop_plain)(S0, n))   # identical, not close


def test_checkpoint_loop_zero_steps_and_plain_call():
    np.testing.assert_array_equal(ad.checkpoint_loop(step, S0, 0), S0)
    np.testing.assert_allclose(dnp.sum(ad.checkpoint_loop(step, S0, 5) ** 2), loop_plain(S0, 5))


def test_checkpoint_loop_higher_order_and_imperative():
    h = ad.hessian(lambda s: dnp.sum(ad.checkpoint_loop(step, s, 20) ** 2))(S0)
    np.testing.assert_allclose(h, ad.hessian(lambda s: loop_plain(s, 20))(S0), rtol=1e-12)
    s = ad.tensor(S0, requires_grad=True)
    dnp.sum(ad.checkpoint_loop(step, s, 20) ** 2).backward()
    np.testing.assert_allclose(s.grad.numpy(), ad.grad(loop_plain)(S0, 20))


def test_checkpoint_loop_pytree_state():
    def osc(state):
        return {"q": state["q"] + 0.1 * state["p"], "p": state["p"] - 0.1 * dnp.sin(state["q"])}

    def loss(state, loop):
        out = loop(state)
        return dnp.sum(out["q"] ** 2) + dnp.sum(out["p"])

    def unrolled(state):
        for _ in range(30):
            state = osc(state)
        return state

    st = {"q": np.array([0.3, -0.2]), "p": np.array([0.1, 0.4])}
    got = ad.grad(lambda st: loss(st, lambda s: ad.checkpoint_loop(osc, s, 30)))(st)
    want = ad.grad(lambda st: loss(st, unrolled))(st)
    for k in st:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-13)


def test_checkpoint_loop_bad_arguments():
    with pytest.raises(TypeError, match="n_steps"):
        ad.checkpoint_loop(step, S0, 2.5)
    with pytest.raises(ValueError, match="checkpoints"):
        ad.checkpoint_loop(step, S0, 3, checkpoints=0)
    with pytest.raises(ValueError, match="changed its structure"):
        ad.grad(lambda s: dnp.sum(ad.checkpoint_loop(lambda s: s[1:], s, 3)))(S0)


@pytest.mark.parametrize("c", [1, 2, 3, 5])
def test_binomial_split_keeps_both_parts_feasible(c):
    from math import comb
    for n in range(2, 200):
        r = next(r for r in range(n) if comb(c + r, c) >= n)
        m = binomial_split(n, c)
        assert 1 <= m < n
        assert m <= comb(c + r - 1, c) and n - m <= comb(c - 1 + r, c - 1)


def test_checkpoint_loop_memory_is_a_fraction_of_the_plain_tape():
    s0 = np.random.default_rng(0).standard_normal(2000)

    def lstep(s):
        return s + 0.01 * dnp.sin(s) * dnp.exp(-s * s)

    def peak(f):
        tracemalloc.start()
        try:
            g = ad.grad(f)(s0)
            return tracemalloc.get_traced_memory()[1], g
        finally:
            tracemalloc.stop()

    def plain(s):
        for _ in range(200):
            s = lstep(s)
        return dnp.sum(s * s)

    p_plain, g_plain = peak(plain)
    p_ck, g_ck = peak(lambda s: dnp.sum(ad.checkpoint_loop(lstep, s, 200) ** 2))
    np.testing.assert_array_equal(g_ck, g_plain)
    assert p_ck < p_plain / 5
