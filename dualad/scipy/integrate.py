"""``dualad.scipy.integrate``: ``odeint``, differentiable in the initial state, the times and
the extra arguments, and ``trapezoid`` (``dualad.numpy.trapezoid``).

# Design: ``odeint`` is one primitive per call over flat arrays, ``(y0, t, *arg_leaves)``;
# ``func`` is closed over, and refused when it closes over a value being differentiated (its
# dependence would be invisible to the rules; pass such values through ``*args``). Values come
# from SciPy's LSODA (``scipy.integrate.odeint``, stiff and nonstiff, switching by itself), given
# the exact Jacobian of ``func`` by ``ad.jacfwd``.
#
# - Forward mode (forward sensitivities): the tangent ``S`` of ``y`` obeys
#   ``S' = J_y S + J_args dargs`` with ``S(t0) = dy0 - f(y0, t0) dt0``; the output tangent at
#   ``t_i`` adds ``f(y_i, t_i) dt_i``. All k directions are integrated together with ``y`` as
#   one augmented system, by ``odeint``'s own primitive: the rule is differentiable again
#   (forward over forward, reverse over forward).
# - Reverse mode (the adjoint method, as JAX's ``odeint``): between consecutive output times,
#   backwards, ``a' = -a J_y`` and ``a_args' = -a J_args`` (vector-Jacobian products of ``func``),
#   with ``y(s)`` from a dense forward re-solve of that interval (a stiff ``y`` is never
#   integrated backwards, where it is unstable). The cotangent of ``t_i`` (i > 0) is
#   ``g_i . f(y_i, t_i)``, that of ``t_0`` is ``-a(t_0) . f(y0, t0)``, ``a(t_0)`` the adjoint
#   before ``g_0`` is added (the flow's derivative in its start time is ``-Phi_y f(y0, t0)``).
#   The products ``a J`` run an ``ad.record`` of ``a . f`` for one direction (a gradient),
#   and sweep a tape of ``f`` per evaluation for several (``jacrev``, in chunks that keep the
#   stiff solver's dense Jacobian small).
#   When the values reaching the VJP rule are themselves being differentiated (Hessians by
#   forward over reverse, ``grad(grad(...))``), the cotangents are instead ``g J`` with ``J``
#   from the forward-sensitivity rule, which differentiates again.
# - Stiff solves get the Jacobian ``J_y`` of ``func`` (``ad.jacfwd``) block-diagonally for the
#   augmented systems: the couplings it leaves out (``d(J_y S)/dy``, ``d a_args'/da``) only slow
#   the Newton iterations, never change the converged answer.

>>> import numpy as np
>>> import dualad as ad
>>> decay = lambda y, t, k: -k * y
>>> ts = np.array([0.0, 1.0])
>>> round(float(ad.grad(lambda k: odeint(decay, 1.0, ts, k)[-1])(0.5)), 6)   # -t e^(-k t)
-0.606531
"""
from __future__ import annotations

from typing import Any, Callable

import inspect
import math
import warnings

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import BoxBase, Primitive, shape_of
from .._core.tree import tree_flatten, tree_unflatten
from ..fixed_points import _replaced
from ..numpy import astype, concatenate, moveaxis, reshape, stack
from ..numpy import sum as dnp_sum
from ..recording import record
from ..numpy import trapezoid  # noqa: F401  (re-exported: scipy.integrate.trapezoid)
from ..transforms import jacfwd, jvp
from ..transforms.custom import refuse_closures
from ..primitives.derived import vjp_from_jvp
from ..transforms.reverse import Recorded
from ._scipy import scipy_module
from ..typing import ArrayLike, PyTree

__all__ = ["odeint", "trapezoid"]

_INT_MAX = 2 ** 31 - 1   # LSODA counts steps in a Fortran integer
_ADJOINT_STATES = 2000   # at most this many adjoint states in one solve (its dense Jacobian)


# SciPy's (and so HIPS autograd's) default tolerances: code ported from autograd gets the steps
# it got there (JAX's 1.4e-8 would move LSODA's error weights on components near 0)
_TOLERANCE = 1.49012e-8


