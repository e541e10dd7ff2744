"""dualad side by side with HIPS autograd, PyTorch (eager) and JAX (eager and jit, warm calls).

    python benchmarks/compare_peers.py [--quick] [--one-thread] [--jit] [--only W1,W3]
                                       [--png ratios.png]

Every workload of BENCHMARKS.md runs on every installed library in this one process, on the
same seeded inputs. Before anything is timed, each library's derivative is compared with
dualad's (the hand-written NumPy derivative stands in where dualad fails); a mismatch is marked
in the table and listed under it. Times are medians of repeated ``time.perf_counter`` samples,
taken in three rounds that visit every library in turn (the lowest round counts: a burst of
load from elsewhere during one library's turn does not decide the row; ``--quick``: one round),
with NumPy's primal and the hand-written derivative as floors. The last column is dualad's time
over the best peer's. Peers missing from the environment are left out (``pip install .[bench]``
installs them all).

Besides W1-W9 of ``workloads.py``, the workloads whose code differs per library are written
here: W10 (a CNN trained on digits) and W11 (an LSTM's gradient) as the same ``nn`` module code
run by dualad and PyTorch (the other peers functionally), and the gradients through ``fft``,
``eigh`` and ``svd``; GP, NORM and ODE (issue 21's ``dualad.scipy`` families) come from
``scipy_workloads.py``, shared with the asv suite. ``--one-thread`` holds every library
(BLAS, dualad's kernels, PyTorch's intra-op pool, XLA) to one thread, and the process to one
core (XLA's CPU client obeys only that); without it each library runs at its defaults.
"""
import argparse
import datetime
import functools
import gc
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

# one thread everywhere: set before NumPy, PyTorch and JAX start their thread pools
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "DUALAD_NUM_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
if __name__ == "__main__" and "--one-thread" in sys.argv:
    os.environ.update(ONE_THREAD)
    # XLA's CPU client sizes its own intra-op pool from the cores this process may run on and
    # ignores the flags above for matrix products (JAX 0.10's took twice their wall time in
    # CPU time); one allowed core holds every library to one thread.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import numpy as np  # noqa: E402

if __package__ in (None, ""):  # run as a script: make the ``benchmarks`` package importable
    # (appended: the installed, built dualad must win over the checkout's unbuilt sources)
    sys.path.append(str(Path(__file__).resolve().parents[1]))

from benchmarks import scipy_workloads, workloads  # noqa: E402
from benchmarks.measure import median_time  # noqa: E402

PEERS = ("autograd", "torch", "jax", "jax.jit")
FLOORS = ("numpy", "hand")
COLUMNS = ("dualad", "ad.jit") + PEERS + FLOORS
HEADINGS = {"numpy": "NumPy primal", "hand": "hand-written"}
FORCED_MODES = ("forward", "reverse")

# workloads whose gradient's peak memory is compared, and the calls measured per library
PEAK_MEMORY = ("W4",)
PEAK_CALLS = 5

# sizes compared (the suite runs more); default: the first size of the workload
COMPARE_SIZES = {"W7": (1000, 100)}
# workloads also shown through ``ad.record`` (recorded once, replayed warm) beside the peers
RECORDED = ("W1", "W2")


# -- the peers ---------------------------------------------------------------------------------
class Autograd:
    """HIPS autograd: ``grad``, ``hessian``, ``jacobian`` (reverse, one pass per output) and
    forward mode column by column through ``make_jvp``."""

    name = "autograd"

    def __init__(self):
        import autograd
        import autograd.numpy as anp
        from autograd.core import make_jvp
        self.ag, self.xp, self.make_jvp = autograd, anp, make_jvp

    def derivative(self, inst, mode):
        fun = inst.function(self.xp)
        kind = inst.workload.kind
        if kind in ("grad", "train"):
            d = self.ag.grad(fun)
        elif kind == "hessian":
            d = self.ag.hessian(fun)
        elif mode == "reverse":
            d = self.ag.jacobian(fun)
        elif mode == "forward":
            d = self._jacfwd(fun)
        else:
            return None
        return functools.partial(d, *inst.args)

    def _jacfwd(self, fun):
        def jac(x, *rest):
            push = self.make_jvp(lambda x: fun(x, *rest), x)
            basis = np.eye(x.size).reshape((x.size,) + x.shape)
            return np.stack([push(e)[1] for e in basis], axis=-1)
        return jac

    def training(self, inst):
        grad = self.ag.grad(inst.function(self.xp))

        def step(params, state, x, labels):
            return workloads.adam_update(np, params, grad(params, x, labels), state)

        params0 = inst.args[0]
        return lambda: workloads.train_functional(step, params0, inst.data.batches,
                                                  workloads.adam_init(params0))


