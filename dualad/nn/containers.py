"""``ModuleList`` and ``ModuleDict``: sub-modules held in a list or a dict, registered so that
their parameters are the container's (a plain Python list of layers is not, as in PyTorch)."""
from __future__ import annotations

from typing import Iterable

from collections import OrderedDict
from collections.abc import ItemsView, KeysView, Mapping, ValuesView

from .module import Module


class ModuleList(Module):
    """A list of modules, registered under the names ``"0"``, ``"1"``, …::

        self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])
        for layer in self.layers:
            x = layer(x)

    It has no ``forward``: iterate over it (or index it) in the owner's ``forward``.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, i):
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for a ModuleList of length {n}")
        return i + n if i < 0 else i

    def __getitem__(self, i):
        items = list(self._modules.values())
        if isinstance(i, slice):
            return ModuleList(items[i])
        return items[self._index(i)]

    def __setitem__(self, i, module):
        setattr(self, str(self._index(i)), module)

    def __delitem__(self, i):
        items = list(self._modules.values())
        del items[i]
        self._modules.clear()
        self.extend(items)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end (registered under the next index); returns the list.

        >>> layers = nn.ModuleList().append(nn.Linear(2, 2))
        >>> len(layers), len(list(layers.parameters()))
        (1, 2)
        """
        self.add_module(str(len(self)), _checked(module, "ModuleList.append"))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of ``modules`` in order; returns the list.

        >>> len(nn.ModuleList([nn.ReLU()]).extend([nn.Tanh(), nn.Sigmoid()]))
        3
        """
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (as ``list.insert``); the modules after it
        are renumbered.

        >>> layers = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        >>> layers.insert(1, nn.Sigmoid())
        >>> [type(m).__name__ for m in layers]
        ['ReLU', 'Sigmoid', 'Tanh']
        """
        items = list(self._modules.values())
        items.insert(index, _checked(module, "ModuleList.insert"))
        self._modules.clear()
        self.extend(items)


class ModuleDict(Module):
    """A dict of modules, registered under their keys (insertion order kept), e.g.

    ::

        self.heads = nn.ModuleDict({"cls": nn.Linear(16, 10), "box": nn.Linear(16, 4)})
        y = self.heads["cls"](h)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, _checked(module, "ModuleDict"))

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self) -> KeysView[str]:
        """The keys, in insertion order.

        >>> list(nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()}).keys())
        ['a', 'b']
        """
        return self._modules.keys()

    def values(self) -> ValuesView[Module]:
        """The modules, in insertion order.

        >>> [type(m).__name__ for m in nn.ModuleDict({"a": nn.ReLU()}).values()]
        ['ReLU']
        """
        return self._modules.values()

    def items(self) -> ItemsView[str, Module]:
        """``(key, module)`` pairs, in insertion order.

        >>> [(k, type(m).__name__) for k, m in nn.ModuleDict({"a": nn.ReLU()}).items()]
        [('a', 'ReLU')]
        """
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` (its parameters leave the container) and return it.

        >>> heads = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
        >>> type(heads.pop("a")).__name__, list(heads.keys()), len(list(heads.parameters()))
        ('Linear', ['b'], 0)
        """
        return self._modules.pop(key)

    def clear(self) -> None:
        """Remove every module.

        >>> heads = nn.ModuleDict({"a": nn.ReLU()})
        >>> heads.clear()
        >>> len(heads)
        0
        """
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) the modules of a mapping or of ``(key, module)`` pairs, as
        ``dict.update``.

        >>> heads = nn.ModuleDict({"a": nn.ReLU()})
        >>> heads.update([("b", nn.Tanh()), ("a", nn.Sigmoid())])
        >>> [(k, type(m).__name__) for k, m in heads.items()]
        [('a', 'Sigmoid'), ('b', 'Tanh')]
        """
        items = modules.items() if isinstance(modules, (Mapping, OrderedDict)) else modules
        for key, module in items:
            self[key] = module


def _checked(module, what):
    if not isinstance(module, Module):
        raise TypeError(f"{what}: expected an nn.Module, got {type(module).__name__}")
    return module
