"""Gradient-descent drivers over pytrees, with HIPS autograd's signatures and update rules.

Each takes ``grad(x, i)`` (the gradient at parameters ``x`` on iteration ``i``), the initial
parameters ``x`` (an array or any pytree of them), an optional ``callback(x, i, g)`` called
before each update, and its hyper-parameters, and returns the final parameters in ``x``'s
structure. The work runs on one flat vector (``dualad.tree.ravel_pytree``).

>>> import numpy as np, dualad as ad, dualad.numpy as dnp
>>> from dualad.optimizers import adam
>>> loss = lambda p, i: dnp.sum((p["w"] - 3.0) ** 2)
>>> p = adam(ad.grad(loss), {"w": np.zeros(2)}, num_iters=2000, step_size=0.01)
>>> np.round(p["w"], 3)
array([3., 3.])
"""
from __future__ import annotations

from typing import Any, Callable

import functools

import numpy as np

from .tree import ravel_pytree
from .typing import PyTree

__all__ = ["sgd", "rmsprop", "adam"]


def _on_flat_vectors(optimizer):
    """Run ``optimizer``, written for 1-d arrays, on a pytree of parameters."""
    @functools.wraps(optimizer)
    def run(grad, x, callback=None, *args, **kwargs):
        flat_x, unravel = ravel_pytree(x)

        def flat_grad(v, i):
            return ravel_pytree(grad(unravel(v), i))[0]

        flat_callback = None
        if callback is not None:
            def flat_callback(v, i, g):
                return callback(unravel(v), i, unravel(g))
        return unravel(optimizer(flat_grad, flat_x, flat_callback, *args, **kwargs))
    return run


@_on_flat_vectors
def sgd(grad: Callable[[PyTree, int], PyTree], x: PyTree,
        callback: Callable[[PyTree, int, PyTree], Any] | None = None, num_iters: int = 200,
        step_size: float = 0.1, mass: float = 0.9) -> PyTree:
    """Stochastic gradient descent with momentum: ``v = mass * v - (1 - mass) * g`` and
    ``x = x + step_size * v``, with ``v`` starting at 0."""
    velocity = np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@_on_flat_vectors
def rmsprop(grad: Callable[[PyTree, int], PyTree], x: PyTree,
            callback: Callable[[PyTree, int, PyTree], Any] | None = None, num_iters: int = 100,
            step_size: float = 0.1, gamma: float = 0.9, eps: float = 1e-8) -> PyTree:
    """RMSprop: a running mean of squared gradients ``r = gamma * r + (1 - gamma) * g**2``
    (starting at 1) scales each step: ``x = x - step_size * g / (sqrt(r) + eps)``."""
    mean_square = np.ones(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        mean_square = gamma * mean_square + (1 - gamma) * g ** 2
        x = x - step_size * g / (np.sqrt(mean_square) + eps)
    return x


@_on_flat_vectors
def adam(grad: Callable[[PyTree, int], PyTree], x: PyTree,
         callback: Callable[[PyTree, int, PyTree], Any] | None = None, num_iters: int = 100,
         step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> PyTree:
    """Adam (Kingma and Ba, 2015): moment estimates ``m`` and ``v`` of the gradient and its
    square, bias-corrected by ``1 - b**(i + 1)``, give the step
    ``x = x - step_size * mhat / (sqrt(vhat) + eps)``."""
    m = np.zeros(len(x))
    v = np.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g ** 2 + b2 * v
        m_hat = m / (1 - b1 ** (i + 1))
        v_hat = v / (1 - b2 ** (i + 1))
        x = x - step_size * m_hat / (np.sqrt(v_hat) + eps)
    return x
