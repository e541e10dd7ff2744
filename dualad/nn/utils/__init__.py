"""``dualad.nn.utils``: gradient clipping and flattening parameters, as ``torch.nn.utils``.

They act on the gradients a ``backward()`` left in ``p.grad`` and on the parameters' arrays,
outside any tape (like an optimiser step)::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
"""
from __future__ import annotations

from typing import Iterable

import math

import numpy as np

from . import rnn  # noqa: F401  (nn.utils.rnn.pad_sequence)
from ..._core.backend import raw_value
from ..._core.tape import Tensor
from ...typing import Array, ArrayLike

__all__ = ["rnn", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Array:
    """Scale the gradients in place so that their total norm (all gradients as one vector)
    is at most ``max_norm``; returns the total norm before clipping (a tensor). The scale is
    ``max_norm / (total + 1e-6)``, applied only when below 1, as PyTorch does."""
    parameters = _params(parameters)        # once: a generator (model.parameters()) is spent
    grads = [raw_value(p.grad) for p in parameters if p.grad is not None]
    if not grads:
        return Tensor._make(np.array(0.0, np.float32), None, _imperative())
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        norms = [np.max(np.abs(g)) if np.size(g) else 0.0 for g in grads]
        total = max(norms)
    else:
        total = sum(float(np.sum(np.abs(g) ** norm_type)) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           "gradients is non-finite; set error_if_nonfinite=False to clip anyway")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for p in parameters:
            if p.grad is not None:
                g = raw_value(p.grad)
                p.grad._value = (g * coef).astype(g.dtype, copy=False)
    dtype = grads[0].dtype
    return Tensor._make(np.asarray(total, dtype=dtype), None, _imperative())


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            p.grad._value = np.clip(raw_value(p.grad), -clip_value, clip_value)


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (a copy, no gradient)."""
    arrays = [np.ravel(raw_value(p)) for p in _params(parameters)]
    return Tensor._make(np.concatenate(arrays) if arrays else np.zeros(0), None, _imperative())


def vector_to_parameters(vec: ArrayLike, parameters: Tensor | Iterable[Tensor]) -> None:
    """Copy consecutive pieces of the 1-D ``vec`` into the parameters, in place."""
    v = np.asarray(raw_value(vec))
    if v.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D vector, got shape {v.shape}")
    params = _params(parameters)
    need = sum(int(np.size(raw_value(p))) for p in params)
    if v.size != need:
        raise ValueError(f"vector_to_parameters: the vector has {v.size} elements, the "
                         f"parameters {need}")
    start = 0
    for p in params:
        target = raw_value(p)
        target[...] = v[start:start + target.size].reshape(target.shape)
        start += target.size


def _imperative():
    from ..._core.tape import IMPERATIVE
    return IMPERATIVE
