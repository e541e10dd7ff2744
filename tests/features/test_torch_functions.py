"""PyTorch's wider surface (``dualad/_torch_functions.py``, ``dualad/autograd.py``): each
method and top-level function against PyTorch itself, values and gradients, and the
``autograd.Function`` / ``autograd.grad`` habits of the tutorials."""
import numpy as np
import pytest

import dualad as ad
from dualad.testing import check_grads

RNG = np.random.default_rng(0)
A = RNG.uniform(0.2, 0.9, (3, 4))
B = RNG.uniform(0.2, 0.9, (3, 4))
SQUARE = RNG.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)
INDEX = np.array([[0, 2], [1, 1], [3, 0]])

# name -> (call on a library ``m``'s tensors x (and y), the inputs); every call is differentiable
# in x unless it appears in CONSTANT
CASES = {
    "add": (lambda m, x, y: m.add(x, y, alpha=0.5), (A, B)),
    "sub": (lambda m, x, y: x.sub(y, alpha=2), (A, B)),
    "mul": (lambda m, x, y: m.mul(x, y), (A, B)),
    "div": (lambda m, x, y: x.div(y), (A, B)),
    "true_divide": (lambda m, x, y: m.true_divide(x, y), (A, B)),
    "maximum": (lambda m, x, y: m.maximum(x, y), (A, B)),
    "atan2": (lambda m, x, y: m.atan2(x, y), (A, B)),
    "hypot": (lambda m, x, y: x.hypot(y), (A, B)),
    "logaddexp": (lambda m, x, y: m.logaddexp(x, y), (A, B)),
    "lerp": (lambda m, x, y: m.lerp(x, y, 0.3), (A, B)),
    "square": (lambda m, x: m.square(x), (A,)),
    "rsqrt": (lambda m, x: x.rsqrt(), (A,)),
    "reciprocal": (lambda m, x: m.reciprocal(x), (A,)),
    "log1p": (lambda m, x: x.log1p(), (A,)),
    "expm1": (lambda m, x: m.expm1(x), (A,)),
    "log2": (lambda m, x: x.log2(), (A,)),
    "log10": (lambda m, x: m.log10(x), (A,)),
    "sinh": (lambda m, x: m.sinh(x), (A,)),
    "cosh": (lambda m, x: x.cosh(), (A,)),
    "tan": (lambda m, x: m.tan(x), (A,)),
    "asin": (lambda m, x: m.asin(x), (A,)),
    "acos": (lambda m, x: x.acos(), (A,)),
    "atan": (lambda m, x: m.atan(x), (A,)),
    "erf": (lambda m, x: m.erf(x), (A,)),
    "frac": (lambda m, x: (3 * x).frac(), (A,)),
    "sort": (lambda m, x: m.sort(x, dim=1, descending=True)[0], (A,)),
    "sort_indices": (lambda m, x: x.sort(dim=0)[1], (A,)),
    "argsort": (lambda m, x: m.argsort(x, dim=1, descending=True), (A,)),
    "topk": (lambda m, x: m.topk(x, 2, dim=1)[0], (A,)),
    "topk_smallest": (lambda m, x: x.topk(2, dim=0, largest=False).values, (A,)),
    "amax": (lambda m, x: m.amax(x, dim=1), (A,)),
    "amin": (lambda m, x: x.amin(dim=0, keepdim=True), (A,)),
    "logsumexp": (lambda m, x: m.logsumexp(x, dim=1), (A,)),
    "cumprod": (lambda m, x: m.cumprod(x, dim=1), (A,)),
    "gather": (lambda m, x: m.gather(x, 1, m.tensor(INDEX)), (A,)),
    "index_select": (lambda m, x: x.index_select(1, m.tensor([3, 0, 3])), (A,)),
    "masked_select": (lambda m, x: m.masked_select(x, x > 0.5), (A,)),
    "take": (lambda m, x: m.take(x, m.tensor([0, 5, 11])), (A,)),
    "narrow": (lambda m, x: x.narrow(1, 1, 2), (A,)),
    "unbind": (lambda m, x: m.unbind(x, 1)[2], (A,)),
    "flip": (lambda m, x: m.flip(x, [0, 1]), (A,)),
    "roll": (lambda m, x: x.roll(1, 1), (A,)),
    "tril": (lambda m, x: m.tril(x, -1), (A,)),
    "triu": (lambda m, x: x.triu(1), (A,)),
    "diag": (lambda m, x: m.diag(x[0]), (A,)),
    "tile": (lambda m, x: m.tile(x, (2, 1)), (A,)),
    "repeat_interleave": (lambda m, x: x.repeat_interleave(2, dim=0), (A,)),
    "movedim": (lambda m, x: m.movedim(x[None], 0, 2), (A,)),
    "diff": (lambda m, x: m.diff(x, dim=1), (A,)),
    "unflatten": (lambda m, x: x.unflatten(1, (2, 2)), (A,)),
    "mv": (lambda m, x: m.mv(x, x[0]), (SQUARE,)),
    "outer": (lambda m, x: m.outer(x[0], x[1]), (A,)),
    "inverse": (lambda m, x: m.inverse(x), (SQUARE,)),
    "det": (lambda m, x: x.det(), (SQUARE,)),
    "cross": (lambda m, x: m.cross(x, x.roll(1, 1), dim=1), (SQUARE,)),
    "cdist": (lambda m, x, y: m.cdist(x, y), (A, B)),
    "dist": (lambda m, x, y: m.dist(x, y), (A, B)),
    "tensordot": (lambda m, x, y: m.tensordot(x, y, dims=([1], [1])), (A, B)),
    "kron": (lambda m, x, y: m.kron(x[:2, :2], y[:2, :2]), (A, B)),
    "hstack": (lambda m, x, y: m.hstack([x, y]), (A, B)),
    "vstack": (lambda m, x, y: m.vstack([x, y]), (A, B)),
    "broadcast_to": (lambda m, x: m.broadcast_to(x[0], (2, 4)), (A,)),
    "clamp_min": (lambda m, x: m.clamp_min(x, 0.5), (A,)),
    "clamp_max": (lambda m, x: x.clamp_max(0.5), (A,)),
    "cartesian_prod": (lambda m, x, y: m.cartesian_prod(x[0], y[0]), (A, B)),
    "std_mean": (lambda m, x: m.std_mean(x, dim=1)[0], (A,)),
    "var_mean": (lambda m, x: m.var_mean(x, dim=0)[0], (A,)),
    "block_diag": (lambda m, x, y: m.block_diag(x, y), (A, B)),
    "isclose": (lambda m, x, y: m.isclose(x, x + 1e-9), (A, B)),
    "isnan": (lambda m, x: m.isnan(x.log() * 0 / 0), (A,)),
    "logical_and": (lambda m, x, y: m.logical_and(x > 0.5, y > 0.5), (A, B)),
    "nonzero": (lambda m, x: m.nonzero(x > 0.5), (A,)),
    "bincount": (lambda m, x: m.bincount(m.tensor([0, 2, 2, 5])), (A,)),
    "unique": (lambda m, x: m.unique(m.tensor([3, 1, 3, 2]), return_counts=True)[1], (A,)),
    "searchsorted": (lambda m, x: m.searchsorted(m.tensor([0.1, 0.5, 0.7]), x), (A,)),
    "bucketize": (lambda m, x: m.bucketize(x, m.tensor([0.3, 0.6]), right=True), (A,)),
    "scatter": (lambda m, x, y: x.scatter(1, m.tensor([[0, 1], [2, 3], [1, 0]]), y[:, :2]), (A, B)),
    "scatter_value": (lambda m, x: m.scatter(x, 0, m.tensor([[2, 0, 1, 1]]), 0.5), (A,)),
    "scatter_add": (lambda m, x, y: x.scatter_add(1, m.tensor(INDEX), y[:, :2]), (A, B)),
    "index_add": (lambda m, x, y: x.index_add(0, m.tensor([2, 0, 2]), y, alpha=2), (A, B)),
    "index_fill": (lambda m, x: m.index_fill(x, 1, m.tensor([0, 2]), -1.0), (A,)),
    "mT": (lambda m, x: x[None].mT, (A,)),
}
CONSTANT = {"sort_indices", "argsort", "isclose", "isnan", "logical_and", "nonzero", "bincount",
            "unique", "searchsorted", "bucketize"}


