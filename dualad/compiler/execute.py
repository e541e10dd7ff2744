"""Running a ``Program``: the program becomes one straight-line Python function.

# Design: ``Executable`` writes the steps out as the source of one function, ``r5 = f5(r2,
# c3)`` per step, with the primitives' value functions, constants and params bound as names of
# its globals, and compiles it when it first runs (Python compiles about 10-50 µs per line, so
# the tracing call, which returns the values it traced, does not pay for it). A call is then a
# sequence of calls of value functions on plain arrays held in local variables: no boxes, no
# dispatch, no tape, and no interpreter loop (no per-step tuple unpacking or register-list
# indexing). A register holding a big array is deleted after its last reader, so intermediates
# die as early as they do in eager code. A guard that comes out
# differently, or a step that raises, abandons the run (``None``): the caller traces again, and
# the eager semantics (the other branch, or the error) follow from that trace.
"""
import math
import operator

import numpy as np

from .program import GUARD, NP, Slot, _Spec, holds_slot


RELEASE_MIN = 1024   # elements of the smallest register deleted after its last reader


class Executable:
    """A ``Program`` compiled to a Python function: ``run(inputs)`` gives the outputs, or None
    when a guard fails or a step raises."""

    def __init__(self, program):
        self.program = program
        self.source, self._env = _source(program)
        self._run = None

    def run(self, inputs):
        """The output values for ``inputs`` (one per input slot), or None when the path does
        not hold for them."""
        run = self._run
        if run is None:   # compiled when first run: the tracing call needs no run
            namespace = {}
            exec(compile(self.source, f"<ad.jit program {id(self):x}>", "exec"), self._env,
                 namespace)
            run = self._run = namespace["run"]
        return run(*inputs)


class Names:
    """How generated source names a program's values: registers ``r<slot>``, and constants,
    value functions and params as globals of the generated code (``env``)."""

    def __init__(self, program):
        self.program = program
        self.env = {"_same": same}

    def slot(self, slot):
        if slot in self.program.consts:
            key = f"c{slot}"
            self.env[key] = self.program.values[slot]
            return key
        return f"r{slot}"

    def bind(self, key, value):
        self.env[key] = value
        return key

    def expression(self, tree, key):
        """Source for ``tree`` (params or arguments) with ``Slot``s read from registers."""
        kind = type(tree)
        if kind is Slot:
            return self.slot(tree.index)
        if not holds_slot(tree):
            return self.bind(key, tree)   # a constant, built once
        if kind is tuple:
            return "(" + "".join(self.expression(v, f"{key}_{i}") + ", "
                                 for i, v in enumerate(tree)) + ")"
        if kind is list:
            return "[" + ", ".join(self.expression(v, f"{key}_{i}")
                                   for i, v in enumerate(tree)) + "]"
        if kind is dict:
            return "{" + ", ".join(f"{k!r}: {self.expression(v, f'{key}_{i}')}"
                                   for i, (k, v) in enumerate(tree.items())) + "}"
        return self.bind(key, tree)

    def call(self, step, k):
        """``(function name, argument sources)`` of step ``k``'s call (an ``op`` or ``np``
        step), its function bound in ``env``."""
        fn = self.bind(f"f{k}", step.fn if step.kind == NP else step.fn.impl)
        if step.kind == NP:
            args, kwargs = step.params
            call = [f"*{self.expression(list(args), f'a{k}')}"]
            if kwargs:
                call.append(f"**{self.expression(kwargs, f'k{k}')}")
            return fn, call
        call = [self.slot(i) for i in step.ins]
        python = _PYTHON_ARITHMETIC.get(step.fn.name)
        if python is not None and not step.params and all(
                _python_number(self.program.values[i]) for i in step.ins):
            # a step counter's ``t + 1``, ``0.9 ** t``: Python's arithmetic on the Python
            # numbers the signature fixes, as eagerly (and a tenth of a NumPy scalar call)
            fn = self.bind(f"f{k}", python)
        for key, v in (step.params or {}).items():
            call.append(f"{key}={self.expression(v, f'p{k}_{key}')}")
        return fn, call


def _source(program):
    """``(source, globals)`` of the function running ``program``."""
    names = Names(program)
    name, bind = names.slot, names.bind
    last = {}
    for k, step in enumerate(program.steps):
        for s in step.reads():
            last[s] = k
    keep = set(program.outs) | program.consts
    # registers worth releasing early: arrays whose memory matters (a ``del`` per step also
    # makes the function slower to compile)
    big = {s for s, v in enumerate(program.values) if _elements(v) >= RELEASE_MIN}
    body = []
    for k, step in enumerate(program.steps):
        if step.kind == GUARD:
            body.append(f"if not _same({name(step.ins[0])}, {bind(f'g{k}', step.params)}): "
                        "return None")
        else:
            fn, call = names.call(step, k)
            if step.kind != NP and k in program.in_place:   # program.reuse_buffers
                ufunc, position = program.in_place[k]
                fn = bind(f"u{k}", ufunc)
                call.append(f"out={call[position]}")
            body.append(f"r{step.out} = {fn}({', '.join(call)})")
        dead = sorted(s for s in set(step.reads()) if last[s] == k and s not in keep
                      and s in big)
        if dead:
            body.append("del " + ", ".join(f"r{s}" for s in dead))
    outs = ", ".join(name(o) for o in program.outs)
    lines = [f"def run({', '.join(f'r{i}' for i in range(program.n_in))}):", "    try:"]
    lines += [f"        {line}" for line in body]
    lines += [f"        return [{outs}]",
              "    except Exception:   # the eager trace that follows raises it properly",
              "        return None"]
    return "\n".join(lines) + "\n", names.env


def _python_power(a, b):
    """``a ** b`` of Python numbers as eager Python computes it (the C ``pow`` NumPy calls too);
    NumPy's answer where Python raises (overflow, a zero to a negative power), as the traced
    program computed it."""
    try:
        return a ** b
    except (ArithmeticError, ValueError):
        return np.power(a, b)


# the primitives of Python's arithmetic operators run on Python numbers (``tracing.py``:
# the values such steps trace); never raising, but ``power``'s guard
_PYTHON_ARITHMETIC = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
                      "negative": operator.neg, "power": _python_power}


def _python_number(v):
    """Whether a slot holds a Python int or float (as traced: its value, or what is kept of
    it once the program forgets values)."""
    return type(v) in (int, float) or (type(v) is _Spec and v.kind in ("int", "float"))


def _elements(v):
    """How many elements the value ``v`` of a slot holds (a list: a fused step's results; a
    ``_Spec`` once the program's values are forgotten)."""
    if type(v) is list:
        return sum(_elements(e) for e in v)
    shape = getattr(v, "shape", None)
    return math.prod(shape) if shape is not None else 1



def same(a, b):
    """Whether the guarded value ``a`` equals the traced ``b`` (NaN equal to NaN, shapes and
    dtypes alike)."""
    if a is b:
        return True
    if np.shape(a) != np.shape(b) or getattr(a, "dtype", None) != getattr(b, "dtype", None):
        return False
    eq = a == b
    if np.ndim(eq) == 0:
        return bool(eq) or bool(a != a and b != b)
    return bool(np.all(eq | ((a != a) & (b != b))))
