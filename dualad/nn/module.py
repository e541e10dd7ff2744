"""``Module``, the base of every layer, and ``functional_call``.

# Design: as in PyTorch, a module keeps its parameters (leaf tensors with ``requires_grad``) and
# its sub-modules in two dicts filled by attribute assignment, and ``forward`` reads them back as
# attributes. ``functional_call`` swaps the parameter entries for the given values for the
# length of one call, which is how one model serves both faces: the imperative tape
# (``loss.backward()``) and the functional transforms (``ad.grad(loss)(params, x, y)``).
"""
from collections import OrderedDict, namedtuple

import numpy as np

from .._core.backend import raw_value
from .._core.tape import Tensor, tensor

LoadResult = namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])


def Parameter(data):
    """A trainable parameter: ``ad.tensor(data, requires_grad=True)`` (the float32-or-float64
    dtype of ``data`` is kept). Assigning one to a module attribute registers it."""
    return tensor(data, requires_grad=True)


def _is_parameter(value):
    return type(value) is Tensor and value.requires_grad and value.is_leaf


class Module:
    """Base class of layers and models: subclass it, assign parameters (``Parameter(...)`` or
    any leaf tensor with ``requires_grad=True``) and sub-modules as attributes in ``__init__``,
    and define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        """The computation of the module; subclasses define it, and calling the module runs it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -- attribute registration -------------------------------------------------------------
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() was called; "
                                 "call super().__init__() first in your __init__")
        modules = self._modules
        if _is_parameter(value):
            self.__dict__.pop(name, None)
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            params.pop(name, None)
            modules[name] = value
        elif name in params or name in modules:
            raise TypeError(f"cannot assign a {type(value).__name__} to {name!r}, which is a "
                            f"{'parameter' if name in params else 'sub-module'} of "
                            f"{type(self).__name__}; delete it first (del module.{name})")
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        if name in d.get("_parameters", ()):
            return d["_parameters"][name]
        if name in d.get("_modules", ()):
            return d["_modules"][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for table in (self._parameters, self._modules):
            if name in table:
                del table[name]
                return
        object.__delattr__(self, name)

    # -- traversal --------------------------------------------------------------------------
    def named_children(self):
        """``(name, module)`` for each direct sub-module, in the order they were assigned."""
        return iter(self._modules.items())

    def children(self):
        """The direct sub-modules, in the order they were assigned."""
        return iter(self._modules.values())

    def named_modules(self, prefix=""):
        """This module and every sub-module, each once, with dotted names ("" for this one)."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items()]
            stack.extend(reversed(children))

    def modules(self):
        """This module and all its sub-modules, depth first."""
        return (m for _, m in self.named_modules())

    def named_parameters(self, prefix="", recurse=True):
        """``(dotted name, parameter)`` pairs; a parameter shared by two modules appears once."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mod_name}.{name}" if mod_name else name), p

    def parameters(self, recurse=True):
        """The parameters (tensors that require grad) of this module and, with ``recurse``, of
        its sub-modules: what an optimiser takes, e.g. ``optim.SGD(model.parameters(), lr=0.1)``.
        """
        return (p for _, p in self.named_parameters(recurse=recurse))

    # -- modes and gradients ----------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (affects ``Dropout``) here and in every sub-module."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode (``train(False)``): dropout off. Returns the module."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default, as PyTorch), or to zeros."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            else:
                p.zero_grad()

    # -- state ------------------------------------------------------------------------------
    def state_dict(self):
        """An ``OrderedDict`` from dotted parameter names to copies of their arrays.

        Unlike PyTorch, whose state dict shares storage with the parameters, these are copies: a
        snapshot that later training does not change. The dict is also the parameters pytree of
        the functional face: ``ad.grad(loss)(model.state_dict(), ...)`` with
        ``functional_call``.
        """
        return OrderedDict((name, raw_value(p).copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict, strict=True):
        """Copy the arrays of ``state_dict`` into the parameters, in place (optimisers holding the
        parameters see the new values). With ``strict``, missing or unexpected keys raise
        ``RuntimeError``; a shape mismatch always does. Returns ``(missing_keys,
        unexpected_keys)``."""
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}: "
                               f"missing keys {missing}, unexpected keys {unexpected}")
        for name, value in state_dict.items():
            if name not in own:
                continue
            target = raw_value(own[name])
            value = raw_value(value)
            if tuple(np.shape(value)) != tuple(target.shape):
                raise RuntimeError(f"load_state_dict: {name!r} has shape {np.shape(value)} in "
                                   f"the state dict, but the parameter has shape "
                                   f"{tuple(target.shape)}")
            target[...] = value
        return LoadResult(missing, unexpected)

    # -- printing ---------------------------------------------------------------------------
    def extra_repr(self):
        """The module's settings shown inside its ``repr``, e.g. ``in_features=2, ...``."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in
                 self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _owner(module, dotted):
    """The sub-module holding the parameter ``dotted`` and its local name, or a KeyError."""
    *path, name = dotted.split(".")
    owner = module
    for part in path:
        owner = owner._modules.get(part)
        if owner is None:
            break
    if owner is None or name not in owner._parameters:
        names = [n for n, _ in module.named_parameters()]
        raise KeyError(f"functional_call: {type(module).__name__} has no parameter "
                       f"{dotted!r}; its parameters are {names}")
    return owner, name


def functional_call(module, params, args, kwargs=None):
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
    saved = [(owner, name, owner._parameters[name]) for owner, name, _ in swaps]
    try:
        for owner, name, value in swaps:
            owner._parameters[name] = value
        return module(*args, **(kwargs or {}))
    finally:
        for owner, name, value in saved:
            owner._parameters[name] = value
