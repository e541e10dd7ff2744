"""Compiled replay (``ad.record``) on W1 (scalar chain) and W2 (small MLP), beside eager
``ad.grad`` on the same workload: ``way`` is ``"eager"`` or ``"record"``. Recording happens in
``setup``; what is timed is one gradient at the recorded shapes."""
import dualad as ad
import dualad.numpy as dnp

from .measure import median_time
from .workloads import W1, W2


class _ReplaySuite:
    workload = None
    timeout = 120

    def setup(self, size, way):
        self.inst = self.workload.instance(size)
        fun, args = self.inst.function(dnp), self.inst.args
        if way == "record":
            rec = ad.record(fun, *args)
            self.run = lambda: rec.grad(*args)
        else:
            grad = ad.grad(fun)
            self.run = lambda: grad(*args)
        self.run()

    def time_grad(self, size, way):
        self.run()

    def track_recording_time(self, size, way):
        """Seconds to record and compile the tape once (the cost a Recording amortises)."""
        fun, args = self.inst.function(dnp), self.inst.args
        return median_time(lambda: ad.record(fun, *args), repeats=3, min_sample=0.02)

    track_recording_time.unit = "seconds"


class W1ScalarChainReplay(_ReplaySuite):
    workload = W1
    params = [list(W1.sizes), ["eager", "record"]]
    param_names = ["steps", "way"]

    def track_us_per_op(self, steps, way):
        return 1e6 * median_time(self.run, repeats=3, min_sample=0.02) / self.inst.ops

    track_us_per_op.unit = "µs per primitive"


class W2SmallMLPReplay(_ReplaySuite):
    workload = W2
    params = [list(W2.sizes), ["eager", "record"]]
    param_names = ["n_in", "way"]

    def track_us_per_grad(self, n_in, way):
        return 1e6 * median_time(self.run, repeats=3, min_sample=0.02)

    track_us_per_grad.unit = "µs"
