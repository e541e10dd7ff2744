"""Tracing for ``ad.jit``: run ``fun`` once on staged boxes and record a flat program.

# Design: a ``StagingTrace`` is a trace level like a ``jvp`` or a tape: ``bind`` hands it every
# primitive applied to one of its ``Staged`` boxes. It computes the primitive on the concrete
# values (so ``fun`` runs exactly as eager code, with real numbers), records the application as
# a step of a ``Program`` and returns a new ``Staged`` box of the result. Derivative transforms
# called inside ``fun`` open levels above it; their rules are written with dualad operations,
# so the forward and backward passes they run reach this trace as ordinary primitives and are
# recorded like any other code (``ad.jit(ad.grad(f))`` records forward and backward together).

NOTE: staged decisions. Everything that lets a traced value decide something is either data in
the program or a guard, re-checked on every call (a failed guard traces ``fun`` again):

* Library code that reads the plain value of a traced array (``raw_value(x)``: the
  non-differentiated ``dualad.numpy`` functions such as comparisons and ``isnan``, ``where``'s
  condition, an index, ``stop_gradient``, the masks and shifts inside derivative rules such as
  ``abs``'s sign or ``relu``'s ``x > 0``) reaches ``Staged._raw``. Readers listed in
  ``_TRACKED_READERS`` (checked by reading them: they use the array only through NumPy
  functions, ufuncs and array methods) get a ``Tracked`` array: every NumPy function, ufunc
  and common array method applied to it is recorded as a step and returns a ``Tracked`` result,
  so masks, signs and shifts are data in the program and a new input never re-traces for them.
  A ``Tracked`` value that lands in a primitive's operands or params (a mask, an integer index)
  is a dynamic operand of that step.
* Converting a ``Tracked`` value to Python (``bool`` for ``if x > 0:``, ``int``, ``item``,
  iteration) pins it: a guard that it has the same value on later calls. So does a derivation
  ``Tracked`` does not record (any other array method), for the array it came from.
* ``int(x)`` / ``operator.index(x)`` of a traced integer (``range(n)``, ``dnp.zeros(n)``) pins
  it; ``float(x)``, ``x.item()``, ``np.asarray(x)`` of a traced value raise
  ``ConcretizationError`` as in every transform.
* Readers in ``_METADATA_READERS`` look only at dtypes, shapes or the array module and get the
  plain array. Any other reader pins the value and gets the plain array: the program is then
  correct for the values it was traced with and traces again for others (slower, never wrong).

A ``Tracked`` array turned back into a plain one (``np.asarray(t)``, a view) is recognised when
that view reaches a step: the same elements are the same slot, any other view of it pins it.
A ``Tracked`` result that no recorded step reads is pinned at the end of the trace (whoever got
it used it some other way). Not followed: plain NumPy computed from such a plain view, or a
compiled kernel reading a ``Tracked`` array's buffer, when the array is also read by a step;
the readers in ``_TRACKED_READERS`` do not do that.
"""
import copy
import operator
import sys
import threading

import numpy as np

from .._core._engine import set_plain_hook
from .._core.escape import ConcretizationError, carries_derivative, holds_derivative
from .._core.primitive import Box, bind
from .._core.state import IMPERATIVE_LEVEL, new_level
from ..numpy._methods import _UFUNC_ALIASES, _dnp_namespace
from .program import NP, OP, Program, Slot

