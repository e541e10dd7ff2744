# cython: language_level=3, boundscheck=False, wraparound=False
"""The eager hot path, compiled: dispatch, the registry's default rules, both traces, the tape
and its sweep.

Every operation on a box passes through here: ``bind`` finds the innermost box, the reverse
trace's ``process`` records a ``Node`` and a ``Tensor`` comes back (the forward trace's
``process`` applies the JVP rule and a ``Dual`` comes back), and the sweep walks the nodes back
calling each primitive's ``backward``. In Python these steps cost about 90% of a scalar gradient
(W1) and of a small MLP's (W2); as extension types with typed fields the same logic runs without
attribute dictionaries, argument parsing or method lookups. The Python modules ``primitive.py``
(``Box``, the registry's NOTEs), ``tape.py`` (``Tensor``'s user surface, ``Tape``) and
``dual.py`` (``Dual``'s constructor) build on these types and re-export them; the rules stay
Python and differentiable.

NOTE: mutation guard. NumPy arrays carry no version counter, so an array the tape saved and the
caller then modified in place would silently corrupt the gradient. dualad closes both ways in:
arrays dualad made itself are handed out only as read-only views (``Tensor.numpy()``,
``np.asarray(tensor)``, ``vjp``'s output), and the caller's own arrays that a node saves (watched
values of a ``Tape`` or a transform, and NumPy arrays passed as constant operands) get a
``Fingerprint`` (shape, dtype and a 64-bit hash of the bytes, ``_kernels.fingerprint``) when
they are recorded, checked when the sweep reaches that node. A watched value is fingerprinted
once, on its leaf node, however many operations save it; a sweep checks each fingerprint once.
See docs/guarantees.md.
"""
import weakref
from functools import partial

import numpy as np

cimport numpy as cnp
from cpython.ref cimport Py_INCREF, Py_REFCNT, PyObject

from .._kernels import add_product, fingerprint
from .state import state

cnp.import_array()

cdef extern from "Python.h":
    object _PyObject_Call "PyObject_Call" (object callable, object args, PyObject* kwargs)
    Py_ssize_t _borrowed_refcnt "Py_REFCNT" (PyObject* obj)
    ctypedef struct PySequenceMethods:
        void* sq_item
    ctypedef struct PyTypeObject:
        PySequenceMethods* tp_as_sequence
    void PyType_Modified(PyTypeObject* type)

cdef extern from "_arrays.h":
    bint one_value "dualad_one_value" (cnp.ndarray a)

cdef extern from "numpy/arrayobject.h":
    # steals a reference to descr; flags 0: a read-only view of data
    object _view_from_descr "PyArray_NewFromDescr" (
        void* subtype, void* descr, int nd, cnp.npy_intp* dims, cnp.npy_intp* strides,
        void* data, int flags, void* obj)

REGISTRY = {}
cdef bint _no_grad_entered = False   # until a no_grad block is entered, every trace records


def note_no_grad():
    """Called by ``state.no_grad`` when entered: from then on traces read the per-thread
    ``no_grad`` state (a thread-local lookup each operation that scalar code need not pay)."""
    global _no_grad_entered
    _no_grad_entered = True

_BUILTINS = set()   # filled once dualad's own primitives are registered
cdef object _ndarray = np.ndarray
cdef object _np_add = np.add
cdef object _np_multiply = np.multiply
cdef object _np_negative = np.negative
cdef enum:
    IN_PLACE_MIN = 4096   # elements: below this a fresh sum costs no more than an in-place one
cdef object _float64 = np.float64
cdef object _Tensor = None   # tape.Tensor, set by use_tensor_class
cdef object _Dual = None     # dual.Dual, set by use_dual_class
cdef dict _NO_PARAMS = {}   # the params of a call without any; shared, so never mutated


# Hook: the primitives the compiled core applies itself. The core declares no op and looks none
# up by name; the ops layer hands them over once, at import (``dualad/primitives/__init__.py``
# calls ``use_ops``), before any box exists. The box operators bind the arithmetic (+ - * / **
# @ and unary -, ``x * x`` as ``square``); tangents and cotangents are summed with ``add``, and
# aligned, broadcast and un-broadcast around a ``broadcasts=True`` primitive's rules with
# ``reshape``, ``broadcast_to`` and ``unbroadcast``; ``real`` and ``astype`` give a tangent
# its value's dtype. ``derived`` is the module whose ``jvp_from_vjp``,
# ``vjp_from_jvp``, ``per_direction_jvp`` and ``per_direction_vjp`` supply the rules a
# primitive leaves out (``primitives/derived.py``).
cdef object _add_p = None, _subtract_p = None, _multiply_p = None, _divide_p = None
cdef object _power_p = None, _negative_p = None, _square_p = None, _matmul_p = None
cdef object _reshape_p = None, _broadcast_to_p = None, _unbroadcast_p = None
cdef object _real_p = None, _astype_p = None, _derived = None


def use_ops(*, add, subtract, multiply, divide, power, negative, square, matmul, reshape,
            broadcast_to, unbroadcast, real, astype, derived):
    """Register the primitives the core applies itself (see the hook's comment above)."""
    global _add_p, _subtract_p, _multiply_p, _divide_p, _power_p, _negative_p, _square_p
    global _matmul_p, _reshape_p, _broadcast_to_p, _unbroadcast_p, _real_p, _astype_p, _derived
    _add_p, _subtract_p, _multiply_p, _divide_p = add, subtract, multiply, divide
    _power_p, _negative_p, _square_p, _matmul_p = power, negative, square, matmul
    _reshape_p, _broadcast_to_p, _unbroadcast_p = reshape, broadcast_to, unbroadcast
    _real_p, _astype_p, _derived = real, astype, derived


def seal_builtins():
    """Mark every primitive registered so far as built in: users may replace their own
    primitives (re-running a definition), never the built-ins."""
    _BUILTINS.update(REGISTRY)


# Hook: PyTorch's type promotion for the imperative face's tensors (API.md section 13). The same
# box classes carry the values the functional transforms trace, which keep NumPy's promotion
# (NEP 50); only boxes on ``_torch_trace`` (``tape.IMPERATIVE``) promote as PyTorch. The torch
# face registers the trace and ``promote(a, b, true_divide) -> (a, b)`` (the operands cast to
# PyTorch's result dtype) once, when imported. The operators call it only where
# ``_torch_mixed`` finds dtypes that the two rules may promote differently, a few C-level
# checks: operands of one dtype, and float tensors with Python numbers, never reach it.
cdef object _torch_trace = None
cdef object _torch_promote = None
cdef object _np_generic = np.generic


def use_torch_promotion(trace, promote):
    """Make the boxes on ``trace`` promote dtypes with ``promote`` (see the hook's comment)."""
    global _torch_trace, _torch_promote
    _torch_trace, _torch_promote = trace, promote


def torch_mixed(box, other, bint true_divide=False):
    """``_torch_mixed`` for the torch face's Python methods (in-place updates, comparisons,
    ``//``, ``%``): False unless ``box`` is a tensor on the registered trace."""
    return (isinstance(box, TensorBase) and (<BoxBase>box)._trace is _torch_trace
            and _torch_mixed(box, other, true_divide))


