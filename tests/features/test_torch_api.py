"""PyTorch's top-level names in dualad (API.md section 13): creation with PyTorch's dtypes, random
tensors and seeds, cat/stack, the grad switch, math with dim=/keepdim=, and save/load."""
import io

import numpy as np
import pytest

import dualad as ad
from dualad import nn, optim
from dualad.testing import check_grads

R = np.random.default_rng(0)


def test_creation_dtypes_follow_pytorch():
    assert ad.zeros(2, 3).shape == (2, 3) and ad.zeros(2, 3).dtype == np.float32
    assert ad.ones((4,)).dtype == np.float32 and ad.empty([2, 2]).shape == (2, 2)
    assert ad.full((2,), 1.5).dtype == np.float32 and ad.full((2,), 3).dtype == np.int64
    assert ad.full((2,), True).dtype == np.bool_
    assert ad.arange(5).dtype == np.int64 and ad.arange(0, 1, 0.25).dtype == np.float32
    np.testing.assert_array_equal(ad.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    assert ad.linspace(0, 1, 5).dtype == np.float32 and ad.eye(3).dtype == np.float32
    assert ad.zeros(2, dtype=ad.float64).dtype == np.float64
    x = ad.ones(2, 3, dtype=ad.float64)
    assert ad.zeros_like(x).dtype == np.float64 and ad.ones_like(x).shape == (2, 3)
    assert ad.randn_like(x).dtype == np.float64
    w = ad.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    assert isinstance(ad.zeros(1), ad.Tensor)
    with pytest.raises(RuntimeError, match="CPU"):
        ad.zeros(2, device="cuda")


def test_default_dtype_can_be_changed():
    try:
        ad.set_default_dtype(ad.float64)
        assert ad.get_default_dtype() == np.float64 and ad.randn(2).dtype == np.float64
    finally:
        ad.set_default_dtype(ad.float32)
    assert ad.zeros(1).dtype == np.float32
    with pytest.raises(TypeError, match="float32 and float64"):
        ad.set_default_dtype(ad.int64)


def test_random_tensors_are_seeded():
    ad.manual_seed(0)
    a, b, c = ad.randn(3, 4), ad.rand(5), ad.randint(2, 10, (6,))
    ad.manual_seed(0)
    np.testing.assert_array_equal(ad.randn(3, 4).numpy(), a.numpy())
    np.testing.assert_array_equal(ad.rand(5).numpy(), b.numpy())
    np.testing.assert_array_equal(ad.randint(2, 10, (6,)).numpy(), c.numpy())
    assert a.dtype == np.float32 and c.dtype == np.int64
    assert c.numpy().min() >= 2 and c.numpy().max() < 10 and np.all(b.numpy() < 1)
    assert ad.randint(3, (100,)).numpy().max() == 2
    g = ad.Generator().manual_seed(5)
    first = ad.randn(4, generator=g).numpy()
    np.testing.assert_array_equal(ad.randn(4, generator=ad.Generator().manual_seed(5)).numpy(),
                                  first)
    ad.manual_seed(1)
    nn_first = nn.Linear(2, 2).weight.detach().numpy()
    nn.manual_seed(1)                                        # one generator for both names
    np.testing.assert_array_equal(nn.Linear(2, 2).weight.detach().numpy(), nn_first)


def test_from_numpy_shares_memory():
    a = np.zeros(3)
    t = ad.from_numpy(a)
    a[0] = 5.0
    assert t[0].item() == 5.0 and t.dtype == np.float64
    with pytest.raises(TypeError, match="numpy.ndarray"):
        ad.from_numpy([1.0])


def test_cat_and_stack_are_differentiable():
    x, y = R.standard_normal((2, 3)), R.standard_normal((1, 3))
    np.testing.assert_array_equal(ad.cat([x, y], dim=0), np.concatenate([x, y]))
    assert ad.stack([x[0], y[0]], dim=1).shape == (3, 2)
    check_grads(lambda a, b: ad.cat([a, b * 2], dim=0), (x, y), order=2)
    check_grads(lambda a, b: ad.stack([a, b], 1), (x[0], y[0]), order=1)


def test_reductions_with_dim_and_keepdim():
    x = R.standard_normal((3, 4, 2))
    np.testing.assert_allclose(ad.sum(x, dim=1), x.sum(1))
    np.testing.assert_allclose(ad.sum(x, dim=(0, 2), keepdim=True), x.sum((0, 2), keepdims=True))
    np.testing.assert_allclose(ad.mean(x, 2, True), x.mean(2, keepdims=True))
    np.testing.assert_allclose(ad.sum(x, axis=0), x.sum(0))
    values, indices = ad.max(x, 1)
    np.testing.assert_array_equal(values, x.max(1))
    np.testing.assert_array_equal(indices.numpy(), x.argmax(1))
    assert indices.dtype == np.int64
    v, i = ad.min(x, dim=2, keepdim=True)
    assert v.shape == i.shape == (3, 4, 1)
    assert ad.max(x) == x.max() and ad.argmax(x).item() == x.argmax()
    np.testing.assert_array_equal(ad.argmax(x, dim=1).numpy(), x.argmax(1))
    np.testing.assert_array_equal(ad.max(ad.tensor(x), ad.tensor(-x)).numpy(), np.abs(x))
    check_grads(lambda x: ad.max(x, 1)[0], (x,), order=2)
    check_grads(lambda x: ad.sum(ad.tanh(x), dim=(0, 2)), (x,), order=2)
    with pytest.raises(RuntimeError, match="floating point"):
        ad.mean(ad.arange(4))


def test_elementwise_math_clamp_where():
    x = R.standard_normal((3, 3))
    for name, ref in [("sin", np.sin), ("cos", np.cos), ("exp", np.exp), ("tanh", np.tanh),
                      ("abs", np.abs), ("sigmoid", lambda v: 1 / (1 + np.exp(-v))),
                      ("relu", lambda v: np.maximum(v, 0))]:
        np.testing.assert_allclose(getattr(ad, name)(x), ref(x), rtol=1e-12)
    np.testing.assert_allclose(ad.sqrt(np.abs(x)), np.sqrt(np.abs(x)))
    np.testing.assert_allclose(ad.log(np.abs(x)), np.log(np.abs(x)))
    np.testing.assert_allclose(ad.clamp(x, min=-0.5, max=0.5), np.clip(x, -0.5, 0.5))
    np.testing.assert_allclose(ad.clamp(x, max=0.0), np.minimum(x, 0))
    np.testing.assert_allclose(ad.where(x > 0, x, 0.0), np.where(x > 0, x, 0))
    rows, cols = ad.where(ad.tensor(x) > 0)
    np.testing.assert_array_equal(rows.numpy(), np.nonzero(x > 0)[0])
    np.testing.assert_allclose(ad.matmul(x, x), x @ x)
    t = ad.tensor(x, requires_grad=True)
    ad.clamp(t, -0.5, 0.5).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), (np.abs(x) <= 0.5).astype(float))