# Functions that read a traced value's plain array only for its dtype, shape or array module
# (file name, function name).
_METADATA_READERS = frozenset({
    ("escape.py", "holds_derivative"), ("escape.py", "carries_derivative"),
    ("escape.py", "concrete"),
    ("reverse.py", "_scalar_seed"), ("reverse.py", "basis_cotangents"),
    ("reverse.py", "egrad_fn"), ("forward.py", "push_forward"), ("forward.py", "_zeros_tree"),
    ("derived.py", "_zeros_if_none"), ("derived.py", "jvp_from_vjp"),
    ("derived.py", "vjp_from_jvp"), ("custom.py", "_zeros_like"), ("custom.py", "jvp"),
    ("backend.py", "array_module"), ("backend.py", "backend_of"),
    ("remainders.py", "_zero_tangent"),
    ("_order.py", "_with_nan_slices"), ("_order.py", "_nan_mask"), ("_order.py", "_nan_count"),
})
# Functions whose every use of a traced value's plain array goes through NumPy functions, ufuncs
# and the array methods ``Tracked`` records (checked by reading them).
_TRACKED_READERS = frozenset({
    ("_ufuncs.py", "fn"),                    # the non-differentiated dualad.numpy functions
    ("stop.py", "_constant"),                # ad.stop_gradient
    ("binary.py", "where"), ("indexing.py", "normalize_index"),
    ("elementwise.py", "_sign"), ("elementwise.py", "_step"),   # abs's and relu's derivatives
    ("binary.py", "_tie_share"), ("logexp.py", "_power_x"), ("logexp.py", "_power_dy"),
    ("reductions.py", "_tie_weights"),
    ("complex.py", "_modulus_factor"), ("complex.py", "_angle_factor"),
    ("training.py", "dlogits"), ("training.py", "_relu_bwd"),
    ("functional.py", "_shifted"), ("functional.py", "leaky_relu"), ("functional.py", "elu"),
    ("functional.py", "softplus"), ("functional.py", "huber_loss"),
    ("functional.py", "smooth_l1_loss"),
    ("remainders.py", "partial"), ("remainders.py", "_over_hypot"),
    ("decompositions.py", "_undefined_if_used"), ("decompositions.py", "_phase_part"),
    ("decompositions.py", "_drops_values"), ("decompositions.py", "_truncated_parts"),
    ("linalg.py", "_structural_nonzero"),
})
# NumPy functions of a Tracked array whose result depends only on its shape and dtype
_METADATA_FUNCTIONS = frozenset({np.result_type, np.shape, np.ndim, np.size, np.iscomplexobj,
                                 np.isrealobj, np.min_scalar_type, np.can_cast})
_COMPREHENSIONS = frozenset({"<listcomp>", "<genexpr>", "<dictcomp>", "<setcomp>"})


class ClosesOverTraced(TypeError):
    """``fun`` reads a value an enclosing transform differentiates from its closure: the
    jitted call then runs ``fun`` eagerly, so that the transform differentiates it."""


def _reader():
    """``(file name, function name)`` of the code that asked a ``Staged`` for its plain value
    (looking past ``raw_value``, which only strips boxes, and comprehensions)."""
    frame = sys._getframe(2)
    while frame is not None and (frame.f_code.co_name in ("raw_value", "_raw", "strip")
                                 or frame.f_code.co_name in _COMPREHENSIONS):
        frame = frame.f_back
    if frame is None:
        return ("", "")
    code = frame.f_code
    return code.co_filename.rsplit("/", 1)[-1], code.co_name


class Staged(Box):
    """A value traced by ``ad.jit``: the concrete value it has while tracing and its slot in the
    program being recorded."""

    __slots__ = ("_value", "_slot")

    def __init__(self, trace, slot, value):
        self._trace = trace
        self._level = trace.level
        self._slot = slot
        self._value = value

    def _raw(self):
        return self._trace.read_raw(self)

    # array metadata without reading the values (NOTE: staged decisions)
    @property
    def shape(self):
        return np.shape(self._value)

    @property
    def dtype(self):
        v = self._value
        return v.dtype if hasattr(v, "dtype") else np.result_type(v)

    @property
    def ndim(self):
        return np.ndim(self._value)

    @property
    def size(self):
        return int(np.size(self._value))

    def __len__(self):
        return len(self._value)

    def __index__(self):
        return operator.index(self._trace.pin(self, "use as an index (operator.index)"))

    def __int__(self):
        return int(self._trace.pin(self, "int()"))

    def __repr__(self):
        return f"Staged(shape={self.shape}, dtype={self.dtype}, slot={self._slot})"

    # NumPy functions without a dualad.numpy counterpart (``scipy.special.j1(x)`` in a custom
    # rule, say) are steps of the program: the values they see are not differentiated here
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
        if (method == "__call__" and name and hasattr(_dnp(), name)) or not self._trace.active:
            return Box.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        return self._trace.record_numpy(fn, inputs, kwargs, Box.__array_ufunc__,
                                        (self, ufunc, method) + inputs)

    def __array_function__(self, func, types, args, kwargs):
        namespace = _dnp_namespace(func.__module__ or "")
        if (namespace is not None and hasattr(namespace, func.__name__)) \
                or not self._trace.active:
            return Box.__array_function__(self, func, types, args, kwargs)
        return self._trace.record_numpy(func, args, kwargs, Box.__array_function__,
                                        (self, func, types, args))


