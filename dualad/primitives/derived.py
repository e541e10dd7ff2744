"""Rules derived from other rules, for primitives that declare only part of their calculus.

- A rule written for one direction at a time (``batched=False``) is called once per direction
  of the batch and the results are stacked.
- A primitive with only a VJP still works in forward mode: its Jacobian is built from one
  batched VJP over the basis of output cotangents, then applied to the tangents. A primitive
  with only a JVP works in reverse mode the same way, from one JVP per input direction.

Everything here is written with dualad's primitives, so derived rules stay differentiable. The
core calls these through the hook it defines for them (``_engine.use_ops``, ``derived=``).
"""
import math

from .._core.backend import array_module, raw_value
from .._core.primitive import add_any, dtype_of, shape_of
from .indexing import stack
from .linalg import matmul
from .shape import reshape, transpose


def _batch_size(vs):
    return next(v.shape[0] for v in vs if v is not None)


def _size(shape):
    return math.prod(shape)


def _reshape(v, shape):
    return reshape(v, shape=tuple(shape))


def _mT(v):
    return transpose(v, axes=(1, 0))


def per_direction_jvp(prim, tangents, ans, primals, params):
    """A ``batched=False`` JVP rule, called once per direction of the batch."""
    outs = []
    for j in range(_batch_size(tangents)):
        tj = [None if t is None else t[j] for t in tangents]
        out = prim.declared_jvp(tj, ans, primals, params)
        outs.append(_zeros_if_none(out, ans))
    return stack(outs)


def per_direction_vjp(prim, g, ans, args, needs, params):
    """A ``batched=False`` VJP rule, called once per cotangent direction."""
    per_arg = [[] for _ in args]
    for j in range(g.shape[0]):
        cts = prim.declared_vjp(g[j], ans, args, needs, params)
        for i, c in enumerate(cts):
            if needs[i]:
                per_arg[i].append(_zeros_if_none(c, args[i]))
    return [stack(p) if needs[i] else None for i, p in enumerate(per_arg)]


def _zeros_if_none(v, like):
    if v is not None:
        return v
    return array_module(like).zeros(shape_of(like), dtype=dtype_of(raw_value(like)))


def basis(shape, dtype, like):
    """The standard basis of arrays of ``shape``, batch axis first."""
    n = _size(shape)
    return array_module(like).eye(n, dtype=dtype).reshape((n,) + tuple(shape))


def jvp_from_vjp(prim, tangents, ans, primals, params):
    """Forward mode for a primitive that only has a VJP: J from one batched VJP, then J t."""
    needs = [t is not None for t in tangents]
    rows = prim.backward(basis(shape_of(ans), dtype_of(raw_value(ans)), raw_value(ans)),
                         (ans, primals), needs, params)
    return apply_jacobian_rows(rows, tangents, ans)


def apply_jacobian_rows(rows, tangents, ans):
    """``sum_i t_i J_i`` where ``rows[i]`` is ``(m,) + x_i.shape`` (row r: d out_r / d x_i)."""
    m = _size(shape_of(ans))
    out = None
    for t, row in zip(tangents, rows):
        if t is None or row is None:
            continue
        k = t.shape[0]
        term = matmul(_reshape(t, (k, -1)), _mT(_reshape(row, (m, -1))))
        out = add_any(out, term)
    return None if out is None else _reshape(out, (out.shape[0],) + shape_of(ans))


def vjp_from_jvp(prim, g, ans, args, needs, params):
    """Reverse mode for a primitive that only has a JVP: J's columns from one JVP per input
    direction (batched), then g J."""
    k = g.shape[0]
    m = _size(shape_of(ans))
    cts = []
    for i, x in enumerate(args):
        if not needs[i]:
            cts.append(None)
            continue
        tangents = [None] * len(args)
        tangents[i] = basis(shape_of(x), dtype_of(raw_value(x)), raw_value(x))
        cols = prim.jvp(tangents, ans, args, params)   # (n_i,) + ans.shape
        ct = matmul(_reshape(g, (k, m)), _mT(_reshape(cols, (-1, m))))
        cts.append(_reshape(ct, (k,) + shape_of(x)))
    return cts
