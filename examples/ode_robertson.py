"""Stiff kinetics: Robertson's problem
===================================

Robertson's stiff chemical kinetics, solved by SciPy's BDF and Radau with dualad's Jacobian.

    y1' = -0.04 y1 + 1e4 y2 y3
    y2' =  0.04 y1 - 1e4 y2 y3 - 3e7 y2^2
    y3' =                        3e7 y2^2

Rate constants eleven orders of magnitude apart make the problem stiff: an implicit solver
needs the Jacobian of the right-hand side at every Newton iteration. The right-hand side is
written once with ``dualad.numpy``; ``ad.jacfwd`` gives its exact Jacobian (three forward
directions in one pass). Each run is printed beside the same solve with SciPy's
finite-difference Jacobian and with the hand-written one.

    python examples/ode_robertson.py [t_end]
"""
import sys

import numpy as np
from scipy.integrate import solve_ivp
from solver_stats import Counted, timed

import dualad as ad
import dualad.numpy as dnp

K1, K2, K3 = 0.04, 3e7, 1e4
Y0 = np.array([1.0, 0.0, 0.0])


def rhs(t, y):
    y1, y2, y3 = y[0], y[1], y[2]
    return dnp.stack([-K1 * y1 + K3 * y2 * y3,
                      K1 * y1 - K3 * y2 * y3 - K2 * y2 * y2,
                      K2 * y2 * y2])


def analytic_jacobian(t, y):
    _, y2, y3 = y
    return np.array([[-K1, K3 * y3, K3 * y2],
                     [K1, -K3 * y3 - 2 * K2 * y2, -K3 * y2],
                     [0.0, 2 * K2 * y2, 0.0]])


dualad_jacobian = ad.jacfwd(rhs, argnums=1)

JACOBIANS = {"analytic": analytic_jacobian, "dualad": dualad_jacobian, "finite diff.": None}


def solve(method, jac, t_end=1e5, rtol=1e-6, atol=1e-10):
    """Solve and return ``(solution, statistics)``; ``calls`` counts every evaluation of the
    right-hand side, those of finite differences included."""
    fun = Counted(rhs)
    sol, seconds = timed(solve_ivp, fun, (0.0, t_end), Y0, method=method, jac=jac, rtol=rtol,
                         atol=atol)
    if not sol.success:
        raise RuntimeError(f"{method} failed: {sol.message}")
    return sol, {"nfev": sol.nfev, "calls": fun.calls, "njev": sol.njev, "nlu": sol.nlu,
                 "steps": sol.t.size - 1, "time": seconds}


HEADER = "{:7s} {:13s} {:>6s} {:>6s} {:>5s} {:>5s} {:>6s} {:>9s}  {}"
ROW = "{:7s} {:13s} {nfev:6d} {calls:6d} {njev:5d} {nlu:5d} {steps:6d} {time:9.3f}  {}"


def main(t_end=1e5):
    print(f"Robertson kinetics on [0, {t_end:g}]")
    print(HEADER.format("method", "Jacobian", "nfev", "calls", "njev", "nlu", "steps", "time [s]",
                        "y(t_end)"))
    for method in ("BDF", "Radau"):
        for name, jac in JACOBIANS.items():
            sol, s = solve(method, jac, t_end)
            print(ROW.format(method, name, np.array2string(sol.y[:, -1], precision=6), **s))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1e5)
