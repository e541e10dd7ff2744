"""NumPy reference kernels: the definition every compiled kernel is tested against.

Each ``<op>_fwd(x)`` returns ``(value, derivative)`` of an elementwise unary function in one
call and ``<op>_value(x)`` the value alone; the Cython module ``_unary`` provides the same
names with one fused pass over memory.
``unbroadcast`` sums a cotangent back to the shape of the argument that was broadcast.
These also serve CuPy arrays (through NumPy's dispatch to CuPy), scalars, and dtypes and
layouts the compiled kernels do not cover. Multi-step derivatives finish on their first
temporary with augmented assignments (in place for arrays, still right for scalars).
"""
import numpy as np


def exp_fwd(x):
    y = np.exp(x)
    return y, y


def expm1_fwd(x):
    y = np.expm1(x)
    return y, y + 1


def log_fwd(x):
    return np.log(x), 1 / x


def log1p_fwd(x):
    return np.log1p(x), 1 / (1 + x)


def sin_fwd(x):
    return np.sin(x), np.cos(x)


def cos_fwd(x):
    return np.cos(x), -np.sin(x)


def tan_fwd(x):
    y = np.tan(x)
    d = y * y
    d += 1
    return y, d


def sinh_fwd(x):
    return np.sinh(x), np.cosh(x)


def cosh_fwd(x):
    return np.cosh(x), np.sinh(x)


def tanh_fwd(x):
    y = np.tanh(x)
    return y, 1 - y * y


def sqrt_fwd(x):
    y = np.sqrt(x)
    return y, 0.5 / y


def arctan_fwd(x):
    d = x * x
    d += 1
    return np.arctan(x), 1 / d


def sigmoid(x):
    """1 / (1 + exp(-x)), finite for any x: exp(-|x|) never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (e + 1)


def sigmoid_fwd(x):
    y = sigmoid(x)
    d = 1 - y
    d *= y
    return y, d


def abs_fwd(x):
    return np.abs(x), np.sign(x)


def relu_fwd(x):
    # derivative 0 at 0 (API.md section 7)
    return np.maximum(x, 0), (x > 0).astype(x.dtype)


def relu(x):
    return np.maximum(x, 0)


def square_fwd(x):
    return np.square(x), 2 * x


# ``<op>_value(x)``: the value alone, as NumPy computes it
exp_value, expm1_value, log_value, log1p_value = np.exp, np.expm1, np.log, np.log1p
sin_value, cos_value, tan_value = np.sin, np.cos, np.tan
sinh_value, cosh_value, tanh_value = np.sinh, np.cosh, np.tanh
sqrt_value, arctan_value, abs_value = np.sqrt, np.arctan, np.abs
sigmoid_value, relu_value, square_value = sigmoid, relu, np.square


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
