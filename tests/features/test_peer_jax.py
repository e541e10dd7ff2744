"""dualad's derivatives against JAX's (float64), function by function: Jacobians in forward and
reverse mode, Hessians of scalar functions, gradients of real functions of complex inputs (JAX
and dualad share HIPS autograd's convention, API.md section 9), and the conventions at
non-smooth points (ties, kinks), which dualad follows from JAX. Skipped without JAX (it is in
the ``bench`` extra, not in CI)."""
import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import jax.scipy as jsp  # noqa: E402

import dualad as ad  # noqa: E402
import dualad.numpy as dnp  # noqa: E402
import dualad.scipy as dsp  # noqa: E402

R = np.random.default_rng(0)


def spd(n):
    a = R.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def sym(n):
    a = R.standard_normal((n, n))
    return a + a.T


X = R.standard_normal(5)
POS = R.uniform(0.3, 2.5, 5)
UNIT = R.uniform(0.05, 0.95, 5)
M = R.standard_normal((4, 4))
TALL = R.standard_normal((5, 3))
Z = R.standard_normal(6) + 1j * R.standard_normal(6)
COV = spd(5) / 5
QS = np.array([10.0, 75.0])


def symmetrised(np, a):
    """The decompositions of symmetric matrices are differentiated along symmetric directions:
    JAX returns symmetrised gradients, dualad (as HIPS autograd) does not; the two agree on
    every symmetric direction, which is what differentiating through this projection
    compares."""
    return (a + np.swapaxes(a, -1, -2)) / 2