def _run(lib, name, dtype):
    call, inputs = CASES[name]
    xs = [lib.tensor(a.astype(dtype), requires_grad=name not in CONSTANT) for a in inputs]
    out = call(lib, *xs)
    grads = None
    if name not in CONSTANT:
        weights = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape))
                             .astype(dtype))
        (out * weights).sum().backward()
        grads = [x.grad.numpy() for x in xs]
    return out.detach().numpy(), grads


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_pytorch(name):
    torch = pytest.importorskip("torch")
    for dtype in (np.float64, np.float32):
        got, got_grads = _run(ad, name, dtype)
        want, want_grads = _run(torch, name, dtype)
        assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, want.dtype)
        tol = 1e-12 if dtype == np.float64 else 2e-6
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        if want_grads is not None:
            for g, w in zip(got_grads, want_grads):
                np.testing.assert_allclose(g, w, rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("name", sorted(set(CASES) - CONSTANT))
def test_derivatives_match_finite_differences(name):
    # the same calls through the reverse transforms, to second order (forward mode's Dual
    # values carry NumPy's methods, not PyTorch's)
    call, inputs = CASES[name]
    scale = 1.0 if name != "frac" else 0.3   # frac: finite differences away from its jumps
    as_tensors = lambda xs: [ad.as_tensor(x) if isinstance(x, np.ndarray) else x for x in xs]
    check_grads(lambda *xs: call(ad, *as_tensors(xs)), tuple(a * scale for a in inputs),
                modes=("rev",), order=2)


def test_in_place_updates_new_tensors_and_legacy_types():
    t = ad.zeros(2, 3)
    assert t.scatter_(1, ad.tensor([[0], [2]]), 1.0) is t and t.sum().item() == 2.0
    assert t.index_add_(0, ad.tensor([1]), ad.ones(1, 3)).sum().item() == 5.0
    assert t.masked_fill_(t > 1.5, -1.0).min().item() == -1.0
    w = ad.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.uniform_(-1, 1)                      # a leaf that requires grad, outside no_grad
    with ad.no_grad():
        w.uniform_(-1, 1)
    assert w.abs().max().item() <= 1 and w.requires_grad and w.is_leaf
    ad.manual_seed(0)
    assert ad.zeros(1000).normal_(2.0, 0.5).mean().item() == pytest.approx(2.0, abs=0.1)
    x = ad.ones(2, dtype=ad.float64)
    assert x.new_zeros(3).dtype == np.float64 and x.new_ones((2, 2)).shape == (2, 2)
    assert x.new_tensor([1, 2]).dtype == np.float64 and x.new_full((2,), 7.0).sum().item() == 14
    assert ad.FloatTensor([1, 2]).dtype == np.float32 and ad.LongTensor(2, 3).shape == (2, 3)
    assert ad.tensor([1, 2]).type(ad.FloatTensor).dtype == np.float32
    assert ad.ones(2, 3).shape == ad.Size([2, 3]) and repr(ad.Size([2])) == "Size([2])"
    assert x.is_floating_point() and not x.is_complex()


def test_out_writes_into_the_given_tensor():
    a, b = ad.ones(2, 2), ad.full((2, 2), 3.0)
    out = ad.zeros(2, 2)
    assert ad.mul(a, b, out=out) is out and float(out.sum()) == 12.0
    assert ad.add(a, b, alpha=2, out=out) is out and float(out[0, 0]) == 7.0
    with pytest.raises(RuntimeError, match="out="):
        ad.mul(a, b, out=ad.zeros(3))


def test_dtype_names_and_grad_fn():
    assert ad.float is np.float32 and ad.int is np.int32 and ad.half is np.float16
    assert ad.cdouble is np.complex128 and ad.rand(2, dtype=ad.float).dtype == np.float32
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad_fn is None and (x * 2).grad_fn.name() == "MultiplyBackward"
    with ad.no_grad():
        assert (x * 2).grad_fn is None


def test_nonzero_keeps_numpys_meaning_on_traced_values():
    def f(x):
        rows, cols = x.nonzero()        # NumPy's tuple, inside a transform
        return (x[rows, cols] ** 2).sum()
    np.testing.assert_allclose(ad.grad(f)(np.array([[0.0, 2.0], [3.0, 0.0]])),
                               [[0.0, 4.0], [6.0, 0.0]])


class Cube(ad.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x.clamp(min=-10) ** 3

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * ctx.scale * x ** 2, None


def test_function_on_the_imperative_face():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 2.0)
    np.testing.assert_allclose(y.detach().numpy(), [2.0, 16.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])


def test_function_serves_the_functional_transforms_to_second_order():
    f = lambda x: Cube.apply(x, 0.5)
    np.testing.assert_allclose(ad.grad(lambda x: f(x).sum())(np.array([1.0, 3.0])), [1.5, 13.5])
    check_grads(f, (np.array([0.7, -1.2]),), modes=("fwd", "rev"), order=1)
    check_grads(f, (np.array([0.7, -1.2]),), modes=("rev",), order=2)


def test_function_with_setup_context_and_a_wrong_count():
    class Double(ad.autograd.Function):
        @staticmethod
        def forward(x):
            return 2 * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.seen = len(inputs)

        @staticmethod
        def backward(ctx, g):
            assert ctx.seen == 1
            return 2 * g, None      # one too many

    x = ad.tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match="returned 2 gradients for 1 inputs"):
        Double.apply(x).backward()