def odeint(func: Callable[..., PyTree], y0: PyTree, t: ArrayLike, *args: Any,
           rtol: float = _TOLERANCE, atol: float = _TOLERANCE, mxstep: float = np.inf,
           hmax: float = np.inf, **kwargs: Any) -> PyTree:
    """Integrate ``dy/dt = func(y, t, *args)`` from ``y(t[0]) = y0`` and return ``y`` at every
    time of ``t`` (shape ``(len(t),) + y0.shape``, or that leading axis on each leaf when
    ``y0`` is a pytree), with JAX's signature (``*args`` arrays or pytrees of arrays).

    Differentiable in ``y0``, ``t`` and ``args`` in both modes: forward sensitivities in
    forward mode, the adjoint method in reverse mode; second derivatives too (the rules run
    ``odeint`` again). ``t`` must be strictly monotonic. SciPy's LSODA computes the values
    (it switches to a stiff method where needed, with ``func``'s Jacobian from ``ad.jacfwd``);
    ``mxstep`` bounds its steps per output interval, ``hmax`` its step size. ``func`` must not
    close over a value being differentiated: pass it through ``args``.

    HIPS autograd's (SciPy's) spelling ``odeint(func, y0, t, args=(a, b))`` is accepted, and so
    is its positional tuple ``odeint(func, y0, t, (a, b))`` where ``func`` takes ``a, b``
    (and not the tuple) after ``y, t``. Other SciPy keywords are refused.

    >>> ys = odeint(lambda y, t: -y, np.ones(2), np.linspace(0.0, 1.0, 3))
    >>> np.round(ys[:, 0], 6)
    array([1.      , 0.606531, 0.367879])
    """
    args = _scipy_style_args(func, args, kwargs)
    y_leaves, y_def = tree_flatten(y0)
    if not y_leaves:
        raise ValueError("odeint: y0 has no arrays")
    y_shapes = [shape_of(v) for v in y_leaves]
    y_sizes = [math.prod(s) for s in y_shapes]
    bounds = np.cumsum([0] + y_sizes)
    y_flat = concatenate([reshape(_as_float64(v, "y0"), (-1,)) for v in y_leaves])
    t = _as_float64(t if isinstance(t, BoxBase) else np.asarray(t), "t")
    _check_times(raw_value(t))
    arg_leaves, arg_def = tree_flatten(list(args))
    arg_leaves = [_as_float64(v, "an argument") if _is_float(v) else v for v in arg_leaves]

    # a vector state (the common case) needs no packing: func sees and returns it as it is
    vector = len(y_leaves) == 1 and y_leaves[0] is y0 and len(y_shapes[0]) == 1

    def unravel(v):
        if vector:
            return v
        return tree_unflatten(y_def, [reshape(v[bounds[i]:bounds[i + 1]], y_shapes[i])
                                      for i in range(len(y_shapes))])

    def flat_func(y, s, *leaves):
        dy = func(unravel(y), s, *tree_unflatten(arg_def, list(leaves)))
        if vector and shape_of(dy) == y_shapes[0]:
            return dy
        dy_leaves, dy_def = tree_flatten(dy)
        if dy_def != y_def or [shape_of(v) for v in dy_leaves] != y_shapes:
            raise ValueError(f"odeint: func must return the structure and shapes of y0 "
                             f"({y_shapes}), got {[shape_of(v) for v in dy_leaves]}")
        return concatenate([reshape(v, (-1,)) for v in dy_leaves])

    _refuse_closed_over(func, flat_func, raw_value(y_flat), raw_value(t)[0],
                        [raw_value(v) for v in arg_leaves])
    options = {"rtol": rtol, "atol": atol, "mxstep": mxstep, "hmax": hmax}
    ys = _solve(flat_func, _jacobian_of(flat_func), y_flat, t, arg_leaves, options)
    if vector:
        return ys
    n_t = shape_of(t)[0]
    leaves = [reshape(ys[:, bounds[i]:bounds[i + 1]], (n_t,) + y_shapes[i])
              for i in range(len(y_shapes))]
    return tree_unflatten(y_def, leaves)


