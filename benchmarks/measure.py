"""Measurements shared by the asv suite and the peer comparison: median wall time per call,
and the size of the tape dualad records."""
import statistics
import time
import tracemalloc

import dualad as ad


def median_time(run, repeats=5, min_sample=0.05, max_number=100_000):
    """Median seconds per call of ``run()``.

    After one warm-up call, each of ``repeats`` samples calls ``run`` ``number`` times in a row,
    ``number`` doubled until a sample lasts ``min_sample`` seconds, so that microsecond calls
    are not lost in the clock's resolution.
    """
    run()
    number = 1
    while True:
        sample = _sample(run, number)
        if sample >= min_sample or number >= max_number:
            break
        number *= 2
    samples = [sample] + [_sample(run, number) for _ in range(repeats - 1)]
    return statistics.median(samples) / number


def _sample(run, number):
    start = time.perf_counter()
    for _ in range(number):
        run()
    return time.perf_counter() - start


def tape_stats(fun, args):
    """``(entries, bytes)`` of the tape recorded by ``fun(*args)`` with the leaves of
    ``args[0]`` watched (a value or a tuple of values): the length of the Wengert list (watch
    entries included), and the memory it holds once recorded (tracemalloc; NumPy reports its
    buffers to it), outputs included."""
    first = args[0]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with ad.Tape() as tape:
            watched = (tuple(tape.watch(a) for a in first) if isinstance(first, tuple)
                       else tape.watch(first))
            _out = fun(watched, *args[1:])   # held: the outputs count as recorded memory
            held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return len(tape), held


def retained_bytes(forward):
    """Memory still held after ``forward()`` while its result is alive: for the imperative
    face, the graph recorded for ``backward()`` plus the output."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _out = forward()   # held while measuring, as the caller would hold it
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return held
