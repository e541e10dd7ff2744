"""Shared by the SciPy examples: count a function's calls and time a solver run."""
import time


class Counted:
    """``fun`` with a count of its calls (SciPy's ``nfev`` leaves out the calls its finite
    differences make, so the examples count for themselves)."""

    def __init__(self, fun):
        self.fun = fun
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        return self.fun(*args)


def timed(solver, *args, **kwargs):
    """``(result, seconds)`` of one solver call."""
    start = time.perf_counter()
    result = solver(*args, **kwargs)
    return result, time.perf_counter() - start
