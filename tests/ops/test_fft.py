"""``dualad.numpy.fft``: every transform of API.md section 10 against NumPy's, with ``n``/``s``,
``axis``/``axes`` and ``norm``, its gradient against central differences (complex inputs by the
convention of tests/ops/test_complex.py), forward mode against reverse mode, and second order."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads, numerical_grad

RNG = np.random.default_rng(7)
REAL = RNG.standard_normal(6)
ODD = RNG.standard_normal(5)
MAT = RNG.standard_normal((3, 4))
CPLX = RNG.standard_normal(5) + 1j * RNG.standard_normal(5)
HALF = np.fft.rfft2(MAT)

CASES = [
    ("fft", {}, REAL), ("fft", {"n": 8, "norm": "ortho"}, REAL),
    ("fft", {"n": 4, "norm": "forward"}, CPLX), ("ifft", {}, CPLX),
    ("ifft", {"n": 7, "axis": 0}, CPLX), ("rfft", {}, REAL), ("rfft", {}, ODD),
    ("rfft", {"n": 7, "norm": "ortho"}, REAL), ("irfft", {}, CPLX),
    ("irfft", {"n": 9, "norm": "ortho"}, CPLX), ("irfft", {"n": 8, "norm": "forward"}, CPLX),
    ("irfft", {"n": 3}, CPLX), ("hfft", {}, CPLX), ("hfft", {"n": 7, "norm": "ortho"}, CPLX),
    ("ihfft", {}, REAL), ("ihfft", {"n": 5, "norm": "forward"}, REAL),
    ("fft2", {}, MAT), ("ifft2", {"s": (4, 5)}, MAT), ("fftn", {"axes": (0,)}, MAT),
    ("ifftn", {}, MAT + 1j), ("rfft2", {}, MAT), ("rfftn", {"s": (4, 5), "axes": (0, 1)}, MAT),
    ("irfft2", {"s": (3, 6)}, HALF), ("irfftn", {}, HALF), ("irfftn", {"axes": (1,)}, HALF),
    ("fftshift", {}, MAT), ("ifftshift", {"axes": 1}, MAT), ("fftshift", {"axes": (0,)}, CPLX),
]
IDS = [f"{name}-{'-'.join(f'{k}{v}' for k, v in kw.items())}-{a.dtype.kind}{a.ndim}"
       for name, kw, a in CASES]


@pytest.mark.parametrize("name,kwargs,a", CASES, ids=IDS)
def test_transform_values_and_gradients(name, kwargs, a):
    f = lambda v: getattr(dnp.fft, name)(v, **kwargs)
    ref = lambda v: getattr(np.fft, name)(v, **kwargs)
    expected = ref(a)
    value = f(a)
    np.testing.assert_allclose(value, expected, atol=1e-12)
    assert np.asarray(value).dtype == expected.dtype
    weights = RNG.standard_normal(expected.shape)
    if np.iscomplexobj(expected):
        weights = weights + 1j * RNG.standard_normal(expected.shape)
    loss = lambda v: dnp.sum(dnp.real(f(v) * weights)) + dnp.sum(dnp.abs(f(v)) ** 2)
    ref_loss = lambda v: float(np.sum(np.real(ref(v) * weights)) + np.sum(np.abs(ref(v)) ** 2))
    g = ad.grad(loss)(a)
    np.testing.assert_allclose(g, numerical_grad(ref_loss, a), rtol=1e-6, atol=1e-6)
    assert g.dtype == a.dtype
    # forward mode: d loss along a direction t is Re(grad * t)
    t = RNG.standard_normal(a.shape) + (1j * RNG.standard_normal(a.shape)
                                        if np.iscomplexobj(a) else 0)
    _, tangent = ad.jvp(loss, (a,), (t,))
    assert tangent == pytest.approx(np.sum(np.real(g * t)), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("name,kwargs,a", [c for c in CASES if c[2].dtype.kind == "f"],
                         ids=[i for i, c in zip(IDS, CASES) if c[2].dtype.kind == "f"])
def test_real_input_transforms_to_second_order(name, kwargs, a):
    loss = lambda v: (dnp.sum(dnp.abs(getattr(dnp.fft, name)(v, **kwargs)) ** 2)
                      * dnp.sum(dnp.sin(v)))
    check_grads(loss, (a,), modes=("fwd", "rev"), order=2)


def test_jacobians_of_a_real_pipeline_agree():
    def smooth(x):   # low-pass filter through the real transforms
        spectrum = dnp.fft.rfft(x)
        mask = np.exp(-np.arange(spectrum.shape[-1]))
        return dnp.fft.irfft(spectrum * mask, n=x.shape[-1])
    np.testing.assert_allclose(ad.jacfwd(smooth)(REAL), ad.jacrev(smooth)(REAL), atol=1e-12)
    # a linear map: its Jacobian applied to x gives the map itself
    np.testing.assert_allclose(ad.jacfwd(smooth)(REAL) @ REAL, smooth(REAL), atol=1e-12)


@given(n=st.integers(1, 9), m=st.integers(1, 9), norm=st.sampled_from(["backward", "ortho",
                                                                         "forward"]))
def test_irfft_of_any_length_is_the_transpose_of_its_jvp(n, m, norm):
    c = RNG.standard_normal(m) + 1j * RNG.standard_normal(m)
    f = lambda v: dnp.fft.irfft(v, n=n, norm=norm)
    np.testing.assert_allclose(f(c), np.fft.irfft(c, n=n, norm=norm), atol=1e-12)
    g = RNG.standard_normal(n)
    t = RNG.standard_normal(m) + 1j * RNG.standard_normal(m)
    _, pull = ad.vjp(f, c)
    _, push = ad.jvp(f, (c,), (t,))
    # <g, J t> = Re(vjp(g) * t): the pairing of the convention
    assert np.dot(g, push) == pytest.approx(np.sum(np.real(pull(g)[0] * t)), abs=1e-10)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="norm"):
        dnp.fft.fft(REAL, norm="both")
    with pytest.raises(ValueError, match="invalid number of data points"):
        dnp.fft.fft(REAL, n=0)
    with pytest.raises(TypeError, match="must be real"):
        dnp.fft.rfft(CPLX)
    assert dnp.fft.fftfreq(4).tolist() == np.fft.fftfreq(4).tolist()


def test_numpy_fft_on_traced_values_dispatches_here():
    g = ad.grad(lambda x: dnp.sum(dnp.abs(np.fft.fft(x)) ** 2))(REAL)
    np.testing.assert_allclose(g, 2 * len(REAL) * REAL)   # Parseval
