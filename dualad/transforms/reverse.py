"""Reverse-mode transforms: ``vjp``, ``grad``, ``value_and_grad``, ``jacrev``,
``elementwise_grad``; all are one recording plus (batched) sweeps of the tape."""
from __future__ import annotations

from typing import Callable, Sequence

import math

import numpy as np

from .._core.backend import array_module, raw_value
from .._core.primitive import add_any, read_only_view, shape_of
from .._core.state import new_level
from .._core.tape import ReverseTrace, Tensor, check_cotangent, sweep
from .._core.tree import tree_flatten, tree_unflatten
from .._kernels import cache_scope
from ._args import differentiated_leaves, normalize_argnums, selected_structure, with_kwargs
from ..typing import Fun, PyTree


class Recorded:
    """``fun`` run once on watched values: the outputs, and sweeps from them."""

    def __init__(self, fun, args, nums, fname, has_aux=False):
        self.trace = ReverseTrace(new_level(), keep_list=True)
        self.leaves, rebuild, self.defs = differentiated_leaves(args, nums, fname)
        self.watched = list(map(self.trace.leaf, self.leaves))
        try:
            with cache_scope():   # big temporaries reuse mapped pages (dualad._kernels._alloc)
                out = fun(*rebuild(self.watched))
        except BaseException:
            self.close()
            raise
        self.trace.active = False   # recording ends with fun: escaped values are constants
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                self.close()
                raise TypeError(f"{fname} with has_aux=True: fun must return a pair "
                                "(output, aux)")
            out, aux = out
            self.aux = _unwrap_tree(aux, self.trace)
        self.out_leaves, self.out_def = tree_flatten(out)
        if len(self.out_leaves) == 1 and self.out_leaves[0] is out:   # a single output
            self.primal_out = _unwrap(out, self.trace)
        else:
            self.primal_out = tree_unflatten(
                self.out_def, [_unwrap(o, self.trace) for o in self.out_leaves])

    def backward(self, cotangents, retain):
        """Leaf cotangents (batch axis first) for output cotangents (batch axis first)."""
        if self.trace.nodes is None:
            raise RuntimeError("this vjp's tape was already released")
        seeds = {}
        k = None
        for o, c in zip(self.out_leaves, cotangents):
            k = c.shape[0]
            if type(o) is Tensor and o._trace is self.trace and o._node is not None:
                seeds[o._node] = add_any(seeds.get(o._node), c)
        with cache_scope():
            cts = sweep(reversed(self.trace.nodes), seeds, retain)
        grads = []
        for x, w in zip(self.leaves, self.watched):
            g = cts.get(w._node)
            if g is None:
                xp = np if type(x) is np.ndarray else array_module(x)
                g = xp.zeros((k or 1,) + shape_of(x), dtype=x.dtype)
            elif g.dtype != x.dtype:
                # a complex cotangent of a real input is its real part (NOTE: complex
                # convention in primitives/complex.py)
                g = (g.real if g.dtype.kind == "c" and x.dtype.kind != "c" else g).astype(x.dtype)
            grads.append(g)
        if not retain:
            self.close()
        return grads

    def close(self):
        self.trace.nodes = None
        self.trace.active = False


def _unwrap(v, trace):
    return v._value if type(v) is Tensor and v._trace is trace else v


def _unwrap_tree(tree, trace):
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [_unwrap(v, trace) for v in leaves])


def vjp(fun: Fun, *primals: PyTree) -> tuple[PyTree, Callable[[PyTree], tuple[PyTree, ...]]]:
    """``(primal_out, vjp_fn)``; ``vjp_fn(cotangent)`` returns one cotangent per primal (a
    tuple) and may be called many times."""
    rec = Recorded(fun, primals, tuple(range(len(primals))), "vjp")

    def vjp_fn(cotangent):
        ct_leaves, ct_def = tree_flatten(cotangent)
        if ct_def != rec.out_def:
            raise ValueError("vjp_fn: the cotangent must have the structure of the output")
        seeds = []
        for i, (o, c) in enumerate(zip(rec.out_leaves, ct_leaves)):
            seeds.append(check_cotangent(c, o, f"vjp_fn: cotangent {i}")[None])
        grads = [g[0] for g in rec.backward(seeds, retain=True)]
        out, pos = [], 0
        for _, td, n in rec.defs:
            out.append(tree_unflatten(td, grads[pos:pos + n]))
            pos += n
        return tuple(out)

    # the tape may have saved the outputs: the caller gets them read-only (NOTE: mutation guard)
    out_leaves, out_def = tree_flatten(rec.primal_out)
    return tree_unflatten(out_def, [read_only_view(o) for o in out_leaves]), vjp_fn


