"""Every op of the op table through every backend generated from its one declaration.

For each elementwise op of ``dualad/_kernels/optable.py``, on random points, on NaN, +-inf, +-0,
tiny and huge values and each declared kink, these agree:

* values: the compiled loop, the NumPy reference (what ``DUALAD_PUREPYTHON=1`` runs), the eager
  primitive, ``ad.record`` (``ad.jit``'s scalar and array interpreters) and NumPy itself,
  within 4 ulp, with NaN, infinities and the sign of zero in the same places;
* first derivatives: the compiled loop, the reference, the rule (the table's expression evaluated
  with dualad's primitives), forward mode, reverse mode and ``ad.record``'s gradient, equal up
  to rounding with NaN and infinities in the same places (the sign of a zero derivative is not
  compared);
* second derivatives: ``ad.record``'s Hessian (compiled by ``ad.jit``) and eager
  forward-over-reverse (which differentiates the rule);
* at each declared kink, the derivative is the declared convention in every path.

A new op in the table is walked by these tests without being named here.
"""
import numpy as np
import pytest

import dualad as ad
from dualad import _kernels
from dualad._core._engine import REGISTRY
from dualad._kernels import optable, reference

OPS = list(optable.OPS.values())
COMPILED = [op for op in OPS if op.c is not None]
EDGES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-300, -1e-300, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0,
         20.0, -20.0, 700.0, -700.0, 1e300, -1e300]


def points(op):
    rng = np.random.default_rng(sum(map(ord, op.name)))
    return np.array(EDGES + list(op.kinks) + list(rng.uniform(-4, 4, 24))
                    + list(rng.uniform(0, 4, 24)), dtype=np.float64)


def numpy_value(op, x):
    return getattr(np, op.numpy)(x) if op.numpy else getattr(reference, op.name)(x)


def assert_values(got, want, what, nulp=4):
    """Within ``nulp`` ulp, with NaN, infinities and the sign of zero in the same places."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=what + ": NaN")
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)],
                                  err_msg=what + ": infinities")
    zero = want == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]),
                                  err_msg=what + ": sign of zero")
    ulps = np.abs(got[finite] - want[finite]) / np.spacing(np.abs(want[finite]))
    assert ulps.size == 0 or ulps.max() <= nulp, f"{what}: {ulps.max():.1f} ulp apart"


def assert_derivatives(got, want, what, rtol=4 * np.finfo(np.float64).eps):
    """Equal up to rounding, with NaN and infinities in the same places."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=what + ": NaN")
    special = np.isinf(want)
    np.testing.assert_array_equal(got[special], want[special], err_msg=what + ": infinities")
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=1e-300, err_msg=what)


def test_every_table_op_is_a_registered_primitive():
    for op in OPS:
        assert REGISTRY[op.name].name == op.name


@pytest.mark.parametrize("op", COMPILED, ids=lambda op: op.name)
def test_values_agree_across_backends(op):
    x = points(op)
    prim = REGISTRY[op.name]
    with np.errstate(all="ignore"):
        want = numpy_value(op, x)
        assert_values(getattr(reference, op.name + "_value")(x), want, "reference")
        assert_values(_kernels.UNARY_VALUE[op.name](x), want, "kernel")
        assert_values(_kernels.UNARY_FWD[op.name](x)[0], want, "fused kernel")
        assert_values(prim(x), want, "eager primitive")
        assert_values(ad.record(prim, x).value(x), want, "replay (array)")
        scalar = ad.record(prim, 0.5)
        assert_values([scalar.value(float(v)) for v in x], want, "replay (scalar)")


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_derivatives_agree_across_backends(op):
    x = points(op)
    prim = REGISTRY[op.name]
    formula = optable.function(op.deriv, dict(reference.NUMPY_FUNCTIONS))
    with np.errstate(all="ignore"):
        # each path's derivative from its own value (the kernel's, or NumPy's for the
        # reference): values were compared above, and 1 - y * y near |y| = 1 would amplify
        # their last-bit differences
        ans = prim(x)
        want = formula(x, ans)
        assert_derivatives(prim.deriv(ans, x), want, "rule")
        assert_derivatives(ad.jvp(prim, (x,), (np.ones_like(x),))[1], want, "forward mode")
        assert_derivatives(ad.elementwise_grad(prim)(x), want, "reverse mode")
        if op.c is None:
            return
        assert_derivatives(reference.__dict__[op.name + "_fwd"](x)[1],
                           formula(x, numpy_value(op, x)), "reference")
        assert_derivatives(_kernels.UNARY_FWD[op.name](x)[1], want, "kernel")
        # the replay computes values with libm's scalar functions, the loops with their SIMD
        # versions (a last-bit difference): its derivatives follow its own values
        array = ad.record(lambda v: prim(v).sum(), x)
        assert_derivatives(array.grad(x), formula(x, ad.record(prim, x).value(x)),
                           "replay (array)")
        scalar = ad.record(prim, 0.5)
        assert_derivatives([scalar.grad(float(v)) for v in x],
                           formula(x, np.array([scalar.value(float(v)) for v in x])),
                           "replay (scalar)")


