"""Ranking, embedding and likelihood losses of ``dualad.nn.functional``, with PyTorch's
definitions, signatures and defaults (``reduction="mean"``, ``"sum"`` or ``"none"``),
composed from ``dualad.numpy`` operations."""
from __future__ import annotations

import math

import numpy as np

from .. import numpy as dnp
from .._core.backend import raw_value
from .._core.primitive import ndim_of, shape_of
from ..typing import Array, ArrayLike
from ._activations import pairwise_distance
from ._reduction import reduce as _reduce

__all__ = ["margin_ranking_loss", "triplet_margin_loss", "cosine_embedding_loss",
           "soft_margin_loss", "hinge_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss"]


def _relu(x):
    """``max(x, 0)`` with derivative 0 at 0 (PyTorch's ``clamp_min``)."""
    return dnp.where(raw_value(x) > 0, x, 0.0)


def margin_ranking_loss(input1: ArrayLike, input2: ArrayLike, target: ArrayLike,
                        margin: float = 0.0, reduction: str = "mean") -> Array:
    """``max(0, -target * (input1 - input2) + margin)``, ``target`` in {1, -1}.

    >>> one = np.array([1.0])
    >>> float(nn.functional.margin_ranking_loss(one, 2 * one, one))
    1.0
    """
    return _reduce(_relu(-target * (input1 - input2) + margin), reduction,
                   "margin_ranking_loss")


