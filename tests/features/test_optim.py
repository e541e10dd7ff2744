"""dualad.optim: the first steps of every optimiser against the textbook update written out in
NumPy, state and state dicts, parameter groups, the schedulers, and the examples."""
import math

import numpy as np
import pytest

import dualad as ad
from dualad import nn, optim

STEPS = 5


def quadratic_grad(p):
    """Gradient of 0.5 * sum(A p**2) + sum(b p): changes from step to step, as in training."""
    return np.array([1.0, 3.0, 0.5]) * p + np.array([0.3, -0.2, 0.1])


def run(make_optimizer, dtype, steps=STEPS):
    """Parameter values after each of ``steps`` optimiser steps on the quadratic."""
    p = ad.tensor(np.array([1.0, -2.0, 0.5], dtype=dtype), requires_grad=True)
    opt = make_optimizer([p])
    values = []
    for _ in range(steps):
        p.grad = ad.tensor(quadratic_grad(p.detach().numpy()).astype(dtype))
        opt.step()
        values.append(p.detach().numpy().copy())
    return values, opt, p


def textbook(update, state, steps=STEPS):
    p = np.array([1.0, -2.0, 0.5])
    values = []
    for t in range(1, steps + 1):
        p = update(p, quadratic_grad(p), state, t)
        values.append(p)
    return values


def sgd(lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    def update(p, g, state, t):
        g = g + weight_decay * p
        if momentum:
            b = g if t == 1 else momentum * state["b"] + (1 - dampening) * g
            state["b"] = b
            g = g + momentum * b if nesterov else b
        return p - lr * g
    return update


def adam(lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    def update(p, g, state, t):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
        v = state["v"] = b2 * state.get("v", 0) + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return update


def rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    def update(p, g, state, t):
        g = g + weight_decay * p
        s = state["s"] = alpha * state.get("s", 0) + (1 - alpha) * g * g
        if centered:
            a = state["a"] = alpha * state.get("a", 0) + (1 - alpha) * g
            s = s - a * a
        step = g / (np.sqrt(s) + eps)
        if momentum:
            step = state["b"] = momentum * state.get("b", 0) + step
        return p - lr * step
    return update


CASES = [
    ("sgd", lambda ps: optim.SGD(ps, lr=0.1), sgd(0.1)),
    ("sgd_momentum", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), sgd(0.1, 0.9)),
    ("sgd_dampening_wd", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5,
                                              weight_decay=0.1), sgd(0.1, 0.9, 0.5, False, 0.1)),
    ("sgd_nesterov", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.8, nesterov=True),
     sgd(0.1, 0.8, nesterov=True)),
    ("adam", lambda ps: optim.Adam(ps, lr=0.1), adam(0.1)),
    ("adam_wd_betas", lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1),
     adam(0.05, 0.8, 0.9, weight_decay=0.1)),
    ("adamw", lambda ps: optim.AdamW(ps, lr=0.1), adam(0.1, weight_decay=0.01, decoupled=True)),
    ("rmsprop", lambda ps: optim.RMSprop(ps, lr=0.01), rmsprop(0.01)),
    ("rmsprop_centered_momentum_wd", lambda ps: optim.RMSprop(
        ps, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
     rmsprop(0.01, momentum=0.5, centered=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, update", CASES, ids=[c[0] for c in CASES])
def test_first_steps_match_the_textbook_update(name, make, update, dtype):
    got, _, p = run(make, dtype)
    want = textbook(update, {})
    assert p.dtype == dtype
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=2e-5, atol=1e-6)
    for step, (g, w) in enumerate(zip(got, want), 1):
        np.testing.assert_allclose(g, w, **tol, err_msg=f"{name}, step {step}")


def test_defaults_follow_pytorch():
    p = [ad.tensor(np.zeros(2), requires_grad=True)]
    assert optim.Adam(p).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                          weight_decay=0.0, amsgrad=False, maximize=False)
    assert optim.AdamW(p).defaults["weight_decay"] == 0.01
    rms = optim.RMSprop(p).defaults
    assert (rms["lr"], rms["alpha"], rms["eps"], rms["momentum"]) == (1e-2, 0.99, 1e-8, 0.0)
    assert optim.SGD(p).defaults["lr"] == 1e-3


def test_state_is_inspectable_and_steps_update_in_place():
    got, opt, p = run(lambda ps: optim.Adam(ps, lr=0.1), np.float64, steps=3)
    value = p._value
    state = opt.state[p]
    assert state["step"] == 3
    assert set(state) == {"step", "exp_avg", "exp_avg_sq"}
    assert state["exp_avg"].shape == p.shape
    p.grad = ad.tensor(np.ones(3))
    opt.step()
    assert p._value is value and p.is_leaf and p.requires_grad


def test_state_dict_round_trips_and_resumes_identically():
    make = lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True)  # noqa: E731
    _, opt, p = run(make, np.float64, steps=3)
    saved, saved_p = opt.state_dict(), p.detach().numpy().copy()
    assert saved["param_groups"][0]["params"] == [0]
    assert set(saved["state"][0]) == {"step", "square_avg", "grad_avg", "momentum_buffer"}
    q = ad.tensor(saved_p, requires_grad=True)
    resumed = make([q])
    resumed.load_state_dict(saved)
    opt.state[p]["square_avg"][:] += 1.0                 # the saved copy is independent
    resumed.state[q]["square_avg"][:] += 1.0
    for _ in range(2):
        for t, o in ((p, opt), (q, resumed)):
            t.grad = ad.tensor(quadratic_grad(t.detach().numpy()))
            o.step()
    np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert resumed.state[q]["step"] == 5
    bad = opt.state_dict()
    bad["state"][0]["square_avg"] = np.zeros(4)
    with pytest.raises(ValueError, match="has shape"):
        resumed.load_state_dict(bad)


