"""Banded values: big arrays that are a small background except on a few diagonals, kept
compact while the program runs.

A forward-mode Jacobian or Hessian seeds its batched tangents with an identity matrix
(``eye(n)``, one tangent per input element), and the linear algebra of tangents keeps that
structure: ``x[:-1]``'s tangent is ``eye(n)[:, :-1]``, multiplying it by a row vector scales
its diagonal, adding two of them makes a band, the vector-Jacobian product of a slice pads it.
Materialised, each of these is an n x n array that one step reads and the next writes (W7's
Hessian at n = 1000: a dozen passes over 8 MB); kept compact, each is a few vectors of n.

# Design: a value with exactly two axes longer than one (``a`` before ``b``, lengths ``R`` and
# ``C``) is *banded* when every element equals a background that varies along at most one of
# them (a scalar, a row ``(1, C)`` or a column ``(R, 1)``), except on at most ``MAX_DIAGONALS``
# diagonals ``d = j - i``, each held as the vector of its elements (``np.diagonal``'s order).
# The pass finds banded constants (the seeds) by looking at their bits, then follows them
# through the steps that keep the structure:
#
# * exact elementwise operations (``_EXACT``: IEEE arithmetic, correctly rounded, so an
#   element's result does not depend on where it sits in a SIMD loop) on banded values of one
#   shape, and on arrays that vary along ``a`` or ``b`` only, and scalars. The background is
#   computed from the operands' backgrounds and each diagonal from the operands' elements on
#   it, by the step's own value function: every element of the result is the function of the
#   same operands as in eager evaluation, so NaN, inf, -0.0 and kinks come out the same (``0 *
#   inf`` off the diagonal is NaN in the background, as it is eagerly);
# * basic slicing (``getitem`` with step-1 slices), reshapes that only add or drop axes of
#   length one, transposes, and ``index_add`` of a block (the VJP of a slice: zeros around a
#   copy) where the background stays a scalar, row or column.
#
# These are primitives' steps, or NumPy steps doing the same (``_operation``): a derivative
# rule that multiplies by a mask of plain values (``relu``'s) runs on tracked arrays, so its
# tangents are calls of the primitives' value functions, of exact ufuncs and of tracked
# arrays' ``__getitem__``/``reshape``/``transpose``, with constants inline.
#
# Any other step reading a banded value reads it materialised (a ``densify`` step, written
# once where it is first needed), and so do guards and outputs. The structure comes from the
# constants alone, so it holds for every input; the pass checks on the traced values that each
# materialised value equals, bit for bit and in dtype, what tracing computed, and leaves the
# program as it was otherwise. Bands only pay above ``BAND_MIN`` elements: below, the small
# programs run on the compiled array interpreter, whose per-step cost is lower than the
# handful of NumPy calls a banded step makes.
"""
import numpy as np

from .program import NP, OP, Slot, Step, _rename, holds_slot

__all__ = ["use_bands", "BAND_MIN", "MAX_DIAGONALS"]

BAND_MIN = 1 << 14      # elements (measured: W7 at n = 100, 10,000 elements, is faster dense)
MAX_DIAGONALS = 16      # beyond this many diagonals a dense array is as cheap
_EXACT = frozenset({"negative", "add", "subtract", "multiply", "divide", "square", "sqrt",
                    "reciprocal", "abs", "relu", "maximum", "minimum"})


class Layout:
    """The static structure of a banded value: its full ``shape`` and ``dtype``, the axes
    ``a`` and ``b`` (lengths ``R``, ``C``), the background's 2-d shape (``(1, 1)``, ``(1, C)``
    or ``(R, 1)``) and the offsets of its diagonals. Its run-time value is ``(background,
    diagonals)``: a 2-d array and a tuple of vectors, one per offset."""

    __slots__ = ("shape", "dtype", "a", "b", "R", "C", "bg", "offsets")

    def __init__(self, shape, dtype, axes, bg, offsets):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.a, self.b = axes
        self.R, self.C = self.shape[self.a], self.shape[self.b]
        self.bg, self.offsets = tuple(bg), tuple(offsets)

    def start(self, d):
        """``(i0, j0, length)`` of diagonal ``d``."""
        i0, j0 = max(0, -d), max(0, d)
        return i0, j0, max(0, min(self.R - i0, self.C - j0))

    def __repr__(self):
        return f"band{list(self.shape)}(bg {self.bg}, diagonals {list(self.offsets)})"


def _axes(shape):
    """The two axes longer than one of ``shape``, or None."""
    long = [k for k, n in enumerate(shape) if n > 1]
    return tuple(long) if len(long) == 2 else None


