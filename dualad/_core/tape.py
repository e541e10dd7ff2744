"""Reverse mode: the Wengert tape, its backward sweep, and the ``Tensor`` that rides on it.

# Design: recording appends one ``Node`` per primitive application: the primitive, the nodes of
# its differentiated inputs, and only the residuals its VJP needs. Nodes also link to their
# input nodes, so the tape is both a Wengert list (an explicit ``Tape`` keeps its nodes in
# recording order and sweeps that list backwards) and a graph owned by its values (the
# imperative ``ad.tensor`` face keeps no list: a ``backward()`` collects the nodes it can reach
# and sweeps them in decreasing recording order, and the graph dies with the tensors, as in
# PyTorch). Both faces run the same ``sweep``. The sweep is a loop, never a recursion, so a tape
# of a million entries sweeps without touching Python's recursion limit.

The hot path (``Node``, ``ReverseTrace.process``, ``sweep``, the mutation guard of NOTE: mutation
guard) is compiled in ``_engine.pyx``; this module holds the user-facing ``Tensor`` and ``Tape``.
"""
from __future__ import annotations

import copy
import math
from typing import Any, Sequence, TYPE_CHECKING

import weakref

import numpy as np

from . import _engine
from ._engine import (FREED, Node, ReverseTrace, TensorBase, make_tensor, reachable_desc,
                      sweep)
from .._kernels import cache_scope
from .backend import array_module, is_cupy_array, raw_value
from .primitive import Box, dtype_of, shape_of
from .dtypes import infer_dtype
from .state import IMPERATIVE_LEVEL, new_level

if TYPE_CHECKING:   # dualad.typing imports this package: the aliases are for checkers
    from ..typing import ArrayLike, DTypeLike


class TapeEntry:
    """A read-only view of one Wengert-list entry."""

    __slots__ = ("op", "inputs", "outputs")

    def __init__(self, op, inputs, outputs):
        self.op, self.inputs, self.outputs = op, inputs, outputs

    def __repr__(self):
        return f"TapeEntry(op={self.op!r}, inputs={self.inputs}, outputs={self.outputs})"


_INFERRED_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))

# the imperative face: results that depend on nothing traced are Tensors too
IMPERATIVE = ReverseTrace(IMPERATIVE_LEVEL, keep_list=False, wrap_constants=True)


