"""The program ``ad.jit`` records, and the passes that simplify it.

A ``Program`` is a flat list of steps over numbered slots: the inputs come first, then
constants (captured by value while tracing) and one slot per step result. Three kinds of step:

* ``op``: a primitive's value function on the slots ``ins`` with keyword ``params`` (which may
  hold ``Slot`` references: a traced index or mask that lands in a primitive's params);
* ``np``: a non-differentiated NumPy function (comparisons, ``isnan``, ``argmax`` …) on
  arguments that hold ``Slot`` references (NOTE: staged decisions in ``tracing.py``);
* ``guard``: slot ``ins[0]`` must equal the value it had while tracing, or the call traces
  again.

``str(program)`` prints one line per step, in the spirit of a jaxpr.
"""
import numpy as np

OP, NP, GUARD = "op", "np", "guard"


class Slot:
    """A traced value inside params or a NumPy call's arguments: replaced by slot ``index``'s
    value when the step runs."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"%{self.index}"

    def __eq__(self, other):
        return type(other) is Slot and other.index == self.index

    def __hash__(self):
        return hash(("slot", self.index))


class Step:
    """One step: ``out = fn(*slots ins, **params)`` (see the module docstring)."""

    __slots__ = ("kind", "fn", "ins", "params", "out", "dynamic")

    def __init__(self, kind, fn, ins, params, out, dynamic):
        self.kind, self.fn, self.ins, self.params = kind, fn, ins, params
        self.out, self.dynamic = out, dynamic

    @property
    def name(self):
        if self.kind == OP:
            return self.fn.name
        if self.kind == NP:
            return _function_name(self.fn)
        return "guard"

    def reads(self):
        """Every slot the step reads (operands and the ``Slot``s inside its params)."""
        found = list(self.ins)
        if self.dynamic:
            _collect_slots(self.params, found)
        return found


class Program:
    """One traced path of a function (see the module docstring): ``steps`` (each with its
    ``name``), ``guards``, ``outs`` (the output slots) and ``out_def`` (their pytree
    structure). ``ad.jit(f).lower(*args)`` returns one.

    >>> import numpy as np, dualad as ad, dualad.numpy as dnp
    >>> program = ad.jit(lambda x: dnp.sum(dnp.where(x > 0, x, 0.0))).lower(np.ones(2))
    >>> [step.name for step in program.steps], len(program.guards)
    (['numpy.greater', 'where', 'sum'], 0)
    """

    def __init__(self):
        self.values = []
        self.n_in = 0
        self.consts = set()
        self.steps = []
        self.outs = []
        self.out_def = None
        self.reads = []       # library functions whose plain-value reads pinned a value
        self.in_place = {}    # index of a step -> its operand whose buffer it writes into
        self._pinned = set()
        self._build_outputs = None
        self.number_outs = ()   # (position in outs, Python type): see ``finish``

    # -- building (tracing.StagingTrace) ------------------------------------------------------
    def _new(self, value):
        self.values.append(value)
        return len(self.values) - 1

    def add_input(self, value):
        self.n_in += 1
        return self._new(value)

    def add_const(self, value):
        slot = self._new(value)
        self.consts.add(slot)
        return slot

    def add_step(self, kind, fn, ins, params, value, dynamic):
        out = self._new(value)
        step = Step(kind, fn, list(ins), params, out, dynamic)
        if kind == NP:
            step.ins = []
            _collect_slots(params, step.ins)
            step.dynamic = False   # its slots are its ``ins``, read through the template
        self.steps.append(step)
        return out

    def add_guard(self, slot, expected):
        """A guard pinning slot ``slot`` to ``expected``; its index in ``steps``."""
        self._pinned.add(slot)
        self.steps.append(Step(GUARD, None, [slot], _frozen_copy(expected), -1, False))
        return len(self.steps) - 1

    def pinned(self, slot):
        return slot in self._pinned

    def finish(self, outs, out_def):
        self.steps = [s for s in self.steps if s is not None]   # dropped pending guards
        self.outs, self.out_def = list(outs), out_def
        # outputs that were Python numbers while tracing (a step counter ``t + 1``) come back
        # as Python numbers: the steps compute NumPy scalars
        self.number_outs = tuple((k, type(self.values[o])) for k, o in enumerate(self.outs)
                                 if type(self.values[o]) in (int, float, complex))

    def output_tree(self, outs):
        """The output values ``outs`` (one per output slot) in the traced function's pytree,
        built by a function generated for ``out_def`` (no walk of the tree per call)."""
        build = self._build_outputs
        if build is None:
            build = self._build_outputs = _tree_builder(self.out_def)
        if self.number_outs:
            outs = list(outs)
            for k, kind in self.number_outs:
                outs[k] = kind(outs[k])
        return build(outs)

    def forget_values(self):
        """Keep only the shapes and dtypes of the non-constant slots: a program must not keep
        the caller's arrays (or big intermediates) alive."""
        self.values = [v if s in self.consts else _Spec(v) for s, v in enumerate(self.values)]

    # -- inspection -----------------------------------------------------------------------------
    @property
    def guards(self):
        return [s for s in self.steps if s.kind == GUARD]

    @property
    def ops(self):
        return [s for s in self.steps if s.kind != GUARD]

    def __str__(self):
        names = {i: f"%{i}" for i in range(self.n_in)}   # slots renumbered in order
        consts = {}
        for step in self.steps:
            if step.kind != GUARD:
                names[step.out] = f"%{len(names)}"

        def describe(slot):
            return f"{names[slot]}:{_type_of(self.values[slot])}"

        def operand(slot):
            if slot not in self.consts:
                return names.get(slot, f"%?{slot}")
            v = self.values[slot]
            if np.ndim(v) == 0 and not isinstance(v, (list, tuple)):
                return repr(v.item() if hasattr(v, "item") else v)
            if slot not in consts:
                consts[slot] = f"c{len(consts)}:{_type_of(v)}"
            return consts[slot]

        lines = [f"{{ lambda {', '.join(describe(i) for i in range(self.n_in))} ."]
        for step in self.steps:
            if step.kind == GUARD:
                lines.append(f"    guard {operand(step.ins[0])} == {_short(step.params)}")
                continue
            if step.kind == NP:
                args, kwargs = step.params
                shown = ", ".join([_show(a, operand) for a in args]
                                  + [f"{k}={_show(v, operand)}" for k, v in kwargs.items()])
            else:
                shown = ", ".join([operand(i) for i in step.ins]
                                  + [f"{k}={_show(v, operand)}" for k, v in
                                     (step.params or {}).items()])
            lines.append(f"    {describe(step.out)} = {step.name}({shown})")
        lines.append(f"  in ({', '.join(operand(o) for o in self.outs)}) }}")
        return "\n".join(lines)

    def __repr__(self):
        return (f"<Program: {self.n_in} inputs, {len(self.ops)} steps, {len(self.guards)} "
                "guards>")


