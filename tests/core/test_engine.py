"""The compiled core against its references: ``broadcast_view`` against ``np.broadcast_to``,
the box operators, the sweep's in-place sums."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualad._core._engine import broadcast_view


@st.composite
def broadcastable(draw):
    """An array (possibly a non-contiguous view) and a shape it broadcasts to."""
    target = draw(st.lists(st.integers(0, 4), min_size=0, max_size=4))
    keep = draw(st.integers(0, len(target)))
    shape = [draw(st.sampled_from([1, n])) for n in target[len(target) - keep:]]
    a = np.arange(float(np.prod(shape) * 2)).reshape(tuple(shape) + (2,))[..., 0]
    return a, tuple(target)


@given(broadcastable())
def test_broadcast_view_matches_numpy(case):
    a, shape = case
    got, want = broadcast_view(a, shape), np.broadcast_to(a, shape)
    assert type(got) is np.ndarray and got.shape == want.shape
    # the stride of an axis of length one is never used; NumPy may write anything there
    assert [s for s, n in zip(got.strides, shape) if n > 1] == [
        s for s, n in zip(want.strides, shape) if n > 1]
    assert got.dtype == want.dtype and not got.flags.writeable
    assert got.flags.c_contiguous == want.flags.c_contiguous
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("value, shape", [(np.ones((2, 3)), (3, 3)), (np.ones(3), (3, 2)),
                                          (np.ones((2, 2)), (2,)), (2.0, (2,)),
                                          (np.float32(1.5), (2, 2))])
def test_broadcast_view_leaves_the_rest_to_numpy(value, shape):
    try:
        want = np.broadcast_to(value, shape)
    except ValueError as exc:
        with pytest.raises(ValueError, match=str(exc)[:20]):
            broadcast_view(value, shape)
    else:
        np.testing.assert_array_equal(broadcast_view(value, shape), want)


def test_operators_of_boxes_bind_the_primitives():
    import dualad as ad
    t = ad.tensor(np.array([2.0, 3.0]), requires_grad=True)
    y = (t + 1) * t - t / 2 + 2 ** t + t ** 2 + (-t) - (1 - t)
    y.sum().backward()
    x = np.array([2.0, 3.0])
    np.testing.assert_allclose(t.grad.numpy(), 2 * x + 1 - 0.5 + 2 ** x * np.log(2) + 2 * x)
    with pytest.raises(TypeError, match="modulus"):
        pow(t, 2, 3)


def test_a_value_times_itself_is_a_square_with_the_same_derivatives():
    """``x * x`` binds ``square`` (one pass for 2x); values and derivatives are bitwise those
    of ``multiply(x, x)`` in both modes and to second order."""
    import dualad as ad
    import dualad.numpy as dnp
    x = np.random.default_rng(0).standard_normal(5)
    by_operator = lambda v: dnp.sum(dnp.sin(v * v))          # noqa: E731
    by_multiply = lambda v: dnp.sum(dnp.sin(dnp.multiply(v, v)))  # noqa: E731
    for transform in (ad.grad, lambda f: ad.jacfwd(f), ad.hessian):
        np.testing.assert_array_equal(transform(by_operator)(x), transform(by_multiply)(x))
    tape = ad.Tape()
    with tape:
        w = tape.watch(x)
        w * w   # recorded: the result itself is not needed
    assert [e.op for e in tape.entries] == ["watch", "square"]


def _hand_made_tape(rule_results):
    """A tape ``out = f(x) + f(x)`` whose two ``f`` nodes' VJPs return, in sweep order, the
    arrays ``rule_results()`` hands out; the sweep must accumulate them into ``x``."""
    from dualad._core._engine import Primitive, ReverseTrace, sweep
    from dualad._core.state import new_level
    f = Primitive("hand_made_f", lambda x: x * 1.0, vjp=(lambda g, ans, x: rule_results(),),
                  batched=True, register=False)
    trace = ReverseTrace(new_level(), keep_list=True)
    x = trace.leaf(np.zeros(5000))
    out = f(x) + f(x)
    cts = sweep(reversed(trace.nodes), {out._node: np.ones((1, 5000))}, False)
    return cts[x._node]


def test_the_sweep_adds_into_sums_only_it_holds():
    """A running sum that nothing outside the sweep refers to is updated in place (same bits
    as a fresh sum); one that anything else holds is never written to."""
    import weakref
    made = []

    def fresh():
        a = np.full((1, 5000), 0.1 * (len(made) + 1))
        made.append(weakref.ref(a))   # a weak reference leaves the sweep the only holder
        return a

    total = _hand_made_tape(fresh)
    assert made[0]() is total   # the first cotangent became the sum
    np.testing.assert_array_equal(total, np.full((1, 5000), 0.1) + np.full((1, 5000), 0.2))

    held = [np.full((1, 5000), 0.5), np.full((1, 5000), 0.25)]
    calls = []

    def kept():
        calls.append(None)
        return held[len(calls) - 1]

    total = _hand_made_tape(kept)
    assert (held[0] == 0.5).all() and (held[1] == 0.25).all()   # both untouched
    np.testing.assert_array_equal(total, np.full((1, 5000), 0.75))


def _count_add_product(monkeypatch):
    from dualad._core import _engine
    calls = []

    def counted(out, g, d):
        done = _engine_add_product(out, g, d)
        calls.append(done)
        return done

    _engine_add_product = _engine.add_product
    monkeypatch.setattr(_engine, "add_product", counted)
    return calls


def test_unary_steps_of_the_sweep_skip_temporaries_and_keep_the_bits(monkeypatch):
    """``sum(sin(x) * c1 + x * c2 + tanh(x))``: tanh's step back from the sum hands its
    derivative on as the cotangent (no product with the ones); the product's step adds ``g * c2``
    into that sum in place (the sum is the only view of a derivative its node let go of), and
    sin's adds ``g * cos`` in one pass; the gradient has the bits of the plain NumPy expression
    in the sweep's order."""
    import dualad as ad
    import dualad.numpy as dnp
    from dualad._kernels import UNARY_FWD

    calls = _count_add_product(monkeypatch)
    rng = np.random.default_rng(0)
    x, c1, c2 = (rng.standard_normal(5000) for _ in range(3))
    got = ad.grad(lambda x: dnp.sum(dnp.sin(x) * c1 + x * c2 + dnp.tanh(x)))(x)
    (_, cos), (_, dtanh) = UNARY_FWD["sin"](x), UNARY_FWD["tanh"](x)
    np.testing.assert_array_equal(got, (dtanh + c2) + c1 * cos)
    assert calls == [True, True]