def _compact_shape(shape, full, axes):
    """The 2-d shape of an operand of ``shape`` broadcast to ``full`` (``(1, C)``, ``(R, 1)``,
    ``(1, 1)`` or ``(R, C)``), or None when it varies along another axis."""
    if len(shape) > len(full):
        return None
    padded = (1,) * (len(full) - len(shape)) + tuple(shape)
    if any(n != 1 and (k not in axes or n != full[k]) for k, n in enumerate(padded)):
        return None
    return padded[axes[0]], padded[axes[1]]


# -- run time -----------------------------------------------------------------------------------
class Densify:
    """The value function of a ``densify`` step: a banded value materialised."""

    name = "densify"

    def __init__(self, layout):
        self.layout = layout
        self.__name__ = "densify"
        self._zero = bytes(layout.dtype.itemsize)   # +0.0

    def __call__(self, value):
        lay = self.layout
        bg, diagonals = value
        if bg.size == 1 and bg.tobytes() == self._zero:   # zeroed memory: no second pass
            out = np.zeros(lay.shape, dtype=lay.dtype)
        else:
            out = np.empty(lay.shape, dtype=lay.dtype)
            out.reshape(lay.R, lay.C)[...] = bg   # a view: the other axes have length one
        line = out.reshape(-1)
        for d, v in zip(lay.offsets, diagonals):
            i0, j0, n = lay.start(d)
            first = i0 * lay.C + j0
            line[first:first + n * (lay.C + 1):lay.C + 1] = v
        return out

    def __repr__(self):
        return "densify"


class _Elementwise:
    """A banded elementwise step: ``fn`` on the backgrounds, then on each diagonal, as one
    generated function of straight-line calls (a step runs a few dozen small NumPy calls,
    whose dispatch would otherwise cost more than the arithmetic)."""

    def __init__(self, name, impl, kinds, layout):
        # kinds, per operand: ("band", its layout, a baked value or None) | ("dense", its 2-d
        # shape, None) | ("scalar", None, None)
        self.__name__ = f"band[{name}]"
        env, lines, params = {"fn": impl, "reshape": np.reshape}, [], []
        for k, (kind, info, baked) in enumerate(kinds):
            if baked is not None:
                env[f"b{k}"] = baked
                lines.append(f"x{k}, d{k} = b{k}")
                continue
            params.append(f"a{k}")
            if kind == "band":
                lines.append(f"x{k}, d{k} = a{k}")
            elif kind == "dense":
                lines.append(f"x{k} = reshape(a{k}, {tuple(info)})")
            else:
                lines.append(f"x{k} = a{k}")
        diagonals = []
        for d in layout.offsets:
            args = []
            for k, (kind, info, _) in enumerate(kinds):
                if kind == "band" and d in info.offsets:
                    args.append(f"d{k}[{info.offsets.index(d)}]")
                elif kind == "scalar":
                    args.append(f"x{k}")
                else:
                    args.append(_diagonal_source(
                        f"x{k}", info.bg if kind == "band" else info, d, layout))
            diagonals.append(f"fn({', '.join(args)}), ")
        lines.append(f"return fn({', '.join(f'x{k}' for k in range(len(kinds)))}), "
                     f"({''.join(diagonals)})")
        source = f"def run({', '.join(params)}):\n" + "".join(f"    {x}\n" for x in lines)
        namespace = {}
        exec(compile(source, f"<{self.__name__}>", "exec"), env, namespace)
        self._run = namespace["run"]
        self.source = source

    def __call__(self, *args):
        return self._run(*args)


def _diagonal_source(name, shape, d, layout):
    """Source for the elements of the 2-d background or operand ``name`` of ``shape`` on
    diagonal ``d``: a stretch of a row or of a column, or the one element of a scalar."""
    i0, j0, n = layout.start(d)
    if shape[0] == 1:
        return f"{name}[0, {j0}:{j0 + n}]" if shape[1] > 1 else f"{name}[0]"
    return f"{name}[{i0}:{i0 + n}, 0]"


class _Move:
    """A banded step that moves elements: ``remap(value)`` (slicing, padding, transposing)."""

    def __init__(self, name, remap, baked):
        self.remap, self.baked = remap, baked
        self.__name__ = f"band[{name}]"

    def __call__(self, *args):
        return self.remap(self.baked if self.baked is not None else args[0])