def _scipy_style_args(func, args, kwargs):
    """The extra arguments of ``func``: JAX's ``*args``, or SciPy's/autograd's ``args`` tuple."""
    scipy_args = kwargs.pop("args", None)
    if kwargs:
        raise TypeError(f"odeint: unexpected keyword arguments {sorted(kwargs)}; dualad's "
                        "odeint takes rtol, atol, mxstep and hmax (and SciPy's args=)")
    if scipy_args is not None:
        if args:
            raise TypeError("odeint: give func's extra arguments either positionally (JAX) or "
                            "as args=(...) (SciPy), not both")
        return tuple(scipy_args)
    if (len(args) == 1 and isinstance(args[0], tuple) and _takes(func, 2 + len(args[0]))
            and (len(args[0]) == 1 or not _takes(func, 3))):
        # autograd's positional args tuple, odeint(f, y0, t, (params,)) in its examples
        return tuple(args[0])
    return args


def _takes(func, count):
    """Whether ``func`` can be called with ``count`` positional arguments."""
    try:
        inspect.signature(func).bind(*([None] * count))
        return True
    except (TypeError, ValueError):
        return False


def _as_float64(v, name):
    kind = np.result_type(raw_value(v)).kind
    if kind == "c":
        raise TypeError(f"odeint: {name} is complex; odeint integrates real systems (split "
                        "real and imaginary parts into two real states)")
    return v if np.result_type(raw_value(v)) == np.float64 else astype(v, np.float64)


def _is_float(v):
    return np.result_type(raw_value(v)).kind in "fc"


def _check_times(t):
    if np.ndim(t) != 1 or len(t) == 0:
        raise ValueError(f"odeint: t must be a 1-d array of times, got shape {np.shape(t)}")
    steps = np.diff(t)
    if len(t) > 1 and not (np.all(steps > 0) or np.all(steps < 0)):
        raise ValueError("odeint: t must be strictly increasing or strictly decreasing")


def _refuse_closed_over(func, flat_func, y0, t0, leaves):
    """One evaluation on plain values: a result traced by some transform means ``func`` closed
    over a value that transform differentiates, a dependence the rules could not see."""
    name = getattr(func, "__name__", repr(func))
    try:
        refuse_closures(name, "function", (y0, t0, leaves), flat_func(y0, t0, *leaves))
    except TypeError:
        raise TypeError(f"odeint: func {name!r} closes over a value that an enclosing transform "
                        "is differentiating, whose derivative odeint cannot see; pass it as an "
                        "extra argument instead: odeint(func, y0, t, k) with func(y, t, k)"
                        ) from None


def _jacobian_of(flat_func):
    """``J_y(y, s, *leaves)``, a plain (n, n) array, for the stiff solver."""
    jac = jacfwd(flat_func)
    return lambda y, s, *leaves: np.asarray(raw_value(jac(y, s, *leaves)))


def _solve(flat_func, jac_y, y0, t, leaves, options):
    """``y`` at the times ``t`` for the flat system: the primitive, one per system."""
    prim = _ODEPrimitive(flat_func, jac_y, options)
    return prim(y0, t, *leaves)


