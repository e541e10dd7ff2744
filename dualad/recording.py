"""Compiled replay: record a function's tape once, replay it on new inputs of the same shapes.

::

    rec = ad.record(f, x0)             # runs f(x0) once on a tape
    rec.value(x)                       # f(x)
    rec.grad(x)                        # ad.grad(f)(x)
    rec.value_and_grad(x)              # ad.value_and_grad(f)(x)
    rec.jacobian(x)                    # ad.jacobian(f)(x)
    rec.hessian(x)                     # ad.hessian(f)(x)

# Design: recording runs ``fun`` on a reverse trace whose ``process`` also keeps each operation's
# primitive, operands, params and result, and whose guard observer (NOTE: guards) keeps every
# value-dependent decision. Both become one flat program over numbered slots: the traced inputs,
# the constants (captured by value), one slot per result, with the guards in recording order.
# A program whose values are all float64 scalars compiles to instructions for the Cython
# interpreter ``dualad._kernels._replay`` (values, guards, adjoints, tangents and second-order
# adjoints over ``double`` registers: no Python per operation, for value, grad, jacobian and
# hessian). A program whose values are all float64 arrays of at most ``SMALL_ARRAY`` elements
# compiles to instructions for ``dualad._kernels._replay.ArrayTape``, whose loop over the tape
# and whose per-element loops are C: the scalar interpreter's operations elementwise (broadcast
# operands read and receive cotangents through index maps), matmuls of up to two dimensions
# and ``SMALL_MATMUL`` multiply-adds, sums over axes and element moves (reshape, transpose,
# broadcast_to, indexing) as index maps; any other primitive runs its own ``record``/``backward``
# from that loop, and guards are checked there. Values and adjoints live in two arenas
# allocated once per path; what a replay returns is copied out of them. That tape serves
# ``value`` and ``grad``; ``jacobian`` runs the NumPy steps below, and so does a replay started
# while one is already running on the same path (another thread, or a primitive calling back).
# Any other program (float32, big arrays) becomes a list of steps over NumPy arrays: every
# primitive runs its own ``record``/``backward`` on the plain arrays (no derivative is written
# here); the step list costs one Python call per operation. No path involves boxes, nodes or
# dispatch. For array programs ``hessian`` is not compiled: it calls ``ad.hessian`` on the
# function.

NOTE: guards. A recording is one path through ``fun``. Everything that lets a traced value
decide something is recorded as a guard and checked again on every replay:

* comparisons ``< <= > >= == !=`` (and ``dnp.less`` … ``dnp.not_equal``) and the other
  non-differentiated ``dualad.numpy`` functions (``sign``, ``floor``, ``isnan``, ``argmax``,
  ``logical_and`` …) applied to traced values; so ``dnp.where`` and ``dnp.clip`` conditions
  computed from traced values, and ``maximum(x, 0)``-style masks, are covered;
* ``bool(x)`` and ``if x:`` on a traced value (``x != 0``);
* a traced value leaving the tape as a constant: ``ad.stop_gradient(x)``, ``x.detach()``,
  ``x.data``, or a primitive applied to it under ``ad.no_grad``. These pin the exact value: a
  replay with any other value there records again. (``float(x)``, ``x.item()``,
  ``np.asarray(x)`` … raise ``ConcretizationError`` while recording, as in every transform.)

When a replay's guard comes out differently, the replay is abandoned before any derivative is
returned: the Recording tries its other recorded paths (the ``MAX_PATHS`` most recently used are
kept) and otherwise records ``fun`` again on the new arguments; the answer is always the one
eager evaluation would give. Not guarded: decisions ``fun`` takes from Python-level state
(globals or closure variables that change between calls, counters, the time), randomness (a
random draw is recorded as a constant), and a traced float used directly as a ``dnp.where``
condition without a comparison. Arrays and numbers ``fun`` reads from outside its arguments are
captured by value (copied) when recording, so mutating them later does not change a Recording.

Arguments: float leaves (Python floats, float NumPy scalars and arrays, in any pytree) are the
inputs a replay substitutes; a replay must give the same structure, shapes and dtypes, or gets a
ValueError. Other leaves (ints, strings, integer arrays) are static: a different value records
a new path. ``argnums`` chooses the differentiated arguments, as for ``ad.grad``.
"""
import copy
import os
from operator import itemgetter

import numpy as np

from ._core.backend import raw_value
from ._core.escape import holds_derivative
from ._core.primitive import Box, shape_of
from ._core.state import new_level, state
from ._core.tape import ReverseTrace, Tensor
from ._core.tree import check_float_leaf, tree_flatten, tree_unflatten
from .transforms._args import normalize_argnums, selected_structure