def _function_name(fn):
    """``numpy.add.reduce``, ``numpy.greater``, a primitive's value function's name …"""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):
        return f"numpy.{owner.__name__}.{fn.__name__}"
    name = getattr(fn, "__name__", None) or type(fn).__name__
    module = getattr(fn, "__module__", None) or ""
    if isinstance(fn, np.ufunc) or module.startswith("numpy"):
        return "numpy." + name
    return name


def _tree_builder(treedef):
    """``lambda o: <the pytree of treedef with leaves o[0], o[1] ...>`` (``_core.tree``'s
    nodes: leaves, None, tuples, namedtuples, lists and dicts)."""
    env, leaves = {}, iter(range(treedef.num_leaves))

    def expression(td):
        if td.kind == "leaf":
            return f"o[{next(leaves)}]"
        if td.kind == "none":
            return "None"
        parts = [expression(c) for c in td.children]
        if td.kind is list:
            return "[" + ", ".join(parts) + "]"
        if td.kind is dict:
            name = f"k{len(env)}"
            env[name] = td.meta   # the sorted keys
            return f"dict(zip({name}, ({''.join(p + ', ' for p in parts)})))"
        if td.kind is tuple and td.meta in (tuple, None):
            return "(" + "".join(p + ", " for p in parts) + ")"
        if td.kind is tuple:   # a namedtuple
            name = f"t{len(env)}"
            env[name] = td.meta
            return f"{name}(" + ", ".join(parts) + ")"
        raise _Unknown

    try:
        return eval("lambda o: " + expression(treedef), env)   # noqa: S307 (our own source)
    except (_Unknown, RecursionError, SyntaxError):
        from .._core.tree import tree_unflatten
        return lambda outs: tree_unflatten(treedef, outs)


