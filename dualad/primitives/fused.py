"""What the fused layer primitives (recurrent cells, normalisation) share: the test for when
their compiled path applies, and the primitive class whose backward is a kernel.

# Design: a fused layer primitive computes its value and its backward with kernels
# (``dualad._kernels.RECURRENT``, ``NORM``) on plain arrays: one pass over memory each way and
# one tape entry, but a backward that is not itself differentiable. So it is used only where
# nothing differentiates its backward: every operand a plain array or a value of one reverse
# trace over plain arrays (the imperative face, ``grad``, ``jacrev``, ``ad.record``), which
# ``fusable`` checks. Everywhere else (forward mode, nested transforms: ``hessian``,
# ``grad(grad(f))``) the caller evaluates the same function composed from ``dualad.numpy``
# operations, whose derivatives are differentiable to any order; the hand-written calculus
# lives in the kernels alone. Should the backward still meet a traced cotangent (a ``vjp``
# function differentiated with respect to its cotangent), it raises rather than answer a
# constant.
"""
from .._core.primitive import BoxBase, Primitive
from .._core.tape import Tensor


def fusable(*args):
    """Whether ``args`` (arrays, None, or boxes) are all plain arrays or values of one reverse
    trace whose values are plain arrays: then a fused primitive's backward will only ever see
    plain arrays."""
    trace = None
    for a in args:
        if a is None or not isinstance(a, BoxBase):
            continue
        if type(a) is not Tensor or isinstance(a._value, BoxBase):
            return False
        if trace is None:
            trace = a._trace
        elif a._trace is not trace:
            return False
    return True


class FusedPrimitive(Primitive):
    """A primitive whose tape entry is ``fwd``'s residuals and whose backward is ``bwd``:
    ``fwd(*args, **params) -> (ans, residuals)``, ``bwd(g, residuals, needs, **params)`` (``g``
    with its batch axis first) returning one cotangent per argument (None where ``needs`` is
    False). Callers bind it only when ``fusable`` says so (see the module's design note)."""

    def __init__(self, name, fwd, bwd):
        super().__init__(name, lambda *args, **params: fwd(*args, **params)[0], batched=True)
        self.fwd, self.bwd = fwd, bwd

    def record(self, args, params):
        # what must stay true: the kernels only ever see plain arrays. Operands that are still
        # boxes here belong to an outer transform (a derivative of a derivative), which the
        # kernels' backward could not serve: refuse by name rather than fail inside a kernel
        if any(isinstance(a, BoxBase) for a in args):
            raise TypeError(
                f"{self.name}: this fused kernel cannot be differentiated twice (its operands "
                "are traced by an outer transform); bind it only where "
                "dualad.primitives.fused.fusable says so, and compose the layer from "
                "dualad.numpy operations elsewhere, as the layer functions do")
        return self.fwd(*args, **params)

    def backward(self, g, residuals, needs, params):
        if isinstance(g, BoxBase):
            raise TypeError(
                f"{self.name}: the backward of this fused kernel is not differentiable by "
                "dualad (a vjp function differentiated with respect to its cotangent); "
                "differentiate the function itself to higher order instead (ad.hessian, "
                "ad.grad(ad.grad(f))), which composes the layer from dualad.numpy operations")
        return self.bwd(g, residuals, needs, **params)

    def forward(self, primals, tangents, params):
        raise TypeError(f"{self.name} has no forward-mode rule: its callers compose the layer "
                        "from dualad.numpy operations under forward mode (see "
                        "dualad.primitives.fused)")