_replay = None
if not os.environ.get("DUALAD_PUREPYTHON"):
    try:
        from ._kernels import _replay
    except ImportError:   # not built: every program runs as NumPy steps
        pass

MAX_PATHS = 8
_F64 = np.dtype(np.float64)


def record(fun, *example_args, argnums=0):
    """Record ``fun(*example_args)`` once and return a ``Recording`` that replays it on new
    arguments of the same structure, shapes and dtypes. ``argnums`` (an int or a tuple, as for
    ``ad.grad``) chooses the arguments that ``grad``, ``jacobian`` and ``hessian``
    differentiate. See NOTE: guards for what makes a replay record again."""
    return Recording(fun, example_args, argnums)


class Recording:
    """A recorded function: ``value``, ``value_and_grad``, ``grad``, ``jacobian`` and
    ``hessian``, each taking the new arguments as ``fun`` does and answering what
    ``fun``, ``ad.value_and_grad(fun, argnums)``, ``ad.grad``, ``ad.jacobian`` and
    ``ad.hessian`` would."""

    def __init__(self, fun, example_args, argnums=0):
        self.fun = fun
        self.argnums = argnums
        self._sig = _Signature(example_args, argnums)
        self._paths = []
        self._record(*self._sig.split(example_args))

    def __getstate__(self):
        # The recorded paths are compiled programs (Cython interpreters, closures over NumPy
        # functions) that do not pickle; a copy sent elsewhere (dualad.distributed, a process
        # pool) keeps the function and its signature and records again on its first call.
        state = self.__dict__.copy()
        state["_paths"] = []
        return state

    def __repr__(self):
        name = getattr(self.fun, "__name__", repr(self.fun))
        paths = "; ".join(p.describe() for p in self._paths)
        return f"<Recording of {name}, argnums={self.argnums!r}, {len(self._paths)} path(s): " \
               f"{paths}>"

    # -- the transforms --------------------------------------------------------------------------
    def value(self, *args):
        """``fun(*args)``."""
        if _traced(args):   # inside a transform: the eager function, which it differentiates
            return self.fun(*args)
        path, vals = self._run("value", args)
        return tree_unflatten(path.out_def, vals)

    def value_and_grad(self, *args):
        """``(fun(*args), gradient)``, as ``ad.value_and_grad(fun, argnums)(*args)``."""
        if _traced(args):
            from .transforms import value_and_grad
            return value_and_grad(self.fun, self.argnums)(*args)
        path, (value, grads) = self._run("value_and_grad", args)
        if self._sig.one_leaf:
            return value, grads[0]
        return value, selected_structure(self._sig.defs, grads, self._sig.single)

    def grad(self, *args):
        """The gradient of the scalar ``fun`` at ``args``, as ``ad.grad(fun, argnums)``."""
        return self.value_and_grad(*args)[1]

    def jacobian(self, *args):
        """The Jacobian at ``args``, as ``ad.jacobian(fun, argnums)``: each output leaf's block
        has shape ``out.shape + x.shape``."""
        if _traced(args):
            from .transforms import jacobian
            return jacobian(self.fun, self.argnums)(*args)
        path, blocks = self._run("jacobian", args)
        sig = self._sig
        return tree_unflatten(path.out_def, [selected_structure(sig.defs, row, sig.single)
                                             for row in blocks])

    def hessian(self, *args):
        """The Hessian of the scalar ``fun`` at ``args``, as ``ad.hessian(fun, argnums)``.
        Compiled for scalar programs; for array programs it is ``ad.hessian`` itself."""
        if _traced(args):
            from .transforms import hessian
            return hessian(self.fun, self.argnums)(*args)
        path, blocks = self._run("hessian", args)
        if blocks is NOT_COMPILED:
            from .transforms import hessian
            return hessian(self.fun, self.argnums)(*args)
        sig = self._sig
        return selected_structure(sig.defs, [selected_structure(sig.defs, row, sig.single)
                                             for row in blocks], sig.single)

    # -- paths -----------------------------------------------------------------------------------
    def _run(self, method, args):
        """``(path, answer)`` from the first recorded path whose guards hold for ``args``, or
        from a path recorded for them now."""
        leaves, inputs, statics = self._sig.split(args)
        for k, path in enumerate(self._paths):
            if path.statics == statics:
                answer = getattr(path, method)(inputs)
                if answer is not None:
                    if k:
                        self._paths.insert(0, self._paths.pop(k))
                    return path, answer
        path = self._record(leaves, inputs, statics)
        answer = getattr(path, method)(inputs)
        if answer is None:
            raise RuntimeError(
                f"ad.record: {getattr(self.fun, '__name__', 'fun')} took a different path when "
                "its recording was replayed on the very arguments it was recorded with; it "
                "depends on something other than its arguments (randomness, global state), "
                "which a Recording cannot replay (NOTE: guards in dualad/recording.py)")
        return path, answer

    def _record(self, leaves, inputs, statics):
        trace = _RecordingTrace()
        sig = self._sig
        watched = [trace.leaf(check_float_leaf(v, "ad.record input")) for v in inputs]
        for pos, w in zip(sig.inputs, watched):
            leaves[pos] = w
        args = tree_unflatten(sig.treedef, leaves)
        with trace.observing():
            out = self.fun(*args)
        program = _Program(trace, watched, out)
        kind = next(k for k in (_ScalarPath, _ArrayTapePath, _StepPath) if k.accepts(program))
        path = kind(program, sig.wrt)
        path.statics = statics
        self._paths.insert(0, path)
        del self._paths[MAX_PATHS:]
        return path


