"""NumPy reference kernels: the definition every compiled kernel is tested against.

Each ``<op>_fwd(x)`` returns ``(value, derivative)`` of an elementwise unary function in one
call and ``<op>_value(x)`` the value alone, for every op of the op table (``optable.py``) with a
compiled loop; they are generated here from the table's declaration (the value NumPy's function,
the derivative the table's expression evaluated with NumPy), and the Cython module ``_unary``,
generated from the same declarations, provides the same names with one fused pass over memory.
``unbroadcast`` sums a cotangent back to the shape of the argument that was broadcast.
These also serve CuPy arrays (through NumPy's dispatch to CuPy), scalars, and dtypes and
layouts the compiled kernels do not cover.
"""
import numpy as np

from .optable import OPS, function


def sigmoid(x):
    """1 / (1 + exp(-x)), finite for any x: exp(-|x|) never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (e + 1)


def relu(x):
    """max(x, 0), NaN staying NaN (``np.maximum``)."""
    return np.maximum(x, 0)


def step(x):
    """``x > 0`` as 0 or 1 in ``x``'s dtype: relu's derivative (0 at 0 and at NaN)."""
    return (x > 0).astype(np.result_type(x))


# the op table's functions, as NumPy computes them
NUMPY_FUNCTIONS = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
                   "sin": np.sin, "cos": np.cos, "tan": np.tan, "sinh": np.sinh,
                   "cosh": np.cosh, "sqrt": np.sqrt, "arctan": np.arctan, "abs": np.abs,
                   "sign": np.sign, "step": step, "sigmoid": sigmoid, "relu": relu}


def _fused(value, deriv):
    if deriv is None:   # its own derivative: one array serves both
        def fwd(x):
            y = value(x)
            return y, y
    else:
        def fwd(x):
            y = value(x)
            return y, deriv(x, y)
    return fwd


def _declare(op):
    value = getattr(np, op.numpy) if op.numpy else globals()[op.name]
    deriv = None if op.deriv == "y" else function(op.deriv, dict(NUMPY_FUNCTIONS))
    fwd = _fused(value, deriv)
    fwd.__name__ = fwd.__qualname__ = op.name + "_fwd"
    fwd.__doc__ = f"``({op.name}(x), {op.name}'(x))`` with ``{op.name}'(x) = {op.deriv}``."
    globals()[op.name + "_fwd"] = fwd
    globals()[op.name + "_value"] = value


for _op in OPS.values():
    if _op.c is not None:
        _declare(_op)


def unbroadcast(x, shape, lead=1):
    """Sum ``x`` (``lead`` leading axes kept, then a shape broadcast from ``shape``) back to
    ``x.shape[:lead] + shape``."""
    shape = tuple(shape)
    extra = x.ndim - lead - len(shape)
    axes = tuple(range(lead, lead + extra)) + tuple(
        lead + extra + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + extra + i] != 1)
    out = x.sum(axis=axes) if axes else x
    return out.reshape(x.shape[:lead] + shape)


def add_product(out, g, d):
    """``out += g * d`` for ``out`` and ``g`` of shape ``(k,) + d.shape``: the same bits as
    ``out + g * d``, written into ``out``; returns True (the compiled kernel returns False for
    layouts it leaves to the caller)."""
    np.add(out, g * d, out=out)
    return True


def arithmetic(name, x, y):
    """NumPy's ``name(x, y)`` for ``name`` in add, subtract, multiply, divide."""
    return getattr(np, name)(x, y)


def product_rule(tx, y, ty, x):
    """``tx * y + ty * x``: the tangent of ``x * y`` from the tangents ``tx`` and ``ty``."""
    return tx * y + ty * x

# Fingerprint constants: two odd 64-bit multipliers (bijections of uint64) and an index stride.
_FP_STRIDE = np.uint64(0x9E3779B97F4A7C15)
_FP_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_FP_MUL2 = np.uint64(0x94D049BB133111EB)


def fingerprint(a):
    """A 64-bit fingerprint of the bytes of ``a`` (for the tape's mutation guard).

    Each 8-byte word is offset by its position, mixed by a bijection of uint64 (multiply by an
    odd constant, xor-shift, multiply again) and the mixed words are summed modulo 2**64. So
    changing any single word always changes the fingerprint, a moved word does too, and other
    changes go unseen with probability about 2**-64. Computable word by word, which is what the
    compiled kernel does in one pass.
    """
    raw = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
    nbytes = raw.size
    if nbytes == 0:
        return 0
    words = np.concatenate([raw, np.zeros((-nbytes) % 8, dtype=np.uint8)]).view(np.uint64)
    with np.errstate(over="ignore"):
        x = words + np.arange(words.size, dtype=np.uint64) * _FP_STRIDE
        x *= _FP_MUL1
        x ^= x >> np.uint64(31)
        x *= _FP_MUL2
        return int(x.sum(dtype=np.uint64)) ^ nbytes