# name: (function of (np-like namespace, scipy-like namespace, *args), args)
CASES = {
    # elementwise and binary
    "arctan2": (lambda np, sp, a, b: np.arctan2(a, b), (X, POS)),
    "hypot": (lambda np, sp, a, b: np.hypot(a, b), (X, POS)),
    "logaddexp": (lambda np, sp, a, b: np.logaddexp(a, b), (X, POS)),
    "logaddexp2": (lambda np, sp, a, b: np.logaddexp2(a, b), (X, POS)),
    "float_power": (lambda np, sp, a, b: np.float_power(a, b), (POS, X)),
    "power": (lambda np, sp, a, b: a ** b, (POS, X)),
    "sinc": (lambda np, sp, a: np.sinc(a), (X,)),
    "cbrt": (lambda np, sp, a: np.cbrt(a), (X,)),
    "expm1_log1p": (lambda np, sp, a: np.expm1(a) * np.log1p(a), (POS,)),
    "arcsinh_arccosh": (lambda np, sp, a: np.arcsinh(a) + np.arccosh(a + 1.5), (POS,)),
    "arctanh": (lambda np, sp, a: np.arctanh(a), (UNIT,)),
    "mod": (lambda np, sp, a, b: np.mod(a, b), (X * 3, POS)),
    "fmod": (lambda np, sp, a, b: np.fmod(a, b), (X * 3, POS)),
    "copysign": (lambda np, sp, a, b: np.copysign(a, b), (X, X[::-1])),
    "deg2rad": (lambda np, sp, a: np.deg2rad(a) * np.rad2deg(a), (X,)),
    "nan_to_num": (lambda np, sp, a: np.nan_to_num(a), (X,)),
    # shapes and building
    "tril_triu_kron": (lambda np, sp, a: np.kron(np.tril(a), np.triu(a, 1))[::3], (M,)),
    "pad": (lambda np, sp, a: np.pad(a, ((1, 2), (0, 1)), mode="reflect"), (M,)),
    "pad_edge": (lambda np, sp, a: np.pad(a, 2, mode="edge"), (X,)),
    "cross": (lambda np, sp, a, b: np.cross(a, b), (M[:, :3], M[::-1, 1:])),
    "diff": (lambda np, sp, a: np.diff(a, n=2, axis=0), (M,)),
    "take_along_axis": (lambda np, sp, a: np.take_along_axis(a, np.argsort(a, axis=1), 1),
                        (M,)),
    "roll_rot90": (lambda np, sp, a: np.rot90(np.roll(a, 2, axis=1)), (M,)),
    "vander": (lambda np, sp, a: np.vander(a, 3), (X,)),
    # reductions and order statistics
    "sort": (lambda np, sp, a: np.sort(a, axis=0), (M,)),
    "median": (lambda np, sp, a: np.median(a, axis=1), (M,)),
    "quantile": (lambda np, sp, a: np.quantile(a, 0.3), (X,)),
    "percentile": (lambda np, sp, a: np.percentile(a, QS, axis=0), (M,)),
    "cumprod": (lambda np, sp, a: np.cumprod(a), (X,)),
    "prod": (lambda np, sp, a: np.prod(a, axis=0), (M,)),
    "std_var": (lambda np, sp, a: np.std(a, axis=0) + np.var(a, ddof=1), (M,)),
    "average": (lambda np, sp, a, w: np.average(a, weights=w), (X, POS)),
    "nanmean_nansum": (lambda np, sp, a: np.nanmean(a) * np.nansum(a ** 2), (X,)),
    "logsumexp_b": (lambda np, sp, a, b: sp.special.logsumexp(a, b=b), (X, POS)),
    # polynomials, interpolation, integration
    "polyval": (lambda np, sp, p, x: np.polyval(p, x), (X[:3], X)),
    "interp": (lambda np, sp, y: np.interp(np.linspace(0.1, 3.9, 7), np.arange(5.0), y), (X,)),
    "trapezoid": (lambda np, sp, y, x: np.trapezoid(y, np.cumsum(x)), (X, POS)),
    "convolve": (lambda np, sp, a, b: np.convolve(a, b, mode="same"), (X, X[:3])),
    # linear algebra
    "det_slogdet": (lambda np, sp, a: np.linalg.det(a) + np.linalg.slogdet(a)[1], (M,)),
    "inv_solve": (lambda np, sp, a, b: np.linalg.solve(a, b) + np.linalg.inv(a)[:, 0],
                  (M, X[:4])),
    "cholesky": (lambda np, sp, a: np.linalg.cholesky(symmetrised(np, a)), (spd(4),)),
    "eigh_values": (lambda np, sp, a: np.linalg.eigvalsh(symmetrised(np, a)), (sym(4),)),
    "eigh_vectors_signfree": (lambda np, sp, a: np.linalg.eigh(symmetrised(np, a))[1] ** 2,
                              (sym(4),)),
    "svd_values": (lambda np, sp, a: np.linalg.svd(a, compute_uv=False), (TALL,)),
    "svd_vectors_signfree": (lambda np, sp, a: np.linalg.svd(a, full_matrices=False)[0] ** 2,
                             (TALL,)),
    "qr": (lambda np, sp, a: np.linalg.qr(a)[1], (TALL,)),
    "qr_q": (lambda np, sp, a: np.linalg.qr(a)[0], (TALL,)),
    "pinv": (lambda np, sp, a: np.linalg.pinv(a), (TALL,)),
    "lstsq": (lambda np, sp, a, b: np.linalg.lstsq(a, b)[0], (TALL, X)),
    "matrix_power": (lambda np, sp, a: np.linalg.matrix_power(a, 3), (M,)),
    "norm_2": (lambda np, sp, a: np.linalg.norm(a, 2), (M,)),
    "norm_nuc": (lambda np, sp, a: np.linalg.norm(a, "nuc"), (M,)),
    "norm_fro_axis": (lambda np, sp, a: np.linalg.norm(a, axis=0), (M,)),
    "norm_inf": (lambda np, sp, a: np.linalg.norm(a, np.inf), (M,)),
    "eigvals_real_part": (lambda np, sp, a: np.sort(np.real(np.linalg.eigvals(a))), (sym(4),)),
    "expm": (lambda np, sp, a: sp.linalg.expm(a * 0.3), (M,)),
    "solve_triangular": (lambda np, sp, a, b: sp.linalg.solve_triangular(a, b, lower=True),
                         (np.tril(M) + 4 * np.eye(4), X[:4])),
    "cho_solve": (lambda np, sp, a, b: sp.linalg.cho_solve(
        sp.linalg.cho_factor(symmetrised(np, a)), b),
                  (spd(4), X[:4])),
    "block_diag": (lambda np, sp, a, b: sp.linalg.block_diag(a, b), (M[:2], TALL)),
    # FFT
    "fft_ortho": (lambda np, sp, a: np.real(np.fft.fft(a, norm="ortho")) ** 2, (X,)),
    "rfft_padded": (lambda np, sp, a: np.abs(np.fft.rfft(a, n=8)), (X,)),
    "irfft_odd": (lambda np, sp, a: np.fft.irfft(np.fft.rfft(a) * np.arange(1.0, 4.0), n=5),
                  (X,)),
    "irfft_truncated": (lambda np, sp, a: np.fft.irfft(np.fft.fft(a)[:3], n=4), (X,)),
    "rfft2_irfft2": (lambda np, sp, a: np.fft.irfft2(np.fft.rfft2(a) ** 2, s=(4, 4)), (M,)),
    "hfft_ihfft": (lambda np, sp, a: np.fft.hfft(np.fft.ihfft(a) * 1j + 0.5, n=6), (X,)),
    "fftn_forward_norm": (lambda np, sp, a: np.imag(np.fft.fftn(a, s=(3, 5), norm="forward")),
                          (M,)),
    # special functions and distributions
    "gammaln_digamma": (lambda np, sp, a: sp.special.gammaln(a) + sp.special.digamma(a),
                        (POS,)),
    "polygamma": (lambda np, sp, a: sp.special.polygamma(1, a), (POS,)),
    "erf_erfc_erfinv": (lambda np, sp, a, u: sp.special.erf(a) + sp.special.erfc(a)
                        * sp.special.erfinv(u), (X, UNIT)),
    "ndtri_log_ndtr": (lambda np, sp, a, u: sp.special.ndtri(u) + sp.special.log_ndtr(a * 5),
                       (X, UNIT)),
    "xlogy_xlog1py": (lambda np, sp, a, b: sp.special.xlogy(a, b) + sp.special.xlog1py(a, b),
                      (X, POS)),
    "gammainc": (lambda np, sp, a, x: sp.special.gammainc(a, x) + sp.special.gammaincc(a, x),
                 (POS, POS[::-1])),
    "betainc_x": (lambda np, sp, x: sp.special.betainc(2.0, 3.5, x), (UNIT,)),
    "i0e_i1e": (lambda np, sp, a: sp.special.i0e(a) * sp.special.i1e(a), (X,)),
    "expit_logit": (lambda np, sp, a, u: sp.special.expit(a) + sp.special.logit(u), (X, UNIT)),
    "multigammaln": (lambda np, sp, a: sp.special.multigammaln(a + 2.0, 3), (np.array(1.7),)),
    "entr_rel_entr": (lambda np, sp, a, b: sp.special.entr(a) + sp.special.rel_entr(a, b),
                      (POS, POS[::-1])),
    "norm_stats": (lambda np, sp, x, m, s: sp.stats.norm.logpdf(x, m, s)
                   + sp.stats.norm.logcdf(x, m, s) + sp.stats.norm.sf(x, m, s), (X, X[::-1], POS)),
    "t_logpdf": (lambda np, sp, x, df: sp.stats.t.logpdf(x, df, 0.5, 2.0), (X, POS + 1)),
    "gamma_logpdf": (lambda np, sp, x, a: sp.stats.gamma.logpdf(x, a, scale=1.5), (POS, POS)),
    "beta_logpdf": (lambda np, sp, x, a: sp.stats.beta.logpdf(x, a, 2.5), (UNIT, POS)),
    "poisson_logpmf": (lambda np, sp, mu: sp.stats.poisson.logpmf(np.arange(5.0), mu), (POS,)),
    "mvn_logpdf": (lambda np, sp, x, m: sp.stats.multivariate_normal.logpdf(x, m, COV),
                   (X, POS)),
    "dirichlet_logpdf": (lambda np, sp, a: sp.stats.dirichlet.logpdf(UNIT / UNIT.sum(), a),
                         (POS,)),
}