class StagingTrace:
    """The trace level of one ``ad.jit`` tracing run. ``process`` records each primitive
    applied to its boxes; ``read_raw``, ``record_call`` and ``pin_slot`` handle plain values
    leaving the trace (NOTE: staged decisions)."""

    def __init__(self):
        self.level = new_level()
        self.active = True
        self.program = Program()
        self._unused = {}   # id of a Tracked array no recorded step has read -> its slot
        self._alive = []    # those arrays (their ids stay theirs while the trace runs)

    # -- boxes and slots ----------------------------------------------------------------------
    def input(self, value):
        """A new input slot holding ``value``; its box."""
        return Staged(self, self.program.add_input(value), value)

    def _slot_of(self, v):
        """The slot of ``v`` (a box or a ``Tracked`` array of this trace), or None."""
        if type(v) is Staged and v._trace is self:
            return v._slot
        if type(v) is Tracked and v._jit is not None and v._jit[0] is self:
            self._unused.pop(id(v), None)
            return v._jit[1]
        if type(v) is np.ndarray and v.base is not None:
            return self._slot_of_view(v)
        return None

    def _slot_of_view(self, v):
        """A plain view of a ``Tracked`` array (``np.asarray(t)``): the same slot when it shows
        the same elements; another view of it is a constant, and pins the slot it came from."""
        base = v.base
        while base is not None and type(base) is not Tracked:
            base = getattr(base, "base", None)
        if base is None or base._jit is None or base._jit[0] is not self:
            return None
        slot = base._jit[1]
        if (v.shape == base.shape and v.dtype == base.dtype and v.strides == base.strides
                and v.__array_interface__["data"][0] == base.__array_interface__["data"][0]):
            self._unused.pop(id(base), None)
            return slot
        self.pin_slot(slot)
        return None

    def _operand(self, v):
        """The slot of operand ``v``, a new constant slot if it is not traced."""
        slot = self._slot_of(v)
        if slot is not None:
            return slot
        if isinstance(v, Box):
            while isinstance(v, Box) and v._level > self.level:
                v = v._raw()   # a box of a transform inside ``fun`` (a decision's argument)
            slot = self._slot_of(v)
            if slot is not None:
                return slot
            if isinstance(v, Box) and carries_derivative(v) and v._level == IMPERATIVE_LEVEL:
                raise TypeError(
                    "ad.jit: the traced function uses a tensor that requires grad (shape "
                    f"{v.shape}), such as a parameter of a dualad.nn module, without receiving "
                    "it as an argument. ad.jit compiles functions of arrays: pass the parameters "
                    "as arguments (ad.jit(lambda params, x: ...)), whose gradients ad.grad "
                    "inside the jitted function can give")
            if isinstance(v, Box) and carries_derivative(v):
                raise ClosesOverTraced(
                    "ad.jit: the traced function uses a value that an enclosing transform is "
                    f"differentiating ({type(v).__name__} of shape {v.shape}) without receiving "
                    "it as an argument")
            while isinstance(v, Box):
                v = v._raw()
        return self.program.add_const(_frozen(v))

    def _template(self, tree):
        """``tree`` (params, or a NumPy call's arguments) with traced values replaced by
        ``Slot``s; ``(template, has_slots)``."""
        kind = type(tree)
        if kind is tuple or kind is list:
            parts = [self._template(v) for v in tree]
            return kind(p for p, _ in parts), any(d for _, d in parts)
        if kind is dict:
            parts = {k: self._template(v) for k, v in tree.items()}
            return {k: p for k, (p, _) in parts.items()}, any(d for _, d in parts.values())
        if type(tree) is _Ref:
            return Slot(tree.slot), True
        if isinstance(tree, Box) or type(tree) is Tracked or (
                type(tree) is np.ndarray and tree.base is not None):
            slot = self._operand(tree)
            if slot in self.program.consts:
                return self.program.values[slot], False
            return Slot(slot), True
        return _frozen(tree), False

    # -- primitives ----------------------------------------------------------------------------
    def process(self, prim, args, params):
        if not self.active:   # a box that escaped a finished trace is a constant
            return bind(prim, *[v._value if type(v) is Staged and v._trace is self else v
                                for v in args], **params)
        program = self.program
        ins = [self._operand(a) for a in args]
        vals = [program.values[s] for s in ins]
        template, dynamic = self._template(params) if params else (params, False)
        plain = _plain(template, program.values) if dynamic else params
        ans = prim.impl(*vals, **plain) if plain else prim.impl(*vals)
        if isinstance(ans, Box):   # the value function computed with a box from its closure
            raise TypeError(
                f"{prim.name}: the function uses a value being differentiated that it does not "
                "receive as an argument (a closure); pass that value as an argument so that its "
                "derivative is taken (inside ad.jit the step would keep its value only)")
        if (prim.name in _PYTHON_OPERATORS and isinstance(ans, np.generic)
                and all(type(v) in _PYTHON_NUMBERS for v in vals)):
            ans = ans.item()   # Python arithmetic of Python numbers (a step counter): eager
            # code gives a Python number, which the outputs then have (``Program.finish``)
        out = program.add_step(OP, prim, ins, template if dynamic else copy.copy(params), ans,
                               dynamic)
        return Staged(self, out, ans)

    # -- plain values (NOTE: staged decisions) -------------------------------------------------
    def read_raw(self, box):
        """The plain value of ``box`` for a library function."""
        value = box._value
        if type(value) in (float, int, complex):
            value = np.asarray(value)   # what a transform's box holds for a Python number
        if not self.active:
            return value
        reader = _reader()
        if reader in _METADATA_READERS:
            return value
        if reader in _TRACKED_READERS and isinstance(value, (np.ndarray, np.generic, int, float,
                                                             complex)):
            return self.tracked(value, box._slot)
        self.program.reads.append(reader)
        self.pin_slot(box._slot)
        return value

    def tracked(self, value, slot, pending=False):
        """``value``, the value of ``slot``, as a ``Tracked`` array of this trace."""
        t = np.asarray(value).view(Tracked)
        t._jit = (self, slot)
        if pending:
            self._unused[id(t)] = slot
            self._alive.append(t)
        return t

    def record_call(self, fn, args, kwargs, pending=True):
        """``fn(*args, **kwargs)`` on arguments holding ``Tracked`` arrays: computed on their
        plain values and recorded as a step; the result comes back ``Tracked`` (a tuple of
        arrays as a tuple of ``Tracked`` arrays). ``pending``: the result is pinned at the end
        of the trace unless a recorded step reads it."""
        if fn in _METADATA_FUNCTIONS:   # not a use of the values
            return fn(*_strip(args), **_strip(kwargs))
        template, _ = self._template((list(args), kwargs))
        plain_args, plain_kwargs = _plain(template, self.program.values)
        result = fn(*plain_args, **plain_kwargs)
        if isinstance(result, tuple) and all(_followed(r) for r in result):
            out = self.program.add_step(NP, fn, [], template, result, True)
            parts = [self.record_call(operator.getitem, (_Ref(self, out), k), {}, False)
                     for k in range(len(result))]
            return type(result)(*parts) if hasattr(result, "_fields") else tuple(parts)
        if not _followed(result):
            for s in _slots_in(template):   # a result it cannot follow: pin what it read
                self.pin_slot(s)
            return result
        out = self.program.add_step(NP, fn, [], template, result, True)
        return self.tracked(result, out, pending)

    def record_numpy(self, fn, args, kwargs, otherwise, call):
        """``fn(*args, **kwargs)``, a NumPy function dualad.numpy does not have, applied to
        values of this trace: a step, unless another transform differentiates one of its
        arguments (then ``otherwise(*call, **kwargs)``: dualad's error)."""
        if _carries_other_derivative((args, kwargs), self):
            return otherwise(*call, **kwargs)
        return self.record_call(fn, args, kwargs)

    def pin_slot(self, slot):
        """A guard that slot ``slot`` keeps the value it has now."""
        if self.active and not self.program.pinned(slot):
            self.program.add_guard(slot, self.program.values[slot])

    def pin(self, box, operation):
        """The value of ``box``, pinned by a guard; ``operation`` names a conversion that is
        allowed only for integers (``int``, ``operator.index``)."""
        if np.dtype(box.dtype).kind not in "biu":
            raise ConcretizationError(
                f"{operation} was applied to a value traced by ad.jit: it would leave the trace "
                "as a plain value. Use dualad.numpy functions on it, pass it in static_argnums, "
                "or ad.stop_gradient(x) if the value is meant as a constant.")
        self.pin_slot(box._slot)
        return box._value

    # -- the tracing run -----------------------------------------------------------------------
    def __enter__(self):
        with _HOOK_LOCK:
            _ACTIVE[0] += 1
            if _ACTIVE[0] == 1:
                set_plain_hook(_plain_bind)
        return self

    def __exit__(self, *exc):
        self.active = False
        with _HOOK_LOCK:
            _ACTIVE[0] -= 1
            if _ACTIVE[0] == 0:
                set_plain_hook(None)
        return False

    def output(self, leaf):
        """The slot of an output leaf of ``fun``."""
        return self._operand(leaf)

    def pin_unused(self):
        """Pin the slots of the ``Tracked`` arrays that no recorded step read: whoever got them
        may have used their values some other way (``np.asarray``; NOTE: staged decisions)."""
        for slot in self._unused.values():
            self.pin_slot(slot)
        self._unused = {}


