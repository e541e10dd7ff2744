"""Sliding windows for convolution and pooling: ``unfold`` (im2col) and its transpose ``fold``
(col2im), for any number of spatial axes.

# Design: a convolution is a matrix product of its weights with the patches of its input, and
# max and average pooling are reductions over the patches. So the one new primitive is the map
# x -> patches, which is linear (affine when it pads with a constant other than 0, as max
# pooling pads with -inf): its JVP is itself (padding with 0) and its VJP its transpose, ``fold``,
# which sums each patch back where it came from; ``fold``'s rules are ``unfold`` and itself. The
# derivatives of every convolution and pooling layer, to any order and in both modes, follow from
# these two rules and those of ``matmul``, ``max`` and ``mean``. The values come from
# ``dualad._kernels.CONV``: Cython loops for 1-D and 2-D windows of NumPy arrays, the NumPy
# reference (``conv_reference.py``) otherwise.

Layout: ``x`` is ``lead + (C,) + spatial`` (``lead`` holds the sample axis, and the batch
axis of the NOTE: batch axis in front of it in rules); ``unfold(x)`` is
``lead + out + (C, prod(kernel))``: one row of ``C * prod(kernel)`` values per output position,
the kernel offsets in C order after the channel (as ``torch.nn.functional.unfold`` orders a
column), so that a convolution is one matrix product of all rows with the weights.
"""
from .._core.primitive import Primitive, shape_of
from .._kernels import CONV
from .._kernels.conv_reference import out_size  # noqa: F401  (the layers' geometry)


def _unfold_jvp(t, ans, x, kernel, stride, padding, dilation, pad_value=0.0):
    return unfold(t, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def _unfold_vjp(g, ans, x, kernel, stride, padding, dilation, pad_value=0.0):
    return fold(g, size=shape_of(x)[-len(kernel):], kernel=kernel, stride=stride,
                padding=padding, dilation=dilation)


def _fold_jvp(t, ans, g, size, kernel, stride, padding, dilation):
    return fold(t, size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def _fold_vjp(ct, ans, g, size, kernel, stride, padding, dilation):
    return unfold(ct, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


unfold = Primitive("nn.unfold", lambda x, **geometry: CONV["unfold"](x, **geometry),
                   jvp=(_unfold_jvp,), vjp=(_unfold_vjp,), linear=True, batched=True)
fold = Primitive("nn.fold", lambda g, **geometry: CONV["fold"](g, **geometry),
                 jvp=(_fold_jvp,), vjp=(_fold_vjp,), linear=True, batched=True)
