"""The functional transforms of API.md section 1."""
from .forward import jacfwd, jvp
from .higher import hessian, hvp
from .modes import JacobianPlan, jacobian, plan_jacobian
from .reverse import elementwise_grad, grad, holomorphic_grad, jacrev, value_and_grad, vjp

__all__ = ["jacfwd", "jvp", "hessian", "hvp", "JacobianPlan", "jacobian", "plan_jacobian",
           "elementwise_grad", "grad", "holomorphic_grad", "jacrev", "value_and_grad", "vjp"]
