"""``torch.autograd`` on dualad's imperative face: custom operations written as a ``Function``
(``forward``/``backward`` static methods with a ``ctx``), and ``grad`` / ``backward`` of
chosen outputs with respect to chosen inputs.

::

    class Cube(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    x = ad.tensor(2.0, requires_grad=True)
    Cube.apply(x).backward()            # x.grad is 12

# Design: a ``Function`` is a ``custom_vjp`` whose forward and backward see tensors (constants,
# as PyTorch's forward runs without recording), so it serves every transform, not only
# ``backward()``: ``ad.grad`` of code calling ``Cube.apply`` uses the same backward, and forward
# mode evaluates it once per output direction. ``backward`` must be written in tensor
# operations for second derivatives, as in PyTorch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core._engine import reachable_desc, sweep
from .._core.backend import raw_value
from .._core.primitive import Box, shape_of
from .._core.tape import IMPERATIVE, Tensor, _seed
from .._core.tree import tree_map
from .._torch_methods import _constant
from ..transforms.custom import custom_vjp
from . import functional  # noqa: F401  (torch.autograd.functional)

__all__ = ["Function", "FunctionCtx", "grad", "backward"]


class FunctionCtx:
    """The ``ctx`` a ``Function``'s ``forward`` fills and its ``backward`` reads."""

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``backward`` (as ``ctx.saved_tensors``)."""
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Accepted for PyTorch's sake: outputs of integer dtype are never differentiated."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch's sake: ``backward`` always receives a tensor."""
        self.materialize_grads = value


def _tensor(value: Any) -> Any:
    return _constant(value) if isinstance(value, (np.ndarray, np.generic)) else value


def _plain(value: Any) -> Any:
    """The array of a constant tensor made by ``_tensor``; any other value as it is (a value
    traced by an enclosing transform keeps its derivative)."""
    if isinstance(value, Tensor) and value._trace is IMPERATIVE and value._node is None:
        return value._value
    return value


class Function:
    """PyTorch's ``torch.autograd.Function``: subclass it with static ``forward(ctx, *args)``
    and ``backward(ctx, *grad_outputs)`` (one gradient per argument of ``forward``, None for
    the ones without), and call ``YourFunction.apply(*args)``. ``forward`` may also take no
    ``ctx`` when the class defines ``setup_context(ctx, inputs, output)``.

    >>> import dualad as ad
    >>> class Square(ad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         x, = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = ad.tensor(3.0, requires_grad=True)
    >>> Square.apply(x).backward(); float(x.grad)
    6.0
    """

    setup_context = None   # or a static method (ctx, inputs, output), forward taking no ctx

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads) to be "
                                  "differentiated")

    @classmethod
    def _run_forward(cls, ctx: FunctionCtx, args: tuple) -> Any:
        tensors = tuple(_tensor(a) for a in args)
        if cls.setup_context is not None:
            out = cls.forward(*tensors)
            cls.setup_context(ctx, tensors, out)
        else:
            out = cls.forward(ctx, *tensors)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(
                f"{cls.__name__}.forward returned {len(out)} outputs; dualad's autograd.Function "
                "supports one output tensor (return a stacked tensor, or write two Functions)")
        return _plain(out)

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` on ``args`` and record it, so that ``backward`` gives its
        gradients."""
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        name = cls.__name__

        def run(*values: Any) -> Any:
            return cls._run_forward(FunctionCtx(needs), values)

        def fwd(*values: Any) -> tuple:
            ctx = FunctionCtx(needs)
            out = cls._run_forward(ctx, values)
            # what ctx holds travels in the open, so that values traced by an enclosing
            # transform (second derivatives) are seen as the rule's inputs
            return out, (ctx, tree_map(_plain, dict(vars(ctx))))

        def bwd(residuals: tuple, g: Any) -> tuple:
            ctx = residuals[0]
            grads = cls.backward(ctx, _tensor(g))
            grads = grads if isinstance(grads, (tuple, list)) else (grads,)
            if len(grads) != len(args):
                raise ValueError(f"{name}.backward returned {len(grads)} gradients for "
                                 f"{len(args)} inputs of forward (give None for an input "
                                 "without one)")
            return tuple(None if g is None else _plain(g) for g in grads)

        run.__name__ = name
        op = custom_vjp(run)
        op.defvjp(fwd, bwd)
        return op(*args)


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """The gradients of ``outputs`` (weighted by ``grad_outputs``; scalars need none) with
    respect to ``inputs`` (leaves or intermediate tensors), returned as a tuple without
    touching any ``.grad``.

    >>> import dualad as ad
    >>> x = ad.tensor([1.0, 2.0], requires_grad=True)
    >>> ad.autograd.grad((x ** 2).sum(), x)[0]
    tensor([2., 4.])
    """
    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): the imperative tape does not record its own "
            "backward pass; for higher derivatives use the functional transforms "
            "(ad.grad(ad.grad(f)), ad.hessian)")
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    weights = (None,) * len(outputs) if grad_outputs is None else _as_tuple(grad_outputs)
    seeds = {}
    for out, w in zip(outputs, weights):
        if not isinstance(out, Tensor) or out._node is None or out._trace is not IMPERATIVE:
            raise RuntimeError("autograd.grad: an output does not depend on any tensor with "
                               "requires_grad=True")
        if w is None and int(np.prod(shape_of(out))) != 1:
            raise RuntimeError(f"autograd.grad: grad_outputs is needed for the non-scalar "
                               f"output of shape {shape_of(out)}")
        seed = _seed(out, raw_value(w) if isinstance(w, Box) else w, "grad_outputs")
        seeds[out._node] = seed if out._node not in seeds else seeds[out._node] + seed
    wanted = {id(t._node) for t in inputs if isinstance(t, Tensor) and t._node is not None}
    found = {id(n): n for root in seeds for n in reachable_desc(root)}
    captured = {}

    def tapped():
        # nodes in decreasing recording order: when a wanted node comes up, every use of it
        # has been swept, so its cotangent in ``seeds`` is complete (holding it here also
        # keeps the sweep from adding into it in place)
        for node in sorted(found.values(), key=lambda n: n.seq, reverse=True):
            if id(node) in wanted:
                captured[id(node)] = seeds.get(node)
            yield node

    sweep(tapped(), seeds, bool(retain_graph))
    result = []
    for t in inputs:
        ct = captured.get(id(t._node)) if isinstance(t, Tensor) and t._node is not None else None
        if ct is None and not allow_unused:
            raise RuntimeError("autograd.grad: one of the inputs was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
        result.append(None if ct is None else _constant(ct[0]))
    return tuple(result)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None) -> None:
    """``tensors[i].backward(grad_tensors[i])`` for each output, accumulating into ``.grad``."""
    tensors = _as_tuple(tensors)
    weights = (None,) * len(tensors) if grad_tensors is None else _as_tuple(grad_tensors)
    for i, (t, w) in enumerate(zip(tensors, weights)):
        t.backward(w, retain_graph=bool(retain_graph) or i < len(tensors) - 1)
