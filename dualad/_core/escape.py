"""Escaped values: a traced value may not leave its transform as a plain number.

NOTE: escaped values. Inside a functional transform (``grad``, ``jvp``, ``jacobian``,
``hessian``, ``ad.record`` …) a box stands for a value *and* its derivative. Python's conversion
protocols (``float``, ``int``, ``complex``, ``operator.index``, ``item``, ``tolist``,
``numpy``, ``__array__``: everything ``math.sin(x)``, ``np.asarray(x)`` or ``y[0] = x`` goes
through) can hand over only the value, so the derivative would silently become zero. Those
protocols therefore ask ``concrete`` for the value, which raises ``ConcretizationError`` while
any box around it still carries a derivative of a running transform. Comparisons (``x > 0``)
answer plain booleans through ``dualad.numpy`` and stay allowed: control flow is fine.

The imperative face (``ad.tensor``, level ``IMPERATIVE_LEVEL``) keeps PyTorch's habits:
``float(t)`` and ``t.item()`` report plain numbers, while ``t.numpy()`` and ``np.asarray(t)`` of a
tensor that requires grad raise, pointing at ``t.detach()``. A box whose transform has finished
(an escaped ``Dual`` or ``Tensor``) is a constant and converts freely.
"""
from .state import IMPERATIVE_LEVEL

__all__ = ["ConcretizationError", "carries_derivative", "concrete", "holds_derivative"]

_FIXES = (
    "Use the dualad.numpy (dnp) function instead (dnp.sin(x), not math.sin(x); dnp.stack or "
    "dnp.array for building arrays); ad.stop_gradient(x) if the value is meant as a constant; "
    "x.at[i].set(v) instead of writing into an array (dnp.at(y)[i].set(v) for a NumPy "
    "array y).")


class ConcretizationError(TypeError):
    """A traced value was converted to a plain number or NumPy array inside a transform, which
    would drop its derivative.

    >>> import dualad as ad
    >>> ad.grad(lambda x: x * float(x))(3.0)
    Traceback (most recent call last):
      ...
    dualad.ConcretizationError: float() ...
    """


ConcretizationError.__module__ = "dualad"   # where users meet it: ad.ConcretizationError

class GradTensorToNumpyError(ConcretizationError, RuntimeError):
    """``t.numpy()`` of a tensor that requires grad (a ``RuntimeError`` as in PyTorch)."""


def carries_derivative(box):
    """Whether the box ``box`` (its outer level) carries a derivative a running transform
    tracks: not once its transform has finished, nor for a tensor without a node."""
    trace = box._trace
    if not trace.active:   # its transform has finished: a constant
        return False
    return getattr(box, "_node", True) is not None   # a Tensor without a node is a constant


def concrete(box, operation, reporting=True):
    """The plain value inside ``box`` for ``operation`` (its name, as the user wrote it), or
    ``ConcretizationError`` when that would drop a derivative (NOTE: escaped values).
    ``reporting``: the operation only reports the value (``float``, ``item``), which the
    imperative face allows."""
    x = box
    while hasattr(x, "_level"):
        if carries_derivative(x):
            if x._level != IMPERATIVE_LEVEL:
                raise ConcretizationError(
                    f"{operation} was applied to a value traced by a dualad transform (grad, "
                    "jvp, jacobian, hessian, record, ...): it would leave the trace as a plain "
                    f"value and its derivative would be lost. {_FIXES}")
            if not reporting:
                raise GradTensorToNumpyError(
                    f"{operation}: can't convert a tensor that requires grad to a NumPy array, "
                    "that would drop its derivative; use t.detach().numpy() (or dualad.numpy "
                    "functions on the tensor)")
        x = x._raw()
    return x


def holds_derivative(tree):
    """Whether ``tree`` (a value, or lists, tuples and dicts of values) holds a box that carries
    a derivative at any of its levels: what a function computing on plain values would drop."""
    if isinstance(tree, (list, tuple)):
        return any(holds_derivative(v) for v in tree)
    if isinstance(tree, dict):
        return any(holds_derivative(v) for v in tree.values())
    while hasattr(tree, "_level"):
        if carries_derivative(tree):
            return True
        tree = tree._raw()
    return False
