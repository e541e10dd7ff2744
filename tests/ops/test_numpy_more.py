"""The rest of NumPy in dualad.numpy (API.md section 10, less fft and linalg): values against
NumPy, derivatives against finite differences in both modes to second order, jacfwd against
jacrev, and the conventions at kinks, NaNs and zeros."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad._core.backend import raw_value
from dualad.testing import check_grads

R = np.random.default_rng(21)
A = R.standard_normal((3, 4))
B = R.standard_normal((2, 3, 4))
V = R.standard_normal(5)
P = R.uniform(0.5, 2.0, (3, 4))           # positive, away from the kinks of the remainders
Q = R.uniform(0.7, 1.6, (4,)) * np.array([1, -1, 1, -1])
V3, W3 = R.standard_normal((4, 3)), R.standard_normal((4, 3))
XP = np.sort(R.standard_normal(6))
FP = R.standard_normal(6)
XS = R.uniform(-2.5, 2.5, 9)
Z = A.copy()
Z[1, 1] = Z[2, 0] = Z[2, 2] = 0.0          # zeros for cumprod
W = R.uniform(0.2, 1.5, (3, 4))
XFIT = np.linspace(0.1, 1.0, 8)

# (label, dualad function, NumPy reference, arguments); every function returns one array
ELEMENTWISE = [
    ("mod", dnp.mod, np.mod, (3 * A, Q)),
    ("remainder", dnp.remainder, np.remainder, (3 * A, Q)),
    ("fmod", dnp.fmod, np.fmod, (3 * A, Q)),
    ("mod-operator", lambda x, y: x % y + 1.5 % y, lambda x, y: x % y + 1.5 % y, (3 * A, Q)),
    ("divmod-remainder", lambda x, y: divmod(x, y)[1], lambda x, y: divmod(x, y)[1], (3 * A, Q)),
    ("hypot", dnp.hypot, np.hypot, (A, Q)),
    ("fabs", dnp.fabs, np.fabs, (A,)),
    ("fmax", dnp.fmax, np.fmax, (A, Q)),
    ("fmin", dnp.fmin, np.fmin, (A, Q)),
    ("logaddexp2", dnp.logaddexp2, np.logaddexp2, (A, Q)),
    ("deg2rad", dnp.deg2rad, np.deg2rad, (A,)),
    ("radians", dnp.radians, np.radians, (A,)),
    ("rad2deg", dnp.rad2deg, np.rad2deg, (A,)),
    ("degrees", dnp.degrees, np.degrees, (A,)),
    ("nan_to_num", dnp.nan_to_num, np.nan_to_num, (A,)),
    ("copysign", dnp.copysign, np.copysign, (A, Q)),
    ("float_power", dnp.float_power, np.float_power, (P, Q)),
]

BUILDING = [
    ("tril", lambda x: dnp.tril(x, 1), lambda x: np.tril(x, 1), (A,)),
    ("triu", lambda x: dnp.triu(x, -1), lambda x: np.triu(x, -1), (B,)),
    ("tril-1d", dnp.tril, np.tril, (V,)),
    ("diff", lambda x: dnp.diff(x, 2, axis=0, prepend=1.0), lambda x: np.diff(x, 2, 0, 1.0),
     (A,)),
    ("diff-append", lambda x, y: dnp.diff(x, append=y), lambda x, y: np.diff(x, append=y),
     (A, A[:, :2])),
    ("pad-constant", lambda x: dnp.pad(x, ((1, 2), (0, 1)), constant_values=((1, 2), (3, 4))),
     lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=((1, 2), (3, 4))), (A,)),
    ("pad-constant-traced", lambda x, c: dnp.pad(x, 1, constant_values=c),
     lambda x, c: np.pad(x, 1, constant_values=c), (A, 0.5)),
    ("pad-edge", lambda x: dnp.pad(x, ((2, 1), (1, 3)), "edge"),
     lambda x: np.pad(x, ((2, 1), (1, 3)), "edge"), (A,)),
    ("pad-reflect", lambda x: dnp.pad(x, 2, "reflect"), lambda x: np.pad(x, 2, "reflect"), (A,)),
    ("pad-symmetric", lambda x: dnp.pad(x, (1, 4), "symmetric"),
     lambda x: np.pad(x, (1, 4), "symmetric"), (V,)),
    ("pad-wrap", lambda x: dnp.pad(x, 3, "wrap"), lambda x: np.pad(x, 3, "wrap"), (A,)),
    ("pad-linear_ramp", lambda x: dnp.pad(x, ((2, 1), (0, 3)), "linear_ramp",
                                          end_values=((1, 2), (-1, 3))),
     lambda x: np.pad(x, ((2, 1), (0, 3)), "linear_ramp", end_values=((1, 2), (-1, 3))), (A,)),
    ("pad-maximum", lambda x: dnp.pad(x, 2, "maximum"), lambda x: np.pad(x, 2, "maximum"), (A,)),
    ("pad-minimum", lambda x: dnp.pad(x, (1, 2), "minimum", stat_length=2),
     lambda x: np.pad(x, (1, 2), "minimum", stat_length=2), (A,)),
    ("pad-mean", lambda x: dnp.pad(x, ((1, 2), (2, 1)), "mean", stat_length=((1, 2), (3, 1))),
     lambda x: np.pad(x, ((1, 2), (2, 1)), "mean", stat_length=((1, 2), (3, 1))), (A,)),
    ("pad-median", lambda x: dnp.pad(x, 2, "median"), lambda x: np.pad(x, 2, "median"), (B,)),
    ("kron", dnp.kron, np.kron, (A, V3)),
    ("kron-ranks", dnp.kron, np.kron, (V, A)),
    ("cross", dnp.cross, np.cross, (V3, W3)),
    ("cross-axes", lambda a, b: dnp.cross(a, b, axisa=0, axisb=0, axisc=0),
     lambda a, b: np.cross(a, b, axisa=0, axisb=0, axisc=0), (V3.T, W3.T)),
    ("cross-2-and-3", lambda a, b: dnp.cross(a[:, :2], b),
     lambda a, b: np.cross(np.pad(a[:, :2], ((0, 0), (0, 1))), b), (V3, W3)),
    ("append", dnp.append, np.append, (A, V)),
    ("append-axis", lambda x, y: dnp.append(x, y, axis=0), lambda x, y: np.append(x, y, 0),
     (A, A[:1])),
    ("insert", lambda x, y: dnp.insert(x, [1, 3], y[:2]),
     lambda x, y: np.insert(x, [1, 3], y[:2]), (A, V)),
    ("insert-broadcast", lambda x, y: dnp.insert(x, 2, y[0], axis=1),
     lambda x, y: np.insert(x, 2, y[0], axis=1), (A, V)),
    ("delete", lambda x: dnp.delete(x, [0, 2], axis=1), lambda x: np.delete(x, [0, 2], 1),
     (A,)),
    ("delete-slice", lambda x: dnp.delete(x, slice(1, None, 2)),
     lambda x: np.delete(x, slice(1, None, 2)), (A,)),
    ("r_", lambda x, y: dnp.r_[x, 0:3, y, 7.0], lambda x, y: np.r_[x, 0:3, y, 7.0], (V, V)),
    ("r_-directive", lambda x: dnp.r_["0,2", x, x], lambda x: np.r_["0,2", x, x], (V,)),
    ("r_-trans1d", lambda x: dnp.r_["-1,2,0", x, x], lambda x: np.r_["-1,2,0", x, x], (V,)),
    ("c_", lambda x, y: dnp.c_[x, y], lambda x, y: np.c_[x, y], (V, V)),
    ("c_-matrix", lambda x, y: dnp.c_[x, y[:3]], lambda x, y: np.c_[x, y[:3]], (A, V)),
    ("meshgrid", lambda x, y: dnp.stack(dnp.meshgrid(x, y)),
     lambda x, y: np.stack(np.meshgrid(x, y)), (V, V[:3])),
    ("meshgrid-ij-sparse", lambda x, y: dnp.meshgrid(x, y, y, indexing="ij", sparse=True)[2],
     lambda x, y: np.meshgrid(x, y, y, indexing="ij", sparse=True)[2], (V, V[:3])),
    ("rollaxis", lambda x: dnp.rollaxis(x, 2, 1), lambda x: np.rollaxis(x, 2, 1), (B,)),
    ("rollaxis-end", lambda x: dnp.rollaxis(x, 0, 3), lambda x: np.rollaxis(x, 0, 3), (B,)),
    ("flipud", dnp.flipud, np.flipud, (A,)),
    ("fliplr", dnp.fliplr, np.fliplr, (B,)),
    ("rot90", dnp.rot90, np.rot90, (A,)),
    ("rot90-k2", lambda x: dnp.rot90(x, 2, (2, 0)), lambda x: np.rot90(x, 2, (2, 0)), (B,)),
    ("rot90-k3", lambda x: dnp.rot90(x, -1, (1, 2)), lambda x: np.rot90(x, -1, (1, 2)), (B,)),
    ("column_stack", lambda x, y: dnp.column_stack([x, y, x * y]),
     lambda x, y: np.column_stack([x, y, x * y]), (V, V ** 2)),
    ("row_stack", lambda x: dnp.row_stack([x, x[0]]), lambda x: np.vstack([x, x[0]]), (A,)),
    ("dstack", lambda x, y: dnp.dstack([x, y]), lambda x, y: np.dstack([x, y]), (A, W)),
    ("hsplit", lambda x: dnp.hsplit(x, 2)[1], lambda x: np.hsplit(x, 2)[1], (A,)),
    ("vsplit", lambda x: dnp.vsplit(x, [1])[1], lambda x: np.vsplit(x, [1])[1], (A,)),
    ("dsplit", lambda x: dnp.dsplit(x, 2)[0], lambda x: np.dsplit(x, 2)[0], (B,)),
    ("select", lambda x: dnp.select([x < 0, x > 1], [x ** 2, 3 * x], 0.5),
     lambda x: np.select([x < 0, x > 1], [x ** 2, 3 * x], 0.5), (2 * A,)),
    ("take_along_axis", lambda x: dnp.take_along_axis(x, np.argsort(x, axis=1), axis=1),
     lambda x: np.take_along_axis(x, np.argsort(x, axis=1), axis=1), (A,)),
    ("take_along_axis-fewer", lambda x: dnp.take_along_axis(x, np.array([[2, 0, 0, 1]]), 0),
     lambda x: np.take_along_axis(x, np.array([[2, 0, 0, 1]]), 0), (A,)),
    ("take_along_axis-none", lambda x: dnp.take_along_axis(x, np.array([3, 0, 0]), None),
     lambda x: np.take_along_axis(x, np.array([3, 0, 0]), None), (A,)),
    ("vander", lambda x: dnp.vander(x, 4), lambda x: np.vander(x, 4), (V,)),
    ("vander-increasing", lambda x: dnp.vander(x, increasing=True),
     lambda x: np.vander(x, increasing=True), (V,)),
    ("diagflat", lambda x: dnp.diagflat(x, 1), lambda x: np.diagflat(x, 1), (A[:2],)),
]

ORDER = [
    ("sort", lambda x: dnp.sort(x, axis=0), lambda x: np.sort(x, axis=0), (A,)),
    ("sort-flat", lambda x: dnp.sort(x, axis=None), lambda x: np.sort(x, axis=None), (B,)),
    ("partition-kth", lambda x: dnp.partition(x, 2, axis=1)[:, 2],
     lambda x: np.partition(x, 2, axis=1)[:, 2], (A,)),
    ("median", dnp.median, np.median, (A,)),
    ("median-odd-axes", lambda x: dnp.median(x, axis=(0, 2), keepdims=True),
     lambda x: np.median(x, axis=(0, 2), keepdims=True), (B[:, :, :3],)),
    ("median-axis", lambda x: dnp.median(x, axis=1), lambda x: np.median(x, axis=1), (B,)),
    ("quantile", lambda x: dnp.quantile(x, [[0.1, 0.5], [0.93, 1.0]], axis=1),
     lambda x: np.quantile(x, [[0.1, 0.5], [0.93, 1.0]], axis=1), (B,)),
    ("quantile-keepdims", lambda x: dnp.quantile(x, [0.3, 0.6], axis=(0, 1), keepdims=True),
     lambda x: np.quantile(x, [0.3, 0.6], axis=(0, 1), keepdims=True), (B,)),
    ("quantile-in-q", lambda x, q: dnp.quantile(x, q, axis=1),
     lambda x, q: np.quantile(x, q, axis=1), (A, np.array([0.3, 0.77]))),
    ("percentile", lambda x: dnp.percentile(x, 30, axis=0),
     lambda x: np.percentile(x, 30, axis=0), (A,)),
    ("nansum", lambda x: dnp.nansum(x, axis=1), lambda x: np.nansum(x, axis=1), (A,)),
    ("nanmean", lambda x: dnp.nanmean(x, axis=0), lambda x: np.nanmean(x, axis=0), (A,)),
    ("nanvar", lambda x: dnp.nanvar(x, ddof=1), lambda x: np.nanvar(x, ddof=1), (A,)),
    ("nanstd", lambda x: dnp.nanstd(x, axis=1, keepdims=True),
     lambda x: np.nanstd(x, axis=1, keepdims=True), (A,)),
    ("nanmax", lambda x: dnp.nanmax(x, axis=1), lambda x: np.nanmax(x, axis=1), (A,)),
    ("nanmin", lambda x: dnp.nanmin(x, axis=0), lambda x: np.nanmin(x, axis=0), (A,)),
    ("average", lambda x: dnp.average(x, axis=1), lambda x: np.average(x, axis=1), (A,)),
    ("average-weights", lambda x, w: dnp.average(x, axis=1, weights=w),
     lambda x, w: np.average(x, axis=1, weights=w), (A, W)),
    ("average-1d-weights", lambda x, w: dnp.average(x, axis=0, weights=w, returned=True)[0],
     lambda x, w: np.average(x, axis=0, weights=w, returned=True)[0], (A, W[:, 0])),
    ("average-returned", lambda x, w: dnp.average(x, weights=w, returned=True)[1],
     lambda x, w: np.average(x, weights=w, returned=True)[1], (A, W)),
    ("cumprod", lambda x: dnp.cumprod(x, axis=1), lambda x: np.cumprod(x, axis=1), (A,)),
    ("cumprod-zeros", lambda x: dnp.cumprod(x, axis=1), lambda x: np.cumprod(x, axis=1), (Z,)),
    ("cumprod-flat", dnp.cumprod, np.cumprod, (B[:, :2],)),
    ("ptp", lambda x: dnp.ptp(x, axis=0), lambda x: np.ptp(x, axis=0), (A,)),
]

MISC = [
    ("interp", dnp.interp, np.interp, (XS, XP, FP)),
    ("interp-left-right", lambda x, f: dnp.interp(x, XP, f, left=-1.0, right=2.0),
     lambda x, f: np.interp(x, XP, f, left=-1.0, right=2.0), (XS, FP)),
    ("interp-period", lambda x, f: dnp.interp(x, XP, f, period=2.5),
     lambda x, f: np.interp(x, XP, f, period=2.5), (XS, FP)),
    ("polyval", dnp.polyval, np.polyval, (V, A)),
    ("polyfit", lambda x, y: dnp.polyfit(x, y, 3), lambda x, y: np.polyfit(x, y, 3),
     (XFIT, np.sin(3 * XFIT))),
    ("polyfit-2d-weighted", lambda x, y, w: dnp.polyfit(x, y, 2, w=w),
     lambda x, y, w: np.polyfit(x, y, 2, w=w), (XFIT, R.standard_normal((8, 2)), XFIT + 1)),
    ("trapezoid", lambda y: dnp.trapezoid(y, axis=0), lambda y: np.trapezoid(y, axis=0), (A,)),
    ("trapezoid-x", dnp.trapezoid, np.trapezoid, (A, np.cumsum(W[0]))),
    ("trapezoid-x-nd", lambda y, x: dnp.trapezoid(y, x, axis=0),
     lambda y, x: np.trapezoid(y, x, axis=0), (A, np.cumsum(W, axis=0))),
    ("trapezoid-dx", lambda y, d: dnp.trapezoid(y, dx=d), lambda y, d: np.trapezoid(y, dx=d),
     (A, 0.3)),
    ("gradient", lambda f: dnp.stack(dnp.gradient(f)), lambda f: np.stack(np.gradient(f)),
     (B,)),
    ("gradient-edge2", lambda f: dnp.stack(dnp.gradient(f, 0.5, [0, 1, 3, 3.5], edge_order=2)),
     lambda f: np.stack(np.gradient(f, 0.5, [0, 1, 3, 3.5], edge_order=2)), (A,)),
    ("gradient-axis", lambda f: dnp.gradient(f, [0, 1, 3, 3.5], axis=-1),
     lambda f: np.gradient(f, [0, 1, 3, 3.5], axis=-1), (A,)),
    ("gradient-in-spacings", lambda f, h, c: dnp.stack(dnp.gradient(f, h, c, edge_order=2)),
     lambda f, h, c: np.stack(np.gradient(f, h, c, edge_order=2)),
     (A, 0.5, np.array([0.0, 1.0, 3.0, 3.5]))),
    ("gradient-in-uniform-coordinates", lambda f, c: dnp.gradient(f, c, axis=0),
     lambda f, c: np.gradient(f, c, axis=0), (A, np.array([0.0, 0.5, 1.0]))),
]
for _n, _m in [(7, 3), (3, 7), (6, 4), (4, 6), (1, 4), (3, 0)]:
    for _mode in ("full", "same", "valid"):
        _args = (R.standard_normal(_n), R.standard_normal(_m) if _m else 1.5)   # 0: a scalar
        MISC.append((f"convolve-{_n}-{_m}-{_mode}", lambda a, v, m=_mode: dnp.convolve(a, v, m),
                     lambda a, v, m=_mode: np.convolve(a, v, m), _args))
        if not _m:
            continue   # NumPy's correlate refuses a scalar
        MISC.append((f"correlate-{_n}-{_m}-{_mode}",
                     lambda a, v, m=_mode: dnp.correlate(a, v, m),
                     lambda a, v, m=_mode: np.correlate(a, v, m), _args))

CASES = ELEMENTWISE + BUILDING + ORDER + MISC


def _jacobians_agree(f, args):
    argnums = tuple(range(len(args)))
    forward, reverse = ad.jacfwd(f, argnums)(*args), ad.jacrev(f, argnums)(*args)
    for jf, jr in zip(forward, reverse):
        np.testing.assert_allclose(jf, jr, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f, ref, args", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_values_and_derivatives(f, ref, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # NumPy's 2-vector cross
        expected = ref(*args)
    # traced: one argument boxed (the value path of the rules), and plain (NumPy's own)
    boxed = f(*(ad.Dual(a, np.zeros_like(a)) for a in args))
    np.testing.assert_allclose(boxed.primal, expected, rtol=1e-10, atol=1e-13)
    boxed = raw_value(f(ad.Dual(args[0], np.zeros_like(args[0])), *args[1:]))
    np.testing.assert_allclose(boxed, expected, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(f(*args), expected, rtol=1e-10, atol=1e-13)
    check_grads(f, args, order=2)
    _jacobians_agree(f, args)


FLOAT32 = ["mod", "hypot", "fmax", "copysign", "tril", "pad-reflect", "kron", "insert",
           "sort", "percentile", "nanmean", "nanvar", "cumprod", "convolve-7-3-full"]


@pytest.mark.parametrize("f, args", [(c[1], c[3]) for c in CASES if c[0] in FLOAT32],
                         ids=FLOAT32)
def test_float32_stays_float32(f, args):
    args32 = tuple(a.astype(np.float32) for a in args)
    assert f(*args32).dtype == np.float32
    assert ad.jacrev(f)(*args32).dtype == np.float32
    assert ad.jacfwd(f)(*args32).dtype == np.float32


# ---------------------------------------------------------------- conventions at kinks
def test_remainder_derivatives_follow_jax():
    # d/dx mod = 1; d/dy mod = -floor(x / y); fmod with trunc
    assert ad.grad(lambda y: dnp.mod(7.0, y))(2.0) == -3.0
    assert ad.grad(lambda y: dnp.mod(-7.0, y))(2.0) == 4.0
    assert ad.grad(lambda y: dnp.fmod(-7.0, y))(2.0) == 3.0
    assert ad.grad(lambda x: dnp.mod(x, 2.0))(-7.0) == 1.0
    gx, gy = ad.grad(lambda x, y: x % y, argnums=(0, 1))(7.0, -2.0)
    assert (gx, gy) == (1.0, 4.0)


def test_floor_divide_is_piecewise_constant():
    x = np.array([7.0, -7.5])
    assert np.array_equal(dnp.floor_divide(x, 2.0), np.floor_divide(x, 2.0))
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v // 2.0 + v)(x), np.eye(2))
    np.testing.assert_array_equal(ad.jacrev(lambda v: 3.0 // v + v)(x), np.eye(2))
    q, r = divmod(ad.tensor(x, requires_grad=True), 2.0)
    np.testing.assert_array_equal(q.detach().numpy(), np.floor_divide(x, 2.0))
    np.testing.assert_array_equal(r.detach().numpy(), np.mod(x, 2.0))
    # traced, with a zero derivative (as JAX): a recording recomputes it on new values
    recording = ad.record(lambda v: dnp.sum((v // 2.0) * v), x)
    np.testing.assert_array_equal(recording.grad(3 * x), np.floor_divide(3 * x, 2.0))
    np.testing.assert_array_equal(ad.hessian(lambda v: dnp.sum((v // 2.0) * v ** 2))(x),
                                  np.diag(2 * np.floor_divide(x, 2.0)))


def test_hypot_at_the_origin_has_zero_derivative():
    assert ad.grad(lambda x: dnp.hypot(x, 0.0))(0.0) == 0.0
    np.testing.assert_array_equal(ad.jacfwd(lambda v: dnp.hypot(v[0], v[1]))(np.zeros(2)),
                                  np.zeros(2))
    assert dnp.hypot(ad.Dual(1e200, 1.0), 1e200).primal == np.hypot(1e200, 1e200)


def test_nan_aware_functions_send_no_derivative_to_nans():
    x = np.array([1.0, np.nan, 3.0, 2.0])
    np.testing.assert_array_equal(ad.grad(lambda v: dnp.nansum(v))(x), [1, 0, 1, 1])
    np.testing.assert_array_equal(ad.grad(lambda v: dnp.nanmax(v))(x), [0, 0, 1, 0])
    np.testing.assert_allclose(ad.grad(lambda v: dnp.nanmean(v))(x), [1 / 3, 0, 1 / 3, 1 / 3])
    np.testing.assert_array_equal(ad.grad(lambda v: dnp.sum(dnp.fmax(v, 2.0)))(x),
                                  [0, 0, 1, 0.5])
    np.testing.assert_array_equal(ad.grad(lambda v: dnp.sum(dnp.nan_to_num(v)))(
        np.array([np.inf, np.nan, -np.inf, 2.0])), [0, 0, 0, 1])
    nans = np.array([[np.nan, np.nan], [1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in ("nanmax", "nanmin", "nanmean", "nanvar", "nanstd"):
            got = getattr(dnp, name)(ad.Dual(nans, np.ones_like(nans)), axis=1)
            np.testing.assert_allclose(got.primal, getattr(np, name)(nans, axis=1))
            assert np.isfinite(got.tangent[..., 1]).all()


def test_quantiles_of_slices_with_nan_are_nan():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    for f, ref in ((lambda v: dnp.median(v, axis=1), lambda v: np.median(v, axis=1)),
                   (lambda v: dnp.quantile(v, [0.2, 0.9], axis=1),
                    lambda v: np.quantile(v, [0.2, 0.9], axis=1))):
        got = f(ad.Dual(x, np.ones_like(x)))
        np.testing.assert_array_equal(got.primal, ref(x))
        assert not np.isnan(got.tangent[..., 1]).any()


@pytest.mark.parametrize("method", ["lower", "higher", "nearest", "midpoint", "hazen",
                                    "weibull", "median_unbiased", "normal_unbiased"])
def test_quantile_methods_match_numpy(method):
    f = lambda x: dnp.quantile(x, [0.0, 0.1, 0.5, 0.93, 1.0], axis=-1, method=method)
    ref = np.quantile(B, [0.0, 0.1, 0.5, 0.93, 1.0], axis=-1, method=method)
    np.testing.assert_allclose(f(ad.Dual(B, np.zeros_like(B))).primal, ref, rtol=1e-12)
    check_grads(f, (B,), order=1)


def test_median_and_quantile_interpolate_the_derivative():
    x = np.array([4.0, 1.0, 3.0, 2.0])
    np.testing.assert_array_equal(ad.grad(dnp.median)(x), [0, 0, 0.5, 0.5])
    np.testing.assert_allclose(ad.grad(lambda v: dnp.quantile(v, 0.25))(x), [0, 0.25, 0, 0.75])
    # in q: the slope between the neighbouring order statistics times (n - 1)
    assert np.isclose(ad.grad(lambda q: dnp.quantile(x, q))(0.25), 3.0)


def test_sort_permutes_the_cotangent():
    x = np.array([3.0, 1.0, 2.0])
    weights = np.array([1.0, 10.0, 100.0])
    np.testing.assert_array_equal(ad.grad(lambda v: dnp.sum(dnp.sort(v) * weights))(x),
                                  [100.0, 1.0, 10.0])


def test_cumprod_derivative_is_exact_at_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    # d/dx_j of the product of the first k elements is the product of the others
    expected = np.zeros((5, 5))
    for k in range(5):
        for j in range(k + 1):
            expected[k, j] = np.prod(np.delete(x[:k + 1], j))
    np.testing.assert_array_equal(ad.jacfwd(dnp.cumprod)(x), expected)
    np.testing.assert_array_equal(ad.jacrev(dnp.cumprod)(x), expected)


def test_copysign_heaviside_and_tril_at_kinks():
    assert ad.grad(lambda x: dnp.copysign(x, -0.0))(2.0) == -1.0
    assert ad.grad(lambda x: dnp.copysign(x, 1.0))(0.0) == 0.0
    x1 = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(dnp.heaviside(x1, 0.5), np.heaviside(x1, 0.5))
    np.testing.assert_array_equal(ad.grad(lambda h: dnp.sum(dnp.heaviside(x1, h)))(0.5), 1.0)
    np.testing.assert_array_equal(
        ad.jacfwd(lambda h: dnp.heaviside(x1, h))(0.5), [0.0, 1.0, 0.0])
    assert ad.grad(lambda m: dnp.sum(dnp.tril(m)))(np.ones((2, 2)))[0, 1] == 0.0


def test_interp_derivative_at_knots_takes_the_right_segment():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    assert ad.grad(lambda x: dnp.interp(x, xp, fp))(1.0) == 0.5
    assert ad.grad(lambda x: dnp.interp(x, xp, fp))(3.0) == 0.5
    assert ad.grad(lambda x: dnp.interp(x, xp, fp))(4.0) == 0.0
    assert dnp.interp(ad.Dual(3.0, 1.0), xp, fp).primal == 3.0
    # float64, as NumPy's interp, whatever the input dtype
    assert dnp.interp(ad.Dual(np.float32(2.0), np.float32(1.0)), xp, fp).dtype == np.float64


def test_operators_on_boxes_and_integers():
    x = np.array([5.0, -3.5])
    for box in (ad.Dual(x, np.ones(2)), ad.tensor(x, requires_grad=True)):
        np.testing.assert_array_equal(raw_value(box % 2), np.mod(x, 2))
        np.testing.assert_array_equal(raw_value(7 % box), np.mod(7, x))
        np.testing.assert_array_equal(raw_value(box // 2), x // 2)
        np.testing.assert_array_equal(raw_value(2.0 // box), 2.0 // x)
        q, r = divmod(7.0, box)
        np.testing.assert_array_equal(raw_value(q), np.floor_divide(7.0, x))
    np.testing.assert_array_equal(dnp.mod(np.arange(5), 3), np.arange(5) % 3)


# ---------------------------------------------------------------- pass-throughs
def test_pass_throughs_are_numpys():
    assert (dnp.pi, dnp.e, dnp.euler_gamma) == (np.pi, np.e, np.euler_gamma)
    assert np.isinf(dnp.inf) and np.isnan(dnp.nan) and dnp.newaxis is None
    assert dnp.float32 is np.float32 and dnp.bool_ is np.bool_
    # the integer types also cast traced values (tests/ops/test_integer_types.py), and stand in
    # for NumPy's: equal, same dtype, same isinstance
    assert dnp.int64 == np.int64 and np.dtype(dnp.int64) == np.int64
    assert dnp.finfo(dnp.float32).eps == np.finfo(np.float32).eps
    assert dnp.iinfo(dnp.int32).max == 2 ** 31 - 1
    assert dnp.s_[1:3] == slice(1, 3) and dnp.index_exp[1] == (1,)
    with dnp.errstate(divide="ignore"):
        np.float64(1.0) / 0.0
    np.testing.assert_array_equal(dnp.tri(3, 4, 1), np.tri(3, 4, 1))
    for name, args in (("tril_indices", (4, 1)), ("triu_indices", (3,)),
                       ("diag_indices", (3, 2)), ("ix_", ([0, 1], [2])),
                       ("unravel_index", ([5, 7], (3, 4)))):
        for got, want in zip(getattr(dnp, name)(*args), getattr(np, name)(*args)):
            np.testing.assert_array_equal(got, want)
    rows, cols = dnp.triu_indices_from(ad.Dual(A, A), 1)
    np.testing.assert_array_equal(rows, np.triu_indices_from(A, 1)[0])
    assert dnp.all(A > -10) and not dnp.any(A > 10)
    assert dnp.count_nonzero(Z) == np.count_nonzero(Z)
    assert dnp.all(ad.Dual(A, A) < 10)


# ---------------------------------------------------------------- errors
def test_errors_name_the_problem():
    d = ad.Dual(A, np.ones_like(A))
    with pytest.raises(ValueError, match="mode 'empty' is not supported"):
        dnp.pad(d, 1, mode="empty")
    with pytest.raises(ValueError, match="stat_length of 0"):
        dnp.pad(d, 1, mode="maximum", stat_length=0)
    with pytest.raises(ValueError, match="stat_length"):
        dnp.pad(d, 1, mode="edge", stat_length=2)
    with pytest.raises(ValueError, match="reflect_type"):
        dnp.pad(d, 1, mode="reflect", reflect_type="odd")
    with pytest.raises(ValueError, match="incompatible dimensions"):
        dnp.cross(d, d)
    with pytest.raises(ValueError, match="same length"):
        dnp.select([A > 0], [d, d])
    with pytest.raises(TypeError, match="boolean"):
        dnp.select([A], [d])
    with pytest.raises(IndexError, match="integer array"):
        dnp.take_along_axis(d, np.ones((3, 4)), 1)
    with pytest.raises(ValueError, match="same number of dimensions"):
        dnp.take_along_axis(d, np.zeros(3, int), 1)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        dnp.quantile(d, 1.5)
    with pytest.raises(ValueError, match=r"range \[0, 100\]"):
        dnp.percentile(d, -1)
    with pytest.raises(TypeError, match="method='linear'"):
        ad.grad(lambda q: dnp.quantile(A, q, method="lower"))(0.5)
    with pytest.raises(TypeError, match="out="):
        dnp.nansum(d, out=np.empty(4))
    with pytest.raises(ZeroDivisionError, match="sum to zero"):
        dnp.average(d, axis=1, weights=np.zeros(4))
    with pytest.raises(ValueError, match="rank deficient"):
        ad.grad(lambda y: dnp.sum(dnp.polyfit(np.ones(4), y, 2)))(np.arange(4.0))
    with pytest.raises(ValueError, match="coordinates must be"):
        dnp.gradient(d, [1.0, 2.0], axis=0)
    with pytest.raises(ValueError, match="mode must be one of"):
        dnp.convolve(ad.Dual(V, V), V, "bad")
    with pytest.raises(ValueError, match="fliplr: input must be >= 2-d"):
        dnp.fliplr(ad.Dual(V, V))
    with pytest.raises(ValueError, match="must be different"):
        dnp.rot90(d, 1, (0, 0))
    with pytest.raises(ValueError, match="'xy' and 'ij'"):
        dnp.meshgrid(d, indexing="xz")
    with pytest.raises(ValueError, match="matrix directives"):
        dnp.r_["r", d]
    with pytest.raises(TypeError, match="complex"):
        dnp.fabs(np.array([1j]))
    with pytest.raises(TypeError, match="does not support out="):
        dnp.hypot(d, d, out=np.empty((3, 4)))


# ---------------------------------------------------------------- shapes (hypothesis)
_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@given(sx=_shapes, sy=_shapes, data=st.data())
def test_binary_functions_broadcast_like_numpy(sx, sy, data):
    try:
        np.broadcast_shapes(sx, sy)
    except ValueError:
        return
    rng = np.random.default_rng(len(sx) * 10 + len(sy))
    x = rng.uniform(0.5, 3.0, sx) * rng.choice([-1.0, 1.0], sx)
    y = rng.uniform(0.7, 1.6, sy) * rng.choice([-1.0, 1.0], sy)
    name = data.draw(st.sampled_from(["mod", "fmod", "hypot", "fmax", "fmin", "logaddexp2",
                                      "copysign"]))
    f, ref = getattr(dnp, name), getattr(np, name)
    np.testing.assert_allclose(f(ad.Dual(x, np.zeros_like(x)), y).primal, ref(x, y))
    check_grads(f, (x, y), order=1)
    _jacobians_agree(f, (x, y))


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), data=st.data())
def test_order_statistics_over_shapes_and_axes(shape, data):
    ndim = len(shape)
    x = np.random.default_rng(sum(shape)).permutation(int(np.prod(shape))).reshape(shape) / 7.0
    axis = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1)))
    q = data.draw(st.sampled_from([0.5, [0.0, 0.35, 1.0]]))
    keepdims = data.draw(st.booleans())
    funs = [
        (lambda v: dnp.quantile(v, q, axis=axis, keepdims=keepdims),
         lambda v: np.quantile(v, q, axis=axis, keepdims=keepdims)),
        (lambda v: dnp.median(v, axis=axis, keepdims=keepdims),
         lambda v: np.median(v, axis=axis, keepdims=keepdims)),
        (lambda v: dnp.sort(v, axis=axis), lambda v: np.sort(v, axis=axis)),
        (lambda v: dnp.cumprod(v, axis=axis), lambda v: np.cumprod(v, axis=axis)),
    ]
    for f, ref in funs:
        np.testing.assert_allclose(f(ad.Dual(x, np.zeros_like(x))).primal, ref(x), rtol=1e-12)
        check_grads(f, (x,), order=1)
        _jacobians_agree(f, (x,))


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), data=st.data())
def test_pad_matches_numpy_for_every_mode(shape, data):
    x = np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap",
                                      "linear_ramp", "maximum", "minimum", "mean", "median"]))
    width = data.draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)),
                               min_size=len(shape), max_size=len(shape)))
    kwargs = {}
    if mode in ("maximum", "minimum", "mean", "median"):
        kwargs["stat_length"] = data.draw(st.one_of(st.none(), st.integers(1, 4)))
    elif mode == "linear_ramp":
        kwargs["end_values"] = data.draw(st.floats(-2.0, 2.0))
    f = lambda v: dnp.pad(v, width, mode, **kwargs)
    # exact but for linear_ramp, whose steps may round as NumPy's linspace does not (1 ulp)
    np.testing.assert_allclose(f(ad.Dual(x, np.zeros_like(x))).primal,
                               np.pad(x, width, mode, **kwargs), rtol=1e-14, atol=1e-15)
    check_grads(f, (x,), order=1)


def test_docstring_examples_run():
    import doctest
    import importlib
    for name in ("dualad.numpy._more_elementwise", "dualad.numpy._building",
                 "dualad.numpy._order", "dualad.numpy._misc"):
        result = doctest.testmod(importlib.import_module(name),
                                 extraglobs={"np": np, "ad": ad, "dnp": dnp},
                                 optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, name


def test_recordings_guard_the_value_dependent_choices():
    # the permutation of sort, the segment of interp, NaN masks and signs are guarded, so a
    # Recording replayed on new values answers as eager evaluation does
    rng = np.random.default_rng(3)
    funs = [lambda x: dnp.sum(dnp.sort(x) * np.arange(6.0)),
            lambda x: dnp.median(x) * dnp.quantile(x, 0.3),
            lambda x: dnp.sum(dnp.interp(x, XP, FP) ** 2),
            lambda x: dnp.nanmean(dnp.nan_to_num(x)) + dnp.nanmax(x),
            lambda x: dnp.sum(dnp.copysign(x, x[::-1]) * dnp.fmax(x, 0.1)),
            lambda x: dnp.sum(dnp.partition(x, 2)[:3])]
    for f in funs:
        recording = ad.record(f, rng.standard_normal(6))
        for _ in range(3):
            x = rng.standard_normal(6)
            np.testing.assert_allclose(recording.grad(x), ad.grad(f)(x), rtol=1e-12)
            np.testing.assert_allclose(recording.value(x), f(x), rtol=1e-12)


# ---------------------------------------------------------------- complex values (API.md 9)
def _fd_gradient(loss, z, eps=1e-6):
    """``du/dx - i du/dy`` of the real ``loss`` at complex ``z`` (autograd's convention)."""
    out = np.zeros(z.shape, dtype=complex)
    for i in np.ndindex(z.shape):
        e = np.zeros(z.shape)
        e[i] = eps
        out[i] = ((loss(z + e) - loss(z - e)) - 1j * (loss(z + 1j * e) - loss(z - 1j * e))) \
            / (2 * eps)
    return out


ZC = R.standard_normal(5) + 1j * R.standard_normal(5)
VC = R.standard_normal(3) - 1j * R.standard_normal(3)
COMPLEX = [
    ("correlate", lambda z: dnp.correlate(z, VC, "full"), lambda z: np.correlate(z, VC, "full")),
    ("correlate-v", lambda z: dnp.correlate(VC, z, "same"), lambda z: np.correlate(VC, z, "same")),
    ("convolve", lambda z: dnp.convolve(z, VC), lambda z: np.convolve(z, VC)),
    ("kron", lambda z: dnp.kron(z, VC), lambda z: np.kron(z, VC)),
    ("sort", dnp.sort, np.sort),
    ("cumprod", dnp.cumprod, np.cumprod),
    ("pad", lambda z: dnp.pad(z, 2, "symmetric"), lambda z: np.pad(z, 2, "symmetric")),
    ("interp-fp", lambda z: dnp.interp(XS, np.arange(5.0), z),
     lambda z: np.interp(XS, np.arange(5.0), z)),
    ("polyval", lambda z: dnp.polyval(z, VC), lambda z: np.polyval(z, VC)),
    ("trapezoid", dnp.trapezoid, np.trapezoid),
    ("median", dnp.median, np.median),
]


@pytest.mark.parametrize("f, ref", [c[1:] for c in COMPLEX], ids=[c[0] for c in COMPLEX])
def test_complex_values_follow_autograds_convention(f, ref):
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a ComplexWarning would be a silent cast to real
        np.testing.assert_allclose(raw_value(f(ad.Dual(ZC, np.ones_like(ZC)))), ref(ZC),
                                   rtol=1e-12, atol=1e-14)
    loss = lambda z: dnp.sum(dnp.abs(f(z)) ** 2)
    np.testing.assert_allclose(ad.grad(loss)(ZC),
                               _fd_gradient(lambda z: np.sum(np.abs(ref(z)) ** 2), ZC),
                               rtol=1e-5, atol=1e-7)


def test_list_arguments_give_arrays_as_numpy_does():
    """Functions that used to fail on (or hand back) a Python list."""
    for name, args in [("conj", ([1.0],)), ("real_if_close", ([1.0],)),
                       ("deg2rad", ([180.0],)), ("rad2deg", ([1.0],)), ("take", ([1.0, 2.0], 0)),
                       ("positive", ([1.0],)), ("clip", ([1.0, 5.0], 0.0, 2.0))]:
        got, want = getattr(dnp, name)(*args), getattr(np, name)(*args)
        assert type(got) is type(want), name
        np.testing.assert_array_equal(got, want, err_msg=name)
