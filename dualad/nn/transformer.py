"""``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer``,
``TransformerDecoder`` and ``Transformer``, with PyTorch's sub-module names (``self_attn``,
``linear1``, ``norm1``, ``layers.0``, …), so state dicts move across by ``load_state_dict``,
PyTorch's defaults (post-norm, ReLU, dropout 0.1, sequence-first unless ``batch_first``) and
masks; built on ``MultiheadAttention``, ``Linear``, ``LayerNorm`` and ``Dropout``.

The stacks copy the layer they are given (``copy.deepcopy``, as PyTorch does), so every layer
starts from the same weights unless re-initialised; ``Transformer`` re-initialises every
matrix with ``xavier_uniform_``, as PyTorch's.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from .. import numpy as dnp
from .._core.backend import raw_value
from .._core.primitive import ndim_of, shape_of
from .._core.tape import IMPERATIVE, Tensor
from ..typing import Array, ArrayLike, DTypeLike
from . import functional as F
from . import init
from .attention import MultiheadAttention
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
           "TransformerDecoder", "Transformer", "generate_square_subsequent_mask",
           "scaled_dot_product_attention"]

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def _activation(activation, what):
    if callable(activation):
        return activation
    if activation not in _ACTIVATIONS:
        raise ValueError(f"{what}: activation must be 'relu', 'gelu' or a callable, got "
                         f"{activation!r}")
    return _ACTIVATIONS[activation]


def generate_square_subsequent_mask(sz: int, device: Any = None,
                                    dtype: DTypeLike = np.float32) -> Array:
    """The causal mask ``(sz, sz)``: ``-inf`` above the diagonal (the future), 0 elsewhere,
    as ``nn.Transformer.generate_square_subsequent_mask``.

    >>> nn.Transformer.generate_square_subsequent_mask(2)
    tensor([[  0., -inf],
            [  0.,   0.]])
    """
    mask = np.triu(np.full((sz, sz), -np.inf, dtype=np.dtype(dtype or np.float32)), k=1)
    return Tensor._make(mask, None, IMPERATIVE)


def scaled_dot_product_attention(query: ArrayLike, key: ArrayLike, value: ArrayLike,
                                 attn_mask: ArrayLike | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Array:
    """``softmax(query key^T * scale + mask) value`` over the last two axes
    (``(..., L, E)``, ``(..., S, E)``, ``(..., S, Ev)``), ``scale`` ``1 / sqrt(E)`` by
    default; a boolean ``attn_mask`` keeps the positions that are True (PyTorch's convention
    here, the opposite of ``MultiheadAttention``'s), a float one is added to the scores.

    >>> q = np.zeros((1, 2, 4))
    >>> nn.functional.scaled_dot_product_attention(q, q, np.ones((1, 2, 3))).shape
    (1, 2, 3)
    """
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not implemented")
    e = shape_of(query)[-1]
    length, s = shape_of(query)[-2], shape_of(key)[-2]
    scale = 1.0 / np.sqrt(e) if scale is None else scale
    scores = dnp.matmul(query, dnp.swapaxes(key, -1, -2)) * float(scale)
    dtype = raw_value(scores).dtype
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not "
                             "both")
        attn_mask = np.tril(np.ones((length, s), bool))
    if attn_mask is not None:
        m = np.asarray(raw_value(attn_mask))
        if m.dtype == bool:
            m = np.where(m, 0.0, -np.inf)
        scores = scores + m.astype(dtype)
    weights = F.softmax(scores, -1)
    if dropout_p > 0:
        weights = F.dropout(weights, dropout_p, True)
    return dnp.matmul(weights, value)


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and
    ``LayerNorm`` (after, or with ``norm_first`` before), as ``torch.nn.TransformerEncoderLayer``::

        layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, batch_first=True)
        y = layer(x, src_key_padding_mask=pad)      # x: (N, L, 64); pad: (N, L), True = pad

    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    >>> layer(ad.zeros(3, 1, 8)).shape
    (3, 1, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Any], Any] = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerEncoderLayer")
        self.batch_first = batch_first

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal and attn_mask is None)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src: ArrayLike, src_mask: ArrayLike | None = None,
                src_key_padding_mask: ArrayLike | None = None,
                is_causal: bool = False) -> Array:
        """``src`` ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``) through the layer;
        ``src_mask`` ``(L, L)`` (boolean True or ``-inf``: masked), ``src_key_padding_mask``
        ``(N, L)`` (True: padding)."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's ``memory`` and a feed-forward block, each
    with a residual connection and ``LayerNorm``, as ``torch.nn.TransformerDecoderLayer``.

    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    >>> layer(ad.zeros(3, 1, 8), ad.zeros(5, 1, 8)).shape
    (3, 1, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Any], Any] = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        for i in (1, 2, 3):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                dtype=dtype))
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation, "TransformerDecoderLayer")
        self.batch_first = batch_first

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal and attn_mask is None)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal and attn_mask is None)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, tgt: ArrayLike, memory: ArrayLike, tgt_mask: ArrayLike | None = None,
                memory_mask: ArrayLike | None = None,
                tgt_key_padding_mask: ArrayLike | None = None,
                memory_key_padding_mask: ArrayLike | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Array:
        """``tgt`` ``(T, N, E)`` attending to itself (``tgt_mask``, e.g. the causal mask) and
        to ``memory`` ``(S, N, E)`` (``memory_mask``); batch first with ``batch_first``."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))


def _clones(layer, n):
    return ModuleList([copy.deepcopy(layer) for _ in range(n)])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (``layers.0``, ``layers.1``, …) applied in
    turn, then ``norm`` if given, as ``torch.nn.TransformerEncoder``.

    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> nn.TransformerEncoder(layer, num_layers=2).eval()(ad.zeros(1, 3, 8)).shape
    (1, 3, 8)
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: ArrayLike, mask: ArrayLike | None = None,
                src_key_padding_mask: ArrayLike | None = None,
                is_causal: bool | None = None) -> Array:
        """``src`` through every layer with the same masks (see
        ``TransformerEncoderLayer.forward``)."""
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn over the same ``memory``,
    then ``norm`` if given, as ``torch.nn.TransformerDecoder``.

    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> nn.TransformerDecoder(layer, 2).eval()(ad.zeros(3, 1, 8), ad.zeros(4, 1, 8)).shape
    (3, 1, 8)
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: ArrayLike, memory: ArrayLike, tgt_mask: ArrayLike | None = None,
                memory_mask: ArrayLike | None = None,
                tgt_key_padding_mask: ArrayLike | None = None,
                memory_key_padding_mask: ArrayLike | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Array:
        """``tgt`` through every layer (see ``TransformerDecoderLayer.forward``)."""
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder model of "Attention is all you need", as ``torch.nn.Transformer``
    (``encoder.layers.0.…``, ``encoder.norm``, ``decoder.layers.0.…``, ``decoder.norm``)::

        model = nn.Transformer(d_model=64, nhead=4, num_encoder_layers=2,
                               num_decoder_layers=2, batch_first=True)
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        out = model(src, tgt, tgt_mask=mask)

    >>> model = nn.Transformer(8, 2, 1, 1, dim_feedforward=16, dropout=0.0)
    >>> model(ad.zeros(4, 1, 8), ad.zeros(3, 1, 8)).shape
    (3, 1, 8)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Any], Any] = "relu",
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                       norm_first=norm_first, bias=bias, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for p in self.parameters():
            if ndim_of(p) > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(self, src: ArrayLike, tgt: ArrayLike, src_mask: ArrayLike | None = None,
                tgt_mask: ArrayLike | None = None, memory_mask: ArrayLike | None = None,
                src_key_padding_mask: ArrayLike | None = None,
                tgt_key_padding_mask: ArrayLike | None = None,
                memory_key_padding_mask: ArrayLike | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Array:
        """Encode ``src``, then decode ``tgt`` against the encoding (the masks as in the
        encoder and decoder layers)."""
        batch_axis = 0 if self.batch_first else 1
        if ndim_of(src) == 3 and shape_of(src)[batch_axis] != shape_of(tgt)[batch_axis]:
            raise RuntimeError("Transformer: the batch sizes of src and tgt must be equal, got "
                               f"shapes {shape_of(src)} and {shape_of(tgt)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
