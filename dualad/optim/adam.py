"""Adam and AdamW (Kingma & Ba; Loshchilov & Hutter), with PyTorch's update rules."""
from __future__ import annotations

from .._core.backend import array_module
from .._kernels import TRAIN
from .optimizer import Optimizer, _check_nonnegative
from ..typing import Params


class Adam(Optimizer):
    """``torch.optim.Adam``: at step t, with ``g = grad + weight_decay * p``,
    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g**2`` and
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``.
    State: ``"step"``, ``"exp_avg"`` (m), ``"exp_avg_sq"`` (v). ``amsgrad`` (Reddi et al.)
    divides by the running maximum of v instead (state ``"max_exp_avg_sq"``; in NumPy, not
    the fused kernel)."""

    decoupled = False

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, b in enumerate(betas):
            if not 0 <= b < 1:
                raise ValueError(f"invalid beta parameter at index {i}: {b} (must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update(self, p, g, state, group):
        if not state:
            xp = array_module(p)
            state.update(step=0, exp_avg=xp.zeros_like(p), exp_avg_sq=xp.zeros_like(p))
            if group.get("amsgrad"):
                state["max_exp_avg_sq"] = xp.zeros_like(p)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        if group.get("amsgrad"):
            self._amsgrad_update(p, g, state, group, beta1, beta2)
            return
        TRAIN["adam_update"](p, g, state["exp_avg"], state["exp_avg_sq"], group["lr"], beta1,
                             beta2, group["eps"], group["weight_decay"], self.decoupled,
                             state["step"])


    def _amsgrad_update(self, p, g, state, group, beta1, beta2):
        xp = array_module(p)
        lr, wd, t = group["lr"], group["weight_decay"], state["step"]
        if wd and self.decoupled:
            p *= 1 - lr * wd
        elif wd:
            g = g + wd * p
        m, v, vmax = state["exp_avg"], state["exp_avg_sq"], state["max_exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        xp.maximum(vmax, v, out=vmax)
        denom = xp.sqrt(vmax) / (1 - beta2 ** t) ** 0.5 + group["eps"]
        p -= (lr / (1 - beta1 ** t) * m / denom).astype(p.dtype, copy=False)


class AdamW(Adam):
    """``torch.optim.AdamW``: Adam with decoupled weight decay, ``p *= 1 - lr * weight_decay``
    before the Adam step (and no decay term in the gradient); ``weight_decay`` 0.01."""

    decoupled = True

    def __init__(self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
