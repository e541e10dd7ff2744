"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from .._core.backend import array_module
from .._kernels import TRAIN
from .optimizer import Optimizer, _check_nonnegative
from ..typing import Params


class SGD(Optimizer):
    """``torch.optim.SGD``: with ``g = grad + weight_decay * p``, the momentum buffer is
    ``b = momentum * b + (1 - dampening) * g`` (``b = g`` at the first step), the step direction
    is ``g + momentum * b`` with ``nesterov`` and ``b`` otherwise (``g`` without momentum), and
    ``p -= lr * direction``. State: ``"momentum_buffer"`` when momentum is used."""

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        _check_nonnegative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, p, g, state, group):
        momentum = group["momentum"]
        first = momentum != 0 and "momentum_buffer" not in state
        if first:
            state["momentum_buffer"] = array_module(p).zeros_like(p)
        TRAIN["sgd_update"](p, g, state.get("momentum_buffer"), group["lr"], momentum,
                            group["dampening"], group["nesterov"], group["weight_decay"], first)
