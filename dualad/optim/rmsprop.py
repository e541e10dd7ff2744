"""RMSprop (Hinton), with PyTorch's update rule and options."""
from __future__ import annotations

from .._core.backend import array_module
from .._kernels import TRAIN
from .optimizer import Optimizer, _check_nonnegative
from ..typing import Params


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``: with ``g = grad + weight_decay * p``,
    ``s = alpha s + (1 - alpha) g**2``; ``centered`` also tracks ``a = alpha a + (1 - alpha) g``
    and uses ``s - a**2``; the step is ``g / (sqrt(s) + eps)``, through a momentum buffer
    ``b = momentum b + step`` when ``momentum`` > 0, and ``p -= lr * step``.
    State: ``"step"``, ``"square_avg"``, and ``"grad_avg"`` / ``"momentum_buffer"`` when used."""

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                           momentum=momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, p, g, state, group):
        if not state:
            state.update(step=0, square_avg=array_module(p).zeros_like(p))
        if group["momentum"] > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = array_module(p).zeros_like(p)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = array_module(p).zeros_like(p)
        state["step"] += 1
        TRAIN["rmsprop_update"](p, g, state["square_avg"], state.get("grad_avg"),
                                state.get("momentum_buffer"), group["lr"], group["alpha"],
                                group["eps"], group["weight_decay"], group["momentum"],
                                group["centered"])
