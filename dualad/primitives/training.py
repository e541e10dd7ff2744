"""Fused primitives for training: softmax cross-entropy, and ReLU with a one-pass backward.

# Design: both follow the pattern of the fused unary primitives. On plain arrays one kernel
# pass (``dualad._kernels.TRAIN``) computes what forward and backward need together; when an
# argument is a box of an outer transform, the same derivative is composed from dualad
# operations, so it is differentiable again (``grad(grad(f))``, ``hessian``).
"""
import numpy as np

from .._core.backend import array_module, raw_value
from .._core.primitive import Box, Primitive, shape_of
from .._kernels import TRAIN


def _expand_last(v):
    return reshape(v, shape=shape_of(v) + (1,))


def _onehot(labels, c, dtype):
    xp = array_module(labels)
    return (labels[..., None] == xp.arange(c)).astype(dtype)


def check_labels(labels, c, what):
    """``labels`` as an ``intp`` array of class indices in ``[0, c)``, or an error naming
    ``what`` and the offending label."""
    raw = raw_value(labels)
    dtype = np.dtype(raw.dtype if hasattr(raw, "dtype") else np.result_type(raw))
    if dtype.kind not in "iu":   # np.issubdtype(dtype, np.integer), without its Python layers
        raise TypeError(f"{what}: labels must be integer class indices, got dtype {dtype}")
    if not (type(raw) is np.ndarray and dtype == np.intp):
        raw = array_module(raw).asarray(raw, dtype=np.intp)
    if raw.size:
        lo, hi = int(raw.min()), int(raw.max())
        if lo < 0 or hi >= c:
            raise IndexError(f"{what}: label {lo if lo < 0 else hi} is out of range for {c} "
                             "classes")
    return raw


class SoftmaxCrossEntropy(Primitive):
    """``loss = logsumexp(z) - z[label]`` along the last axis of the logits ``z`` (..., c), for
    integer ``labels`` (...); the result has the shape of ``labels``.

    d loss / d z = softmax(z) - onehot(label). On plain logits the kernel returns loss and this
    gradient in one pass (stable for any logits: it subtracts each row's maximum), and the tape
    saves the gradient; the backward is then one multiplication.
    """

    def __init__(self):
        super().__init__(
            "softmax_cross_entropy", lambda z, labels: self._fused(z, labels)[0],
            jvp=(lambda t, ans, z, labels: sum_p(t * self.dlogits(z, labels), axis=(-1,),
                                                 keepdims=False), None),
            vjp=(lambda g, ans, z, labels: _expand_last(g) * self.dlogits(z, labels), None),
            batched=True)

    @staticmethod
    def _fused(z, labels):
        c = z.shape[-1]
        labels = check_labels(labels, c, "cross_entropy")
        loss, d = TRAIN["softmax_xent_fwd"](z.reshape(-1, c), labels.reshape(-1))
        return loss.reshape(labels.shape), d.reshape(z.shape)

    def dlogits(self, z, labels):
        """softmax(z) - onehot(labels), composed from dualad operations."""
        if not isinstance(z, Box):
            return self._fused(z, labels)[1]
        raw = raw_value(z)
        e = exp(z - raw.max(axis=-1, keepdims=True))   # the shift is a constant
        p = e / sum_p(e, axis=(-1,), keepdims=True)
        return p - _onehot(labels, raw.shape[-1], raw.dtype)

    def value_and_dlogits(self, z, labels):
        if not isinstance(z, Box):
            return self._fused(z, labels)
        return self(z, labels), self.dlogits(z, labels)

    def forward(self, primals, tangents, params):
        ans, d = self.value_and_dlogits(*primals)
        t = tangents[0]
        return ans, None if t is None else sum_p(t * d, axis=(-1,), keepdims=False)

    def record(self, args, params):
        return self.value_and_dlogits(*args)

    def backward(self, g, d, needs, params):
        return (_expand_last(g) * d, None)


def _relu_bwd(g, y):
    """``g * (y > 0)``: the kernel on plain arrays, a product with a constant mask otherwise
    (the mask has no derivative, as ReLU's second derivative is 0)."""
    if isinstance(g, Box) or isinstance(y, Box):
        raw = raw_value(y)
        return g * (raw > 0).astype(raw.dtype)
    return TRAIN["relu_bwd"](g, y)


# ReLU as the training layers use it: the same values and derivative (0 at 0) as
# ``dualad.numpy.relu``, but the tape keeps only the output and the backward is one pass.
relu_p = Primitive("relu_train", lambda x: TRAIN["relu"](x),
                   jvp=(lambda t, ans, x: _relu_bwd(t, ans),),
                   vjp=(lambda g, ans, x: _relu_bwd(g, ans),), batched=True)

softmax_cross_entropy = SoftmaxCrossEntropy()

from .elementwise import exp  # noqa: E402  (rules resolve these names at call time)
from .reductions import sum_p  # noqa: E402
from .shape import reshape  # noqa: E402