def test_autograd_grad_leaves_dot_grad_alone():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h ** 2).sum()
    gx, gh = ad.autograd.grad(y, [x, h], retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), [18.0, 36.0])
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])
    assert x.grad is None
    (gx2,) = ad.autograd.grad([y, x.sum()], x)
    np.testing.assert_allclose(gx2.numpy(), [19.0, 37.0])
    z = ad.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        ad.autograd.grad((x * x).sum(), [x, z])
    assert ad.autograd.grad((x * x).sum(), [x, z], allow_unused=True)[1] is None
    with pytest.raises(NotImplementedError, match="create_graph"):
        ad.autograd.grad((x * x).sum(), x, create_graph=True)


def test_hooks_and_retained_gradients():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2)
    (y * y).sum().backward()
    np.testing.assert_allclose(seen[0], [6.0, 12.0])
    np.testing.assert_allclose(y.grad.numpy(), [12.0, 24.0])     # after the hook, as PyTorch
    np.testing.assert_allclose(x.grad.numpy(), [36.0, 72.0])
    assert y.retains_grad and not x.retains_grad
    handle.remove()
    x.grad = None
    leaf_handle = x.register_hook(lambda g: g + 1)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    leaf_handle.remove()
    with pytest.raises(RuntimeError, match="doesn't require"):
        ad.ones(2).register_hook(lambda g: g)