class _Signature:
    """The argument structure a Recording was made for: which leaves are inputs (float, with
    their shapes and dtypes), which are static, and which inputs are differentiated."""

    def __init__(self, args, argnums):
        self.single, nums = normalize_argnums(argnums, len(args), "record")
        leaves, self.treedef = tree_flatten(tuple(args))
        self.specs = [_spec(v) for v in leaves]
        self.owner = []   # the argument each leaf belongs to
        starts = []
        for i, child in enumerate(self.treedef.children):
            starts.append(len(self.owner))
            self.owner.extend([i] * child.num_leaves)
        self.inputs = [k for k, s in enumerate(self.specs) if s is not None]
        # every argument a single leaf: calls skip flattening
        self.flat = all(child.kind == "leaf" for child in self.treedef.children)
        self.defs, self.wrt = [], []
        for i in nums:
            child = self.treedef.children[i]
            for k in range(starts[i], starts[i] + child.num_leaves):
                check_float_leaf(leaves[k], f"record: argument {i}")
                if self.specs[k] is None:   # complex: not an input a replay substitutes
                    raise TypeError(
                        f"record: argument {i} is complex ({np.asarray(leaves[k]).dtype}); a "
                        "Recording differentiates real floating-point arguments only: pass "
                        "the real and imaginary parts as two float arguments, or use "
                        "ad.grad (which takes complex arguments) without recording")
                self.wrt.append(self.inputs.index(k))
            self.defs.append((i, child, child.num_leaves))
        # one differentiated argument, itself a leaf: results need no rebuilding
        self.one_leaf = self.single and self.defs[0][1].kind == "leaf"

    def split(self, args):
        """``(leaves, inputs, statics)`` of a call, checked against the recorded structure."""
        if self.flat and len(args) == len(self.specs):
            leaves = list(args)
        else:
            leaves = []
            if not _leaves_following(args, self.treedef, leaves):
                raise ValueError(
                    f"Recording: the arguments have structure {tree_flatten(args)[1]}, but it "
                    f"was recorded with {self.treedef}; record the function again for the new "
                    "structure")
        inputs, statics = [], []
        for k, v in enumerate(leaves):
            spec = self.specs[k]
            if spec is None:
                if _spec(v) is not None:
                    raise ValueError(f"Recording: argument {self.owner[k]} has a float where "
                                     f"it was recorded with {v!r}; record again")
                statics.append(_static_key(v))
            elif _matches(v, spec):
                inputs.append(v)
            else:
                raise ValueError(
                    f"Recording: argument {self.owner[k]} is {_describe(_spec(v))}, but it was "
                    f"recorded as {_describe(spec)}; a Recording replays one shape and dtype: "
                    "record the function again (ad.record) for the new one")
        return leaves, inputs, tuple(statics)


def _leaves_following(tree, td, out):
    """Append the leaves of ``tree`` to ``out`` if it has the structure ``td`` (cheaper than
    flattening it and comparing structures); False if it does not."""
    kind = td.kind
    if kind == "leaf":
        out.append(tree)
        return True
    if kind == "none":
        return tree is None
    if kind is dict:
        if type(tree) is not dict or len(tree) != len(td.meta):
            return False
        if any(k not in tree for k in td.meta):
            return False
        tree = [tree[k] for k in td.meta]
    elif kind is list:
        if type(tree) is not list:
            return False
    elif not isinstance(tree, tuple) or (type(tree) if hasattr(tree, "_fields")
                                         else tuple) is not td.meta:
        return False
    if len(tree) != len(td.children):
        return False
    for child, child_td in zip(tree, td.children):
        if child_td.kind == "leaf":
            out.append(child)
        elif not _leaves_following(child, child_td, out):
            return False
    return True


