"""``dualad.nn.utils.rnn``: batching sequences of different lengths, as ``torch.nn.utils.rnn``.

(``pack_padded_sequence`` and ``PackedSequence`` are not implemented: the recurrent layers take
padded batches.)
"""
from __future__ import annotations

from typing import Sequence

from ... import numpy as dnp
from ..._core.primitive import ndim_of, shape_of
from ...typing import Array, ArrayLike

__all__ = ["pad_sequence"]


def pad_sequence(sequences: Sequence[ArrayLike], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Array:
    """Stack sequences ``(L_i, *)`` of different lengths into ``(L_max, B, *)`` (``(B, L_max,
    *)`` with ``batch_first``), padded with ``padding_value`` at the end (``padding_side=
    "left"``: at the start); differentiable in the sequences.

    >>> from dualad.nn.utils.rnn import pad_sequence
    >>> pad_sequence([np.ones(2), np.ones(1)], batch_first=True)
    array([[1., 1.],
           [1., 0.]])
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    trailing = {shape_of(s)[1:] for s in sequences}
    if len(trailing) != 1 or any(ndim_of(s) == 0 for s in sequences):
        raise ValueError(f"pad_sequence: the sequences must be (L_i, *) with equal trailing "
                         f"shapes, got {[shape_of(s) for s in sequences]}")
    longest = max(shape_of(s)[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - shape_of(s)[0]
        widths = ((extra, 0) if padding_side == "left" else (0, extra),) + (
            (0, 0),) * (ndim_of(s) - 1)
        padded.append(dnp.pad(s, widths, mode="constant", constant_values=padding_value)
                      if extra else s)
    return dnp.stack(padded, axis=0 if batch_first else 1)
