"""Matrix products and linear algebra: matmul, einsum, solve, inv, det, logabsdet, cholesky.

NOTE: matmul and vectors. NumPy's ``matmul`` promotes a 1-D left operand to a row and a 1-D
right operand to a column and drops that axis from the result. The rules do the same promotion
explicitly, so they only ever see stacks of matrices, and then drop the promoted axes again.

NOTE: einsum subscripts. The ``einsum`` primitive takes its subscripts in explicit, canonical
form (``"ij,jk->ik"``: letters only, no ellipsis, no spaces, the output always written out);
``dualad.numpy.einsum`` rewrites whatever the user wrote into that form. A rule names the batch
axis of its tangent or cotangent with a letter the subscripts do not use yet, so nested
transforms each take a fresh one.

NOTE: linalg stacks. ``solve``, ``inv``, ``det``, ``logabsdet`` and ``cholesky`` work on stacks
of matrices ``(..., n, n)`` with NumPy's broadcasting of the leading axes; ``solve``'s right-hand
side is always a stack of matrices ``(..., n, m)`` (``dualad.numpy.linalg.solve`` turns a vector
into a column). The rules are written with these primitives, so they are differentiable again.
"""
import math
import string

import numpy as np

from ._compiled_rules import MatmulVJP, matmul_value
from .._core.backend import array_module, raw_value
from .._core.primitive import Primitive, align_batched, dtype_of, indexed, ndim_of, shape_of
from .binary import multiply, subtract
from .elementwise import negative
from .reductions import sum_p
from .shape import reshape, transpose, unbroadcast


def _expand(v, axis):
    shape = list(v.shape)
    shape.insert(len(shape) + 1 + axis, 1)
    return reshape(v, shape=tuple(shape))


def _squeeze(v, axis):
    shape = list(v.shape)
    del shape[axis]
    return reshape(v, shape=tuple(shape))


def mT(v):
    """Swap the last two axes."""
    axes = tuple(range(v.ndim - 2)) + (v.ndim - 1, v.ndim - 2)
    return transpose(v, axes=axes)


def _promote(a, b):
    """Promote 1-D operands of a matmul to matrices; returns the matrices and result rank."""
    a2 = _expand(a, -2) if ndim_of(a) == 1 else a
    b2 = _expand(b, -1) if ndim_of(b) == 1 else b
    return a2, b2, max(ndim_of(a2), ndim_of(b2))


def _demote(v, a, b):
    """Drop the axes that ``_promote`` added, from a batched result ``v``."""
    if ndim_of(b) == 1:
        v = _squeeze(v, -1)
    if ndim_of(a) == 1:
        v = _squeeze(v, -1 if ndim_of(b) == 1 else -2)
    return v


def _matmul_jvp_a(t, ans, a, b):
    if ndim_of(a) == 1 and ndim_of(b) <= 2:   # each direction's row times b: one product
        return matmul(t, b)
    a2, b2, rank = _promote(a, b)
    t2 = _expand(t, -2) if ndim_of(a) == 1 else t
    return _demote(matmul(align_batched(t2, rank + 1), b2), a, b)


def _matmul_jvp_b(t, ans, a, b):
    # a times each direction's column, as one product t @ a.T: promoted, the directions would
    # be a stack of columns, which NumPy multiplies one at a time (k matrix-vector products
    # read a k times, which dominates square Jacobians such as W6's)
    if ndim_of(b) == 1 and ndim_of(a) <= 2:
        return matmul(t, mT(a) if ndim_of(a) == 2 else a)
    a2, b2, rank = _promote(a, b)
    t2 = _expand(t, -1) if ndim_of(b) == 1 else t
    return _demote(matmul(a2, align_batched(t2, rank + 1)), a, b)


def _sum_to(v, shape):
    """Sum a batched product back to an operand's ``shape`` (batch axis kept)."""
    return v if tuple(v.shape[1:]) == tuple(shape) else unbroadcast(v, shape=shape, lead=1)


def _promoted_cotangent(g, a, b):
    if ndim_of(a) == 1:
        g = _expand(g, -1 if ndim_of(b) == 1 else -2)
    if ndim_of(b) == 1:
        g = _expand(g, -1)
    return g


