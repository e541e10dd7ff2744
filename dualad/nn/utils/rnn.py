"""``dualad.nn.utils.rnn``: batching sequences of different lengths, as ``torch.nn.utils.rnn``:
``pad_sequence``, ``PackedSequence`` with ``pack_padded_sequence``, ``pad_packed_sequence`` and
``pack_sequence`` (PyTorch's layout: the time steps one after another, each holding the
sequences still running, longest first), differentiable in the data; and ``packed_forward``,
which runs a recurrent layer over a ``PackedSequence`` (each group of equally long sequences
as one batch) and returns PyTorch's ``(PackedSequence, h_n)``.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ... import numpy as dnp
from ..._core.backend import array_module, raw_value
from ..._core.primitive import ndim_of, shape_of
from ..._core.tape import IMPERATIVE, Tensor
from ...typing import Array, ArrayLike

__all__ = ["pad_sequence", "PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "packed_forward"]


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


class PackedSequence(NamedTuple):
    """Sequences of different lengths packed time step by time step: ``data``
    ``(sum of lengths, *)``, ``batch_sizes[t]`` the number of sequences longer than ``t``,
    and the permutation that sorted them by decreasing length (``sorted_indices``) and its
    inverse (``unsorted_indices``), None when they came sorted.

    >>> p = pack_sequence([np.ones(2), np.zeros(1)])
    >>> p.data, p.batch_sizes
    (array([1., 0., 1.]), array([2, 1]))
    """

    data: Any
    batch_sizes: Any
    sorted_indices: Any = None
    unsorted_indices: Any = None


def _lengths(lengths):
    return [int(n) for n in np.asarray(raw_value(lengths)).reshape(-1)]


def _layout(lengths_sorted):
    """``(time, column)`` of every packed row, in packed order, and the batch sizes."""
    longest = lengths_sorted[0] if lengths_sorted else 0
    sizes = np.array([sum(n > t for n in lengths_sorted) for t in range(longest)], np.int64)
    t_idx = np.concatenate([np.full(b, t) for t, b in enumerate(sizes)]) if longest else \
        np.zeros(0, np.int64)
    b_idx = np.concatenate([np.arange(b) for b in sizes]) if longest else np.zeros(0, np.int64)
    return t_idx.astype(np.int64), b_idx.astype(np.int64), sizes


def pack_padded_sequence(input: ArrayLike, lengths: ArrayLike | Sequence[int],
                         batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences of
    ``lengths``; unless ``enforce_sorted``, the sequences may come in any order.

    >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
    >>> pack_padded_sequence(x, [3, 2], batch_first=True).data
    array([1., 4., 2., 5., 3.])
    """
    lengths = _lengths(lengths)
    x = dnp.swapaxes(input, 0, 1) if batch_first else input
    if len(lengths) != shape_of(x)[1] or min(lengths, default=1) <= 0:
        raise ValueError(f"pack_padded_sequence: expected {shape_of(x)[1]} positive lengths, "
                         f"got {lengths}")
    if max(lengths) > shape_of(x)[0]:
        raise ValueError(f"pack_padded_sequence: a length {max(lengths)} exceeds the padded "
                         f"length {shape_of(x)[0]}")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("pack_padded_sequence: lengths must be sorted in decreasing "
                               "order with enforce_sorted=True (or pass enforce_sorted=False)")
        order, unsorted = None, None
    else:
        order = np.argsort(-np.asarray(lengths), kind="stable").astype(np.int64)
        unsorted = np.argsort(order).astype(np.int64)
    perm = np.arange(len(lengths)) if order is None else order
    t_idx, b_idx, sizes = _layout([lengths[i] for i in perm])
    data = dnp.getitem(x, (t_idx, perm[b_idx]))
    return PackedSequence(data, sizes, order, unsorted)


