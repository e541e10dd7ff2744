"""Base classes of the asv suite: one class per workload, parametrised by size (and mode).

asv skips names that start with an underscore, so these bases are never benchmarks themselves;
a subclass sets ``workload``, ``params`` and ``param_names``. ``setup`` builds the inputs and
the transformed function (outside the timed region); ``time_*`` and ``peakmem_*`` call the
derivative once; ``track_omega`` is the derivative's median time over the NumPy primal's.
"""
import os

import dualad.numpy as dnp

from .measure import median_time, retained_bytes, tape_stats
from .workloads import dualad_derivative, dualad_loss, numpy_primal

FULL = os.environ.get("DUALAD_BENCH") == "full"


def heavy(suite):
    """Class decorator for a suite too slow for the default run (kernels, memory, sparse, the
    mode-selector sweep, decompositions: minutes even with ``--quick``). asv discovers it only with
    ``DUALAD_BENCH=full`` in the environment; otherwise the module attribute is None, which asv
    passes over. The default suite keeps ``asv run --python=same --quick`` to a few minutes."""
    return suite if FULL else None


class _DerivativeSuite:
    workload = None
    timeout = 300

    def setup(self, size, mode=None):
        self.inst = self.workload.instance(size)
        self.mode = mode
        self.run = dualad_derivative(self.inst, mode)

    def time_derivative(self, *params):
        self.run()

    def peakmem_derivative(self, *params):
        self.run()

    def track_omega(self, *params):
        return (median_time(self.run, repeats=3, min_sample=0.02)
                / median_time(numpy_primal(self.inst), repeats=3, min_sample=0.02))

    track_omega.unit = "derivative time / NumPy primal time"


class _FunctionalSuite(_DerivativeSuite):
    """A workload written over ``dualad.numpy``: its tape can be recorded explicitly."""

    def track_tape_entries(self, *params):
        return tape_stats(self.inst.function(dnp), self.inst.args)[0]

    track_tape_entries.unit = "entries"

    def track_tape_bytes(self, *params):
        return tape_stats(self.inst.function(dnp), self.inst.args)[1]

    track_tape_bytes.unit = "bytes"


class _NetworkSuite(_DerivativeSuite):
    """A workload on ``dualad.nn``: the graph lives on the imperative tape."""

    def track_graph_bytes(self, *params):
        return retained_bytes(dualad_loss(self.inst)[0])

    track_graph_bytes.unit = "bytes"
