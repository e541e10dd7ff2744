"""Masks as float64 values of the array tape: a NumPy comparison that a program turns into
float64 (``relu``'s derivative multiplies by ``(x > 0).astype(float64)``; ``max``'s divides
its cotangent among ties with ``(x == m) | isnan(x)``) becomes one C loop of the tape.

# Design: tracing records such masks as NumPy steps (NOTE: staged decisions in ``tracing.py``):
# a comparison of float64 values, ``isnan``, ``|`` and ``&`` of booleans, then ``astype`` to
# float64, or a count (``numpy.sum``) converted to float64. Each of these run as Python calls
# of the tape, and a dozen of them cost as much as a small matmul. Before the tape is built,
# every boolean step whose operands are float64 values of the arena (or numbers) or such
# booleans gets a float64 twin, 1.0 where it holds and 0.0 elsewhere: a comparison's twin is
# an instruction of the tape (``<comparison>_mask``: the C condition, which treats NaN, ±0 and
# ±inf as NumPy's comparison does), ``|``'s and ``&``'s are ``maximum`` and ``multiply`` of
# the twins. A conversion of the boolean to float64 then reads the twin, and a count of it
# becomes the same ``numpy.sum`` of the twin (sums of ones and zeros are exact in any order, so
# it equals the integer count converted). Boolean steps that nothing else reads are dropped.
# NumPy's arithmetic ufuncs on float64 values (a mask divided by its count) become the tape's
# instructions of the same names: IEEE arithmetic, the same bits.
"""
import numpy as np

from .program import NP, OP, Slot, Step, _rename, eliminate_dead_code

__all__ = ["float_masks"]

_COMPARISONS = {np.greater: "greater", np.greater_equal: "greater_equal", np.less: "less",
                np.less_equal: "less_equal", np.equal: "equal", np.not_equal: "not_equal"}
_F64 = np.dtype(np.float64)


class MaskInstruction:
    """The value function of a twin step: ``name`` names the tape's instruction, ``impl`` its
    NumPy version (what the program's Python version runs), converted to float64 when
    ``cast``."""

    def __init__(self, name, impl, cast=True):
        self.name, self._impl, self._cast = name, impl, cast

    def impl(self, *args):
        out = self._impl(*args)
        return out.astype(np.float64) if self._cast else out

    def __repr__(self):
        return self.name


_MASKS = {name: MaskInstruction(name + "_mask", fn) for fn, name in _COMPARISONS.items()}
_MASKS["isnan"] = MaskInstruction("isnan_mask", np.isnan)
_OR = MaskInstruction("maximum", np.maximum, cast=False)    # of twins, 0.0 and 1.0: exact
_AND = MaskInstruction("multiply", np.multiply, cast=False)
_ARITHMETIC = {fn: MaskInstruction(fn.__name__, fn, cast=False)
               for fn in (np.add, np.subtract, np.multiply, np.divide)}


def float_masks(program, in_arena, exact_integer):
    """Give the boolean masks of ``program`` float64 twins (see the module docstring) and read
    them where the booleans were converted to float64 or counted; ``in_arena(v)``,
    ``exact_integer(v)``: which values and constants the tape's loops read. Returns whether
    anything changed."""
    values = program.values
    twins = {}   # boolean slot -> its twin
    alias = {}   # float64 conversion's slot -> the twin it reads
    steps = []
    changed = False

    def operand(a):
        """The slot a loop reads for an argument of a comparison, or None."""
        if type(a) is Slot:
            return a.index if in_arena(values[a.index]) else None
        if isinstance(a, (float, np.floating)) and np.dtype(type(a)) == _F64:
            return program.add_const(a)
        if exact_integer(a):
            return program.add_const(a)
        return None

    for step in program.steps:
        _rename(step, alias)
        steps.append(step)
        if step.kind != NP or step.dynamic:
            continue
        args, kwargs = step.params
        out = values[step.out]
        fn = step.fn
        if kwargs or not isinstance(out, np.ndarray):
            continue
        if fn in _ARITHMETIC and len(args) == 2 and out.dtype == _F64 and in_arena(out):
            ins = [operand(a) for a in args]
            if None not in ins:   # a step of the tape
                steps[-1] = Step(OP, _ARITHMETIC[fn], ins, None, step.out, False)
                changed = True
        elif out.dtype == np.bool_:
            ins = None
            if fn in _COMPARISONS and len(args) == 2:
                ins = [operand(a) for a in args]
                op = _MASKS[_COMPARISONS[fn]]
            elif fn is np.isnan and len(args) == 1:
                ins = [operand(args[0])]
                op = _MASKS["isnan"]
            elif fn in (np.bitwise_or, np.logical_or, np.bitwise_and, np.logical_and) \
                    and len(args) == 2:
                ins = [twins.get(a.index) if type(a) is Slot else None for a in args]
                op = _OR if fn in (np.bitwise_or, np.logical_or) else _AND
            if ins is None or None in ins:
                continue
            twin = program._new(op.impl(*[values[s] for s in ins]))
            if np.shape(values[twin]) != out.shape:
                continue
            steps.append(Step(OP, op, ins, None, twin, False))
            twins[step.out] = twin
            changed = True
        elif _is_float_conversion(fn, args) and args[0].index in twins:
            alias[step.out] = twins[args[0].index]
            steps.pop()
    program.steps = steps
    program.outs = [alias.get(o, o) for o in program.outs]
    if changed:
        _count_twins(program, twins)
        eliminate_dead_code(program)
    return changed


def _is_float_conversion(fn, args):
    """Whether a NumPy step is ``boolean.astype(float64)`` (a tracked array's method)."""
    return (getattr(fn, "__qualname__", None) == "astype"
            and getattr(fn, "__module__", None) == "dualad.compiler.tracing"
            and len(args) == 2 and type(args[0]) is Slot and _is_f64(args[1]))


def _is_f64(dtype):
    try:
        return np.dtype(dtype) == _F64
    except TypeError:
        return False


def _is_sum(fn, kwargs):
    """Whether a NumPy step is a plain sum: ``numpy.sum`` or ``numpy.add.reduce`` (a tracked
    array's ``sum`` method) with no keyword but ``axis``, ``keepdims`` and defaults."""
    if not (fn is np.sum or (getattr(fn, "__self__", None) is np.add
                             and getattr(fn, "__name__", None) == "reduce")):
        return False
    return all(k in ("axis", "keepdims") or (k, v) in (("dtype", None), ("where", True))
               for k, v in kwargs.items())


def _count_twins(program, twins):
    """``numpy.sum(boolean, ...)`` converted to float64: the same sum of the twin, exact."""
    values, made = program.values, {}
    steps = []
    for step in program.steps:
        steps.append(step)
        if step.kind != NP:
            continue
        fn, (args, kwargs) = step.fn, step.params
        if (_is_sum(fn, kwargs) and len(args) == 1 and type(args[0]) is Slot
                and args[0].index in twins):
            made[step.out] = (twins[args[0].index],
                              {k: v for k, v in kwargs.items() if k in ("axis", "keepdims")})
        elif _is_float_conversion(fn, args) and args[0].index in made:
            twin, kw = made[args[0].index]
            total = np.sum(values[twin], **kw)
            if not (isinstance(total, np.ndarray) and total.dtype == _F64
                    and np.array_equal(total, values[step.out])):
                continue
            steps[-1] = Step(NP, np.sum, [twin], ((Slot(twin),), dict(kw)), step.out, False)
    program.steps = steps