# the primitives of Python's arithmetic operators (``t + 1``, ``b ** t`` …): on Python numbers
# eager code never reaches dualad and gets a Python number, of the type traced here
_PYTHON_OPERATORS = frozenset({"add", "subtract", "multiply", "square", "divide", "power",
                               "negative", "abs", "floor_divide", "mod"})
_PYTHON_NUMBERS = (int, float, complex)

_HOOK_LOCK = threading.Lock()
_ACTIVE = [0]   # traces running in any thread: the plain hook is installed while some are


def _plain_bind(prim, args, params):
    """``bind`` of ``prim`` without boxes while a trace runs (NOTE: plain hook in
    ``_engine.pyx``): recorded when a ``Tracked`` array is among its operands or params."""
    trace = _trace_of((args, params))
    if trace is None:
        return prim.impl(*args, **params) if params else prim.impl(*args)
    # a primitive's result feeds dualad's own code (a tangent, a cotangent), and is discarded
    # when a transform drops it: not pinned when unread
    return trace.record_call(prim.impl, args, params, pending=False)


class _Ref:
    """A slot of this trace as an argument of ``record_call`` (a tuple result's slot)."""

    def __init__(self, trace, slot):
        self.trace, self.slot = trace, slot


def _followed(v):
    return isinstance(v, np.ndarray) or (isinstance(v, np.generic)
                                         and v.dtype.kind in "biufc")