NAMESPACES = {"dualad": (dnp, dsp), "jax": (jnp, jsp)}


def _bind(name, lib, argnum):
    fn, args = CASES[name]
    np_, sp_ = NAMESPACES[lib]
    convert = (lambda a: a) if lib == "dualad" else jnp.asarray

    def f(x):
        full = [convert(a) for a in args]
        full[argnum] = x
        return fn(np_, sp_, *full)
    return f, args[argnum]


def _cases():
    for name, (_, args) in CASES.items():
        for i in range(len(args)):
            yield pytest.param(name, i, id=f"{name}-arg{i}")


@pytest.mark.parametrize("name, argnum", list(_cases()))
def test_jacobians_match_jax(name, argnum):
    f, x = _bind(name, "dualad", argnum)
    g, _ = _bind(name, "jax", argnum)
    want = np.asarray(jax.jacrev(g)(jnp.asarray(x)))
    np.testing.assert_allclose(np.asarray(f(x)), np.asarray(g(jnp.asarray(x))), rtol=1e-9,
                               atol=1e-12, err_msg="value")
    for mode, jac in (("rev", ad.jacrev), ("fwd", ad.jacfwd)):
        np.testing.assert_allclose(np.asarray(jac(f)(x)), want, rtol=1e-7, atol=1e-10,
                                   err_msg=mode)