def test_set_grad_enabled_as_function_and_context():
    x = ad.ones(2, requires_grad=True)
    with ad.set_grad_enabled(False):
        assert not ad.is_grad_enabled() and not (x * 2).requires_grad
    assert ad.is_grad_enabled() and (x * 2).requires_grad
    ad.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ad.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_save_and_load_state_dicts(tmp_path):
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    model(np.ones((5, 3), np.float32)).sum().backward()
    opt.step()
    path = tmp_path / "model.pt"                       # written exactly there, no ".npz" added
    ad.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3,
             "note": "ok", "scale": 0.5, "tensor": ad.ones(2, requires_grad=True),
             "pair": (1, None)}, path)
    assert path.exists() and not (tmp_path / "model.pt.npz").exists()
    back = ad.load(path, map_location="cpu")
    assert back["epoch"] == 3 and back["note"] == "ok" and back["pair"] == (1, None)
    assert back["tensor"].requires_grad and isinstance(back["tensor"], ad.Tensor)
    assert list(back["model"]) == list(model.state_dict())
    assert back["model"]["1.num_batches_tracked"].dtype == np.int64
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    other.load_state_dict(back["model"])
    for (k, a), b in zip(model.state_dict().items(), other.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    opt2 = optim.Adam(other.parameters(), lr=1.0)
    opt2.load_state_dict(back["opt"])
    assert opt2.param_groups[0]["lr"] == 1e-3 and opt2.param_groups[0]["betas"] == (0.9, 0.999)
    buf = io.BytesIO()
    ad.save([np.arange(3)], buf)
    buf.seek(0)
    np.testing.assert_array_equal(ad.load(buf)[0], np.arange(3))


def test_load_never_unpickles_and_save_refuses_objects(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, a=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        ad.load(evil)                                   # allow_pickle=False refuses it
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.ones(2))
    with pytest.raises(ValueError, match="not written by dualad.save"):
        ad.load(plain)
    with pytest.raises(TypeError, match="state_dict"):
        ad.save(nn.Linear(2, 2), tmp_path / "m.npz")


def test_device_idiom_of_tutorials():
    device = ad.device("cuda" if ad.cuda.is_available() else "cpu")
    assert str(device) == "cpu" and device == "cpu"
    model = nn.Linear(2, 2).to(device)
    assert ad.ones(1, 2).to(device).shape == (1, 2) and model(ad.ones(1, 2).to(device)).shape
    with pytest.raises(RuntimeError, match="CPU"):
        nn.Linear(2, 2).to(ad.device("cuda"))


def test_functions_that_mirror_tensor_methods():
    x = R.standard_normal((2, 3))
    assert ad.unsqueeze(x, 0).shape == (1, 2, 3) and ad.squeeze(ad.ones(1, 3)).shape == (3,)
    assert ad.reshape(x, (3, 2)).shape == (3, 2) and ad.transpose(x, 0, 1).shape == (3, 2)
    assert ad.permute(ad.ones(2, 3, 4), (2, 0, 1)).shape == (4, 2, 3)
    np.testing.assert_allclose(ad.mm(x, x.T), x @ x.T)
    np.testing.assert_allclose(ad.std(x).item(), x.std(ddof=1))
    np.testing.assert_allclose(ad.cumsum(x, dim=1), np.cumsum(x, 1))
    np.testing.assert_allclose(ad.einsum("ij,kj->ik", x, x), x @ x.T)
    np.testing.assert_allclose(ad.einsum("ij,kj->ik", [x, x]), x @ x.T)
    np.testing.assert_allclose(ad.outer(x[0], x[1]), np.outer(x[0], x[1]))
    assert sorted(ad.randperm(5).numpy()) == [0, 1, 2, 3, 4]
    w = ad.ones(2, requires_grad=True)
    with ad.inference_mode():
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad
    check_grads(lambda a: ad.cumsum(a, 0) * ad.prod(a, 1)[:, None], (x,), order=2)


def test_top_level_functions_mean_pytorch_inside_transforms_too():
    x = R.standard_normal(5)
    assert ad.var(x).item() == pytest.approx(x.var(ddof=1))
    g = ad.grad(lambda a: ad.var(a))(x)                   # the same function, differentiated
    np.testing.assert_allclose(g, 2 * (x - x.mean()) / 4, rtol=1e-12)
    m = x.reshape(1, 5)
    g = ad.grad(lambda a: ad.max(a, 1)[0].sum())(m)        # (values, indices) under grad too
    np.testing.assert_array_equal(g, np.eye(5)[[x.argmax()]])
