"""Reverse-mode memory: a time-stepping loop on the plain tape against ``ad.checkpoint_loop``,
the cost of a deep tape of scalar operations, and the buffer cache of big-array gradients.

Target (issue 6): the 1,000-step loop with checkpointing uses at most 1/10 of the plain tape's
peak memory at no more than 3x its time, with the identical gradient. ``peakmem_*`` is asv's
process peak (RSS); the ``track_*`` figures use tracemalloc, which sees only what the gradient
itself allocates, so the ratios are not blurred by the interpreter's baseline.
"""
import time
import tracemalloc

import numpy as np

import dualad as ad
import dualad.numpy as dnp
from dualad._kernels import cache_stats, set_cache_limit, trim_cache

from .common import heavy
from .workloads import W3, dualad_derivative

STATE_SIZE = 1000


def damped_step(s):
    """One explicit step of a nonlinear relaxation, ~6 primitives on the whole state."""
    return s + 0.01 * dnp.sin(s) * dnp.exp(-s * s)


def _plain_loss(n_steps):
    def loss(s):
        for _ in range(n_steps):
            s = damped_step(s)
        return dnp.sum(s * s)
    return loss


def _checkpointed_loss(n_steps):
    def loss(s):
        out = ad.checkpoint_loop(damped_step, s, n_steps)
        return dnp.sum(out * out)
    return loss


def _peak_bytes(fun, *args):
    tracemalloc.start()
    try:
        fun(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _best_time(fun, *args, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fun(*args)
        best = min(best, time.perf_counter() - start)
    return best


@heavy
class CheckpointLoop:
    """Gradient of the final state's squared norm after ``n_steps`` steps."""

    params = [[100, 1000]]
    param_names = ["n_steps"]
    timeout = 300

    def setup(self, n_steps):
        self.s0 = np.random.default_rng(0).standard_normal(STATE_SIZE)
        self.plain = ad.grad(_plain_loss(n_steps))
        self.checkpointed = ad.grad(_checkpointed_loss(n_steps))

    def time_plain(self, n_steps):
        self.plain(self.s0)

    def time_checkpointed(self, n_steps):
        self.checkpointed(self.s0)

    def peakmem_plain(self, n_steps):
        self.plain(self.s0)

    def peakmem_checkpointed(self, n_steps):
        self.checkpointed(self.s0)

    def track_peak_ratio(self, n_steps):
        return (_peak_bytes(self.checkpointed, self.s0) / _peak_bytes(self.plain, self.s0))

    track_peak_ratio.unit = "checkpointed / plain peak bytes (tracemalloc); target <= 0.1"

    def track_time_ratio(self, n_steps):
        return _best_time(self.checkpointed, self.s0) / _best_time(self.plain, self.s0)

    track_time_ratio.unit = "checkpointed / plain time; target <= 3"

    def track_gradient_difference(self, n_steps):
        return float(np.max(np.abs(self.checkpointed(self.s0) - self.plain(self.s0))))

    track_gradient_difference.unit = "max abs difference of the gradients; target 0"


@heavy
class DeepScalarTape:
    """A tape of ``n`` scalar primitives recorded and swept (no recursion anywhere)."""

    params = [[10_000, 100_000]]
    param_names = ["n_ops"]
    timeout = 300

    def setup(self, n_ops):
        def chain(x):
            for _ in range(n_ops // 2):
                x = dnp.sin(x) * 1.0001
            return x
        self.grad = ad.grad(chain)

    def time_grad(self, n_ops):
        self.grad(0.3)

    def peakmem_grad(self, n_ops):
        self.grad(0.3)

    def track_bytes_per_entry(self, n_ops):
        return _peak_bytes(self.grad, 0.3) / n_ops

    track_bytes_per_entry.unit = "peak bytes per tape entry (tracemalloc)"


@heavy
class BufferCache:
    """W3's gradient with dualad's cache of freed big buffers (``dualad._kernels._alloc``) on,
    and off (a limit of 0): the time the cache saves in page faults, and what it holds."""

    params = [[True, False]]
    param_names = ["cached"]
    timeout = 120

    def setup(self, cached):
        self.previous = set_cache_limit(0)
        set_cache_limit(self.previous if cached else 0)
        self.run = dualad_derivative(W3.instance(W3.sizes[0]))

    def teardown(self, cached):
        set_cache_limit(self.previous)
        trim_cache()

    def time_grad(self, cached):
        self.run()

    def peakmem_grad(self, cached):
        self.run()

    def track_cached_bytes(self, cached):
        self.run()
        return cache_stats().get("cached_bytes", 0)

    track_cached_bytes.unit = "bytes held by the buffer cache after a gradient"
