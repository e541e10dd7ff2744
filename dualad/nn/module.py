"""``Module``, the base of every layer, and ``functional_call``.

# Design: as in PyTorch, a module keeps its parameters (leaf tensors with ``requires_grad``) and
# its sub-modules in two dicts filled by attribute assignment, and ``forward`` reads them back as
# attributes. ``functional_call`` swaps the parameter entries for the given values for the
# length of one call, which is how one model serves both faces: the imperative tape
# (``loss.backward()``) and the functional transforms (``ad.grad(loss)(params, x, y)``).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

import weakref
from collections import OrderedDict, namedtuple

import copy

import numpy as np

from .._core.backend import raw_value
from .._core.tape import IMPERATIVE, Tensor, tensor
from ..typing import ArrayLike

LoadResult = namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])

# the tensors made by ``Parameter``, by id (weak values: an entry dies with its tensor)
_MADE_AS_PARAMETER = weakref.WeakValueDictionary()


class _ParameterType(type):
    def __instancecheck__(cls, value):
        return isinstance(value, Tensor) and _MADE_AS_PARAMETER.get(id(value)) is value


class Parameter(metaclass=_ParameterType):
    """A trainable parameter, ``nn.Parameter(data, requires_grad=True)``: a leaf ``Tensor``
    holding a copy of ``data`` (its dtype kept: ``nn.Parameter(ad.randn(3, 4))`` is float32).
    Assigning one to a module attribute registers it; ``isinstance(p, nn.Parameter)`` is true
    of it (it is a plain ``Tensor`` otherwise, so every operation treats it as one)::

        self.scale = nn.Parameter(ad.ones(4))
    """

    def __new__(cls, data: ArrayLike | None = None, requires_grad: bool = True) -> Tensor:  # type: ignore[misc]
        if data is None:
            data = np.empty(0, np.float32)
        value = raw_value(data)
        if isinstance(data, Tensor) and not hasattr(value, "dtype"):
            value = np.asarray(value)
        t = tensor(value, requires_grad=requires_grad)
        _MADE_AS_PARAMETER[id(t)] = t
        return t


def _is_parameter(value):
    return isinstance(value, Tensor) and (isinstance(value, Parameter) or (
        value.requires_grad and value.is_leaf))


def _foreign_array(value):
    """A state-dict entry as an array: dualad values unboxed, PyTorch tensors through
    ``.detach().cpu().numpy()`` (so ``model.load_state_dict(torch_model.state_dict())``
    works without importing torch here)."""
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return raw_value(value)


class Module:
    """Base class of layers and models: subclass it, assign parameters (``Parameter(...)`` or
    any leaf tensor with ``requires_grad=True``) and sub-modules as attributes in ``__init__``,
    register non-trainable state with ``register_buffer``, and define ``forward``::

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
                self.register_buffer("scale", ad.ones(4))

            def forward(self, x):
                for layer in self.layers:
                    x = ad.tanh(layer(x))
                return x * self.scale

    As in PyTorch, modules kept in a plain Python list or dict attribute are not registered
    (their parameters are not in ``parameters()``); use ``nn.ModuleList`` / ``nn.ModuleDict``.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; subclasses define it, and calling the module runs it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- attribute registration -------------------------------------------------------------
    def __deepcopy__(self, memo):
        """A copy with its own parameters (``copy.deepcopy(model)``, PyTorch's way of keeping
        a best model or a target network): the copies of ``Parameter``s are ``Parameter``s."""
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for name, value in self.__dict__.items():
            object.__setattr__(new, name, copy.deepcopy(value, memo))
        for p in self.parameters():
            if isinstance(p, Parameter) and id(p) in memo:
                _MADE_AS_PARAMETER[id(memo[id(p)])] = memo[id(p)]
        return new

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() was called; "
                                 "call super().__init__() first in your __init__")
        modules, buffers = self._modules, self._buffers
        if _is_parameter(value):
            self.__dict__.pop(name, None)
            modules.pop(name, None)
            buffers.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in buffers:
            buffers[name] = None if value is None else _as_buffer(value, name)
        elif name in params and value is None:
            params[name] = None
        elif name in params or name in modules:
            raise TypeError(f"cannot assign a {type(value).__name__} to {name!r}, which is a "
                            f"{'parameter' if name in params else 'sub-module'} of "
                            f"{type(self).__name__}; delete it first (del module.{name})")
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if name in d.get(table, ()):
                return d[table][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Tensor | None) -> None:
        """Register ``param`` (a parameter, or None for an absent one such as ``bias=False``)
        under ``name``."""
        if param is None:
            self.__dict__.pop(name, None)
            self._parameters[name] = None
        elif not _is_parameter(param):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter (or a leaf "
                            f"tensor with requires_grad=True), got {type(param).__name__}")
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: ArrayLike | None, persistent: bool = True) -> None:
        """Register non-trainable state (``BatchNorm``'s ``running_mean``): a tensor saved in
        ``state_dict`` (unless ``persistent=False``) and moved by ``to``, but not a parameter.
        ``self.name = value`` later replaces its value."""
        if "." in name or not name:
            raise KeyError(f"register_buffer: invalid buffer name {name!r}")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"register_buffer: {name!r} is already a parameter or sub-module")
        self.__dict__.pop(name, None)
        self._buffers[name] = None if tensor is None else _as_buffer(tensor, name)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as the sub-module ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got "
                            f"{type(module).__name__}")
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    # -- traversal --------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for each direct sub-module, in the order they were assigned."""
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        """The direct sub-modules, in the order they were assigned."""
        return (m for _, m in self.named_children())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, each once, with dotted names ("" for this one)."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all its sub-modules, depth first."""
        return (m for _, m in self.named_modules())

    def _named_members(self, table, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for name, v in getattr(module, table).items():
                if v is not None and id(v) not in seen:
                    seen.add(id(v))
                    yield (f"{mod_name}.{name}" if mod_name else name), v

    def named_parameters(self, prefix: str = "",
                         recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by two modules appears once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        """The parameters (tensors that require grad) of this module and, with ``recurse``, of
        its sub-modules: what an optimiser takes, e.g. ``optim.SGD(model.parameters(), lr=0.1)``.
        """
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """``(dotted name, buffer)`` pairs (``running_mean`` …)."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Any]:
        """The buffers (running statistics, not trained) of this module and, with ``recurse``,
        of its sub-modules.

        >>> [tuple(b.shape) for b in nn.BatchNorm1d(3).buffers()]
        [(3,), (3,), ()]
        """
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on this module; returns self.
        The usual way to initialise a model: ``model.apply(init_weights)``."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes, gradients, dtypes -----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``Dropout``, ``BatchNorm``) here and in every sub-module."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``): dropout off. Returns the module."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` of every parameter (``False`` freezes the module); returns the
        module.

        >>> frozen = nn.Linear(2, 1).requires_grad_(False)
        >>> [p.requires_grad for p in frozen.parameters()]
        [False, False]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default, as PyTorch), or to zeros."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            else:
                p.zero_grad()

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)``, ``to(device)`` or ``to(device, dtype)``: floating-point parameters and
        buffers are cast in place (the same tensor objects: an optimiser built before still
        holds them). Only the CPU device exists here: ``"cpu"`` is accepted, others raise."""
        dtype = _parse_to(args, kwargs)
        if dtype is not None:
            for t in list(self.parameters()) + list(self.buffers()):
                if np.issubdtype(t.dtype, np.floating):
                    t._value = raw_value(t).astype(dtype)
                    if t.grad is not None:
                        t.grad._value = raw_value(t.grad).astype(dtype)
        return self

    def float(self) -> Module:
        """``to(float32)``: floating-point parameters and buffers cast in place.

        >>> nn.Linear(2, 1).double().float().weight.dtype
        dtype('float32')
        """
        return self.to(np.float32)

    def double(self) -> Module:
        """``to(float64)``: floating-point parameters and buffers cast in place.

        >>> nn.Linear(2, 1).double().weight.dtype
        dtype('float64')
        """
        return self.to(np.float64)

    def cpu(self) -> Module:
        """The module itself: its arrays are NumPy arrays, already on the CPU (so that PyTorch
        code calling ``model.cpu()`` runs unchanged).

        >>> model = nn.Linear(2, 1)
        >>> model.cpu() is model
        True
        """
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises RuntimeError: ``dualad.nn`` runs on the CPU (NumPy arrays); keep the module
        where it is, or call ``.to("cpu")``.

        >>> nn.Linear(2, 1).cuda()
        Traceback (most recent call last):
        ...
        RuntimeError: cuda(): dualad's nn runs on the CPU (NumPy); ...
        """
        raise RuntimeError("cuda(): dualad's nn runs on the CPU (NumPy); use .to('cpu') or "
                           "leave the module where it is")

    # -- state ------------------------------------------------------------------------------
    def _state_items(self):
        for mod_name, module in self.named_modules():
            for table in (module._parameters, module._buffers):
                for name, v in table.items():
                    if v is not None and not (table is module._buffers
                                              and name in module._non_persistent):
                        yield (f"{mod_name}.{name}" if mod_name else name), v

    def state_dict(self) -> dict[str, Any]:
        """An ``OrderedDict`` from dotted names to the parameters and persistent buffers, with
        PyTorch's keys (``"0.weight"``, ``"bn.running_mean"``), each a detached tensor sharing
        its parameter's array, as PyTorch's: it follows training and in-place updates, so
        ``copy.deepcopy`` it (or ``ad.save`` it) for a snapshot.

        >>> state = nn.Linear(3, 2).state_dict()
        >>> state["weight"].size(), state["weight"].requires_grad
        ((2, 3), False)

        The dict is also the parameters pytree of the functional face:
        ``ad.grad(loss)(model.state_dict(), ...)`` with ``functional_call`` (for models with
        integer buffers such as ``BatchNorm``'s ``num_batches_tracked``, differentiate
        ``dict(model.named_parameters())`` instead).
        """
        return OrderedDict((name, _detached(v)) for name, v in self._state_items())

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy the arrays of ``state_dict`` (NumPy arrays, dualad tensors or PyTorch tensors)
        into the parameters and buffers, in place (optimisers holding the parameters see the
        new values). With ``strict``, missing or unexpected keys raise ``RuntimeError``; a
        shape mismatch always does. Returns ``(missing_keys, unexpected_keys)``."""
        own = OrderedDict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}: "
                               f"missing keys {missing}, unexpected keys {unexpected}")
        for name, value in state_dict.items():
            if name not in own:
                continue
            target = raw_value(own[name])
            value = _foreign_array(value)
            if tuple(np.shape(value)) != tuple(target.shape):
                raise RuntimeError(f"load_state_dict: {name!r} has shape {np.shape(value)} in "
                                   f"the state dict, but the parameter has shape "
                                   f"{tuple(target.shape)}")
            target[...] = value
        return LoadResult(missing, unexpected)

    # -- printing ---------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The module's settings shown inside its ``repr``, e.g. ``in_features=2, ...``."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in
                 self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _detached(t):
    """``t.detach()`` (sharing its array) without the ``ad.record`` pin that ``detach`` notes:
    a state dict reads the weights, it does not compute with them."""
    return Tensor._make(raw_value(t), None, IMPERATIVE)


