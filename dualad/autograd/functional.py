"""``torch.autograd.functional``: Jacobians, Hessians and products of a function of tensors,
with PyTorch's signatures, computed by dualad's functional transforms (reverse mode, as the
function may call PyTorch's Tensor methods, which the reverse-mode values carry).

>>> import dualad as ad
>>> from dualad.autograd.functional import jacobian
>>> jacobian(lambda t: t ** 2, ad.tensor([1.0, 2.0]))
tensor([[2., 0.],
        [0., 4.]])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import numpy as dnp
from .. import transforms
from .._core.backend import raw_value
from .._core.primitive import Box
from .._core.tree import tree_map
from .._torch_methods import _constant

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _plain(x: Any) -> Any:
    return np.asarray(raw_value(x)) if isinstance(x, Box) else np.asarray(x)


def _tensors(tree: Any) -> Any:
    return tree_map(lambda a: _constant(np.asarray(a)), tree)


def _arguments(inputs: Any) -> tuple[tuple, bool]:
    """The inputs as a tuple of arrays, and whether they came as a tuple."""
    if isinstance(inputs, (tuple, list)):
        return tuple(_plain(x) for x in inputs), True
    return (_plain(inputs),), False


def _refuse_create_graph(create_graph: bool, what: str) -> None:
    if create_graph:
        raise NotImplementedError(
            f"autograd.functional.{what}(create_graph=True): the results are constants; for "
            "higher derivatives compose dualad's transforms (ad.jacobian(ad.grad(f)))")


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs`` (a tensor or a tuple of them), shaped
    ``output.shape + input.shape``; nested tuples for several inputs or outputs, as PyTorch.

    >>> import dualad as ad
    >>> jacobian(lambda a, b: a * b, (ad.tensor([1.0, 2.0]), ad.tensor([3.0, 4.0])))[1]
    tensor([[1., 0.],
            [0., 2.]])
    """
    _refuse_create_graph(create_graph, "jacobian")
    args, many = _arguments(inputs)
    argnums = tuple(range(len(args))) if many else 0
    return _tensors(transforms.jacrev(func, argnums=argnums)(*args))


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of the scalar function ``func`` at ``inputs``, shaped ``input.shape * 2``
    (nested tuples for several inputs).

    >>> import dualad as ad
    >>> hessian(lambda t: (t ** 3).sum(), ad.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    _refuse_create_graph(create_graph, "hessian")
    args, many = _arguments(inputs)
    argnums = tuple(range(len(args))) if many else 0
    return _tensors(transforms.jacrev(transforms.jacrev(func, argnums=argnums),
                                      argnums=argnums)(*args))


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), vᵀ J)``; ``v`` may be omitted for a scalar output."""
    _refuse_create_graph(create_graph, "vjp")
    args, many = _arguments(inputs)
    out, pullback = transforms.vjp(func, *args)
    if v is None:
        v = tree_map(lambda o: np.ones_like(_plain(o)), out)
    cotangents = pullback(tree_map(_plain, v))
    return _tensors(out), _tensors(cotangents if many else cotangents[0])


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), J v)``; ``v`` may be omitted for a single-element input. Computed
    by transposing the reverse-mode product (``func`` sees reverse-mode values)."""
    _refuse_create_graph(create_graph, "jvp")
    args, many = _arguments(inputs)
    if v is None:
        v = tuple(np.ones_like(a) for a in args)
    directions = tuple(_plain(t) for t in (v if many else (v,)))
    out, pullback = transforms.vjp(func, *args)
    # J v is the derivative of u -> (uᵀ J) · v, a linear function of the cotangent u
    zero = tree_map(lambda o: np.zeros_like(_plain(o)), out)

    def along(u: Any) -> Any:
        return sum(dnp.sum(c * d) for c, d in zip(pullback(u), directions))

    return _tensors(out), _tensors(transforms.grad(along)(zero))


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), H v)`` of a scalar ``func``."""
    _refuse_create_graph(create_graph, "hvp")
    args, many = _arguments(inputs)
    directions = tuple(_plain(t) for t in (v if many else (v,)))
    argnums = tuple(range(len(args)))

    def slope(*xs: Any) -> Any:
        grads = transforms.grad(func, argnums=argnums)(*xs)
        return sum(dnp.sum(g * d) for g, d in zip(grads, directions))

    products = transforms.grad(slope, argnums=argnums)(*args)
    return func(*_tensors(args)), _tensors(products if many else products[0])


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), vᵀ H)``: the same as ``hvp``, the Hessian being symmetric."""
    return hvp(func, inputs, v, create_graph, strict)