# -- the pass -----------------------------------------------------------------------------------
def use_bands(program):
    """Keep banded values compact (see the module docstring); returns ``program``."""
    values, consts = program.values, program.consts
    layouts, traced = {}, {}   # slot -> Layout; slot -> its value (background, diagonals)
    baked = set()              # banded constants: their compact value is built into the step
    steps, dense = [], {}      # band slot -> the slot of its materialised copy
    checks = []

    plain = set()              # constants that are not banded

    def band_of(slot):
        if slot in layouts:
            return layouts[slot]
        if slot in consts and slot not in plain:
            found = _constant_band(values[slot])
            if found is not None:
                layouts[slot], traced[slot] = found
                baked.add(slot)
                return found[0]
            plain.add(slot)
        return None

    def densified(slot):
        if slot not in dense:
            out = program._new(values[slot])
            fn = Densify(layouts[slot])
            steps.append(_np_step(fn, [slot], out))
            dense[slot] = out
            checks.append((slot, fn))
        return dense[slot]

    for step in program.steps:
        planned = None
        operation = _operation(step, program, band_of)
        if operation is not None:
            planned = _plan(*operation, values[step.out], band_of, baked, traced, values)
        if planned is not None:
            fn, layout = planned
            ins = [s for s in operation[2] if s not in baked]
            try:
                traced[step.out] = fn(*[traced.get(s, values[s]) for s in ins])
            except Exception:   # noqa: BLE001  (then the step stays dense)
                planned = None
        if planned is not None:
            layouts[step.out] = layout
            steps.append(_np_step(fn, ins, step.out))
            continue
        alias = {s: densified(s) for s in step.reads()
                 if s in layouts and s not in baked}
        _rename(step, alias)
        steps.append(step)
    outs = [densified(o) if o in layouts and o not in baked else o for o in program.outs]
    if not dense:
        return program
    for slot, fn in checks:
        want, got = values[slot], fn(traced[slot])
        if not (isinstance(want, np.ndarray) and want.dtype == got.dtype
                and want.shape == got.shape and _same_bits(want, got)):
            return program   # a value the bands do not reproduce: leave the program dense
    program.steps, program.outs = steps, outs
    return program


def _np_step(fn, ins, out):
    """A step calling ``fn`` on the slots ``ins``."""
    return Step(NP, fn, list(ins), (tuple(Slot(s) for s in ins), {}), out, False)


def _same_bits(a, b):
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.tobytes() == b.tobytes()


def _constant_band(value):
    """``(layout, (background, diagonals))`` of a banded constant array (its background a
    scalar: zero, or the value in its lower-left corner), or None."""
    if (type(value) is not np.ndarray or value.size < BAND_MIN
            or value.dtype not in (np.float64, np.float32)):
        return None
    axes = _axes(value.shape)
    if axes is None:
        return None
    a2 = np.ascontiguousarray(value).reshape(value.shape[axes[0]], value.shape[axes[1]])
    R, C = a2.shape
    bits = a2.view(np.uint64 if a2.dtype == np.float64 else np.uint32)
    for bg in (bits.dtype.type(0), bits[R - 1, 0]):
        differ = bits != bg
        if np.count_nonzero(differ) > MAX_DIAGONALS * max(R, C):
            continue
        i, j = np.nonzero(differ)
        offsets = np.unique(j - i)
        if len(offsets) > MAX_DIAGONALS:
            continue
        layout = Layout(value.shape, value.dtype, axes, (1, 1), offsets.tolist())
        diagonals = tuple(np.diagonal(a2, d).copy() for d in layout.offsets)
        return layout, (np.array([[bg]], dtype=bits.dtype).view(a2.dtype), diagonals)
    return None


# -- planning one step --------------------------------------------------------------------------
def _operation(step, program, band_of):
    """``(name, value function, operand slots, params)`` of a step that reads a banded value
    and may keep the structure: a primitive's step, or a NumPy step calling a primitive's value
    function, an exact ufunc or a tracked array's ``__getitem__``/``reshape``/``transpose``
    (the tangents of a derivative that reads plain values: ``relu``'s mask). A NumPy step's
    constant operands become constant slots. None for any other step."""
    if step.kind == OP:
        if step.dynamic or not any(band_of(s) is not None for s in step.ins):
            return None
        return step.fn.name, step.fn.impl, list(step.ins), step.params or {}
    if step.kind != NP:
        return None
    args, kwargs = step.params
    if holds_slot(kwargs) or not args:
        return None
    fn = step.fn
    name = _known_functions().get(id(fn))
    if name is not None:
        operands, params, impl = args, kwargs, fn
    elif (getattr(fn, "__module__", None) == _TRACKING_MODULE and not kwargs
          and type(args[0]) is Slot):
        name, params = _method_params(getattr(fn, "__qualname__", None), args[1:])
        operands, impl = args[:1], _REGISTERED[name].impl if name else None
    if name is None or not any(
            band_of(a.index) is not None if type(a) is Slot else _constant_band(a) is not None
            for a in operands):
        return None
    slots = []
    for a in operands:
        if type(a) is Slot:
            slots.append(a.index)
        elif holds_slot(a) or not isinstance(a, (np.ndarray, np.generic, int, float)):
            return None
        else:
            slots.append(program.add_const(a))
    return name, impl, slots, params