def _plain_matmul_vjp_a(g, a, b):
    """``_matmul_vjp_a`` for operands of at most two axes: one product, no promotion."""
    if ndim_of(b) == 1:                    # g: (k,) or (k, m)  ->  g[..., None] * b
        return multiply(_expand(g, -1), b)
    return matmul(g, mT(b))                # (k, [m,] p) @ (p, n)


def _plain_matmul_vjp_b(g, a, b):
    """``_matmul_vjp_b`` for operands of at most two axes: one product, no promotion."""
    if ndim_of(a) == 1:                    # the outer product of a and g
        return multiply(_expand(g, -1), a) if ndim_of(b) == 1 else multiply(
            _expand(a, -1), _expand(g, -2))
    return matmul(g, a) if ndim_of(b) == 1 else matmul(mT(a), g)


def _matmul_vjp_a(g, ans, a, b):
    if ndim_of(a) <= 2 and ndim_of(b) <= 2:
        return _plain_matmul_vjp_a(g, a, b)
    a2, b2, _ = _promote(a, b)
    ga = _sum_to(matmul(_promoted_cotangent(g, a, b), mT(b2)), shape_of(a2))
    return _squeeze(ga, -2) if ndim_of(a) == 1 else ga


def _matmul_vjp_b(g, ans, a, b):
    if ndim_of(a) <= 2 and ndim_of(b) <= 2:
        return _plain_matmul_vjp_b(g, a, b)
    a2, b2, _ = _promote(a, b)
    gb = _sum_to(matmul(mT(a2), _promoted_cotangent(g, a, b)), shape_of(b2))
    return _squeeze(gb, -1) if ndim_of(b) == 1 else gb


def _structural_nonzero(x, pattern):
    """Where ``x`` may be non-zero: where it is now, or where it depends on the inputs."""
    mask = raw_value(x) != 0
    return mask if pattern is None else mask | pattern.any(axis=0)


def multilinear_pattern(jvps):
    """Sparsity-pattern rule of an operation linear in each operand, from its per-operand JVP
    rules (a tuple with one per operand, or ``indexed(rule)``): operand i's pattern goes
    through its rule with every other operand replaced by where it may be non-zero (so a
    constant operand contributes its own sparsity)."""
    def rule(patterns, ans, *operands, **params):
        masks = [_structural_nonzero(x, p) for x, p in zip(operands, patterns)]
        out = None
        for i, p in enumerate(patterns):
            if p is not None:
                term = jvps[i](p, ans, *masks[:i], operands[i], *masks[i + 1:], **params)
                out = term if out is None else out | term
        return out
    return rule


def stack_pattern(reduced, lower=False):
    """Sparsity-pattern rule of a function of a stack of matrices whose every result in the
    stack depends on the whole matrix at its place (``reduced``: whether the two matrix axes
    are gone from the result; ``lower``: only the lower triangle of the result is non-zero)."""
    def rule(patterns, ans, *operands):
        out = None
        for p in patterns:
            if p is not None:
                whole = align_batched(p.any(axis=(-2, -1), keepdims=not reduced),
                                      ndim_of(ans) + 1)
                out = whole if out is None else out | whole
        if lower:
            out = out & np.tril(np.ones(shape_of(ans)[-2:], dtype=bool))
        return out
    return rule


# a first-order sweep of plain arrays takes the VJPs straight through NumPy (_rules.MatmulVJP)
matmul = Primitive("matmul", matmul_value, jvp=(_matmul_jvp_a, _matmul_jvp_b),
                   vjp=(MatmulVJP(0, _matmul_vjp_a), MatmulVJP(1, _matmul_vjp_b)),
                   pattern=multilinear_pattern((_matmul_jvp_a, _matmul_jvp_b)), batched=True)


# ---------------------------------------------------------------- einsum
_NAIVE_LOOP_LIMIT = 2 ** 15
# the operands one call of NumPy's einsum takes (its C loop's NPY_MAXARGS, less the output);
# more are contracted in several calls (``_einsum_in_steps``)
_ONE_CALL = 63 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 31


def parse_subscripts(subscripts):
    """Canonical subscripts (NOTE: einsum subscripts) as (list of input terms, output term)."""
    inputs, output = subscripts.split("->")
    return inputs.split(","), output