def _matches(v, spec):
    """Whether the leaf ``v`` is a float input of ``spec``, the ``(shape, dtype)`` recorded."""
    kind = type(v)
    if kind is np.ndarray:
        return v.shape == spec[0] and v.dtype == spec[1]
    if kind is float:
        return spec[0] == () and spec[1] == _F64
    return _spec(v) == spec


def _spec(v):
    """``(shape, dtype)`` of a float leaf (an input), None for any other leaf (static)."""
    if isinstance(v, float):   # Python floats and np.float64
        return (), _F64
    if isinstance(v, (np.ndarray, np.floating)) and v.dtype.kind == "f":
        return v.shape, v.dtype
    return None


def _describe(spec):
    return "not a float" if spec is None else f"of shape {spec[0]} and dtype {spec[1]}"


def _static_key(v):
    """A comparable stand-in for a static leaf (arrays by their bytes)."""
    if isinstance(v, np.ndarray):
        return "array", v.shape, v.dtype.str, v.tobytes()
    return v


# ---------------------------------------------------------------------------------- recording
class _Op:
    __slots__ = ("prim", "args", "params", "out")

    def __init__(self, prim, args, params, out):
        self.prim, self.args, self.params, self.out = prim, args, params, out


class _Guard:
    """``fn(*args, **kwargs)`` gave ``expected`` while recording (``fn`` None: the value of the
    single argument itself)."""

    __slots__ = ("fn", "args", "kwargs", "expected")

    def __init__(self, fn, args, kwargs, expected):
        self.fn, self.args, self.kwargs, self.expected = fn, args, kwargs, expected


class _RecordingTrace(ReverseTrace):
    """A reverse trace that also keeps, in recording order, each operation (``_Op``) and each
    guard (``_Guard``) in ``events``."""

    def __init__(self):
        super().__init__(new_level(), keep_list=False)
        self.events = []
        self._outer = None

    def process(self, prim, args, params):
        out = super().process(prim, args, params)
        if type(out) is Tensor and out._trace is self:
            args = [a if type(a) is Tensor and a._trace is self else _frozen(a) for a in args]
            self.events.append(_Op(prim, args, copy.deepcopy(params), out))
        else:   # not recorded: a traced operand makes this an escape (ad.no_grad)
            self.observe(prim.impl, args, params, out)
        return out

    def observing(self):
        return _Observing(self)

    def observe(self, fn, args, kwargs, result):
        """The guard observer (``state.guard_observer``, NOTE: guards): keep a guard when one of
        ``args`` (possibly nested) is traced here."""
        leaves, td = tree_flatten(list(args))
        leaves = [self._own(v) for v in leaves]
        if any(type(v) is Tensor for v in leaves):
            leaves = [v if type(v) is Tensor else _frozen(v) for v in leaves]
            self.events.append(_Guard(fn, tree_unflatten(td, leaves), copy.deepcopy(kwargs),
                                      _frozen(result)))
        if self._outer is not None:
            self._outer(fn, args, kwargs, result)

    def _own(self, v):
        """``v`` if it is a value traced here, else its plain value (looking through boxes of
        other transforms, whose raw values are what the guarded function saw)."""
        while isinstance(v, Box):
            if type(v) is Tensor and v._trace is self:
                return v
            v = v._raw()
        return v


class _Observing:
    """Installs a trace's guard observer for the duration of a ``with`` block (chaining to an
    enclosing recording's observer)."""

    def __init__(self, trace):
        self.trace = trace

    def __enter__(self):
        self.trace._outer = state.guard_observer
        state.guard_observer = self.trace.observe

    def __exit__(self, *exc):
        state.guard_observer = self.trace._outer
        return False


class _Program:
    """One recorded path in flat form. Slots: the inputs first, then constants and results in
    the order met; ``values[s]`` is slot ``s``'s value while recording. ``steps`` holds
    ``("op", prim, params, out, ins)`` and ``("guard", fn, args, kwargs, expected)`` in
    recording order, where a guard's ``args`` hold slot numbers in place of values."""

    def __init__(self, trace, watched, out):
        self.values = [w._value for w in watched]
        self.n_in = len(watched)
        self.consts = {}
        self._slot = {id(w._node): i for i, w in enumerate(watched)}
        self.steps = []
        for ev in trace.events:
            if type(ev) is _Op:
                ins = [self._ref(a) for a in ev.args]
                slot = self._new(ev.out._value)
                self._slot[id(ev.out._node)] = slot
                self.steps.append(("op", ev.prim, ev.params, slot, ins))
            else:
                leaves, td = tree_flatten(ev.args)
                args = tree_unflatten(td, [self._ref(v) for v in leaves])
                self.steps.append(("guard", ev.fn, args, ev.kwargs, ev.expected))
        out_leaves, self.out_def = tree_flatten(out)
        self.outs = [self._ref(o) for o in out_leaves]

    def _new(self, value):
        self.values.append(value)
        return len(self.values) - 1

    def _ref(self, v):
        """The slot of a traced value; a new constant slot for anything else (constants were
        copied when they were met)."""
        if type(v) is Tensor and id(v._node) in self._slot:
            return self._slot[id(v._node)]
        slot = self._new(v)
        self.consts[slot] = self.values[slot]
        return slot

    def op_count(self):
        return sum(s[0] == "op" for s in self.steps)

    def guard_count(self):
        return sum(s[0] == "guard" for s in self.steps)


