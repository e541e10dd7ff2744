"""The built-in primitives, one module per family; importing this package registers them all."""
from . import (binary, elementwise, indexing, linalg, movement, reductions,  # noqa: F401
               remainders, shape, training)
