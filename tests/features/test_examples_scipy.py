"""The SciPy examples run end to end at small sizes and reach the same solutions with dualad's
derivatives as with the hand-written ones."""
import importlib
import pathlib
import sys

import numpy as np
import pytest

pytest.importorskip("scipy")

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def examples():
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield lambda name: importlib.import_module(name)
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.mark.parametrize("method", ["BDF", "Radau"])
def test_robertson_with_dualad_jacobian_matches_analytic(examples, method):
    ex = examples("ode_robertson")
    y = np.array([0.7, 2e-5, 0.3])
    np.testing.assert_allclose(ex.dualad_jacobian(0.0, y), ex.analytic_jacobian(0.0, y),
                               rtol=1e-15)
    sol, stats = ex.solve(method, ex.dualad_jacobian, t_end=100.0)
    ref, ref_stats = ex.solve(method, ex.analytic_jacobian, t_end=100.0)
    np.testing.assert_allclose(sol.y[:, -1], ref.y[:, -1], rtol=1e-10, atol=1e-16)
    assert stats["steps"] == ref_stats["steps"] and stats["njev"] == ref_stats["njev"] > 0
    assert abs(sol.y[:, -1].sum() - 1.0) < 1e-8          # mass is conserved


@pytest.mark.parametrize("method", ["BDF", "Radau"])
def test_brusselator_with_sparse_jacobian_matches_analytic(examples, method):
    ex = examples("ode_brusselator")
    n = 20
    sources = ex.jacobian_sources(n)
    jac = sources["dualad sparse"]["jac"]
    y0 = ex.initial_state(n)
    J = jac(0.0, y0)
    assert J.format == "csr" and J.shape == (2 * n, 2 * n)
    np.testing.assert_allclose(J.toarray(), ex.analytic_jacobian(0.0, y0).toarray(),
                               rtol=1e-14)
    plan = jac.plan(0.0, y0)
    assert plan.direction == "forward" and plan.colors <= 5
    results = {name: ex.solve(n, method, t_end=2.0, **options)
               for name, options in sources.items()}
    reference = results["analytic"][0].y[:, -1]
    np.testing.assert_allclose(results["dualad sparse"][0].y[:, -1], reference, rtol=1e-10)
    np.testing.assert_allclose(results["FD sparse"][0].y[:, -1], reference, rtol=1e-5)
    # finite differences evaluate the right-hand side for their Jacobians; dualad does not
    assert results["dualad sparse"][1]["calls"] == results["dualad sparse"][1]["nfev"]
    assert results["FD dense"][1]["calls"] > results["FD dense"][1]["nfev"]


@pytest.mark.parametrize("method", ["trust-exact", "trust-constr", "Newton-CG"])
def test_rosenbrock_newton_reaches_the_minimum_like_analytic(examples, method):
    ex = examples("rosenbrock_newton")
    n = 20
    runs = {source: kw for (m, source), kw in ex.RUNS.items() if m == method}
    (dualad_source,) = [s for s in runs if s.startswith("dualad")]
    res, stats = ex.run(method, n, **runs[dualad_source])
    ref, ref_stats = ex.run(method, n, **runs["analytic"])
    np.testing.assert_allclose(res.x, np.ones(n), atol=1e-7)
    np.testing.assert_allclose(res.x, ref.x, atol=1e-10)
    assert stats["nit"] == ref_stats["nit"]


def test_rosenbrock_derivatives_equal_scipy_analytic(examples):
    from scipy.optimize import rosen_der, rosen_hess, rosen_hess_prod
    ex = examples("rosenbrock_newton")
    x = ex.starting_point(12)
    p = np.linspace(-1, 1, 12)
    np.testing.assert_allclose(ex.gradient(x), rosen_der(x), rtol=1e-13)
    np.testing.assert_allclose(ex.hvp(x, p), rosen_hess_prod(x, p), rtol=1e-12, atol=1e-12)
    H = ex.RUNS[("trust-constr", "dualad sparse")]["hess"](x)
    np.testing.assert_allclose(H.toarray(), rosen_hess(x), rtol=1e-13)


@pytest.mark.parametrize("method", ["trf", "lm"])
def test_curve_fit_with_dualad_jacobian_matches_analytic(examples, method):
    ex = examples("curve_fit")
    t, y = ex.make_data(60)
    np.testing.assert_allclose(ex.JACOBIANS["dualad"](ex.START, t, y),
                               ex.analytic_jacobian(ex.START, t, y), rtol=1e-13, atol=1e-14)
    res, stats = ex.fit(method, ex.JACOBIANS["dualad"], t, y)
    ref, _ = ex.fit(method, ex.analytic_jacobian, t, y)
    fd, fd_stats = ex.fit(method, "2-point", t, y)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10)
    np.testing.assert_allclose(res.x, ex.TRUE_PARAMS, atol=0.1)
    np.testing.assert_allclose(fd.x, ref.x, rtol=1e-5)
    assert stats["calls"] == stats["nfev"] < fd_stats["calls"]


@pytest.mark.parametrize("name, args", [
    ("ode_robertson", (10.0,)), ("ode_brusselator", (8, 1.0)),
    ("rosenbrock_newton", (8,)), ("curve_fit", (40,)),
])
def test_examples_print_their_statistics(examples, capsys, name, args):
    examples(name).main(*args)
    out = capsys.readouterr().out
    assert "nfev" in out and "time [s]" in out
    assert len(out.splitlines()) >= 6
