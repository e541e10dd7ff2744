"""The ``reduction=`` of PyTorch's losses, written once for every loss."""
from __future__ import annotations

from .. import numpy as dnp
from ..typing import Array, ArrayLike

REDUCTIONS = ("mean", "sum", "none")


def reduce(loss: ArrayLike, reduction: str, what: str) -> Array:
    """``loss`` averaged, summed or left as it is; ``what`` names the loss in the error."""
    if reduction == "mean":
        return dnp.mean(loss)
    if reduction == "sum":
        return dnp.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{what}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
