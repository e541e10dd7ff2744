"""PyTorch's Tensor methods on dualad's Tensor: shapes, reductions with dim=/keepdim= (and
NumPy's axis=/keepdims=), max/min returning (values, indices), comparisons as boolean tensors,
casts, sizes, and in-place updates under no_grad; traced values keep NumPy's meanings."""
import numpy as np
import pytest

import dualad as ad
from dualad.testing import check_grads

R = np.random.default_rng(0)
A = R.standard_normal((3, 4))


def T(a=A, requires_grad=False):
    return ad.tensor(a, requires_grad=requires_grad)


def test_shape_methods():
    x = T(np.arange(24.0).reshape(2, 3, 4))
    assert x.view(-1, 4).shape == (6, 4) and x.view(6, 4).shape == (6, 4)
    assert x.reshape((4, 6)).shape == (4, 6) and x.reshape(-1).shape == (24,)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.transpose(0, 2).shape == (4, 3, 2)
    np.testing.assert_array_equal(x.transpose(0, 2).numpy(), np.swapaxes(x.numpy(), 0, 2))
    assert x.unsqueeze(0).shape == (1, 2, 3, 4) and x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert x.unsqueeze(1).squeeze(1).shape == (2, 3, 4)
    assert x.squeeze(0).shape == (2, 3, 4)                 # PyTorch: not of length 1, kept
    assert T(np.ones((1, 3, 1))).squeeze().shape == (3,)
    assert T(np.ones((3, 1))).expand(3, 5).shape == (3, 5)
    assert T(np.ones((3, 1))).expand(2, -1, 4).shape == (2, 3, 4)
    np.testing.assert_array_equal(T(np.array([1.0, 2.0])).repeat(2, 2).numpy(),
                                  np.tile([1.0, 2.0], (2, 2)))
    assert T().t().shape == (4, 3) and T().T.shape == (4, 3)
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        x.t()
    assert [c.shape for c in T(np.ones((5, 2))).chunk(2)] == [(3, 2), (2, 2)]
    assert [c.shape for c in T(np.ones((5, 2))).split(2)] == [(2, 2), (2, 2), (1, 2)]


def test_size_numel_dim():
    x = T()
    assert x.size() == (3, 4) and x.size(1) == 4 and x.size(-2) == 3
    assert x.size == 12 and x.numel() == 12 and x.dim() == 2 and x.ndim == 2
    assert x.device == "cpu" and x.contiguous() is x


def test_reductions_with_both_spellings():
    x = T()
    np.testing.assert_allclose(x.sum(dim=1).numpy(), A.sum(1))
    np.testing.assert_allclose(x.sum(1, keepdim=True).numpy(), A.sum(1, keepdims=True))
    np.testing.assert_allclose(x.sum(axis=0, keepdims=True).numpy(), A.sum(0, keepdims=True))
    np.testing.assert_allclose(x.mean(dim=(0, 1)).numpy(), A.mean())
    np.testing.assert_allclose(x.prod(dim=0).numpy(), A.prod(0))
    np.testing.assert_allclose(x.var().numpy(), A.var(ddof=1))            # unbiased default
    np.testing.assert_allclose(x.var(0, unbiased=False).numpy(), A.var(0))
    np.testing.assert_allclose(x.std(dim=1, keepdim=True).numpy(), A.std(1, ddof=1,
                                                                          keepdims=True))
    np.testing.assert_allclose(x.std(axis=1).numpy(), A.std(1))          # NumPy's spelling
    np.testing.assert_allclose(x.var(correction=0).numpy(), A.var())
    np.testing.assert_allclose(x.norm().numpy(), np.linalg.norm(A))


def test_max_min_argmax():
    x = T()
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.numpy(), A.max(1))
    np.testing.assert_array_equal(indices.numpy(), A.argmax(1))
    v, i = x.min(0, keepdim=True)
    assert v.shape == i.shape == (1, 4)
    np.testing.assert_array_equal(x.max(axis=1).numpy(), A.max(1))          # NumPy: values
    assert x.max().item() == A.max()
    np.testing.assert_array_equal(x.argmax(dim=1).numpy(), A.argmax(1))
    assert x.argmax().item() == A.argmax() and x.argmin(1, keepdim=True).shape == (3, 1)
    np.testing.assert_array_equal(x.max(T(-A)).numpy(), np.abs(A))


def test_comparisons_are_boolean_tensors():
    x = T()
    mask = x > 0
    assert isinstance(mask, ad.Tensor) and mask.dtype == np.bool_
    assert mask.float().dtype == np.float32 and mask.long().dtype == np.int64
    np.testing.assert_array_equal(mask.float().numpy(), (A > 0).astype(np.float32))
    assert (x == x).all().item() and not (x != x).any().item()
    accuracy = (x.argmax(dim=1) == T(np.array([0, 1, 2]))).float().mean().item()
    assert 0 <= accuracy <= 1
    assert x.gt(0).sum().item() == (A > 0).sum() and x.eq(x).all()


