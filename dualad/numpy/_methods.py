"""Operators, array methods and NumPy interoperability for dualad's boxed values.

Handed to ``Box`` (the base of ``Dual`` and ``Tensor``) through the core's hook
``primitive.use_array_surface`` when ``dualad.numpy`` is imported, so that ``x * y``, ``x @ W``,
``x.sum(axis=0)`` and ``np.sin(x)`` mean the same as the ``dualad.numpy`` functions.

NOTE: NumPy interoperability. ``Box.__array_ufunc__`` makes NumPy defer to dualad when an ndarray
meets a box (``np.ones(3) + d``, ``X @ theta``) and maps NumPy ufuncs called on boxes to the
``dualad.numpy`` function of the same name; ``__array_function__`` does the same for other NumPy
functions. What has no dualad counterpart raises a TypeError pointing at ``dualad.numpy``,
unless no argument carries a derivative, in which case NumPy computes it on the plain values.
A derivative is never dropped silently.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

from .._core import _engine
from .._core.backend import raw_value
from .._core.escape import holds_derivative
from .._core.primitive import use_array_surface
from ._at import IndexUpdateHelper

_UFUNC_ALIASES = {"true_divide": "divide", "absolute": "abs", "conjugate": None}


def _dnp():
    import dualad.numpy as dnp
    return dnp


def strip(tree):
    """``tree`` (a value, or lists, tuples and dicts of values) with every box replaced by its
    plain value."""
    if isinstance(tree, (list, tuple)):
        return type(tree)(strip(v) for v in tree)
    if isinstance(tree, dict):
        return {k: strip(v) for k, v in tree.items()}
    return raw_value(tree)


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    name = _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
    fun = getattr(_dnp(), name, None) if name else None
    if method == "__call__" and fun is not None:
        return fun(*inputs, **kwargs)
    if not any(holds_derivative(v) for v in inputs):
        return getattr(ufunc, method)(*strip(inputs), **kwargs)
    call = f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method}"
    if fun is not None:
        fix = f"call dualad.numpy.{name} (or a dnp reduction) instead"
    else:
        fix = f"dualad.numpy has no {name}; compose it from dualad.numpy functions"
    raise TypeError(f"{call} is not differentiable by dualad: {fix}, or apply it to "
                    "ad.stop_gradient(x) if no derivative is wanted")


def _dnp_namespace(module):
    """The dualad.numpy namespace mirroring the NumPy module ``module`` ("numpy.linalg" …),
    or None."""
    dnp = _dnp()
    if module == "numpy" or module.startswith("numpy._core") or module.startswith("numpy.core"):
        return dnp
    sub = module.split(".")[1] if module.startswith("numpy.") else None
    namespace = getattr(dnp, sub, None) if sub else None
    return namespace if isinstance(namespace, ModuleType) else None


def _array_function(self, func, types, args, kwargs):
    namespace = _dnp_namespace(func.__module__ or "")
    fun = getattr(namespace, func.__name__, None) if namespace is not None else None
    if fun is not None:
        return fun(*args, **kwargs)
    if not holds_derivative((args, kwargs)):
        return func(*strip(args), **strip(kwargs))
    module = func.__module__ or "numpy"
    mirror = "dualad.numpy" + module[len("numpy"):] if module.startswith("numpy") else None
    raise TypeError(
        f"{module}.{func.__name__} is not differentiable by dualad: "
        f"{mirror or 'dualad.numpy'} has no {func.__name__}; compose it from dualad.numpy "
        "functions, or apply it to ad.stop_gradient(x) if no derivative is wanted")


def _forward(name):
    fun = getattr(_dnp(), name)   # installed once dualad.numpy is complete

    def method(self, *args: Any, **kwargs: Any) -> Any:
        return fun(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``x.{name}(...)`` is ``dualad.numpy.{name}(x, ...)``."
    return method


def install():
    """Hand the core the boxes' array surface (``primitive.use_array_surface``) and the
    facade's indexing (``_engine.use_facade``); called once, by ``dualad/numpy/__init__.py``."""
    dnp = _dnp()

    def reshape(self, *shape: Any, **kwargs: Any) -> Any:
        """``x.reshape(shape)`` or ``x.reshape(*shape)`` is ``dualad.numpy.reshape(x, shape)``."""
        return dnp.reshape(self, shape[0] if len(shape) == 1 else shape, **kwargs)

    def transpose(self, *axes: Any) -> Any:
        """``x.transpose(axes)`` or ``x.transpose(*axes)`` is ``dualad.numpy.transpose(x,
        axes)``; no axes reverse them."""
        return dnp.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def conj(self) -> Any:
        """The complex conjugate (``dualad.numpy.conj``)."""
        return dnp.conj(self)

    # + - * / ** @ and unary - are compiled on the boxes' base (``_engine.BoxBase``)
    comparisons = {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
                   "eq": "equal", "ne": "not_equal"}
    surface = {f"__{dunder}__": _forward(name) for dunder, name in comparisons.items()}
    surface.update({
        "__hash__": object.__hash__,
        # % // divmod(), both operand orders
        "__mod__": lambda self, other: dnp.mod(self, other),
        "__rmod__": lambda self, other: dnp.mod(other, self),
        "__floordiv__": lambda self, other: dnp.floor_divide(self, other),
        "__rfloordiv__": lambda self, other: dnp.floor_divide(other, self),
        "__divmod__": lambda self, other: dnp.divmod(self, other),
        "__rdivmod__": lambda self, other: dnp.divmod(other, self),
        # ``if x:`` means ``if x != 0`` (NumPy's truth value), taken through ``not_equal`` so
        # that ad.jit sees the branch and guards it
        "__bool__": lambda self: bool(dnp.not_equal(self, 0)),
        "__pos__": lambda self: self,
        "__abs__": lambda self: dnp.abs(self),
        "__iter__": lambda self: (self[i] for i in range(len(self))),
        "__array_ufunc__": _array_ufunc,
        "__array_function__": _array_function,
    })
    for name in ("sum", "mean", "prod", "max", "min", "var", "std", "cumsum", "ravel",
                 "squeeze", "dot", "clip", "swapaxes", "repeat", "flatten", "trace",
                 "diagonal", "astype", "argmax", "argmin", "cumprod", "all", "any"):
        surface[name] = _forward(name)
    surface.update({
        "reshape": reshape,
        "transpose": transpose,
        "T": property(lambda self: dnp.transpose(self),
                      doc="The axes reversed (``dualad.numpy.transpose``)."),
        "real": property(lambda self: dnp.real(self),
                         doc="The real part (``dualad.numpy.real``)."),
        "imag": property(lambda self: dnp.imag(self),
                         doc="The imaginary part (``dualad.numpy.imag``)."),
        "conj": conj,
        "conjugate": conj,
        "at": property(IndexUpdateHelper, doc="Functional index updates: ``x.at[i].set(v)`` "
                       "returns a copy of ``x`` with ``x[i] = v`` (also ``add``, ``multiply``, "
                       "``min``, ``max``, ``get``), differentiable in both modes."),
    })
    use_array_surface(surface)
    _engine.use_facade(dnp.getitem, dnp.array)   # indexing lives on the compiled base