_TRACKING_MODULE = "dualad.compiler.tracing"
_UFUNCS = {np.add: "add", np.subtract: "subtract", np.multiply: "multiply",
           np.true_divide: "divide", np.negative: "negative", np.square: "square",
           np.sqrt: "sqrt", np.reciprocal: "reciprocal", np.absolute: "abs",
           np.maximum: "maximum", np.minimum: "minimum"}
_REGISTERED = {}


def _known_functions():
    """id -> primitive name of the value functions of the primitives this pass follows, and
    of the exact ufuncs (their own value functions)."""
    if not _REGISTERED:
        from .._core.primitive import REGISTRY
        for name in _EXACT | set(_MOVES):
            if name in REGISTRY:
                _REGISTERED[name] = REGISTRY[name]
        _REGISTERED[None] = {id(p.impl): n for n, p in _REGISTERED.items()}
        _REGISTERED[None].update({id(u): n for u, n in _UFUNCS.items()})
    return _REGISTERED[None]


def _method_params(method, args):
    """``(primitive name, params)`` of a tracked array's method called with ``args``."""
    if method == "__getitem__" and len(args) == 1:
        return "getitem", {"index": args[0]}
    if method in ("reshape", "transpose"):
        shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if method == "reshape":
            return "reshape", {"shape": tuple(shape)}
        return "transpose", {"axes": tuple(shape) if shape and shape[0] is not None else None}
    return None, None



def _plan(name, impl, ins, params, out, band_of, baked, traced, values):
    """``(value function, layout of the result)`` of the operation ``name`` on banded
    operands, or None when it does not keep the structure."""
    if type(out) is not np.ndarray or out.size < BAND_MIN or _axes(out.shape) is None:
        return None
    if name in _EXACT and not params:
        return _plan_elementwise(name, impl, ins, out, band_of, baked, traced, values)
    source = ins[0]
    layout = band_of(source)
    if layout is None or len(ins) != 1:
        return None
    planner = _MOVES.get(name)
    try:
        found = planner(layout, out.shape, **params) if planner else None
    except TypeError:   # params this planner does not know (a primitive of another family)
        found = None
    if found is None:
        return None
    new, remap = found
    if new.shape != out.shape or new.dtype != out.dtype or len(new.offsets) > MAX_DIAGONALS:
        return None
    return _Move(name, remap, traced[source] if source in baked else None), new


def _plan_elementwise(name, impl, ins, out, band_of, baked, traced, values):
    axes = _axes(out.shape)
    R, C = out.shape[axes[0]], out.shape[axes[1]]
    kinds, bg, offsets = [], (1, 1), set()
    for s in ins:
        layout, v = band_of(s), values[s]
        if layout is not None:
            if layout.shape != out.shape:
                return None
            kinds.append(("band", layout, traced[s] if s in baked else None))
            shape = layout.bg
            offsets.update(layout.offsets)
        elif isinstance(v, np.ndarray) and v.ndim:
            shape = _compact_shape(v.shape, out.shape, axes)
            if shape is None or shape == (R, C):
                return None
            kinds.append(("dense", shape, None))
        elif isinstance(v, (int, float, np.generic, np.ndarray)) and not isinstance(v, bool):
            kinds.append(("scalar", None, None))
            shape = (1, 1)
        else:
            return None
        bg = (max(bg[0], shape[0]), max(bg[1], shape[1]))
    if bg == (R, C) or len(offsets) > MAX_DIAGONALS:
        return None
    layout = Layout(out.shape, out.dtype, axes, bg, sorted(offsets))
    return _Elementwise(name, impl, kinds, layout), layout


def _box(index, shape):
    """``(starts, stops)`` of a tuple of step-1 slices over ``shape``, or None."""
    index = index if type(index) is tuple else (index,)
    if len(index) > len(shape):
        return None
    starts, stops = [], []
    for k, n in enumerate(shape):
        item = index[k] if k < len(index) else slice(None)
        if type(item) is not slice or item.step not in (None, 1):
            return None
        start, stop, _ = item.indices(n)
        starts.append(start)
        stops.append(max(start, stop))
    return starts, stops


