"""benchmarks/bench_scipy.py at small sizes: each timed gradient equals central finite
differences, so that the benchmark code cannot rot. No timing is asserted here."""
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scipy")
# appended, not prepended: the installed (built) dualad must win over the checkout's sources
sys.path.append(str(Path(__file__).resolve().parents[2]))

from benchmarks import bench_scipy as bench  # noqa: E402


def central(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        out[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return out


def test_gp_gradient():
    suite = bench.GPMarginalLikelihoodGradient()
    suite.setup(30)
    got = suite.grad(suite.theta, suite.x, suite.y)
    np.testing.assert_allclose(got, central(lambda p: bench.gp_nll(np, p, suite.x, suite.y),
                                            suite.theta), rtol=1e-6)
    suite.time_numpy_primal(30)


def test_norm_gradient():
    suite = bench.NormLogpdfGradient()
    suite.setup(100)
    x, loc, scale = suite.args
    gx, gloc, gscale = suite.grad(suite.args)
    np.testing.assert_allclose(gx, -(x - loc) / scale ** 2)
    np.testing.assert_allclose(gloc, np.sum(x - loc) / scale ** 2)
    np.testing.assert_allclose(gscale, np.sum((x - loc) ** 2) / scale ** 3 - len(x) / scale)
    np.testing.assert_allclose(bench.norm_logpdf_sum(bench.dnp, suite.args),
                               bench.norm_logpdf_sum(np, suite.args))


@pytest.mark.parametrize("method", ["adjoint", "forward"])
def test_odeint_gradient(method):
    suite = bench.OdeintGradient()
    suite.setup(3, method)
    ga, gy0 = suite.grad(suite.params, suite.t)
    a, y0 = suite.params
    loss = lambda a, y0: bench.ode_loss(bench.dnp, (a, y0), suite.t)   # noqa: E731
    np.testing.assert_allclose(ga, central(lambda a: loss(a, y0), a, 1e-5),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gy0, central(lambda y: loss(a, y), y0, 1e-5),
                               rtol=1e-4, atol=1e-6)
    suite.time_scipy_primal(3, method)
    np.testing.assert_allclose(bench.ode_loss(np, suite.params, suite.t), loss(a, y0),
                               rtol=1e-6)