class Torch:
    """PyTorch eager: ``torch.autograd.grad`` for gradients, ``torch.func`` for Jacobians and
    Hessians, ``torch.optim.Adam`` for training; fused ``F.linear`` and ``F.cross_entropy``."""

    name = "torch"

    def __init__(self):
        import torch
        import torch.nn.functional as F
        self.torch = torch

        def as_tensor(a):
            return a if isinstance(a, torch.Tensor) else torch.as_tensor(a)

        self.xp = SimpleNamespace(
            sin=torch.sin, cos=torch.cos, exp=torch.exp, tanh=torch.tanh, log=torch.log,
            sum=lambda x, axis=None: torch.sum(x) if axis is None else torch.sum(x, dim=axis),
            maximum=lambda x, floor: torch.clamp(x, min=floor),
            concatenate=lambda xs: torch.cat([as_tensor(x) for x in xs]),
            linear=F.linear, cross_entropy=F.cross_entropy,
            abs=torch.abs, fft=torch.fft, linalg=torch.linalg,
            dot=torch.dot, diag=torch.diag,
            eye=lambda n: torch.eye(n, dtype=torch.float64),
            scipy_functions=SimpleNamespace(norm_logpdf=self._norm_logpdf, odeint=None))

    def _norm_logpdf(self, x, loc, scale):
        # no argument validation, as none of the other libraries validates either
        return self.torch.distributions.Normal(loc, scale, validate_args=False).log_prob(x)

    def tensors(self, tree):
        """Copies as tensors, dtypes kept (a Python float becomes float64, as in NumPy)."""
        if isinstance(tree, tuple):
            return tuple(self.tensors(t) for t in tree)
        return self.torch.from_numpy(np.array(tree))

    def derivative(self, inst, mode):
        torch = self.torch
        fun = inst.function(self.xp)
        args = self.tensors(inst.args)
        kind = inst.workload.kind
        if kind in ("grad", "train"):
            leaves = args[0] if isinstance(args[0], tuple) else (args[0],)
            for leaf in leaves:
                leaf.requires_grad_(True)
            return lambda: torch.autograd.grad(fun(*args), leaves)
        if kind == "hessian":
            d = torch.func.hessian(fun)
        elif mode in FORCED_MODES:
            d = {"forward": torch.func.jacfwd, "reverse": torch.func.jacrev}[mode](fun)
        else:
            return None
        return functools.partial(d, *args)

    def training(self, inst):
        torch = self.torch
        fun = inst.function(self.xp)
        params0 = inst.args[0]
        batches = [self.tensors(batch) for batch in inst.data.batches]

        def run():
            params = [torch.tensor(p, requires_grad=True) for p in params0]
            opt = torch.optim.Adam(params, lr=workloads.LEARNING_RATE)
            for x, labels in batches:
                loss = fun(params, x, labels)
                opt.zero_grad()
                loss.backward()
                opt.step()
            return tuple(p.detach().numpy() for p in params)

        return run


class Jax:
    """JAX in float64, eager or ``jit``-compiled (the check call compiles, so timed calls are
    warm); every call waits for its result (``block_until_ready``)."""

    def __init__(self, jit):
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        self.jax, self.xp, self.jit = jax, jnp, jit
        self.name = "jax.jit" if jit else "jax"

    def _compile(self, fun):
        return self.jax.jit(fun) if self.jit else fun

    def derivative(self, inst, mode):
        jax = self.jax
        fun = inst.function(self.xp)
        kind = inst.workload.kind
        if kind in ("grad", "train"):
            d = jax.grad(fun)
        elif kind == "hessian":
            d = jax.hessian(fun)
        elif mode in FORCED_MODES:
            d = {"forward": jax.jacfwd, "reverse": jax.jacrev}[mode](fun)
        else:
            return None
        d = self._compile(d)
        args = jax.tree_util.tree_map(self.xp.asarray, inst.args)
        return lambda: jax.block_until_ready(d(*args))

    def training(self, inst):
        jax, jnp = self.jax, self.xp
        grad = jax.grad(inst.function(jnp))

        def step(params, state, x, labels):
            return workloads.adam_update(jnp, params, grad(params, x, labels), state)

        step = self._compile(step)
        params0 = tuple(jnp.asarray(p) for p in inst.args[0])
        batches = [tuple(jnp.asarray(a) for a in batch) for batch in inst.data.batches]
        state0 = workloads.adam_init(params0, jnp)
        # two warm steps: the first sees the step counter as a Python int, later ones as arrays
        workloads.train_functional(step, params0, batches[:2], state0)

        def run():
            params = workloads.train_functional(step, params0, batches, state0)
            return tuple(np.asarray(jax.block_until_ready(p)) for p in params)

        return run


class Dualad:
    name = "dualad"

    def derivative(self, inst, mode):
        return workloads.dualad_derivative(inst, mode)

    def training(self, inst):
        return workloads.dualad_training(inst)


class DualadJit:
    """dualad's derivative (W9: its training step) compiled by ``ad.jit``, warm calls: the
    column ``--jit`` adds, compared with ``jax.jit`` (the W1-W9 of ``workloads.py``)."""

    name = "ad.jit"

    def derivative(self, inst, mode):
        import dualad as ad
        import dualad.numpy as dnp
        if inst.workload.id not in workloads.WORKLOADS:
            return None
        fun, kind = inst.function(dnp), inst.workload.kind
        if kind == "jacobian":
            d = ad.jacobian(fun, mode=mode)
        else:
            d = {"grad": ad.grad, "hessian": ad.hessian, "train": ad.grad}[kind](fun)
        run = functools.partial(ad.jit(d), *inst.args)
        run()   # traces
        return run

    def training(self, inst):
        import dualad as ad
        import dualad.numpy as dnp
        grad = ad.grad(inst.function(dnp))

        @ad.jit
        def step(params, state, x, labels):
            return workloads.adam_update(dnp, params, grad(params, x, labels), state)

        params0, batches = inst.args[0], inst.data.batches
        state0 = workloads.adam_init(params0)
        # two warm steps: the first sees the step counter as a Python int, later ones as arrays
        workloads.train_functional(step, params0, batches[:2], state0)
        return lambda: workloads.train_functional(step, params0, batches, state0)


