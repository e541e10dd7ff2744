"""dualad.tree (pytrees, ravel_pytree, flatten_func) and dualad.optimizers (HIPS autograd's
sgd, rmsprop and adam drivers over pytrees)."""
import collections

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import tree
from dualad.optimizers import adam, rmsprop, sgd
from dualad.testing import check_grads

Point = collections.namedtuple("Point", "x y")
TREE = {"w": np.arange(6.0).reshape(2, 3), "b": (np.array([0.5, -1.0]), 3.0),
        "none": None, "pts": [Point(np.float32(1.5), np.ones(1, np.float32))]}


def test_tree_functions_share_the_core_structure():
    leaves = tree.tree_leaves(TREE)
    assert [np.shape(x) for x in leaves] == [(2,), (), (), (1,), (2, 3)]   # sorted keys
    flat, treedef = tree.tree_flatten(TREE)
    rebuilt = tree.tree_unflatten(treedef, flat)
    assert rebuilt.keys() == TREE.keys() and isinstance(rebuilt["pts"][0], Point)
    doubled = tree.tree_map(lambda a, b: a + b, TREE, TREE)
    np.testing.assert_array_equal(doubled["w"], 2 * TREE["w"])
    assert doubled["none"] is None


def test_ravel_pytree_round_trips_shapes_and_dtypes():
    flat, unravel = tree.ravel_pytree(TREE)
    assert flat.shape == (11,) and flat.dtype == np.float64
    np.testing.assert_array_equal(flat, [0.5, -1.0, 3.0, 1.5, 1.0, 0, 1, 2, 3, 4, 5])
    back = unravel(flat)
    np.testing.assert_array_equal(back["w"], TREE["w"])
    assert back["pts"][0].x.dtype == np.float32 and back["pts"][0].y.shape == (1,)
    assert back["none"] is None and np.shape(back["b"][1]) == ()
    with pytest.raises(ValueError, match=r"expected a vector of shape \(11,\)"):
        unravel(np.zeros(3))
    assert tree.flatten is tree.ravel_pytree   # autograd's name
    empty, unravel_empty = tree.ravel_pytree({"a": None})
    assert empty.shape == (0,) and unravel_empty(empty) == {"a": None}


def test_ravel_pytree_is_differentiable_both_ways():
    params = {"w": np.arange(1.0, 5.0).reshape(2, 2), "b": np.array([0.5, -2.0])}
    flat, unravel = tree.ravel_pytree(params)

    def loss(v):
        p = unravel(v)
        return dnp.sum(dnp.tanh(p["w"] @ p["b"]) ** 2)
    check_grads(loss, (flat,), order=2)
    g = ad.grad(lambda p: loss(tree.ravel_pytree(p)[0]))(params)
    np.testing.assert_allclose(tree.ravel_pytree(g)[0], ad.grad(loss)(flat))
    np.testing.assert_allclose(ad.jacfwd(lambda v: tree.ravel_pytree(unravel(v))[0])(flat),
                               np.eye(6))


def test_flatten_func_as_autograd():
    f = lambda p, scale: {"out": scale * p["a"] ** 2, "sum": dnp.sum(p["c"])}
    flat_f, unflatten, x = tree.flatten_func(f, {"a": np.array([1.0, 2.0]), "c": np.ones(3)})
    np.testing.assert_array_equal(x, [1.0, 2.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(flat_f(x, 3.0), [3.0, 12.0, 3.0])
    np.testing.assert_array_equal(ad.jacrev(flat_f)(x, 1.0)[:2, :2], np.diag([2.0, 4.0]))
    assert unflatten(x)["c"].shape == (3,)


# ---------------------------------------------------------------- optimizers
G = np.array([0.5, -2.0, 1e-3])        # a constant gradient: closed-form trajectories


def constant_grad(x, i):
    return {"a": G[:2], "b": G[2:]}


X0 = {"a": np.array([1.0, 2.0]), "b": np.array([3.0])}


def _flat(p):
    return tree.ravel_pytree(p)[0]


def test_sgd_matches_its_closed_form():
    n, step, mass = 7, 0.3, 0.8
    # v_k = -(1 - mass) g (1 + mass + ... + mass^(k-1)) = -g (1 - mass^k)
    expected = _flat(X0) + step * sum(-G * (1 - mass ** k) for k in range(1, n + 1))
    got = sgd(constant_grad, X0, num_iters=n, step_size=step, mass=mass)
    np.testing.assert_allclose(_flat(got), expected, rtol=1e-14)
    assert got.keys() == X0.keys()


def test_rmsprop_matches_its_closed_form():
    n, step, gamma = 6, 0.1, 0.7
    # r_k = gamma^k + (1 - gamma^k) g^2 (starting at 1)
    expected = _flat(X0) - step * sum(G / (np.sqrt(gamma ** k + (1 - gamma ** k) * G ** 2)
                                           + 1e-8) for k in range(1, n + 1))
    got = rmsprop(constant_grad, X0, num_iters=n, step_size=step, gamma=gamma)
    np.testing.assert_allclose(_flat(got), expected, rtol=1e-14)


def test_adam_matches_its_closed_form():
    n, step = 5, 0.01
    # a constant gradient is its own bias-corrected moment: each step is step g / (|g| + eps)
    expected = _flat(X0) - n * step * G / (np.abs(G) + 1e-8)
    got = adam(constant_grad, X0, num_iters=n, step_size=step)
    np.testing.assert_allclose(_flat(got), expected, rtol=1e-12)


def test_optimizers_call_back_with_trees_and_converge():
    target = {"w": np.array([1.0, -2.0]), "layers": [np.array([[0.5]])]}

    def loss(p, i):
        return (dnp.sum((p["w"] - target["w"]) ** 2)
                + dnp.sum((p["layers"][0] - target["layers"][0]) ** 2))
    x0 = {"w": np.zeros(2), "layers": [np.zeros((1, 1))]}
    seen = []

    def callback(x, i, g):
        seen.append((i, x["layers"][0].shape, g["w"].shape))
    for opt, kw in ((sgd, dict(num_iters=500, step_size=0.5)),
                    (rmsprop, dict(num_iters=500, step_size=0.01)),
                    (adam, dict(num_iters=2000, step_size=0.02))):
        seen.clear()
        out = opt(ad.grad(loss), x0, callback=callback, **kw)
        np.testing.assert_allclose(out["w"], target["w"], atol=2e-2)
        np.testing.assert_allclose(out["layers"][0], target["layers"][0], atol=2e-2)
        assert seen[0] == (0, (1, 1), (2,)) and len(seen) == kw["num_iters"]
    np.testing.assert_array_equal(x0["w"], np.zeros(2))   # the caller's parameters untouched


def test_docstring_examples_run():
    import doctest

    import dualad.fixed_points
    import dualad.optimizers
    for module in (tree, dualad.optimizers, dualad.fixed_points):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__