class Tape:
    """An explicit tape (TensorFlow's ``GradientTape``, same tape as the imperative face).

    ::

        with ad.Tape() as tape:
            x = tape.watch(np.array([1.0, 2.0]))
            y = dnp.sum(dnp.tanh(x) ** 2)
        gx, = tape.gradient(y, [x])
    """

    def __init__(self, persistent: bool = False) -> None:
        self.persistent = persistent
        self._trace = ReverseTrace(new_level(), keep_list=True)
        self._used = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @property
    def level(self):
        """The trace level of this tape's recording (an int; nested transforms and tapes have
        distinct levels)."""
        return self._trace.level

    def watch(self, x: ArrayLike) -> Tensor:
        """Start recording operations on ``x``; returns the traced value to compute with."""
        from .tree import check_float_leaf
        x = check_float_leaf(x, "Tape.watch argument")
        return self._trace.leaf(x)

    def __len__(self):
        return len(self._trace.nodes)

    @property
    def entries(self):
        """The Wengert list: one entry per primitive (op name, input ids, output ids); watched
        values appear as ``watch`` entries."""
        out = []
        for n in self._trace.nodes:
            if n.prim is None:
                out.append(TapeEntry("watch", (), (n.seq,)))
            else:
                out.append(TapeEntry(n.prim.name, tuple(p.seq if p is not None else None
                                                        for p in n.parents), (n.seq,)))
        return out

    def gradient(self, target: ArrayLike, sources: ArrayLike | Sequence[ArrayLike],
                 output_gradients: ArrayLike | None = None) -> Any:
        """Gradients of ``target`` with respect to each of ``sources`` (a list, or one value).

        A non-persistent tape allows one call; its residuals are freed by it.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "this Tape was already used by a gradient() call and is not persistent; create "
                "it with ad.Tape(persistent=True) to call gradient() several times")
        self._used = True
        single = not isinstance(sources, (list, tuple))
        srcs = [sources] if single else list(sources)
        for i, s in enumerate(srcs):
            if not (type(s) is Tensor and s._trace is self._trace and s._node is not None
                    and s._node.prim is None):
                raise ValueError(
                    f"source {i} passed to Tape.gradient was not watched on this tape; use "
                    "x = tape.watch(x) and compute with the returned value")
        if not (type(target) is Tensor and target._trace is self._trace):
            grads = [None] * len(srcs)
        else:
            seed = _seed(target, output_gradients, "output_gradients")
            cts = sweep(reversed(self._trace.nodes), {target._node: seed},
                        retain=self.persistent)
            grads = [_unbatch(cts.get(s._node)) for s in srcs]
        if not self.persistent:
            self._trace.active = False
            for node in self._trace.nodes:  # keep the list for inspection, free its residuals
                if node.prim is not None:
                    node.residuals = FREED
                    node.guards = None
        return grads[0] if single else grads


# ``register_hook`` and ``retain_grad``, by node (weakly: an entry goes with its graph), read
# by ``backward`` through ``_tapped``
_HOOKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RETAINED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    def __init__(self, node, hook):
        self.node, self.hook = node, hook

    def remove(self):
        hooks = _HOOKS.get(self.node, [])
        if self.hook in hooks:
            hooks.remove(self.hook)
        if not hooks:
            _HOOKS.pop(self.node, None)


def _tapped(nodes_desc, cts):
    """``nodes_desc`` for the sweep, running each node's hooks on its cotangent and keeping a
    retained tensor's gradient just before the sweep reaches the node: every use of the node
    has been swept by then (decreasing recording order), so its cotangent is complete (and
    holding it keeps the sweep from adding into it in place)."""
    for node in nodes_desc:
        hooks, retained = _HOOKS.get(node), _RETAINED.get(node)
        ct = cts.get(node)
        if ct is not None and hooks:
            for hook in list(hooks):
                replaced = hook(Tensor._make(ct[0], None, IMPERATIVE))
                if replaced is not None:
                    ct = np.asarray(raw_value(replaced))[None]
            cts[node] = ct
        if ct is not None and retained is not None:
            tensor = retained()
            if tensor is not None:
                g = ct[0]
                tensor.grad = Tensor._make(g if tensor.grad is None else tensor.grad._value + g,
                                           None, IMPERATIVE)
        yield node


def _seed(target, given, what):
    """The cotangent that starts a sweep, with its batch axis of one."""
    value = target._value
    if given is None:
        if isinstance(value, (np.ndarray, np.generic)):   # no module lookup, no np.ones wrapper
            seed = np.empty((1,) + value.shape, value.dtype)
            seed.fill(1)
            return seed
        return array_module(raw_value(value)).ones((1,) + shape_of(value), dtype=dtype_of(value))
    if isinstance(given, Box) and given._level >= target._level:
        given = raw_value(given)
    return check_cotangent(given, value, what)[None]


def check_cotangent(ct, value, what):
    """``ct`` checked as the cotangent of ``value``: same shape, and the same floating-point
    or complex dtype when ``value`` is one (Python numbers and lists take ``value``'s dtype)."""
    want = np.dtype(dtype_of(value))
    floating = np.issubdtype(want, np.inexact)
    if not hasattr(ct, "dtype"):
        ct = np.asarray(ct, dtype=want if floating else None)
    if shape_of(ct) != shape_of(value):
        raise ValueError(f"{what} has shape {shape_of(ct)}, but the value it seeds has shape "
                         f"{shape_of(value)}")
    have = np.dtype(dtype_of(ct))
    cast = want.name if floating else "float64"
    if not np.issubdtype(have, np.inexact):
        raise TypeError(f"{what} has dtype {have}; cotangents must be floating-point or complex "
                        f"(cast it with .astype({cast}))")
    if floating and have != want:
        raise TypeError(f"{what} has dtype {have}, but the value it seeds has dtype {want}; cast "
                        f"it with .astype({cast})")
    return ct


def _unbatch(ct):
    return None if ct is None else ct[0]


class Tensor(TensorBase, Box):
    """A value on the tape (PyTorch's face): ``ad.tensor(3.0, requires_grad=True)``."""

    __slots__ = ()
    _make = staticmethod(make_tensor)

    def _raw(self):
        return self._value

    # -- the PyTorch-like surface ------------------------------------------------------------
    @property
    def requires_grad(self):
        """Whether operations on this tensor are recorded so that ``backward`` reaches it; set
        it on a leaf tensor only (``x.requires_grad = True``)."""
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag == self.requires_grad:
            return
        if not self.is_leaf:
            raise RuntimeError("requires_grad can only be changed on leaf tensors; use "
                               ".detach() to get a new leaf")
        if flag:
            from .tree import check_float_leaf
            check_float_leaf(self._value, "a tensor that requires grad")
            self._node = Node(None, (), None, None, weakref.ref(self))
        else:
            self._node = None

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (a leaf tensor only) and return the tensor, as
        PyTorch's ``requires_grad_``.

        >>> x = ad.tensor([1.0, 2.0]).requires_grad_()
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
        """
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self):
        """True for a tensor made by the user (``ad.tensor``, a parameter), False for the result
        of a recorded operation; only leaves get ``.grad``."""
        return self._node is None or self._node.prim is None

    @property
    def data(self):
        """The same values as a tensor cut from the tape, as ``detach()`` (PyTorch's
        ``.data``)."""
        return Tensor._make(self._value, None, IMPERATIVE)

    def detach(self) -> Tensor:
        """The same values, cut from the tape (a constant)."""
        return Tensor._make(self._value, None, IMPERATIVE)

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A new leaf with a copy of the values (and of ``.grad``), requiring grad as this one
        does, as PyTorch's deepcopy: a copied model trains its own parameters."""
        if self._trace is not IMPERATIVE:
            raise TypeError("deepcopy of a value traced by a transform: copy the plain array "
                            "outside the transform, or use dnp.array(x) inside it")
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol; deepcopy x.detach() instead")
        new = Tensor._make(copy.deepcopy(self._value, memo), None, IMPERATIVE)
        memo[id(self)] = new
        if self.requires_grad:
            new.requires_grad = True
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        return new

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` with this tensor's gradient during ``backward()``, before it
        flows on (or into ``.grad``); a tensor it returns replaces the gradient. Returns a
        handle whose ``remove()`` unregisters it, as in PyTorch.

        >>> x = ad.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * x).sum().backward(); x.grad
        tensor([20., 40.])
        """
        if self._node is None:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        hooks = _HOOKS.setdefault(self._node, [])
        hooks.append(hook)
        return _HookHandle(self._node, hook)

    def retain_grad(self) -> None:
        """Keep this (non-leaf) tensor's gradient in ``.grad`` after ``backward()``, as
        PyTorch's ``retain_grad``; a leaf keeps its gradient anyway."""
        if self._node is None:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if not self.is_leaf:
            _RETAINED[self._node] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        return self._node is not None and self._node in _RETAINED

    def zero_grad(self) -> None:
        """Reset the accumulated gradient to zeros (it stays None if none was accumulated)."""
        if self.grad is not None:
            self.grad = Tensor._make(self.grad._value * 0, None, IMPERATIVE)

    def backward(self, gradient: ArrayLike | None = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad."""
        if self._node is None or self._trace is not IMPERATIVE:
            raise RuntimeError(
                "backward() was called on a value that does not depend on any tensor with "
                "requires_grad=True, so there is nothing to differentiate")
        if gradient is None and math.prod(shape_of(self._value)) != 1:
            raise RuntimeError(
                f"backward() without a gradient argument needs a scalar output, got shape "
                f"{self.shape}; pass gradient= with that shape (or reduce with "
                ".sum())")
        if gradient is not None:
            gradient = gradient._value if type(gradient) is Tensor else gradient
        seed = _seed(self, gradient, "gradient")
        nodes = reachable_desc(self._node)
        cts = {self._node: seed}
        if _HOOKS or _RETAINED:
            nodes = _tapped(nodes, cts)
        with cache_scope():   # big temporaries reuse mapped pages (dualad._kernels._alloc)
            cts = sweep(nodes, cts, retain=retain_graph)
        for node, ct in cts.items():
            if node.prim is None and node.leaf_ref is not None:
                leaf = node.leaf_ref()
                if leaf is not None:
                    g = ct[0]
                    leaf.grad = Tensor._make(g if leaf.grad is None else leaf.grad._value + g,
                                             None, IMPERATIVE)

    # -- array-like --------------------------------------------------------------------------
    def __repr__(self):
        # PyTorch's layout: rows aligned under "tensor(", the dtype named unless it is one a
        # literal infers (float32, int64, bool)
        value = np.asarray(raw_value(self._value))
        extra = "" if value.dtype in _INFERRED_DTYPES else f", dtype={value.dtype.name}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        body = np.array2string(value, separator=", ", prefix="tensor(")
        return f"tensor({body}{extra})"


# Hook: PyTorch's Tensor methods (``view``, ``unsqueeze``, ``add_`` …, ``size``, ``device``; API.md
# section 13) are written with ``dualad.numpy`` and ``dualad.nn`` functions, layers above the
# core, so the torch face (``_torch_methods.install``, called by ``dualad/torch_api.py``)
# registers them here, once, when it is imported.
def use_torch_surface(surface):
    """Give ``Tensor`` the attributes in ``surface`` (names to functions, properties or values)."""
    for name, value in surface.items():
        setattr(Tensor, name, value)


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: DTypeLike | None = None) -> Tensor:
    """A ``Tensor`` on the imperative tape, with ``torch.tensor``'s dtypes: Python floats (and
    lists of them) take the default dtype (float32 unless ``ad.set_default_dtype`` changes it),
    Python ints int64, NumPy arrays keep theirs.

    >>> import dualad as ad
    >>> ad.tensor([1.0, 2.0]).dtype, ad.tensor(np.ones(2)).dtype
    (dtype('float32'), dtype('float64'))
    """
    value = raw_value(data)
    if is_cupy_array(value):
        value = value if dtype is None else value.astype(dtype)
    else:   # a copy: dualad never aliases the caller's array
        value = np.array(value, dtype=infer_dtype(value, dtype))
    t = Tensor._make(value, None, IMPERATIVE)
    if requires_grad:
        t.requires_grad = True
    return t



_engine.use_tensor_class(Tensor)