def _traced(args):
    """Whether ``args`` hold a value an enclosing transform is differentiating: a replay would
    see only its value (NOTE: escaped values), so the Recording answers eagerly instead."""
    return holds_derivative(args)


def _frozen(v):
    """A constant captured by value: later mutation of the caller's object cannot change it."""
    return copy.deepcopy(raw_value(v))


# ------------------------------------------------------------------------ scalar programs (C)
_COMPARISONS = {np.less: "less", np.less_equal: "less_equal", np.greater: "greater",
                np.greater_equal: "greater_equal", np.equal: "equal",
                np.not_equal: "not_equal"}
# primitives that are the identity on a 0-d value
_SCALAR_IDENTITY = frozenset({"sum", "reshape", "broadcast_to", "transpose", "max", "min"})


def _is_f64_scalar(v):
    return shape_of(v) == () and np.result_type(v) == _F64


def _is_real_number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) \
        or isinstance(v, np.ndarray) and v.shape == () and v.dtype.kind in "fiu"


class _ScalarPath:
    """A program whose values are all float64 scalars, run by ``_replay.ScalarTape``."""

    kind = "scalar tape compiled to C"

    @staticmethod
    def accepts(program):
        if _replay is None:
            return False
        for slot, v in enumerate(program.values):
            if not (_is_real_number(v) if slot in program.consts else _is_f64_scalar(v)):
                return False
        for step in program.steps:
            if step[0] == "op" and _scalar_opcode(step[1].name) is None:
                return False
            if step[0] == "guard" and not (step[1] in _COMPARISONS and not step[3]
                                           and len(step[2]) == 2):
                return False
        return True

    def __init__(self, program, wrt):
        self.out_def, self.outs = program.out_def, program.outs
        self.n_ops, self.n_guards = program.op_count(), program.guard_count()
        zero = len(program.values)   # a zero register: the ``b`` operand of unary instructions
        init = np.zeros(zero + 1)
        for slot, v in program.consts.items():
            init[slot] = v
        code = [_scalar_instruction(step, zero) for step in program.steps]
        self.tape = _replay.ScalarTape(np.array(code, dtype=np.int32).reshape(-1, 4), init,
                                       program.n_in, wrt, program.outs)
        self.scalar_out = len(program.outs) == 1
        self.leaf_out = program.out_def.kind == "leaf"

    def describe(self):
        return f"{self.kind}, {self.n_ops} operations, {self.n_guards} guards"

    def value(self, inputs):
        out = self.tape.value(inputs)
        return None if out is None else [np.float64(v) for v in out]

    def value_and_grad(self, inputs):
        if not self.scalar_out:
            _scalar_output_error(len(self.outs), ())
        out = self.tape.value_and_grad(inputs)
        if out is None:
            return None
        value, grads = out
        value = np.float64(value)
        if not self.leaf_out:
            value = tree_unflatten(self.out_def, [value])
        return value, [np.float64(g) for g in grads]

    def jacobian(self, inputs):
        out = self.tape.jacobian(inputs)
        return None if out is None else [list(row) for row in out[1]]

    def hessian(self, inputs):
        if not self.scalar_out:
            _scalar_output_error(len(self.outs), ())
        out = self.tape.hessian(inputs)
        return None if out is None else [list(row) for row in out[2]]


def _scalar_opcode(name):
    """The interpreter's opcode for a primitive on 0-d values, or None."""
    if name in _SCALAR_IDENTITY or name == "where":
        return _replay.OPCODES.index("copy")
    if name in _replay.OPCODES and name != "copy":
        return _replay.OPCODES.index(name)
    return None


def _scalar_instruction(step, zero):
    if step[0] == "guard":
        _, fn, (a, b), _, expected = step
        cmp = _replay.GUARDS.index(_COMPARISONS[fn])
        return _replay.GUARD_OPCODE + cmp, int(bool(expected)), a, b
    _, prim, params, out, ins = step
    if prim.name == "where":   # a copy of the operand its (guarded) condition selected
        return _scalar_opcode("where"), out, ins[0] if params["cond"] else ins[1], zero
    return _scalar_opcode(prim.name), out, ins[0], ins[1] if len(ins) > 1 else zero


