"""``ad.record`` (a face of ``ad.jit``: ``rec.grad`` is ``ad.jit(ad.grad(f))``) on W1 (scalar
chain), W2 (small MLP) and W4 (MLP batch, float32), beside eager ``ad.grad`` on the same
workload: ``way`` is ``"eager"`` or ``"record"``. Recording and compiling the gradient happen in
``setup``; what is timed is one gradient at the recorded shapes."""
import dualad as ad
import dualad.numpy as dnp

from .measure import median_time
from .workloads import W1, W2, W4


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
        """Seconds to record ``fun`` and compile its gradient (the cost a Recording
        amortises)."""
        fun, args = self.inst.function(dnp), self.inst.args
        return median_time(lambda: ad.record(fun, *args).grad(*args), repeats=3,
                           min_sample=0.02)

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


class W4MLPBatchReplay(_ReplaySuite):
    workload = W4
    params = [list(W4.sizes), ["eager", "record"]]
    param_names = ["batch", "way"]

    def track_us_per_grad(self, batch, way):
        return 1e6 * median_time(self.run, repeats=3, min_sample=0.02)

    track_us_per_grad.unit = "µs"
