"""Adagrad (Duchi et al.), with PyTorch's update rule and options."""
from __future__ import annotations

from .._core.backend import array_module
from .optimizer import Optimizer, _check_nonnegative
from ..typing import Params


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``: at step t, with ``g = grad + weight_decay * p``,
    ``sum += g**2`` and ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)``.
    State: ``"step"``, ``"sum"`` (starting at ``initial_accumulator_value``).

    The update runs in NumPy, in place (no fused kernel yet)."""

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _update(self, p, g, state, group):
        xp = array_module(p)
        if not state:
            state.update(step=0, sum=xp.full_like(p, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += g * g
        p -= (clr * g / (xp.sqrt(total) + group["eps"])).astype(p.dtype, copy=False)