def test_zero_grad_and_parameters_without_gradient():
    a = ad.tensor(np.ones(2), requires_grad=True)
    b = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([a, b], lr=1.0)
    (a * 3.0).sum().backward()
    opt.step()                                            # b has no gradient: left alone
    np.testing.assert_array_equal(a.detach().numpy(), [-2, -2])
    np.testing.assert_array_equal(b.detach().numpy(), [1, 1])
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0, 0])
    opt.zero_grad()
    assert a.grad is None


def test_parameter_groups_and_closure():
    a = ad.tensor(np.ones(2), requires_grad=True)
    b = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum() + (b * b).sum()
        loss.backward()
        return loss

    with ad.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    np.testing.assert_allclose(a.detach().numpy(), [0.8, 0.8])
    np.testing.assert_allclose(b.detach().numpy(), [0.0, 0.0])


def test_float32_model_refuses_float64_inputs_and_keeps_float32_parameters():
    nn.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters())
    with pytest.raises(RuntimeError, match="must be the same"):   # PyTorch raises too
        model(np.ones((4, 3)))
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    nn.functional.mse_loss(model(x), y).backward()
    opt.step()
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_errors_name_the_mistake():
    p = ad.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="leaf tensor with requires_grad=True"):
        optim.Adam([p * 2])
    with pytest.raises(ValueError, match="invalid lr"):
        optim.SGD([p], lr=-1.0)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


# ------------------------------------------------------------------------------ schedulers
def test_step_lr():
    opt = optim.SGD([ad.tensor(np.ones(1), requires_grad=True)], lr=1.0)
    sched = optim.StepLR(opt, step_size=3, gamma=0.5)
    lrs = []
    for _ in range(8):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    assert lrs == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert sched.get_last_lr() == [0.25]


def test_cosine_annealing_lr_and_its_state_dict():
    opt = optim.SGD([ad.tensor(np.ones(1), requires_grad=True)], lr=0.1)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    lrs = []
    for _ in range(11):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    want = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(lrs, want, rtol=1e-14)
    state = sched.state_dict()
    assert state["last_epoch"] == 11 and "optimizer" not in state
    other = optim.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    other.load_state_dict(state)
    other.step()
    assert other.last_epoch == 12


# ------------------------------------------------------------------------------ examples
def test_linear_regression_example_converges_to_two(capsys):
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).parents[2] / "examples" / "linear_regression.py"
    spec = importlib.util.spec_from_file_location("linear_regression", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    w_sgd, w_adam = example.main()
    assert abs(w_sgd - 2.0) < 1e-6 and abs(w_adam - 2.0) < 1e-4
    assert "learnt w" in capsys.readouterr().out
