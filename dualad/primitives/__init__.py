"""The built-in primitives, one module per family; importing this package registers them all
and hands the core the few it applies itself (``_engine.use_ops``: the box operators, the sums
and broadcasts around rules, and the rules derived for primitives that declare only one mode)."""
from .._core import _engine
from . import (binary, complex, decompositions, derived, elementwise, indexing,  # noqa: F401
               linalg, logexp, movement, reductions, remainders, shape, training)

_engine.use_ops(
    add=binary.add, subtract=binary.subtract, multiply=binary.multiply, divide=binary.divide,
    power=logexp.power, negative=elementwise.negative, square=elementwise.square,
    matmul=linalg.matmul, reshape=shape.reshape, broadcast_to=shape.broadcast_to,
    unbroadcast=shape.unbroadcast, real=complex.real, astype=movement.astype, derived=derived)
