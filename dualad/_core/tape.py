"""Reverse mode: the Wengert tape, its backward sweep, and the ``Tensor`` that rides on it.

# Design: recording appends one ``Node`` per primitive application: the primitive, the nodes of
# its differentiated inputs, and only the residuals its VJP needs. Nodes also link to their
# input nodes, so the tape is both a Wengert list (an explicit ``Tape`` keeps its nodes in
# recording order and sweeps that list backwards) and a graph owned by its values (the
# imperative ``ad.tensor`` face keeps no list: a ``backward()`` collects the nodes it can reach
# and sweeps them in decreasing recording order, and the graph dies with the tensors, as in
# PyTorch). Both faces run the same ``sweep``. The sweep is a loop, never a recursion, so a tape
# of a million entries sweeps without touching Python's recursion limit.

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
import itertools
import weakref

import numpy as np

from .._kernels import fingerprint
from .backend import array_module, is_cupy_array, raw_value
from .primitive import Box, add_any, dtype_of, shape_of
from .state import IMPERATIVE_LEVEL, new_level, recording, state

_seq = itertools.count()


class Node:
    """One tape entry. Leaves (watched values) have ``prim`` None.

    ``guards`` (see NOTE: mutation guard): on an operation, None or a tuple of
    ``(argument index, Fingerprint)`` for the caller's arrays among its residuals; on a leaf, the
    ``Fingerprint`` of the caller's watched array, or None when dualad owns the value.
    """

    __slots__ = ("seq", "prim", "parents", "residuals", "params", "leaf_ref", "guards",
                 "__weakref__")

    def __init__(self, prim, parents, residuals, params, leaf_ref=None, guards=None):
        self.seq = next(_seq)
        self.prim = prim
        self.parents = parents
        self.residuals = residuals
        self.params = params
        self.leaf_ref = leaf_ref
        self.guards = guards


_FREED = object()


class Fingerprint:
    """What a caller's array looked like when the tape saved it: shape, dtype, 64-bit hash."""

    __slots__ = ("array", "signature")

    def __init__(self, array):
        self.array = array
        self.signature = _signature(array)

    def changed(self):
        return _signature(self.array) != self.signature


def _signature(a):
    return a.shape, a.dtype, fingerprint(a)


def _saved_ids(residuals):
    """The ids of the NumPy arrays among ``residuals`` (nested tuples and lists)."""
    ids, stack = set(), [residuals]
    while stack:
        r = stack.pop()
        if type(r) is tuple or type(r) is list:
            stack.extend(r)
        elif type(r) is np.ndarray:
            ids.add(id(r))
    return ids


def guards_for(residuals, candidates):
    """The guards of a new node: the ``(index, value, fingerprint or None)`` candidates that
    the residuals really hold (a fingerprint is computed for those that have none yet)."""
    saved = _saved_ids(residuals)
    guards = tuple((i, fp if fp is not None else Fingerprint(v))
                   for i, v, fp in candidates if id(v) in saved)
    return guards or None


def _check_unmodified(node, checked):
    for i, fp in node.guards:
        if id(fp) in checked:
            continue
        if fp.changed():
            a = fp.array
            raise RuntimeError(
                f"{node.prim.name}: an array saved for the backward pass (argument {i}, shape "
                f"{a.shape}, dtype {a.dtype}) was modified in place after the operation was "
                "recorded, so its gradient would be wrong; give dualad a copy (x.copy()) or "
                "modify the array only after the gradient has been computed")
        checked.add(id(fp))


def sweep(nodes_desc, seeds, retain):
    """Propagate cotangents backwards through ``nodes_desc`` (nodes in decreasing recording
    order). ``seeds`` maps nodes to their cotangents and is updated in place: afterwards it holds
    the cotangents of the leaves. Residuals are freed unless ``retain``."""
    cts = seeds
    checked = set()
    for node in nodes_desc:
        prim = node.prim
        if prim is None:
            continue
        g = cts.pop(node, None)
        if g is None:
            continue
        residuals = node.residuals
        if residuals is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved values were "
                "freed by the first backward(); call backward(retain_graph=True) the first "
                "time, or use ad.Tape(persistent=True)")
        if node.guards is not None:
            _check_unmodified(node, checked)
        parents = node.parents
        needs = [p is not None for p in parents]
        for parent, ct in zip(parents, prim.backward(g, residuals, needs, node.params)):
            if parent is not None and ct is not None:
                cts[parent] = add_any(cts.get(parent), ct)
        if not retain:
            node.residuals = _FREED
            node.guards = None
    return cts


