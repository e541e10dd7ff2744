"""The sliding-window kernels (``_conv.pyx``) against their NumPy references of the same names:
``unfold`` (im2col) and ``fold`` (col2im), 1-D and 2-D, with stride, padding, dilation, a pad
value, leading axes and both float dtypes; and ``fold`` as ``unfold``'s transpose."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualad._kernels import CONV, conv_reference as ref

compiled = pytest.importorskip("dualad._kernels._conv")


@st.composite
def geometries(draw):
    d = draw(st.sampled_from([1, 2]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(d))
    size = tuple(dil * (k - 1) + 1 + draw(st.integers(0, 4)) for k, dil in zip(kernel, dilation))
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    channels = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return lead + (channels,) + size, dict(kernel=kernel, stride=stride, padding=padding,
                                           dilation=dilation), dtype


@settings(max_examples=60, deadline=None)
@given(geometries(), st.sampled_from([0.0, -np.inf]))
def test_unfold_and_fold_match_the_reference(geometry, pad_value):
    shape, geo, dtype = geometry
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    cols = compiled.unfold(x, pad_value=pad_value, **geo)
    want = ref.unfold(x, pad_value=pad_value, **geo)
    assert cols.dtype == dtype and cols.shape == want.shape
    np.testing.assert_array_equal(cols, want)
    g = rng.standard_normal(cols.shape).astype(dtype)
    size = shape[len(shape) - len(geo["kernel"]):]
    back = compiled.fold(g, size=size, **geo)
    assert back.shape == x.shape and back.dtype == dtype
    np.testing.assert_allclose(back, ref.fold(g, size=size, **geo), rtol=1e-5, atol=1e-5)
    # fold is unfold's transpose: <unfold(x), g> == <x, fold(g)>
    # (within the rounding of ``back``'s float32 sums, relative to the size of the terms: the
    # inner product itself may cancel)
    lhs = np.vdot(ref.unfold(x.astype(float), **geo), g.astype(float))
    rhs = np.vdot(x.astype(float), back.astype(float))
    terms = np.vdot(np.abs(x).astype(float), np.abs(back).astype(float))
    assert abs(lhs - rhs) <= 1e-5 * terms + 1e-12


def test_dispatch_sends_strided_and_other_arrays_right():
    x = np.arange(2 * 3 * 5 * 4, dtype=np.float64).reshape(2, 3, 5, 4)
    geo = dict(kernel=(2, 2), stride=(1, 1), padding=((1, 1), (0, 0)), dilation=(1, 1))
    strided = x.transpose(0, 1, 3, 2)                         # not C-contiguous: copied first
    np.testing.assert_array_equal(CONV["unfold"](strided, **geo), ref.unfold(strided, **geo))
    ints = x.astype(np.int64)                                  # not a float: the reference
    np.testing.assert_array_equal(CONV["unfold"](ints, **geo), ref.unfold(ints, **geo))
    three = np.ones((1, 1, 3, 3, 3))                          # three spatial axes: the reference
    geo3 = dict(kernel=(2, 2, 2), stride=(1, 1, 1), padding=((0, 0),) * 3, dilation=(1, 1, 1))
    assert CONV["unfold"](three, **geo3).shape == (1, 2, 2, 2, 1, 8)
    with pytest.raises(ValueError, match="does not fit"):
        CONV["unfold"](np.ones((1, 1, 2, 2)), kernel=(3, 3), stride=(1, 1),
                       padding=((0, 0), (0, 0)), dilation=(1, 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threads_give_the_same_bits(dtype):
    """Arrays past the pool's threshold are shared among threads by samples: the windows and
    the folded sums are bit for bit those of one thread, and the reference's."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 24, 11, 10)).astype(dtype)
    geo = dict(kernel=(3, 2), stride=(2, 1), padding=((1, 2), (0, 1)), dilation=(1, 2))
    previous = compiled.set_num_threads(1)
    try:
        one = compiled.unfold(x, **geo)
        assert one.size >= 65536
        g = rng.standard_normal(one.shape).astype(dtype)
        back_one = compiled.fold(g, size=(11, 10), **geo)
        compiled.set_num_threads(2)
        np.testing.assert_array_equal(compiled.unfold(x, **geo), one)
        np.testing.assert_array_equal(compiled.fold(g, size=(11, 10), **geo), back_one)
    finally:
        compiled.set_num_threads(previous)
    np.testing.assert_array_equal(one, ref.unfold(x, **geo))
    np.testing.assert_allclose(back_one, ref.fold(g, size=(11, 10), **geo), rtol=1e-5,
                               atol=1e-5)
