"""Adagrad, LBFGS and the learning-rate schedulers against PyTorch's formulas, written out by
hand here (and against PyTorch itself when it is installed: tests/features/test_torch_parity.py)."""
import math

import numpy as np
import pytest

from dualad import nn, optim
from dualad.optim import lr_scheduler

R = np.random.default_rng(0)


def _param(values):
    return nn.Parameter(np.array(values, dtype=np.float64))


def _quadratic_grad(p, a):
    p.grad = None
    (0.5 * a * p * p).sum().backward()


def test_adagrad_matches_the_formula():
    a = np.array([1.0, 3.0, -0.5])
    p = _param([1.0, -2.0, 0.5])
    opt = optim.Adagrad([p], lr=0.1, lr_decay=0.01, weight_decay=0.05,
                        initial_accumulator_value=0.2, eps=1e-10)
    x, total = p.detach().numpy().copy(), np.full(3, 0.2)
    for t in range(1, 6):
        _quadratic_grad(p, a)
        opt.step()
        g = a * x + 0.05 * x
        total += g * g
        x = x - 0.1 / (1 + (t - 1) * 0.01) * g / (np.sqrt(total) + 1e-10)
        np.testing.assert_allclose(p.detach().numpy(), x, rtol=1e-13)
    assert opt.state[p]["step"] == 5
    np.testing.assert_allclose(opt.state[p]["sum"], total, rtol=1e-13)


def _rosenbrock_closure(p, opt):
    def closure():
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss
    return closure


def np_lbfgs(f_and_g, x, lr=1.0, max_iter=20, history=100, tol_grad=1e-7, tol_change=1e-9):
    """PyTorch's L-BFGS without line search (one step() call), written out."""
    max_eval = max_iter * 5 // 4
    loss, g = f_and_g(x)
    evals = 1
    if np.abs(g).max() <= tol_grad:
        return x
    dirs, stps, ro = [], [], []
    g_prev = t = None   # set at the end of each iteration, read in the next
    for n in range(1, max_iter + 1):
        if n == 1:
            d, h = -g, 1.0
        else:
            y, s = g - g_prev, d * t
            ys = y @ s
            if ys > 1e-10:
                dirs.append(y)
                stps.append(s)
                ro.append(1 / ys)
                h = ys / (y @ y)
            q = -g
            al = [0.0] * len(dirs)
            for i in reversed(range(len(dirs))):
                al[i] = (stps[i] @ q) * ro[i]
                q = q - al[i] * dirs[i]
            d = q * h
            for i in range(len(dirs)):
                d = d + (al[i] - (dirs[i] @ d) * ro[i]) * stps[i]
        g_prev, loss_prev = g, loss
        t = min(1.0, 1.0 / np.abs(g).sum()) * lr if n == 1 else lr
        if g @ d > -tol_change:
            break
        x = x + t * d
        if n != max_iter:
            loss, g = f_and_g(x)
            evals += 1
        if n == max_iter or evals >= max_eval or np.abs(g).max() <= tol_grad:
            break
        if np.abs(d * t).max() <= tol_change or abs(loss - loss_prev) < tol_change:
            break
    return x


def test_lbfgs_without_line_search_follows_pytorch_algorithm():
    def f_and_g(v):
        x, y = v
        return ((1 - x) ** 2 + 100 * (y - x * x) ** 2,
                np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]))

    p = _param([-1.2, 1.0])
    opt = optim.LBFGS([p], lr=0.5, max_iter=10)
    first = opt.step(_rosenbrock_closure(p, opt))
    assert first.item() == pytest.approx(24.2)
    np.testing.assert_allclose(p.detach().numpy(), np_lbfgs(f_and_g, np.array([-1.2, 1.0]),
                                                            lr=0.5, max_iter=10), rtol=1e-10)


def test_lbfgs_strong_wolfe_minimises_rosenbrock():
    p = _param([-1.2, 1.0])
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe", max_iter=100)
    for _ in range(3):
        opt.step(_rosenbrock_closure(p, opt))
    np.testing.assert_allclose(p.detach().numpy(), [1.0, 1.0], atol=1e-4)
    assert opt.state[p]["func_evals"] < 200


def test_lbfgs_trains_a_small_model():
    nn.manual_seed(0)
    model = nn.Linear(3, 1, dtype=np.float64)
    x = R.standard_normal((20, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    opt = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    assert closure().item() < 1e-9
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [model.weight]}, {"params": [model.bias]}])


def _rates(scheduler, opt, n):
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return out


def _opt(lr=0.1, cls=optim.SGD, **kw):
    return cls([_param([1.0])], lr=lr, **kw)


def test_multistep_exponential_and_lambda_formulas():
    opt = _opt()
    assert _rates(lr_scheduler.MultiStepLR(opt, [2, 5], gamma=0.5), opt, 7) == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025])
    opt = _opt()
    assert _rates(lr_scheduler.ExponentialLR(opt, 0.9), opt, 4) == pytest.approx(
        [0.1 * 0.9 ** e for e in range(4)])
    opt = _opt()
    assert _rates(lr_scheduler.LambdaLR(opt, lambda e: 1 / (e + 1)), opt, 4) == pytest.approx(
        [0.1 / (e + 1) for e in range(4)])


def test_one_cycle_formula_and_momentum():
    opt = _opt(cls=optim.SGD, momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs, moms = [], []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()

    def cos(start, end, pct):
        return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)

    up = 0.3 * 10 - 1
    want = [cos(0.04, 1.0, s / up) if s <= up else cos(1.0, 0.04 / 1e4, (s - up) / (9 - up))
            for s in range(10)]
    want_m = [cos(0.95, 0.85, s / up) if s <= up else cos(0.85, 0.95, (s - up) / (9 - up))
              for s in range(10)]
    assert lrs == pytest.approx(want) and moms == pytest.approx(want_m)
    adam = _opt(cls=optim.Adam)
    lr_scheduler.OneCycleLR(adam, max_lr=0.01, epochs=2, steps_per_epoch=5,
                            anneal_strategy="linear")
    assert adam.param_groups[0]["betas"][0] == 0.95
    assert adam.param_groups[0]["lr"] == pytest.approx(0.01 / 25)


def test_reduce_lr_on_plateau():
    opt = _opt(lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1,
                                           min_lr=0.2)
    lrs = []
    for metric in [5, 4] + [4] * 12:
        sched.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
    # bad epochs 1, 2, 3 > patience: halve; one cooldown epoch; never below min_lr
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2]
    sched_max = lr_scheduler.ReduceLROnPlateau(_opt(lr=1.0), mode="max", patience=0)
    sched_max.step(1.0)
    sched_max.step(1.00001)                      # not better by the relative threshold 1e-4
    assert sched_max.get_last_lr() == [pytest.approx(0.1)]


def test_frozen_parameters_are_accepted_and_skipped():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Embedding.from_pretrained(np.eye(3, dtype=np.float32)),
                          nn.Linear(3, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)                  # the frozen table included
    frozen = model[0].weight.detach().numpy().copy()
    model(np.array([0, 2])).sum().backward()
    opt.step()
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), frozen)
    assert model[0].weight.grad is None and model[1].weight.grad is not None