def test_math_and_casts_are_differentiable():
    for name, fn in [("abs", np.sign), ("exp", np.exp), ("sin", np.cos),
                     ("cos", lambda a: -np.sin(a)), ("tanh", lambda a: 1 - np.tanh(a) ** 2),
                     ("sigmoid", lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2),
                     ("relu", lambda a: (a > 0).astype(float))]:
        x = T(requires_grad=True)
        getattr(x, name)().sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), fn(A), rtol=1e-12, err_msg=name)
    x = T(np.abs(A) + 0.5, requires_grad=True)
    (x.sqrt() + x.log() + x.pow(3).clamp(-1, 2)).sum().backward()
    a = np.abs(A) + 0.5
    np.testing.assert_allclose(x.grad.numpy(), 0.5 / np.sqrt(a) + 1 / a + 3 * a ** 2 * (
        a ** 3 <= 2), rtol=1e-12)
    x = T(requires_grad=True)
    x.mm(x.t()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.ones((3, 3)) @ A, rtol=1e-12)
    y = T(requires_grad=True)
    y.view(1, 3, 4).bmm(y.view(1, 4, 3)).sum().backward()
    ones = np.ones((3, 3))
    np.testing.assert_allclose(y.grad.numpy(), ones @ A.reshape(4, 3).T + (
        A.T @ ones).reshape(3, 4), rtol=1e-12)
    x = T(A.astype(np.float32), requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert x.to(ad.float64).dtype == np.float64 and x.float() is x or x.float().dtype == np.float32
    assert x.clone().requires_grad and x.clone() is not x
    assert T().tolist() == A.tolist()


def test_in_place_updates_under_no_grad_keep_the_leaf():
    w = T(requires_grad=True)
    (w * w).sum().backward()
    with ad.no_grad():
        before = w
        w -= 0.1 * w.grad
        w.mul_(2.0).add_(1.0, alpha=0.5)
    assert w is before and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), (A - 0.1 * 2 * A) * 2 + 0.5)
    w.grad.zero_()
    assert np.all(w.grad.numpy() == 0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    w.data.sub_(1.0)                                     # .data shares the array
    np.testing.assert_allclose(w.detach().numpy(), (A - 0.1 * 2 * A) * 2 - 0.5)


def test_in_place_on_a_non_leaf_is_recorded():
    w = T(requires_grad=True)
    h = w * 2
    h += w                                               # h = 3 w, recorded
    h *= h                                               # h = 9 w^2
    h.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 18 * A)
    c = ad.zeros(3)
    c.fill_(2.0)
    c.add_(ad.ones(3))
    np.testing.assert_array_equal(c.numpy(), 3.0)
    i = ad.arange(3)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 0.5
    z = ad.zeros(3)
    z.copy_(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(z.numpy(), [1, 2, 3])


def test_traced_values_keep_numpy_meanings():
    """Inside ad.grad the same function runs on plain arrays; its methods mean NumPy's."""
    def f(a):
        return (a.max(0) + a.var() + a.repeat(2).sum() + a.std(axis=1).sum()).sum()

    want = (A.max(0) + A.var() + A.repeat(2).sum() + A.std(axis=1).sum()).sum()
    assert float(f(A)) == pytest.approx(want)
    check_grads(f, (A,), order=1)

    def g(a):                            # PyTorch's keywords mean PyTorch's calls anywhere
        values, indices = a.max(dim=1)
        return values.sum() + a.var(dim=0, unbiased=True).sum()

    onehot = np.eye(4)[A.argmax(1)]
    want = onehot + 2 * (A - A.mean(0)) / 2
    np.testing.assert_allclose(ad.grad(g)(A), want, rtol=1e-12)
    t = T(requires_grad=True)
    g(t).backward()
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-12)

    def h(a):
        a += 1.0                         # rebinding, as for NumPy code on a traced value
        return (a * a).sum()

    np.testing.assert_allclose(ad.grad(h)(A), 2 * (A + 1))



def test_item_assignment():
    x = ad.zeros(2, 3)
    x[0] = 1.0
    x[x == 0] = 2.0                                      # a boolean tensor as the index
    x[:, ad.tensor(np.array([2]))] = ad.tensor(np.array([[5.0], [6.0]]))
    np.testing.assert_array_equal(x.numpy(), [[1, 1, 5], [2, 2, 6]])
    w = T(requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 0.0
    with ad.no_grad():
        w[0] = 0.0
    assert np.all(w.detach().numpy()[0] == 0) and w.is_leaf
    h = w * 3
    h[1] = w[2] * 10                                     # recorded: a functional update
    h.sum().backward()
    want = np.full((3, 4), 3.0)
    want[1], want[2] = 0.0, 3.0 + 10.0
    np.testing.assert_allclose(w.grad.numpy(), want)
    with pytest.raises(TypeError, match="at\\[index\\].set"):
        ad.grad(lambda a: a.__setitem__(0, 1.0))(A)
