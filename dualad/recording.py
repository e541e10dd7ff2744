"""``ad.record``: a function and its derivatives, compiled for one argument signature.

::

    rec = ad.record(f, x0)             # traces f(x0) once
    rec.value(x)                       # f(x)                        = ad.jit(f)(x)
    rec.grad(x)                        # ad.grad(f)(x)               = ad.jit(ad.grad(f))(x)
    rec.value_and_grad(x)              # ad.value_and_grad(f)(x)
    rec.jacobian(x)                    # ad.jacobian(f)(x)
    rec.hessian(x)                     # ad.hessian(f)(x)

# Design: a Recording is a face of ``ad.jit`` (``dualad/compiler``). Each method is ``ad.jit``
# of the matching transform of ``fun`` (``value`` of ``fun`` itself; ``grad`` is the second
# half of ``value_and_grad``'s program), compiled once and kept; so derivatives are traced like
# any code and run as one program, with
# ``ad.jit``'s guards (docs/jit.md: every value-dependent decision is a guard or computed inside
# the program, a guard that fails traces that path again, masks are data). What a Recording
# adds is its signature rule: float leaves (Python floats, float NumPy scalars and arrays, in
# any pytree) are the inputs, and must keep the structure, shapes and dtypes they were recorded
# with (a ValueError otherwise); every other leaf (ints, strings, integer arrays) is static,
# baked into the programs, and a new value of them compiles new ones (the programs of the
# ``MAX_PATHS`` sets of static values compiled last are kept). ``argnums`` chooses the
# differentiated arguments, as for ``ad.grad``. ``value``, and ``value_and_grad`` when ``fun``
# returns one float scalar, are traced when the Recording is made, so that errors (a traced
# value converted to a Python float, ``ConcretizationError``) surface there and the constants
# they read are captured then; ``jacobian`` and ``hessian`` are traced on their first call.

NOTE: guards. What ``ad.jit`` guards, a Recording guards: comparisons and the other
non-differentiated functions of traced values that decide something (``if x > 0:``, ``bool``,
``astype(int)``, a value leaving as a constant through ``ad.stop_gradient`` or ``ad.no_grad``),
and the decisions primitives take from values (the norm at zero, slogdet's sign, the max
shift of ``logsumexp``) are guards or steps of the program. Not guarded: decisions ``fun``
takes from Python-level state (globals or closure variables that change between calls,
counters, the time) and randomness; ``jacobian`` and ``hessian`` trace ``fun`` on their own
first call, so a function whose behaviour depends on such state may differ there. Arrays and
numbers ``fun`` reads from outside its arguments are captured by value (copied) when traced.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ._core.backend import raw_value
from ._core.escape import holds_derivative
from ._core.tree import check_float_leaf, tree_flatten, tree_unflatten
from .compiler import jit
from .transforms import grad, hessian, jacobian, value_and_grad
from .transforms._args import normalize_argnums
from .typing import Fun, PyTree

__all__ = ["record", "Recording", "MAX_PATHS"]

MAX_PATHS = 8   # sets of static argument values kept per Recording (the oldest compiled dropped)
_F64 = np.dtype(np.float64)
# the methods of a Recording: the transform of ``fun`` each compiles (None: ``fun`` itself)
_TRANSFORMS = {"value": None, "value_and_grad": value_and_grad, "jacobian": jacobian,
               "hessian": hessian}


def record(fun: Fun, *example_args: PyTree, argnums: int | tuple[int, ...] = 0) -> Recording:
    """A ``Recording`` of ``fun`` for arguments shaped like ``example_args``: ``value``,
    ``grad``, ``value_and_grad``, ``jacobian`` and ``hessian``, each compiled by ``ad.jit`` on
    its first call. ``argnums`` (an int or a tuple, as for ``ad.grad``) chooses the arguments
    the derivatives are taken with respect to. See NOTE: guards in ``dualad/recording.py``.

    >>> import dualad as ad, dualad.numpy as dnp
    >>> rec = ad.record(lambda x: dnp.sin(x) * x, 1.0)
    >>> round(float(rec.value(2.0)), 6), round(float(rec.grad(2.0)), 6)
    (1.818595, 0.077004)
    """
    return Recording(fun, example_args, argnums)


class Recording:
    """A function compiled for one argument signature: ``value``, ``value_and_grad``,
    ``grad``, ``jacobian`` and ``hessian`` take the arguments as ``fun`` does and answer what
    ``fun``, ``ad.value_and_grad(fun, argnums)``, ``ad.grad``, ``ad.jacobian`` and
    ``ad.hessian`` would. ``trace_count`` counts the tracing runs of all methods so far.

    >>> import numpy as np, dualad as ad, dualad.numpy as dnp
    >>> rec = ad.record(lambda x: dnp.sum(x ** 2), np.ones(2))
    >>> rec.grad(np.array([1.0, 3.0])).tolist()
    [2.0, 6.0]
    """

    def __init__(self, fun: Fun, example_args: tuple, argnums: int | tuple[int, ...] = 0
                 ) -> None:
        self.fun = fun
        self.argnums = argnums
        self._sig = _Signature(example_args, argnums)
        self._faces = {}   # static values -> {method: ad.jit of its transform}
        self._dropped = 0  # tracing runs of the faces dropped from ``_faces``
        self._lock = threading.Lock()
        # traced now, so that errors surface here and constants are captured now (NOTE: guards)
        out = self.value(*example_args)
        if _scalar_float(out):
            try:
                self.value_and_grad(*example_args)
            except Exception:   # raised again by the call that asks for a derivative
                pass

    def __getstate__(self) -> dict:
        # compiled programs do not pickle: a copy sent elsewhere (dualad.distributed, a
        # process pool) keeps the function and its signature and compiles on its first call
        state = self.__dict__.copy()
        state["_faces"], state["_dropped"] = {}, 0
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        name = getattr(self.fun, "__name__", repr(self.fun))
        compiled = sorted({m for faces in list(self._faces.values()) for m in faces})
        return (f"<Recording of {name}, argnums={self.argnums!r}: "
                f"{', '.join(compiled) or 'nothing'} compiled, {self.trace_count} trace(s)>")

    @property
    def trace_count(self) -> int:
        """The tracing runs of all methods so far (a method traces on its first call, on a new
        set of static values, and when a guard fails on a path not seen before)."""
        return self._dropped + sum(j.trace_count for faces in list(self._faces.values())
                                   for j in faces.values())

    # -- the methods -----------------------------------------------------------------------------
    def value(self, *args: PyTree) -> PyTree:
        """``fun(*args)``."""
        return self._call("value", args)

    def value_and_grad(self, *args: PyTree) -> tuple[Any, PyTree]:
        """``(fun(*args), gradient)``, as ``ad.value_and_grad(fun, argnums)(*args)``."""
        return self._call("value_and_grad", args)

    def grad(self, *args: PyTree) -> PyTree:
        """The gradient of the scalar ``fun`` at ``args``, as ``ad.grad(fun, argnums)`` (the
        program of ``value_and_grad``)."""
        return self._call("value_and_grad", args, grad, second=True)

    def jacobian(self, *args: PyTree) -> PyTree:
        """The Jacobian at ``args``, as ``ad.jacobian(fun, argnums)``: each output leaf's block
        has shape ``out.shape + x.shape``."""
        return self._call("jacobian", args)

    def hessian(self, *args: PyTree) -> PyTree:
        """The Hessian of the scalar ``fun`` at ``args``, as ``ad.hessian(fun, argnums)``."""
        return self._call("hessian", args)

    # -- internals -------------------------------------------------------------------------------
    def _call(self, method, args, eager=None, second=False):
        """``method``'s program run on ``args`` (with ``second``, the second of its two
        results); inside a transform (``args`` hold boxes that carry a derivative), ``eager``
        (default: ``method``'s transform) of ``fun``, which the transform differentiates."""
        split = self._sig.split(args)
        if split is None:   # a box among the leaves
            if holds_derivative(args):
                transform = eager or _TRANSFORMS[method]
                return (self.fun if transform is None else
                        transform(self.fun, self.argnums))(*args)
            leaves, treedef = tree_flatten(args)   # boxes of finished transforms: constants
            split = self._sig.split(tree_unflatten(treedef, [raw_value(v) for v in leaves]))
        leaves, inputs, statics = split
        faces = self._faces.get(statics)
        if faces is None or method not in faces:
            faces = self._compile(method, leaves, statics)
        if inputs is leaves:   # arrays of the recorded shapes and dtypes (``split`` checked)
            out = faces[method]._call_checked(inputs)
        else:
            out = faces[method](*inputs)
        return out[1] if second else out

    def _compile(self, method, leaves, statics):
        """The faces of ``statics`` (now the newest), with ``method``'s compiled."""
        with self._lock:
            faces = self._faces.pop(statics, None) or {}
            self._faces[statics] = faces
            while len(self._faces) > MAX_PATHS:   # the oldest set of static values goes
                dropped = self._faces.pop(next(iter(self._faces)))
                self._dropped += sum(j.trace_count for j in dropped.values())
            if method not in faces:
                transform = _TRANSFORMS[method]
                fun = self.fun if transform is None else transform(self.fun, self.argnums)
                faces[method] = jit(_WithStatics(fun, self._sig, leaves))
        return faces


class _WithStatics:
    """``fun`` called with its float leaves only (the inputs, positional), its static leaves
    fixed to the values ``leaves`` holds (copied: a Recording captures them by value)."""

    def __init__(self, fun, sig, leaves):
        self.fun, self.sig = fun, sig
        self.leaves = [None if k in sig.input_set else _frozen(v) for k, v in enumerate(leaves)]
        self.__name__ = getattr(fun, "__name__", "fun")

    def __call__(self, *inputs):
        leaves = list(self.leaves)
        for k, v in zip(self.sig.inputs, inputs):
            leaves[k] = v
        return self.fun(*tree_unflatten(self.sig.treedef, leaves))


def _scalar_float(out):
    """Whether ``out`` is what a gradient is taken of: one float leaf of one element."""
    return (isinstance(out, (float, np.floating)) or isinstance(out, np.ndarray)
            and out.size == 1 and out.dtype.kind == "f")


def _frozen(v):
    return np.array(v) if isinstance(v, np.ndarray) else v


class _Signature:
    """The argument structure a Recording was made for: which leaves are inputs (float, with
    their shapes and dtypes), which are static, and that the differentiated ones are real
    floats."""

    def __init__(self, args, argnums):
        single, nums = normalize_argnums(argnums, len(args), "record")
        leaves, self.treedef = tree_flatten(tuple(args))
        self.specs = [_spec(v) for v in leaves]
        self.owner = []   # the argument each leaf belongs to
        starts = []
        for i, child in enumerate(self.treedef.children):
            starts.append(len(self.owner))
            self.owner.extend([i] * child.num_leaves)
        self.inputs = [k for k, s in enumerate(self.specs) if s is not None]
        self.all_inputs = len(self.inputs) == len(self.specs)
        self.input_set = frozenset(self.inputs)
        # every argument a single leaf: calls skip flattening
        self.flat = all(child.kind == "leaf" for child in self.treedef.children)
        # every argument a leaf or a tuple or list of leaves: ``(kind, length)`` per argument
        # (kind None for a leaf), so that calls flatten them without walking the structure
        self.shallow = None
        if all(c.kind == "leaf" or (c.kind is list or c.kind is tuple and c.meta is tuple)
               and all(g.kind == "leaf" for g in c.children) for c in self.treedef.children):
            self.shallow = [(None, 1) if c.kind == "leaf" else (c.kind, len(c.children))
                            for c in self.treedef.children]
        for i in nums:
            child = self.treedef.children[i]
            for k in range(starts[i], starts[i] + child.num_leaves):
                check_float_leaf(leaves[k], f"record: argument {i}")
                if self.specs[k] is None:   # complex: not an input a Recording substitutes
                    raise TypeError(
                        f"record: argument {i} is complex ({np.asarray(leaves[k]).dtype}); a "
                        "Recording differentiates real floating-point arguments only: pass "
                        "the real and imaginary parts as two float arguments, or use "
                        "ad.grad (which takes complex arguments) without recording")

    def split(self, args):
        """``(leaves, inputs, statics)`` of a call, checked against the recorded structure;
        None when a leaf is a box (a value of a transform)."""
        if self.flat and len(args) == len(self.specs):
            leaves = list(args)
        else:
            leaves = self._shallow_leaves(args)
            if leaves is None:
                leaves = []
                if not _leaves_following(args, self.treedef, leaves):
                    raise ValueError(
                        f"Recording: the arguments have structure {tree_flatten(args)[1]}, but "
                        f"it was recorded with {self.treedef}; record the function again for "
                        "the new structure")
        if self.all_inputs and all(map(_same_array, leaves, self.specs)):
            return leaves, leaves, ()   # the common call: arrays of the recorded shapes
        inputs, statics = [], []
        for k, v in enumerate(leaves):
            spec = self.specs[k]
            if spec is None:
                if hasattr(v, "_level"):
                    return None
                if _spec(v) is not None:
                    raise ValueError(f"Recording: argument {self.owner[k]} has a float where "
                                     f"it was recorded with {v!r}; record again")
                statics.append(_static_key(v))
            elif _matches(v, spec):
                inputs.append(v)
            elif hasattr(v, "_level"):
                return None
            else:
                raise ValueError(
                    f"Recording: argument {self.owner[k]} is {_describe(_spec(v))}, but it was "
                    f"recorded as {_describe(spec)}; a Recording runs one shape and dtype: "
                    "record the function again (ad.record) for the new one")
        return leaves, inputs, tuple(statics)

    def _shallow_leaves(self, args):
        """The leaves of ``args`` when they have the recorded ``shallow`` structure, else
        None."""
        layout = self.shallow
        if layout is None or len(args) != len(layout):
            return None
        leaves = []
        for a, (kind, n) in zip(args, layout):
            if kind is None:
                leaves.append(a)
            elif type(a) is kind and len(a) == n:
                leaves.extend(a)
            else:
                return None
        return leaves


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


def _same_array(v, spec):
    """Whether ``v`` is a NumPy array of ``spec``'s shape and (native) dtype object."""
    return type(v) is np.ndarray and v.dtype is spec[1] and v.shape == spec[0]


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
    try:
        hash(v)
    except TypeError:
        return "id", id(v)
    return type(v), v