def test_autograd_functional_against_pytorch():
    torch = pytest.importorskip("torch")
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])

    def run(lib):
        F = lib.autograd.functional
        f = lambda t: (t.sin() * t ** 2).sum()
        g = lambda a, b: a.exp() * b
        t, w = lib.tensor(x), lib.tensor(v)
        return [F.jacobian(lambda s: s.sin() * s, t), F.hessian(f, t),
                F.jacobian(g, (t, w))[1], F.vjp(g, (t, w), w)[1][0], F.jvp(g, (t, w), (w, t))[1],
                F.hvp(f, t, w)[1], F.vhp(f, t, w)[1]]

    for got, want in zip(run(ad), run(torch)):
        np.testing.assert_allclose(np.asarray(got.numpy()), want.numpy(), rtol=1e-12)


def test_what_cannot_be_differentiated_raises():
    x = ad.tensor([1.0, 2.0, 1.0], requires_grad=True)
    with pytest.raises(TypeError, match="unique"):
        ad.unique(x)
    with pytest.raises(TypeError, match="unique"):
        ad.grad(lambda v: ad.unique(v).sum())(np.array([1.0, 2.0]))
    assert ad.unique(x.detach()).tolist() == [1.0, 2.0]
    # piecewise-constant results of differentiated inputs are plain integer/boolean tensors
    assert ad.argsort(x).dtype == np.int64 and ad.isnan(x).dtype == np.bool_


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "true_divide", "floor_divide",
                                  "remainder", "fmod", "maximum", "minimum", "atan2", "hypot",
                                  "logaddexp"])
