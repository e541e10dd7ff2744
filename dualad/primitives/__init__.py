"""The built-in primitives, one module per family; importing this package registers them all."""
from . import (binary, decompositions, elementwise, indexing, linalg, movement,  # noqa: F401
               reductions, remainders, shape, training)