class _Unknown(Exception):
    """A pytree node ``_tree_builder`` does not write out."""


def _collect_slots(tree, found):
    kind = type(tree)
    if kind is Slot:
        found.append(tree.index)
    elif kind is tuple or kind is list:
        for v in tree:
            _collect_slots(v, found)
    elif kind is dict:
        for v in tree.values():
            _collect_slots(v, found)


class _Spec:
    """What ``str(program)`` shows of a slot whose value is not kept."""

    __slots__ = ("shape", "dtype", "kind")

    def __init__(self, v):
        # a list: the results of a fused step (``fusion.py``), of several shapes
        self.shape = (len(v),) if type(v) is list else tuple(np.shape(v))
        self.dtype = getattr(v, "dtype", None)
        self.kind = type(v).__name__


def _type_of(v):
    dtype = getattr(v, "dtype", None)
    if dtype is None:
        return v.kind if type(v) is _Spec else type(v).__name__
    return f"{dtype}{list(getattr(v, 'shape', np.shape(v)))}"


def _short(v):
    if np.size(v) <= 4:
        return repr(v.tolist() if hasattr(v, "tolist") else v)
    return f"<{_type_of(v)}>"


def _show(v, operand):
    if type(v) is Slot:
        return operand(v.index)
    if type(v) is tuple:
        return "(" + ", ".join(_show(e, operand) for e in v) + ("," if len(v) == 1 else "") + ")"
    if type(v) is list:
        return "[" + ", ".join(_show(e, operand) for e in v) + "]"
    if isinstance(v, np.ndarray):
        return _short(v)
    return repr(v)


def _frozen_copy(v):
    return v.copy() if isinstance(v, np.ndarray) else v


# ---------------------------------------------------------------------------------- passes
def eliminate_common_subexpressions(program):
    """Steps that apply the same function to the same slots with equal params compute the same
    value: later ones are dropped and their readers point at the first. Constants of equal
    scalar value are merged first."""
    alias = {}
    scalars = {}
    for slot in sorted(program.consts):
        v = program.values[slot]
        if isinstance(v, (int, float, np.generic)) and not isinstance(v, bool):
            key = (type(v), v.dtype.str if hasattr(v, "dtype") else None, repr(v))
            if key in scalars:
                alias[slot] = scalars[key]
            else:
                scalars[key] = slot
    seen = {}
    kept = []
    for step in program.steps:
        _rename(step, alias)
        if step.kind == OP and not step.dynamic:
            key = _step_key(step)
            if key is not None:
                first = seen.get(key)
                if first is not None:
                    alias[step.out] = first
                    continue
                seen[key] = step.out
        kept.append(step)
    program.steps = kept
    program.outs = [alias.get(o, o) for o in program.outs]


def _step_key(step):
    try:
        params = tuple(sorted((k, _hashable(v)) for k, v in (step.params or {}).items()))
        key = (id(step.fn), tuple(step.ins), params)
        hash(key)
        return key
    except TypeError:
        return None


def _hashable(v):
    if isinstance(v, np.ndarray):
        return ("array", v.shape, v.dtype.str, v.tobytes())
    if isinstance(v, list):
        return ("list",) + tuple(_hashable(e) for e in v)
    if isinstance(v, tuple):
        return tuple(_hashable(e) for e in v)
    if isinstance(v, slice):
        return ("slice", v.start, v.stop, v.step)
    if isinstance(v, dict):
        return ("dict",) + tuple(sorted((k, _hashable(e)) for k, e in v.items()))
    return v


def _rename(step, alias):
    if not alias:
        return
    step.ins = [alias.get(i, i) for i in step.ins]
    if step.kind == NP or step.dynamic:
        step.params = _rename_tree(step.params, alias)


