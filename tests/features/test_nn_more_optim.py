"""The optimisers and learning-rate schedulers added for tutorial ports, against PyTorch: the
same parameters, gradients and hyper-parameters give the same trajectories (float64, to
~1e-10), and the schedulers the same rates, step by step."""
import numpy as np
import pytest

import dualad as ad

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((5, 4))
B = RNG.standard_normal(5)


def _loss(lib, p):
    r = lib.matmul(lib.tensor(A) if lib is torch else ad.tensor(A), p) - (
        torch.tensor(B) if lib is torch else ad.tensor(B))
    return (r * r).sum() + lib.sin(p * 3.0).sum()


def _trajectory(lib, name, options, steps=12):
    p = (torch.tensor if lib is torch else ad.tensor)(np.linspace(-1.0, 1.0, 4),
                                                       requires_grad=True)
    opt = getattr(lib.optim, name)([p], **options)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, p).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out), opt


@pytest.mark.parametrize("name, options", [
    ("RAdam", dict(lr=0.05)), ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05)), ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adamax", dict()), ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Rprop", dict()), ("Rprop", dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("AdamW", dict(lr=0.05)), ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, amsgrad=True, weight_decay=0.2, maximize=True)),
])
def test_optimizers_match_torch(name, options):
    got, opt = _trajectory(ad, name, options)
    want, topt = _trajectory(torch, name, options)
    # (NAdam keeps PyTorch's mu_product as a float32 scalar: a few 1e-8)
    tol = 1e-6 if name == "NAdam" else 1e-10
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    saved = opt.state_dict()["state"][0]
    assert set(saved) >= set(topt.state_dict()["state"][0]) - {"mu_product"}


def _rates(lib, build, steps=14):
    p = (torch.tensor if lib is torch else ad.tensor)(np.zeros(2), requires_grad=True)
    opt = lib.optim.SGD([p], lr=1.0, momentum=0.9)
    sched = build(lib.optim.lr_scheduler, opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out, opt


SCHEDULES = {
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4),
    "LinearLR-down": lambda s, o: s.LinearLR(o, 1.0, 0.1, total_iters=6),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=3),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=8, power=2.0),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.95),
    "WarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, eta_min=0.01),
    "WarmRestarts-mult": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
    "CyclicLR": lambda s, o: s.CyclicLR(o, 0.1, 1.0, step_size_up=3, step_size_down=2),
    "CyclicLR-tri2": lambda s, o: s.CyclicLR(o, 0.1, 1.0, step_size_up=2,
                                             mode="triangular2"),
    "CyclicLR-exp": lambda s, o: s.CyclicLR(o, 0.1, 1.0, step_size_up=2, mode="exp_range",
                                            gamma=0.9),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, 0.1, total_iters=3), s.ExponentialLR(o, gamma=0.8)],
        milestones=[3]),
    "SequentialLR-3": lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o, 0.5, total_iters=2), s.StepLR(o, 2, 0.5),
            s.CosineAnnealingLR(o, T_max=5)], milestones=[2, 7]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, factor=0.1, total_iters=2), s.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-3": lambda s, o: s.ChainedScheduler(
        [s.LinearLR(o, 0.5, total_iters=3), s.StepLR(o, 3, 0.5),
         s.MultiStepLR(o, [5, 9], 0.1)]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedulers_match_torch(name):
    got, opt = _rates(ad, SCHEDULES[name])
    want, topt = _rates(torch, SCHEDULES[name])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    if name.startswith("CyclicLR"):           # the momentum cycles inversely
        assert opt.param_groups[0]["momentum"] == pytest.approx(
            topt.param_groups[0]["momentum"])


def test_warm_restarts_take_fractional_epochs_as_torch():
    def run(lib):
        p = (torch.tensor if lib is torch else ad.tensor)(np.zeros(1), requires_grad=True)
        opt = lib.optim.SGD([p], lr=1.0)
        s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        out = []
        for epoch in range(5):
            for i in range(3):
                s.step(epoch + i / 3)
                out.append(opt.param_groups[0]["lr"])
        return out
    np.testing.assert_allclose(run(ad), run(torch), rtol=1e-12)
