"""dualad.scipy.signal: values against scipy.signal over random shapes, modes and boundaries
(on traced inputs, where dualad's own composition runs), derivatives against central finite
differences in both modes to second order, jacfwd against jacrev."""
import numpy as np
import pytest

import dualad as ad
from dualad.scipy import signal
from dualad.testing import check_grads

SS = pytest.importorskip("scipy.signal")
RNG = np.random.default_rng(21)
MODES = ("full", "same", "valid")


def traced_value(f, *args):
    """``f``'s value computed on forward-mode boxes: dualad's composition, not SciPy's call."""
    return ad.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


def shapes_1d():
    return [(n, m) for n, m in [(7, 3), (3, 7), (5, 5), (6, 4), (1, 4), (4, 1), (8, 2)]]


def nd_pairs():
    yield (5, 4), (2, 3)
    yield (2, 3), (5, 4)
    yield (3, 4, 2), (2, 2, 2)
    yield (4, 6), (4, 6)


def _valid_ok(s1, s2):
    return all(a >= b for a, b in zip(s1, s2)) or all(b >= a for a, b in zip(s1, s2))


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
def test_values_match_scipy_1d(name, mode):
    for n, m in shapes_1d():
        a, b = RNG.standard_normal(n), RNG.standard_normal(m)
        ours, theirs = getattr(signal, name), getattr(SS, name)
        want = theirs(a, b, mode=mode)
        np.testing.assert_allclose(ours(a, b, mode=mode), want, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(traced_value(lambda x, y: ours(x, y, mode=mode), a, b),
                                   want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
def test_values_match_scipy_nd(name, mode):
    for s1, s2 in nd_pairs():
        if mode == "valid" and not _valid_ok(s1, s2):
            continue
        a, b = RNG.standard_normal(s1), RNG.standard_normal(s2)
        ours, theirs = getattr(signal, name), getattr(SS, name)
        np.testing.assert_allclose(traced_value(lambda x, y: ours(x, y, mode=mode), a, b),
                                   theirs(a, b, mode=mode), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
def test_complex_values_match_scipy(name, mode):
    for n, m in [(6, 3), (3, 6), (4, 4)]:
        a = RNG.standard_normal(n) + 1j * RNG.standard_normal(n)
        b = RNG.standard_normal(m) + 1j * RNG.standard_normal(m)
        ours, theirs = getattr(signal, name), getattr(SS, name)
        np.testing.assert_allclose(traced_value(lambda x, y: ours(x, y, mode=mode), a, b),
                                   theirs(a, b, mode=mode), rtol=1e-10, atol=1e-12)


def test_fftconvolve_along_some_axes_broadcasts_the_others():
    a, b = RNG.standard_normal((3, 8)), RNG.standard_normal((1, 4))
    for mode in MODES:
        np.testing.assert_allclose(
            traced_value(lambda x, y: signal.fftconvolve(x, y, mode=mode, axes=1), a, b),
            SS.fftconvolve(a, b, mode=mode, axes=1), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary, fillvalue", [("fill", 0), ("fill", 1.5), ("wrap", 0),
                                                 ("symm", 0)])
def test_2d_values_match_scipy(name, mode, boundary, fillvalue):
    for s1, s2 in [((5, 6), (3, 2)), ((4, 4), (4, 4)), ((2, 3), (4, 5)), ((6, 3), (2, 3))]:
        a, b = RNG.standard_normal(s1), RNG.standard_normal(s2)
        ours, theirs = getattr(signal, name), getattr(SS, name)
        kwargs = dict(mode=mode, boundary=boundary, fillvalue=fillvalue)
        want = theirs(a, b, **kwargs)
        np.testing.assert_allclose(ours(a, b, **kwargs), want, rtol=1e-12)
        np.testing.assert_allclose(traced_value(lambda x, y: ours(x, y, **kwargs), a, b), want,
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n, m", [(6, 3), (3, 5), (4, 4)])
def test_gradients_1d_second_order(name, mode, n, m):
    f = getattr(signal, name)
    check_grads(lambda x, y: f(x, y, mode=mode), (RNG.standard_normal(n),
                                                 RNG.standard_normal(m)), order=2)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
def test_gradients_nd_second_order(name, mode):
    f = getattr(signal, name)
    check_grads(lambda x, y: f(x, y, mode=mode), (RNG.standard_normal((4, 3)),
                                                 RNG.standard_normal((2, 2))), order=2)


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_gradients_2d_second_order(name, mode, boundary):
    f = getattr(signal, name)
    check_grads(lambda x, y: f(x, y, mode=mode, boundary=boundary),
                (RNG.standard_normal((4, 5)), RNG.standard_normal((2, 3))), order=2)


def test_fillvalue_is_differentiated():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((2, 2))
    check_grads(lambda x, y, c: signal.convolve2d(x, y, boundary="fill", fillvalue=c),
                (a, b, 0.7), order=2)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
def test_complex_gradients_through_real_and_imaginary_parts(name):
    f = getattr(signal, name)

    def loss(xr, xi, yr, yi):
        z = f(xr + 1j * xi, yr + 1j * yi, mode="same")
        return ad.numpy.real(z * ad.numpy.conj(z)) + ad.numpy.imag(z)
    parts = [RNG.standard_normal(n) for n in (5, 5, 3, 3)]
    check_grads(loss, parts, order=2)


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", MODES)
def test_complex_2d_values_match_scipy(name, mode):
    for s1, s2 in [((4, 5), (2, 3)), ((2, 3), (4, 5))]:
        a = RNG.standard_normal(s1) + 1j * RNG.standard_normal(s1)
        b = RNG.standard_normal(s2) + 1j * RNG.standard_normal(s2)
        ours, theirs = getattr(signal, name), getattr(SS, name)
        np.testing.assert_allclose(traced_value(lambda x, y: ours(x, y, mode=mode), a, b),
                                   theirs(a, b, mode=mode), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve", "convolve2d",
                                  "correlate2d"])
def test_jacfwd_matches_jacrev(name):
    f = getattr(signal, name)
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((2, 3))
    for mode in MODES:
        fwd = ad.jacfwd(lambda x, y: f(x, y, mode=mode), argnums=(0, 1))(a, b)
        rev = ad.jacrev(lambda x, y: f(x, y, mode=mode), argnums=(0, 1))(a, b)
        for u, v in zip(fwd, rev):
            np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12)


def test_bad_input_is_named():
    x = ad.numpy.ones(3)
    with pytest.raises(ValueError, match="mode"):
        signal.convolve(x, x, mode="middle")
    with pytest.raises(ValueError, match="same dimensionality"):
        ad.grad(lambda v: signal.convolve(v, np.ones((2, 2))).sum())(np.ones(3))
    with pytest.raises(ValueError, match="at least as large"):
        ad.grad(lambda v: signal.convolve(v, np.ones((1, 4)), mode="valid").sum())(
            np.ones((3, 2)))
    with pytest.raises(ValueError, match="boundary"):
        ad.grad(lambda v: signal.convolve2d(v, np.ones((2, 2)), boundary="reflect").sum())(
            np.ones((3, 3)))


# ---------------------------------------------------------------- autograd's generalisation
def test_tensor_convolution_values():
    """``axes`` pairs convolved axes, ``dot_axes`` summed ones; out: in1's rest, in2's, conv."""
    a35, a34, a342 = (RNG.standard_normal(s) for s in ((3, 5), (3, 4), (3, 4, 2)))
    a2543, a24232 = RNG.standard_normal((2, 5, 4, 3)), RNG.standard_normal((2, 4, 2, 3, 2))
    for mode in MODES:
        np.testing.assert_allclose(signal.convolve(a35, a34, axes=([1], [0]), mode=mode)[1, 2],
                                   SS.convolve(a35[1], a34[:, 2], mode))
        np.testing.assert_allclose(
            signal.convolve(a35, a34, axes=([], []), dot_axes=([0], [0]), mode=mode),
            np.tensordot(a35, a34, axes=([0], [0])))
        np.testing.assert_allclose(
            signal.convolve(a35, a342, axes=([1], [2]), dot_axes=([0], [0]), mode=mode)[2],
            sum(SS.convolve(a35[i], a342[i, 2], mode) for i in range(3)))
        np.testing.assert_allclose(
            signal.convolve(a2543, a24232, axes=([1, 2], [2, 4]), dot_axes=([0, 3], [0, 3]),
                            mode=mode)[2],
            sum(SS.convolve(a2543[i, :, :, j], a24232[i, 2, :, j, :], mode)
                for i in range(2) for j in range(3)))
    small, large = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 6))
    for mode in MODES:   # in 'valid' mode the larger input slides under the smaller
        np.testing.assert_allclose(
            signal.convolve(small, large, axes=([1], [1]), mode=mode)[1, 0],
            SS.convolve(small[1], large[0], mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("axes, dot_axes, shapes", [
    (([0], [1]), ((), ()), ((4, 3), (3, 2))),
    (([1, 0], [1, 0]), ((), ()), ((4, 3), (3, 2))),
    (([1], [1]), ([0], [2]), ((3, 3, 2), (3, 2, 3))),
])
def test_tensor_convolution_gradients(mode, axes, dot_axes, shapes):
    check_grads(lambda x, y: signal.convolve(x, y, axes=axes, dot_axes=dot_axes, mode=mode),
                tuple(RNG.standard_normal(s) for s in shapes), order=2)
