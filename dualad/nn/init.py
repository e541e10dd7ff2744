"""In-place initialisers with ``torch.nn.init``'s names and formulas, and the seed of
``dualad.nn``'s random draws.

Every random draw in ``dualad.nn`` comes from the default generator of ``dualad._random``;
``dualad.nn.manual_seed(n)`` (the same as ``ad.manual_seed``) resets it, so that a model built
(and trained with dropout) after the same seed is the same model, as ``torch.manual_seed`` gives
in PyTorch. The streams differ from PyTorch's: the same seed does not give PyTorch's numbers.
"""
from __future__ import annotations

import math

import numpy as np

from .._core.backend import array_module, raw_value
from .._core.tape import Tensor
from .._random import default_rng, manual_seed


def generator() -> np.random.Generator:
    """The ``numpy.random.Generator`` that ``dualad.nn`` draws from."""
    return default_rng()


def _fill(tensor, values):
    value = raw_value(tensor)
    value[...] = array_module(value).asarray(values, dtype=value.dtype)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill ``tensor`` in place with draws from U(a, b)."""
    return _fill(tensor, default_rng().uniform(a, b, np.shape(raw_value(tensor))))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill ``tensor`` in place with draws from N(mean, std**2)."""
    return _fill(tensor, default_rng().normal(mean, std, np.shape(raw_value(tensor))))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with zeros."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with ones."""
    return _fill(tensor, 1)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` in place with ``val``."""
    return _fill(tensor, val)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for an activation: 1 for linear/sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope ``param``, 0.01)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fans(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight ``(out, in, *kernel)``, as PyTorch computes them."""
    shape = np.shape(raw_value(tensor))
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out cannot be computed for a tensor of shape {shape} "
                         "(fewer than 2 dimensions)")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio)."""
    fan_in, fan_out = fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fans(tensor)[0 if mode == "fan_in" else 1]
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """U(-b, b) with ``b = gain * sqrt(3 / fan)`` (He et al.); ``Linear`` and ``Conv`` use
    ``a=sqrt(5)``, which gives ``b = 1 / sqrt(fan_in)``."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """N(0, std**2) with ``std = gain / sqrt(fan)``."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix, from the QR decomposition of a Gaussian draw with the signs
    of R's diagonal folded in (Saxe et al.); extra axes are flattened into the columns."""
    shape = np.shape(raw_value(tensor))
    if len(shape) < 2:
        raise ValueError("orthogonal_: only tensors with 2 or more dimensions are supported")
    rows = shape[0]
    cols = int(np.prod(shape[1:]))
    flat = default_rng().normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """Fill ``tensor`` in place with draws from N(mean, std**2) truncated to ``[a, b]`` (the
    bounds are absolute, as PyTorch's), redrawing the draws outside them.

    >>> w = nn.init.trunc_normal_(nn.Parameter(np.empty(1000)), std=1.0, a=-0.5, b=0.5)
    >>> bool(abs(w.detach().numpy()).max() <= 0.5)
    True
    """
    if std <= 0 or not a < b:
        raise ValueError(f"trunc_normal_: need std > 0 and a < b, got std={std}, a={a}, b={b}")
    shape = np.shape(raw_value(tensor))
    values = default_rng().normal(mean, std, shape)
    outside = (values < a) | (values > b)
    for _ in range(10000):                # redraw the rejected ones (exact truncation)
        if not outside.any():
            break
        values[outside] = default_rng().normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    else:
        raise ValueError(f"trunc_normal_: [{a}, {b}] holds almost no mass of "
                         f"N({mean}, {std}**2)")
    return _fill(tensor, values)


def eye_(tensor: Tensor) -> Tensor:
    """Fill the 2-D ``tensor`` in place with the identity matrix (ones on the diagonal).

    >>> nn.init.eye_(nn.Parameter(np.empty((2, 3)))).detach().numpy()
    array([[1., 0., 0.],
           [0., 1., 0.]])
    """
    shape = np.shape(raw_value(tensor))
    if len(shape) != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {shape}")
    return _fill(tensor, np.eye(*shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill the 3-, 4- or 5-D convolution weight ``tensor`` ``(out, in, *kernel)`` in place
    with the Dirac delta: the convolution keeps (up to ``min(out, in)`` per group) its input
    channels unchanged.

    >>> nn.init.dirac_(nn.Parameter(np.empty((1, 1, 3)))).detach().numpy()
    array([[[0., 1., 0.]]])
    """
    shape = np.shape(raw_value(tensor))
    if len(shape) not in (3, 4, 5) or shape[0] % groups:
        raise ValueError(f"dirac_: only 3-, 4- and 5-D tensors with out channels divisible by "
                         f"groups are supported, got shape {shape} and groups={groups}")
    out_per_group = shape[0] // groups
    values = np.zeros(shape)
    centre = tuple(k // 2 for k in shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, shape[1])):
            values[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, values)


__all__ = ["manual_seed", "generator", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "calculate_gain", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "trunc_normal_", "eye_", "dirac_"]