_FLOAT_SCALARS = (np.float64, np.float32)
_SEED_TEMPLATES: dict = {}   # (shape, dtype) of a one-element output -> its seed, copied per call


def _scalar_seed(rec, fname, holomorphic=False):
    if len(rec.out_leaves) != 1:
        raise TypeError(f"{fname}: fun must return one scalar, got a pytree with "
                        f"{len(rec.out_leaves)} leaves")
    out = rec.out_leaves[0]
    value = out._value if type(out) is Tensor else out   # the common case first
    kind = type(value)
    if kind in _FLOAT_SCALARS or (kind is np.ndarray and value.size == 1
                                  and value.dtype.kind == "f"):
        # np.ones((1,) + shape): a copy of a kept template costs a fifth of np.ones
        key = (value.shape, value.dtype)
        template = _SEED_TEMPLATES.get(key)
        if template is None:
            template = _SEED_TEMPLATES[key] = np.ones((1,) + value.shape, dtype=value.dtype)
        return template.copy()
    value = raw_value(out)
    shape = shape_of(out)
    dtype = getattr(value, "dtype", None) or np.result_type(value)
    if shape != () and shape != (1,) and math.prod(shape) != 1:
        rec.close()
        raise TypeError(f"{fname}: gradient is only defined for scalar-output functions, but "
                        f"the output has shape {shape}; reduce it (e.g. dnp.sum) or use jacrev "
                        "or vjp")
    dtype_kind = np.dtype(dtype).kind
    if dtype_kind == "c" and holomorphic:
        return array_module(value).ones((1,) + shape, dtype=dtype)
    if dtype_kind != "f":
        rec.close()
        hint = (" (for a holomorphic function use ad.holomorphic_grad; otherwise reduce to a "
                "real loss, e.g. with dnp.abs or dnp.real)" if dtype_kind == "c" else "")
        raise TypeError(f"{fname}: the output has dtype {dtype}; a gradient needs a "
                        f"floating-point output{hint}")
    return array_module(value).ones((1,) + shape, dtype=dtype)


def _argnums_cache(argnums, fname):
    """``normalize_argnums`` for a transform's fixed ``argnums``, remembered per number of
    positional arguments (a transformed function is usually called many times alike)."""
    known = {}

    def argnums_for(nargs):
        found = known.get(nargs)
        if found is None:
            found = known[nargs] = normalize_argnums(argnums, nargs, fname)
        return found

    return argnums_for


