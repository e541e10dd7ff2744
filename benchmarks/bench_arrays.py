"""W3 (big elementwise) and W4 (MLP batch, float32): where memory passes decide."""
from .common import _FunctionalSuite, _NetworkSuite
from .workloads import W3, W4


class W3Elementwise(_FunctionalSuite):
    workload = W3
    params = [sorted(W3.sizes)]
    param_names = ["n"]


class W4MLPBatch(_NetworkSuite):
    workload = W4
    params = [list(W4.sizes)]
    param_names = ["batch"]
