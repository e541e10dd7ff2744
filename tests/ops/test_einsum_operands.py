"""einsum's per-operand rules (one ``indexed`` rule serves every operand): derivatives of 1 to 5
operands in both modes to second order, and more operands than one call of NumPy's einsum
takes (contracted in several calls), with their derivatives and sparsity patterns."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.primitives import linalg
from dualad.testing import check_grads

R = np.random.default_rng(23)

# (subscripts, operand shapes) for 1 to 5 operands: contractions, outer products, a trace,
# a repeated index, size-1 broadcasting
BY_COUNT = {
    1: [("ij->ji", [(2, 3)]), ("ii->", [(3, 3)])],
    2: [("ij,jk->ik", [(2, 3), (3, 2)]), ("ii,i->i", [(3, 3), (3,)])],
    3: [("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]), ("i,j,k->ijk", [(2,), (3,), (2,)])],
    4: [("ab,bc,cd,da->", [(2, 3), (3, 2), (2, 2), (2, 2)]),
        ("ij,j,k,ik->i", [(2, 3), (1,), (2,), (2, 2)])],
    5: [("ab,b,bc,c,cd->ad", [(2, 3), (3,), (3, 2), (2,), (2, 2)]),
        ("i,i,i,i,i->i", [(3,)] * 5)],
}
CASES = [(n, subscripts, shapes) for n, cases in BY_COUNT.items()
         for subscripts, shapes in cases]


def _check(subscripts, args, order=2, rtol=1e-10):
    def fun(*xs):
        return dnp.einsum(subscripts, *xs)

    np.testing.assert_allclose(fun(*args), np.einsum(subscripts, *args), rtol=rtol, atol=1e-12)
    check_grads(fun, args, modes=("fwd", "rev"), order=order)
    argnums = tuple(range(len(args)))
    for jf, jr in zip(ad.jacfwd(fun, argnums)(*args), ad.jacrev(fun, argnums)(*args)):
        np.testing.assert_allclose(jf, jr, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("n,subscripts,shapes", CASES, ids=[s for _, s, _ in CASES])
def test_one_to_five_operands_differentiate_to_second_order(n, subscripts, shapes):
    assert len(shapes) == n
    _check(subscripts, tuple(R.standard_normal(s) for s in shapes))


def test_each_operand_gets_its_own_rule():
    """The gradient of operand i of a product of vectors is the product of the others (each
    operand's rule is the one rule called with its index)."""
    xs = [R.uniform(0.5, 1.5, 3) for _ in range(5)]
    grads = ad.grad(lambda *v: dnp.sum(dnp.einsum("i,i,i,i,i->i", *v)),
                    argnums=tuple(range(5)))(*xs)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, np.prod(xs[:i] + xs[i + 1:], axis=0), rtol=1e-13)


# more operands than one call of NumPy's einsum takes (63 from NumPy 2.0, 31 before)
MANY = linalg._ONE_CALL + 7


def test_more_operands_than_one_numpy_call_takes():
    xs = [R.uniform(0.9, 1.1, 3) for _ in range(MANY)]
    subscripts = ",".join(["i"] * MANY) + "->i"
    np.testing.assert_allclose(dnp.einsum(subscripts, *xs), np.prod(xs, axis=0), rtol=1e-13)
    # matrices whose letters recur: indices summed in the first call, others kept to the output
    terms = [("ij", "jk", "ki")[k % 3] for k in range(MANY)]
    chain = ",".join(terms) + "->ik"
    ms = [R.uniform(0.2, 0.4, (2, 2)) for _ in range(MANY)]
    np.testing.assert_allclose(dnp.einsum(chain, *ms), _reference_in_pairs(chain, ms),
                               rtol=1e-12)


def _reference_in_pairs(subscripts, operands):
    """NumPy's einsum of two operands at a time, from the left (the reference for counts that
    one NumPy call refuses)."""
    inputs, output = subscripts.split("->")
    inputs = inputs.split(",")
    term, acc = inputs[0], operands[0]
    for k in range(1, len(inputs)):
        later = set(output).union(*inputs[k + 1:])
        kept = "".join(dict.fromkeys(c for c in term + inputs[k] if c in later))
        acc = np.einsum(f"{term},{inputs[k]}->{kept}", acc, operands[k])
        term = kept
    return np.einsum(f"{term}->{output}", acc)


def test_more_operands_than_one_numpy_call_takes_differentiate():
    """Both modes to second order, and jacfwd against jacrev, through the rules of the first
    operand, one in the middle and the last (past the old limit of 64); the others are
    constants, which keeps the second-order check to a few rule calls."""
    xs = [R.uniform(0.9, 1.1, 2) for _ in range(MANY)]
    subscripts = ",".join(["i"] * MANY) + "->i"
    middle, last = MANY // 2, MANY - 1

    def fun(a, b, c):
        return dnp.einsum(subscripts, a, *xs[1:middle], b, *xs[middle + 1:last], c)

    args = (xs[0], xs[middle], xs[last])
    check_grads(fun, args, modes=("fwd", "rev"), order=2)
    jf = ad.jacfwd(fun, argnums=(0, 1, 2))(*args)
    jr = ad.jacrev(fun, argnums=(0, 1, 2))(*args)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    np.testing.assert_allclose(jr[2], np.diag(np.prod(xs[:last], axis=0)), rtol=1e-12)


def test_sparsity_patterns_through_the_indexed_rules():
    x = R.standard_normal(4)
    diag = np.diag(R.standard_normal(4))
    P = np.asarray(ad.jacobian_sparsity(
        lambda v: dnp.einsum("i,ij,j->ij", v, diag, v), x).toarray())
    want = np.zeros((16, 4), dtype=bool)
    for i in range(4):
        want[i * 4 + i, i] = True   # only the diagonal of diag is non-zero
    np.testing.assert_array_equal(P, want)
    many = ",".join(["i"] * MANY) + "->i"
    P = np.asarray(ad.jacobian_sparsity(lambda v: dnp.einsum(many, *([v] * MANY)), x).toarray())
    np.testing.assert_array_equal(P, np.eye(4, dtype=bool))