cdef inline int _type_num(object v):
    """NumPy's type number of an array or NumPy scalar ``v``; -1 for anything else."""
    if type(v) is _ndarray:
        return cnp.PyArray_TYPE(<cnp.ndarray>v)
    if isinstance(v, _np_generic):
        return (<cnp.dtype>cnp.PyArray_DescrFromScalar(v)).type_num
    return -1


cdef inline bint _integral(int num):
    return cnp.NPY_BOOL <= num <= cnp.NPY_ULONGLONG


cdef bint _torch_mixed(object box, object other, bint true_divide):
    """Might PyTorch give ``box (op) other`` another dtype than NumPy? ``box`` is a tensor of the
    PyTorch face. False settles it (NumPy's result is PyTorch's); True sends the operands to
    the face's ``promote``, which decides (NOTE on the hook above)."""
    cdef int mine = _type_num((<TensorBase>box)._value)
    cdef int theirs
    if mine < 0:
        return False                      # not a NumPy value (CuPy): NumPy's rules
    t = type(other)
    if t is float:                        # an integer or bool tensor takes the default dtype
        return _integral(mine)
    if t is int or t is bool:             # NumPy's weak Python ints agree but for division
        return mine == cnp.NPY_BOOL or (true_divide and _integral(mine))   # and bool ** 2
    if t is _Tensor:
        if (<BoxBase>other)._trace is not _torch_trace:
            return False                  # a value a transform traces: NumPy's rules
        theirs = _type_num((<TensorBase>other)._value)
    elif t is complex:
        return True
    else:
        theirs = _type_num(other)         # NumPy arrays and scalars; -1: lists, other boxes
        if theirs < 0:
            return False
    return theirs != mine or (true_divide and _integral(mine))


cdef class BoxBase:
    """What every box has: the trace that processes operations on it and that trace's level
    (``bind`` hands an operation to the box of highest level), and the arithmetic operators,
    which bind their primitives directly (they are the hot path of scalar code).
    ``primitive.Box`` adds the array surface."""

    cdef public object _trace
    cdef public Py_ssize_t _level

    def __add__(self, other):
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            self, other = _torch_promote(self, other, False)
        return _bind(_add_p, (self, other), _NO_PARAMS)

    def __radd__(self, other):
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            other, self = _torch_promote(other, self, False)
        return _bind(_add_p, (other, self), _NO_PARAMS)

    def __sub__(self, other):
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            self, other = _torch_promote(self, other, False)
        return _bind(_subtract_p, (self, other), _NO_PARAMS)

    def __rsub__(self, other):
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            other, self = _torch_promote(other, self, False)
        return _bind(_subtract_p, (other, self), _NO_PARAMS)

    def __mul__(self, other):
        if other is self:   # x * x: one pass for its derivative (2x) instead of two and a sum
            return _bind(_square_p, (self,), _NO_PARAMS)
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            self, other = _torch_promote(self, other, False)
        return _bind(_multiply_p, (self, other), _NO_PARAMS)

    def __rmul__(self, other):
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            other, self = _torch_promote(other, self, False)
        return _bind(_multiply_p, (other, self), _NO_PARAMS)

    def __truediv__(self, other):
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, True):
            self, other = _torch_promote(self, other, True)
        return _bind(_divide_p, (self, other), _NO_PARAMS)

    def __rtruediv__(self, other):
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, True):
            other, self = _torch_promote(other, self, True)
        return _bind(_divide_p, (other, self), _NO_PARAMS)

    def __pow__(self, other, modulo=None):
        _refuse_modulo(modulo)
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            self, other = _torch_promote(self, other, False)
        return _bind(_power_p, (self, other), _NO_PARAMS)

    def __rpow__(self, other, modulo=None):
        _refuse_modulo(modulo)
        if (<BoxBase>self)._trace is _torch_trace and _torch_mixed(self, other, False):
            other, self = _torch_promote(other, self, False)
        return _bind(_power_p, (other, self), _NO_PARAMS)

    def __neg__(self):
        return _bind(_negative_p, (self,), _NO_PARAMS)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __getitem__(self, index):
        return _getitem(self, index)


cdef object _getitem = None   # dualad.numpy.getitem, set by use_facade
cdef object _as_array = None  # dualad.numpy.array, set by use_facade


def use_facade(getitem, as_array):
    """Hook: the facade's functions the boxes need, registered once by ``dualad.numpy``
    (``numpy/_methods.py``) when it is imported: ``getitem(box, index)`` (which normalises the
    index) for ``box[index]``, and ``as_array(list)`` to stack a (nested) list holding boxes
    into one differentiable array wherever an operation gets such a list."""
    global _getitem, _as_array
    _getitem = getitem
    _as_array = as_array


cdef bint _holds_box(x):
    """Whether ``x`` is a box or a (nested) list or tuple holding one."""
    if type(x) is list or type(x) is tuple:
        for e in x:
            if _holds_box(e):
                return True
        return False
    return isinstance(x, BoxBase)


cdef object _plain(x):
    """``x`` with every box in a (nested) list or tuple replaced by its value."""
    while isinstance(x, BoxBase):
        x = x._raw()
    if type(x) is list or type(x) is tuple:
        return [_plain(e) for e in x]
    return x


# Boxes index like mappings, not sequences: Cython also fills the sequence slot ``sq_item`` for a
# ``__getitem__``, and NumPy, storing a box into an array (``y[0] = x``), replaces the
# ConcretizationError of ``float(x)`` with "setting an array element with a sequence" for any
# object that has that slot (NOTE: escaped values in ``escape.py``). Subclasses inherit the
# empty slot as long as they define no ``__getitem__`` of their own.
(<PyTypeObject*>BoxBase).tp_as_sequence.sq_item = NULL
PyType_Modified(<PyTypeObject*>BoxBase)


cpdef matmul(a, b):
    """``a @ b`` through the ``matmul`` primitive, scalars refused as NumPy refuses them (the
    operator of boxes, and ``dualad.numpy.matmul`` once it has checked its keywords)."""
    if len(shape_of(a)) == 0 or len(shape_of(b)) == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are "
                         "not allowed; use multiply or *)")
    return _bind(_matmul_p, (a, b), _NO_PARAMS)


cdef _refuse_modulo(modulo):
    if modulo is not None:
        raise TypeError("pow() with a modulus is not supported on dualad values (it is not "
                        "differentiable); compute x ** y and the remainder separately")


# ------------------------------------------------------------------------------- dispatch
def bind(prim, *args, **params):
    """Apply ``prim`` to ``args``: hand it to the innermost (highest-level) box among them, or
    run the value function when there is none."""
    return _bind(prim, args, params)