def pack_sequence(sequences: Sequence[ArrayLike], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (``pad_sequence`` then ``pack_padded_sequence``).

    >>> pack_sequence([np.ones(1), np.ones(3)], enforce_sorted=False).batch_sizes
    array([2, 1, 1])
    """
    lengths = [shape_of(s)[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Array, Tensor]:
    """The padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of a
    ``PackedSequence``, in the original order, and the lengths (an int64 tensor).

    >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
    >>> padded, lengths = pad_packed_sequence(pack_padded_sequence(x, [3, 2], True), True)
    >>> padded.tolist(), lengths.tolist()
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]], [3, 2])
    """
    data, sizes = sequence.data, np.asarray(raw_value(sequence.batch_sizes), np.int64)
    b = int(sizes[0]) if len(sizes) else 0
    lengths_sorted = [int((sizes > i).sum()) for i in range(b)]
    steps = len(sizes) if total_length is None else int(total_length)
    if steps < len(sizes):
        raise ValueError(f"pad_packed_sequence: total_length {total_length} is shorter than "
                         f"the longest sequence ({len(sizes)})")
    t_idx, b_idx, _ = _layout(lengths_sorted)
    row = np.full((steps, b), len(t_idx), np.int64)      # the padding row, past the data
    row[t_idx, b_idx] = np.arange(len(t_idx))
    if sequence.unsorted_indices is not None:             # back to the caller's order
        row = row[:, np.asarray(sequence.unsorted_indices)]
    raw = raw_value(data)
    pad_row = array_module(raw).full((1,) + tuple(raw.shape[1:]), padding_value, raw.dtype)
    padded = dnp.getitem(dnp.concatenate([data, pad_row], axis=0), row)
    lengths = np.asarray(lengths_sorted, np.int64)
    if sequence.unsorted_indices is not None:
        lengths = lengths[np.asarray(sequence.unsorted_indices)]
    out = dnp.swapaxes(padded, 0, 1) if batch_first else padded
    return out, Tensor._make(lengths, None, IMPERATIVE)


def packed_forward(module: Any, packed: PackedSequence, hx: Any = None) -> tuple[Any, Any]:
    """Run the recurrent layer ``module`` (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) over
    ``packed``, as PyTorch's layers run over a ``PackedSequence``: each sequence stops at its
    own length (the final states, and the reverse direction, start where it ends). Returns
    ``(PackedSequence of the outputs, h_n)`` (``(h_n, c_n)`` for an LSTM), ``hx`` and ``h_n``
    in the caller's batch order. Sequences of equal length run as one batch.

    >>> lstm = nn.LSTM(2, 3, dtype=np.float64)
    >>> out, (h, c) = packed_forward(lstm, pack_sequence([np.ones((3, 2)), np.ones((1, 2))]))
    >>> out.data.shape, h.shape
    ((4, 3), (1, 2, 3))
    """
    padded, lengths = pad_packed_sequence(packed)             # (T, B, *), caller's order
    lengths = _lengths(lengths)
    has_cell = bool(getattr(module, "has_cell", False))        # an LSTM's (h, c)
    outs, finals, members = [], [], []
    for n in sorted(set(lengths), reverse=True):
        idx = np.array([i for i, m in enumerate(lengths) if m == n], np.int64)
        x = dnp.getitem(padded, (slice(0, n), idx))
        if getattr(module, "batch_first", False):
            x = dnp.swapaxes(x, 0, 1)
        state = None
        if hx is not None:
            state = tuple(dnp.getitem(h, (slice(None), idx)) for h in hx) if has_cell else \
                dnp.getitem(hx, (slice(None), idx))
        y, last = module(x, state)
        if getattr(module, "batch_first", False):
            y = dnp.swapaxes(y, 0, 1)
        outs.append((n, idx, y))
        finals.append(last)
        members.append(idx)
    order = np.argsort(np.concatenate(members))          # caller's order of the groups' rows
    steps = max(lengths)
    columns = []
    for n, idx, y in outs:                                 # (T, group, H) each, padded
        if n < steps:
            pad = array_module(raw_value(y)).zeros((steps - n,) + tuple(shape_of(y)[1:]),
                                                   raw_value(y).dtype)
            y = dnp.concatenate([y, pad], axis=0)
        columns.append(y)
    out = dnp.getitem(dnp.concatenate(columns, axis=1), (slice(None), order))
    sizes = np.asarray(raw_value(packed.batch_sizes), np.int64)
    t_idx, b_idx, _ = _layout([int((sizes > i).sum()) for i in range(int(sizes[0]))])
    perm = (np.arange(len(lengths)) if packed.sorted_indices is None
            else np.asarray(packed.sorted_indices))
    result = PackedSequence(dnp.getitem(out, (t_idx, perm[b_idx])), packed.batch_sizes,
                            packed.sorted_indices, packed.unsorted_indices)

    def gather(states):
        return dnp.getitem(dnp.concatenate(states, axis=1), (slice(None), order))

    if has_cell:
        return result, (gather([h for h, _ in finals]), gather([c for _, c in finals]))
    return result, gather(finals)