def test_kept_tapes_and_exp_never_hand_out_their_saved_derivatives():
    """On a tape that is kept, or for exp (whose derivative is its value, which the caller
    may hold), the step from a cotangent of ones multiplies: the gradient owns its memory."""
    import dualad as ad
    import dualad.numpy as dnp
    from dualad._kernels import UNARY_FWD

    x = np.linspace(-1, 1, 5000)
    out, vjp_fn = ad.vjp(lambda x: dnp.sum(dnp.tanh(x)), x)
    first = vjp_fn(np.float64(1.0))[0]
    first *= 2.0   # a caller scaling its gradient in place must not touch the tape
    np.testing.assert_array_equal(vjp_fn(np.float64(1.0))[0], UNARY_FWD["tanh"](x)[1])

    (value, e), g = ad.value_and_grad(lambda x: (dnp.sum(dnp.exp(x)), dnp.exp(x)),
                                      has_aux=True)(x)
    assert not np.shares_memory(g, e)


def test_product_steps_of_the_sweep_keep_the_bits(monkeypatch):
    """A multiply node on plain arrays adds each product into its input's running sum in one
    pass where the sweep alone holds the sum, else makes it as the rule would. The gradient has
    the bits of the plain NumPy expression in the sweep's order."""
    import dualad as ad
    import dualad.numpy as dnp
    from dualad._kernels import UNARY_FWD

    rng = np.random.default_rng(1)
    x, c = rng.standard_normal(5000), rng.standard_normal(5000)
    (_, dtanh), (sin_x, cos_x) = UNARY_FWD["tanh"](x), UNARY_FWD["sin"](x)
    calls = _count_add_product(monkeypatch)
    g = ad.grad(lambda x: dnp.sum(dnp.tanh(x) + dnp.sin(x) * (x * c)))(x)
    # the sweep, latest node first: the product gives sin's cotangent x * c and x * c's
    # sin(x) (new arrays); sin's step multiplies its own in place (x has no sum yet), x * c's
    # adds sin(x) * c into that sum, tanh's adds dtanh
    np.testing.assert_array_equal(g, ((x * c) * cos_x + sin_x * c) + dtanh)
    assert calls == [True, True]
    # one input twice: the first product is the sum, the second is added into it
    np.testing.assert_array_equal(ad.grad(lambda x: dnp.sum(dnp.multiply(x, x)))(x), x + x)
    float32 = x.astype(np.float32)
    np.testing.assert_array_equal(ad.grad(lambda x: dnp.sum(dnp.multiply(x, x)))(float32),
                                  float32 + float32)