def join_subscripts(inputs, output):
    return ",".join(inputs) + "->" + output


def fresh_letters(used, count):
    """``count`` index letters that do not occur in ``used``."""
    free = [c for c in string.ascii_letters if c not in used]
    if len(free) < count:
        raise ValueError(f"einsum: the subscripts use {52 - len(free)} of the 52 index letters, "
                         f"and {count} more are needed (one per nested transform)")
    return free[:count]


def letter_sizes(inputs, shapes):
    """The size of each index letter; an axis of length 1 broadcasts, as in NumPy."""
    sizes = {}
    for term, shape in zip(inputs, shapes):
        for c, n in zip(term, shape):
            sizes[c] = max(sizes.get(c, 1), n)
    return sizes


def _einsum_impl(*operands, subscripts):
    """NumPy's (or CuPy's) einsum. Contraction-order optimisation has a fixed cost per call,
    worth paying only for more than two operands or when the naive loop over all indices is
    long."""
    xp = array_module(*operands)
    if len(operands) > _ONE_CALL:
        return _einsum_in_steps(xp, subscripts, operands)
    optimize = "greedy"
    if len(operands) <= 2:
        inputs, _ = parse_subscripts(subscripts)
        loop = math.prod(letter_sizes(inputs, [shape_of(x) for x in operands]).values())
        optimize = "greedy" if loop > _NAIVE_LOOP_LIMIT else False
    return xp.einsum(subscripts, *operands, optimize=optimize)


def _einsum_in_steps(xp, subscripts, operands):
    """An einsum of more operands than one call of NumPy's takes, as a chain of calls: the
    operands are contracted into a running result a group at a time, each call keeping only
    the indices that a later operand or the output uses (an index is summed over in the call
    that holds its last occurrence)."""
    inputs, output = parse_subscripts(subscripts)
    term, result = inputs[0], operands[0]
    group = _ONE_CALL - 1
    for start in range(1, len(operands), group):
        terms = inputs[start:start + group]
        later = set(output).union(*inputs[start + group:])
        kept = "".join(dict.fromkeys(c for c in term + "".join(terms) if c in later))
        result = xp.einsum(join_subscripts([term] + terms, kept), result,
                           *operands[start:start + group], optimize="greedy")
        term = kept
    return xp.einsum(f"{term}->{output}", result)


def _einsum_jvp(i, t, ans, *operands, subscripts):
    """Multilinear: the JVP of operand i is the same contraction with ``t`` in its place."""
    inputs, output = parse_subscripts(subscripts)
    batch, = fresh_letters(subscripts, 1)
    inputs[i] = batch + inputs[i]
    args = operands[:i] + (t,) + operands[i + 1:]
    return einsum(*args, subscripts=join_subscripts(inputs, batch + output))


def _einsum_vjp(i, g, ans, *operands, subscripts):
    """Contract ``g`` with the other operands back onto operand i's indices (see
    ``_restoring_constants`` for the indices that contraction cannot produce). Axes of operand
    i that NumPy broadcast from length 1 are summed back afterwards."""
    inputs, output = parse_subscripts(subscripts)
    batch, = fresh_letters(subscripts, 1)
    others = inputs[:i] + inputs[i + 1:]
    other_operands = operands[:i] + operands[i + 1:]
    sizes = letter_sizes(inputs, [shape_of(x) for x in operands])
    present = letter_sizes(others, [shape_of(x) for x in other_operands])
    present.update((c, sizes[c]) for c in output)
    target, const_terms, consts = _restoring_constants(
        inputs[i], sizes, present, subscripts + batch, array_module(g), dtype_of(g))
    subscripts_i = join_subscripts([batch + output] + others + const_terms, batch + target)
    ct = einsum(g, *other_operands, *consts, subscripts=subscripts_i)
    return _sum_to(ct, shape_of(operands[i]))