def value_and_grad(fun: Fun, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Fun:
    """A function returning ``(value, grad)``, or ``((value, aux), grad)`` with ``has_aux``."""

    run = _gradient_run(fun, argnums, has_aux, "value_and_grad")

    def value_and_grad_fn(*args, **kwargs):
        rec, g = run(args, kwargs)
        return ((rec.primal_out, rec.aux), g) if has_aux else (rec.primal_out, g)

    return value_and_grad_fn


def grad(fun: Fun, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Fun:
    """Gradient of a scalar-valued ``fun`` (reverse mode); same structure as the argument(s)."""
    run = _gradient_run(fun, argnums, has_aux, "grad")

    def grad_fn(*args, **kwargs):
        rec, g = run(args, kwargs)
        return (g, rec.aux) if has_aux else g

    return grad_fn


def holomorphic_grad(fun: Fun, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Fun:
    """The complex derivative ``f'(z)`` of a holomorphic ``fun`` (complex input, complex
    scalar output), JAX's ``grad(fun, holomorphic=True)``: one reverse sweep seeded with 1,
    since the VJP of a holomorphic function is ``g f'(z)`` (NOTE: complex convention in
    ``primitives/complex.py``).

    >>> import dualad as ad, dualad.numpy as dnp
    >>> ad.holomorphic_grad(lambda z: z ** 3)(1.0 + 1.0j)   # 3 z^2
    np.complex128(6j)
    """
    run = _gradient_run(fun, argnums, has_aux, "holomorphic_grad", holomorphic=True)

    def holomorphic_grad_fn(*args, **kwargs):
        rec, g = run(args, kwargs)
        return (g, rec.aux) if has_aux else g

    return holomorphic_grad_fn


def _gradient_run(fun, argnums, has_aux, fname, holomorphic=False):
    """What ``grad``, ``value_and_grad`` and ``holomorphic_grad`` share: ``run(args, kwargs)
    -> (Recorded, gradient)``."""
    argnums_for = _argnums_cache(argnums, fname)

    def run(args, kwargs):
        single, nums = argnums_for(len(args))
        with cache_scope():   # one scope around both passes: the nested ones cost less
            rec = Recorded(with_kwargs(fun, kwargs), args, nums, fname, has_aux)
            if holomorphic:
                _require_complex(rec.leaves, fname)
            seed = _scalar_seed(rec, fname, holomorphic)
            grads = [g[0] for g in rec.backward([seed], retain=False)]
        return rec, selected_structure(rec.defs, grads, single)

    return run


def _require_complex(leaves, fname):
    for i, x in enumerate(leaves):
        if np.dtype(x.dtype).kind != "c":
            raise TypeError(f"{fname}: input {i} has dtype {x.dtype}; a holomorphic derivative "
                            "needs complex inputs (cast with .astype(complex))")


def jacrev(fun: Fun, argnums: int | Sequence[int] = 0) -> Fun:
    """Jacobian of ``fun`` by reverse mode: all output cotangents in one batched sweep.
    Shape: ``out.shape + x.shape``."""

    def jacobian_fn(*args, **kwargs):
        single, nums = normalize_argnums(argnums, len(args), "jacrev")
        rec = Recorded(with_kwargs(fun, kwargs), args, nums, "jacrev")
        seeds = basis_cotangents(rec.out_leaves)
        grads = rec.backward(seeds, retain=False)
        return assemble_reverse(rec, grads, single)

    return jacobian_fn


def basis_cotangents(out_leaves, start=0, stop=None):
    """Directions ``start:stop`` (default: all) of the standard basis over all output leaves,
    as batched cotangents (one per leaf)."""
    sizes = [math.prod(shape_of(o)) for o in out_leaves]
    stop = sum(sizes) if stop is None else stop
    seeds, offset = [], 0
    for o, size in zip(out_leaves, sizes):
        value = raw_value(o)
        xp = array_module(value)
        dtype = getattr(value, "dtype", np.result_type(value))
        if np.dtype(dtype).kind not in "fc":
            dtype = np.float64
        # direction offset + i is element i: row r of the block is direction start + r
        s = xp.eye(stop - start, size, k=start - offset, dtype=dtype)
        seeds.append(s.reshape((stop - start,) + shape_of(o)))
        offset += size
    return seeds


def assemble_reverse(rec, grads, single):
    """Out-tree of in-trees of Jacobian blocks from leaf cotangents ``(m,) + x.shape``."""
    blocks, offset = [], 0
    for o in rec.out_leaves:
        out_shape = shape_of(o)
        size = math.prod(out_shape)
        per_in = [g[offset:offset + size].reshape(out_shape + shape_of(x))
                  for g, x in zip(grads, rec.leaves)]
        blocks.append(selected_structure(rec.defs, per_in, single))
        offset += size
    return tree_unflatten(rec.out_def, blocks)


def elementwise_grad(fun: Fun, argnums: int | Sequence[int] = 0) -> Fun:
    """Sum of the Jacobian's rows: the vjp with a cotangent of ones (autograd's convention)."""

    def egrad_fn(*args, **kwargs):
        single, nums = normalize_argnums(argnums, len(args), "elementwise_grad")
        rec = Recorded(with_kwargs(fun, kwargs), args, nums, "elementwise_grad")
        seeds = []
        for o in rec.out_leaves:
            value = raw_value(o)
            seeds.append(array_module(value).ones((1,) + shape_of(o), dtype=value.dtype))
        grads = [g[0] for g in rec.backward(seeds, retain=False)]
        return selected_structure(rec.defs, grads, single)

    return egrad_fn