def _frozen(v):
    """A constant captured by value: later mutation of the caller's object cannot change it."""
    if isinstance(v, np.ndarray):
        return np.array(v)   # a plain copy (of a Tracked array of a finished trace too)
    if isinstance(v, (int, float, complex, str, bool, type(None), np.generic, slice, type,
                      np.dtype)) or callable(v):
        return v
    try:
        return copy.deepcopy(v)
    except Exception:
        return v


def _plain(tree, values):
    """A template with each ``Slot`` replaced by the slot's value while tracing."""
    kind = type(tree)
    if kind is Slot:
        return values[tree.index]
    if kind is tuple or kind is list:
        return kind(_plain(v, values) for v in tree)
    if kind is dict:
        return {k: _plain(v, values) for k, v in tree.items()}
    return tree


def _slots_in(tree):
    from .program import _collect_slots
    found = []
    _collect_slots(tree, found)
    return found


def _tracking(name):
    """The array method ``name`` of ``Tracked``, recorded as a step (which calls the method of
    whatever value the step gets: an array, or a NumPy scalar)."""
    def call(value, *args, **kwargs):
        return getattr(value, name)(*args, **kwargs)
    call.__name__ = call.__qualname__ = name

    def method(self, *args, **kwargs):
        trace = self._jit[0] if self._jit is not None else None
        if trace is None or not trace.active:
            return call(self.view(np.ndarray), *args, **kwargs)
        return trace.record_call(call, (self,) + args, kwargs)
    method.__name__ = name
    return method