def _restoring_constants(term, sizes, present, used, xp, dtype):
    """Constant operands that let a contraction produce the indices ``term`` of an operand.

    A repeated index (``"ii"``) cannot be an output of einsum: each repeat gets a fresh letter
    tied to the first occurrence by an identity matrix. An index that the other terms lack, or
    carry only with length 1 (``present`` maps letters to their lengths there), is brought in
    by a vector of ones. Returns the output term to ask for, and the constants' terms and
    arrays.
    """
    renamed = iter(fresh_letters(used, len(term) - len(set(term))))
    const_terms, consts, target = [], [], ""
    for n, c in enumerate(term):
        if c in term[:n]:
            again = next(renamed)
            const_terms.append(c + again)
            consts.append(xp.eye(sizes[c], dtype=dtype))
            present[c] = sizes[c]
            target += again
        else:
            target += c
    for c in dict.fromkeys(term):
        if present.get(c, 0) < sizes[c]:
            const_terms.append(c)
            consts.append(xp.ones(sizes[c], dtype=dtype))
    return target, const_terms, consts


# one rule per operand, given the operand's index: einsum takes any number of operands
_einsum_jvps = indexed(_einsum_jvp)
einsum = Primitive("einsum", _einsum_impl, jvp=_einsum_jvps, vjp=indexed(_einsum_vjp),
                   pattern=multilinear_pattern(_einsum_jvps), batched=True)


# ---------------------------------------------------------------- solve
def _xp_linalg(*arrays):
    return array_module(*arrays).linalg


def _solve_impl(a, b):
    """Solve stacks of systems; the stacks are broadcast explicitly so that NumPy and CuPy,
    old and new, all read ``b`` as a stack of matrices."""
    batch = np.broadcast_shapes(shape_of(a)[:-2], shape_of(b)[:-2])
    xp = array_module(a, b)
    if shape_of(a)[:-2] != batch:
        a = xp.broadcast_to(a, batch + shape_of(a)[-2:])
    if shape_of(b)[:-2] != batch:
        b = xp.broadcast_to(b, batch + shape_of(b)[-2:])
    return xp.linalg.solve(a, b)


def _move_batch(v, to_back):
    """Move the leading batch axis of ``v`` to the last place (or back to the front)."""
    nd = ndim_of(v)
    axes = tuple(range(1, nd)) + (0,) if to_back else (nd - 1,) + tuple(range(nd - 1))
    return transpose(v, axes=axes)


def solve_batched(a, b):
    """``solve(a, b)`` for a right-hand side ``b`` of shape ``(k, ..., n, m)`` that carries the
    batch axis. The k directions are folded into the columns so that ``a`` is factorised once
    rather than once per direction; the result has shape ``(k,) + solve(a, b[0]).shape``."""
    k, m = shape_of(b)[0], shape_of(b)[-1]
    folded = _move_batch(b, to_back=True)
    folded = reshape(folded, shape=shape_of(folded)[:-2] + (m * k,))
    x = solve(a, folded)
    return _move_batch(reshape(x, shape=shape_of(x)[:-1] + (m, k)), to_back=False)


def _solve_jvp_a(t, ans, a, b):
    # d(a^-1 b) = -a^-1 da x
    return negative(solve_batched(a, matmul(align_batched(t, ndim_of(ans) + 1), ans)))


def _solve_jvp_b(t, ans, a, b):
    return solve_batched(a, t)


def _solve_vjp_a(g, ans, a, b):
    gb = solve_batched(mT(a), g)
    return _sum_to(negative(matmul(gb, mT(ans))), shape_of(a))


def _solve_vjp_b(g, ans, a, b):
    return _sum_to(solve_batched(mT(a), g), shape_of(b))


solve = Primitive("solve", _solve_impl, jvp=(_solve_jvp_a, _solve_jvp_b),
                  vjp=(_solve_vjp_a, _solve_vjp_b), pattern=stack_pattern(reduced=False),
                  batched=True)


# ---------------------------------------------------------------- inv, det, logabsdet
inv = Primitive(
    "inv", lambda a: _xp_linalg(a).inv(a),
    jvp=(lambda t, ans, a: negative(matmul(matmul(ans, t), ans)),),
    vjp=(lambda g, ans, a: negative(matmul(matmul(mT(ans), g), mT(ans))),),
    pattern=stack_pattern(reduced=False), batched=True)


def _logdet_jvp(t, a):
    """d log|det a| = tr(a^-1 da), summed elementwise as <a^-T, da>."""
    return sum_p(multiply(t, mT(inv(a))), axis=(-2, -1), keepdims=False)


