"""The registry walk (issue 23, item 4): every registered primitive that is not an op of the
table (``dualad._kernels.optable.OPS``, checked by ``tests/ops/test_optable.py``) has a sample in
``SAMPLES`` below, and on it, in float64:

* its value equals NumPy's or SciPy's (4 ulp unless a comment says why not);
* forward and reverse mode agree with each other up to rounding and with central finite
  differences, to second order, or the second order raises where it is documented as missing;
* elementwise and reduction-like primitives give NumPy's value at NaN, +-inf and +-0, NaN
  propagates into the derivative, and forward and reverse mode give the same special values;
* ``ad.record(loss, x0).grad(x1)`` equals ``ad.grad(loss)(x1)`` (loss: the sum of the outputs);
* the NumPy references (``DUALAD_PUREPYTHON=1``, one subprocess for the whole walk) give the
  same values and derivatives as the compiled kernels.

A new primitive without a sample fails ``test_every_primitive_has_a_sample``: add one here.
"""
import importlib
import os
import pkgutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.linalg
import scipy.signal
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualad as ad
import dualad.numpy as dnp
from dualad._core._engine import REGISTRY
from dualad._kernels import optable
from dualad.testing import check_grads

# tests/ holds the shared helpers (conftest puts it on the path; a subprocess needs it too)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from arguments import partial  # noqa: E402


def _import_everything():
    """Import every dualad module, so that every primitive is registered (``dualad.scipy``,
    ``dualad.nn`` … register theirs when first imported). A module whose optional dependency
    is missing (dask for ``dualad.distributed``) registers no primitive of its own."""
    for info in pkgutil.walk_packages(ad.__path__, "dualad."):
        if info.name.startswith("dualad._kernels."):   # kernels import nothing of dualad
            continue
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as error:
            if error.name is None or error.name.startswith("dualad"):
                raise


_import_everything()
# dualad's own primitives: taken now, at collection, before tests register theirs with defprim
# (test_custom's test_j0 …), which the walk must not ask samples of
REGISTERED = frozenset(REGISTRY)
import dualad.scipy.linalg as dsl  # noqa: E402
import dualad.scipy.signal as dss  # noqa: E402

PURE = bool(os.environ.get("DUALAD_PUREPYTHON"))
R = np.random.default_rng(23)


def normal(*shape):
    return R.standard_normal(shape)


def uniform(lo, hi, *shape):
    return R.uniform(lo, hi, shape)


def cnormal(*shape):
    return R.standard_normal(shape) + 1j * R.standard_normal(shape)


def spd(n, *batch):
    a = R.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def symmetric(n):
    a = R.standard_normal((n, n))
    return (a + a.T) / 2


def real_spectrum(n):
    """A matrix with distinct real eigenvalues (eig's derivative needs them distinct)."""
    q = np.linalg.qr(R.standard_normal((n, n)))[0]
    return q @ np.diag(np.arange(1.0, n + 1)) @ np.linalg.inv(q) + 0.1 * R.standard_normal((n, n))


P = REGISTRY.__getitem__    # a primitive, called directly: P("hypot")(x, y)


@dataclass
class Sample:
    """How to exercise one primitive.

    * ``fun(*args)`` applies it (a tuple for several outputs) at ``args``, a valid point;
      ``wrt``: the positions differentiated (default: every float argument not in ``raises``).
    * ``ref``: NumPy/SciPy on the same arguments (None: ``no_ref`` says why), within ``ulp``
      units in the last place, or within ``rtol`` times the largest magnitude (each use says
      why); ``special_ref``: ``ref`` holds at the special values too (not so for the
      finite-difference references).
    * ``order``: the highest derivative implemented, a higher one must raise ``higher``;
      ``raises``: positions whose first derivative must raise ``NotImplementedError``;
      ``modes``: the modes implemented (forward mode must raise ``TypeError`` where it is
      not); ``zero``: the derivative is zero by design (no finite differences).
    * ``special``: ``"elementwise"``, ``"reduction"`` or ``"rows"`` (each row computed on its
      own) for the NaN/inf/0 checks; ``affine``: positions whose derivative does not read the
      argument (affine or piecewise constant in it), so a NaN there need not reach the
      derivative; ``select``: the primitive selects one of its inputs (``max``, ``maximum``,
      ``where`` …) and a selected NaN takes the derivative 1, the convention of ``max``
      (``primitives/reductions.py``).
    """
    fun: object
    args: tuple
    ref: object = None
    no_ref: str = ""
    wrt: tuple = None
    ulp: int = 4
    rtol: float = None
    order: int = 2
    raises: tuple = ()
    zero: bool = False
    special: str = None
    affine: tuple = ()
    select: bool = False
    special_ref: bool = True
    modes: tuple = ("fwd", "rev")
    higher: type = NotImplementedError

    def __post_init__(self):
        self.args = tuple(self.args)
        if self.wrt is None:
            self.wrt = tuple(i for i, a in enumerate(self.args)
                             if np.asarray(a).dtype.kind in "fc" and i not in self.raises)
        assert self.ref is not None or self.no_ref, "a sample without ref says why"


def _elementwise(name, *args, ref=None, **kw):
    """A broadcasting primitive called directly; ``ref`` defaults to SciPy's function of the
    same name (``scipy.special.<x>``) or NumPy's."""
    prim = P(name)
    if ref is None and "no_ref" not in kw:
        short = name.rsplit(".", 1)[-1]
        ref = getattr(scipy.special, short) if name.startswith("scipy.special.") else \
            getattr(np, short)
    return Sample(lambda *a: prim(*a), args, ref, special="elementwise", **kw)


GEOMETRY = dict(kernel=(2, 2), stride=(1, 2), padding=((1, 0), (0, 1)), dilation=(1, 1))


def _unfold_ref(x, kernel, stride, padding, dilation):
    """im2col by loops:
    ``out[..., i, j, c, a * kw + b] = xpad[..., c, i * s0 + a * d0, j * s1 + b * d1]``."""
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + list(padding))
    (kh, kw), (s0, s1), (d0, d1) = kernel, stride, dilation
    oh = (xp.shape[-2] - d0 * (kh - 1) - 1) // s0 + 1
    ow = (xp.shape[-1] - d1 * (kw - 1) - 1) // s1 + 1
    out = np.zeros(x.shape[:-3] + (oh, ow, x.shape[-3], kh * kw))
    for i, j, a, b in np.ndindex(oh, ow, kh, kw):
        out[..., i, j, :, a * kw + b] = xp[..., :, i * s0 + a * d0, j * s1 + b * d1]
    return out