def _pinning(fn):
    """An array method of ``Tracked`` that hands out plain values: the slot is pinned."""
    def method(self, *args, **kwargs):
        if self._jit is not None and self._jit[0].active:
            self._jit[0].pin_slot(self._jit[1])
        return fn(self.view(np.ndarray), *args, **kwargs)
    method.__name__ = fn.__name__
    return method


class Tracked(np.ndarray):
    """The plain value of a traced array handed to a library function that computes with it
    in NumPy (``_TRACKED_READERS``): ufuncs, NumPy functions and the common array methods
    applied to it are recorded as steps (NOTE: staged decisions), conversions to Python
    values pin it, and any other derivation pins the array it came from."""

    def __array_finalize__(self, obj):
        source = getattr(obj, "_jit", None)
        self._jit = None
        if source is not None and source[0].active:
            source[0].pin_slot(source[1])   # derived by a method that is not recorded

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if _holds_box((inputs, kwargs)):
            return NotImplemented   # the box's own __array_ufunc__: dualad.numpy
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        trace = _trace_of((inputs, kwargs))
        if trace is None or "out" in kwargs:
            if trace is not None:
                for s in _tracked_slots((inputs, kwargs), trace):
                    trace.pin_slot(s)
            return fn(*_strip(inputs), **_strip(kwargs))
        return trace.record_call(fn, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if _holds_box((args, kwargs)):
            return NotImplemented
        trace = _trace_of((args, kwargs))
        if trace is None:
            return func(*_strip(args), **_strip(kwargs))
        return trace.record_call(func, args, kwargs)

    astype = _tracking("astype")
    reshape = _tracking("reshape")
    ravel = _tracking("ravel")
    flatten = _tracking("flatten")
    copy = _tracking("copy")
    transpose = _tracking("transpose")
    swapaxes = _tracking("swapaxes")
    squeeze = _tracking("squeeze")
    __getitem__ = _tracking("__getitem__")
    T = property(_tracking("transpose"))
    __bool__ = _pinning(np.ndarray.__bool__)
    __float__ = _pinning(np.ndarray.__float__)
    __int__ = _pinning(np.ndarray.__int__)
    __index__ = _pinning(np.ndarray.__index__)
    __complex__ = _pinning(np.ndarray.__complex__)
    __iter__ = _pinning(np.ndarray.__iter__)
    item = _pinning(np.ndarray.item)
    tolist = _pinning(np.ndarray.tolist)
    tobytes = _pinning(np.ndarray.tobytes)
    __repr__ = _pinning(np.ndarray.__repr__)
    __str__ = _pinning(np.ndarray.__str__)


def _trace_of(tree):
    """The active trace of the first ``Tracked`` array in ``tree``."""
    kind = type(tree)
    if kind is Tracked:
        return tree._jit[0] if tree._jit is not None and tree._jit[0].active else None
    if kind is tuple or kind is list:
        for v in tree:
            t = _trace_of(v)
            if t is not None:
                return t
    if kind is dict:
        return _trace_of(list(tree.values()))
    return None


def _dnp():
    import dualad.numpy as dnp
    return dnp


def _carries_other_derivative(tree, trace):
    """Whether ``tree`` holds a box, other than one of ``trace``, that carries a derivative."""
    kind = type(tree)
    if kind is tuple or kind is list:
        return any(_carries_other_derivative(v, trace) for v in tree)
    if kind is dict:
        return any(_carries_other_derivative(v, trace) for v in tree.values())
    if type(tree) is Staged and tree._trace is trace:
        return False
    return isinstance(tree, Box) and holds_derivative(tree)


def _holds_box(tree):
    kind = type(tree)
    if kind is tuple or kind is list:
        return any(_holds_box(v) for v in tree)
    if kind is dict:
        return any(_holds_box(v) for v in tree.values())
    return isinstance(tree, Box)


def _tracked_slots(tree, trace):
    template, _ = trace._template(tree)
    return _slots_in(template)


def _strip(tree):
    kind = type(tree)
    if kind is Tracked:
        return tree.view(np.ndarray)
    if kind is tuple or kind is list:
        return kind(_strip(v) for v in tree)
    if kind is dict:
        return {k: _strip(v) for k, v in tree.items()}
    return tree