def _logdet_vjp(g, a):
    """``g[..., None, None] * a^-T``: the cotangent of log|det a|."""
    return multiply(reshape(g, shape=shape_of(g) + (1, 1)), mT(inv(a)))


def _cofactor_impl(a):
    """The cofactor matrix ``d det(a) / da`` (the adjugate's transpose), defined for singular
    ``a`` too: with ``a = U diag(s) V^T``, it is ``det(U) det(V) U diag(p) V^T`` where ``p_i`` is
    the product of the singular values other than ``s_i`` (``det(a) a^-T`` would divide by 0)
    (complex ``a``: conjugates of ``U`` and ``V^H``)."""
    xp = array_module(a)
    u, sv, vt = xp.linalg.svd(a)
    ones = xp.ones(sv.shape[:-1] + (1,), dtype=sv.dtype)
    before = xp.cumprod(xp.concatenate([ones, sv[..., :-1]], axis=-1), axis=-1)
    after = xp.cumprod(xp.concatenate([ones, sv[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = xp.linalg.det(u) * xp.linalg.det(vt)
    if xp.iscomplexobj(a):   # a = U S V^H: the cofactor is det(U) det(V^H) conj(U) P conj(V^H)
        u, vt = u.conj(), vt.conj()
    return (u * (before * after)[..., None, :]) @ vt * sign[..., None, None]


def _cofactor_jvp(t, ans, a):
    # d(det(a) a^-T) = tr(a^-1 da) cof(a) - a^-T da^T cof(a), for invertible a
    trace = sum_p(multiply(t, mT(inv(a))), axis=(-2, -1), keepdims=True)
    return subtract(multiply(trace, ans), matmul(solve_batched(mT(a), mT(t)), ans))


def _cofactor_vjp(g, ans, a):
    trace = sum_p(multiply(g, ans), axis=(-2, -1), keepdims=True)
    return subtract(multiply(trace, mT(inv(a))), mT(matmul(solve_batched(a, g), mT(ans))))


cofactor = Primitive("cofactor", _cofactor_impl, jvp=(_cofactor_jvp,), vjp=(_cofactor_vjp,),
                     pattern=stack_pattern(reduced=False), batched=True)

det = Primitive(
    "det", lambda a: _xp_linalg(a).det(a),
    jvp=(lambda t, ans, a: sum_p(multiply(t, cofactor(a)), axis=(-2, -1), keepdims=False),),
    vjp=(lambda g, ans, a: multiply(reshape(g, shape=shape_of(g) + (1, 1)), cofactor(a)),),
    pattern=stack_pattern(reduced=True), batched=True)

logabsdet = Primitive(
    "logabsdet", lambda a: _xp_linalg(a).slogdet(a)[1],
    jvp=(lambda t, ans, a: _logdet_jvp(t, a),),
    vjp=(lambda g, ans, a: _logdet_vjp(g, a),), pattern=stack_pattern(reduced=True), batched=True)


# ---------------------------------------------------------------- cholesky
def _symmetric_part(v):
    return (v + mT(v)) * 0.5


def _phi(v):
    """The lower triangle of ``v`` with its diagonal halved (constant mask, so linear)."""
    n = shape_of(v)[-1]
    xp = array_module(v)
    mask = xp.tril(xp.ones((n, n), dtype=dtype_of(v))) - 0.5 * xp.eye(n, dtype=dtype_of(v))
    return multiply(v, mask)


def _cholesky_jvp(t, ans, a):
    # dL = L phi(L^-1 dA L^-T), dA taken symmetric
    y = solve_batched(ans, _symmetric_part(t))
    return matmul(ans, _phi(solve_batched(ans, mT(y))))


def _cholesky_vjp(g, ans, a):
    # the transpose of the JVP: sym(L^-T phi(L^T g) L^-1)
    z = solve_batched(mT(ans), _phi(matmul(mT(ans), g)))
    return _symmetric_part(mT(solve_batched(mT(ans), mT(z))))


cholesky = Primitive(
    "cholesky", lambda a: _xp_linalg(a).cholesky(_symmetric_part(a)),
    jvp=(_cholesky_jvp,), vjp=(_cholesky_vjp,), pattern=stack_pattern(reduced=False, lower=True),
    batched=True)