cdef object _bind(object prim, tuple args, dict params):
    cdef BoxBase top = None
    cdef bint sequences = False
    for a in args:
        t = type(a)
        if t is _ndarray or t is _float64 or t is float:   # exact types first: no MRO walks
            continue
        if (t is _Tensor or t is _Dual or isinstance(a, BoxBase)) and (
                top is None or (<BoxBase>a)._level > top._level):
            top = <BoxBase>a
        elif t is list or t is tuple:
            sequences = True
    if sequences and top is None and _holds_box(args):
        # lists of boxes where NumPy takes a list (dnp.sin([x, y])): stacked into one array
        return _bind(prim, tuple(_as_array(a) if _holds_box(a) else a for a in args), params)
    if top is None:
        if _plain_hook is not None:   # ad.jit is tracing (NOTE: plain hook)
            return _plain_hook(prim, args, params)
        try:
            return prim.impl(*args, **params) if params else prim.impl(*args)
        except TypeError:
            _refuse_mixed_devices(prim, args)
            raise
    trace = top._trace
    if isinstance(trace, ReverseTrace):
        return (<ReverseTrace>trace).process(prim, args, params)
    if isinstance(trace, ForwardTrace):
        return (<ForwardTrace>trace).process(prim, args, params)
    return trace.process(prim, args, params)


# NOTE: plain hook. While ``ad.jit`` traces (``dualad.compiler.tracing``), library code may
# hand a primitive plain arrays that stand for traced values (a mask or an index computed from
# one, in a derivative rule whose other operands are constants). No box reaches ``bind`` then,
# so the tracer sees that application through this hook, set for the duration of the trace:
# ``hook(prim, args, params)`` returns the result (recording the application when it reads a
# traced value). None otherwise: one pointer test on the no-box path.
cdef object _plain_hook = None


def set_plain_hook(hook):
    """Install ``hook`` (or None) for ``bind`` calls without boxes; returns the previous one."""
    global _plain_hook
    previous = _plain_hook
    _plain_hook = hook
    return previous


def _refuse_mixed_devices(prim, args):
    """Turn the array libraries' own complaint about NumPy meeting CuPy into dualad's."""
    from .backend import array_module
    try:
        array_module(*args)
    except TypeError as exc:
        raise TypeError(f"{prim.name}: {exc}") from None


# ------------------------------------------------------------------------------- shapes
def broadcast_view(x, shape):
    """``np.broadcast_to(x, shape)`` (a read-only view with zero strides on the broadcast axes)
    built directly for an exact ndarray: NumPy's own goes through ``nditer`` and costs
    microseconds, which the VJP of every reduction pays. Anything else, including shapes that
    do not broadcast (for NumPy's error message), goes to ``np.broadcast_to``."""
    cdef cnp.ndarray arr, view
    cdef Py_ssize_t nd = len(shape), lead, i, src
    if type(x) is not _ndarray or nd > 32 or cnp.PyArray_NDIM(<cnp.ndarray>x) > nd:
        return np.broadcast_to(x, shape)
    arr = <cnp.ndarray>x
    lead = nd - cnp.PyArray_NDIM(arr)
    cdef cnp.npy_intp dims[32]
    cdef cnp.npy_intp strides[32]
    for i in range(nd):
        dims[i] = shape[i]
        if dims[i] < 0:
            return np.broadcast_to(x, shape)
        strides[i] = 0
        if i >= lead:
            src = cnp.PyArray_DIMS(arr)[i - lead]
            if src == dims[i]:
                strides[i] = cnp.PyArray_STRIDES(arr)[i - lead]
            elif src != 1:
                return np.broadcast_to(x, shape)
    descr = <object>cnp.PyArray_DESCR(arr)
    Py_INCREF(descr)
    view = _view_from_descr(<void*>_ndarray, <void*>descr, <int>nd, dims, strides,
                            cnp.PyArray_DATA(arr), 0, NULL)
    cnp.set_array_base(view, arr)
    return view


cpdef tuple shape_of(x):
    """``x.shape`` for arrays and boxes alike (``np.shape`` would dispatch through
    ``__array_function__`` for boxes, which costs microseconds on a hot path)."""
    if type(x) is _ndarray:
        return (<object>x).shape
    if type(x) is _float64 or type(x) is float:
        return ()
    if isinstance(x, TensorBase):   # boxes: their value's shape, without Python properties
        return shape_of((<TensorBase>x)._value)
    if isinstance(x, DualBase):
        return shape_of((<DualBase>x)._primal)
    s = getattr(x, "shape", None)
    if s is not None:
        return tuple(s)
    return np.shape(_plain(x)) if _holds_box(x) else np.shape(x)


cpdef dtype_of(x):
    d = getattr(x, "dtype", None)
    if d is not None:
        return d
    return np.asarray(_plain(x)).dtype if _holds_box(x) else np.result_type(x)


cdef inline bint _is_complex(x):
    if type(x) is _ndarray:
        return cnp.PyArray_ISCOMPLEX(<cnp.ndarray>x)
    return np.dtype(dtype_of(x)).kind == "c"


cpdef Py_ssize_t ndim_of(x):
    return len(shape_of(x))


cpdef add_any(a, b):
    """Sum of two tangents or cotangents, either of which may be a symbolic zero (None)."""
    if a is None:
        return b
    if b is None:
        return a
    return _bind(_add_p, (a, b), _NO_PARAMS)


cpdef align_batched(v, Py_ssize_t ndim, Py_ssize_t lead=1):
    """Insert unit axes after the first ``lead`` (batch) axes of ``v`` until it has ``ndim``
    axes, so that NumPy's right-aligned broadcasting pairs the remaining axes correctly."""
    cdef tuple shape = shape_of(v)
    cdef Py_ssize_t missing = ndim - len(shape)
    if missing <= 0:
        return v
    return _bind(_reshape_p, (v,),
                 {"shape": shape[:lead] + (1,) * missing + shape[lead:]})


cdef class ShapeOnly:
    """What a linear primitive's VJP needs of a value: its shape and dtype, not its data."""

    cdef public tuple shape
    cdef public object dtype

    def __init__(self, value):
        self.shape = shape_of(value)
        self.dtype = dtype_of(value)

    @property
    def ndim(self):
        return len(self.shape)


cdef ShapeOnly _shape_only(value):
    """``ShapeOnly(value)`` without the Python-level constructor call."""
    cdef ShapeOnly s = ShapeOnly.__new__(ShapeOnly)
    if type(value) is _ndarray:
        s.shape = value.shape
        s.dtype = <object>cnp.PyArray_DESCR(<cnp.ndarray>value)
    else:
        s.shape = shape_of(value)
        s.dtype = dtype_of(value)
    return s


cdef object _call_rule(rule, first, ans, operands, dict params):
    """``rule(first, ans, *operands, **params)``, handing ``params`` over as it is (the call
    syntax would copy it, and make an empty one when there are none)."""
    cdef tuple call_args = (first, ans) + tuple(operands)
    return _PyObject_Call(rule, call_args, <PyObject*>params if params else NULL)


