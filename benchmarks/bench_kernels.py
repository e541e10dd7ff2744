"""The compiled kernels against their NumPy references, kernel by kernel.

``UnaryKernels``: one fused ``<op>_fwd`` call (value and derivative) per op, dtype and size;
``track_speedup`` is the reference's median time over the compiled kernel's (above 1: the
compiled kernel wins). ``Unbroadcast``: summing a cotangent back to a broadcast argument's
shape, for the patterns the reverse sweep meets. ``AddProduct``: the sweep's ``out += g * d``
in one pass against NumPy's product and sum; ``ProductRule``: forward mode's ``tx * y + ty * x``
likewise; ``Arithmetic``: large-array arithmetic shared among the cores; ``BesideBlas``: a
threaded kernel right after a multi-threaded matmul. All are skipped when the kernels are not
built (or ``DUALAD_PUREPYTHON`` is set), where there is nothing to compare.
"""
import timeit

import numpy as np

from dualad import _kernels
from dualad._kernels import reference

from .common import heavy

POSITIVE = {"log", "log1p", "sqrt"}   # ops timed on |x|: their domain is x >= 0


def _unary_input(op, dtype, n):
    x = np.random.default_rng(0).uniform(-3, 3, n).astype(dtype)
    return np.abs(x) if op in POSITIVE else x


def _speedup(reference_call, compiled_call):
    """Reference time over compiled time, each the best of three autoranged samples."""
    return _seconds(reference_call) / _seconds(compiled_call)


def _seconds(call):
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    return min(timer.repeat(3, number)) / number


def _require_compiled():
    if not _kernels.COMPILED:
        raise NotImplementedError("the compiled kernels are not built")   # asv: skipped


@heavy
class UnaryKernels:
    params = (list(_kernels.UNARY_OPS), ["float64", "float32"], [1_000, 1_000_000])
    param_names = ["op", "dtype", "n"]
    timeout = 120

    def setup(self, op, dtype, n):
        _require_compiled()
        self.x = _unary_input(op, dtype, n)
        self.compiled = _kernels.UNARY_FWD[op]
        self.reference = getattr(reference, op + "_fwd")

    def time_compiled(self, op, dtype, n):
        self.compiled(self.x)

    def time_reference(self, op, dtype, n):
        self.reference(self.x)

    def track_speedup(self, op, dtype, n):
        return _speedup(lambda: self.reference(self.x), lambda: self.compiled(self.x))

    track_speedup.unit = "reference time / compiled time"


# (cotangent shape with its leading batch axis, shape to sum back to)
UNBROADCAST_CASES = {
    "bias_256": ((1, 256, 256), (256,)),          # leading axis summed (a layer's bias)
    "rows_1000": ((1, 1000, 1000), (1000, 1)),    # unit axis: contiguous rows summed
    "middle_3x100": ((3, 100, 100), (1, 100)),    # batch rows kept, middle axis summed
    "scalar_1e6": ((1, 1_000_000), ()),           # everything summed
    "small_8x8": ((1, 8, 8), (8, 1)),             # per-call overhead
}


@heavy
class Unbroadcast:
    params = (list(UNBROADCAST_CASES), ["float64", "float32"])
    param_names = ["case", "dtype"]

    def setup(self, case, dtype):
        _require_compiled()
        shape, self.target = UNBROADCAST_CASES[case]
        self.g = np.random.default_rng(0).standard_normal(shape).astype(dtype)

    def time_compiled(self, case, dtype):
        _kernels.unbroadcast(self.g, self.target, 1)

    def time_reference(self, case, dtype):
        reference.unbroadcast(self.g, self.target, 1)

    def track_speedup(self, case, dtype):
        return _speedup(lambda: reference.unbroadcast(self.g, self.target, 1),
                        lambda: _kernels.unbroadcast(self.g, self.target, 1))

    track_speedup.unit = "reference time / compiled time"


