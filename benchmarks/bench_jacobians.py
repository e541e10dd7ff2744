"""W5–W8: Jacobians and Hessians, where the direction decides."""
from .common import _FunctionalSuite
from .workloads import W5, W6, W7, W8


class W5WideJacobian(_FunctionalSuite):
    workload = W5
    params = [list(W5.sizes), list(W5.modes)]
    param_names = ["n_in", "mode"]


class W6TallJacobian(_FunctionalSuite):
    workload = W6
    params = [list(W6.sizes), list(W6.modes)]
    param_names = ["n_out", "mode"]


class W7RosenbrockHessian(_FunctionalSuite):
    workload = W7
    params = [sorted(W7.sizes)]
    param_names = ["n"]


class W8BrusselatorJacobian(_FunctionalSuite):
    workload = W8
    params = [list(W8.sizes), list(W8.modes)]
    param_names = ["grid_points", "mode"]