def _scalar_output_error(n_out, shape):
    raise TypeError(
        "Recording: gradient and hessian are only defined for a function with one scalar "
        f"output, but this one returns {n_out} leaves (the first of shape {shape}); reduce "
        "it (e.g. dnp.sum) or use jacobian")


# ------------------------------------------------------------------------ array programs (NumPy)
def _generic_step(prim, params, needs):
    """The primitive's own ``record`` and ``backward`` on plain arrays."""
    needs = list(needs)

    def rec(*vals):
        return prim.record(list(vals), params)

    def bwd(g, res):
        return prim.backward(g, res, needs, params)

    return rec, bwd


def _dependence(program, wrt):
    """Per slot: whether its value depends on the differentiated inputs ``wrt``."""
    depends = [False] * len(program.values)
    for i in wrt:
        depends[i] = True
    for step in program.steps:
        if step[0] == "op":
            depends[step[3]] = any(depends[i] for i in step[4])
    return depends


class _StepPath:
    """A program over arrays: one prebuilt step per operation (see the module's Design)."""

    kind = "array tape of NumPy steps"

    @staticmethod
    def accepts(program):
        return True

    def __init__(self, program, wrt):
        self.out_def = program.out_def
        self.outs = program.outs
        self.wrt = list(wrt)
        self.n_ops, self.n_guards = program.op_count(), program.guard_count()
        self.init = [None] * len(program.values)
        for slot, v in program.consts.items():
            self.init[slot] = v
        self.n_in = program.n_in
        self.in_specs = [(shape_of(program.values[i]), np.result_type(program.values[i]))
                         for i in self.wrt]
        self.out_specs = [(shape_of(program.values[o]), np.result_type(program.values[o]))
                          for o in self.outs]
        self.scalar_out = len(self.outs) == 1 and int(np.prod(self.out_specs[0][0])) == 1
        shape, dtype = self.out_specs[0]
        self.seed = np.ones((1,) + shape, dtype=dtype if dtype.kind == "f" else _F64)
        depends = _dependence(program, self.wrt)
        # forward steps ``(out, get, unary, fn, r)``: ``fn(*get(regs))`` (``fn(get(regs))`` when
        # ``unary``) gives the value, or with ``r >= 0`` the value and the residuals kept in
        # ``res[r]``; a guard is ``(-1, None, False, check, -1)``
        self.value_steps, self.grad_steps = [], []
        self.backward_steps, self.via_rules = [], []
        for step in program.steps:
            if step[0] == "guard":
                check = (-1, None, False, _guard_check(*step[1:]), -1)
                self.value_steps.append(check)
                self.grad_steps.append(check)
                continue
            _, prim, params, out, ins = step
            needs = [depends[i] for i in ins]
            rec, bwd = _generic_step(prim, params, needs)
            self.via_rules.append(prim.name)
            value = _value_fn(prim, params)
            get, unary = itemgetter(*ins), len(ins) == 1
            self.value_steps.append((out, get, unary, value, -1))
            if depends[out]:
                self.grad_steps.append((out, get, unary, rec, len(self.backward_steps)))
                self.backward_steps.append((out, tuple(ins), bwd, len(self.backward_steps)))
            else:
                self.grad_steps.append((out, get, unary, value, -1))

    def describe(self):
        rules = ", ".join(sorted(set(self.via_rules))) or "none"
        return (f"{self.kind}, {self.n_ops} operations, {self.n_guards} guards, through the "
                f"primitives' own rules: {rules}")

    def _forward(self, inputs, keep):
        """The register file after the forward pass (and residuals when ``keep``), or None
        when a guard fails."""
        regs = list(self.init)
        # Python floats were 0-d arrays while recording
        regs[:self.n_in] = [np.asarray(v) if type(v) is float else v for v in inputs]
        res = [None] * len(self.backward_steps)
        for out, get, unary, fn, r in self.grad_steps if keep else self.value_steps:
            if out < 0:
                if not fn(regs):
                    return None
            elif r < 0:
                regs[out] = fn(get(regs)) if unary else fn(*get(regs))
            else:
                regs[out], res[r] = fn(get(regs)) if unary else fn(*get(regs))
        return regs, res

    def _backward(self, res, seeds, k):
        """Cotangents (batch axis of ``k`` first) of the differentiated inputs."""
        adj = [None] * len(self.init)
        for slot, seed in seeds:
            adj[slot] = seed if adj[slot] is None else adj[slot] + seed
        for out, ins, bwd, r in reversed(self.backward_steps):
            g = adj[out]
            if g is None:
                continue
            for i, ct in zip(ins, bwd(g, res[r])):
                if ct is not None:
                    adj[i] = ct if adj[i] is None else adj[i] + ct
        grads = []
        for i, (shape, dtype) in zip(self.wrt, self.in_specs):
            g = adj[i]
            if g is None:
                g = np.zeros((k,) + shape, dtype=dtype)
            elif g.dtype != dtype:
                g = g.astype(dtype)
            grads.append(g)
        return grads

    def value(self, inputs):
        run = self._forward(inputs, keep=False)
        return None if run is None else [run[0][o] for o in self.outs]

    def value_and_grad(self, inputs):
        shape, dtype = self.out_specs[0]
        if not self.scalar_out:
            _scalar_output_error(len(self.outs), shape)
        run = self._forward(inputs, keep=True)
        if run is None:
            return None
        regs, res = run
        out = self.outs[0]
        grads = self._backward(res, [(out, self.seed)], 1)
        return tree_unflatten(self.out_def, [regs[out]]), [g[0] for g in grads]

    def jacobian(self, inputs):
        run = self._forward(inputs, keep=True)
        if run is None:
            return None
        sizes = [int(np.prod(shape)) for shape, _ in self.out_specs]
        m = sum(sizes)
        seeds, offset = [], 0
        for out, (shape, dtype), size in zip(self.outs, self.out_specs, sizes):
            seed = np.zeros((m, size), dtype=dtype if dtype.kind == "f" else _F64)
            seed[np.arange(offset, offset + size), np.arange(size)] = 1
            seeds.append((out, seed.reshape((m,) + shape)))
            offset += size
        grads = self._backward(run[1], seeds, m)
        blocks, offset = [], 0
        for (shape, _), size in zip(self.out_specs, sizes):
            blocks.append([g[offset:offset + size].reshape(shape + g.shape[1:]) for g in grads])
            offset += size
        return blocks

    def hessian(self, inputs):
        """Not compiled for array programs: ``NOT_COMPILED`` tells the Recording to call
        ``ad.hessian`` (once this path's guards hold, so that the path cache stays current)."""
        if not self.scalar_out:
            _scalar_output_error(len(self.outs), self.out_specs[0][0])
        return None if self._forward(inputs, keep=False) is None else NOT_COMPILED