@heavy
class AddProduct:
    params = (["contiguous", "one value"], ["float64", "float32"], [1_000, 1_000_000])
    param_names = ["g", "dtype", "n"]

    def setup(self, g, dtype, n):
        _require_compiled()
        rng = np.random.default_rng(0)
        self.out = rng.standard_normal((1, n)).astype(dtype)
        self.d = rng.standard_normal(n).astype(dtype)
        self.g = (rng.standard_normal((1, n)).astype(dtype) if g == "contiguous"
                  else np.broadcast_to(np.ones((1, 1), dtype=dtype), (1, n)))

    def time_compiled(self, g, dtype, n):
        _kernels.add_product(self.out, self.g, self.d)

    def time_reference(self, g, dtype, n):
        reference.add_product(self.out, self.g, self.d)

    def track_speedup(self, g, dtype, n):
        return _speedup(lambda: reference.add_product(self.out, self.g, self.d),
                        lambda: _kernels.add_product(self.out, self.g, self.d))

    track_speedup.unit = "reference time / compiled time"


@heavy
class ProductRule:
    """Forward mode's ``tx * y + ty * x`` in one pass against NumPy's three."""
    params = (["float64", "float32"], [(1, 1_000_000), (200, 100)])
    param_names = ["dtype", "shape"]

    def setup(self, dtype, shape):
        _require_compiled()
        rng = np.random.default_rng(0)
        self.args = (rng.standard_normal(shape).astype(dtype),
                     rng.standard_normal(shape[1:]).astype(dtype),
                     rng.standard_normal(shape).astype(dtype),
                     rng.standard_normal(shape[1:]).astype(dtype))

    def time_compiled(self, dtype, shape):
        _kernels.product_rule(*self.args)

    def time_reference(self, dtype, shape):
        reference.product_rule(*self.args)

    def track_speedup(self, dtype, shape):
        return _speedup(lambda: reference.product_rule(*self.args),
                        lambda: _kernels.product_rule(*self.args))

    track_speedup.unit = "reference time / compiled time"



@heavy
class Arithmetic:
    """Large-array arithmetic shared among the cores against NumPy's single-threaded ufunc:
    two arrays of one shape, and a row repeated along a batch of tangents."""
    params = (["add", "multiply"], ["one shape", "row repeated"], ["float64", "float32"])
    param_names = ["op", "layout", "dtype"]

    def setup(self, op, layout, dtype):
        _require_compiled()
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((1000, 1000)).astype(dtype)
        self.y = rng.standard_normal((1000, 1000) if layout == "one shape" else 1000)
        self.y = self.y.astype(dtype)

    def time_compiled(self, op, layout, dtype):
        _kernels.arithmetic(op, self.x, self.y)

    def time_reference(self, op, layout, dtype):
        reference.arithmetic(op, self.x, self.y)

    def track_speedup(self, op, layout, dtype):
        return _speedup(lambda: reference.arithmetic(op, self.x, self.y),
                        lambda: _kernels.arithmetic(op, self.x, self.y))

    track_speedup.unit = "reference time / compiled time"


@heavy
class BesideBlas:
    """A (256, 256) matmul on NumPy's multi-threaded OpenBLAS, then tanh's fused kernel on its
    result, with the kernels on one thread and on the default count. OpenBLAS's idle workers
    spin for a while after each call; when the kernels ran on OpenMP threads, a loop started
    beside them waited for its worker to get a core, and on a 2-core machine the pair took
    8.0 ms on two threads against 1.4 ms on one. The kernels' own pool (``_pool.h``) does not
    wait for a worker that has not started."""
    params = (["one", "default"],)
    param_names = ["kernel_threads"]

    def setup(self, kernel_threads):
        _require_compiled()
        rng = np.random.default_rng(0)
        self.a, self.w = rng.standard_normal((256, 256)), rng.standard_normal((256, 256))
        count = 1 if kernel_threads == "one" else _kernels.usable_cores()
        self.previous = _kernels.set_num_threads(count)

    def teardown(self, kernel_threads):
        _kernels.set_num_threads(self.previous)

    def time_matmul_then_tanh(self, kernel_threads):
        _kernels.UNARY_FWD["tanh"](self.a @ self.w)