def _as_buffer(value, name):
    """A buffer's value as a tensor that does not require grad (arrays are not copied)."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(f"buffer {name!r} must not require grad; register it as a "
                            "parameter, or pass value.detach()")
        return value
    return Tensor._make(np.asarray(raw_value(value)), None, IMPERATIVE)


def _parse_to(args, kwargs):
    """The dtype requested by ``to(...)`` (None for none); refuses devices other than CPU."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, str) or type(a).__name__ == "device":
            device = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            dtype = a
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"to({device!r}): dualad's nn runs on the CPU (NumPy); CuPy arrays "
                           "are used by passing them, not by moving a module")
    return None if dtype is None else np.dtype(dtype)


def _owner(module, dotted):
    """The sub-module holding the parameter ``dotted`` and its local name, or a KeyError."""
    *path, name = dotted.split(".")
    owner = module
    for part in path:
        owner = owner._modules.get(part)
        if owner is None:
            break
    if owner is None or name not in owner._parameters and name not in owner._buffers:
        names = [n for n, _ in module.named_parameters()]
        raise KeyError(f"functional_call: {type(module).__name__} has no parameter "
                       f"{dotted!r}; its parameters are {names}")
    return owner, name


def functional_call(module: Module, params: Mapping[str, ArrayLike], args: Any,
                    kwargs: dict[str, Any] | None = None) -> Any:
    """Call ``module`` with the values in ``params`` (dotted name -> array, Tensor or traced
    value) in place of its parameters, as ``torch.func.functional_call`` does.

    ``args`` is a tuple of positional arguments or a single one. Parameters not named in
    ``params`` keep their own values; the module is restored afterwards, even on error. This is
    the functional face of a model::

        params = model.state_dict()
        loss = lambda p, x, y: F.cross_entropy(nn.functional_call(model, p, x), y)
        value, grads = ad.value_and_grad(loss)(params, x, y)   # grads: same dict structure
    """
    args = args if isinstance(args, tuple) else (args,)
    swaps = [(*_owner(module, name), value) for name, value in params.items()]
    saved = [(owner, name, _table(owner, name)[name]) for owner, name, _ in swaps]
    try:
        for owner, name, value in swaps:
            _table(owner, name)[name] = value
        return module(*args, **(kwargs or {}))
    finally:
        for owner, name, value in saved:
            _table(owner, name)[name] = value


def _table(owner, name):
    return owner._parameters if name in owner._parameters else owner._buffers