NOT_COMPILED = object()


def _value_fn(prim, params):
    impl = prim.impl
    if not params:
        return impl
    return lambda *vals: impl(*vals, **params)


def _guard_check(fn, args, kwargs, expected):
    """``check(regs)``: whether the guard comes out as it did while recording."""
    leaves, td = tree_flatten(args)

    def check(regs):
        vals = tree_unflatten(td, [regs[s] for s in leaves])
        got = vals[0] if fn is None else fn(*vals, **kwargs)
        return _same(got, expected)

    return check


def _same(a, b):
    """Equal values (NaN equal to NaN, so a pinned NaN pins)."""
    if np.shape(a) != np.shape(b):
        return False
    same = a == b
    if np.ndim(same) == 0 and same:
        return True
    return bool(np.all(same | (a != a) & (b != b)))


# ------------------------------------------------------------------ small array programs (C)
SMALL_ARRAY = 1 << 16    # elements of the largest value the C array tape takes
SMALL_MATMUL = 1 << 15   # multiply-adds of the largest matmul it runs as C loops (BLAS beyond)
# linear primitives that only move elements: ``out[i] = x[map[i]]``, the map from ``impl`` itself
_GATHERS = frozenset({"reshape", "broadcast_to", "transpose", "getitem"})


def _is_real_constant(v):
    """A constant the C arena (doubles) may hold: a float array, or an integer scalar (an
    exponent, a count). Integer arrays (class labels, indices) keep their dtype on the NumPy
    steps, where the primitives that read them check it."""
    a = np.asarray(v)
    return a.dtype.kind == "f" or (a.dtype.kind in "iu" and a.ndim == 0)


class _ArrayTapePath(_StepPath):
    """A program whose values are all float64 arrays of at most ``SMALL_ARRAY`` elements:
    ``value`` and ``value_and_grad`` run ``_replay.ArrayTape`` (C loops for elementwise
    operations, small matmuls, sums and element moves; the primitives' own rules for the rest);
    ``jacobian`` and ``hessian`` are those of the NumPy steps, as are calls made while a replay
    of this path is already running (``ArrayTape``'s buffers serve one replay at a time)."""

    kind = "array tape compiled to C"

    @staticmethod
    def accepts(program):
        if _replay is None:
            return False
        for slot, v in enumerate(program.values):
            if slot in program.consts:
                ok = _is_real_constant(v)
            else:
                ok = np.result_type(v) == _F64
            if not ok or np.size(v) > SMALL_ARRAY:
                return False
        return True

    def __init__(self, program, wrt):
        super().__init__(program, wrt)
        self.tape, self.via_rules = _array_tape(program, self.wrt,
                                                _dependence(program, self.wrt))

    def value(self, inputs):
        out = self.tape.value(inputs)
        return super().value(inputs) if out is _replay.BUSY else out

    def value_and_grad(self, inputs):
        if not self.scalar_out:
            _scalar_output_error(len(self.outs), self.out_specs[0][0])
        out = self.tape.value_and_grad(inputs)
        if out is _replay.BUSY:
            return super().value_and_grad(inputs)
        if out is None:
            return None
        value, grads = out
        return tree_unflatten(self.out_def, [value]), grads