MAKERS = {"autograd": Autograd, "torch": Torch, "jax": lambda: Jax(jit=False),
          "jax.jit": lambda: Jax(jit=True)}


def installed_peers():
    """The peers that import here, and ``{name: reason}`` for those that do not."""
    found, missing = {}, {}
    for name, make in MAKERS.items():
        try:
            found[name] = make()
        except ImportError as exc:
            missing[name] = str(exc)
    return found, missing


# -- workloads written per library -------------------------------------------------------------
# W10 and W11 are PyTorch programs: dualad runs the very same ``nn`` module code as PyTorch
# (``lib.nn`` being ``torch.nn`` or ``dualad.nn``), starting from the same weights; JAX (and
# autograd, where it has the layer) runs the same mathematics written functionally.


@dataclass(frozen=True)
class PerLibrary(workloads.Workload):
    """A workload some of whose libraries run their own code: ``code[name](contestant, inst)``
    returns that library's derivative ``run()``, or None where the library lacks the layers
    (the reason is in ``lacks``); libraries not in ``code`` differentiate ``math`` as for
    W1-W9. ``training[name](contestant, inst)`` likewise builds a ``"train"`` workload's
    training run, and ``accuracy(params, data)`` scores what it returns. ``canonical`` maps
    every library's derivative to the form in which they are compared, where conventions
    differ; ``rtol`` replaces ``mismatch``'s tolerance where the libraries differ by more than
    rounding (numerical integration)."""

    code: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    accuracy: object = None
    lacks: dict = field(default_factory=dict)
    canonical: object = None
    rtol: float = None


@dataclass(frozen=True)
class ModuleLibrary:
    """What the module code of W10 and W11 needs of a library: its ``nn`` and ``optim``, and
    conversions of NumPy arrays to its tensors (dtypes kept) and back."""

    nn: object
    optim: object
    tensor: object
    numpy: object

    @staticmethod
    def of(name):
        if name == "torch":
            import torch
            return ModuleLibrary(torch.nn, torch.optim, torch.from_numpy,
                                 lambda t: t.detach().numpy())
        import dualad as ad
        from dualad import nn, optim
        return ModuleLibrary(nn, optim, ad.tensor, lambda t: t.detach().numpy())


def module_gradient(make_model, loss, name, inst):
    """The gradient of ``loss(model, *data)`` with respect to the weights of ``make_model(nn)``
    holding ``inst.args[0]`` (in ``state_dict`` order), as ``loss.backward()`` computes it."""
    lib = ModuleLibrary.of(name)
    params, *data = inst.args
    model = make_model(lib.nn)
    model.load_state_dict(dict(zip(model.state_dict(), map(lib.tensor, params))))
    data = [lib.tensor(a) for a in data]
    weights = list(model.parameters())

    def run():
        for p in weights:
            p.grad = None
        loss(lib, model, *data).backward()
        return tuple(lib.numpy(p.grad) for p in weights)

    run()
    return run


def module_training(make_model, loss, name, inst):
    """A training run of ``make_model(nn)`` from ``inst.args[0]`` over ``inst.data.batches``
    with ``optim.Adam``; ``run()`` returns the trained weights."""
    lib = ModuleLibrary.of(name)
    params0 = inst.args[0]
    batches = [tuple(map(lib.tensor, batch)) for batch in inst.data.batches]

    def run():
        model = make_model(lib.nn)
        model.load_state_dict(dict(zip(model.state_dict(), map(lib.tensor, params0))))
        opt = lib.optim.Adam(model.parameters(), lr=workloads.LEARNING_RATE)
        for x, labels in batches:
            value = loss(lib, model, x, labels)
            opt.zero_grad()
            value.backward()
            opt.step()
        return tuple(lib.numpy(p) for p in model.parameters())

    return run


def _modules(make_model, loss):
    """``code`` / ``training`` entries for dualad and PyTorch, both running ``make_model``."""
    def entry(build):
        return {name: (lambda c, inst, name=name: build(make_model, loss, name, inst))
                for name in ("dualad", "torch")}
    return entry(module_gradient), entry(module_training)


# W10: two 3x3 convolutions (8 and 16 channels, padding 1), max-pooling, a linear layer, on
# scikit-learn's 8x8 digits; Adam, batch 64, 10 epochs (float32)
def cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 4 * 4, 10))


def cnn_loss(lib, model, x, labels):
    return lib.nn.functional.cross_entropy(model(x), labels)


def cnn_init(rng):
    """PyTorch's default initialisation, drawn by NumPy: uniform in +-1/sqrt(fan_in)."""
    shapes = [((8, 1, 3, 3), 9), ((8,), 9), ((16, 8, 3, 3), 72), ((16,), 72),
              ((10, 256), 256), ((10,), 256)]
    return tuple((rng.uniform(-1, 1, shape) / np.sqrt(fan_in)).astype(np.float32)
                 for shape, fan_in in shapes)


