"""PyTorch's type promotion on the imperative face (``dualad/_torch_promotion.py``): every
operator, reflected and in place, on tensors of bool, int32, int64, float32 and float64 (with
dimensions and 0-d), NumPy arrays and Python and NumPy numbers, compared with PyTorch itself
(dtype and values); and NumPy's promotion kept for the values the transforms trace."""
import itertools
import operator

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad._torch_promotion import promote_types, result_type

DTYPES = ["bool", "int32", "int64", "float32", "float64"]
OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
             "<": operator.lt, "==": operator.eq, ">=": operator.ge}
IN_PLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
            "/=": operator.itruediv}


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _array(dtype, zero_dim):
    """Values that no operator refuses: no zero divisors, small exponents."""
    return np.asarray(np.asarray(2 if zero_dim else [1, 2, 3]).astype(dtype))


TENSORS = [(f"{d}{' 0-d' if z else ''}", _array(d, z))
           for d in DTYPES for z in (False, True)]
NUMBERS = [("int", 2), ("float", 2.5), ("bool", True), ("np.float64", np.float64(2.5)),
           ("np.int32", np.int32(2))]


def _outcome(fn):
    try:
        return fn(), None
    except (TypeError, RuntimeError, ValueError, NotImplementedError) as e:
        return None, e


def _mismatches(torch, op, left, right, reflected=False, in_place=False):
    """``left (op) right`` on both libraries (``left``: an array made a tensor of each;
    ``right``: an array, a tensor of each library where ``as_tensor``, or a number)."""
    found = []
    for (lname, a), (rname, b) in itertools.product(left, right):
        if isinstance(b, tuple):                       # ("tensor", array): a tensor of each
            ours_b, theirs_b = ad.tensor(b[1]), torch.from_numpy(b[1])
        elif isinstance(b, np.ndarray):                # an array: torch sees a tensor
            ours_b, theirs_b = b, torch.from_numpy(b)
        else:
            ours_b = theirs_b = b
        ours_a, theirs_a = ad.tensor(a), torch.from_numpy(a.copy())
        args = (lambda x, y: (y, x)) if reflected else (lambda x, y: (x, y))
        want, refused = _outcome(lambda: op(*args(theirs_a, theirs_b)))
        if refused is not None:     # PyTorch refuses (bool subtraction …): not a promotion
            continue
        if op is operator.pow and want.dtype == torch.bool:
            continue                # bool ** bool: NumPy has no boolean power (int8), rare
        got, error = _outcome(lambda: op(*args(ours_a, ours_b)))
        case = f"{'reflected ' if reflected else ''}{lname} and {rname}"
        if error is not None:
            found.append(f"{case}: raised {error!r}")
            continue
        if in_place and got is not ours_a:
            found.append(f"{case}: not in place")
        want_dtype = str(want.dtype).split(".")[-1]
        if type(got) is not ad.Tensor or str(got.dtype) != want_dtype:
            found.append(f"{case}: {type(got).__name__} of {got.dtype}, PyTorch {want_dtype}")
            continue
        # PyTorch computes ``number / t`` as ``t.reciprocal() * number``: float rounding apart
        exact = not (reflected and op is operator.truediv)
        got, want = np.asarray(got.numpy(), float), want.numpy().astype(float)
        if not (np.array_equal(got, want) if exact else np.allclose(got, want, rtol=1e-6)):
            found.append(f"{case}: values {got}, PyTorch {want}")
    return found


@pytest.mark.parametrize("symbol", list(OPERATORS))
def test_operators_promote_as_pytorch(torch, symbol):
    op = OPERATORS[symbol]
    tensors = [(name, ("tensor", a)) for name, a in TENSORS]
    arrays = [(f"np {name}", a) for name, a in TENSORS]
    found = _mismatches(torch, op, TENSORS, tensors + arrays + NUMBERS)
    found += _mismatches(torch, op, TENSORS, arrays + NUMBERS, reflected=True)
    assert not found, f"{symbol}:\n" + "\n".join(found)


@pytest.mark.parametrize("symbol", list(IN_PLACE))
def test_in_place_operators_promote_and_refuse_as_pytorch(torch, symbol):
    op = IN_PLACE[symbol]
    tensors = [(name, ("tensor", a)) for name, a in TENSORS]
    found = _mismatches(torch, op, TENSORS, tensors + NUMBERS, in_place=True)
    assert not found, f"{symbol}:\n" + "\n".join(found)
    with pytest.raises(RuntimeError, match="can't be cast"):
        op(ad.arange(3), 0.5)     # PyTorch: result type Float can't be cast to Long


def test_in_place_methods_compute_in_pytorchs_dtype(torch):
    def run(m):
        x = m.ones(3)
        x.add_(m.tensor([1, 2, 3]))
        x.mul_(m.tensor(0.1, dtype=m.float64))      # a 0-d float64 tensor: float32 arithmetic
        return x

    got, want = run(ad), run(torch)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("a, b", itertools.combinations_with_replacement(
    DTYPES + ["uint8", "int8", "int16", "float16", "complex64", "complex128"], 2))
def test_promote_types_is_pytorchs_table(torch, a, b):
    want = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert promote_types(a, b) == np.dtype(str(want).split(".")[-1])


def test_result_type_ranks_operands_as_pytorch(torch):
    for (_, a), (_, b) in itertools.product(TENSORS, TENSORS + NUMBERS):
        theirs_b = torch.from_numpy(b) if isinstance(b, np.ndarray) else b
        want = torch.result_type(torch.from_numpy(a), theirs_b)
        ours_b = ad.tensor(b) if isinstance(b, np.ndarray) else b
        assert result_type(ad.tensor(a), ours_b) == np.dtype(str(want).split(".")[-1]), (a, b)


def test_gradients_flow_through_the_casts_in_their_dtypes(torch):
    def run(m):
        w = m.ones(3, requires_grad=True)
        s = m.tensor(2.0, dtype=m.float64, requires_grad=True)
        out = (w * m.arange(3) + s * w).sum()       # float32, s cast to float32
        out.backward()
        return out, w.grad, s.grad

    for got, want in zip(run(ad), run(torch)):
        assert str(got.dtype) == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)


def test_the_default_dtype_is_what_integers_meet_floats_in():
    ad.set_default_dtype(ad.float64)
    try:
        assert (ad.arange(3) * 0.5).dtype == np.float64
        assert (ad.arange(3) / ad.arange(1, 4)).dtype == np.float64
    finally:
        ad.set_default_dtype(ad.float32)
    assert (ad.arange(3) / ad.arange(1, 4)).dtype == np.float32


def test_values_traced_by_transforms_keep_numpys_promotion():
    seen = []

    def f(x):
        ys = [x * np.arange(3), x + np.float64(1.0), np.arange(3) * x, x / np.arange(1, 4)]
        seen.extend(y.dtype for y in ys)
        return dnp.sum(ys[0])

    x = np.ones(3, np.float32)
    ad.grad(f)(x)
    ad.jvp(f, (x,), (x,))
    assert seen == [np.float64] * 8     # NEP 50, as the same code on plain arrays

    assert (ad.tensor(np.arange(3)) * 0.5).dtype == np.float32     # the imperative face
