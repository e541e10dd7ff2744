"""A stiff PDE: the Brusselator with a sparse Jacobian
===================================================

A stiff reaction-diffusion system: the 1-D Brusselator, solved by SciPy's BDF and Radau with
a sparse Jacobian from dualad.

    u_i' = A + u_i^2 v_i - (B + 1) u_i + alpha (N+1)^2 (u_{i-1} - 2 u_i + u_{i+1})
    v_i' = B u_i - u_i^2 v_i           + alpha (N+1)^2 (v_{i-1} - 2 v_i + v_{i+1})

on N interior grid points, u = 1 and v = 3 at both ends (Hairer and Wanner, Solving ODEs II,
section IV.1). The states are interleaved, ``y = [u_1, v_1, u_2, v_2, ...]``, so the Jacobian is
banded (five diagonals) and 2N x 2N. ``ad.sparse_jacobian`` finds that pattern once, colours
it (a handful of colours instead of 2N directions), and then computes each Jacobian the solver
asks for in one batched forward pass. The same runs with SciPy's finite differences (dense,
2N evaluations per Jacobian, and sparse with ``jac_sparsity``) and with the hand-written
Jacobian are printed beside it.

    python examples/ode_brusselator.py [N]      (default 200; dense FD grows as N^2)
"""
import sys

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp

from solver_stats import Counted, timed

import dualad as ad
import dualad.numpy as dnp

A, B, ALPHA = 1.0, 3.0, 1.0 / 50.0


def rhs(t, y):
    """The Brusselator right-hand side (works on arrays and on dualad's traced values)."""
    n = y.shape[0] // 2
    u, v = y[0::2], y[1::2]
    c = ALPHA * (n + 1) ** 2
    one, three = np.ones(1), np.full(1, 3.0)
    up, vp = dnp.concatenate([one, u, one]), dnp.concatenate([three, v, three])
    u2v = u * u * v
    du = A + u2v - (B + 1) * u + c * (up[:-2] - 2 * u + up[2:])
    dv = B * u - u2v + c * (vp[:-2] - 2 * v + vp[2:])
    return dnp.reshape(dnp.stack([du, dv], axis=1), (2 * n,))


def analytic_jacobian(t, y):
    """The Jacobian by hand, as a CSR matrix."""
    n = y.shape[0] // 2
    u, v = y[0::2], y[1::2]
    c = ALPHA * (n + 1) ** 2
    lap = sp.diags([np.full(n - 1, c), np.full(n, -2 * c), np.full(n - 1, c)], [-1, 0, 1])
    blocks = [[sp.diags(2 * u * v - (B + 1)) + lap, sp.diags(u * u)],
              [sp.diags(B - 2 * u * v), sp.diags(-u * u) + lap]]
    J = sp.bmat(blocks, format="csr")
    perm = np.arange(2 * n).reshape(2, n).T.ravel()   # block order -> interleaved
    return J[perm][:, perm].tocsr()


def initial_state(n):
    x = np.arange(1, n + 1) / (n + 1)
    return np.stack([1 + np.sin(2 * np.pi * x), np.full(n, 3.0)], axis=1).ravel()


def solve(n, method, jac, t_end=10.0, rtol=1e-6, atol=1e-8, **options):
    """Solve and return ``(solution, statistics)``; ``jac`` is passed to ``solve_ivp``, and
    ``calls`` counts every evaluation of the right-hand side (SciPy's ``nfev`` leaves out those
    of its finite differences)."""
    fun = Counted(rhs)
    sol, seconds = timed(solve_ivp, fun, (0.0, t_end), initial_state(n), method=method,
                         jac=jac, rtol=rtol, atol=atol, **options)
    if not sol.success:
        raise RuntimeError(f"{method} failed: {sol.message}")
    stats = {"nfev": sol.nfev, "calls": fun.calls, "njev": sol.njev, "nlu": sol.nlu,
             "steps": sol.t.size - 1, "time": seconds}
    return sol, stats


def jacobian_sources(n):
    """The Jacobians compared, by name, as keyword arguments for ``solve``."""
    pattern = ad.jacobian_sparsity(rhs, 0.0, initial_state(n), argnums=1)
    return {
        "analytic": {"jac": analytic_jacobian},
        "dualad sparse": {"jac": ad.sparse_jacobian(rhs, argnums=1)},
        "FD sparse": {"jac": None, "jac_sparsity": pattern},
        "FD dense": {"jac": None},
    }


HEADER = "{:7s} {:14s} {:>6s} {:>6s} {:>5s} {:>5s} {:>6s} {:>9s}"
ROW = "{:7s} {:14s} {nfev:6d} {calls:6d} {njev:5d} {nlu:5d} {steps:6d} {time:9.3f}"


def main(n=200, t_end=10.0, include_dense_fd=True):
    sources = jacobian_sources(n)
    if not include_dense_fd:
        del sources["FD dense"]
    print(f"Brusselator, N = {n} grid points ({2 * n} states), t in [0, {t_end}]")
    print(sources["dualad sparse"]["jac"].plan(0.0, initial_state(n)))
    print(HEADER.format("method", "Jacobian", "nfev", "calls", "njev", "nlu", "steps", "time [s]"))
    for method in ("BDF", "Radau"):
        reference = None   # the run with the analytic Jacobian
        for name, options in sources.items():
            sol, s = solve(n, method, t_end=t_end, **options)
            reference = sol.y[:, -1] if reference is None else reference
            error = np.max(np.abs(sol.y[:, -1] - reference))
            print(ROW.format(method, name, **s) + f"   |y - y_analytic|_inf = {error:.1e}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