def _array_tape(program, wrt, depends):
    """``(tape, names)``: the ``_replay.ArrayTape`` of ``program`` (see its docstring for the
    instructions) and the names of the primitives it runs through their own rules."""
    shapes = [shape_of(v) for v in program.values]
    offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    init = np.zeros(offsets[-1])
    for slot, v in program.consts.items():
        init[offsets[slot]:offsets[slot + 1]] = np.ravel(v)
    maps, calls, checks, names = [], [], [], []

    def map_at(index_map):
        """The offset of ``index_map`` in the tape's one array of maps."""
        start = sum(len(m) for m in maps)
        maps.append(np.ravel(index_map).astype(np.intp))
        return start

    code = []
    for step in program.steps:
        if step[0] == "guard":
            code.append((_replay.KINDS.index("guard"), 0, -1, -1, -1, 0, 0, len(checks), 0))
            checks.append(_guard_check(*step[1:]))
            continue
        _, prim, params, out, ins = step
        needs = sum(1 << k for k, i in enumerate(ins[:2]) if depends[i])
        kind, opcode, extra = _array_instruction(prim, params, [shapes[i] for i in ins],
                                                 shapes[out], map_at)
        a, b = ins[0] if ins else -1, ins[1] if len(ins) > 1 else -1
        if kind == "generic":
            wanted = [depends[i] for i in ins]
            # the sweep skips an instruction whose ``needs`` is 0; a generic one may need the
            # cotangent of any operand, not only of the first two (betainc's x is the third)
            needs = int(any(wanted))
            extra, a, b = (0, 0, len(calls)), -1, -1
            calls.append((*_generic_step(prim, params, wanted), tuple(ins), tuple(wanted)))
            names.append(prim.name)
        code.append((_replay.KINDS.index(kind), opcode, out, a, b, *extra, needs))
    tape = _replay.ArrayTape(np.array(code, dtype=np.intp).reshape(-1, _replay.N_COLUMNS),
                             offsets, shapes, init, np.concatenate(maps or [[]]), program.n_in,
                             wrt, program.outs, calls, checks)
    return tape, names


def _array_instruction(prim, params, shapes, out_shape, map_at):
    """``(kind, opcode, (p, q, r))`` of one operation (see ``_replay.ArrayTape``); the
    columns of a generic one are filled in by the caller."""
    name = prim.name
    if name in _replay.OPCODES and name != "copy" and not params and len(shapes) in (1, 2):
        modes = [_operand_mode(shape, out_shape, map_at) for shape in shapes]
        if len(modes) == 1:
            modes.append(_replay.OPERAND_NONE)
        return "elementwise", _replay.OPCODES.index(name), (*modes, 0)
    if name == "matmul" and all(1 <= len(s) <= 2 for s in shapes):
        (a, b) = shapes
        m, k, n = (a[0] if len(a) == 2 else 1), a[-1], (b[1] if len(b) == 2 else 1)
        if m * k * n <= SMALL_MATMUL:
            return "matmul", 0, (m, k, n)
    if len(shapes) == 1:
        positions = np.arange(int(np.prod(shapes[0]))).reshape(shapes[0])
        if name in _GATHERS:
            return "gather", 0, (map_at(prim.impl(positions, **params)), 0, 0)
        if name == "sum":
            kept = [1 if i - len(shapes[0]) in params["axis"] else n
                    for i, n in enumerate(shapes[0])]
            into = np.arange(int(np.prod(out_shape))).reshape(kept)
            return "scatter", 0, (map_at(np.broadcast_to(into, shapes[0])), 0, 0)
    return "generic", 0, None


def _operand_mode(shape, out_shape, map_at):
    """How an elementwise instruction reads an operand of ``shape`` broadcast to ``out_shape``."""
    if tuple(shape) == tuple(out_shape):
        return _replay.OPERAND_SAME
    size = int(np.prod(shape))
    if size == 1:
        return _replay.OPERAND_SCALAR
    return map_at(np.broadcast_to(np.arange(size).reshape(shape), out_shape))