def triplet_margin_loss(anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, reduction: str = "mean") -> Array:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the ``pairwise_distance`` (``swap``:
    ``d(a, n)`` replaced by ``min(d(a, n), d(p, n))``).

    >>> a = np.zeros((1, 2))
    >>> float(nn.functional.triplet_margin_loss(a, a, a + 1.0, eps=0.0))
    0.0
    """
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = dnp.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce(_relu(d_ap - d_an + margin), reduction, "triplet_margin_loss")


def cosine_embedding_loss(input1: ArrayLike, input2: ArrayLike, target: ArrayLike,
                          margin: float = 0.0, reduction: str = "mean") -> Array:
    """``1 - cos(x1, x2)`` where ``target`` is 1, ``max(0, cos(x1, x2) - margin)`` where it is
    -1 (the cosine along the last axis, PyTorch's ``1e-12`` in the norms).

    >>> x = np.array([[1.0, 0.0]])
    >>> round(float(nn.functional.cosine_embedding_loss(x, x, np.array([1.0]))), 9)
    0.0
    """
    axis = ndim_of(input1) - 1
    prod = dnp.sum(input1 * input2, axis=axis)
    mag1 = dnp.sum(input1 * input1, axis=axis) + 1e-12
    mag2 = dnp.sum(input2 * input2, axis=axis) + 1e-12
    cos = prod / dnp.sqrt(mag1 * mag2)
    t = raw_value(target)
    loss = dnp.where(t == 1, 1.0 - cos, 0.0) + dnp.where(t == -1, _relu(cos - margin), 0.0)
    return _reduce(loss, reduction, "cosine_embedding_loss")


def soft_margin_loss(input: ArrayLike, target: ArrayLike, reduction: str = "mean") -> Array:
    """``log(1 + exp(-target * input))``, ``target`` in {1, -1}, computed stably.

    >>> float(nn.functional.soft_margin_loss(np.array([0.0]), np.array([1.0])))
    0.6931471805599453
    """
    return _reduce(dnp.logaddexp(0.0, -target * input), reduction, "soft_margin_loss")


def hinge_embedding_loss(input: ArrayLike, target: ArrayLike, margin: float = 1.0,
                         reduction: str = "mean") -> Array:
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1.

    >>> x, y = np.array([0.3, 0.3]), np.array([1.0, -1.0])
    >>> float(nn.functional.hinge_embedding_loss(x, y))
    0.5
    """
    t = raw_value(target)
    loss = (dnp.where(t != 1, _relu(margin - input), 0.0)
            + dnp.where(t != -1, input, 0.0))
    return _reduce(loss, reduction, "hinge_embedding_loss")


def poisson_nll_loss(input: ArrayLike, target: ArrayLike, log_input: bool = True,
                     full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean") -> Array:
    """Poisson negative log-likelihood: ``exp(input) - target * input`` for log-rates
    (``log_input``), else ``input - target * log(input + eps)``; ``full`` adds Stirling's
    approximation of ``log(target!)`` where ``target > 1``.

    >>> float(nn.functional.poisson_nll_loss(np.array([0.0]), np.array([1.0])))
    1.0
    """
    if log_input:
        loss = dnp.exp(input) - target * input
    else:
        loss = input - target * dnp.log(input + eps)
    if full:
        t = np.asarray(raw_value(target))
        safe = np.where(t > 1, t, 1.0)
        stirling = np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe),
                            0.0)
        loss = loss + stirling.astype(raw_value(loss).dtype)
    return _reduce(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input: ArrayLike, target: ArrayLike, var: ArrayLike, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Array:
    """Gaussian negative log-likelihood ``0.5 (log var + (input - target)**2 / var)`` (plus
    ``0.5 log(2 pi)`` if ``full``); ``var`` has the input's shape, or one axis less, or 1 in
    the last axis. As in PyTorch, ``var`` is clamped at ``eps`` in value only (the gradient
    passes the clamp).

    >>> float(nn.functional.gaussian_nll_loss(np.zeros(2), np.zeros(2), np.ones(2)))
    0.0
    """
    in_shape, var_shape = shape_of(input), shape_of(var)
    if var_shape != in_shape:
        if in_shape[:-1] == var_shape:
            var = dnp.expand_dims(var, -1)
        elif not (in_shape[:-1] == var_shape[:-1] and var_shape[-1:] == (1,)):
            raise ValueError(f"gaussian_nll_loss: var of shape {var_shape} does not fit "
                             f"input of shape {in_shape}")
    raw = raw_value(var)
    if (raw < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entries")
    var = var + (np.maximum(raw, eps) - raw)      # the value clamped, the gradient not
    d = input - target
    loss = (dnp.log(var) + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")


def multilabel_soft_margin_loss(input: ArrayLike, target: ArrayLike,
                                weight: ArrayLike | None = None,
                                reduction: str = "mean") -> Array:
    """Per-class logistic loss of logits ``input`` ``(N, C)`` against 0/1 ``target``,
    averaged over the classes (each class weighted by ``weight``).

    >>> float(nn.functional.multilabel_soft_margin_loss(np.zeros((1, 2)), np.ones((1, 2))))
    0.6931471805599453
    """
    loss = target * dnp.logaddexp(0.0, -input) + (1 - target) * dnp.logaddexp(0.0, input)
    if weight is not None:
        loss = loss * weight
    loss = dnp.mean(loss, axis=ndim_of(input) - 1)
    return _reduce(loss, reduction, "multilabel_soft_margin_loss")


def multi_margin_loss(input: ArrayLike, target: ArrayLike, p: int = 1, margin: float = 1.0,
                      weight: ArrayLike | None = None, reduction: str = "mean") -> Array:
    """Multi-class hinge loss: ``sum_{j != y} max(0, margin - x[y] + x[j])**p / C`` per sample
    of ``input`` ``(N, C)`` with integer labels ``target`` ``(N,)`` (times ``weight[y]``).

    >>> float(nn.functional.multi_margin_loss(np.array([[0.0, 2.0]]), np.array([1])))
    0.0
    """
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    x = input if ndim_of(input) == 2 else dnp.reshape(input, (1, -1))
    labels = np.asarray(raw_value(target)).reshape(-1)
    n, c = shape_of(x)
    picked = dnp.expand_dims(dnp.getitem(x, (np.arange(n), labels)), 1)
    hinge = dnp.where(np.arange(c) != labels[:, None], margin - picked + x, 0.0)
    hinge = _relu(hinge)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * dnp.expand_dims(dnp.getitem(weight, labels), 1)
    loss = dnp.sum(hinge, axis=1) / c
    if ndim_of(input) != 2:
        loss = dnp.reshape(loss, ())
    return _reduce(loss, reduction, "multi_margin_loss")