def _rename_tree(tree, alias):
    kind = type(tree)
    if kind is Slot:
        return Slot(alias.get(tree.index, tree.index))
    if kind is tuple or kind is list:
        return kind(_rename_tree(v, alias) for v in tree)
    if kind is dict:
        return {k: _rename_tree(v, alias) for k, v in tree.items()}
    return tree


def eliminate_dead_code(program):
    """Drop the steps whose results neither an output nor a guard needs."""
    live = set(program.outs)
    kept = []
    for step in reversed(program.steps):
        if step.kind == GUARD or step.out in live:
            live.update(step.reads())
            kept.append(step)
    kept.reverse()
    program.steps = kept


def fold_constants(program):
    """Steps whose operands are all constants become constants (computed once, now)."""
    for step in program.steps:
        if step.kind == OP and all(i in program.consts for i in step.reads()):
            program.consts.add(step.out)
            step.kind = "folded"
    program.steps = [s for s in program.steps if s.kind != "folded"]


# the arithmetic primitives whose value is a NumPy ufunc of their two operands
_UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
           "divide": np.divide}
_FRESH = frozenset(_UFUNCS) | {"negative", "square", "exp", "log", "sin", "cos", "tanh",
                              "sqrt", "sigmoid", "relu", "abs", "matmul"}
IN_PLACE_MIN = 4096   # elements: below this a fresh array costs no more than an in-place one


def reuse_buffers(program):
    """Mark arithmetic steps that may write their result into an operand's buffer
    (``program.in_place``): the operand is a fresh array one of the ``_FRESH`` steps made
    (never an input, a constant or a view), no later step or output reads it, no other value
    is a view of it, it has the result's shape and dtype, and it is big enough to matter. The
    ufunc with ``out=`` gives the same bits as without."""
    last, made_by = {}, {}
    for k, step in enumerate(program.steps):
        for s in step.reads():
            last[s] = k
        if step.kind == OP:
            made_by[step.out] = step.fn.name
    outs = set(program.outs)
    viewed = set()
    for v in program.values:
        base = getattr(v, "base", None)
        while base is not None:
            viewed.add(id(base))
            base = getattr(base, "base", None)
    for k, step in enumerate(program.steps):
        if step.kind != OP or step.dynamic or step.params or step.fn.name not in _UFUNCS:
            continue
        result = program.values[step.out]
        if type(result) is not np.ndarray or result.size < IN_PLACE_MIN:
            continue
        for position, s in enumerate(step.ins):
            v = program.values[s]
            if (made_by.get(s) in _FRESH and s not in outs and last.get(s) == k
                    and step.ins.count(s) == 1 and type(v) is np.ndarray
                    and v.flags.owndata and v.flags.c_contiguous and id(v) not in viewed
                    and v.shape == result.shape and v.dtype == result.dtype):
                program.in_place[k] = (_UFUNCS[step.fn.name], position)
                break


def optimize(program):
    """The passes, in order: constant folding, common subexpressions, dead code, banded values
    kept compact (``bands.py``), sums of zero-padded blocks written once (``pads.py``),
    scatters to distinct positions assigned (``scatter.py``), fusion of elementwise chains
    (``fusion.py``), buffer reuse."""
    from .bands import use_bands
    from .fusion import fuse_elementwise
    from .pads import sum_pads
    from .scatter import scatter_distinct
    fold_constants(program)
    eliminate_common_subexpressions(program)
    eliminate_dead_code(program)
    use_bands(program)
    sum_pads(program)
    scatter_distinct(program)
    eliminate_dead_code(program)
    fuse_elementwise(program)
    reuse_buffers(program)
    return program


def holds_slot(tree):
    """Whether ``tree`` (a step's arguments: tuples, lists and dicts of values) refers to a
    slot of the program anywhere."""
    kind = type(tree)
    if kind is Slot:
        return True
    if kind is tuple or kind is list:
        return any(holds_slot(v) for v in tree)
    if kind is dict:
        return any(holds_slot(v) for v in tree.values())
    return False
