"""Fuzzing: random compositions of primitives on random broadcastable shapes, checked in both
modes against finite differences; numerically delicate functions stay finite and exact."""
import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

# smooth, well-conditioned on [-2, 2]: finite differences stay accurate
UNARY = {
    "sin": dnp.sin,
    "cos": dnp.cos,
    "tanh": dnp.tanh,
    "sigmoid": dnp.sigmoid,
    "exp_half": lambda a: dnp.exp(0.5 * a),
    "square": dnp.square,
    "log1p_sq": lambda a: dnp.log1p(a * a),
    "softplus": lambda a: dnp.log1p(dnp.exp(a)),
    "arctan": dnp.arctan,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: b - a,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.5 + b * b),
    "pow": lambda a, b: (1.0 + a * a) ** (0.5 * dnp.sin(b)),
    "hypot": lambda a, b: dnp.sqrt(1.0 + a * a + b * b),
}
REDUCE = {
    "sum": lambda a: dnp.sum(a),
    "mean_last": lambda a: dnp.sum(dnp.mean(a, axis=-1)) if a.ndim else a,
    "sum_first_keep": lambda a: dnp.sum(dnp.sum(a, axis=0, keepdims=True) ** 2) if a.ndim else a,
    "transpose": lambda a: dnp.sum(dnp.transpose(a) * dnp.cos(dnp.transpose(a))),
}

ops = st.lists(st.one_of(st.sampled_from(sorted(UNARY)).map(lambda n: ("u", n)),
                         st.sampled_from(sorted(BINARY)).map(lambda n: ("b", n))),
               min_size=1, max_size=5)


def compose(program, reduce_name):
    def f(x, y):
        a, b = x, y
        for kind, name in program:
            if kind == "u":
                a = UNARY[name](a)
            else:
                a, b = BINARY[name](a, b), a
        return REDUCE[reduce_name](a + 0.0 * b)    # both inputs always reach the output
    return f


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       program=ops, reduce_name=st.sampled_from(sorted(REDUCE)),
       seed=st.integers(0, 2 ** 16))
def test_random_compositions_match_finite_differences(shapes, program, reduce_name, seed):
    rng = np.random.default_rng(seed)
    x, y = (rng.uniform(-1.5, 1.5, s) for s in shapes.input_shapes)
    f = compose(program, reduce_name)
    check_grads(f, (x, y), modes=("fwd", "rev"), order=1)
    gx, gy = ad.grad(f, (0, 1))(x, y)
    assert gx.shape == x.shape and gy.shape == y.shape
    np.testing.assert_allclose(ad.jacfwd(f, (0, 1))(x, y)[0], gx, rtol=1e-10, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       program=ops, seed=st.integers(0, 2 ** 16))
def test_random_compositions_in_float32_stay_float32(shapes, program, seed):
    rng = np.random.default_rng(seed)
    x, y = (rng.uniform(-1.5, 1.5, s).astype(np.float32) for s in shapes.input_shapes)
    f = compose(program, "sum")
    gx, gy = ad.grad(f, (0, 1))(x, y)
    assert gx.dtype == np.float32 and gy.dtype == np.float32
    _, t = ad.jvp(f, (x, y), (np.ones_like(x), np.ones_like(y)))
    assert t.dtype == np.float32


# ----------------------------------------------------------------------- delicate functions
BIG = np.array([-40.0, -20.0, 0.0, 20.0, 40.0])


def _exact(got, want, what):
    assert np.all(np.isfinite(got)), f"{what}: non-finite derivative {got}"
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300, err_msg=what)


def test_sigmoid_and_tanh_at_plus_minus_40():
    s = 1 / (1 + np.exp(-BIG))
    g = ad.grad(lambda x: dnp.sum(dnp.sigmoid(x)))(BIG)
    assert np.all(np.isfinite(g)) and np.all(g >= 0)
    np.testing.assert_allclose(g, s * (1 - s), rtol=1e-12, atol=1e-17)
    g = ad.grad(lambda x: dnp.sum(dnp.tanh(x)))(BIG)
    assert np.all(np.isfinite(g)) and np.all(g >= 0)
    np.testing.assert_allclose(g, 1 / np.cosh(BIG) ** 2, rtol=1e-12, atol=1e-16)
    _, t = ad.jvp(dnp.sigmoid, (BIG,), (np.ones(5),))
    np.testing.assert_allclose(t, s * (1 - s), rtol=1e-12, atol=1e-17)


def _special():
    try:
        return importlib.import_module("dualad.special")
    except ImportError:
        return None


@pytest.mark.parametrize("shift", [0.0, 1e3, -1e3, 1e300])
def test_logsumexp_and_softmax_at_large_inputs(shift):
    special = _special()
    if special is None or not hasattr(special, "logsumexp"):
        pytest.skip("dualad.special.logsumexp is not available")
    x = np.array([0.5, -1.0, 2.0, 0.0]) + shift
    finite = np.isfinite(x).all()
    with np.errstate(over="ignore", invalid="ignore"):
        value = special.logsumexp(x)
    z = x - x.max()
    want_soft = np.exp(z) / np.exp(z).sum()
    assert np.isfinite(value)
    g = ad.grad(special.logsumexp)(x)
    _exact(g, want_soft, "grad logsumexp")
    if finite and hasattr(special, "softmax"):
        _exact(special.softmax(x), want_soft, "softmax")
        jac = ad.jacrev(special.softmax)(x)
        _exact(jac, np.diag(want_soft) - np.outer(want_soft, want_soft), "jacobian of softmax")
        _exact(ad.jacfwd(special.softmax)(x), jac, "jacfwd of softmax")


@pytest.mark.parametrize("scale", [1e-100, 1.0, 1e100])
def test_norm_gradients_finite_and_exact(scale):
    x = np.array([3.0, -4.0, 12.0]) * scale
    g = ad.grad(dnp.linalg.norm)(x)
    _exact(g, x / np.linalg.norm(x), "grad norm")
    _, t = ad.jvp(dnp.linalg.norm, (x,), (np.ones(3),))
    _exact(t, np.sum(x) / np.linalg.norm(x), "jvp norm")