# (not gammainc: JAX has no second derivative in its shape parameter, igamma_grad_a)
SCALAR_CASES = ["logsumexp_b", "quantile", "norm_2", "norm_nuc", "det_slogdet", "t_logpdf",
                "mvn_logpdf", "dirichlet_logpdf", "expm", "svd_values", "eigh_values", "median",
                "cho_solve", "pinv"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SCALAR_CASES)
def test_hessians_of_a_scalar_match_jax(name):
    f, x = _bind(name, "dualad", 0)
    g, _ = _bind(name, "jax", 0)
    w = np.random.default_rng(1).standard_normal(np.shape(f(x)))
    loss_d = lambda x: dnp.sum(f(x) * w)
    loss_j = lambda x: jnp.sum(g(x) * w)
    want = np.asarray(jax.hessian(loss_j)(jnp.asarray(x)))
    np.testing.assert_allclose(np.asarray(ad.hessian(loss_d)(x)), want, rtol=1e-6, atol=1e-9)


COMPLEX_CASES = {
    "abs2": lambda np, z: np.sum(np.abs(z) ** 2),
    "abs": lambda np, z: np.sum(np.abs(z)),
    "angle": lambda np, z: np.sum(np.angle(z) * np.arange(6.0)),
    "real_imag_conj": lambda np, z: np.sum(np.real(z) * np.imag(np.conj(z) * z[::-1])),
    "exp_log": lambda np, z: np.sum(np.abs(np.exp(z) + np.log(z))),
    "sqrt_tanh": lambda np, z: np.real(np.sum(np.sqrt(z) * np.tanh(z))),
    "fft_power": lambda np, z: np.sum(np.abs(np.fft.fft(z)) ** 2 * np.arange(6.0)),
    "ifft_real": lambda np, z: np.sum(np.real(np.fft.ifft(z, norm="ortho")) ** 3),
    "matmul": lambda np, z: np.abs(np.sum(np.outer(z, z[::-1]) @ z)),
    "eigh_hermitian": lambda np, z: np.sum(np.linalg.eigvalsh(
        np.outer(z, np.conj(z)) + np.diag(np.abs(z)) + np.outer(np.conj(z), z)) ** 2),
    "svd_complex": lambda np, z: np.sum(np.linalg.svd(np.reshape(z, (2, 3)),
                                                      compute_uv=False)),
    "inv_complex": lambda np, z: np.abs(np.sum(np.linalg.inv(np.reshape(z[:4], (2, 2))))),
}