cdef class OperandRules:
    """A primitive's per-operand rules (``Primitive.jvps``, ``Primitive.vjps``): the one form the
    registry keeps them in, whether they were declared as a tuple with one rule per operand or
    as ``indexed(rule)``. ``rules[i]`` is operand i's rule, ``rule_i(first, ans, *args,
    **params)`` (None: the primitive is not differentiable in that operand).

    >>> rules = indexed(lambda i, t, ans, *xs: t * (i + 1))
    >>> rules[2](1.0, None)
    3.0
    """

    cdef readonly tuple rules      # one rule (or None) per operand; None for ``indexed``
    cdef readonly object indexed   # ``rule(i, first, ans, *args, **params)``; None for a tuple

    def __init__(self, rules):
        rules = tuple(rules)
        for rule in rules:
            if rule is not None and not callable(rule):
                raise TypeError(f"a per-argument rule must be callable or None, got {rule!r}")
        self.rules = rules

    cdef inline bint has(self, Py_ssize_t i, name) except -1:
        """Whether operand i, which carries a derivative, has a rule (an operand past the end
        of a tuple is refused: its derivative would silently be dropped)."""
        if self.indexed is not None:
            return True
        if i >= len(self.rules):
            raise TypeError(f"{name}: argument {i} carries a derivative, but the primitive "
                            f"declares per-argument rules for {len(self.rules)} arguments; "
                            "declare a rule (or None, for a non-differentiable argument) for "
                            "each argument, or use indexed(rule)")
        return self.rules[i] is not None

    cdef inline object call(self, Py_ssize_t i, first, ans, tuple operands, dict params):
        """Operand i's rule on ``first`` (its tangent, or the output's cotangent), handing
        ``params`` over as it is (the call syntax would copy it, and make an empty one when
        there are none)."""
        cdef PyObject* kwargs = <PyObject*>params if params else NULL
        if self.indexed is None:
            return _PyObject_Call(self.rules[i], (first, ans) + operands, kwargs)
        return _PyObject_Call(self.indexed, (i, first, ans) + operands, kwargs)

    def __getitem__(self, Py_ssize_t i):
        if self.indexed is None:
            return self.rules[i]
        if i < 0:
            raise IndexError("the rules of an indexed(rule) have no end to count from")
        return partial(self.indexed, i)

    def __len__(self):
        if self.indexed is not None:
            raise TypeError("indexed(rule) serves any number of operands: it has no length")
        return len(self.rules)

    def __iter__(self):
        if self.indexed is not None:
            raise TypeError("indexed(rule) serves any number of operands: it cannot be "
                            "iterated over")
        return iter(self.rules)

    def __repr__(self):
        if self.indexed is not None:
            return f"indexed({self.indexed!r})"
        return f"OperandRules({self.rules!r})"


def indexed(rule):
    """Per-operand rules given as one function of the operand's index, for a primitive that takes
    any number of operands: ``jvp=indexed(rule)`` calls ``rule(i, t_i, ans, *args, **params)``
    for each argument i that has a tangent, and sums the results; ``vjp=indexed(rule)`` calls
    ``rule(i, g, ans, *args, **params)`` for each argument i that needs a cotangent. The rule
    forms are described on ``Primitive``.

    >>> scale = Primitive("scaled_sum", lambda *xs: sum((i + 1) * x for i, x in enumerate(xs)),
    ...                   vjp=indexed(lambda i, g, ans, *xs: g * (i + 1)), register=False)
    >>> scale.vjps[1](np.ones((1,)), None)
    array([2.])
    """
    if not callable(rule):
        raise TypeError(f"indexed(rule): the rule must be callable, got {rule!r}")
    cdef OperandRules rules = OperandRules.__new__(OperandRules)
    rules.indexed = rule
    return rules


cdef tuple _split_rule(rule, name, kind):
    """``(rule, None)`` for one rule for all arguments, ``(None, OperandRules)`` for per-operand
    rules (a tuple of them or ``indexed(rule)``), ``(None, None)`` for none."""
    if rule is None:
        return None, None
    if isinstance(rule, OperandRules):
        return None, rule
    if callable(rule):
        return rule, None
    try:
        return None, OperandRules(rule)
    except TypeError as exc:
        raise TypeError(f"primitive {name!r}: {kind} must be a rule, a tuple of per-argument "
                        f"rules or indexed(rule) ({exc})") from None


# ------------------------------------------------------------------------------- primitives
cdef enum SweepStep:
    GENERAL_STEP, PRODUCT_STEP, NEGATION_STEP

cdef dict _SWEEP_STEPS = {None: GENERAL_STEP, "product": PRODUCT_STEP, "negation": NEGATION_STEP}


