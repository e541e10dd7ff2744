"""The random generator behind layer initialisation and dropout, and in-place initialisers.

Every random draw in ``dualad.nn`` comes from one module-level ``numpy.random.Generator``;
``dualad.nn.manual_seed(n)`` resets it, so that a model built (and trained with dropout) after
the same seed is the same model, as ``torch.manual_seed`` gives in PyTorch. The streams differ
from PyTorch's: the same seed does not give PyTorch's numbers.
"""
import numpy as np

from .._core.backend import array_module, raw_value

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the generator used by ``dualad.nn`` (initialisation and dropout)."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator():
    """The current ``numpy.random.Generator`` of ``dualad.nn``."""
    return _generator


def _fill(tensor, values):
    value = raw_value(tensor)
    value[...] = array_module(value).asarray(values, dtype=value.dtype)
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    """Fill ``tensor`` in place with draws from U(a, b)."""
    return _fill(tensor, _generator.uniform(a, b, np.shape(raw_value(tensor))))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill ``tensor`` in place with draws from N(mean, std**2)."""
    return _fill(tensor, _generator.normal(mean, std, np.shape(raw_value(tensor))))


def zeros_(tensor):
    """Fills ``tensor`` with zeros in place, without recording; returns it."""
    return _fill(tensor, 0)


def ones_(tensor):
    """Fills ``tensor`` with ones in place, without recording; returns it."""
    return _fill(tensor, 1)
