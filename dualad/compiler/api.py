"""``ad.jit``: trace a function once per signature into a program, then run the program.

# Design: a call's arguments are split into traced leaves (arrays of every dtype, Python and
# NumPy numbers) and static ones (``static_argnums``, strings, booleans, None, anything else);
# the signature (pytree structure, shapes and dtypes of the arrays, types of the numbers, the
# static values) picks a list of recorded paths, the most recently used first (at most
# ``MAX_PATHS``). A path whose guards hold gives the answer; otherwise ``fun`` is traced again
# on the new arguments (``tracing.py``), the new path optimised (``program.optimize``) and
# kept. The first call of a path returns the values computed while tracing: eager results.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Sequence, Union

import numpy as np

from .._core.backend import is_cupy_array, raw_value
from .._core.escape import holds_derivative
from .._core.tree import tree_flatten, tree_unflatten
from ..typing import Fun, PyTree
from .arrays import ArrayExecutable
from .execute import Executable
from .program import Program, optimize
from .scalar import ScalarExecutable
from .tracing import ClosesOverTraced, StagingTrace

__all__ = ["jit", "Jitted"]

MAX_PATHS = 8          # recorded paths kept per signature
MAX_SIGNATURES = 64    # signatures kept per jitted function (least recently used dropped)
_EAGER = (None,)       # the paths of a signature whose function closes over traced values


#: ``static_argnums``: one argument's position, or several
ArgNums = Union[int, Sequence[int]]


def jit(fun: Fun, static_argnums: ArgNums = ()) -> Jitted:
    """Compile ``fun`` into a program per signature (API.md section 14).

    ``fun`` may call anything in ``dualad.numpy`` and the transforms (``grad``, ``hessian``,
    ``jacobian``, ``hvp``, ``vjp`` …): they are traced like any other code. Array arguments
    of every dtype and Python numbers are traced (a new value reuses the program);
    ``static_argnums`` names arguments baked into the program (a new value traces again).
    Value-dependent decisions become guards (see docs/jit.md).

    >>> import numpy as np, dualad as ad, dualad.numpy as dnp
    >>> df = ad.jit(ad.grad(lambda x: dnp.sum(dnp.sin(x) ** 2)))
    >>> df(np.array([0.0, 1.0])).round(6).tolist()
    [0.0, 0.909297]
    >>> df(np.array([2.0, 3.0])).round(6).tolist()          # the same program, new values
    [-0.756802, -0.279415]
    """
    return Jitted(fun, static_argnums)


class Jitted:
    """The callable ``ad.jit`` returns: ``jitted(*args, **kwargs)`` is ``fun(*args,
    **kwargs)``, run as a compiled program. ``jitted.lower(*args)`` returns the program for
    those arguments (print it); ``jitted.trace_count`` counts the tracing runs so far.

    >>> import numpy as np, dualad as ad, dualad.numpy as dnp
    >>> f = ad.jit(lambda x: dnp.where(x > 0, x, 0.0).sum())
    >>> float(f(np.array([1.0, -2.0]))), float(f(np.array([-1.0, 3.0]))), f.trace_count
    (1.0, 3.0, 1)
    """

    def __init__(self, fun: Fun, static_argnums: ArgNums = ()) -> None:
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        if not (isinstance(static_argnums, tuple) and all(
                isinstance(i, int) and not isinstance(i, bool) for i in static_argnums)):
            raise TypeError(f"ad.jit: static_argnums must be an int or a tuple of ints, got "
                            f"{static_argnums!r}")
        self.fun = fun
        self.static_argnums = static_argnums
        self.trace_count = 0
        self._paths = {}
        self._checked = None   # ``_call_checked``'s signature and its paths
        self._last = None      # the latest call's signature and its paths
        self._lock = threading.Lock()
        functools.update_wrapper(self, fun, updated=())

    def __repr__(self) -> str:
        name = getattr(self.fun, "__name__", repr(self.fun))
        return f"<ad.jit of {name}: {len(self._paths)} signature(s), {self.trace_count} trace(s)>"

    def __getstate__(self) -> dict:
        # compiled programs (generated functions) do not pickle: a copy sent elsewhere
        # (dualad.distributed, a process pool) keeps the function and traces on its first call
        state = self.__dict__.copy()
        state["_paths"], state["trace_count"] = {}, 0
        state["_checked"] = state["_last"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:   # decorating a method
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args: PyTree, **kwargs: PyTree) -> PyTree:
        call = self._split(args, kwargs)
        if call is None:   # inside another transform, or CuPy arrays: eager (docs/jit.md)
            return self.fun(*args, **kwargs)
        key, inputs, rebuild = call
        return self._run(key, self._paths_for(key), inputs, rebuild, args, kwargs)

    def _call_checked(self, arrays: list) -> PyTree:
        """``self(*arrays)`` for a caller that passes NumPy arrays of the shapes and dtypes of
        its first call, as it has checked (a ``Recording``): the signature is not looked up
        again."""
        if self._checked is None:
            call = self._split(tuple(arrays), {})
            if call is None:
                return self(*arrays)
            self._checked = call[0], self._paths_for(call[0])
        key, paths = self._checked
        if paths is _EAGER:
            return self.fun(*arrays)
        return self._run(key, paths, arrays, None, tuple(arrays), {})

    def _run(self, key, paths, inputs, rebuild, args, kwargs):
        """The outputs of the first of ``paths`` that holds for ``inputs``, or of a new path
        traced for them (``rebuild``: as ``_split`` gives it; None: found again)."""
        for k, exe in enumerate(paths):
            if exe is None:
                break
            outs = exe.run(inputs)
            if outs is not None:
                if k:
                    with self._lock:
                        paths.insert(0, paths.pop(k))
                return exe.program.output_tree(outs)
        if paths is _EAGER:
            return self.fun(*args, **kwargs)
        if rebuild is None:
            rebuild = self._split(args, kwargs)[2] or (
                lambda boxes: (_rebuild(args, iter(boxes)), {}))
        try:
            exe, outs = self._trace(paths, inputs, rebuild)
        except ClosesOverTraced:   # inside a transform that differentiates fun's closure
            with self._lock:
                self._paths[key] = _EAGER
                self._checked = self._last = None
            return self.fun(*args, **kwargs)
        return exe.program.output_tree(outs)

    def lower(self, *args: PyTree, **kwargs: PyTree) -> Program:
        """The ``Program`` that runs for these arguments (traced now if no recorded path
        holds for them); ``print`` it to see one line per step.

        >>> import numpy as np, dualad as ad, dualad.numpy as dnp
        >>> print(ad.jit(lambda x: dnp.exp(x) * 2.0).lower(np.ones(3)))
        { lambda %0:float64[3] .
            %1:float64[3] = exp(%0)
            %2:float64[3] = multiply(%1, 2.0)
          in (%2) }
        """
        call = self._split(args, kwargs)
        if call is None:
            raise TypeError("ad.jit(...).lower: the arguments hold values traced by another "
                            "transform (or CuPy arrays), which run eagerly; lower plain arrays")
        key, inputs, rebuild = call
        paths = self._paths_for(key)
        if paths is _EAGER:
            raise TypeError("ad.jit(...).lower: the function closes over values that an "
                            "enclosing transform differentiates; it runs eagerly")
        for exe in paths:
            if exe.run(inputs) is not None:
                return exe.program
        if rebuild is None:
            rebuild = lambda boxes: (_rebuild(args, iter(boxes)), {})   # noqa: E731
        return self._trace(paths, inputs, rebuild)[0].program

    # -- internals ------------------------------------------------------------------------------
    def _paths_for(self, key):
        last = self._last   # the previous call's signature: compared, not hashed again
        if last is not None and last[0] == key:
            return last[1]
        paths = self._paths.get(key)
        if paths is None:
            with self._lock:
                paths = self._paths.setdefault(key, [])
                while len(self._paths) > MAX_SIGNATURES:   # the oldest signature goes
                    del self._paths[next(iter(self._paths))]
        self._last = key, paths
        return paths

    def _split(self, args, kwargs):
        """``(key, inputs, rebuild)`` for a call: the signature, the traced leaves' values and
        a function rebuilding ``(args, kwargs)`` from new traced leaves; None for an eager
        call."""
        if not kwargs and not self.static_argnums:
            key, inputs = [], []
            if _quick_leaves(args, key, inputs):   # plain arrays and numbers in tuples/lists
                return tuple(key), inputs, None   # rebuilt by ``_rebuild`` if it traces
        if holds_derivative((args, kwargs)):
            return None
        static = self.static_argnums
        for i in static:
            if not -len(args) <= i < len(args):
                raise ValueError(f"ad.jit: static_argnums names argument {i}, but the function "
                                 f"was called with {len(args)} positional arguments")
        static = {i % len(args) for i in static} if args else set()
        dynamic = tuple(None if i in static else a for i, a in enumerate(args))
        leaves, treedef = tree_flatten((dynamic, kwargs))
        keys, inputs, where = [], [], []
        for k, v in enumerate(leaves):
            if hasattr(v, "_level"):   # a box of a finished transform: a constant
                v = leaves[k] = raw_value(v)
            if is_cupy_array(v):
                return None
            spec = _spec(v)
            if spec is None:
                keys.append(("static", _static_key(v)))
            else:
                keys.append(spec)
                inputs.append(v)
                where.append(k)
        key = (_tree_key(treedef), tuple(keys),
               tuple((i, _static_key(args[i])) for i in sorted(static)))

        def rebuild(boxes):
            new = list(leaves)
            for k, b in zip(where, boxes):
                new[k] = b
            dyn, kw = tree_unflatten(treedef, new)
            return tuple(args[i] if i in static else a for i, a in enumerate(dyn)), kw

        return key, inputs, rebuild

    def _trace(self, paths, inputs, rebuild):
        """Trace ``fun`` on ``inputs``: ``(executable, outputs)``, the path kept in ``paths``."""
        trace = StagingTrace()
        boxes = [trace.input(_traced_value(v)) for v in inputs]
        args, kwargs = rebuild(boxes)
        with trace:
            out = self.fun(*args, **kwargs)
            out_leaves, out_def = tree_flatten(out)
            outs = [trace.output(leaf) for leaf in out_leaves]
            trace.pin_unused()
        program = trace.program
        program.finish(outs, out_def)
        values = [inputs[o] if o < len(inputs) else program.values[o] for o in program.outs]
        program = optimize(program)
        python = functools.lru_cache(maxsize=None)(lambda: Executable(program))
        exe = (ScalarExecutable.build(program, python)   # float64 scalars: compiled
               or ArrayExecutable.build(program, python)  # small float64 arrays: compiled
               or python())
        program.forget_values()
        with self._lock:
            self.trace_count += 1
            paths.insert(0, exe)
            del paths[MAX_PATHS:]
        return exe, values


def _quick_leaves(tree, key, inputs):
    """The signature and traced leaves of a sequence of NumPy arrays, Python floats and ints,
    NumPy numbers, and tuples or lists of them (the common call, without building a tree);
    False for anything else."""
    for a in tree:
        kind = type(a)
        # the key is flat (no tuple per leaf): each entry's type says what follows it
        if kind is np.ndarray:
            key.append(a.shape)
            key.append(a.dtype)
            inputs.append(a)
        elif kind is float or kind is int:
            key.append(kind)
            inputs.append(a)
        elif kind in _NUMBERS:   # a NumPy number (a step counter a program returned)
            key.append(_NUMBER)
            key.append(a.dtype)
            inputs.append(a)
        elif kind is tuple or kind is list:
            key.append(kind)
            key.append(len(a))
            if not _quick_leaves(a, key, inputs):
                return False
        else:
            return False
    return True


_NUMBER = "number"   # in a quick key: a NumPy number, its dtype next
_NUMBERS = frozenset(np.dtype(c).type for c in np.typecodes["AllInteger"]
                    + np.typecodes["AllFloat"] + np.typecodes["Complex"])


def _rebuild(tree, leaves):
    """``tree`` (as accepted by ``_quick_leaves``) with its leaves taken from ``leaves``."""
    return type(tree)(_rebuild(a, leaves) if type(a) is tuple or type(a) is list
                      else next(leaves) for a in tree)


def _spec(v):
    """The signature entry of a traced leaf, None for a static one."""
    kind = type(v)
    if kind is np.ndarray:
        return "array", v.shape, v.dtype.str
    if kind is float or kind is int or kind is complex:
        return kind
    if isinstance(v, np.generic) and not isinstance(v, np.bool_) and v.dtype.kind in "iufc":
        return "scalar", v.dtype.str
    return None


def _traced_value(v):
    """The value an input slot holds while tracing: a view of an array (an object of the
    trace's own, NOTE: staged decisions), numbers as they are."""
    return v.view() if type(v) is np.ndarray else v


def _static_key(v):
    """A hashable stand-in for a static value."""
    if isinstance(v, np.ndarray):
        return "array", v.shape, v.dtype.str, v.tobytes()
    try:
        hash(v)
    except TypeError:
        return "id", id(v)
    return type(v), v


def _tree_key(td):
    meta = td.meta
    try:
        hash(meta)
    except TypeError:
        meta = repr(meta)
    return (str(td.kind), meta, tuple(_tree_key(c) for c in td.children))