cdef class Primitive:
    """One differentiable operation: value, JVP and VJP declared together.

    Parameters
    ----------
    name : registry name (also what the tape's entries show).
    impl : ``impl(*arrays, **params)`` on plain (NumPy or CuPy) arrays.
    jvp : the JVP rule, in one of three forms (the only place they are described; ``defprim``
        takes the same):

        * one rule for all arguments, ``jvp(tangents, ans, *args, **params)`` returning the
          output tangent; ``tangents`` is a tuple with one entry per argument, None where that
          argument's tangent is zero;
        * a tuple with one rule per argument, ``jvp_i(t_i, ans, *args, **params)``, called for
          each argument with a tangent and summed; None in the tuple marks an argument the
          primitive is not differentiable in;
        * ``indexed(rule)``: the per-argument rules as one function of the argument's index,
          ``rule(i, t_i, ans, *args, **params)``, for primitives that take any number of
          operands (``einsum``); called and summed as the tuple's.

        At registration the first becomes ``jvp_rule`` and the other two one
        ``OperandRules`` (``jvps``), which the traces call directly.
    vjp : the VJP rule, in the same three forms: ``vjp(g, ans, *args, **params)`` returning a
        tuple of cotangents (None for zero); a tuple of ``vjp_i(g, ans, *args, **params)``; or
        ``indexed(rule)``, ``rule(i, g, ans, *args, **params)``. Each is asked only for the
        cotangents of arguments that need one. Give a JVP rule, a VJP rule or both: the mode
        without one is derived from the other at one rule evaluation per input (reverse from
        JVP) or output (forward from VJP) direction. Rules written with ``dualad.numpy``
        functions are differentiable again (higher derivatives need nothing more).
    batched : whether the rules understand the leading batch axis (see NOTE: batch axis in
        ``primitive.py``). By default (``False``, as for ``defprim``) dualad calls the rules
        once per direction, which any rule written for one direction handles; the built-ins
        declare ``batched=True`` and take all directions in one call.
    broadcasts : the arguments broadcast against each other NumPy-style; tangents are aligned
        to the output's rank before the per-argument rules see them and cotangents are summed
        back to each argument's shape afterwards, so the rules never deal with broadcasting.
    linear : the primitive is linear in its differentiated arguments (reshape, sum, getitem …):
        its JVP rule then also serves as its sparsity-pattern rule, applied to boolean patterns.
    pattern : the sparsity-pattern rule ``pattern(patterns, ans, *args, **params)``: like a JVP
        rule, but the tangents are boolean dependency patterns (batch axis first; None where an
        argument depends on nothing) and the result says which output elements depend on which
        inputs. Needed only where neither ``linear`` nor ``broadcasts`` (an elementwise OR)
        describes the structure. See ``Primitive.pattern_rule``.
    sweep_step : a shape of VJP the reverse sweep knows how to deliver without temporaries:
        ``"product"`` (the VJP of ``x * y``: ``g * y`` and ``g * x``, added straight into the
        inputs' running sums) or ``"negation"`` (``-g``, written into a cotangent only the
        sweep holds). The rules must compute the same; the sweep falls back on them wherever
        the arrays do not allow the shortcut (broadcasting, mixed dtypes, boxes).
    register : enter the primitive in ``REGISTRY`` under ``name`` (``custom_jvp``/``custom_vjp``
        functions are primitives of their own that are not registered).
    saves_values : whether the tape keeps the operands and the result for the VJP. Linear
        primitives' VJPs need only their shapes and dtypes (``ShapeOnly``), so by default they
        keep no data: intermediates die sooner and no caller array is held or fingerprinted.
    """

    cdef public object name, impl, jvp_rule, vjp_rule, pattern
    cdef readonly OperandRules jvps, vjps
    cdef public bint batched, broadcasts, linear, saves_values
    cdef readonly int sweep_step
    cdef object __weakref__

    def __init__(self, name, impl, jvp=None, vjp=None, *, batched=False, broadcasts=False,
                 linear=False, pattern=None, register=True, saves_values=None,
                 sweep_step=None):
        self.name = name
        self.impl = impl
        self.jvp_rule, self.jvps = _split_rule(jvp, name, "jvp")
        self.vjp_rule, self.vjps = _split_rule(vjp, name, "vjp")
        self.batched = batched
        self.broadcasts = broadcasts
        self.linear = linear
        self.pattern = pattern
        self.saves_values = not linear if saves_values is None else saves_values
        if sweep_step not in _SWEEP_STEPS:
            raise ValueError(f"primitive {name!r}: sweep_step must be one of "
                             f"{sorted(k for k in _SWEEP_STEPS if k)} or None, got {sweep_step!r}")
        self.sweep_step = _SWEEP_STEPS[sweep_step]
        if register:
            if name in _BUILTINS:
                raise ValueError(f"{name!r} is a built-in dualad primitive; choose another name")
            if name in REGISTRY:
                raise ValueError(f"a primitive named {name!r} is already registered")
            REGISTRY[name] = self

    def __repr__(self):
        return f"<dualad primitive {self.name}>"

    def __call__(self, *args, **params):
        return _bind(self, args, params)

    # ---------------------------------------------------------------- forward mode
    def forward(self, primals, tangents, params):
        """``(ans, tangent_out)`` for one application; tangent_out None when it is zero."""
        ans = _bind(self, tuple(primals), params)
        return ans, self.jvp(tangents, ans, primals, params)

    def jvp(self, tangents, ans, primals, params):
        """The output tangent (None when zero) of one application: ``tangents`` one per primal
        (None for zero; a leading batch axis of k directions), ``ans`` the output, ``params``
        the keyword metadata; derived from the VJP when no JVP rule was declared.

        >>> import numpy as np
        >>> x = np.array([0.0, 1.0])
        >>> REGISTRY["sin"].jvp([np.ones((1, 2))], np.sin(x), [x], {})
        array([[1.        , 0.54030231]])
        """
        if self.jvp_rule is None and self.jvps is None:
            return _derived.jvp_from_vjp(self, tangents, ans, primals, params)
        if not self.batched:
            return _derived.per_direction_jvp(self, tangents, ans, primals, params)
        cdef Py_ssize_t rank = ndim_of(ans) + 1
        if self.broadcasts:
            tangents = [None if t is None else align_batched(t, rank) for t in tangents]
        out = self._declared_jvp(tangents, ans, primals, params)
        if out is not None and self.broadcasts:
            shape = shape_of(out)
            if shape[1:] != shape_of(ans):
                out = _bind(_broadcast_to_p, (out,),
                            {"shape": shape[:1] + shape_of(ans)})
        if out is not None:
            out = _tangent_like(out, ans, self.broadcasts)
        return out

    cdef object _declared_jvp(self, tangents, ans, primals, dict params):
        if self.jvp_rule is not None:
            return self.jvp_rule(tuple(tangents), ans, *primals, **params)
        cdef OperandRules rules = self.jvps
        cdef tuple operands = tuple(primals)
        cdef Py_ssize_t i
        out = None
        for i in range(len(tangents)):
            t = tangents[i]
            if t is not None and rules.has(i, self.name):
                out = add_any(out, rules.call(i, t, ans, operands, params))
        return out

    def declared_jvp(self, tangents, ans, primals, params):
        """The declared JVP rule applied to ``tangents`` as they are (the per-operand rules
        summed): no alignment for broadcasting, no rule derived from the VJP, no loop over the
        directions of a ``batched=False`` rule (``derived.per_direction_jvp`` calls this once
        per direction)."""
        return self._declared_jvp(tangents, ans, primals, params)

    def pattern_rule(self):
        """The sparsity-pattern rule, explicit or implied by ``linear``/``broadcasts``; None when
        the primitive declares none."""
        if self.pattern is not None:
            return self.pattern
        if self.linear or self.broadcasts:
            return self._implied_pattern
        return None

    def _implied_pattern(self, patterns, ans, *args, **params):
        if self.linear:
            return self.jvp(patterns, ans, args, params)
        out = None
        for p in patterns:
            if p is not None:
                p = align_batched(p, ndim_of(ans) + 1)
                out = p if out is None else out | p
        return out

    # ---------------------------------------------------------------- reverse mode
    cpdef record(self, args, params):
        """Run forward for the tape: ``(ans, residuals)``; residuals are what ``backward`` needs."""
        ans = _bind(self, tuple(args), params)
        if self.saves_values:
            return ans, (ans, args)
        return ans, (_shape_only(ans), [_shape_only(a) for a in args])

    cpdef backward(self, g, residuals, needs, params):
        """Cotangents for the arguments whose ``needs`` flag is set (None elsewhere)."""
        ans, args = residuals
        if self.vjp_rule is None and self.vjps is None:
            return _derived.vjp_from_jvp(self, g, ans, args, needs, params)
        if not self.batched:
            return _derived.per_direction_vjp(self, g, ans, args, needs, params)
        cdef Py_ssize_t i, n = len(needs)
        cdef list cts = self._declared_vjp(g, ans, args, needs, params)
        if self.broadcasts:
            for i in range(n):
                c = cts[i]
                if c is not None:
                    want = shape_of(args[i])
                    if shape_of(c)[1:] != want:
                        cts[i] = _bind(_unbroadcast_p, (c,), {"shape": want, "lead": 1})
        for i in range(n):
            c = cts[i]
            if c is not None and _is_complex(c) and not _is_complex(args[i]):
                # a real operand of a complex result: its cotangent is the real part (NOTE:
                # complex convention in primitives/complex.py)
                cts[i] = _bind(_real_p, (c,), _NO_PARAMS)
        return cts

    cdef list _declared_vjp(self, g, ans, args, needs, dict params):
        cdef Py_ssize_t i, n = len(needs)
        cdef list cts
        cdef OperandRules rules
        cdef tuple operands
        if self.vjp_rule is not None:
            cts = list(_call_rule(self.vjp_rule, g, ans, args, params))
            for i in range(n):
                if not needs[i]:
                    cts[i] = None
            return cts
        cts = [None] * n
        rules = self.vjps
        operands = tuple(args)
        for i in range(n):
            if needs[i] and rules.has(i, self.name):
                cts[i] = rules.call(i, g, ans, operands, params)
        return cts

    def declared_vjp(self, g, ans, args, needs, params):
        """The declared VJP rule's cotangents for the arguments whose ``needs`` flag is set
        (None elsewhere), as the rule gives them: not summed back over broadcast axes, no rule
        derived from the JVP, no loop over the directions of a ``batched=False`` rule
        (``derived.per_direction_vjp`` calls this once per direction)."""
        return self._declared_vjp(g, ans, args, needs, params)


