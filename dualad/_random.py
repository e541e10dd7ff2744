"""The default random generator of the PyTorch face, and ``Generator`` objects.

Every draw of ``dualad.nn`` (initialisation, dropout), of ``ad.randn`` and its kin and of a
shuffling ``DataLoader`` without its own generator comes from one ``numpy.random.Generator``;
``ad.manual_seed(n)`` (also ``nn.manual_seed``) resets it, so a program run twice after the same
seed draws the same numbers, as ``torch.manual_seed`` gives in PyTorch. The streams differ
from PyTorch's: the same seed does not give PyTorch's numbers.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Generator", "manual_seed", "default_rng", "rng_of"]


class Generator:
    """A seeded source of random numbers to pass as ``generator=`` (``DataLoader``,
    ``ad.randn``), as ``torch.Generator``::

        g = ad.Generator().manual_seed(0)
        loader = DataLoader(data, batch_size=32, shuffle=True, generator=g)
    """

    def __init__(self, device: str = "cpu") -> None:
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed; returns the generator (so ``Generator().manual_seed(0)`` chains)."""
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        """The seed this generator was created or last seeded with."""
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._seed


_default = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator (initialisation, dropout, random tensors, shuffling);
    returns it."""
    return _default.manual_seed(seed)


def default_rng():
    """The ``numpy.random.Generator`` behind the default generator."""
    return _default.rng


def rng_of(generator):
    """The NumPy generator of ``generator`` (a ``Generator``), or the default one for None."""
    if generator is None:
        return _default.rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a dualad Generator, got {type(generator).__name__}")
    return generator.rng