def test_the_sweep_writes_only_into_cotangents_it_alone_holds():
    """Products and negations write into a cotangent in place only when nothing outside the
    sweep refers to it: a caller's cotangent and a kept tape's arrays stay as they were."""
    import dualad as ad
    import dualad.numpy as dnp
    from dualad._kernels import UNARY_FWD

    x = np.linspace(-1, 1, 5000)
    for fun in (lambda x: -x, lambda x: dnp.exp(x), lambda x: x * x, lambda x: dnp.exp(-x)):
        out, vjp_fn = ad.vjp(fun, x)
        ct = np.full(5000, 0.5)
        first = vjp_fn(ct)[0]
        np.testing.assert_array_equal(ct, np.full(5000, 0.5))
        np.testing.assert_array_equal(vjp_fn(ct)[0], first)   # the tape is intact
    # exp's product with the ones makes a new cotangent; negation and square's step reuse it
    g = ad.grad(lambda x: dnp.sum(dnp.exp(-(x * x))))(x)
    np.testing.assert_array_equal(g, -UNARY_FWD["exp"](-(x * x))[0] * (2 * x))


def test_a_unary_step_writes_into_a_cotangent_only_the_sweep_holds():
    """With no running sum for its input yet, a unary node multiplies its cotangent in place
    when nothing outside the sweep refers to it, and makes a new array when something does."""
    import weakref
    import dualad.numpy as dnp
    from dualad._core._engine import ReverseTrace, sweep
    from dualad._core.state import new_level
    from dualad._kernels import UNARY_FWD

    x0 = np.linspace(-1, 1, 5000)
    want = 0.5 * UNARY_FWD["tanh"](x0)[1]
    for held in (False, True):
        trace = ReverseTrace(new_level(), keep_list=True)
        x = trace.leaf(x0)
        out = dnp.tanh(x)
        seed = np.full((1, 5000), 0.5)
        seeds, seed_ref = {out._node: seed}, weakref.ref(seed)
        if not held:
            del seed
        got = sweep(reversed(trace.nodes), seeds, False)[x._node]
        np.testing.assert_array_equal(got[0], want)
        assert (got is seed_ref()) is not held
        if held:
            np.testing.assert_array_equal(seed, np.full((1, 5000), 0.5))


def test_sweep_steps_are_declared_by_the_primitive():
    """The sweep's shortcuts belong to the primitives that ask for them: a user primitive of
    ``sweep_step="product"`` gets the same gradients as its own rules give, and an unknown step
    is refused by name."""
    import dualad as ad
    import dualad.numpy as dnp
    from dualad._core._engine import Primitive
    from dualad.primitives import binary, elementwise

    assert binary.multiply.sweep_step != 0 and elementwise.negative.sweep_step != 0
    assert binary.add.sweep_step == 0
    rule_product = Primitive("test_product_rules", np.multiply, vjp=(
        lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), register=False)
    step_product = Primitive("test_product_step", np.multiply, vjp=(
        lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), register=False,
        sweep_step="product")
    x, y = np.linspace(-1.0, 2.0, 7), np.linspace(3.0, 0.5, 7)

    def loss(prim):
        return lambda a, b: dnp.sum(prim(prim(a, b), a) + dnp.sin(a) * b)

    for argnums in (0, 1, (0, 1)):
        want = ad.grad(loss(rule_product), argnums)(x, y)
        got = ad.grad(loss(step_product), argnums)(x, y)
        for w, g in zip(want if isinstance(argnums, tuple) else (want,),
                        got if isinstance(argnums, tuple) else (got,)):
            np.testing.assert_array_equal(g, w)
    with pytest.raises(ValueError, match="sweep_step must be one of"):
        Primitive("test_bad_step", np.multiply, vjp=lambda g, ans, x: (g,), register=False,
                  sweep_step="fast")