cdef object _tangent_like(out, ans, bint broadcasts):
    """``out`` as the tangent of ``ans``, in its dtype: a real result of complex operands has the
    real part of the rule's tangent (NOTE: complex convention in primitives/complex.py), and a
    broadcasting primitive's float32 operands meeting a float64 one (a NumPy float64 scalar,
    say) give a tangent of the other precision when the rule's terms promote differently from
    the value."""
    if (type(out) is _ndarray and type(ans) is _ndarray
            and cnp.PyArray_TYPE(<cnp.ndarray>out) == cnp.PyArray_TYPE(<cnp.ndarray>ans)):
        return out   # the common case, decided in C
    if _is_complex(out) and not _is_complex(ans):
        return _bind(_real_p, (out,), _NO_PARAMS)
    if broadcasts:
        ans_dtype = dtype_of(ans)
        if dtype_of(out) != ans_dtype:
            return _bind(_astype_p, (out,), {"dtype": ans_dtype})
    return out


cdef class UnaryPrimitive(Primitive):
    """The compiled part of ``primitives.elementwise.Unary``: an elementwise ``f(x)`` with
    ``f'(x) = deriv(ans, x)``, whose tape residual is the derivative itself, taken with the value
    in one pass by the ``fused`` kernel when ``x`` is a plain array."""

    cdef public object deriv, fused
    cdef public bint deriv_is_value   # f' is the value itself (exp): the caller may hold it

    cpdef value_and_deriv(self, x):
        if self.fused is not None and not isinstance(x, BoxBase):
            return self.fused(x)
        ans = _bind(self, (x,), _NO_PARAMS)
        return ans, self.deriv(ans, x)

    def forward(self, primals, tangents, params):
        ans, d = self.value_and_deriv(primals[0])
        return ans, _bind(_multiply_p, (tangents[0], d), _NO_PARAMS)

    cpdef record(self, args, params):
        return self.value_and_deriv(args[0])

    cpdef backward(self, g, deriv, needs, params):
        return (_bind(_multiply_p, (g, deriv), _NO_PARAMS),)


# ------------------------------------------------------------------------------- the tape
cdef long long _next_seq = 0


cdef class Node:
    """One tape entry. Leaves (watched values) have ``prim`` None.

    ``seq`` orders nodes by recording. ``guards`` (see NOTE: mutation guard): on an operation,
    None or a tuple of ``(argument index, Fingerprint)`` for the caller's arrays among its
    residuals; on a leaf, the ``Fingerprint`` of the caller's watched array (``UNHASHED``
    until an operation first saves it), or None when dualad owns the value.
    """

    cdef public long long seq
    cdef public object prim, parents, residuals, params, leaf_ref, guards
    cdef object __weakref__

    def __init__(self, prim, parents, residuals, params, leaf_ref=None, guards=None):
        global _next_seq
        self.seq = _next_seq
        _next_seq += 1
        self.prim = prim
        self.parents = parents
        self.residuals = residuals
        self.params = params
        self.leaf_ref = leaf_ref
        self.guards = guards


cdef Node _new_node(object prim, tuple parents, object residuals, object params):
    global _next_seq
    cdef Node node = Node.__new__(Node)
    node.seq = _next_seq
    _next_seq += 1
    node.prim = prim
    node.parents = parents
    node.residuals = residuals
    node.params = params
    return node


FREED = object()   # a node's residuals after a non-retaining sweep


cdef class Fingerprint:
    """What a caller's array looked like when the tape saved it: shape, dtype, 64-bit hash."""

    cdef public object array
    cdef public tuple signature

    def __init__(self, array):
        self.array = array
        self.signature = _signature(array)

    cpdef bint changed(self) except -1:
        return _signature(self.array) != self.signature


cdef tuple _signature(a):
    return a.shape, a.dtype, fingerprint(a)


cdef Fingerprint _fingerprint_now(a):
    """``Fingerprint(a)`` without the Python-level constructor call."""
    cdef Fingerprint fp = Fingerprint.__new__(Fingerprint)
    fp.array = a
    fp.signature = _signature(a)
    return fp


cdef set _saved_ids(residuals):
    """The ids of the NumPy arrays among ``residuals`` (nested tuples and lists)."""
    cdef set ids = set()
    cdef list stack = [residuals]
    while stack:
        r = stack.pop()
        if type(r) is tuple or type(r) is list:
            stack.extend(r)
        elif type(r) is _ndarray:
            ids.add(id(r))
    return ids


UNHASHED = object()   # the guard of a watched leaf until an operation first saves its value


cdef object _guards_for(residuals, list candidates, bint all_saved):
    """The guards of a new node: the ``(index, value, leaf node or None)`` candidates that the
    residuals really hold (``all_saved``: all of them, the residuals being the operands). A
    constant operand is fingerprinted for this node; a watched value once, on its leaf, when
    the first operation saves it (from then on it must not change)."""
    cdef set saved = None if all_saved else _saved_ids(residuals)
    cdef list guards = []
    cdef Node leaf
    for i, v, owner in candidates:
        if saved is not None and id(v) not in saved:
            continue
        if owner is None:
            guards.append((i, _fingerprint_now(v)))
            continue
        leaf = <Node>owner
        if leaf.guards is UNHASHED:
            leaf.guards = _fingerprint_now(v)
        guards.append((i, leaf.guards))
    return tuple(guards) if guards else None


cdef _check_unmodified(Node node, set checked):
    for i, fp in node.guards:
        if id(fp) in checked:
            continue
        if (<Fingerprint?>fp).changed():
            a = fp.array
            raise RuntimeError(
                f"{node.prim.name}: an array saved for the backward pass (argument {i}, shape "
                f"{a.shape}, dtype {a.dtype}) was modified in place after the operation was "
                "recorded, so its gradient would be wrong; give dualad a copy (x.copy()) or "
                "modify the array only after the gradient has been computed")
        checked.add(id(fp))