def cnn_logits_numpy(params, x):
    """W10's forward pass in NumPy (the primal floor, and the test accuracy)."""
    c1w, c1b, c2w, c2b, fw, fb = params

    def conv_relu(x, w, b):
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
        return np.maximum(np.einsum("bchwij,ocij->bohw", windows, w, optimize=True)
                          + b[:, None, None], 0)

    h = conv_relu(conv_relu(x, c1w, c1b), c2w, c2b)
    b, c, height, width = h.shape
    h = h.reshape(b, c, height // 2, 2, width // 2, 2).max(axis=(3, 5))
    return h.reshape(b, -1) @ fw.T + fb


def cnn_cross_entropy(xp, params, x, labels):
    if xp is not np:
        raise NotImplementedError("W10's functional form is written for NumPy only")
    return workloads.cross_entropy(np, cnn_logits_numpy(params, x), labels)


def cnn_accuracy(params, data):
    logits = cnn_logits_numpy(params, data.x_test)
    return float(np.mean(np.argmax(logits, axis=1) == data.y_test))


def jax_cnn_cross_entropy(jax, params, x, labels):
    lax, jnp = jax.lax, jax.numpy
    c1w, c1b, c2w, c2b, fw, fb = params

    def conv_relu(x, w, b):
        y = lax.conv_general_dilated(x, w, (1, 1), ((1, 1), (1, 1)),
                                     dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return jax.nn.relu(y + b[None, :, None, None])

    h = conv_relu(conv_relu(x, c1w, c1b), c2w, c2b)
    h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    logits = h.reshape(h.shape[0], -1) @ fw.T + fb
    return workloads.cross_entropy(jnp, logits, labels)


def jax_cnn_gradient(c, inst):
    jax = c.jax
    grad = c._compile(jax.grad(functools.partial(jax_cnn_cross_entropy, jax)))
    args = jax.tree_util.tree_map(c.xp.asarray, inst.args)
    run = lambda: jax.block_until_ready(grad(*args))  # noqa: E731
    run()
    return run


def jax_cnn_training(c, inst):
    jax, jnp = c.jax, c.xp
    grad = jax.grad(functools.partial(jax_cnn_cross_entropy, jax))

    def step(params, state, x, labels):
        return workloads.adam_update(jnp, params, grad(params, x, labels), state)

    step = c._compile(step)
    params0 = tuple(jnp.asarray(p) for p in inst.args[0])
    batches = [tuple(jnp.asarray(a) for a in batch) for batch in inst.data.batches]
    state0 = workloads.adam_init(params0, jnp)
    workloads.train_functional(step, params0, batches[:2], state0)   # compiles (jit)

    def run():
        params = workloads.train_functional(step, params0, batches, state0)
        return tuple(np.asarray(jax.block_until_ready(p)) for p in params)

    return run


def _make_w10(epochs, seed):
    digits = workloads.load_digits_batches(epochs, seed)

    def images(x):
        return x.reshape(-1, 1, 8, 8).astype(np.float32)

    data = workloads.Digits(images(digits.x_test), digits.y_test,
                            tuple((images(x), y.astype(np.int64)) for x, y in digits.batches))
    x0, y0 = data.batches[0]
    return dict(args=(cnn_init(np.random.default_rng(seed)), x0, y0), math=cnn_cross_entropy,
                data=data)


_W10_GRADIENT, _W10_TRAINING = _modules(cnn, cnn_loss)
W10 = PerLibrary("W10", "digits CNN training, 10 epochs (float32)", "train", _make_w10, (10,),
                 code={**_W10_GRADIENT, "jax": jax_cnn_gradient, "jax.jit": jax_cnn_gradient,
                       "autograd": lambda c, inst: None},
                 training={**_W10_TRAINING, "jax": jax_cnn_training,
                           "jax.jit": jax_cnn_training},
                 accuracy=cnn_accuracy,
                 lacks={"autograd": "no convolution or pooling primitive"})


# W11: the gradient of a loss of an LSTM's last output (hidden 64, sequence 50, batch 32,
# 8 features) with respect to every weight (float32)
def lstm_regressor(nn):
    class LSTMRegressor(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 64, batch_first=True)
            self.head = nn.Linear(64, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    return LSTMRegressor()


def lstm_loss(lib, model, x, target):
    return ((model(x) - target) ** 2).mean()


def lstm_functional(xp, params, x, target):
    """W11 written out (gates in PyTorch's order i, f, g, o; both biases), for the libraries
    without an LSTM layer and for the NumPy primal floor."""
    w_ih, w_hh, b_ih, b_hh, w_out, b_out = params
    hidden = w_hh.shape[1]

    def sigmoid(z):
        return 0.5 * (xp.tanh(0.5 * z) + 1.0)

    inputs = x @ w_ih.T + (b_ih + b_hh)
    h = c = xp.zeros((x.shape[0], hidden), dtype=x.dtype)
    for t in range(x.shape[1]):
        gates = inputs[:, t] + h @ w_hh.T
        i, f = sigmoid(gates[:, :hidden]), sigmoid(gates[:, hidden:2 * hidden])
        g, o = xp.tanh(gates[:, 2 * hidden:3 * hidden]), sigmoid(gates[:, 3 * hidden:])
        c = f * c + i * g
        h = o * xp.tanh(c)
    return xp.mean((h @ w_out.T + b_out - target) ** 2)


def _make_w11(hidden, seed):
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden)
    shapes = [(4 * hidden, 8), (4 * hidden, hidden), (4 * hidden,), (4 * hidden,), (1, hidden),
              (1,)]
    params = tuple(rng.uniform(-bound, bound, s).astype(np.float32) for s in shapes)
    x = rng.standard_normal((32, 50, 8)).astype(np.float32)
    target = rng.standard_normal((32, 1)).astype(np.float32)
    return dict(args=(params, x, target), math=lstm_functional)


W11 = PerLibrary("W11", "LSTM gradient (float32)", "grad", _make_w11, (64,),
                 code=_modules(lstm_regressor, lstm_loss)[0])


# gradients through the FFT (n = 2^20) and the decompositions (256 x 256), float64 (issue 16)
def _make_fft(kind):
    def make(n, seed):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal(n)
        if kind == "complex":
            return dict(args=(x,), math=lambda xp, x: xp.sum(xp.abs(xp.fft.fft(x)) ** 2))
        mask = np.exp(-np.arange(n // 2 + 1) / n)

        def math(xp, x, mask):
            return xp.sum(xp.fft.irfft(xp.fft.rfft(x) * mask, n=n) ** 2)
        return dict(args=(x, mask), math=math)
    return make


def eigh_loss(xp, a, w):
    """A loss of the values and the vectors that the vectors' signs leave alone."""
    values, vectors = xp.linalg.eigh(a)
    return xp.sum(values ** 2) + xp.sum(vectors ** 2 * w)


def svd_loss(xp, a, w):
    u, s, vt = xp.linalg.svd(a, full_matrices=False)
    return xp.sum(s) + xp.sum(u ** 2 * w) + xp.sum(vt ** 2 * w)


def _make_decomposition(math, symmetric):
    def make(n, seed):
        rng = np.random.default_rng(seed)
        a, w = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        return dict(args=(a + a.T if symmetric else a, w), math=math)
    return make


FFT = workloads.Workload("FFT", "rfft/irfft gradient n=2^20", "grad", _make_fft("real"),
                         (1 << 20,))
FFTC = workloads.Workload("FFTC", "complex fft gradient n=2^20", "grad", _make_fft("complex"),
                          (1 << 20,))
def symmetric_part(g):
    """eigh's gradient compared by its symmetric part: JAX and PyTorch return the gradient
    symmetrised, dualad and autograd do not; all agree on every symmetric direction."""
    return (g + g.T) / 2


EIGH = PerLibrary("EIGH", "eigh gradient 256x256", "grad", _make_decomposition(eigh_loss, True),
                  (256,), canonical=lambda result: [symmetric_part(g) for g in
                                                    flat_arrays(result)])
SVD = workloads.Workload("SVD", "svd gradient 256x256", "grad",
                         _make_decomposition(svd_loss, False), (256,))


# the dualad.scipy families of issue 21 (mathematics in ``scipy_workloads.py``, shared with the
# asv suite ``bench_scipy.py``): a GP marginal likelihood, norm.logpdf, odeint
def _make_gp(n, seed):
    return dict(args=(scipy_workloads.GP_LOG_PARAMS,) + scipy_workloads.gp_data(n, seed),
                math=scipy_workloads.gp_nll)


def _make_norm(n, seed):
    return dict(args=(scipy_workloads.norm_data(n, seed),), math=scipy_workloads.norm_logpdf_sum)


def _make_ode(n, seed):
    return dict(args=scipy_workloads.ode_data(n, seed), math=scipy_workloads.ode_loss)


# The integrators differ (SciPy's LSODA for dualad and autograd, Dormand-Prince in JAX), each
# solving to a relative and absolute tolerance of about 1.5e-8 per step: their gradients agree
# to about 1e-7 relative, not to rounding.
ODE_RTOL = 1e-5

GP = workloads.Workload("GP", "Gaussian process likelihood gradient n=500", "grad", _make_gp,
                        (500,))
NORM = workloads.Workload("NORM", "norm.logpdf sum gradient n=10^6", "grad", _make_norm,
                          (10 ** 6,))
ODE = PerLibrary("ODE", "odeint gradient, 10 states", "grad", _make_ode, (10,),
                 code={"torch": lambda c, inst: None},
                 lacks={"torch": "no odeint in PyTorch itself (torchdiffeq is a separate "
                                 "package)"},
                 rtol=ODE_RTOL)

ALL_WORKLOADS = {**workloads.WORKLOADS, **{w.id: w for w in (W10, W11, FFT, FFTC, EIGH, SVD,
                                                             GP, NORM, ODE)}}


# -- measuring ---------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table: seconds (or another figure) per column, ``None`` for n/a."""

    label: str
    unit: str
    scale: float
    values: dict = field(default_factory=dict)
    failed: set = field(default_factory=set)      # columns whose derivative did not match

    def ratio(self, among=PEERS):
        """``(dualad / best of the peers ``among``, that peer's name)``, or None."""
        peers = {k: v for k, v in self.values.items() if k in among and v is not None}
        if self.values.get("dualad") is None or not peers:
            return None
        best = min(peers, key=peers.get)
        return self.values["dualad"] / peers[best], best


def flat_arrays(result):
    """A derivative (array, scalar, tensor or tuple of them) as a list of NumPy arrays."""
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in flat_arrays(r)]
    if hasattr(result, "detach"):
        result = result.detach()
    return [np.asarray(result)]


def mismatch(result, reference, rtol=None):
    """None when ``result`` matches ``reference`` (to rounding, or to ``rtol``), otherwise what
    differs."""
    got, want = flat_arrays(result), flat_arrays(reference)
    if len(got) != len(want):
        return f"{len(got)} arrays instead of {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape:
            return f"array {i} has shape {g.shape} instead of {w.shape}"
        single = g.dtype == np.float32 or w.dtype == np.float32
        tol = rtol if rtol is not None else 2e-3 if single else 1e-6
        scale = float(np.max(np.abs(w))) if w.size else 0.0
        if not np.allclose(g, w, rtol=tol, atol=tol * 1e-2 * max(scale, 1e-300)):
            return f"array {i}: max abs difference {float(np.max(np.abs(g - w))):.3g}"
    return None


class Comparison:
    """Builds, checks and times every contestant on every workload, collecting rows."""

    def __init__(self, peers, quick, jit=False):
        self.contestants = {"dualad": Dualad(), **({"ad.jit": DualadJit()} if jit else {}),
                            **peers}
        self.repeats, self.min_sample, self.rounds = (3, 0.02, 1) if quick else (5, 0.1, 3)
        self.rows, self.notes = [], []

    def time(self, run, training=False):
        if training:
            return median_time(run, repeats=max(1, self.repeats // 3), min_sample=0.0)
        return median_time(run, repeats=self.repeats, min_sample=self.min_sample)

    def attempt(self, label, column, build):
        """``build()`` and the run it returns, or None after noting why not."""
        try:
            run = build()
            return run, (None if run is None else run())
        except Exception as exc:  # a peer's or dualad's failure is a finding, not a crash
            self.notes.append(f"{label} / {column}: {type(exc).__name__}: {exc}")
            return None, None

    def measure(self, inst, mode, label):
        """Times per column for the derivative of ``inst`` in ``mode``, each derivative checked
        first: dualad's against the hand-written one, the peers' against dualad's (or against
        the hand-written one where dualad failed)."""
        runs = {name: self.attempt(label, name, derivative_builder(name, c, inst, mode))
                for name, c in self.contestants.items()}
        runs["hand"] = self.attempt(label, "hand", lambda: workloads.hand_derivative(inst))
        canonical = getattr(inst.workload, "canonical", None) or (lambda result: result)
        hand = ("hand-written", runs["hand"][1]) if runs["hand"][0] else None
        dualad = ("dualad", runs["dualad"][1]) if runs["dualad"][0] else hand
        failed = set()
        for name, (run, result) in runs.items():
            if run is None:
                continue
            reference = {"hand": None, "dualad": hand}.get(name, dualad)
            why = reference and mismatch(canonical(result), canonical(reference[1]),
                                         getattr(inst.workload, "rtol", None))
            if why:
                failed.add(name)
                self.notes.append(f"{label} / {name}: derivative differs from {reference[0]}: "
                                  f"{why}")
        timed = {name: run for name, (run, _) in runs.items() if run is not None}
        timed["numpy"] = workloads.numpy_primal(inst)
        return self.interleaved(timed), failed

    def interleaved(self, runs):
        """Each run's median time, taken in ``rounds`` rounds that visit every contestant in
        turn; the lowest of its rounds counts, so that a burst of load from elsewhere on the
        machine during one contestant's turn does not decide the comparison."""
        times = {}
        for _ in range(self.rounds):
            for name, run in runs.items():
                t = self.time(run)
                times[name] = min(times.get(name, t), t)
        return times

    def workload(self, w, size):
        inst = w.instance(size)
        scale, unit = _units(inst)
        tag = f"{w.id} {w.title}" + (f" n={size}" if w.id in COMPARE_SIZES else "")
        if w.kind == "jacobian":
            self._jacobian_rows(inst, tag, scale, unit)
            return
        times, failed = self.measure(inst, None, tag)
        if w.kind == "train":
            self._training_row(inst, tag, times, failed)
            return
        self.rows.append(Row(tag, unit, scale, times, failed))
        if w.id in RECORDED:
            self._recording_row(inst, tag, scale, unit, times)
        if w.id in ("W3", "W4"):
            primal = times.get("numpy")
            self.rows.append(Row(f"{w.id} ω = grad / NumPy primal", "ratio", 1.0,
                                 {k: v / primal for k, v in times.items() if k != "numpy"},
                                 failed))
        if w.id in PEAK_MEMORY:
            self._peak_memory_row(w.id, [k for k in times if k != "numpy"])

    def _jacobian_rows(self, inst, tag, scale, unit):
        """One row per forced mode, then dualad's ``auto`` against each peer's best mode."""
        per_mode = {}
        for mode in FORCED_MODES + ("auto",):
            per_mode[mode] = self.measure(inst, mode, f"{tag} ({mode})")
        best = Row(f"{tag}, dualad auto vs best mode", unit, scale,
                   failed=set().union(*(f for _, f in per_mode.values())))
        for name in COLUMNS:
            candidates = [per_mode[m][0].get(name) for m in FORCED_MODES]
            candidates = [c for c in candidates if c is not None]
            best.values[name] = min(candidates) if candidates else None
        best.values["dualad"] = per_mode["auto"][0].get("dualad")
        for mode in FORCED_MODES:
            times, failed = per_mode[mode]
            self.rows.append(Row(f"{tag} ({mode})", unit, scale, times, failed))
        self.rows.append(best)

    def _recording_row(self, inst, tag, scale, unit, peer_times):
        """dualad's gradient through a Recording, checked against the hand-written one, beside
        the peers' times of the eager row."""
        label = f"{tag} through a Recording"
        run, result = self.attempt(label, "dualad", lambda: recorded_grad(inst))
        if run is None:
            return
        times = {k: v for k, v in peer_times.items() if k != "dualad"}
        failed = set()
        why = inst.hand is not None and mismatch(result, workloads.hand_derivative(inst)())
        if why:
            failed.add("dualad")
            self.notes.append(f"{label} / dualad: derivative differs from hand-written: {why}")
        times["dualad"] = self.interleaved({"dualad": run})["dualad"]
        self.rows.append(Row(label, unit, scale, times, failed))

    def _peak_memory_row(self, wid, names):
        """Peak resident-memory growth of each contestant's derivative, each measured in a
        fresh process (``peak_growth``)."""
        if not os.path.exists("/proc/self/clear_refs"):
            self.notes.append(f"{wid} peak memory: n/a (needs Linux's /proc/self/clear_refs)")
            return
        label = f"{wid} peak memory growth of the gradient"
        values = {}
        for name in names:
            child = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--peak-memory", wid, name],
                capture_output=True, text=True)
            if child.returncode:
                self.notes.append(f"{label} / {name}: {child.stderr.strip().splitlines()[-1]}")
                continue
            values[name] = float(child.stdout.split()[-1])
        self.rows.append(Row(label, "MB", 1e-6, values))
        self.notes.append(f"{label}: each library in a fresh process; the highest resident set "
                          f"(VmHWM) over {PEAK_CALLS} calls minus the resident set after one "
                          "warm-up call and malloc_trim (live data only)")

    def _training_row(self, inst, tag, grad_times, failed):
        """The gradients were checked on the first batch; now time whole training runs."""
        times = {}
        w = inst.workload
        own = getattr(w, "training", None)
        if own is None:
            builders = {name: c.training for name, c in self.contestants.items()}
            builders["hand"] = workloads.hand_training
            accuracy = workloads.test_accuracy
        else:
            builders = {name: functools.partial(own[name], c)
                        for name, c in self.contestants.items() if name in own}
            accuracy = w.accuracy
        for name, build in builders.items():
            if name not in grad_times and name != "hand":
                continue
            run, params = self.attempt(tag, name, functools.partial(build, inst))
            if run is None:
                continue
            times[name] = self.time(run, training=True)
            self.notes.append(f"{tag} / {name}: test accuracy "
                              f"{accuracy(params, inst.data):.3f}")
        self.rows.append(Row(tag, "s", 1.0, times, failed))


def derivative_builder(name, contestant, inst, mode):
    """What builds ``name``'s derivative ``run()`` of ``inst``: the workload's own code for
    that library where it has some (see ``PerLibrary``), else the contestant's generic one."""
    own = getattr(inst.workload, "code", {})
    if name in own:
        return functools.partial(own[name], contestant, inst)
    return functools.partial(contestant.derivative, inst, mode)


def recorded_grad(inst):
    """The gradient of ``inst`` through ``ad.record`` as a warm ``run()`` closure."""
    import dualad as ad
    import dualad.numpy as dnp
    rec = ad.record(inst.function(dnp), *inst.args)
    run = functools.partial(rec.grad, *inst.args)
    run()
    return run


def _units(inst):
    """``(scale, unit)`` in which ``inst``'s times are shown."""
    if inst.ops:
        return 1e6 / inst.ops, "µs per op"
    kind = inst.workload.kind
    if kind == "train":
        return 1.0, "s"
    if inst.workload.id == "W2":
        return 1e6, "µs"
    return 1e3, "ms"


def _status_kb(field):
    """A ``kB`` figure of this process from ``/proc/self/status`` (VmRSS, VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _release_free_memory():
    """Hand memory that is allocated nowhere back to the system (glibc's heap, dualad's
    buffer cache), so that the resident set counts live data only."""
    import ctypes
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: the figures include the heap's slack
        pass
    if "dualad" in sys.modules:
        from dualad._kernels import trim_cache
        trim_cache()


def peak_growth(wid, name):
    """Bytes by which ``PEAK_CALLS`` derivative calls of ``wid`` by ``name`` (a contestant or
    ``hand``) raise this process's peak resident set over its live data after one warm-up
    call; run in a fresh process (``--peak-memory``), as the peak can only be reset, not
    scoped."""
    w = workloads.WORKLOADS[wid]
    inst = w.instance(w.sizes[0])
    if name == "hand":
        run = workloads.hand_derivative(inst)
    else:
        contestant = {"dualad": Dualad, "ad.jit": DualadJit}.get(name) or MAKERS[name]
        run = contestant().derivative(inst, None)
    run()
    gc.collect()
    _release_free_memory()
    base = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")   # resets VmHWM to the current resident set
    for _ in range(PEAK_CALLS):
        run()
    return (_status_kb("VmHWM") - base) * 1024


# -- reporting ---------------------------------------------------------------------------------
def _cell(row, name):
    value = row.values.get(name)
    if value is None:
        return "n/a"
    text = f"{value * row.scale:.3g}"
    return text + " ✗" if name in row.failed else text


def markdown_table(rows, columns):
    jit = "ad.jit" in columns
    heads = ["workload", "unit"] + [HEADINGS.get(c, c) for c in columns] + [
        "dualad / best peer", "dualad / torch"] + (["ad.jit / jax.jit"] if jit else [])
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for row in rows:
        best, torch = row.ratio(), row.ratio(among=("torch",))
        ratios = ["n/a" if best is None else f"{best[0]:.3g} ({best[1]})",
                  "n/a" if torch is None else f"{torch[0]:.3g}"]
        if jit:
            a, b = row.values.get("ad.jit"), row.values.get("jax.jit")
            ratios.append("n/a" if a is None or b is None else f"{a / b:.3g}")
        lines.append("| " + " | ".join([row.label, row.unit] + [_cell(row, c) for c in columns]
                                       + ratios) + " |")
    return "\n".join(lines)


def write_png(rows, path):
    """A bar chart of dualad / best peer per row (log scale; below 1 means dualad leads)."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no chart written")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    pairs = [(row.label, row.ratio()[0]) for row in rows if row.ratio() is not None]
    if not pairs:
        return
    labels, ratios = zip(*pairs)
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(pairs) + 1.5))
    ax.barh(range(len(pairs)), ratios,
            color=["tab:green" if r <= 1.0 else "tab:red" for r in ratios])
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(pairs)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("dualad time / best peer time (below 1: dualad is faster)")
    ax.set_title(f"dualad vs peers, {datetime.date.today()}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"chart written to {path}")


def _versions(peers):
    from importlib.metadata import version
    return ", ".join(f"{name} {version(name)}" for name in ("dualad", "numpy", "autograd",
                                                           "torch", "jax")
                     if name not in PEERS or name in peers)


def _threads(peers):
    """The thread counts the libraries run with."""
    from dualad import _kernels
    kernel_threads = _kernels.set_num_threads(1)     # (there is no getter)
    _kernels.set_num_threads(kernel_threads)
    counts = [f"dualad kernels {kernel_threads}"]
    if "torch" in peers:
        counts.append(f"torch {peers['torch'].torch.get_num_threads()}")
    single = os.environ.get("OPENBLAS_NUM_THREADS") == "1"
    counts.append("BLAS and XLA " + ("1" if single else "default"))
    return "threads: " + ", ".join(counts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter repeats")
    parser.add_argument("--only", help="comma-separated workload ids, e.g. W1,W3")
    parser.add_argument("--png", help="write a bar chart of the ratios to this path")
    parser.add_argument("--peak-memory", nargs=2, metavar=("WORKLOAD", "LIBRARY"),
                        help="print the peak memory growth of one derivative and exit (the "
                             "table runs this in a fresh process per library)")
    parser.add_argument("--jit", action="store_true",
                        help="also time ad.jit (the derivative, W9's training step, compiled) "
                             "beside jax.jit: an 'ad.jit / jax.jit' column")
    parser.add_argument("--one-thread", action="store_true",
                        help="every library on one thread (read before NumPy is imported: "
                             "run as a script)")
    args = parser.parse_args(argv)
    if args.peak_memory:
        print(peak_growth(*args.peak_memory))
        return
    ids = list(ALL_WORKLOADS) if not args.only else [
        s.strip().upper() for s in args.only.split(",")]
    unknown = [i for i in ids if i not in ALL_WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(ALL_WORKLOADS)}")

    peers, missing = installed_peers()
    comparison = Comparison(peers, args.quick, jit=args.jit)
    for wid in ids:
        w = ALL_WORKLOADS[wid]
        if w.uses_nn and not workloads.nn_available():
            comparison.notes.append(f"{wid}: n/a (dualad.nn is not available yet)")
            continue
        for name, why in getattr(w, "lacks", {}).items():
            if name in comparison.contestants:
                comparison.notes.append(f"{wid} / {name}: n/a ({why})")
        if getattr(w, "rtol", None) is not None:
            comparison.notes.append(f"{wid}: derivatives compared to a relative tolerance of "
                                    f"{w.rtol:g}, not to rounding (the integrators differ)")
        for size in COMPARE_SIZES.get(wid, w.sizes[:1]):
            print(f"running {wid} (size {size}) ...", file=sys.stderr, flush=True)
            comparison.workload(w, size)

    columns = [c for c in COLUMNS if c not in missing and (c != "ad.jit" or args.jit)]
    print(f"\n{_versions(peers)}; Python {platform.python_version()}, "
          f"{platform.machine()}, {'quick' if args.quick else 'full'} run, "
          f"{_threads(peers)}\n")
    print(markdown_table(comparison.rows, columns))
    for name, why in missing.items():
        comparison.notes.append(f"{name}: not installed ({why})")
    if comparison.notes:
        print("\n" + "\n".join(f"- {n}" for n in comparison.notes))
    if args.png:
        write_png(comparison.rows, args.png)


if __name__ == "__main__":
    main()
