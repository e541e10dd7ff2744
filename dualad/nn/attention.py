"""``MultiheadAttention`` with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``,
``out_proj.weight``, ``out_proj.bias``; separate ``q/k/v_proj_weight`` when ``kdim`` or ``vdim``
differ), initialisation, masks and call convention, composed from ``dualad.numpy`` operations."""
from __future__ import annotations

import math

import numpy as np

from .. import numpy as dnp
from .._core.backend import raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from . import functional as F
from . import init
from .layers import Linear
from .module import Module, Parameter
from ..typing import Array, ArrayLike, DTypeLike


class MultiheadAttention(Module):
    """Scaled dot-product attention over ``num_heads`` heads::

        mha = nn.MultiheadAttention(64, 4, batch_first=True)
        out, weights = mha(x, x, x)          # x: (N, L, 64); weights: (N, L, L), head mean

    ``attn_mask`` ``(L, S)`` or ``(N * num_heads, L, S)`` (boolean: True is masked; float:
    added to the scores), ``key_padding_mask`` ``(N, S)`` (True: ignore that key),
    ``is_causal`` (mask the future; needs no ``attn_mask``), ``need_weights`` and
    ``average_attn_weights`` as in PyTorch. ``add_bias_kv`` and ``add_zero_attn`` are not
    implemented.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are "
                                      "not implemented")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible "
                             f"by num_heads ({num_heads})")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim = embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.batch_first = batch_first
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = init.xavier_uniform_(
                Parameter(np.empty((3 * embed_dim, embed_dim), dtype)))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            for name, d in (("q_proj_weight", embed_dim), ("k_proj_weight", self.kdim),
                            ("v_proj_weight", self.vdim)):
                setattr(self, name, init.xavier_uniform_(
                    Parameter(np.empty((embed_dim, d), dtype))))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _projections(self):
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            ws = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        bs = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        return ws, bs

    def forward(self, query: ArrayLike, key: ArrayLike, value: ArrayLike,
                key_padding_mask: ArrayLike | None = None, need_weights: bool = True,
                attn_mask: ArrayLike | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Array, Array | None]:
        unbatched = ndim_of(query) == 2
        if unbatched:
            query, key, value = (dnp.expand_dims(t, 1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(raw_value(key_padding_mask))[None]
        elif self.batch_first:
            query, key, value = (dnp.swapaxes(t, 0, 1) for t in (query, key, value))
        length, n, e = shape_of(query)
        s = shape_of(key)[0]
        h, d = self.num_heads, self.head_dim
        if e != self.embed_dim:
            raise ValueError(f"MultiheadAttention: expected query with {self.embed_dim} "
                             f"features, got shape {shape_of(query)}")
        (wq, wk, wv), (bq, bk, bv) = self._projections()
        q = F.linear(query, wq, bq)
        k = F.linear(key, wk, bk)
        v = F.linear(value, wv, bv)

        def heads(t, steps):     # (steps, N, E) -> (N, h, steps, d)
            return dnp.transpose(dnp.reshape(t, (steps, n, h, d)), (1, 2, 0, 3))

        q, k, v = heads(q, length) * (1.0 / math.sqrt(d)), heads(k, s), heads(v, s)
        scores = dnp.matmul(q, dnp.swapaxes(k, -1, -2))           # (N, h, L, S)
        mask = self._mask(attn_mask, key_padding_mask, is_causal, n, length, s,
                          dtype_of(scores))
        if mask is not None:
            scores = scores + mask
        weights = F.softmax(scores, -1)
        if self.dropout > 0:
            weights = F.dropout(weights, self.dropout, self.training)
        out = dnp.matmul(weights, v)                               # (N, h, L, d)
        out = dnp.reshape(dnp.transpose(out, (2, 0, 1, 3)), (length, n, e))
        out = self.out_proj(out)
        if unbatched:
            out = dnp.squeeze(out, 1)
        elif self.batch_first:
            out = dnp.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = dnp.mean(weights, axis=1)
        if unbatched:
            weights = dnp.squeeze(weights, 0)
        return out, weights

    def _mask(self, attn_mask, key_padding_mask, is_causal, n, length, s, dtype):
        """The additive mask ``(N, h, L, S)`` (or broadcastable), -inf where masked."""
        total = None
        if attn_mask is None and is_causal:
            attn_mask = np.triu(np.ones((length, s), bool), k=1)
        for m, shape in ((attn_mask, "attn"), (key_padding_mask, "padding")):
            if m is None:
                continue
            m = np.asarray(raw_value(m))
            if m.dtype == bool:
                m = np.where(m, -np.inf, 0.0)
            m = m.astype(dtype)
            if shape == "padding":
                m = m.reshape(n, 1, 1, s)
            elif m.ndim == 3:
                m = m.reshape(n, self.num_heads, length, s)
            total = m if total is None else total + m
        return total

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