@pytest.mark.parametrize("name", list(COMPLEX_CASES))
def test_gradients_of_real_functions_of_complex_inputs_match_jax(name):
    fn = COMPLEX_CASES[name]
    got = ad.grad(lambda z: fn(dnp, z))(Z)
    want = np.asarray(jax.grad(lambda z: fn(jnp, z))(jnp.asarray(Z)))
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-11)


def test_holomorphic_derivative_matches_jax():
    f_d = lambda z: dnp.sin(z) * dnp.exp(z) / (1 + z ** 2)
    f_j = lambda z: jnp.sin(z) * jnp.exp(z) / (1 + z ** 2)
    z = 0.3 + 0.7j
    want = complex(jax.grad(f_j, holomorphic=True)(jnp.asarray(z)))
    assert complex(ad.holomorphic_grad(f_d)(z)) == pytest.approx(want, rel=1e-12)


# non-smooth points (docs/guarantees.md section 2): ties split evenly, as JAX and PyTorch
TIES = np.array([1.0, 3.0, 3.0, -2.0, 0.0])
KINKS = {
    "max_ties": (lambda np, x: np.max(x), TIES),
    "amax_axis_ties": (lambda np, x: np.max(np.stack([x, x[::-1]]), axis=0), TIES),
    "maximum_equal": (lambda np, x: np.maximum(x, TIES), TIES),
    "minimum_equal": (lambda np, x: np.minimum(x, 3.0), TIES),
    "sort_ties": (lambda np, x: np.sort(x) * np.arange(5.0), TIES),
    "median_even_ties": (lambda np, x: np.median(x[:4]), TIES),
    "where_zero": (lambda np, x: np.where(x > 0, x, 0.0), TIES),
    "sign": (lambda np, x: np.sign(x) * x, TIES),
}


@pytest.mark.parametrize("name", list(KINKS))
def test_conventions_at_non_smooth_points_match_jax(name):
    fn, x = KINKS[name]
    want = np.asarray(jax.jacrev(lambda x: fn(jnp, x))(jnp.asarray(x)))
    np.testing.assert_allclose(ad.jacrev(lambda x: fn(dnp, x))(x), want, atol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(lambda x: fn(dnp, x))(x), want, atol=1e-12)


# where JAX and PyTorch differ, dualad takes PyTorch's derivative: abs'(0) = 0 (JAX: 1),
# relu'(0) = 0 (JAX's maximum(x, 0): 1/2), clip's bounds count as inside (JAX: 1/2)
PYTORCH_KINKS = {
    "abs_zero": (lambda np, x: np.abs(x), lambda torch, x: torch.abs(x)),
    "relu_zero": (lambda np, x: np.maximum(x, 0.0), lambda torch, x: torch.relu(x)),
    "clip_bounds": (lambda np, x: np.clip(x, -2.0, 3.0),
                    lambda torch, x: torch.clamp(x, -2.0, 3.0)),
}


@pytest.mark.parametrize("name", list(PYTORCH_KINKS))
def test_conventions_where_jax_and_pytorch_differ_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    fn, torch_fn = PYTORCH_KINKS[name]
    want = torch.autograd.functional.jacobian(lambda x: torch_fn(torch, x),
                                              torch.tensor(TIES)).numpy()
    jax_says = np.asarray(jax.jacrev(lambda x: fn(jnp, x))(jnp.asarray(TIES)))
    assert not np.allclose(jax_says, want)     # the peers do differ here
    np.testing.assert_allclose(ad.jacrev(lambda x: fn(dnp, x))(TIES), want, atol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(lambda x: fn(dnp, x))(TIES), want, atol=1e-12)
