"""Escaped values behave as constants; arrays modified in place after the tape saved them are
detected at the sweep; dualad's own arrays are handed out read-only (docs/guarantees.md)."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad._core.dual import Dual
from dualad._core.tape import Tensor

# ------------------------------------------------------------------------------ escaped values


def test_escaped_tensor_from_grad_is_a_constant():
    leaked = []

    def f(x):
        y = dnp.sin(x)
        leaked.append(y)
        return dnp.sum(y)

    x = np.array([0.1, 0.2])
    ad.grad(f)(x)
    y = leaked[0]
    z = y * 2.0 + 1.0
    assert not isinstance(z, Tensor)
    np.testing.assert_allclose(z, 2 * np.sin(x) + 1)
    # inside a later transform the escaped value is a constant: d/dx (x * y) = y
    np.testing.assert_allclose(ad.grad(lambda x: dnp.sum(x * y))(x), np.sin(x))


def test_escaped_dual_from_jvp_is_a_constant():
    leaked = []

    def f(x):
        y = dnp.exp(x)
        leaked.append(y)
        return y

    x = np.array([0.5, 1.0])
    ad.jvp(f, (x,), (np.ones(2),))
    y = leaked[0]
    assert type(y) is Dual
    z = dnp.sin(y)
    assert not isinstance(z, Dual)
    np.testing.assert_allclose(z, np.sin(np.exp(x)))
    _, t = ad.jvp(lambda x: x * y, (x,), (np.ones(2),))
    np.testing.assert_allclose(t, np.exp(x))


def test_escaped_tensor_from_non_persistent_tape_is_a_constant():
    with ad.Tape() as tape:
        x = tape.watch(np.array([1.0, 2.0]))
        y = x * x
    tape.gradient(y, [x], np.ones(2))
    assert not isinstance(y * 3.0, Tensor)
    np.testing.assert_allclose(y * 3.0, [3.0, 12.0])


def test_escaped_tensor_from_vjp_after_use_is_a_constant():
    leaked = []
    _, pull = ad.vjp(lambda x: leaked.append(x * 2.0) or dnp.sum(leaked[-1]), np.ones(3))
    pull(np.array(1.0))
    assert not isinstance(leaked[0] + 1.0, Tensor)


# --------------------------------------------------------------------------------- mutation
def _tape_gradient_after(mutate, build):
    x0 = np.array([1.0, 2.0, 3.0])
    c = np.array([0.5, -1.0, 2.0])
    with ad.Tape() as tape:
        x = tape.watch(x0)
        y = build(x, c)
    mutate(x0, c)
    return tape.gradient(y, [x])


@pytest.mark.parametrize("mutate", [
    lambda x0, c: c.__setitem__(0, 7.0),
    lambda x0, c: c.sort(),
    lambda x0, c: np.multiply(c, 2, out=c),
    lambda x0, c: c.__setitem__(slice(None), c[::-1].copy()),
])
def test_modified_constant_operand_detected(mutate):
    with pytest.raises(RuntimeError, match=r"multiply: an array saved .*argument 1.*modified in "
                                           r"place"):
        _tape_gradient_after(mutate, lambda x, c: dnp.sum(x * c))


@pytest.mark.parametrize("mutate", [
    lambda x0, c: x0.__setitem__(1, 0.0),
    lambda x0, c: x0.fill(4.0),
    lambda x0, c: setattr(x0, "shape", (3, 1)),
])
def test_modified_watched_value_detected(mutate):
    with pytest.raises(RuntimeError, match="modified in place"):
        _tape_gradient_after(mutate, lambda x, c: dnp.sum(dnp.sin(x) * x))


def test_unmodified_arrays_and_unsaved_arrays_pass():
    g, = _tape_gradient_after(lambda x0, c: None, lambda x, c: dnp.sum(x * c))
    np.testing.assert_allclose(g, [0.5, -1.0, 2.0])
    # sin saves only its derivative, not x: modifying x afterwards changes nothing it needs
    g, = _tape_gradient_after(lambda x0, c: x0.fill(9.0), lambda x, c: dnp.sum(dnp.sin(x)))
    np.testing.assert_allclose(g, np.cos([1.0, 2.0, 3.0]))


def test_modified_constant_inside_grad_detected():
    c = np.array([1.0, 2.0])

    def f(x):
        y = x * c
        c[0] = 5.0          # the caller mutates an array the tape saved, mid-function
        return dnp.sum(y)

    with pytest.raises(RuntimeError, match="multiply"):
        ad.grad(f)(np.array([3.0, 4.0]))


def test_modified_array_detected_on_imperative_backward():
    c = np.array([1.0, 2.0])
    w = ad.tensor([3.0, 4.0], requires_grad=True)
    loss = dnp.sum(w * c)
    c *= 3
    with pytest.raises(RuntimeError, match="multiply"):
        loss.backward()


def test_persistent_tape_detects_modification_between_gradient_calls():
    x0 = np.array([1.0, 2.0])
    with ad.Tape(persistent=True) as tape:
        x = tape.watch(x0)
        y = dnp.sum(dnp.multiply(x, x))   # saves x itself (x * x would save only 2x)
    g1, = tape.gradient(y, [x])
    np.testing.assert_allclose(g1, [2.0, 4.0])
    x0[0] = -1.0
    with pytest.raises(RuntimeError, match="multiply"):
        tape.gradient(y, [x])


def test_vjp_reports_modified_input_on_later_pullback():
    x0 = np.array([0.3, 0.4])
    _, pull = ad.vjp(lambda x: dnp.multiply(x, x), x0)   # x * x would save only 2x
    pull(np.ones(2))
    x0 += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        pull(np.ones(2))


# ------------------------------------------------------------------------- read-only hand-outs
def test_tensor_numpy_is_read_only_view():
    t = ad.tensor([1.0, 2.0], requires_grad=True)
    y = dnp.exp(t)
    for a in (y.detach().numpy(), np.asarray(y.detach()), t.detach().numpy()):
        assert not a.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.exp([1.0, 2.0]))
    copy = y.detach().numpy().copy()
    copy[0] = 0.0
    assert np.array(y.detach(), copy=True).flags.writeable


def test_vjp_output_is_read_only():
    out, pull = ad.vjp(lambda x: dnp.exp(x), np.array([0.0, 1.0]))
    assert not out.flags.writeable
    with pytest.raises(ValueError):
        out *= 2
    np.testing.assert_allclose(pull(np.ones(2))[0], np.exp([0.0, 1.0]))


def test_dualad_never_modifies_callers_arrays():
    x = np.array([1.0, 2.0])
    c = np.array([3.0, 4.0])
    before = x.copy(), c.copy()
    ad.grad(lambda x: dnp.sum(x * c))(x)
    ad.tensor(x, requires_grad=True)
    assert x.flags.writeable and c.flags.writeable
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(c, before[1])