def test_binary_functions_promote_as_pytorch(name):
    torch = pytest.importorskip("torch")
    scalar = 2.5 if name in ("add", "sub", "mul", "div", "true_divide", "floor_divide",
                             "remainder", "fmod") else None
    for make_a, make_b in [(lambda m: m.ones(3), lambda m: m.arange(1, 4)),
                           (lambda m: m.arange(1, 4), lambda m: scalar or m.tensor(2.5)),
                           (lambda m: m.ones(3), lambda m: m.tensor(2.0, dtype=m.float64))]:
        got = getattr(ad, name)(make_a(ad), make_b(ad))
        want = getattr(torch, name)(make_a(torch), make_b(torch))
        assert got.dtype == want.numpy().dtype, (name, got.dtype, want.dtype)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    for mode in ("trunc", "floor"):
        got = ad.div(ad.tensor([7, -7]), ad.tensor([2, 2]), rounding_mode=mode)
        want = torch.div(torch.tensor([7, -7]), torch.tensor([2, 2]), rounding_mode=mode)
        assert got.tolist() == want.tolist() and got.dtype == np.int64


def test_deepcopy_gives_models_their_own_parameters():
    import copy
    model = ad.nn.Sequential(ad.nn.Linear(2, 2), ad.nn.ReLU())
    twin = copy.deepcopy(model)
    twin(ad.ones(1, 2)).sum().backward()
    assert model[0].weight.grad is None and twin[0].weight.grad is not None
    assert isinstance(twin[0].weight, ad.nn.Parameter) and twin[0].weight.is_leaf
    with ad.no_grad():
        twin[0].weight += 1
    assert float((twin[0].weight - model[0].weight).min()) == 1.0
    x = ad.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
    assert copy.deepcopy(x).requires_grad


def test_bitwise_operators_on_masks():
    a, b = ad.tensor([True, False, True]), ad.tensor([True, True, False])
    assert (a & b).tolist() == [True, False, False] and (a | b).tolist() == [True, True, True]
    assert (a ^ b).tolist() == [False, True, True] and (~a).tolist() == [False, True, False]
    assert (True & a).tolist() == [True, False, True]
    assert (ad.arange(4) & 1).tolist() == [0, 1, 0, 1]
    x = ad.tensor([-0.5, 0.5, 2.0], requires_grad=True)
    ((x * ((x > 0) & (x < 1))).sum()).backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    o = ad.zeros(2)
    assert ad.matmul(ad.eye(2), ad.ones(2), out=o) is o and o.tolist() == [1.0, 1.0]


def test_recurrent_layers_take_packed_sequences():
    torch = pytest.importorskip("torch")
    seqs = [np.linspace(0, 1, 6).reshape(3, 2), np.array([[0.5, -0.5]])]

    def run(lib):
        lib.manual_seed(0)
        return lib.nn.LSTM(2, 3, dtype=lib.float64)

    mine, theirs = run(ad), run(torch)
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    out, (h, c) = mine(ad.nn.utils.rnn.pack_sequence([ad.tensor(s) for s in seqs]))
    t_out, (t_h, t_c) = theirs(torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs]))
    np.testing.assert_allclose(h.detach().numpy(), t_h.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.data.detach().numpy(), t_out.data.detach().numpy(),
                               rtol=1e-12)


def test_activation_layers_take_inplace_positionally():
    # nn.LeakyReLU(0.2, True), as the DCGAN tutorial writes it
    assert ad.nn.LeakyReLU(0.2, True)(ad.tensor([-1.0])).tolist() == [pytest.approx(-0.2)]
    assert ad.nn.ReLU6(True)(ad.tensor([7.0])).tolist() == [6.0]
    with pytest.raises(TypeError, match="at most"):
        ad.nn.LeakyReLU(0.2, True, 3)