def _plan_getitem(layout, out_shape, index):
    box = _box(index, layout.shape)
    if box is None:
        return None
    starts, stops = box
    shape = tuple(e - s for s, e in zip(starts, stops))
    if _axes(shape) != (layout.a, layout.b):
        return None
    sa, sb = starts[layout.a], starts[layout.b]
    ea, eb = stops[layout.a], stops[layout.b]
    picks, offsets = [], []
    new = Layout(shape, layout.dtype, (layout.a, layout.b), _slice_bg(layout.bg, ea - sa, eb - sb),
                 ())
    for m, d in enumerate(layout.offsets):
        d2 = d - sb + sa
        i0, _, n = new.start(d2)
        if n > 0:
            picks.append((m, i0 + sa - max(0, -d), n))
            offsets.append(d2)
    new.offsets = tuple(offsets)
    rows = slice(sa, ea) if layout.bg[0] > 1 else slice(None)
    cols = slice(sb, eb) if layout.bg[1] > 1 else slice(None)

    def remap(value):
        bg, diagonals = value
        return bg[rows, cols], tuple(diagonals[m][k:k + n] for m, k, n in picks)

    return new, remap


def _slice_bg(bg, R, C):
    return (R if bg[0] > 1 else 1, C if bg[1] > 1 else 1)


def _plan_reshape(layout, out_shape, shape):
    axes = _axes(out_shape)
    if axes is None or (out_shape[axes[0]], out_shape[axes[1]]) != (layout.R, layout.C):
        return None
    return (Layout(out_shape, layout.dtype, axes, layout.bg, layout.offsets),
            lambda value: value)


def _plan_transpose(layout, out_shape, axes):
    perm = tuple(range(len(layout.shape)))[::-1] if axes is None else tuple(
        k % len(layout.shape) for k in axes)
    a, b = perm.index(layout.a), perm.index(layout.b)
    if a < b:
        return (Layout(out_shape, layout.dtype, (a, b), layout.bg, layout.offsets),
                lambda value: value)
    new = Layout(out_shape, layout.dtype, (b, a), layout.bg[::-1],
                 [-d for d in layout.offsets])
    return new, lambda value: (value[0].T, value[1])


def _plan_index_add(layout, out_shape, index, shape, trailing):
    """``index_add`` of a block into zeros (the VJP of a slice): the block copied, zeros
    around it (``primitives/indexing.py``)."""
    full = tuple(shape)
    if trailing or full != tuple(out_shape) or len(full) != len(layout.shape):
        return None
    box = _box(index, full)
    if box is None:
        return None
    starts, stops = box
    if any(e - s != n for s, e, n in zip(starts, stops, layout.shape)):
        return None
    if _axes(full) != (layout.a, layout.b):
        return None
    R2, C2 = full[layout.a], full[layout.b]
    sa, sb = starts[layout.a], starts[layout.b]
    rows_whole, cols_whole = R2 == layout.R, C2 == layout.C
    if rows_whole and cols_whole:
        bg2 = layout.bg
    elif rows_whole and layout.bg[0] == 1:
        bg2 = (1, C2)
    elif cols_whole and layout.bg[1] == 1:
        bg2 = (R2, 1)
    else:
        return None   # zeros around a block of background: varies along both axes
    new = Layout(full, layout.dtype, (layout.a, layout.b), bg2,
                 [d + sb - sa for d in layout.offsets])
    plan = []
    for d, d2 in zip(layout.offsets, new.offsets):
        i0, _, n = layout.start(d)
        i2, _, n2 = new.start(d2)
        plan.append((n2, i0 + sa - i2, n))
    block = (slice(sa, sa + layout.R) if bg2[0] > 1 else slice(None),
             slice(sb, sb + layout.C) if bg2[1] > 1 else slice(None))
    dtype = layout.dtype

    def remap(value):
        bg, diagonals = value
        if bg2 != layout.bg:
            padded = np.zeros(bg2, dtype=dtype)
            padded[block] = bg
            bg = padded
        moved = []
        for (n2, p, n), v in zip(plan, diagonals):
            w = np.zeros(n2, dtype=dtype)
            w[p:p + n] = v
            moved.append(w)
        return bg, tuple(moved)

    return new, remap


_MOVES = {"getitem": _plan_getitem, "reshape": _plan_reshape, "transpose": _plan_transpose,
          "index_add": _plan_index_add}
