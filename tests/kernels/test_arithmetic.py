"""The arithmetic primitives' value function, ``_arithmetic.Arithmetic``, against its
reference, NumPy's ufunc: the same bits, types, shapes and floating-point warnings."""
import operator
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dualad import _kernels

compiled = pytest.importorskip("dualad._kernels._arithmetic",
                               reason="the compiled kernels are not built")
Arithmetic = compiled.Arithmetic

OPS = {"add": (operator.add, np.add), "subtract": (operator.sub, np.subtract),
       "multiply": (operator.mul, np.multiply), "divide": (operator.truediv, np.divide),
       "power": (operator.pow, np.power)}
IMPLS = {name: Arithmetic(ufunc, operator) for name, (operator, ufunc) in OPS.items()}

# every form a single value takes in dualad's scalar code, and some that must not take the
# compiled path (other dtypes, more axes, more elements, ints)
FORMS = {
    "python float": float,
    "float64 scalar": np.float64,
    "0-d array": lambda v: np.array(v),
    "(1,) array": lambda v: np.array([v]),
    "(1, 1) array": lambda v: np.array([[v]]),
    "(2,) array": lambda v: np.array([v, -v]),
    "float32 array": lambda v: np.array([v], dtype=np.float32),
    "read-only (1,) view": lambda v: _read_only(np.array([v])),
    "strided (1,) view": lambda v: np.array([v, 0.0])[::2],
}


def _read_only(a):
    a.flags.writeable = False
    return a


def _same(got, want):
    assert type(got) is type(want)
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)  # NaN equals NaN here; bits of ±0 checked below
    assert np.array_equal(np.signbit(got), np.signbit(want))


values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                   st.sampled_from([0.0, -0.0, 1.0, 5e-324, 1e308, -1e308]))


@example(x=1.0, y=0.0, fx="(1,) array", fy="float64 scalar", name="divide")
@example(x=0.0, y=-0.0, fx="0-d array", fy="0-d array", name="divide")
@example(x=-0.0, y=0.0, fx="(1,) array", fy="python float", name="add")
@given(x=values, y=values, fx=st.sampled_from(sorted(FORMS)), fy=st.sampled_from(sorted(FORMS)),
       name=st.sampled_from(sorted(OPS)))
def test_arithmetic_matches_the_ufunc(x, y, fx, fy, name):
    with np.errstate(all="ignore"):
        a, b = FORMS[fx](x), FORMS[fy](y)   # float32 casts may overflow
        want = OPS[name][0](a, b) if not (fx == fy == "python float") else OPS[name][1](a, b)
        got = IMPLS[name](a, b)
    _same(got, want)


@pytest.mark.parametrize("name", ["divide", "multiply", "add"])
def test_non_finite_results_warn_as_numpy_does(name):
    """Overflow, division by zero and invalid operations go through the ufunc, so NumPy's
    floating-point error handling (warnings, errstate) is the same."""
    big = np.array([1e308])
    cases = {"divide": (np.array([1.0]), np.float64(0.0)), "multiply": (big, np.float64(10.0)),
             "add": (big, np.float64(1e308))}
    x, y = cases[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = IMPLS[name](x, y)
    assert np.isinf(got[0]) and any(issubclass(w.category, RuntimeWarning) for w in caught)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        IMPLS[name](x, y)


def test_results_are_fresh_arrays():
    x = np.array([2.0])
    out = IMPLS["multiply"](x, np.float64(3.0))
    assert out is not x and out.flags.owndata and out.flags.writeable
    out[0] = 0.0
    assert x[0] == 2.0


@pytest.mark.parametrize("name", sorted(OPS))
def test_large_arrays_match_the_ufunc(name):
    """Two large arrays go to the kernels shared among the cores (add to divide): the ufunc's
    bits."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(70_001), rng.standard_normal(70_001) + 3.0
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(IMPLS[name](x, y), OPS[name][1](x, y))


def test_the_arithmetic_primitives_use_it_or_their_reference():
    import os

    from dualad.primitives import binary, logexp
    for prim, ufunc in [(binary.add, np.add), (binary.subtract, np.subtract),
                        (binary.multiply, np.multiply), (binary.divide, np.divide),
                        (logexp.power, np.power)]:
        if os.environ.get("DUALAD_PUREPYTHON"):
            assert prim.impl is ufunc
        else:
            assert type(prim.impl) is Arithmetic and prim.impl.__name__ == ufunc.__name__
        assert _kernels.arithmetic_value(ufunc, operator.add).__name__ == ufunc.__name__