def reachable_desc(root):
    """The nodes ``root`` depends on, in decreasing recording order (iterative DFS)."""
    seen = {id(root): root}
    stack = [root]
    while stack:
        node = stack.pop()
        for p in node.parents:
            if p is not None and id(p) not in seen:
                seen[id(p)] = p
                stack.append(p)
    return sorted(seen.values(), key=lambda n: n.seq, reverse=True)


class TapeEntry:
    """A read-only view of one Wengert-list entry."""

    __slots__ = ("op", "inputs", "outputs")

    def __init__(self, op, inputs, outputs):
        self.op, self.inputs, self.outputs = op, inputs, outputs

    def __repr__(self):
        return f"TapeEntry(op={self.op!r}, inputs={self.inputs}, outputs={self.outputs})"


class ReverseTrace:
    """A reverse-mode context. ``keep_list`` decides whether it owns a Wengert list (``Tape``)
    or leaves the graph to its values (the imperative face)."""

    def __init__(self, level, keep_list, wrap_constants=False):
        self.level = level
        self.active = True
        self.nodes = [] if keep_list else None
        self.wrap_constants = wrap_constants

    def process(self, prim, args, params):
        level = self.level
        vals, parents = [], []
        tracked = False
        callers = []   # the caller's arrays among the operands: (index, value, fingerprint)
        for i, a in enumerate(args):
            if type(a) is Tensor and a._level == level:
                vals.append(a._value)
                node = a._node
                parents.append(node)
                if node is not None:
                    tracked = True
                    if node.prim is None and node.guards is not None:
                        callers.append((i, a._value, node.guards))
            else:
                vals.append(a)
                parents.append(None)
                if type(a) is np.ndarray:
                    callers.append((i, a, None))
        if not (tracked and self.active and recording(level)):
            ans = prim(*vals, **params)
            return Tensor._make(ans, None, self) if self.wrap_constants else ans
        ans, residuals = prim.record(vals, params)
        node = Node(prim, parents, residuals, params)
        if callers:
            node.guards = guards_for(residuals, callers)
        if self.nodes is not None:
            self.nodes.append(node)
        return Tensor._make(ans, node, self)

    def leaf(self, value, guard=True):
        """A new watched value: a Tensor with a leaf node on this trace. ``guard``: the value
        is the caller's array, fingerprinted against modification (NOTE: mutation guard)."""
        t = Tensor._make(value, None, self)
        fingerprint = Fingerprint(value) if guard and type(value) is np.ndarray else None
        t._node = Node(None, (), None, None, weakref.ref(t), fingerprint)
        if self.nodes is not None:
            self.nodes.append(t._node)
        return t


class _ImperativeTrace(ReverseTrace):
    def __init__(self):
        super().__init__(IMPERATIVE_LEVEL, keep_list=False, wrap_constants=True)


IMPERATIVE = _ImperativeTrace()


class Tape:
    """An explicit tape (TensorFlow's ``GradientTape``, same tape as the imperative face).

    ::

        with ad.Tape() as tape:
            x = tape.watch(np.array([1.0, 2.0]))
            y = dnp.sum(dnp.tanh(x) ** 2)
        gx, = tape.gradient(y, [x])
    """

    def __init__(self, persistent=False):
        self.persistent = persistent
        self._trace = ReverseTrace(new_level(), keep_list=True)
        self._used = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @property
    def level(self):
        return self._trace.level

    def watch(self, x):
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

    def gradient(self, target, sources, output_gradients=None):
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
                    node.residuals = _FREED
                    node.guards = None
        return grads[0] if single else grads


def _seed(target, given, what):
    """The cotangent that starts a sweep, with its batch axis of one."""
    value = target._value
    if given is None:
        return array_module(raw_value(value)).ones((1,) + shape_of(value), dtype=dtype_of(value))
    if isinstance(given, Box) and given._level >= target._level:
        given = raw_value(given)
    return check_cotangent(given, value, what)[None]


def check_cotangent(ct, value, what):
    """``ct`` checked as the cotangent of ``value``: same shape, and the same floating-point
    dtype when ``value`` is floating (Python numbers and lists take ``value``'s dtype)."""
    want = np.dtype(dtype_of(value))
    floating = np.issubdtype(want, np.floating)
    if not hasattr(ct, "dtype"):
        ct = np.asarray(ct, dtype=want if floating else None)
    if shape_of(ct) != shape_of(value):
        raise ValueError(f"{what} has shape {shape_of(ct)}, but the value it seeds has shape "
                         f"{shape_of(value)}")
    have = np.dtype(dtype_of(ct))
    cast = want.name if floating else "float64"
    if not np.issubdtype(have, np.floating):
        raise TypeError(f"{what} has dtype {have}; cotangents must be floating-point (cast it "
                        f"with .astype({cast}))")
    if floating and have != want:
        raise TypeError(f"{what} has dtype {have}, but the value it seeds has dtype {want}; cast "
                        f"it with .astype({cast})")
    return ct


