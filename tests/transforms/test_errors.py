"""The bad-input matrix: for each public entry point, the mistakes users make, each raising an
exception of the right type whose message names the argument and the fix."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

X = np.ones(3)
INT, BOOL = np.arange(3), np.ones(3, bool)
OBJ = np.array([1.0, None, 2.0])


def f(x):
    return dnp.sum(dnp.sin(x))


def _vjp_fn():
    return ad.vjp(dnp.sin, X)[1]


def _tape_after_gradient():
    with ad.Tape() as tape:
        x = tape.watch(X)
        y = dnp.sum(x * x)
    tape.gradient(y, [x])
    return tape, x, y


def _tape(persistent=False):
    with ad.Tape(persistent=persistent) as tape:
        x = tape.watch(X)
        y = x * x
    return tape, x, y


DTYPE_FIX = r"only floating-point and complex values can be differentiated"
INT_FIX = DTYPE_FIX + r".*pass floats"

# (id, call, exception type, regex the message must match: the argument and the fix)
CASES = [
    # integer, boolean and object arrays where floats (or complex numbers) are expected
    *[(f"{name}-{kind}", (lambda call, a: lambda: call(a))(call, a), TypeError,
       f"{prefix}.*dtype {dt}.*{fix}")
      for name, call, prefix in [
          ("grad", ad.grad(f), "grad: argument 0"),
          ("value_and_grad", ad.value_and_grad(f), "grad: argument 0"),
          ("jacfwd", ad.jacfwd(dnp.sin), "jacfwd: argument 0"),
          ("jacrev", ad.jacrev(dnp.sin), "jacrev: argument 0"),
          ("jacobian", ad.jacobian(dnp.sin), "argument 0"),
          ("hessian", ad.hessian(f), "argument 0"),
          ("elementwise_grad", ad.elementwise_grad(dnp.sin), "elementwise_grad: argument 0"),
          ("vjp", lambda a: ad.vjp(dnp.sin, a), "vjp: argument 0"),
          ("jvp", lambda a: ad.jvp(dnp.sin, (a,), (X,)), "jvp: argument 0"),
          ("Dual", lambda a: ad.Dual(a, X), "Dual primal"),
          ("tensor", lambda a: ad.tensor(a, requires_grad=True), "a tensor that requires grad"),
          ("watch", lambda a: ad.Tape().watch(a), "Tape.watch argument"),
      ]
      for kind, a, dt, fix in [("int", INT, "int64", INT_FIX), ("bool", BOOL, "bool", INT_FIX),
                               ("object", OBJ, "object", DTYPE_FIX)]],
    ("grad-python-int", lambda: ad.grad(f)(3), TypeError, INT_FIX),
    ("grad-pytree-int-leaf", lambda: ad.grad(lambda d: f(d["a"]))({"a": X, "b": INT}), TypeError,
     "argument 0 \\(a leaf of its pytree\\).*int64"),
    # mismatched tangent or cotangent shapes and dtypes
    ("jvp-tangent-shape", lambda: ad.jvp(f, (X,), (np.ones(4),)), ValueError,
     r"tangent 0 has shape \(4,\).*expected \(3,\) or \(k,\) \+ \(3,\)"),
    ("jvp-tangent-dtype", lambda: ad.jvp(f, (X,), (X.astype(np.float32),)), TypeError,
     "tangent 0 has dtype float32.*must match"),
    ("jvp-tangent-int", lambda: ad.jvp(f, (X,), (INT,)), TypeError, "tangent 0.*int64"),
    ("jvp-tangent-count", lambda: ad.jvp(f, (X,), (X, X)), ValueError, "1 primals but 2 tangents"),
    ("jvp-not-tuples", lambda: ad.jvp(f, X, X), TypeError, "primals and tangents must be tuples"),
    ("jvp-directions", lambda: ad.jvp(lambda a, b: a + b, (X, X), (np.ones((2, 3)), X)),
     ValueError, "same number of directions"),
    ("hvp-not-tuples", lambda: ad.hvp(f, X, X), TypeError, "primals and tangents must be tuples"),
    ("hvp-tangent-shape", lambda: ad.hvp(f, (X,), (np.ones(2),)), ValueError,
     r"tangent 0 has shape \(2,\)"),
    ("Dual-tangent-shape", lambda: ad.Dual(X, np.ones(4)), ValueError,
     r"tangent has shape \(4,\).*must have shape \(3,\)"),
    ("Dual-tangent-dtype", lambda: ad.Dual(X, X.astype(np.float32)), TypeError,
     r"tangent has dtype float32.*astype\(float64\)"),
    ("vjp-cotangent-shape", lambda: _vjp_fn()(np.ones(4)), ValueError,
     r"cotangent 0 has shape \(4,\).*shape \(3,\)"),
    ("vjp-cotangent-dtype", lambda: _vjp_fn()(X.astype(np.float32)), TypeError,
     r"cotangent 0 has dtype float32.*astype\(float64\)"),
    ("vjp-cotangent-int", lambda: _vjp_fn()(INT), TypeError,
     r"cotangent 0 has dtype int64.*floating-point.*astype\(float64\)"),
    ("vjp-cotangent-structure", lambda: _vjp_fn()((X, X)), ValueError, "structure of the output"),
    ("Tape-output_gradients-shape", lambda: (lambda t, x, y: t.gradient(y, [x], np.ones(2)))(
        *_tape()), ValueError, r"output_gradients has shape \(2,\)"),
    ("Tape-output_gradients-dtype", lambda: (lambda t, x, y: t.gradient(
        y, [x], X.astype(np.float32)))(*_tape()), TypeError,
     r"output_gradients has dtype float32.*astype\(float64\)"),
    ("Tape-output_gradients-int", lambda: (lambda t, x, y: t.gradient(y, [x], INT))(*_tape()),
     TypeError, "output_gradients has dtype int64"),
    ("backward-gradient-shape", lambda: (ad.tensor(X, requires_grad=True) * 2).backward(
        np.ones(2)), ValueError, r"gradient has shape \(2,\)"),
    ("backward-gradient-dtype", lambda: (ad.tensor(X, requires_grad=True) * 2).backward(
        X.astype(np.float32)), TypeError, "gradient has dtype float32"),
    # non-scalar outputs where a scalar is needed
    ("grad-non-scalar", lambda: ad.grad(dnp.sin)(X), TypeError,
     r"scalar-output.*shape \(3,\).*dnp.sum.*jacrev or vjp"),
    ("grad-pytree-output", lambda: ad.grad(lambda x: (f(x), f(x)))(X), TypeError,
     "must return one scalar.*2 leaves"),
    ("grad-int-output", lambda: ad.grad(lambda x: 3)(X), TypeError, "floating-point output"),
    ("grad-has_aux-not-pair", lambda: ad.grad(f, has_aux=True)(X), TypeError,
     r"has_aux=True: fun must return a pair \(output, aux\)"),
    ("backward-non-scalar", lambda: (ad.tensor(X, requires_grad=True) * 2).backward(),
     RuntimeError, "needs a scalar output.*pass gradient="),
    ("backward-no-grad", lambda: ad.tensor(X).backward(), RuntimeError,
     "does not depend on any tensor with requires_grad=True"),
    # argnums out of range or of the wrong type
    *[(f"{name}-argnums-{bad}", (lambda t, b: lambda: t(f, argnums=b)(X))(t, bad),
       ValueError if bad != "x" else TypeError,
       "out of range for a call with 1 positional argument" if bad != "x" else
       "argnums must be an int or a tuple of distinct ints")
      for name, t in [("grad", ad.grad), ("jacfwd", ad.jacfwd), ("jacrev", ad.jacrev),
                      ("hessian", ad.hessian), ("jacobian", ad.jacobian),
                      ("elementwise_grad", ad.elementwise_grad)]
      for bad in (1, -2, "x")],
    ("grad-argnums-tuple", lambda: ad.grad(f, argnums=(0, 1))(X), ValueError, "out of range"),
    ("grad-argnums-empty", lambda: ad.grad(f, argnums=())(X), ValueError, "at least one"),
    ("plan_jacobian-argnums", lambda: ad.plan_jacobian(dnp.sin, X, argnums=4), ValueError,
     "plan_jacobian: argnums=4 is out of range"),
    # unknown modes
    ("jacobian-mode", lambda: ad.jacobian(dnp.sin, mode="fwd"), ValueError,
     "unknown mode 'fwd'.*'auto', 'forward', 'reverse'"),
    ("check_grads-mode", lambda: check_grads(f, (X,), modes=("bwd",)), ValueError,
     "unknown mode 'bwd'.*'fwd' and/or 'rev'"),
    # unsupported keyword arguments
    ("sum-out", lambda: dnp.sum(X, out=X), TypeError, "sum does not support out="),
    ("sin-out", lambda: dnp.sin(X, out=X), TypeError, "sin does not support out="),
    ("sum-dtype", lambda: dnp.sum(X, dtype=np.float32), TypeError, "sum does not support dtype="),
    ("mean-where", lambda: dnp.mean(X, where=X > 0), TypeError, "mean does not support where="),
    ("matmul-out", lambda: dnp.matmul(X, X, out=X), TypeError, "matmul does not support out="),
    # tapes used wrongly
    ("Tape-second-gradient", lambda: (lambda t, x, y: t.gradient(y, [x]))(
        *_tape_after_gradient()), RuntimeError, "not persistent.*Tape\\(persistent=True\\)"),
    ("Tape-unwatched-source", lambda: (lambda t, x, y: t.gradient(y, [X]))(*_tape()),
     ValueError, "source 0 .*not watched on this tape.*tape.watch"),
    ("Tape-source-other-tape", lambda: (lambda t, x, y: t.gradient(y, [_tape()[1]]))(*_tape()),
     ValueError, "source 0 .*not watched on this tape"),
    ("backward-twice", lambda: (lambda y: (y.backward(), y.backward()))(
        dnp.sum(ad.tensor(X, requires_grad=True) ** 2)), RuntimeError,
     "second time.*retain_graph=True"),
    ("tensor-to-numpy", lambda: np.asarray(ad.tensor(X, requires_grad=True)), TypeError,
     r"requires grad.*\.detach\(\)\.numpy\(\)"),
    ("requires_grad-non-leaf", lambda: setattr(ad.tensor(X, requires_grad=True) * 2,
                                               "requires_grad", False), RuntimeError,
     "only be changed on leaf tensors.*detach"),
    ("item-non-scalar", lambda: ad.tensor(X).item(), ValueError, r"one element.*shape \(3,\)"),
    # custom rules and checkpointing
    ("custom_jvp-no-rule", lambda: ad.custom_jvp(lambda x: x)(X), TypeError, "@f.defjvp"),
    ("custom_vjp-no-rule", lambda: ad.custom_vjp(lambda x: x)(X), TypeError, "f.defvjp"),
    ("checkpoint-closure", lambda: ad.grad(
        lambda x, w: dnp.sum(ad.checkpoint(lambda s: s * w)(x)), (0, 1))(X, X), TypeError,
     "pass that value as an argument"),
    ("checkpoint_loop-n_steps", lambda: ad.checkpoint_loop(dnp.sin, X, -1), TypeError,
     "n_steps must be a non-negative int"),
    ("checkpoint_loop-checkpoints", lambda: ad.checkpoint_loop(dnp.sin, X, 4, checkpoints=0),
     ValueError, "checkpoints must be a positive int"),
    ("checkpoint_loop-structure", lambda: ad.grad(lambda s: dnp.sum(
        ad.checkpoint_loop(lambda s: s[:2], s, 2)))(X), ValueError, "changed its structure"),
    # indexing as NumPy does
    ("getitem-out-of-bounds", lambda: ad.grad(lambda x: x[5])(X), IndexError, "out of bounds"),
]


@pytest.mark.parametrize("call,exc,pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_matrix_size():
    assert len(CASES) >= 100


def test_nan_and_inf_flow_through_as_numpy():
    x = np.array([np.nan, np.inf, -np.inf, 1.0])
    with np.errstate(all="ignore"):
        g = ad.grad(lambda x: dnp.sum(dnp.exp(x)))(x)
        np.testing.assert_allclose(g, np.exp(x), rtol=1e-15)
        _, t = ad.jvp(lambda x: dnp.sin(x), (x,), (np.ones(4),))
        np.testing.assert_allclose(t, np.cos(x), rtol=1e-15)


def test_non_differentiable_points_follow_the_documented_conventions():
    # |x|' = 0 and relu'(0) = 0 at 0; ties of maximum/minimum/max/min split evenly
    np.testing.assert_array_equal(ad.grad(lambda x: dnp.sum(dnp.abs(x)))(np.zeros(2)), 0.0)
    np.testing.assert_array_equal(
        ad.grad(lambda x: dnp.sum(dnp.maximum(x, 0.0)))(np.array([0.0, 1.0, -1.0])),
        [0.0, 1.0, 0.0])
    gx, gy = ad.grad(lambda x, y: dnp.sum(dnp.maximum(x, y)), (0, 1))(X, X)
    np.testing.assert_array_equal(gx, 0.5)
    np.testing.assert_array_equal(gy, 0.5)
    gx, gy = ad.grad(lambda x, y: dnp.sum(dnp.minimum(x, y)), (0, 1))(X, X)
    np.testing.assert_array_equal(gx + gy, 1.0)
    np.testing.assert_array_equal(ad.grad(lambda x: dnp.max(x))(np.array([1.0, 3.0, 3.0])),
                                  [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(ad.grad(lambda x: dnp.min(x))(np.array([2.0, 2.0, 2.0, 5.0])),
                                  [1 / 3, 1 / 3, 1 / 3, 0.0])
    _, t = ad.jvp(lambda x: dnp.max(x), (np.array([1.0, 3.0, 3.0]),), (np.array([0.0, 1.0, 3.0]),))
    np.testing.assert_allclose(t, 2.0)
