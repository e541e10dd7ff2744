"""Running a program of small arrays on the compiled array interpreter.

# Design: a small model's gradient (W2: a 32x16 MLP) or training step (W9: a 64-128-10 MLP,
# cross-entropy with integer labels, Adam) is a program of a few dozen to a few hundred
# operations on arrays of tens to thousands of elements, where a Python call per operation
# costs as much as the arithmetic. Its float64 values of at most ``SMALL_ARRAY`` elements live
# in the arena of ``_interpreters.ArrayTape``, whose C loops run the op table's elementwise
# functions and arithmetic with broadcasting, small matmuls and element moves. Every other step
# is a call of its own Python function (generated as for ``execute.py``), whose values the tape
# holds as objects or, for float64 results, adopts as the slot's elements without a copy: BLAS
# matmuls, reductions (``sum`` keeps NumPy's pairwise summation, as in eager code), the NumPy
# steps of masks and integer labels (``x > 0``, ``isnan``, ``astype``), primitives whose params
# hold traced values (``index_add`` at the labels), integer arithmetic on a step counter. The
# tape runs for values only: the derivatives are already steps of the program. A program runs
# there when at least as many of its steps run as C loops as run as Python calls (otherwise
# the Python version, which compiles to one function, is as fast). Outputs come back as the
# types the traced program returned. The interpreter's buffers serve one call at a time: a call
# that finds it busy runs the Python version.
"""
import numpy as np

from .execute import Names
from .masks import float_masks
from .products import TransposedProduct, read_transposed
from .program import GUARD, NP, OP, Slot, reuse_buffers
from .scalar import CompiledExecutable, _interpreters
from .scatter import row_scatters

__all__ = ["ArrayExecutable"]

SMALL_ARRAY = 1 << 16    # elements of the largest float64 value the arena holds
# multiply-adds of the largest matmul run as C loops (``_matmul.h``), BLAS beyond: up to here
# (W9's 64 x 64 x 128) the C loops' register blocks run as fast as BLAS's, without its packing
# and a Python call
SMALL_MATMUL = 1 << 19
# a gather's opcode: through an index map, a contiguous run, a matrix transposed
GATHER_MAP, GATHER_RUN, GATHER_TRANSPOSE = 0, 1, 2
# linear primitives that only move elements: ``out[i] = x[map[i]]``, the map from ``impl`` itself
_GATHERS = frozenset({"reshape", "broadcast_to", "transpose", "getitem"})
_F64 = np.dtype(np.float64)
VIEW_MIN = 1024   # elements of the smallest move left to NumPy (a view) if no C loop reads it


class ArrayExecutable(CompiledExecutable):
    """A program compiled to ``_interpreters.ArrayTape``; ``build`` returns None for a program
    better run as Python (see the module docstring)."""

    @classmethod
    def build(cls, program, fallback):
        if _interpreters is None:
            return None
        listing = _Listing(program)
        if listing.compiled == 0 or listing.compiled < listing.generic:
            return None
        exe = cls(program, listing.tape(), fallback)
        # the tape returns objects as they are, fresh arrays of their slots' shapes and NumPy
        # scalars for 0-d slots: only Python floats and 0-d arrays need converting
        exe._kinds = [kind if listing.kinds[o] == _interpreters.SLOT_ARENA and (
                          type(program.values[o]) is float
                          or type(program.values[o]) is np.ndarray
                          and program.values[o].ndim == 0) else _same_value
                      for o, kind in zip(program.outs, exe._kinds)]
        if all(kind is _same_value for kind in exe._kinds):
            exe._kinds = None
        return exe

    def _values(self, inputs):
        try:
            return self._tape.value(inputs)   # BUSY while another thread runs it
        except Exception:   # noqa: BLE001  (the eager trace that follows raises it properly)
            return None


def _same_value(v):
    return v


def _in_arena(v):
    """Whether a value is a float64 of at most ``SMALL_ARRAY`` elements (the arena's)."""
    kind = type(v)
    if kind is float or kind is np.float64:
        return True
    return kind is np.ndarray and v.dtype == _F64 and v.size <= SMALL_ARRAY


def _exact_integer(v):
    """Whether a constant is an integer number that a double holds exactly (an exponent, a
    count: C loops read it as a double, Python steps as the integer it is)."""
    return (isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            and abs(int(v)) < 2 ** 53)


