"""RAdam, NAdam, Adamax, Adadelta and Rprop, with ``torch.optim``'s update rules, defaults and
state names (the single-tensor formulas of PyTorch 2). The updates run in NumPy (or the
parameters' array module), in place."""
from __future__ import annotations

import math

from .._core.backend import array_module
from .optimizer import Optimizer, _check_nonnegative
from ..typing import Params

__all__ = ["RAdam", "NAdam", "Adamax", "Adadelta", "Rprop"]


def _check_betas(betas):
    for i, b in enumerate(betas):
        if not 0 <= b < 1:
            raise ValueError(f"invalid beta parameter at index {i}: {b} (must be in [0, 1))")
    return tuple(betas)


def _moments(p, g, state, beta1, beta2):
    """The first and second moment averages, updated in place."""
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    return m, v


def _decay(p, g, group):
    """Weight decay: coupled (added to the gradient) or decoupled (the parameter shrunk)."""
    wd = group["weight_decay"]
    if not wd:
        return g
    if group.get("decoupled_weight_decay"):
        p *= 1 - group["lr"] * wd
        return g
    return g + wd * p


class Adamax(Optimizer):
    """``torch.optim.Adamax`` (Adam with the infinity norm): ``m = beta1 m + (1 - beta1) g``,
    ``u = max(beta2 u, |g| + eps)``, ``p -= lr / (1 - beta1**t) * m / u``. State: ``"step"``,
    ``"exp_avg"``, ``"exp_inf"``.

    >>> w = nn.Parameter(np.array([1.0])); opt = optim.Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.9], dtype=float64, requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p, g, state, group):
        xp = array_module(p)
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(p), exp_inf=xp.zeros_like(p))
        state["step"] += 1
        beta1, beta2 = group["betas"]
        g = _decay(p, g, group)
        m, u = state["exp_avg"], state["exp_inf"]
        m *= beta1
        m += (1 - beta1) * g
        xp.maximum(u * beta2, xp.abs(g) + group["eps"], out=u)
        clr = group["lr"] / (1 - beta1 ** state["step"])
        p -= (clr * m / u).astype(p.dtype, copy=False)


class Adadelta(Optimizer):
    """``torch.optim.Adadelta``: ``v = rho v + (1 - rho) g**2``,
    ``d = sqrt(a + eps) / sqrt(v + eps) * g``, ``a = rho a + (1 - rho) d**2``,
    ``p -= lr d``. State: ``"step"``, ``"square_avg"``, ``"acc_delta"``.

    >>> w = nn.Parameter(np.array([1.0])); opt = optim.Adadelta([w])
    >>> (w * w).sum().backward(); opt.step(); bool(w.item() < 1.0)
    True
    """

    def __init__(self, params: Params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0 <= rho <= 1:
            raise ValueError(f"invalid rho value: {rho} (must be in [0, 1])")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p, g, state, group):
        xp = array_module(p)
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(p), acc_delta=xp.zeros_like(p))
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        g = _decay(p, g, group)
        v, a = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * g * g
        delta = xp.sqrt(a + eps) / xp.sqrt(v + eps) * g
        a *= rho
        a += (1 - rho) * delta * delta
        p -= (group["lr"] * delta).astype(p.dtype, copy=False)


class RAdam(Optimizer):
    """``torch.optim.RAdam`` (rectified Adam, Liu et al.): Adam's moments, and while the
    variance of the adaptive rate is intractable (``rho_t <= 5``) a plain momentum step;
    ``decoupled_weight_decay`` as AdamW. State: ``"step"``, ``"exp_avg"``, ``"exp_avg_sq"``.

    >>> w = nn.Parameter(np.array([1.0])); opt = optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.8], dtype=float64, requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
                 maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, p, g, state, group):
        xp = array_module(p)
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(p), exp_avg_sq=xp.zeros_like(p))
        state["step"] += 1
        t = state["step"]
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        g = _decay(p, g, group)
        m, v = _moments(p, g, state, beta1, beta2)
        bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
        corrected = m / bc1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bc2
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step = corrected * lr * (math.sqrt(bc2) / (xp.sqrt(v) + group["eps"])) * rect
        else:
            step = corrected * lr
        p -= step.astype(p.dtype, copy=False)


class NAdam(Optimizer):
    """``torch.optim.NAdam`` (Adam with Nesterov momentum, Dozat), with PyTorch's momentum
    schedule ``mu_t = beta1 (1 - 0.5 * 0.96**(t momentum_decay))``; ``decoupled_weight_decay``
    as AdamW. State: ``"step"``, ``"mu_product"``, ``"exp_avg"``, ``"exp_avg_sq"``.

    >>> w = nn.Parameter(np.array([1.0])); opt = optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); bool(w.item() < 1.0)
    True
    """

    def __init__(self, params: Params, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, eps=eps, weight_decay=weight_decay,
                           momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, p, g, state, group):
        xp = array_module(p)
        if not state:
            state.update(step=0, mu_product=1.0, exp_avg=xp.zeros_like(p),
                         exp_avg_sq=xp.zeros_like(p))
        state["step"] += 1
        t = state["step"]
        beta1, beta2 = group["betas"]
        lr, decay = group["lr"], group["momentum_decay"]
        g = _decay(p, g, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = _moments(p, g, state, beta1, beta2)
        denom = xp.sqrt(v / (1 - beta2 ** t)) + group["eps"]
        step = (lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
        step = step + (lr * mu_next / (1.0 - mu_product * mu_next)) * m / denom
        p -= step.astype(p.dtype, copy=False)


class Rprop(Optimizer):
    """``torch.optim.Rprop`` (resilient backpropagation): each element's step size grows by
    ``etas[1]`` while its gradient keeps its sign and shrinks by ``etas[0]`` when it flips
    (that step is then skipped), within ``step_sizes``; ``p -= sign(g) * step``. State:
    ``"step"``, ``"prev"``, ``"step_size"``.

    >>> w = nn.Parameter(np.array([1.0])); opt = optim.Rprop([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.9], dtype=float64, requires_grad=True)
    """

    def __init__(self, params: Params, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50.0),
                 maximize: bool = False) -> None:
        _check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"invalid eta values: {etas} (need 0 < etas[0] < 1 < etas[1])")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      maximize=maximize))

    def _update(self, p, g, state, group):
        xp = array_module(p)
        if not state:
            state.update(step=0, prev=xp.zeros_like(p),
                         step_size=xp.full_like(p, group["lr"]))
        state["step"] += 1
        eta_minus, eta_plus = group["etas"]
        low, high = group["step_sizes"]
        sign = xp.sign(g * state["prev"])
        factor = xp.where(sign > 0, eta_plus, xp.where(sign < 0, eta_minus, 1.0))
        size = state["step_size"]
        xp.clip(size * factor.astype(p.dtype), low, high, out=size)
        g = xp.where(sign < 0, 0, g).astype(p.dtype, copy=False)
        p -= xp.sign(g) * size
        state["prev"][...] = g
