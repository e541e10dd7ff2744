"""The forms a primitive's rules take (one rule, a tuple of per-argument rules, ``indexed``),
converted at registration to one form, and the same through ``Primitive`` and ``defprim``."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad._core.primitive import REGISTRY, OperandRules, Primitive, indexed
from dualad.extend import defprim
from dualad.testing import check_grads

R = np.random.default_rng(5)


def _weighted_impl(*xs):
    return sum((i + 1.0) * x for i, x in enumerate(xs))


def _weighted_jvp(i, t, ans, *xs):
    return t * (i + 1.0)


def _weighted_vjp(i, g, ans, *xs):
    return g * (i + 1.0)


def _product_impl(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


def _product_rule(i, t, ans, *xs):
    """``t`` times the product of the other operands: written with dualad operations, so it
    differentiates again."""
    out = t
    for j, x in enumerate(xs):
        if j != i:
            out = dnp.multiply(out, x)
    return out


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("n", [1, 3, 7])
def test_an_indexed_rule_serves_any_number_of_operands(n, batched):
    weighted = Primitive("test_weighted", _weighted_impl, jvp=indexed(_weighted_jvp),
                         vjp=indexed(_weighted_vjp), batched=batched, register=False)
    xs = tuple(R.standard_normal(3) for _ in range(n))
    grads = ad.grad(lambda *v: dnp.sum(weighted(*v)), argnums=tuple(range(n)))(*xs)
    for i, g in enumerate(grads):
        np.testing.assert_array_equal(g, np.full(3, i + 1.0))
    _, tangent = ad.jvp(weighted, xs, tuple(np.ones(3) for _ in range(n)))
    np.testing.assert_array_equal(tangent, np.full(3, n * (n + 1) / 2))


@pytest.mark.parametrize("modes", [("fwd", "rev"), ("fwd",), ("rev",)])
def test_indexed_rules_differentiate_again_and_derive_the_missing_mode(modes):
    """A product of any number of operands with one indexed rule, given for forward mode, for
    reverse mode, or for both (the missing mode derived from the other): both modes agree with
    finite differences to second order."""
    rules = {"jvp": indexed(_product_rule) if "fwd" in modes else None,
             "vjp": indexed(_product_rule) if "rev" in modes else None}
    product = Primitive("test_product", _product_impl, register=False, **rules)
    xs = tuple(R.uniform(0.5, 1.5, 2) for _ in range(4))
    check_grads(product, xs, modes=("fwd", "rev"), order=2)
    jf = ad.jacfwd(product, argnums=(0, 3))(*xs)
    jr = ad.jacrev(product, argnums=(0, 3))(*xs)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_defprim_takes_the_same_forms():
    prim = defprim("test_rule_forms_weighted", _weighted_impl, jvp=indexed(_weighted_jvp),
                   vjp=indexed(_weighted_vjp))
    try:
        assert isinstance(prim.jvps, OperandRules) and prim.jvp_rule is None
        xs = (np.array(1.0), np.array(2.0), np.array(3.0))
        assert ad.grad(prim, argnums=(0, 1, 2))(*xs) == (1.0, 2.0, 3.0)
        _, tangent = ad.jvp(prim, xs, (np.array(1.0), np.array(0.0), np.array(1.0)))
        assert tangent == 4.0
    finally:
        del REGISTRY[prim.name]   # the registry walk knows only dualad's own primitives


def test_every_form_is_converted_to_one_form_at_registration():
    def whole(tangents, ans, x, y):
        return tangents[0]

    by_tuple = Primitive("test_tuple", np.add, jvp=(_first, None), vjp=[_first, _first],
                         register=False)
    assert by_tuple.jvp_rule is None and by_tuple.jvps.rules == (_first, None)
    assert by_tuple.vjps.rules == (_first, _first) and by_tuple.vjps.indexed is None
    assert len(by_tuple.vjps) == 2 and list(by_tuple.vjps) == [_first, _first]
    by_whole = Primitive("test_whole", np.add, jvp=whole, register=False)
    assert by_whole.jvp_rule is whole and by_whole.jvps is None
    rules = indexed(_weighted_vjp)
    by_index = Primitive("test_index", _weighted_impl, vjp=rules, register=False)
    assert by_index.vjps is rules and by_index.vjps.rules is None
    np.testing.assert_array_equal(rules[4](np.ones(2), None), np.full(2, 5.0))
    with pytest.raises(TypeError, match="no length"):
        len(rules)
    with pytest.raises(TypeError, match="iterated"):
        list(rules)


def _first(t, ans, x, y):
    return t


def test_bad_forms_are_refused_naming_the_primitive():
    with pytest.raises(TypeError, match="'test_bad'.*jvp must be a rule"):
        Primitive("test_bad", np.add, jvp=(_first, 3), register=False)
    with pytest.raises(TypeError, match="'test_bad'.*vjp must be a rule"):
        Primitive("test_bad", np.add, vjp=5, register=False)
    with pytest.raises(TypeError, match="must be callable"):
        indexed("not a rule")


@pytest.mark.parametrize("transform", [ad.grad, ad.jacfwd])
def test_an_argument_past_the_declared_rules_is_refused_not_dropped(transform):
    """A tuple with fewer rules than the primitive has arguments: a derivative through an
    argument without a rule is an error, never a silent zero."""
    short = Primitive("test_short", lambda x, y: x * y,
                      jvp=(lambda t, ans, x, y: t * y,), vjp=(lambda g, ans, x, y: g * y,),
                      register=False)
    x, y = np.array(2.0), np.array(3.0)
    assert transform(short, argnums=0)(x, y) == 3.0   # the argument with a rule works
    with pytest.raises(TypeError, match="test_short: argument 1 carries a derivative"):
        transform(short, argnums=1)(x, y)


def test_primitive_and_defprim_share_their_defaults():
    """One default for both routes: rules are called one direction at a time unless the
    declaration says ``batched=True`` (every built-in does)."""
    import inspect
    defaults = {k: p.default for k, p in inspect.signature(defprim).parameters.items()
                if p.kind is p.KEYWORD_ONLY}
    prim = Primitive("defaults_probe", np.sin, jvp=lambda ts, ans, x: ts[0] * np.cos(x),
                     register=False)
    for name in ("batched", "broadcasts", "linear"):
        assert getattr(prim, name) == defaults[name], name
    # a rule written for one direction (np.dot of a vector) serves a whole Jacobian
    a = R.standard_normal((3, 3))
    dot = Primitive("dot_probe", lambda x: a @ x, jvp=lambda ts, ans, x: np.dot(a, ts[0]),
                    register=False)
    np.testing.assert_allclose(ad.jacfwd(dot)(np.ones(3)), a, rtol=1e-14)
    np.testing.assert_allclose(ad.jacrev(dot)(np.ones(3)), a, rtol=1e-14)
    assert all(REGISTRY[name].batched
               for name in ("add", "multiply", "tanh", "matmul", "einsum", "reshape", "sum"))
