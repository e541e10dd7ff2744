"""Compiled programs (``ad.jit``) on W1 (scalar chain), W2 (small MLP) and W4 (MLP batch,
float32, cross-entropy on integer labels), beside eager ``ad.grad`` of the same function:
``way`` is ``"eager"`` or ``"jit"``. Tracing happens in ``setup``; what is timed is one
gradient at the traced signature (the warm call). ``track_compile_time`` is the first call:
tracing, the passes and the run."""
import dualad as ad
import dualad.numpy as dnp

from .measure import median_time
from .workloads import W1, W2, W4


class _JitSuite:
    workload = None
    timeout = 180

    def setup(self, size, way):
        self.inst = self.workload.instance(size)
        fun, args = self.inst.function(dnp), self.inst.args
        grad = ad.grad(fun)
        if way == "jit":
            grad = ad.jit(grad)
        self.run = lambda: grad(*args)
        self.run()

    def time_grad(self, size, way):
        self.run()

    def track_compile_time(self, size, way):
        """Seconds of the first call of a new ``ad.jit(ad.grad(fun))`` (for ``"eager"``:
        one eager gradient, the baseline a first call pays on top of)."""
        fun, args = self.inst.function(dnp), self.inst.args

        def first_call():
            grad = ad.grad(fun)
            (ad.jit(grad) if way == "jit" else grad)(*args)

        return median_time(first_call, repeats=3, min_sample=0.02)

    track_compile_time.unit = "seconds"


class W1ScalarChainJit(_JitSuite):
    workload = W1
    params = [list(W1.sizes), ["eager", "jit"]]
    param_names = ["steps", "way"]

    def track_us_per_op(self, steps, way):
        return 1e6 * median_time(self.run, repeats=3, min_sample=0.02) / self.inst.ops

    track_us_per_op.unit = "µs per primitive"


class W2SmallMLPJit(_JitSuite):
    workload = W2
    params = [list(W2.sizes), ["eager", "jit"]]
    param_names = ["n_in", "way"]


class W4MLPBatchJit(_JitSuite):
    workload = W4
    params = [list(W4.sizes), ["eager", "jit"]]
    param_names = ["batch", "way"]