def sweep(nodes_desc, dict seeds, bint retain):
    """Propagate cotangents backwards through ``nodes_desc`` (nodes in decreasing recording
    order). ``seeds`` maps nodes to their cotangents and is updated in place: afterwards it holds
    the cotangents of the leaves. Residuals are freed unless ``retain``.

    Unary nodes and those of ``sweep_step="product"`` on plain arrays add their products into
    the running sums themselves (``_unary_step``, ``_product_step``), and ``"negation"`` negates
    a cotangent only the sweep holds in place; every other node goes through its primitive's ``backward`` and the sums
    it returns are added here."""
    cdef dict cts = seeds
    cdef set checked = set()
    cdef Node node
    cdef tuple parents
    cdef list needs
    cdef Py_ssize_t i, n
    add = _add_p
    for obj in nodes_desc:
        node = <Node?>obj
        prim = node.prim
        if prim is None:
            continue
        g = cts.pop(node, None)
        if g is None:
            continue
        residuals = node.residuals
        if residuals is FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved values were "
                "freed by the first backward(); call backward(retain_graph=True) the first "
                "time, or use ad.Tape(persistent=True)")
        if node.guards is not None:
            _check_unmodified(node, checked)
        parents = node.parents
        if isinstance(prim, UnaryPrimitive) and parents[0] is not None and _unary_step(
                <UnaryPrimitive>prim, g, residuals, cts, parents[0], retain):
            n = 0   # done: its cotangent went straight into the input's
        elif (<Primitive?>prim).sweep_step == PRODUCT_STEP and _product_step(
                g, residuals, cts, parents, add):
            n = 0
        elif (<Primitive>prim).sweep_step == NEGATION_STEP and _private(g, 1):
            n = 1
            out = (_np_negative(g, out=g),)   # -g, written where only the sweep would see it
        else:
            n = len(parents)
            needs = [p is not None for p in parents]
            out = (<Primitive?>prim).backward(g, residuals, needs, node.params)
        for i in range(n):
            parent = parents[i]
            if parent is None:
                continue
            ct = out[i]
            if ct is None:
                continue
            old = cts.get(parent)
            if old is None:
                cts[parent] = ct
            elif _private(old, 2) and _accumulates_in_place(old, ct):
                pass   # added into the running sum
            else:
                cts[parent] = _bind(add, (old, ct), _NO_PARAMS)
        if not retain:
            node.residuals = FREED
            node.guards = None
    return cts


cdef bint _unary_step(UnaryPrimitive prim, g, deriv, dict cts, parent, bint retain) except -1:
    """A unary node's VJP ``g * f'`` delivered without a temporary where the arrays allow (plain
    NumPy arrays of one dtype, ``g`` of shape ``(k,) + f'.shape``): added into the input's
    running sum in one pass when only the sweep holds that sum (rather than a product, then a
    sum), or, for a cotangent of ones on a tape that is not kept (the first step back from a
    ``sum``), ``f'`` itself (no pass; ``f'`` is private to the node and its node lets go of
    it), or else written into ``g`` when only the sweep holds it (a cotangent an earlier step
    made). Same bits as the rule's ``g * f'``. False: the node takes the general route."""
    if type(g) is not _ndarray or type(deriv) is not _ndarray:
        return False
    # g is read through casts, not a typed local: one would hold a reference to it and hide
    # from _private that the sweep alone holds g
    if (cnp.PyArray_TYPE(<cnp.ndarray>g) != cnp.PyArray_TYPE(<cnp.ndarray>deriv)
            or g.shape[1:] != deriv.shape):
        return False
    old = cts.get(parent)
    if old is None:
        if _private(g, 1):
            cts[parent] = _np_multiply(g, deriv, out=g)
            return True
        if (retain or prim.deriv_is_value or cnp.PyArray_DIMS(<cnp.ndarray>g)[0] != 1
                or not _ones(<cnp.ndarray>g)):
            return False
        cts[parent] = deriv[None]
        return True
    return _private(old, 2) and add_product(old, g, deriv)


cdef bint _product_step(g, residuals, dict cts, tuple parents, add) except -1:
    """A product node's VJP, ``g * y`` for ``x`` and ``g * x`` for ``y``, for plain NumPy
    operands of one dtype and of ``g``'s shape (no broadcasting to undo): each product is added
    into its input's running sum in one pass where only the sweep holds that sum, else computed
    as the rule would and summed as the sweep would. Same bits as the rule and the sweep's
    sums. False: the node takes the general route."""
    operands = (<tuple>residuals)[1]
    x, y = operands
    if type(g) is not _ndarray or type(x) is not _ndarray or type(y) is not _ndarray:
        return False
    dtype = (<cnp.ndarray>g).descr
    if not ((<cnp.ndarray>x).descr is dtype and (<cnp.ndarray>y).descr is dtype
            and x.shape == y.shape and g.shape[1:] == x.shape):
        return False
    cdef Py_ssize_t i
    for i in range(2):
        parent = parents[i]
        if parent is None:
            continue
        other = y if i == 0 else x
        old = cts.get(parent)
        if old is None:
            cts[parent] = _np_multiply(g, other)
        elif not (_private(old, 2) and add_product(old, g, other)):
            cts[parent] = _bind(add, (old, _np_multiply(g, other)), _NO_PARAMS)
    return True


cdef bint _ones(cnp.ndarray a):
    """Whether the float64 or float32 array ``a`` repeats one value, 1: the broadcast views of
    ones that scalar seeds become (other arrays are not scanned)."""
    if cnp.PyArray_SIZE(a) == 0 or not cnp.PyArray_ISALIGNED(a) or not one_value(a):
        return False
    if cnp.PyArray_TYPE(a) == cnp.NPY_DOUBLE:
        return (<double*>cnp.PyArray_DATA(a))[0] == 1.0
    if cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT:
        return (<float*>cnp.PyArray_DATA(a))[0] == 1.0
    return False


cdef bint _private(object a, Py_ssize_t refs):
    """Whether the sweep may write into ``a``: a writeable NumPy array with no references but
    the ``refs`` the sweep holds (1 for a cotangent it popped from the dict, 2 for a running sum
    still in it and in a local variable; arguments of a cdef function are borrowed), so no one
    else sees it change. It owns its data, or it is the only view of an array that owns the same
    bytes and that nothing else refers to (the ``f'[None]`` a unary node hands on once its node
    has let go of ``f'``): any other view of those bytes would hold a reference to that array
    too."""
    if Py_REFCNT(a) != refs or type(a) is not _ndarray or not cnp.PyArray_ISWRITEABLE(
            <cnp.ndarray>a):
        return False
    if cnp.PyArray_CHKFLAGS(<cnp.ndarray>a, cnp.NPY_ARRAY_OWNDATA):
        return True
    cdef PyObject* base = cnp.PyArray_BASE(<cnp.ndarray>a)
    return (base != NULL and _borrowed_refcnt(base) == 1 and type(<object>base) is _ndarray
            and cnp.PyArray_CHKFLAGS(<cnp.ndarray><object>base, cnp.NPY_ARRAY_OWNDATA)
            and cnp.PyArray_DATA(<cnp.ndarray><object>base) == cnp.PyArray_DATA(<cnp.ndarray>a)
            and cnp.PyArray_NBYTES(<cnp.ndarray><object>base)
            == cnp.PyArray_NBYTES(<cnp.ndarray>a))


cdef bint _accumulates_in_place(object old, object ct) except -1:
    """Add ``ct`` into the running sum ``old`` (which is ``_private``) when that saves a fresh
    array: ``ct`` a plain NumPy array of ``old``'s shape and dtype, ``old`` large. The sum is
    the same, bit for bit, as ``old + ct``."""
    if (type(ct) is not _ndarray or cnp.PyArray_SIZE(<cnp.ndarray>old) < IN_PLACE_MIN
            or old.shape != ct.shape or old.dtype != ct.dtype):
        return False
    _np_add(old, ct, out=old)
    return True