def _unbatch(ct):
    return None if ct is None else ct[0]


class Tensor(Box):
    """A value on the tape (PyTorch's face): ``ad.tensor(3.0, requires_grad=True)``."""

    __slots__ = ("_value", "_node", "_trace", "_level", "grad", "__weakref__")

    @classmethod
    def _make(cls, value, node, trace):
        self = object.__new__(cls)
        self._value = value
        self._node = node
        self._trace = trace
        self._level = trace.level
        self.grad = None
        return self

    def _raw(self):
        return self._value

    # -- the PyTorch-like surface ------------------------------------------------------------
    @property
    def requires_grad(self):
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

    def requires_grad_(self, flag=True):
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self):
        return self._node is None or self._node.prim is None

    @property
    def data(self):
        _escaping(self)
        return Tensor._make(self._value, None, IMPERATIVE)

    def detach(self):
        """The same values, cut from the tape (a constant)."""
        _escaping(self)
        return Tensor._make(self._value, None, IMPERATIVE)

    def item(self):
        _escaping(self)
        v = raw_value(self._value)
        if np.size(v) != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape "
                             f"{np.shape(v)}")
        return v.item() if hasattr(v, "item") else v

    def numpy(self):
        """The values as a read-only NumPy view (NOTE: mutation guard); ``.copy()`` it to get
        an array to modify."""
        _escaping(self)
        return read_only_view(np.asarray(raw_value(self._value)))

    def zero_grad(self):
        """Reset the accumulated gradient to zeros (it stays None if none was accumulated)."""
        if self.grad is not None:
            self.grad = Tensor._make(self.grad._value * 0, None, IMPERATIVE)

    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad."""
        if self._node is None or self._trace is not IMPERATIVE:
            raise RuntimeError(
                "backward() was called on a value that does not depend on any tensor with "
                "requires_grad=True, so there is nothing to differentiate")
        if gradient is None and int(np.prod(self.shape)) != 1:
            raise RuntimeError(
                f"backward() without a gradient argument needs a scalar output, got shape "
                f"{self.shape}; pass gradient= with that shape (or reduce with "
                ".sum())")
        if gradient is not None:
            gradient = gradient._value if type(gradient) is Tensor else gradient
        seed = _seed(self, gradient, "gradient")
        cts = sweep(reachable_desc(self._node), {self._node: seed}, retain=retain_graph)
        for node, ct in cts.items():
            if node.prim is None and node.leaf_ref is not None:
                leaf = node.leaf_ref()
                if leaf is not None:
                    g = ct[0]
                    leaf.grad = Tensor._make(g if leaf.grad is None else leaf.grad._value + g,
                                             None, IMPERATIVE)

    # -- array-like --------------------------------------------------------------------------
    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __repr__(self):
        extra = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(np.asarray(raw_value(self._value)), separator=", ")
        return f"tensor({body}{extra})"

    def __array__(self, dtype=None, copy=None):
        if self._node is not None:
            raise TypeError(
                "cannot convert a tensor that requires grad to a NumPy array: that would drop "
                "its derivative; use .detach().numpy() (or dualad.numpy functions)")
        a = np.asarray(raw_value(self._value))
        if dtype is not None:
            return a.astype(dtype)
        return a.copy() if copy else read_only_view(a)


def _escaping(t):
    """``t``'s values leave the tape as plain values (``item``, ``numpy``, ``detach``): while
    ad.record records, that pins them (a guard; ``None`` stands for "the value itself")."""
    observer = state.guard_observer
    if observer is not None:
        observer(None, (t,), {}, raw_value(t._value))


def read_only_view(a):
    """A view of the NumPy array ``a`` that cannot be written through (other values pass)."""
    if type(a) is not np.ndarray:
        return a
    v = a.view()
    v.flags.writeable = False
    return v


def tensor(data, requires_grad=False, dtype=None):
    """A ``Tensor`` on the imperative tape. Python floats become float64 (dualad's scientific
    default); float32 arrays stay float32."""
    value = raw_value(data)
    if is_cupy_array(value):
        value = value if dtype is None else value.astype(dtype)
    else:
        value = np.array(value, dtype=dtype)  # a copy: dualad never aliases the caller's array
    t = Tensor._make(value, None, IMPERATIVE)
    if requires_grad:
        t.requires_grad = True
    return t

