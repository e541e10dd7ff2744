"""W1 (scalar chain) and W2 (small MLP): where per-operation overhead decides."""
from .common import _FunctionalSuite
from .measure import median_time
from .workloads import W1, W2


class W1ScalarChain(_FunctionalSuite):
    workload = W1
    params = [list(W1.sizes)]
    param_names = ["steps"]

    def track_us_per_op(self, steps):
        return 1e6 * median_time(self.run, repeats=3, min_sample=0.02) / self.inst.ops

    track_us_per_op.unit = "µs per primitive"


class W2SmallMLP(_FunctionalSuite):
    workload = W2
    params = [list(W2.sizes)]
    param_names = ["n_in"]