def _fold_ref(g, size, kernel, stride, padding, dilation):
    """col2im: the transpose of ``_unfold_ref``, by the same loops."""
    (kh, kw), (s0, s1), (d0, d1) = kernel, stride, dilation
    (t, b_), (lft, r) = padding
    c = g.shape[-2]
    xp = np.zeros(g.shape[:-4] + (c, size[0] + t + b_, size[1] + lft + r))
    for i, j, a, b in np.ndindex(g.shape[-4], g.shape[-3], kh, kw):
        xp[..., :, i * s0 + a * d0, j * s1 + b * d1] += g[..., i, j, :, a * kw + b]
    return xp[..., t:t + size[0], lft:lft + size[1]]


def _sigmoid(x):
    return scipy.special.expit(x)


def _batch_norm_ref(x, mean, var, w, b, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + \
        b.reshape(shape)


def _batch_norm_train_ref(x, w, b):
    axes = (0,) + tuple(range(2, x.ndim))
    return _batch_norm_ref(x, x.mean(axis=axes), x.var(axis=axes), w, b)


def _layer_norm_ref(x, w, b, eps=1e-5):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) * w + b


def _lstm_layer_ref(xs, hc, w_ih, w_hh, b):
    h, c, states = hc[0], hc[1], []
    for x in xs:
        i, f, g, o = np.split(x @ w_ih.T + h @ w_hh.T + b, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        states.append(np.stack([h, c]))
    return np.stack(states)


def _gru_layer_ref(xs, h, w_ih, w_hh, b_ih, b_hh):
    """The GRU layer run backwards in time (``reverse=True``), states in time order."""
    hs = [None] * len(xs)
    for t in reversed(range(len(xs))):
        xr, xz, xn = np.split(xs[t] @ w_ih.T + b_ih, 3, axis=-1)
        hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
        n = np.tanh(xn + r * hn)
        h = hs[t] = n + z * (h - n)
    return np.stack(hs)


def _softmax_xent_ref(z, labels):
    return scipy.special.logsumexp(z, axis=-1) - np.take_along_axis(
        z, labels[..., None], axis=-1)[..., 0]


def _index_add_ref(y):
    out = np.zeros(5)
    np.add.at(out, INDEX, y)
    return out


def _alternating(x, y):
    """True, False, True … over the broadcast shape of ``x`` and ``y``: ``where``'s condition."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    return np.arange(int(np.prod(shape))).reshape(shape) % 2 == 0


INDEX = np.array([0, 3, 0, 4])
LABELS = np.array([2, 0, 3, 1, 2])   # the first len(z) are used
A3, B3 = normal(3, 3) + 3 * np.eye(3), normal(3, 2)
SPD = spd(3)
SYM = symmetric(4)
TALL = normal(5, 3)

# ``pos``: a point in each argument's domain. Tolerances looser than 4 ulp say why.
SAMPLES = {
    # --------------------------------------------------------------- arithmetic (binary.py)
    "add": _elementwise("add", normal(3, 4), normal(4), affine=(0, 1)),
    "subtract": _elementwise("subtract", normal(3, 4), normal(3, 1), affine=(0, 1)),
    "multiply": _elementwise("multiply", normal(3, 4), normal(4), affine=(0, 1)),
    "divide": _elementwise("divide", normal(3, 4), uniform(0.5, 2, 4), affine=(0,)),
    "negative": _elementwise("negative", normal(3, 4), affine=(0,)),
    "power": _elementwise("power", uniform(0.5, 2, 3, 4), normal(4)),
    "arctan2": _elementwise("arctan2", normal(3, 4), uniform(0.5, 2, 3, 4)),
    "hypot": _elementwise("hypot", normal(3, 4), normal(3, 4)),
    "logaddexp": _elementwise("logaddexp", normal(3, 4), normal(4)),
    "logaddexp2": _elementwise("logaddexp2", normal(3, 4), normal(4)),
    "maximum": _elementwise("maximum", normal(3, 4), normal(3, 4), select=True),
    "minimum": _elementwise("minimum", normal(3, 4), normal(3, 4), select=True),
    # piecewise affine: x - floor(x / y) * y; derivatives checked away from the jumps
    "mod": _elementwise("mod", uniform(0.1, 0.9, 3, 4) + 2, np.ones(4), affine=(0,)),
    "fmod": _elementwise("fmod", uniform(0.1, 0.9, 3, 4) + 2, np.ones(4), affine=(0,)),
    "floor_divide": _elementwise("floor_divide", uniform(0.1, 0.9, 3, 4) + 2, np.ones(4),
                                 affine=(0, 1)),
    "where": Sample(lambda x, y: P("where")(x, y, _alternating(x, y)), (normal(3, 4), normal(4)),
                    lambda x, y: np.where(_alternating(x, y), x, y), special="elementwise",
                    select=True),
    "sinc": _elementwise("sinc", normal(3, 4)),
    "sinc_derivative": Sample(
        lambda x: P("sinc_derivative")(x, order=1), (uniform(0.3, 2, 3, 4),),
        # sinc'(x) = (cos(pi x) - sinc(x)) / x, evaluated here as written: its cancellation
        # costs a few ulp elementwise, so normwise 1e-15
        lambda x: (np.cos(np.pi * x) - np.sinc(x)) / x, rtol=1e-15, special="elementwise",
        special_ref=False),   # the formula is 0/0 at 0
    "nn.normal_cdf": _elementwise("nn.normal_cdf", normal(3, 4), ref=scipy.special.ndtr),
    # the table's relu declares its derivative step(x), 0 at NaN; relu_train must agree
    "relu_train": _elementwise("relu_train", normal(3, 4) + 0.05,
                               ref=lambda x: np.maximum(x, 0.0), affine=(0,)),
    # --------------------------------------------------------------- complex.py
    "real": Sample(lambda z: P("real")(z), (cnormal(3, 4),), np.real, special="elementwise",
                   affine=(0,)),
    "imag": Sample(lambda z: P("imag")(z), (cnormal(3, 4),), np.imag, special="elementwise",
                   affine=(0,)),
    "conj": Sample(lambda z: P("conj")(z), (cnormal(3, 4),), np.conj, special="elementwise",
                   affine=(0,)),
    "angle": Sample(lambda z: P("angle")(z), (cnormal(3, 4),), np.angle, special="elementwise"),
    "complex_abs": Sample(lambda z: P("complex_abs")(z), (cnormal(3, 4),), np.abs,
                          special="elementwise"),
    # --------------------------------------------------------------- movement, shape, indexing
    "astype": Sample(lambda x: P("astype")(x, dtype=np.complex128), (normal(3, 4),),
                     lambda x: x.astype(np.complex128)),
    "stop_gradient": Sample(lambda x: P("stop_gradient")(x), (normal(3, 4),), lambda x: x,
                            zero=True),
    "broadcast_to": Sample(lambda x: dnp.broadcast_to(x, (2, 3, 4)), (normal(3, 1),),
                           lambda x: np.broadcast_to(x, (2, 3, 4))),
    "unbroadcast": Sample(lambda x: P("unbroadcast")(x, shape=(1, 4), lead=0), (normal(3, 4),),
                          # summation order may differ from NumPy's pairwise sum
                          lambda x: x.sum(0, keepdims=True), rtol=1e-15),
    "reshape": Sample(lambda x: dnp.reshape(x, (2, 6)), (normal(3, 4),),
                      lambda x: x.reshape(2, 6)),
    "transpose": Sample(lambda x: dnp.transpose(x, (2, 0, 1)), (normal(2, 3, 4),),
                        lambda x: x.transpose(2, 0, 1)),
    "ascontiguousarray": Sample(lambda x: dnp.ascontiguousarray(dnp.transpose(x, (1, 0))),
                                (normal(3, 4),), lambda x: np.ascontiguousarray(x.T)),
    "getitem": Sample(lambda x: x[1:, [3, 0, 3]], (normal(3, 4),), lambda x: x[1:, [3, 0, 3]]),
    "index_add": Sample(lambda y: P("index_add")(y, index=(INDEX,), shape=(5,), trailing=0),
                        (normal(4),), _index_add_ref),
    "concatenate": Sample(lambda x, y: dnp.concatenate([x, y], axis=1),
                          (normal(3, 2), normal(3, 4)),
                          lambda x, y: np.concatenate([x, y], axis=1)),
    # --------------------------------------------------------------- reductions
    # sums: dualad may add in another order than NumPy's pairwise summation
    "sum": Sample(lambda x: dnp.sum(x, axis=1), (normal(3, 4),), lambda x: x.sum(1),
                  rtol=1e-15, special="reduction", affine=(0,)),
    "cumsum": Sample(lambda x: dnp.cumsum(x, axis=1), (normal(3, 4),), lambda x: x.cumsum(1),
                     rtol=1e-15, special="reduction", affine=(0,)),
    "prod": Sample(lambda x: dnp.prod(x, axis=1), (normal(3, 4),), lambda x: x.prod(1),
                   special="reduction"),
    "max": Sample(lambda x: dnp.max(x, axis=1), (normal(3, 4),), lambda x: x.max(1),
                  special="reduction", select=True),
    "min": Sample(lambda x: dnp.min(x, axis=1), (normal(3, 4),), lambda x: x.min(1),
                  special="reduction", select=True),
    # --------------------------------------------------------------- linear algebra
    # BLAS may block the products differently from NumPy's call: normwise 1e-15
    "matmul": Sample(lambda a, b: P("matmul")(a, b), (normal(2, 3, 4), normal(4, 2)),
                     np.matmul, rtol=1e-15),
    "einsum": Sample(lambda a, b: dnp.einsum("ij,jk->ik", a, b), (normal(3, 4), normal(4, 2)),
                     lambda a, b: np.einsum("ij,jk->ik", a, b), rtol=1e-15),
    "solve": Sample(lambda a, b: dnp.linalg.solve(a, b), (A3, B3), np.linalg.solve),
    "inv": Sample(lambda a: dnp.linalg.inv(a), (A3,), np.linalg.inv),
    "det": Sample(lambda a: dnp.linalg.det(a), (A3,), np.linalg.det),
    "logabsdet": Sample(lambda a: dnp.linalg.slogdet(a)[1], (A3,),
                        lambda a: np.linalg.slogdet(a)[1]),
    # the cofactor comes from an SVD (defined for singular matrices too), NumPy's from
    # det(a) inv(a)^T: the two agree to the matrix's condition number times eps (69 ulp
    # elementwise here, 1e-15 normwise)
    "cofactor": Sample(lambda a: P("cofactor")(a), (A3,),
                       lambda a: np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-14),
    # cholesky reads the lower triangle: differentiate through a symmetric argument
    "cholesky": Sample(lambda a: dnp.linalg.cholesky((a + dnp.swapaxes(a, -1, -2)) / 2),
                       (spd(3, 2),), lambda a: np.linalg.cholesky((a + a.swapaxes(-1, -2)) / 2)),
    "eigh": Sample(lambda a: tuple(dnp.linalg.eigh(a)), (SYM,), lambda a: tuple(np.linalg.eigh(a))),
    "eigvalsh": Sample(lambda a: dnp.linalg.eigvalsh(a), (SYM,), np.linalg.eigvalsh),
    "eig": Sample(lambda a: tuple(dnp.linalg.eig(a)), (real_spectrum(3),),
                  lambda a: tuple(np.linalg.eig(a))),
    "eigvals": Sample(lambda a: dnp.linalg.eigvals(a), (real_spectrum(3),), np.linalg.eigvals),
    "svd": Sample(lambda a: tuple(dnp.linalg.svd(a, full_matrices=False)), (TALL,),
                  lambda a: tuple(np.linalg.svd(a, full_matrices=False))),
    "svdvals": Sample(lambda a: dnp.linalg.svd(a, compute_uv=False), (TALL,),
                      lambda a: np.linalg.svd(a, compute_uv=False)),
    "qr": Sample(lambda a: tuple(dnp.linalg.qr(a)), (TALL,), lambda a: tuple(np.linalg.qr(a))),
    "pinv": Sample(lambda a: dnp.linalg.pinv(a), (TALL,), np.linalg.pinv),
    # --------------------------------------------------------------- fft
    "fft_c2c": Sample(lambda z: dnp.fft.fft(z, axis=1), (cnormal(3, 4),),
                      lambda z: np.fft.fft(z, axis=1)),
    "rfft_r2c": Sample(lambda x: dnp.fft.rfft(x, axis=1), (normal(3, 5),),
                       lambda x: np.fft.rfft(x, axis=1)),
    "irfft_c2r": Sample(lambda c: dnp.fft.irfft(c, 6, axis=1), (cnormal(3, 4),),
                        lambda c: np.fft.irfft(c, 6, axis=1)),
    # --------------------------------------------------------------- nn
    "nn.unfold": Sample(lambda x: P("nn.unfold")(x, **GEOMETRY), (normal(2, 3, 4, 5),),
                        lambda x: _unfold_ref(x, **GEOMETRY)),
    "nn.fold": Sample(lambda g: P("nn.fold")(g, size=(4, 5), **GEOMETRY),
                      (normal(2, 4, 3, 3, 4),), lambda g: _fold_ref(g, (4, 5), **GEOMETRY)),
    "softmax_cross_entropy": Sample(
        lambda z: P("softmax_cross_entropy")(z, LABELS[:len(z)]), (normal(3, 4),),
        lambda z: _softmax_xent_ref(z, LABELS[:len(z)]), special="rows",
        # the kernel's log-sum-exp (shift by the maximum, log1p) against SciPy's
        rtol=1e-15),
    # the fused layers (primitives/fused.py): reverse mode only, by kernels whose backward is
    # not differentiable; forward mode and second order raise TypeError (their callers compose
    # the layer from dualad.numpy there). Kernels with BLAS products and their own summation
    # order: normwise 1e-14
    "nn.batch_norm_train": Sample(
        lambda x, w, b: P("nn.batch_norm_train")(x, w, b, eps=1e-5),
        (normal(4, 3, 5), normal(3), normal(3)), _batch_norm_train_ref, rtol=1e-14,
        order=1, modes=("rev",), higher=TypeError),
    "nn.batch_norm_eval": Sample(
        lambda x, m, v, w, b: P("nn.batch_norm_eval")(x, m, v, w, b, eps=1e-5),
        (normal(4, 3, 5), normal(3), uniform(0.5, 2, 3), normal(3), normal(3)),
        _batch_norm_ref, rtol=1e-14, order=1, modes=("rev",), higher=TypeError),
    "nn.layer_norm": Sample(
        lambda x, w, b: P("nn.layer_norm")(x, w, b, eps=1e-5, d=1),
        (normal(3, 5), normal(5), normal(5)), _layer_norm_ref, rtol=1e-14,
        order=1, modes=("rev",), higher=TypeError),
    "nn.lstm_layer": Sample(
        lambda xs, hc, w_ih, w_hh, b: P("nn.lstm_layer")(xs, hc, w_ih, w_hh, b, reverse=False),
        (normal(3, 2, 3), normal(2, 2, 2), normal(8, 3), normal(8, 2), normal(8)),
        _lstm_layer_ref, rtol=1e-14, order=1, modes=("rev",), higher=TypeError),
    "nn.gru_layer": Sample(
        lambda xs, h, w_ih, w_hh, b_ih, b_hh: P("nn.gru_layer")(xs, h, w_ih, w_hh, b_ih, b_hh,
                                                                reverse=True),
        (normal(3, 2, 3), normal(2, 2), normal(6, 3), normal(6, 2), normal(6), normal(6)),
        _gru_layer_ref, rtol=1e-14, order=1, modes=("rev",), higher=TypeError),
    # --------------------------------------------------------------- scipy.linalg, signal
    "scipy.linalg.expm": Sample(lambda a: dsl.expm(a), (normal(3, 3) / 2,), scipy.linalg.expm),
    "scipy.linalg.sqrtm": Sample(lambda a: dsl.sqrtm(a), (SPD,), scipy.linalg.sqrtm),
    "scipy.linalg.lu_factor": Sample(lambda a: dsl.lu_factor(a)[0], (A3,),
                                     lambda a: scipy.linalg.lu_factor(a)[0]),
    "scipy.linalg.solve_triangular": Sample(
        lambda a, b: dsl.solve_triangular(a, b, lower=True), (np.tril(A3), B3),
        lambda a, b: scipy.linalg.solve_triangular(a, b, lower=True)),
    "scipy.linalg.solve_banded": Sample(
        lambda ab, b: dsl.solve_banded((1, 1), ab, b),
        (np.vstack([normal(1, 4), 4 + uniform(0, 1, 1, 4), normal(1, 4)]), normal(4)),
        lambda ab, b: scipy.linalg.solve_banded((1, 1), ab, b)),
    "scipy.linalg.solve_sylvester": Sample(
        lambda a, b, q: dsl.solve_sylvester(a, b, q), (A3, A3.T + np.eye(3), normal(3, 3)),
        scipy.linalg.solve_sylvester),
    # sums of products, possibly in another order than SciPy's: normwise 1e-15
    "scipy.signal.convolve": Sample(lambda a, b: dss.convolve(a, b, mode="full"),
                                    (normal(6), normal(3)),
                                    lambda a, b: scipy.signal.convolve(a, b, mode="full"),
                                    rtol=1e-15),
}

# --------------------------------------------------------------- scipy.special
POS, UNIT = uniform(0.5, 3, 3, 4), uniform(0.05, 0.95, 3, 4)
ORDERS = np.array([0, 1, 2, 3])
for _name, _args, _kw in [
    ("erf", (normal(3, 4),), {}), ("erfc", (normal(3, 4),), {}),
    ("erfinv", (uniform(-0.9, 0.9, 3, 4),), {}), ("erfcinv", (uniform(0.1, 1.9, 3, 4),), {}),
    ("ndtr", (normal(3, 4),), {}), ("ndtri", (UNIT,), {}), ("log_ndtr", (normal(3, 4),), {}),
    ("gamma", (POS,), {}), ("rgamma", (POS,), {}), ("gammaln", (POS,), {}),
    ("gammasgn", (POS,), {"affine": (0,)}),   # piecewise constant
    ("digamma", (POS,), {}),
    ("polygamma", (ORDERS, POS), {}),
    ("beta", (POS, POS[::-1]), {}), ("betaln", (POS, POS[::-1]), {}),
    ("logit", (UNIT,), {}), ("entr", (POS,), {}),
    ("xlogy", (normal(3, 4), POS), {"affine": (0,)}),
    ("xlog1py", (normal(3, 4), POS), {"affine": (0,)}),
    ("rel_entr", (POS, POS[::-1]), {}),
    ("j0", (normal(3, 4),), {}), ("j1", (normal(3, 4),), {}), ("y0", (POS,), {}),
    ("y1", (POS,), {}), ("i0", (normal(3, 4),), {}), ("i1", (normal(3, 4),), {}),
    ("i0e", (normal(3, 4),), {}), ("i1e", (normal(3, 4),), {}),
    ("jn", (ORDERS, normal(3, 4)), {}), ("yn", (ORDERS, POS), {}),
    # a real order: not differentiated (it raises); real values at z < 0 need an integer one
    ("iv", (uniform(0, 3, 3, 4), POS), {"raises": (0,)}),
    ("ive", (uniform(0, 3, 3, 4), POS), {"raises": (0,)}),
    ("gammainc", (POS, POS[::-1]), {}), ("gammaincc", (POS, POS[::-1]), {}),
    ("gammaincinv", (POS, UNIT), {}), ("gammainccinv", (POS, UNIT), {}),
    ("betainc", (POS, POS[::-1], UNIT), {}), ("betaincinv", (POS, POS[::-1], UNIT), {}),
    ("stdtrit", (POS + 1, UNIT), {}),
    ("zeta", (POS + 1.5, POS), {}),
]:
    SAMPLES["scipy.special." + _name] = _elementwise("scipy.special." + _name, *_args, **_kw)

SAMPLES["scipy.special.zeta_riemann"] = _elementwise(
    "scipy.special.zeta_riemann", uniform(-3, 5, 3, 4) + 0.01, ref=scipy.special.zeta)


def _numerical(f, k, h=1e-5):
    """The k-th argument's partial derivative of ``f`` by a fourth-order central stencil: the
    reference of the derivative primitives that SciPy does not have."""
    def d(*args):
        def at(s):
            moved = list(args)
            moved[k] = args[k] + s * h
            return f(*moved)
        return (8 * (at(1) - at(-1)) - (at(2) - at(-2))) / (12 * h)
    return d


# the derivatives of gammainc in a: order 2 in x, and in a up to the third derivative of
# gammainc, which raises (the series are not differentiated further)
SAMPLES["scipy.special.gammainc_da"] = _elementwise(
    "scipy.special.gammainc_da", POS, POS[::-1],
    ref=_numerical(scipy.special.gammainc, 0), rtol=1e-8,   # the stencil's truncation error
    order=1, special_ref=False)
SAMPLES["scipy.special.gammainc_da2"] = _elementwise(
    "scipy.special.gammainc_da2", POS, POS[::-1],
    ref=_numerical(_numerical(scipy.special.gammainc, 0, 1e-3), 0, 1e-3), rtol=1e-5,
    raises=(0,), special_ref=False)
for _i, _j in [(1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]:
    _ref = scipy.special.betainc
    for _ in range(_i):
        _ref = _numerical(_ref, 0, 1e-3)
    for _ in range(_j):
        _ref = _numerical(_ref, 1, 1e-3)
    SAMPLES[f"scipy.special.betainc_d{_i}{_j}"] = _elementwise(
        f"scipy.special.betainc_d{_i}{_j}", POS, POS[::-1], UNIT, ref=_ref,
        rtol=1e-6, special_ref=False,   # the stencils' truncation error
        # a third derivative of betainc in a or b raises: d10 and d01 are differentiable
        # once in a and b, d20 … d02 not at all (and twice in x)
        order=1 if _i + _j == 1 else 2, raises=(0, 1) if _i + _j == 2 else ())
for _m in range(1, 5):
    # S_m(x, q) = sum_k log(k+q)^m (k+q)^-x = (-1)^m d^m zeta / dx^m
    _ref = scipy.special.zeta
    for _ in range(_m):   # a wider step for the higher moments, against the rounding error
        _ref = _numerical(_ref, 0, 1e-3 if _m <= 2 else 1e-2)
    SAMPLES[f"scipy.special.zeta_log_moment{_m}"] = _elementwise(
        f"scipy.special.zeta_log_moment{_m}", POS + 1.5, POS,
        ref=lambda x, q, f=_ref, m=_m: (-1) ** m * f(x, q), rtol=1e-5, special_ref=False,
        # S_4's derivative in x (S_5) is not implemented: S_3 is differentiable once, S_4
        # only in q
        order=1 if _m == 3 else 2, raises=(0,) if _m == 4 else ())


# ------------------------------------------------------------------------------- helpers
def _outputs(out):
    """The outputs as a tuple of plain arrays."""
    out = out if isinstance(out, tuple) else (out,)
    return tuple(np.asarray(o) for o in out)


def _parts(a):
    a = np.asarray(a)
    return (a.real, a.imag) if a.dtype.kind == "c" else (a,)


def _assert_values(got, want, ulp=4, rtol=None, what="value", atol=0.0):
    """``got`` equals ``want`` output by output: the same shape, NaN where NumPy has NaN,
    the same infinities, and the finite values within ``ulp`` units in the last place of
    ``want`` (or, with ``rtol``, within ``rtol`` times the largest finite magnitude; and
    always within ``atol``)."""
    got, want = _outputs(got), _outputs(want)
    assert len(got) == len(want), f"{what}: {len(got)} outputs, NumPy has {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"{what} {k}: shape {g.shape}, NumPy's is {w.shape}"
        for gp, wp in zip(_parts(g), _parts(w)):
            gp, wp = gp.astype(np.float64), wp.astype(np.float64)
            np.testing.assert_array_equal(np.isnan(gp), np.isnan(wp),
                                          err_msg=f"{what} {k}: NaN pattern")
            finite = np.isfinite(wp)
            np.testing.assert_array_equal(gp[~finite & ~np.isnan(wp)], wp[~finite & ~np.isnan(wp)],
                                          err_msg=f"{what} {k}: infinities")
            gf, wf = gp[finite], wp[finite]
            if rtol is not None:
                tol = rtol * max(float(np.max(np.abs(wf), initial=0.0)), np.finfo(float).tiny)
            else:
                tol = ulp * np.spacing(np.abs(wf))
            bad = ~(np.abs(gf - wf) <= np.maximum(tol, atol))
            assert not bad.any(), (f"{what} {k}: {bad.sum()} of {bad.size} values off by more "
                                   f"than {f'rtol {rtol}' if rtol else f'{ulp} ulp'}:\n"
                                   f" got      {gf[bad][:6]}\n expected {wf[bad][:6]}")


def _fixed(sample, wrt=None):
    """``sample.fun`` as a function of the arguments ``wrt``, and their values."""
    wrt = sample.wrt if wrt is None else wrt
    return partial(sample.fun, sample.args, wrt), [sample.args[i] for i in wrt]


def _random_like(x, rng):
    x = np.asarray(x)
    r = rng.standard_normal(x.shape)
    if x.dtype.kind == "c":
        r = r + 1j * rng.standard_normal(x.shape)
    return r.astype(x.dtype)


def _pair(a, b):
    """``Re(sum(a * b))`` over matching lists of arrays (NOTE: complex convention)."""
    return sum(float(np.real(np.sum(np.asarray(x) * np.asarray(y)))) for x, y in zip(a, b))


def _directional(sample, seed=0):
    """One JVP and one VJP at the sample's point, in seeded random directions:
    ``(tangent_out, cotangent_in, <u, J v>, <J^T u, v>, scale)``."""
    f, xs = _fixed(sample)
    rng = np.random.default_rng(seed)
    v = [_random_like(x, rng) for x in xs]
    out, pullback = ad.vjp(f, *xs)
    outs = _outputs(out)
    ts = _outputs(ad.jvp(f, tuple(xs), tuple(v))[1]) if "fwd" in sample.modes else \
        tuple(np.zeros_like(o) for o in outs)   # reverse mode only: no <u, J v> to compare
    u = tuple(_random_like(o, rng) for o in outs)
    g = pullback(u if isinstance(out, tuple) else u[0])
    g = _outputs(tuple(g) if isinstance(g, (tuple, list)) else g)
    scale = sum(float(np.sum(np.abs(a) * np.abs(b))) for a, b in zip(u, ts)) + \
        sum(float(np.sum(np.abs(a) * np.abs(b))) for a, b in zip(g, v))
    return ts, g, _pair(u, ts), _pair(g, v), scale


def _loss(sample, wrt=None):
    """A scalar loss built from the primitive: the sum of the real parts of its outputs."""
    f, xs = _fixed(sample, wrt)

    def loss(*moving):
        out = f(*moving)
        total = 0.0
        for o in (out if isinstance(out, tuple) else (out,)):
            total = total + dnp.sum(dnp.real(o) if np.dtype(o.dtype).kind == "c" else o)
        return total
    return loss, xs


NAMES = sorted(SAMPLES)
SPECIAL = [n for n in NAMES if SAMPLES[n].special]


# ------------------------------------------------------------------------------- the walk
def test_every_primitive_has_a_sample():
    table = set(optable.OPS)
    missing = sorted(REGISTERED - table - set(SAMPLES))
    assert not missing, (
        f"no sample for the primitive(s) {missing}: add an entry to SAMPLES in "
        f"tests/ops/test_registry_walk.py (a valid point, NumPy's or SciPy's equivalent, the "
        f"order its rules support), so that its value and derivatives are checked")
    stale = sorted(set(SAMPLES) - REGISTERED)
    assert not stale, f"SAMPLES names {stale}, which no longer are registered primitives"
    assert not table & set(SAMPLES), "table ops are checked by tests/ops/test_optable.py"


@pytest.mark.parametrize("name", NAMES)
def test_sample_applies_its_primitive(name):
    sample = SAMPLES[name]
    with ad.Tape() as tape:
        xs = [tape.watch(x) if i in sample.wrt else x for i, x in enumerate(sample.args)]
        sample.fun(*xs)
    applied = {entry.op for entry in tape.entries}
    assert name in applied, f"the sample of {name} applies {sorted(applied)} instead"


@pytest.mark.parametrize("name", NAMES)
def test_value_matches_numpy(name):
    sample = SAMPLES[name]
    if sample.ref is None:
        pytest.skip(sample.no_ref)
    _assert_values(sample.fun(*sample.args), sample.ref(*sample.args), sample.ulp, sample.rtol)


@pytest.mark.parametrize("name", NAMES)
def test_forward_and_reverse_mode(name):
    sample = SAMPLES[name]
    f, xs = _fixed(sample)
    if sample.zero:
        ts, g, *_ = _directional(sample)
        assert all(not np.any(t) for t in ts) and all(not np.any(c) for c in g)
        return
    # forward and reverse mode agree with each other up to rounding …
    if "fwd" in sample.modes:
        _, _, fwd, rev, scale = _directional(sample)
        assert abs(fwd - rev) <= 1e-13 * scale, f"<u, J v> = {fwd} forward, {rev} reverse"
    else:   # documented as missing: it must raise, never answer zeros
        with pytest.raises(TypeError):
            ad.jvp(f, tuple(xs), tuple(np.ones_like(x) for x in xs))
    # … and with central finite differences, to the order the rules support
    check_grads(f, xs, modes=sample.modes, order=max(sample.order, 1))
    if sample.order < 2:   # documented as missing: it must raise, never answer zeros
        for mode in sample.modes:
            with pytest.raises(sample.higher):
                check_grads(f, xs, modes=(mode,), order=2)
    for i in sample.raises:
        g, (x,) = _fixed(sample, (i,))
        with pytest.raises(NotImplementedError):
            ad.jvp(g, (x,), (np.ones_like(x),))
        with pytest.raises(NotImplementedError):
            ad.vjp(g, x)[1](np.ones(np.shape(g(x))))


# ------------------------------------------------------------------------------- special values
SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
C_SPECIALS = np.array([complex(np.nan, 1.0), complex(1.0, np.nan), complex(np.inf, 1.0),
                       complex(-np.inf, 0.0), complex(1.0, -np.inf), 0j, complex(-0.0, -0.0)])


def _at_specials(sample, i):
    """The sample's arguments with argument ``i`` replaced by the special values and the others
    by one valid value each."""
    x = np.asarray(sample.args[i])
    special = C_SPECIALS if x.dtype.kind == "c" else SPECIALS
    return [special if j == i else np.asarray(a).flat[0] for j, a in enumerate(sample.args)]


def _elementwise_derivatives(f, x):
    """Forward and reverse mode's derivatives of the elementwise ``f`` at each element of ``x``,
    as ``Re(u J t)`` for ``u = 1`` and ``t = 1`` (and ``t = 1j`` for complex ``x``)."""
    directions = [1.0, 1j] if x.dtype.kind == "c" else [1.0]
    ans, pullback = ad.vjp(f, x)
    g = pullback(np.ones_like(np.asarray(ans)))
    g = np.asarray(g[0] if isinstance(g, (tuple, list)) else g)
    fwd, rev = [], []
    for d in directions:
        t = np.full(x.shape, d, dtype=x.dtype)
        fwd.append(np.real(np.asarray(ad.jvp(f, (x,), (t,))[1])))
        rev.append(np.real(g * t))
    return np.concatenate(fwd), np.concatenate(rev)


def _assert_same_specials(a, b, what, nan_may_differ=False):
    """The same NaNs, the same infinities, and the finite values equal up to rounding.

    ``nan_may_differ``: a Jacobian built from basis directions, where a direction's zeros meet
    the NaN or infinite partials of the other entries (0 * inf is NaN) in one mode and not in
    the other; there the two are compared where neither is NaN."""
    if nan_may_differ:
        keep = ~np.isnan(a) & ~np.isnan(b)
        a, b = a[keep], b[keep]
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: NaN pattern")
    inf = np.isinf(a) | np.isinf(b)
    np.testing.assert_array_equal(a[inf], b[inf], err_msg=f"{what}: infinities")
    fin = np.isfinite(a) & np.isfinite(b)
    np.testing.assert_allclose(a[fin], b[fin], rtol=1e-13, atol=1e-300, err_msg=what)


def _reduction_specials(sample):
    """Rows holding one special value each (and one row with both infinities)."""
    x = np.asarray(sample.args[0], dtype=float)
    rows = np.tile(np.arange(1.0, x.shape[1] + 1), (6, 1))
    rows[:5, 0] = SPECIALS
    rows[5, :2] = [np.inf, -np.inf]
    return rows


def _rows_at_specials(sample, i):
    """Five rows of the sample's arguments (its first row repeated), row r of argument ``i``
    filled with the r-th special value."""
    args = [np.repeat(np.asarray(a)[:1], len(SPECIALS), axis=0) for a in sample.args]
    args[i] = args[i] * 0 + SPECIALS.reshape((-1,) + (1,) * (args[i].ndim - 1))
    return args


def _check_rows(name, sample):
    """Each row's derivative in its own row of each argument (the blocks between rows are
    structural zeros, except where a basis direction's 0 meets a NaN or an infinity)."""
    for i in sample.wrt:
        args = _rows_at_specials(sample, i)
        with np.errstate(all="ignore"):
            _assert_values(sample.fun(*args), sample.ref(*args), sample.ulp, sample.rtol,
                           f"value with special rows in argument {i}")
        f = partial(sample.fun, args, (i,))
        rows = np.arange(len(SPECIALS))
        fwd = np.asarray(ad.jacfwd(f)(args[i]))[rows, ..., rows, :]
        rev = np.asarray(ad.jacrev(f)(args[i]))[rows, ..., rows, :]
        # a row's outputs read several of its entries (the gates), so the zeros of a basis
        # direction meet the special row's NaN partials: NaN patterns may differ (see
        # _assert_same_specials), the rest agrees; rows without special values agree exactly
        _assert_same_specials(fwd, rev, f"{name}: jacfwd against jacrev in argument {i}",
                              nan_may_differ=True)
        _assert_same_specials(fwd[3:], rev[3:], f"{name}: rows of zeros in argument {i}")
        if i not in sample.affine:
            assert np.isnan(rev[0]).any(), f"{name}: a NaN row of argument {i} has no NaN " \
                                           "in its derivative"


@pytest.mark.parametrize("name", SPECIAL)
def test_special_values(name):
    """NaN, +-inf and +-0 in each differentiated argument: NumPy's value, NaN in the
    derivative where the value is NaN because of that argument (unless the primitive is affine
    in it, so that its derivative does not read it), and the same special values in forward
    and reverse mode."""
    sample = SAMPLES[name]
    if sample.special == "rows":
        _check_rows(name, sample)
        return
    if sample.special == "reduction":
        x = _reduction_specials(sample)
        value = np.asarray(sample.fun(x))
        _assert_values(value, sample.ref(x), sample.ulp, sample.rtol)
        # each output row's derivative in its own input row (the other blocks are structural
        # zeros, except where a basis direction's 0 meets a NaN or an infinity: 0 * inf is NaN)
        rows = np.arange(len(x))
        fwd = np.asarray(ad.jacfwd(sample.fun)(x))[rows, ..., rows, :]
        rev = np.asarray(ad.jacrev(sample.fun)(x))[rows, ..., rows, :]
        if name == "prod":
            # forward mode sums t * (product of the others) over the slice, so a NaN or an
            # infinity among the others poisons even the directions that do not move it: it
            # may be NaN where reverse mode's partial is finite, never the other way round.
            # Rows without special values agree.
            assert not (np.isnan(fwd) < np.isnan(rev)).any(), f"{name}: NaN only in reverse"
            finite = np.isfinite(x).all(axis=1)
            _assert_same_specials(fwd[finite], rev[finite], f"{name}: jacfwd against jacrev")
        else:
            _assert_same_specials(fwd, rev, f"{name}: jacfwd against jacrev")
        if sample.select:   # the NaN is the extremum and takes the derivative
            assert fwd[0, ..., 0].flat[0] == rev[0, ..., 0].flat[0] == 1.0, \
                f"{name}: {rev[0]} at a NaN"
        elif 0 not in sample.affine:   # the row of a NaN: NaN in its derivative
            assert np.isnan(rev[0]).any(), f"{name}: a NaN input leaves no NaN in the derivative"
        return
    for i in sample.wrt:
        args = _at_specials(sample, i)
        value = sample.fun(*args)
        if sample.ref is not None and sample.special_ref:
            with np.errstate(all="ignore"):
                _assert_values(value, sample.ref(*args), sample.ulp, sample.rtol,
                               f"value at {args[i]} in argument {i}")
        f = partial(sample.fun, args, (i,))
        fwd, rev = _elementwise_derivatives(f, args[i])
        _assert_same_specials(fwd, rev, f"{name}: forward against reverse in argument {i}")
        nan_in = np.isnan(np.tile(args[i], len(fwd) // len(args[i])))
        nan_out = np.isnan(np.tile(np.real(np.asarray(value)), len(fwd) // len(args[i])))
        if sample.select:   # a NaN that is selected takes the derivative
            chosen = nan_in & nan_out
            assert (fwd[chosen] == 1.0).all(), (f"{name}: a selected NaN in argument {i} gets "
                                                f"the derivative {fwd[chosen]}, not 1")
        elif i not in sample.affine:
            missing = nan_in & nan_out & ~np.isnan(fwd)
            assert not missing.any(), (f"{name}: NaN in argument {i} gives {fwd[missing]} as "
                                       "the derivative, not NaN")


# the points where a derivative is a convention (API.md section 8; the op table's relu), as
# name: (function of x, x, the gradient of its sum there)
KINKS = {
    "maximum": (lambda x: P("maximum")(x, np.ones(3)), np.array([1.0, 0.0, 2.0]), [0.5, 0, 1]),
    "minimum": (lambda x: P("minimum")(x, np.ones(3)), np.array([1.0, 0.0, 2.0]), [0.5, 1, 0]),
    "max": (lambda x: dnp.max(x, axis=0), np.array([1.0, 3.0, 3.0]), [0, 0.5, 0.5]),
    "min": (lambda x: dnp.min(x, axis=0), np.array([2.0, 2.0, 5.0]), [0.5, 0.5, 0]),
    "relu_train": (lambda x: P("relu_train")(x), np.array([0.0, -0.0, 1.0]), [0, 0, 1]),
}


@pytest.mark.parametrize("name", sorted(KINKS))
def test_conventions_at_kinks(name):
    """Ties split the derivative evenly; relu's is 0 at 0: in both modes and in the replay."""
    f, x, expected = KINKS[name]

    def loss(v):
        return dnp.sum(f(v))
    np.testing.assert_array_equal(ad.grad(loss)(x), expected)
    np.testing.assert_array_equal(ad.jvp(loss, (x,), (np.ones_like(x),))[1], np.sum(expected))
    np.testing.assert_array_equal(ad.record(loss, x + 0.25).grad(x), expected)


# ------------------------------------------------------------------------------- compiled replay
def _grads(g):
    return _outputs(tuple(g) if isinstance(g, (tuple, list)) else g)


def _skip_unrecordable(sample):
    """``ad.record`` differentiates real float arguments only: a complex one is refused by
    name (checked here), and the sample is skipped."""
    complex_args = [i for i in sample.wrt if np.asarray(sample.args[i]).dtype.kind == "c"]
    if complex_args:
        loss, xs = _loss(sample)
        with pytest.raises(TypeError, match=f"argument {sample.wrt.index(complex_args[0])} is "
                                            "complex"):
            ad.record(loss, *xs, argnums=tuple(range(len(xs))))
        pytest.skip("ad.record differentiates real float arguments only")


def _fused_kernel(sample):
    """A fused kernel bound directly (reverse mode of plain arrays only): ad.record's gradient
    is ad.jit(ad.grad(loss)), which traces the kernel's operands a second time, and the kernel
    refuses by name (the layers bind it only where primitives.fused.fusable says so, and
    compose the layer elsewhere)."""
    return sample.modes == ("rev",) and sample.higher is TypeError


@pytest.mark.parametrize("name", NAMES)
def test_record_replays_the_gradient(name):
    """``ad.record(loss, x0).grad(x1) == ad.grad(loss)(x1)`` at a nearby point (same path)."""
    sample = SAMPLES[name]
    _skip_unrecordable(sample)
    loss, xs = _loss(sample)
    argnums = tuple(range(len(xs)))
    rng = np.random.default_rng(1)
    x1 = [x + 1e-3 * _random_like(x, rng) for x in xs]
    rec = ad.record(loss, *xs, argnums=argnums)
    if _fused_kernel(sample):
        with pytest.raises(TypeError, match="fused kernel"):
            rec.grad(*x1)
    else:
        _assert_values(rec.grad(*x1), ad.grad(loss, argnums)(*x1), rtol=1e-14,
                       what="recorded gradient")
    # the loss sums O(1) terms in another order than eager dnp.sum: 1e-14 absolute
    _assert_values(rec.value(*x1), loss(*x1), rtol=1e-15, atol=1e-14, what="recorded value")


@pytest.mark.parametrize("name", SPECIAL)
def test_record_at_special_values(name):
    """The replay gives eager reverse mode's special values: on arrays (``ArrayTape``) and, for
    elementwise primitives, on float64 scalars (the scalar interpreter)."""
    sample = SAMPLES[name]
    _skip_unrecordable(sample)
    if sample.special == "reduction":
        cases = [(0, [_reduction_specials(sample)])]
    elif sample.special == "rows":
        cases = [(i, _rows_at_specials(sample, i)) for i in sample.wrt]
    else:
        cases = [(i, _at_specials(sample, i)) for i in sample.wrt]
    for i, args in cases:
        loss, _ = _loss(Sample(sample.fun, args, no_ref="-", wrt=(i,)))
        x = np.asarray(args[i])
        valid = np.broadcast_to(np.asarray(sample.args[i]).flat[0], x.shape).copy()
        with np.errstate(all="ignore"):
            rec = ad.record(loss, valid)
            _assert_same_specials(np.asarray(rec.grad(x)).ravel(),
                                  np.asarray(ad.grad(loss)(x)).ravel(),
                                  f"{name}: recorded gradient at {x} in argument {i}")
            if sample.special != "elementwise" or x.dtype.kind == "c":
                continue
            scalar_loss, _ = _loss(Sample(sample.fun, [np.float64(a) for a in args[:i]] +
                                          [valid[0]] + [np.float64(a) for a in args[i + 1:]],
                                          no_ref="-", wrt=(i,)))
            rec = ad.record(scalar_loss, valid[0])
            for s in x:
                _assert_same_specials(np.array([rec.grad(s)], dtype=float),
                                      np.array([ad.grad(scalar_loss)(s)], dtype=float),
                                      f"{name}: recorded scalar gradient at {s} in argument {i}")


# ------------------------------------------------------------------------------- broadcasting
BROADCASTING = [n for n in NAMES if SAMPLES[n].special == "elementwise"
                and len(SAMPLES[n].args) > 1]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(BROADCASTING), hnp.mutually_broadcastable_shapes(
    num_shapes=3, min_dims=0, max_dims=3, max_side=3), st.integers(0, 2 ** 32 - 1))
def test_broadcasting(name, shapes, seed):
    """Drawn broadcast shapes: NumPy's value and shape, and forward and reverse mode agreeing
    (the registry aligns tangents and sums cotangents back to each argument's shape)."""
    sample = SAMPLES[name]
    rng = np.random.default_rng(seed)
    args = []
    for a, shape in zip(sample.args, shapes.input_shapes):
        a = np.asarray(a)
        picked = a.ravel()[rng.integers(0, a.size, size=shape)]   # valid points of the sample
        args.append(picked.astype(a.dtype).reshape(shape))
    drawn = Sample(sample.fun, args, sample.ref, no_ref="-", wrt=sample.wrt, ulp=sample.ulp,
                   rtol=sample.rtol)
    if sample.ref is not None:
        _assert_values(drawn.fun(*args), sample.ref(*args), sample.ulp, sample.rtol)
    ts, g, fwd, rev, scale = _directional(drawn, seed)
    assert abs(fwd - rev) <= 1e-13 * scale, f"<u, J v> = {fwd} forward, {rev} reverse"
    for i, c in zip(drawn.wrt, g):
        assert c.shape == np.shape(args[i]), f"cotangent of argument {i}: shape {c.shape}"


# ------------------------------------------------------------------------------- pure Python
def _results():
    """What the compiled kernels and the NumPy references (``DUALAD_PUREPYTHON=1``) must agree
    on, per sample: the value, one JVP and one VJP in seeded directions, and the gradient that
    ``ad.record`` replays."""
    results = {}
    for name in NAMES:
        sample = SAMPLES[name]
        ts, g, *_ = _directional(sample)
        parts = {"value": _outputs(sample.fun(*sample.args)), "vjp": g}
        if "fwd" in sample.modes:
            parts["jvp"] = ts
        if not (any(np.asarray(sample.args[i]).dtype.kind == "c" for i in sample.wrt)
                or _fused_kernel(sample)):
            loss, xs = _loss(sample)
            argnums = tuple(range(len(xs)))
            parts["record"] = _grads(ad.record(loss, *xs, argnums=argnums).grad(*xs))
        for part, arrays in parts.items():
            for k, a in enumerate(arrays):
                results[f"{name}/{part}/{k}"] = np.asarray(a)
    return results


@pytest.mark.skipif(PURE, reason="this run is the pure-Python one")
def test_pure_python_path_agrees(tmp_path):
    """One subprocess runs the walk on the NumPy references (``DUALAD_PUREPYTHON=1``): its
    values agree with the compiled run's to the samples' tolerances, its derivatives up to
    rounding (normwise 1e-13: the kernels and the references may round differently; 1e-14
    absolute for derivatives that cancel to zero, as batch norm's of a sum)."""
    dump = tmp_path / "pure.npz"
    env = dict(os.environ, DUALAD_PUREPYTHON="1")
    done = subprocess.run([sys.executable, os.path.abspath(__file__), str(dump)], env=env,
                          cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    pure = dict(np.load(dump))
    compiled = _results()
    assert sorted(pure) == sorted(compiled)
    for key, want in compiled.items():
        name, part, _ = key.split("/")
        sample = SAMPLES[name]
        if part == "value":
            _assert_values(pure[key], want, sample.ulp, sample.rtol, f"{key} (pure Python)")
        else:
            _assert_values(pure[key], want, rtol=1e-13, atol=1e-14, what=f"{key} (pure Python)")


if __name__ == "__main__":   # the pure-Python half of test_pure_python_path_agrees
    np.savez(sys.argv[1], **_results())
