"""compare_peers.py's GP, NORM and ODE workloads (issue 21, mathematics in
``benchmarks/scipy_workloads.py``) at small sizes: each builds, NumPy's value (the primal
floor) equals dualad's, and every installed peer's gradient equals dualad's, to rounding (to
``ODE_RTOL`` for the integrators). Peers that are not installed are skipped; no timing is
asserted."""
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scipy")
# appended, not prepended: the installed (built) dualad must win over the checkout's sources
sys.path.append(str(Path(__file__).resolve().parents[2]))

from benchmarks import compare_peers as cp  # noqa: E402
from benchmarks import workloads as wl  # noqa: E402

import dualad.numpy as dnp  # noqa: E402

SMALL = {"GP": 12, "NORM": 200, "ODE": 3}
PEER_MODULES = {"autograd": "autograd", "torch": "torch", "jax": "jax"}


def _gradient(name, inst):
    contestant = cp.Dualad() if name == "dualad" else cp.MAKERS[name]()
    run = cp.derivative_builder(name, contestant, inst, None)()
    return None if run is None else run()


@pytest.mark.parametrize("wid", list(SMALL))
def test_workload_builds_and_numpy_primal_is_dualads_value(wid):
    w = cp.ALL_WORKLOADS[wid]
    inst = w.instance(SMALL[wid], seed=1)
    primal = wl.numpy_primal(inst)()
    assert np.isfinite(primal)
    np.testing.assert_allclose(primal, inst.math(dnp, *inst.args), rtol=1e-7)
    gradient = cp.flat_arrays(_gradient("dualad", inst))
    shapes = [np.shape(a) for a in cp.flat_arrays(inst.args[0])]
    assert [g.shape for g in gradient] == shapes
    assert all(np.all(np.isfinite(g)) and np.any(g != 0) for g in gradient)


# JAX compiles every operation on its first call: seconds per workload (marked slow)
@pytest.mark.parametrize("peer", ["autograd", "torch", pytest.param("jax", marks=pytest.mark.slow)])
@pytest.mark.parametrize("wid", list(SMALL))
def test_peer_gradient_equals_dualads(wid, peer):
    pytest.importorskip(PEER_MODULES[peer])
    w = cp.ALL_WORKLOADS[wid]
    inst = w.instance(SMALL[wid], seed=1)
    got = _gradient(peer, inst)
    if got is None:                     # the peer lacks the function (PyTorch's odeint)
        assert peer in w.lacks
        return
    assert cp.mismatch(got, _gradient("dualad", inst), getattr(w, "rtol", None)) is None


def test_ode_gradients_agree_well_within_the_tolerance():
    """dualad's and autograd's adjoints (both over LSODA) agree to a tenth of ODE_RTOL."""
    pytest.importorskip("autograd")
    inst = cp.ODE.instance(SMALL["ODE"], seed=1)
    got, want = _gradient("autograd", inst), _gradient("dualad", inst)
    assert cp.mismatch(got, want, cp.ODE_RTOL / 10) is None
