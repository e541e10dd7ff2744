"""``check_grads``: derivatives checked against central finite differences, in one random
direction, in forward and reverse mode, up to a chosen order (autograd's ``check_grads`` idea,
with dtype-aware tolerances); ``numerical_grad``: the gradient of a real function by central
differences. Used by dualad's own tests and offered to users for their rules. Complex values
follow NOTE: complex convention (``primitives/complex.py``): a cotangent pairs with a tangent
as ``Re(sum(g * t))``.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._core.backend import raw_value
from ._core.tree import tree_flatten, tree_unflatten
from .transforms import jvp, vjp
from .typing import ArrayLike

_EPS = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 3e-3}
_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 3e-2}
_WIDE = {"f": np.float64, "c": np.complex128}

__all__ = ["check_grads", "numerical_grad"]


def _leaves(tree):
    return [np.asarray(raw_value(x)) for x in tree_flatten(tree)[0]]


def _wide(x):
    """``x`` in float64, or complex128 when it is complex."""
    x = np.asarray(raw_value(x))
    return x.astype(_WIDE["c" if x.dtype.kind == "c" else "f"])


def _vdot(a, b):
    """The pairing of cotangents with tangents: ``Re(sum(a * b))`` over all leaves."""
    return sum(float(np.real(np.sum(_wide(x) * _wide(y)))) for x, y in
               zip(_leaves(a), _leaves(b)))


def _random_like(tree, rng):
    leaves, td = tree_flatten(tree)
    out = []
    for x in leaves:
        x = np.asarray(raw_value(x))
        r = rng.standard_normal(x.shape)
        if x.dtype.kind == "c":
            r = r + 1j * rng.standard_normal(x.shape)
        out.append(r.astype(x.dtype))
    return tree_unflatten(td, out)


def _axpy(a, x, y):
    """y + a * x, leaf by leaf."""
    xs, td = tree_flatten(x)
    ys = tree_flatten(y)[0]
    return tree_unflatten(td, [(yy + a * xx).astype(np.asarray(yy).dtype) for xx, yy in
                               zip(xs, ys)])


def _dtype(args):
    dtypes = {np.asarray(raw_value(x)).dtype for x in tree_flatten(list(args))[0]}
    single = {np.dtype(np.float32), np.dtype(np.complex64)}
    return np.dtype(np.float32) if dtypes and dtypes <= single else np.dtype(np.float64)


def _fd_directional(f, args, v, eps):
    """Central difference of f at args along v: (f(x + eps v) - f(x - eps v)) / (2 eps)."""
    plus = f(*_axpy(eps, v, list(args)))
    minus = f(*_axpy(-eps, v, list(args)))
    lp, td = tree_flatten(plus)
    lm = tree_flatten(minus)[0]
    return tree_unflatten(td, [(_wide(p) - _wide(m)) / (2 * eps) for p, m in zip(lp, lm)])


def _close(a, b, tol, what):
    la, lb = _leaves(a), _leaves(b)
    for x, y in zip(la, lb):
        x, y = _wide(x), _wide(y)
        scale = max(1.0, float(np.max(np.abs(y))) if y.size else 1.0)
        err = float(np.max(np.abs(x - y))) if x.size else 0.0
        if not err <= tol * scale:
            raise AssertionError(f"{what}: derivative mismatch, max abs error {err:.3g} "
                                 f"(tolerance {tol * scale:.3g})\n got      {x}\n expected {y}")


def check_grads(f: Callable[..., Any], args: tuple, modes: Sequence[str] = ("fwd", "rev"),
                order: int = 2, eps: float | None = None, rtol: float | None = None,
                seed: int = 0) -> None:
    """Check ``f``'s derivatives at ``args`` (a tuple of positional arguments).

    ``"fwd"``: the JVP along a random direction equals the central finite difference.
    ``"rev"``: the VJP with a random cotangent u satisfies <u, J v> = <VJP(u), v>, checked
    against the finite difference of J v. ``order=2`` repeats both checks on the derivative
    functions themselves (forward-over-forward, reverse-over-reverse, and the mixtures).
    Raises AssertionError on a mismatch.
    """
    args = tuple(args)
    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {m!r}; use 'fwd' and/or 'rev'")
    dtype = _dtype(args)
    eps = _EPS[dtype] if eps is None else eps
    tol = _TOL[dtype] if rtol is None else rtol
    rng = np.random.default_rng(seed)
    v = _random_like(list(args), rng)
    fd = _fd_directional(f, args, v, eps)
    if "fwd" in modes:
        _, tangent = jvp(f, args, tuple(v))
        _close(tangent, fd, tol, "forward mode (jvp)")
    if "rev" in modes:
        out, pullback = vjp(f, *args)
        u = _random_like(out, rng)
        lhs = _vdot(pullback(u), v)
        rhs = _vdot(u, fd)
        _close(lhs, rhs, tol, "reverse mode (vjp)")
    if order > 1:
        if "fwd" in modes:
            def tangent_of(*xs):
                return jvp(f, xs, tuple(v))[1]
            check_grads(tangent_of, args, modes, order - 1, eps, rtol, seed + 1)
        if "rev" in modes:
            u = _random_like(f(*args), rng)

            def cotangent_of(*xs):
                return vjp(f, *xs)[1](u)
            check_grads(cotangent_of, args, modes, order - 1, eps, rtol, seed + 1)


def numerical_grad(f: Callable[[np.ndarray], Any], x: ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """The gradient of the real-valued ``f`` at the array ``x`` by central differences, in
    dualad's convention: ``du/dx - i du/dy`` at a complex ``x`` (what ``ad.grad`` returns).
    One pair of evaluations per real degree of freedom: for small checks.

    >>> import numpy as np
    >>> numerical_grad(lambda z: float(np.sum(np.abs(z) ** 2)), np.array([1.0 + 2.0j])).round(6)
    array([2.-4.j])
    """
    x = np.asarray(x)
    out = np.zeros(x.shape, dtype=x.dtype)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = eps
        d = (f(x + e) - f(x - e)) / (2 * eps)
        if x.dtype.kind == "c":
            d = d - 1j * (f(x + 1j * e) - f(x - 1j * e)) / (2 * eps)
        out[i] = d
    return out
