"""dualad: dual-mode automatic differentiation for NumPy code.

Forward mode carries dual-number arrays (``Dual``); reverse mode records a Wengert tape
(``Tape``, ``tensor``). Both run on one registry of primitives; ``jacobian`` and ``hessian``
pick the cheaper direction. ``dualad.numpy`` is the NumPy-like namespace, ``dualad.nn`` and
``dualad.optim`` the PyTorch-like training face, ``dualad.extend`` the way to add primitives.
"""
try:
    from . import numpy  # noqa: F401  (registers the primitives, installs operators on boxes)
except ModuleNotFoundError as error:     # a source tree without its compiled core
    if error.name != __name__ + "._core._engine":
        raise
    raise ImportError(
        f"dualad was imported from {__path__[0]}, a source tree whose Cython extensions are not "
        "built (Python puts the current directory first on sys.path, so it shadows an installed "
        "dualad). Run Python from another directory, or build in place: "
        "`pip install --no-build-isolation -e .` or `python setup.py build_ext --inplace`."
    ) from None
from . import extend, special, testing, tree  # noqa: F401
from ._core.backend import backend_of
from ._core.dual import Dual
from ._core.escape import ConcretizationError
from ._core.primitive import seal_builtins as _seal_builtins
from ._core.state import enable_grad, no_grad
from ._core.tape import Tape, Tensor, tensor
from .checkpoint import checkpoint, checkpoint_loop
from .compiler import jit
from .fixed_points import fixed_point
from .recording import Recording, record
from .sparse import hessian_sparsity, jacobian_sparsity, sparse_hessian, sparse_jacobian
from .transforms import (JacobianPlan, elementwise_grad, grad, hessian, holomorphic_grad, hvp,
                         jacfwd, jacobian, jacrev, jvp, plan_jacobian, value_and_grad, vjp)
from .transforms.custom import custom_jvp, custom_vjp
from .transforms.stop import stop_gradient
from .torch_api import *  # noqa: F401,F403  (PyTorch's top-level names; shadows sum, max …)
from ._torch_functions import *  # noqa: F401,F403  (more of them: mul, sort, float …)

_seal_builtins()

__version__ = "0.1.0"

__all__ = [
    "Dual", "Tape", "Tensor", "tensor", "no_grad", "enable_grad", "backend_of",
    "grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "jacobian", "hessian", "hvp",
    "elementwise_grad", "holomorphic_grad", "plan_jacobian", "JacobianPlan", "custom_jvp",
    "custom_vjp",
    "jacobian_sparsity", "hessian_sparsity", "sparse_jacobian", "sparse_hessian",
    "checkpoint", "checkpoint_loop", "record", "Recording", "ConcretizationError",
    "stop_gradient", "fixed_point", "jit",
] + torch_api.__all__ + _torch_functions.__all__  # noqa: F405  (the submodules, bound above)

# subpackages with their own import cost are imported when first used: ``ad.nn.Linear``
_SUBPACKAGES = ("nn", "optim", "optimizers", "scipy", "distributed", "utils", "autograd")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dualad' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES))
