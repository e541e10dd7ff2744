"""Sums of zero-padded disjoint blocks, written once.

The VJP of a slice pads the cotangent with zeros (``index_add`` of a block: zeros, then the
block written in), and the VJP of a concatenation, or of a function that reads several slices
of one array, adds such pads: W8's Jacobian in reverse mode computes ``index_add(a, [:, 100:])
+ index_add(b, [:, :100])``, two zero-filled 200 x 200 arrays, two writes and a pass over both.

# Design: ``sum_pads`` rewrites ``add(p, q)`` where ``p`` and ``q`` are such pads (or sums of
# pads it already rewrote), of basic indices (slices and integers) into one shape and dtype,
# read by nothing else, whose blocks do not overlap: one ``AddPads`` step fills zeros once and
# adds each block into its place. Every element is ``0 + a`` (or ``0 + 0``) in both versions
# (IEEE addition commutes, so ``a + 0`` and ``0 + a`` have the same bits, ``-0.0`` becoming
# ``+0.0`` either way): the results are eager's bit for bit. The pads' steps lose their reader
# and are dropped by dead-code elimination.
"""
import numpy as np

from .program import NP, OP, Slot, Step

__all__ = ["sum_pads"]


class AddPads:
    """The value function of a sum of zero-padded disjoint blocks: ``AddPads(shape, dtype,
    indices)(*blocks)`` is zeros of ``shape`` with each block added into its index."""

    def __init__(self, shape, dtype, indices, complete):
        self.shape, self.dtype, self.indices = tuple(shape), np.dtype(dtype), list(indices)
        self.complete = complete   # the blocks cover every element: no zeros to fill
        self.__name__ = "add_pads"

    def __call__(self, *blocks):
        if self.complete:
            out = np.empty(self.shape, dtype=self.dtype)
            for index, block in zip(self.indices, blocks):
                np.add(block, 0.0, out=out[index])   # 0 + a: -0.0 becomes +0.0, as padded
            return out
        out = np.zeros(self.shape, dtype=self.dtype)
        for index, block in zip(self.indices, blocks):
            out[index] += block
        return out

    def __repr__(self):
        return "add_pads"


def _basic(index):
    return type(index) is tuple and all(type(i) in (slice, int) for i in index)


def sum_pads(program):
    """Rewrite sums of zero-padded disjoint blocks as ``AddPads`` steps (see the module
    docstring); returns ``program``."""
    readers = {}
    for step in program.steps:
        for s in step.reads():
            readers[s] = readers.get(s, 0) + 1
    for s in program.outs:
        readers[s] = readers.get(s, 0) + 2
    values = program.values
    pads = {}   # slot -> [(block slot, index)] of a pad or of a rewritten sum of pads
    steps = []
    for step in program.steps:
        if step.kind == OP and not step.dynamic and step.fn.name == "index_add":
            params = step.params or {}
            if (not params.get("trailing") and _basic(params.get("index"))
                    and tuple(params.get("shape", ())) == np.shape(values[step.out])):
                pads[step.out] = [(step.ins[0], params["index"])]
        merged = _merged(step, pads, readers, values)
        if merged is None:
            steps.append(step)
            continue
        out = values[step.out]
        merged, complete = merged
        fn = AddPads(out.shape, out.dtype, [index for _, index in merged], complete)
        blocks = [s for s, _ in merged]
        steps.append(Step(NP, fn, blocks, (tuple(Slot(s) for s in blocks), {}), step.out,
                          False))
        pads[step.out] = merged
    program.steps = steps
    return program


def _merged(step, pads, readers, values):
    """The blocks of ``step`` when it is the sum of two pads (or sums of pads) that only it
    reads, of its shape and dtype, with disjoint blocks; else None."""
    if not (step.kind == OP and not step.dynamic and not step.params
            and step.fn.name == "add" and len(step.ins) == 2):
        return None
    p, q = step.ins
    out = values[step.out]
    if (p == q or p not in pads or q not in pads or readers.get(p) != 1
            or readers.get(q) != 1 or type(out) is not np.ndarray):
        return None
    for s in (p, q):
        v = values[s]
        if type(v) is not np.ndarray or v.shape != out.shape or v.dtype != out.dtype:
            return None
    merged = pads[p] + pads[q]
    for block, _ in merged:
        if getattr(values[block], "dtype", None) != out.dtype:
            return None
    covered = np.zeros(out.shape, dtype=np.int8)
    for _, index in merged:
        covered[index] += 1
    if covered.max(initial=0) > 1:   # overlapping blocks: the sums' order would differ
        return None
    return merged, bool(covered.min(initial=0) == 1)