@pytest.mark.parametrize("op", COMPILED, ids=lambda op: op.name)
def test_second_derivatives_agree(op):
    """``ad.record``'s Hessian on float64 scalars against eager forward-over-reverse."""
    x = points(op)
    prim = REGISTRY[op.name]
    scalar = ad.record(prim, 0.5)
    with np.errstate(all="ignore"):
        replayed = [scalar.hessian(float(v)) for v in x]
        eager = ad.elementwise_grad(ad.elementwise_grad(prim))(x)
    assert_derivatives(replayed, eager, "second derivative", rtol=1e-12)


@pytest.mark.parametrize("op", [op for op in OPS if op.kinks], ids=lambda op: op.name)
def test_kinks_take_the_declared_convention_everywhere(op):
    """``abs`` and ``relu`` have derivative 0 at 0 (+0 and -0) in every path (API.md section 8)."""
    prim = REGISTRY[op.name]
    x = np.array([k for kink in op.kinks for k in (kink, -kink)])
    with np.errstate(all="ignore"):
        want = optable.function(op.deriv, dict(reference.NUMPY_FUNCTIONS))(x, prim(x))
        assert not np.any(want), "the tables' kinks here are all 0 at 0"
        paths = {"forward": ad.jvp(prim, (x,), (np.ones_like(x),))[1],
                 "reverse": ad.elementwise_grad(prim)(x),
                 "kernel": _kernels.UNARY_FWD[op.name](x)[1],
                 "reference": reference.__dict__[op.name + "_fwd"](x)[1],
                 "replay": [ad.record(prim, 0.5).grad(float(v)) for v in x]}
    for path, got in paths.items():
        np.testing.assert_array_equal(got, want, err_msg=path)


@pytest.mark.parametrize("op", COMPILED, ids=lambda op: op.name)
def test_float32_loops_follow_the_reference(op):
    with np.errstate(over="ignore"):
        x = points(op).astype(np.float32)
    with np.errstate(all="ignore"):
        (y, d), (y_ref, d_ref) = _kernels.UNARY_FWD[op.name](x), \
            reference.__dict__[op.name + "_fwd"](x)
    assert y.dtype == d.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(y), np.isnan(y_ref))
    np.testing.assert_allclose(y, y_ref, rtol=4 * np.finfo(np.float32).eps, atol=1e-37)
    # the derivative from the loop's own value, in float32 (see the float64 test)
    formula = optable.function(op.deriv, dict(reference.NUMPY_FUNCTIONS))
    with np.errstate(all="ignore"):
        d_own = y if op.deriv == "y" else formula(x, y)
    assert d_own.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(d), np.isnan(d_own))
    np.testing.assert_allclose(d, d_own, rtol=4 * np.finfo(np.float32).eps, atol=1e-37)
    np.testing.assert_array_equal(np.isnan(d_ref), np.isnan(d_own))


def test_c_expressions_keep_float_loops_in_float():
    assert optable.c_expression("0.5 / y", y="y[i]", ctype="float") == "(<float>0.5) / y[i]"
    assert optable.c_expression("1 / (x * LN2)", ctype="float") == \
        "(<float>1) / (x * (<float>0.6931471805599453))"
    assert optable.c_expression("-sin(x)", ctype="float") == "-sinf(x)"


def test_expressions_outside_the_language_are_refused():
    for bad in ("x ** 2", "np.exp(x)", "exp(x, y)", "__import__('os')", "x if x else y"):
        with pytest.raises(ValueError, match="optable"):
            optable.function(bad, {})