class _ODEPrimitive(Primitive):
    """``odeint`` of one flat system: ``(y0, t, *leaves) -> ys`` of shape ``(len(t), n)``."""

    def __init__(self, flat_func, jac_y, options):
        # reverse mode is ``backward`` itself (the adjoint method needs ``needs``)
        super().__init__("scipy.integrate.odeint", self._values, jvp=self._tangent,
                         batched=True, register=False)
        self.func, self.jac_y, self.options = flat_func, jac_y, options

    # ---------------------------------------------------------------- values
    def _values(self, y0, t, *leaves):
        if len(t) == 1:     # LSODA refuses an empty interval
            return y0[None].copy()
        func, jac_y = self.func, self.jac_y
        return self._lsoda(lambda y, s: np.asarray(func(y, s, *leaves)),
                           lambda y, s: jac_y(y, s, *leaves), y0, t, "odeint")

    def _lsoda(self, rhs, jacobian, y0, t, what, tcrit=None):
        """``rhs``'s solution at the times ``t`` by SciPy's LSODA (its step loop in Fortran);
        ``tcrit``: times it must not step past."""
        integrate = scipy_module("integrate")
        with warnings.catch_warnings():   # a failure raises below, with the fix
            warnings.simplefilter("ignore", integrate.ODEintWarning)
            ys, info = integrate.odeint(
                rhs, y0, t, Dfun=jacobian, tcrit=tcrit,
                rtol=self.options["rtol"], atol=self.options["atol"],
                mxstep=int(min(self.options["mxstep"], _INT_MAX)),
                hmax=0.0 if np.isinf(self.options["hmax"]) else self.options["hmax"],
                full_output=True)
        if info["message"] != "Integration successful.":
            raise RuntimeError(f"{what}: LSODA failed ({info['message']}); raise mxstep "
                               f"(now {self.options['mxstep']}) or loosen rtol/atol")
        return ys

    def _dense(self, y_start, s0, s1, leaves):
        """A dense solution of ``y`` on ``[s0, s1]`` from ``y_start`` (plain values)."""
        func, jac_y = self.func, self.jac_y
        sol = scipy_module("integrate").solve_ivp(
            lambda s, y: np.asarray(func(y, s, *leaves)), (s0, s1), y_start, method="LSODA",
            jac=lambda s, y: jac_y(y, s, *leaves), dense_output=True,
            rtol=self.options["rtol"], atol=self.options["atol"], **self._max_step())
        if not sol.success:
            raise RuntimeError(f"odeint (adjoint's forward re-solve): {sol.message}")
        return sol.sol

    def _max_step(self):
        hmax = self.options["hmax"]
        return {} if np.isinf(hmax) else {"max_step": hmax}

    # ---------------------------------------------------------------- forward sensitivities
    def _tangent(self, tangents, ys, y0, t, *leaves):
        k = next(v for v in tangents if v is not None).shape[0]
        n, n_leaves = shape_of(y0)[0], len(leaves)
        t_y0, t_t, t_leaves = tangents[0], tangents[1], tangents[2:]
        moving = [i for i, v in enumerate(t_leaves) if v is not None]
        f0 = self.func(y0, t[0], *leaves)
        s0 = np.zeros((k, n)) if t_y0 is None else t_y0
        if t_t is not None:
            s0 = s0 - t_t[:, :1] * f0
        func, jac_y = self.func, self.jac_y

        def augmented(state, s, *aug_leaves):
            y, sens = state[:n], reshape(state[n:], (k, n))
            base, pushed = aug_leaves[:n_leaves], aug_leaves[n_leaves:]

            def moved(y_, *moved_leaves):
                return func(y_, s, *_replaced(base, moving, moved_leaves))
            dy, dsens = jvp(moved, (y,) + tuple(base[i] for i in moving),
                            (sens,) + tuple(pushed))
            return concatenate([dy, reshape(dsens, (-1,))])

        def augmented_jacobian(state, s, *aug_leaves):
            return np.kron(np.eye(k + 1), jac_y(state[:n], s, *aug_leaves[:n_leaves]))

        state0 = concatenate([y0, reshape(s0, (-1,))])
        solved = _solve(augmented, augmented_jacobian, state0, t,
                        list(leaves) + [t_leaves[i] for i in moving], self.options)
        n_t = shape_of(t)[0]
        out = moveaxis(reshape(solved[:, n:], (n_t, k, n)), 1, 0)   # directions first
        if t_t is not None:
            rates = stack([func(ys[i], t[i], *leaves) for i in range(n_t)])   # (T, n)
            out = out + t_t[:, :, None] * rates[None]
        return out

    # ---------------------------------------------------------------- the adjoint method
    def backward(self, g, residuals, needs, params):
        ys, args = residuals
        if any(isinstance(v, BoxBase) for v in (g, ys, *args)):
            # the rule's own inputs are differentiated: g J with J from forward sensitivities
            return vjp_from_jvp(self, g, ys, args, needs, params)
        return self._adjoint(g, ys, args[0], args[1], args[2:], needs)

    def _adjoint(self, g, ys, y0, t, leaves, needs):
        k, n_t, n = g.shape[0], len(t), ys.shape[1]
        floats = [i for i, v in enumerate(leaves) if needs[2 + i] and _is_float(v)]
        sizes = [np.size(leaves[i]) for i in floats]
        p = int(sum(sizes))
        chunk = max(1, _ADJOINT_STATES // (n + p))
        if k > chunk:   # many directions (jacrev): a few at a time keep the stiff solve small
            parts = [self._adjoint(g[i:i + chunk], ys, y0, t, leaves, needs)
                     for i in range(0, k, chunk)]
            return [None if c is None else np.concatenate([q[j] for q in parts])
                    for j, c in enumerate(parts[0])]
        a, a_args = g[:, -1].copy(), np.zeros((k, p))
        t_bar = np.zeros((k, n_t))
        pullback = self._pullback(leaves, floats, k, ys[-1], t[-1]) if n_t > 1 else None
        for i in range(n_t - 1, 0, -1):
            t_bar[:, i] = g[:, i] @ np.asarray(self.func(ys[i], t[i], *leaves))
            y_of = self._dense(ys[i - 1], t[i - 1], t[i], leaves)
            z = self._adjoint_interval(pullback, y_of, t[i], t[i - 1], a, a_args, leaves, floats)
            a, a_args = z[:k * n].reshape(k, n), z[k * n:].reshape(k, p)
            a = a + g[:, i - 1]
        t_bar[:, 0] = -(a - g[:, 0]) @ np.asarray(self.func(y0, t[0], *leaves))
        cts = [a, t_bar] + [None] * len(leaves)
        offsets = np.cumsum([0] + sizes)
        for j, i in enumerate(floats):
            cts[2 + i] = a_args[:, offsets[j]:offsets[j + 1]].reshape(
                (k,) + np.shape(leaves[i]))
        return [c if need else None for c, need in zip(cts, needs)]

    def _pullback(self, leaves, floats, k, y_example, s_example):
        """``pull(y, s, a)``: ``[a J_y, a J_leaf for the float leaves]``, each ``(k, size)``.
        One direction (a gradient) runs a recording of ``a . f`` (``ad.record``: no Python
        per operation); several directions sweep a fresh tape of ``f`` per call."""
        func = self.func

        def moved_func(y, s, moved):
            return func(y, s, *_replaced(leaves, floats, moved))
        moved = [leaves[i] for i in floats]
        if k == 1:
            def pairing(y, s, a, *moved_leaves):
                return dnp_sum(a * moved_func(y, s, moved_leaves))
            argnums = (0,) + tuple(range(3, 3 + len(moved)))
            recording = record(pairing, y_example, s_example, np.zeros(len(y_example)), *moved,
                               argnums=argnums)

            def pull(y, s, a):
                grads = recording.grad(y, s, a[0], *moved)
                return [np.reshape(gr, (1, -1)) for gr in grads]
            return pull

        def pull(y, s, a):
            rec = Recorded(lambda y_, *m: moved_func(y_, s, m), [y] + moved,
                           tuple(range(1 + len(moved))), "odeint")
            return [gr.reshape(k, -1) for gr in rec.backward([a], retain=False)]
        return pull

    def _adjoint_interval(self, pullback, y_of, s1, s0, a, a_args, leaves, floats):
        """Integrate ``(a, a_args)`` from ``s1`` back to ``s0``: ``a' = -a J_y``,
        ``a_args' = -a J_args``."""
        jac_y = self.jac_y
        k, n = a.shape

        def rhs(z, s):
            parts = pullback(y_of(s), s, z[:k * n].reshape(k, n))   # a J_y, a J_args by leaf
            return -np.concatenate([parts[0].ravel(), np.concatenate(parts[1:], axis=1).ravel()
                                    if floats else np.zeros(0)])

        def jacobian(z, s):
            size = z.shape[0]
            out = np.zeros((size, size))
            out[:k * n, :k * n] = np.kron(np.eye(k), -jac_y(y_of(s), s, *leaves).T)
            return out

        z0 = np.concatenate([a.ravel(), a_args.ravel()])
        # no dense output needed: odeint runs LSODA's step loop in Fortran, not solve_ivp's
        # Python one (the same steps, the same numbers), held inside [s0, s1], where y_of
        # interpolates, by tcrit
        return self._lsoda(rhs, jacobian, z0, np.array([s1, s0]), "odeint (adjoint)",
                           tcrit=np.array([s0]))[-1]