class _Listing:
    """The ``ArrayTape`` instructions of a program: ``compiled`` of them C loops, ``generic``
    Python calls."""

    def __init__(self, program):
        self.program = program
        float_masks(program, _in_arena, _exact_integer)
        read_transposed(program, _in_arena)
        row_scatters(program)
        values, consts = program.values, program.consts
        arena, obj = _interpreters.SLOT_ARENA, _interpreters.SLOT_OBJECT
        self.kinds = [arena if _in_arena(v) else obj for v in values]
        # what C loops may read: arena slots, and integer constants (held as doubles too)
        self.readable = [k == arena or (s in consts and _exact_integer(values[s]))
                         for s, k in enumerate(self.kinds)]
        self.shapes = [np.shape(v) if k == arena else () for v, k in zip(values, self.kinds)]
        self.maps, self.calls, self.checks, self.code = [], [], [], []
        self.compiled = self.generic = 0
        self._names = Names(program)
        self._sources = []
        planned = [self._plan(step) for step in program.steps]
        # a move whose result no C loop reads (a transpose feeding a BLAS matmul, or returned)
        # is a view there, where the C loop would copy it; so is any Python call's float64
        # result that no C loop reads: held as the object the call returns
        # (in reverse order: a move demoted so no longer reads its operand in a C loop)
        loop_readers = {}
        for step, plan in zip(program.steps, planned):
            for s in step.ins if plan is not None else ():
                loop_readers[s] = loop_readers.get(s, 0) + 1
        for k in reversed(range(len(program.steps))):
            step, plan = program.steps[k], planned[k]
            out = step.out
            if step.kind == GUARD or loop_readers.get(out):
                continue
            if plan is None or (plan[0] == "gather" and int(np.prod(self.shapes[out]))
                                >= VIEW_MIN):
                if plan is not None:
                    for s in step.ins:
                        loop_readers[s] -= 1
                planned[k] = None
                self.kinds[out] = obj
        self.shapes = [sh if k == arena else () for sh, k in zip(self.shapes, self.kinds)]
        self.readable = [r and (k == arena or s in consts)
                         for s, (r, k) in enumerate(zip(self.readable, self.kinds))]
        self.sizes = [int(np.prod(sh)) if k == arena else int(r)
                      for sh, k, r in zip(self.shapes, self.kinds, self.readable)]
        order = _schedule(program.steps, planned, self.sizes)
        program.steps = [program.steps[k] for k in order]
        planned = [planned[k] for k in order]
        self.starts, self.length = _allocate(program, self.sizes, [
            step.kind != GUARD and plan is None for step, plan in zip(program.steps, planned)])
        for k, (step, plan) in enumerate(zip(program.steps, planned)):
            self._add(step, k, plan)
        self._mark_tiles()
        # the program's Python version (a busy tape's stand-in) runs the steps as rewritten
        # and ordered here: its buffer reuse is found again for them
        program.in_place = {}
        reuse_buffers(program)

    def _plan(self, step):
        """``(kind, opcode, params)`` of a step the C loops run, ``(kind, maker)`` with a
        function making the params (the offsets of its maps), or None."""
        if step.kind == GUARD:
            return None
        out, ins = step.out, list(step.ins)
        reduction = _row_reduction(step)
        if reduction is not None:
            if not (self.kinds[out] == _interpreters.SLOT_ARENA and self.readable[ins[0]]
                    and self.shapes[ins[0]]):
                return None
            shape = self.shapes[ins[0]]
            if _last_axis(reduction[1], len(shape)) and np.shape(
                    self.program.values[out]) == _reduced(shape, reduction[2]):
                columns = shape[-1]
                return ("reduce", _interpreters.REDUCTIONS.index(reduction[0]),
                        (int(np.prod(shape)) // columns if columns else 0, columns, 0))
            return None
        if step.kind == OP and getattr(step.fn, "name", None) == "scatter_rows":
            if not (self.kinds[out] == _interpreters.SLOT_ARENA and self.readable[ins[0]]):
                return None
            rows, columns = np.shape(self.program.values[out])[:2]
            return "scatter", 0, (rows, columns, 0)
        fn, params = step.fn, step.params or {}
        if step.kind == NP:   # a rule's move of plain values: the move primitive's own
            fn, params = _move_of_values(step)
        if not (fn is not None and step.kind in (OP, NP) and not step.dynamic
                and hasattr(fn, "name") and self.kinds[out] == _interpreters.SLOT_ARENA
                and all(self.readable[i] for i in ins)):
            return None
        return _array_instruction(fn, params, [self.shapes[i] for i in ins], self.shapes[out])

    def _add(self, step, k, plan):
        if step.kind == GUARD:
            self.code.append((_interpreters.KINDS.index("guard"), 0, -1, -1, -1, 0, 0,
                              len(self.checks)))
            self.checks.append(_guard_check(step.ins[0], step.params))
            return
        out, ins = step.out, list(step.ins)
        if plan is not None and (plan[0] == "scatter" or plan[0] == "reduce"
                                 and plan[2][1] > 0):
            # NumPy's, for the rows a C loop leaves (a maximum at 0) or labels it refuses
            self._add_call(step, k)
            rows, columns, _ = plan[2]
            self.code.append((_interpreters.KINDS.index(plan[0]), plan[1], out, ins[0],
                              ins[1] if len(ins) > 1 else -1, rows, columns,
                              len(self.calls) - 1))
            self.compiled += 1
            return
        if plan is not None and plan[0] == "reduce":
            plan = None   # rows of no element: NumPy's answer
        if plan is not None:
            kind, opcode, extra = plan
            a, b = ins[0] if ins else -1, ins[1] if len(ins) > 1 else -1
            extra = tuple(self._map_at(e) if type(e) is not int else e for e in extra)
            self.code.append((_interpreters.KINDS.index(kind), opcode, out, a, b, *extra))
            self.compiled += 1
            return
        self._add_call(step, k)
        self.code.append((_interpreters.KINDS.index("generic"), 0, out, -1, -1, 0, 0,
                          len(self.calls) - 1))
        self.generic += 1

    def _add_call(self, step, k):
        """A Python call (``calls[-1]``): the step's function on the values of the
        non-constant slots it reads."""
        reads = list(dict.fromkeys(s for s in step.reads()
                                   if s not in self.program.consts))
        fn, call = self._names.call(step, k)
        self._sources.append(f"def g{k}({', '.join(f'r{s}' for s in reads)}):\n"
                             f"    return {fn}({', '.join(call)})\n")
        self.calls.append((f"g{k}", tuple(reads)))

    def _mark_tiles(self):
        """Mark each run of two or more consecutive tileable instructions of one size (see
        ``_tileable``): its first instruction's last column holds the run's length, and the
        tape runs the run tile by tile."""
        code, elementwise = self.code, _interpreters.KINDS.index("elementwise")
        k = 0
        while k < len(code):
            row = code[k]
            if row[0] != elementwise or not _tile_modes(row[5], row[6]):
                k += 1
                continue
            size, end = self.sizes[row[2]], k + 1
            while (end < len(code) and code[end][0] == elementwise
                   and _tile_modes(code[end][5], code[end][6])
                   and self.sizes[code[end][2]] == size):
                end += 1
            if end - k > 1 and size > 1:
                code[k] = (*row[:7], end - k)
            k = end

    def _map_at(self, index_map):
        """The offset of ``index_map`` in the tape's one array of maps."""
        start = sum(len(m) for m in self.maps)
        self.maps.append(np.ravel(index_map).astype(np.intp))
        return start

    def tape(self):
        program, values = self.program, self.program.values
        arena = _interpreters.SLOT_ARENA
        init = np.zeros(self.length)
        objects = {}
        for slot in program.consts:
            v = values[slot]
            if self.kinds[slot] == arena or self.readable[slot]:
                start = self.starts[slot]
                init[start:start + self.sizes[slot]] = np.ravel(v)
            if self.kinds[slot] != arena:
                objects[slot] = v
        namespace = {}
        if self._sources:
            exec(compile("".join(self._sources), "<ad.jit array program>", "exec"),
                 self._names.env, namespace)
        calls = [(namespace[name], ins) for name, ins in self.calls]
        generic_kind = _interpreters.KINDS.index("generic")
        written_by_call = {c[2] for c in self.code if c[0] == generic_kind}
        # arena outputs the C loops write: a fresh array per run (0-d ones are read out as
        # NumPy scalars)
        fresh = sorted({o for o in program.outs
                        if o >= program.n_in and o not in program.consts
                        and self.kinds[o] == arena and o not in written_by_call
                        and self.shapes[o]})
        # a reduction's slot takes the array of its NumPy fallback (a maximum at zero) for one
        # run, as a call's result does
        reduce_kind = _interpreters.KINDS.index("reduce")
        reduced = {c[2] for c in self.code if c[0] == reduce_kind}
        transient = sorted(set(range(program.n_in)) | written_by_call | reduced | set(fresh))
        code = np.array(self.code, dtype=np.intp).reshape(-1, _interpreters.N_COLUMNS)
        return _interpreters.ArrayTape(
            code, self.starts, self.sizes, self.shapes, init, np.concatenate(self.maps or [[]]),
            program.n_in, list(program.outs), calls, self.checks, self.kinds, objects, fresh,
            transient)


def _move_of_values(step):
    """``(primitive, params)`` of a NumPy step that calls a move primitive's value function on
    one traced value (a derivative rule transposing a scatter's result), else ``(None, None)``."""
    from .._core.primitive import REGISTRY
    args, kwargs = step.params
    for name in _GATHERS:
        prim = REGISTRY[name]
        if step.fn is prim.impl and len(args) == 1 and type(args[0]) is Slot and not any(
                type(v) is Slot for v in kwargs.values()):
            return prim, kwargs
    return None, None


_ROW_REDUCTIONS = {"sum": "sum", "max": "max"}           # primitives
_NUMPY_REDUCTIONS = {np.sum: "sum", np.max: "max", np.amax: "max"}


def _row_reduction(step):
    """``(name, axis, keepdims)`` of a step reducing one value with ``sum`` or ``max`` (a
    primitive's step, or a NumPy step such as a count of a mask's twin), or None."""
    if step.kind == OP and not step.dynamic and len(step.ins) == 1:
        name = _ROW_REDUCTIONS.get(getattr(step.fn, "name", None))
        params = step.params or {}
    elif step.kind == NP and len(step.ins) == 1:
        args, params = step.params
        name = _NUMPY_REDUCTIONS.get(step.fn) if len(args) == 1 and type(args[0]) is Slot \
            else None
    else:
        return None
    if name is None or not set(params) <= {"axis", "keepdims"}:
        return None
    return name, params.get("axis"), bool(params.get("keepdims", False))


def _last_axis(axis, ndim):
    """Whether ``axis`` (of a reduction of a value of ``ndim`` axes) is its last axis alone."""
    if axis is None:
        return ndim == 1
    axes = axis if isinstance(axis, tuple) else (axis,)
    return (len(axes) == 1 and isinstance(axes[0], (int, np.integer))
            and axes[0] % ndim == ndim - 1 and -ndim <= axes[0] < ndim)


def _reduced(shape, keepdims):
    return tuple(shape[:-1]) + ((1,) if keepdims else ())


def _tile_modes(*modes):
    """Whether an elementwise instruction's operands are read at the result's own index, as
    scalars or not at all (so that element ``i`` of its result depends on elements ``i`` of
    its operands alone, and the instruction may run a tile at a time)."""
    return all(m in (_interpreters.OPERAND_SAME, _interpreters.OPERAND_SCALAR,
                     _interpreters.OPERAND_NONE) for m in modes)


def _tileable(plan, size):
    """Whether a planned step is an elementwise instruction of more than one element that may
    run a tile at a time (``_tile_modes``)."""
    return (plan is not None and plan[0] == "elementwise" and size > 1
            and all(type(m) is int for m in plan[2][:2]) and _tile_modes(*plan[2][:2]))


def _schedule(steps, planned, sizes):
    """An order of the steps (their indices) that keeps every step after the steps whose
    results it reads and puts tileable elementwise instructions of one size next to each
    other, so that the tape runs each such run over its arrays once, a tile at a time, its
    intermediates staying in cache (an optimiser's update: a dozen operations per parameter,
    which a program traces parameter after parameter, operation after operation). Greedy: the
    open run takes every instruction of its size that is ready; when none is, the other steps
    that are ready run (earliest first, as traced); then a new run starts with the earliest
    ready instruction."""
    import heapq
    made = {step.out: k for k, step in enumerate(steps) if step.kind != GUARD}
    waiting = [0] * len(steps)
    users = [[] for _ in steps]
    for k, step in enumerate(steps):
        for d in {made[s] for s in step.reads() if s in made}:
            waiting[k] += 1
            users[d].append(k)
    size_of = [sizes[step.out] if _tileable(plan, sizes[step.out]) else None
               for step, plan in zip(steps, planned)]
    others, tiles = [], {}   # ready steps: heaps of indices (per size, for tileable ones)

    def ready(k):
        if size_of[k] is None:
            heapq.heappush(others, k)
        else:
            heapq.heappush(tiles.setdefault(size_of[k], []), k)

    for k in range(len(steps)):
        if not waiting[k]:
            ready(k)
    order, run = [], None
    while len(order) < len(steps):
        if run is not None and tiles.get(run):
            k = heapq.heappop(tiles[run])
        elif others:
            k = heapq.heappop(others)
        else:
            run = min((heap[0], size) for size, heap in tiles.items() if heap)[1]
            k = heapq.heappop(tiles[run])
        order.append(k)
        for u in users[k]:
            waiting[u] -= 1
            if not waiting[u]:
                ready(u)
    return order


def _allocate(program, sizes, calls):
    """``(starts, length)``: where each slot's stretch of ``sizes[s]`` elements starts in an
    arena of ``length``. Results share the stretches of values no later step reads (a freed
    stretch of the same size, the latest first), so that a program's temporaries stay in cache
    as NumPy's reused buffers do; inputs and constants keep their own. ``calls[k]``: step
    ``k`` is a Python call, whose result may be a view of what it reads (which then lives as
    long as the result)."""
    steps, n = program.steps, len(sizes)
    last = {}
    for k, step in enumerate(steps):
        for s in step.reads():
            last[s] = k
    for s in program.outs:
        last[s] = len(steps)   # read out when the run ends
    for k in reversed(range(len(steps))):
        if calls[k]:
            for s in steps[k].reads():
                last[s] = max(last[s], last.get(steps[k].out, k))
    starts, length = [0] * n, 0
    align = _interpreters.STRETCH_ALIGN   # each stretch starts on a cache line

    def stretch(size):
        nonlocal length
        start = length
        length += -(-size // align) * align
        return start
    written = {step.out for step in steps if step.kind != GUARD}
    for s in range(n):   # inputs, constants: their own stretches, first
        if s not in written:
            starts[s] = stretch(sizes[s])
    free = {}   # size -> starts of freed stretches
    dying = {}  # step -> the results whose last reader it is
    for s in written:
        if s in last:
            dying.setdefault(last[s], []).append(s)
    for k, step in enumerate(steps):
        out = step.out
        if step.kind != GUARD and sizes[out]:
            stack = free.get(sizes[out])
            starts[out] = stack.pop() if stack else stretch(sizes[out])
            if out not in last:   # read by nothing
                free.setdefault(sizes[out], []).append(starts[out])
        for s in dying.get(k, ()):   # after the result: it never overlaps its operands
            if sizes[s]:
                free.setdefault(sizes[s], []).append(starts[s])
    return starts, length


def _array_instruction(prim, params, shapes, out_shape):
    """``(kind, opcode, (p, q, r))`` of one operation the C loops run (see
    ``_interpreters.ArrayTape``), or None; a column that is an index map (an array) stands for
    its offset in the tape's maps."""
    name = prim.name
    if (name in _interpreters.OPCODES and name != "copy" and not params
            and len(shapes) in (1, 2)):
        modes = [_operand_mode(shape, out_shape) for shape in shapes]
        if len(modes) == 1:
            modes.append(_interpreters.OPERAND_NONE)
        return "elementwise", _interpreters.OPCODES.index(name), (*modes, 0)
    if (name == "matmul" or isinstance(prim, TransposedProduct)) and len(shapes) == 2:
        return _matmul_instruction(*shapes, getattr(prim, "transposed", (False, False)),
                                   out_shape)
    if name == "unbroadcast" and len(shapes) == 1:
        block = _interpreters.unbroadcast_block(tuple(shapes[0]), params["shape"],
                                                params.get("lead", 1))
        return None if block is None else ("unbroadcast", 0, block)
    if len(shapes) == 1 and name in _GATHERS:
        positions = np.arange(int(np.prod(shapes[0]))).reshape(shapes[0])
        try:
            moved = prim.impl(positions, **params)
        except Exception:   # noqa: BLE001  (params this move does not take on positions)
            return None
        if np.shape(moved) != tuple(out_shape):
            return None
        moved = np.ravel(moved)
        if moved.size and np.array_equal(moved, np.arange(moved[0], moved[0] + moved.size)):
            return "gather", GATHER_RUN, (int(moved[0]), 0, 0)   # a contiguous run: a copy
        matrix = [n for n in shapes[0] if n != 1]
        if len(matrix) == 2 and moved.size == matrix[0] * matrix[1] and np.array_equal(
                moved, np.arange(moved.size).reshape(matrix).T.ravel()):
            return "gather", GATHER_TRANSPOSE, (*matrix, 0)
        return "gather", GATHER_MAP, (moved, 0, 0)
    return None


def _matmul_instruction(a, b, transposed, out_shape):
    """``("matmul", opcode, (m, k, n))`` of a product of operands of shapes ``a`` and ``b``
    (vectors, matrices, or matrices with leading axes of length one; ``transposed``: which
    are held transposed), or None for a batched or big product (NumPy's, with BLAS)."""
    a, b = tuple(a), tuple(b)
    if len(a) > 2 or len(b) > 2:
        if any(n != 1 for n in a[:-2] + b[:-2]):
            return None
        a, b = a[-2:], b[-2:]
    if transposed[0]:
        a = a[::-1]
    if transposed[1]:
        b = b[::-1]
    if not (a and b):
        return None
    m, k, n = (a[0] if len(a) == 2 else 1), a[-1], (b[1] if len(b) == 2 else 1)
    if m * k * n > SMALL_MATMUL or m * n != int(np.prod(out_shape)):
        return None
    return "matmul", int(transposed[0]) | 2 * int(transposed[1]), (m, k, n)


def _operand_mode(shape, out_shape):
    """How an elementwise instruction reads an operand of ``shape`` broadcast to ``out_shape``:
    at the result's index, as a scalar, as a row repeated over the leading axes, a column
    repeated along the trailing ones, or through an index map."""
    shape, out_shape = tuple(shape), tuple(out_shape)
    size, n = int(np.prod(shape)), int(np.prod(out_shape))
    if size == n:   # the same elements (axes of length one aside), in the same order
        return _interpreters.OPERAND_SAME
    if size == 1:
        return _interpreters.OPERAND_SCALAR
    padded = (1,) * (len(out_shape) - len(shape)) + shape
    # the axes of the result longer than one, and whether the operand varies along each
    kept = [k for k, m in enumerate(out_shape) if m != 1]
    padded, long = tuple(padded[k] for k in kept), tuple(out_shape[k] for k in kept)
    varies = [m != 1 for m in padded]
    first, last = varies.index(True), len(varies) - 1 - varies[::-1].index(True)
    if all(varies[first:last + 1]) and padded[first:last + 1] == long[first:last + 1]:
        if last == len(long) - 1:   # a row, repeated
            return np.array([_interpreters.BROADCAST_ROW, size])
        if first == 0:   # a column: each element repeated over the trailing axes
            return np.array([_interpreters.BROADCAST_COLUMN, n // size])
    return (np.concatenate([[_interpreters.BROADCAST_MAP, 0], np.broadcast_to(
        np.arange(size).reshape(shape), out_shape).ravel()]))


def _guard_check(slot, expected):
    """``check(values)``: whether slot ``slot`` still holds the value it had while tracing."""
    def check(values):
        return _same(values[slot], expected)
    return check


def _same(a, b):
    """Equal values (NaN equal to NaN, so a pinned NaN pins), of the same shape and dtype (a
    float64 slot's value may be a 0-d array of the arena where tracing saw a number)."""
    if a is b:
        return True
    if np.shape(a) != np.shape(b) or np.result_type(a) != np.result_type(b):
        return False
    same = a == b
    if np.ndim(same) == 0 and same:
        return True
    return bool(np.all(same | (a != a) & (b != b)))