from libc.stdlib cimport free, malloc, qsort


cdef struct _Ranked:   # a node's position in recording order, and its index in a list
    long long seq
    Py_ssize_t index


cdef int _later_first(const void* a, const void* b) noexcept nogil:
    cdef long long x = (<const _Ranked*>a).seq, y = (<const _Ranked*>b).seq
    return (x < y) - (x > y)


def reachable_desc(Node root):
    """The nodes ``root`` depends on, in decreasing recording order (iterative DFS, then a sort
    by ``seq`` in C: no Python call per node, which every ``backward()`` would pay)."""
    cdef set seen = {root}
    cdef list found = [root]
    cdef list stack = [root]
    cdef Node node
    while stack:
        node = stack.pop()
        for p in node.parents:
            if p is not None and p not in seen:
                seen.add(p)
                found.append(p)
                stack.append(p)
    cdef Py_ssize_t i, n = len(found)
    cdef _Ranked* ranked = <_Ranked*>malloc(n * sizeof(_Ranked))
    if ranked == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            ranked[i].seq = (<Node>found[i]).seq
            ranked[i].index = i
        qsort(ranked, n, sizeof(_Ranked), _later_first)
        return [found[ranked[i].index] for i in range(n)]
    finally:
        free(ranked)


# ------------------------------------------------------------------------------- tensors
cdef class TensorBase(BoxBase):
    """A value on a reverse trace: the value, its node (None for a constant) and the gradient
    ``backward()`` accumulates. ``tape.Tensor`` is the user-facing class built on it."""

    cdef public object _value, _node, grad
    cdef object __weakref__




def use_tensor_class(cls):
    """Make ``cls`` (a subclass of ``TensorBase``) the class of every tensor a trace creates."""
    global _Tensor
    if not issubclass(cls, TensorBase):
        raise TypeError("the tensor class must derive from TensorBase")
    _Tensor = cls


cpdef make_tensor(value, node, ReverseTrace trace):
    cdef TensorBase t = TensorBase.__new__(_Tensor)
    t._value = value
    t._node = node
    t._trace = trace
    t._level = trace.level
    return t


cdef class ReverseTrace:
    """A reverse-mode context. ``keep_list`` decides whether it owns a Wengert list (``Tape``)
    or leaves the graph to its values (the imperative face); ``wrap_constants`` makes results
    that depend on nothing traced Tensors too (the imperative face, where everything is one)."""

    cdef public Py_ssize_t level
    cdef public bint active, wrap_constants
    cdef public object nodes

    def __init__(self, level, keep_list, wrap_constants=False):
        self.level = level
        self.active = True
        self.nodes = [] if keep_list else None
        self.wrap_constants = wrap_constants

    cpdef process(self, prim, args, params):
        cdef Py_ssize_t level = self.level
        cdef Py_ssize_t i, n = len(args)
        cdef list vals = [None] * n
        cdef list parents = [None] * n
        cdef list callers = None   # the caller's arrays among the operands: (index, value, fp)
        cdef bint tracked = False
        # Primitive's own record keeps all the operands, or (saves_values False) none of them
        cdef bint plain = type(prim) is Primitive
        cdef bint may_save = not plain or (<Primitive>prim).saves_values
        cdef TensorBase t
        cdef Node node
        for i in range(n):
            a = args[i]
            if (type(a) is _Tensor or isinstance(a, TensorBase)) and (
                    <TensorBase>a)._level == level:
                t = <TensorBase>a
                vals[i] = t._value
                if t._node is not None:
                    node = <Node>t._node
                    parents[i] = node
                    tracked = True
                    if may_save and node.prim is None and node.guards is not None:
                        if callers is None:
                            callers = []
                        callers.append((i, t._value, node))
            else:
                vals[i] = a
                if may_save and type(a) is _ndarray:
                    if callers is None:
                        callers = []
                    callers.append((i, a, None))
        if not (tracked and self.active and (not _no_grad_entered or level > state.no_grad_upto)):
            ans = _bind(prim, tuple(vals), params)
            return make_tensor(ans, None, self) if self.wrap_constants else ans
        # tuples, not lists, on the tape: a tuple of arrays and scalars drops out of the garbage
        # collector's view, so a long tape does not make every collection slower
        ans, residuals = (<Primitive?>prim).record(tuple(vals), params)
        node = _new_node(prim, tuple(parents), residuals, params)
        if callers is not None:
            node.guards = _guards_for(residuals, callers, plain)
        if self.nodes is not None:
            self.nodes.append(node)
        return make_tensor(ans, node, self)

    cpdef leaf(self, value, bint guard=True):
        """A new watched value: a Tensor with a leaf node on this trace. ``guard``: the value
        is the caller's array, fingerprinted against modification (NOTE: mutation guard)."""
        cdef TensorBase t = make_tensor(value, None, self)
        cdef Node node = _new_node(None, (), None, None)
        node.leaf_ref = weakref.ref(t)
        if guard and type(value) is _ndarray:
            node.guards = UNHASHED   # hashed when an operation first saves it
        t._node = node
        if self.nodes is not None:
            self.nodes.append(node)
        return t


# ------------------------------------------------------------------------------- dual numbers
cdef class DualBase(BoxBase):
    """A primal and its tangent (batch axis first; ``_batched`` says whether the user gave the
    batch axis or it was added for one direction). ``dual.Dual`` is the user-facing class."""

    cdef public object _primal, _tangent
    cdef public bint _batched




def use_dual_class(cls):
    """Make ``cls`` (a subclass of ``DualBase``) the class of every dual a trace creates."""
    global _Dual
    if not issubclass(cls, DualBase):
        raise TypeError("the dual class must derive from DualBase")
    _Dual = cls


cpdef make_dual(primal, tangent, ForwardTrace trace, bint batched):
    cdef DualBase d = DualBase.__new__(_Dual)
    d._primal = primal
    d._tangent = tangent
    d._trace = trace
    d._level = trace.level
    d._batched = batched
    return d


cdef class ForwardTrace:
    """One forward-mode context (one ``jvp`` call, or the hand-made Duals of a thread)."""

    cdef public Py_ssize_t level
    cdef public bint active

    def __init__(self, level):
        self.level = level
        self.active = True

    cpdef process(self, prim, args, params):
        cdef Py_ssize_t level = self.level, i, n = len(args)
        cdef list primals = [None] * n
        cdef list tangents = [None] * n
        cdef bint batched = False, tracked = False
        cdef DualBase d
        for i in range(n):
            a = args[i]
            if isinstance(a, DualBase) and (<DualBase>a)._level == level:
                d = <DualBase>a
                primals[i] = d._primal
                tangents[i] = d._tangent
                batched = batched or d._batched
                tracked = True
            else:
                primals[i] = a
        if not (tracked and self.active):
            # Design: a Dual that escaped its finished transform behaves as a constant.
            return _bind(prim, tuple(primals), params)
        ans, t = prim.forward(primals, tangents, params)
        if t is None:
            return ans
        return make_dual(ans, t, self, batched)
