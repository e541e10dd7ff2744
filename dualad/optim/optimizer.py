"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``/``step`` and state dicts,
as in ``torch.optim``.

# Design: a step reads each parameter's gradient array (``p.grad``) and hands it, with the
# parameter's own array and its state arrays, to an in-place update kernel
# (``dualad._kernels.TRAIN``: Cython on NumPy arrays, the NumPy reference otherwise). Nothing is
# recorded and no new tensors are made: the parameters stay the same leaves, with new values.
"""
from __future__ import annotations

from typing import Any, Callable

from .._core.backend import array_module, raw_value
from .._core.state import enable_grad
from .._core.tape import Tensor
from ..nn.module import _foreign_array   # state dicts' arrays: dualad's, NumPy's, PyTorch's
from ..typing import Params


def _check_nonnegative(**values):
    for name, v in values.items():
        if not v >= 0:
            raise ValueError(f"invalid {name}: {v} (must be >= 0)")


class Optimizer:
    """Base class. ``params`` is an iterable of parameters, or of dicts (parameter groups) each
    with a ``"params"`` entry and optional hyper-parameters that override ``defaults``.

    ``state`` maps each parameter to its state dict (filled at its first step, e.g.
    ``opt.state[p]["exp_avg"]`` for Adam); ``param_groups`` holds the hyper-parameters, which may
    be changed between steps (the learning-rate schedulers do).
    """

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict = {}   # parameter -> its state dict
        self.param_groups: list[dict[str, Any]] = []
        groups = [params] if isinstance(params, Tensor) else list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a dict with ``"params"`` and optional hyper-parameters (the optimiser's defaults
        fill the others), e.g. a layer to be trained with its own learning rate."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        known = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            # a frozen leaf (requires_grad=False) is accepted and skipped, as in PyTorch
            if not (type(p) is Tensor and p.is_leaf):
                what = "a non-leaf Tensor" if type(p) is Tensor else type(p).__name__
                raise TypeError(f"{type(self).__name__}: parameter {i} must be a leaf tensor "
                                f"with requires_grad=True (or a frozen leaf), got {what}")
            if id(p) in known:
                raise ValueError(f"{type(self).__name__}: parameter {i} appears in more than "
                                 "one parameter group")
            known.add(id(p))
        self.param_groups.append({**self.defaults, **group, "params": params})

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradients (``set_to_none=False``: set them to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                else:
                    p.zero_grad()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient. ``closure``, if given, recomputes the
        loss (with ``backward()``) first; its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    value = raw_value(p)
                    self._update(value, self._grad_of(p, value, group),
                                 self.state.setdefault(p, {}), group)
        return loss

    @staticmethod
    def _grad_of(p, value, group):
        """The gradient as a C-contiguous array of the parameter's dtype (a copy only when
        needed), negated for ``maximize``."""
        g = array_module(value).ascontiguousarray(raw_value(p.grad), dtype=value.dtype)
        g = g.reshape(value.shape)   # ascontiguousarray makes 0-d arrays 1-d
        return -g if group.get("maximize") else g

    def _update(self, p, g, state, group):
        """Update the array ``p`` in place from its gradient ``g``, its ``state`` dict and the
        hyper-parameters of its ``group``."""
        raise NotImplementedError

    # -- state dicts ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: copy}}, "param_groups": [{..., "params": [index, ...]}]}``
        with parameters numbered in group order, as in PyTorch."""
        index, groups = {}, []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(p, len(index))
                ids.append(index[p])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[p]: {k: _copy(v) for k, v in s.items()} for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by ``state_dict`` (copies are taken)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(g["params"]) != len(own["params"]) for g, own in zip(groups,
                                                                         self.param_groups)):
            raise ValueError("load_state_dict: the saved parameter groups do not match this "
                             "optimizer's groups in number or size")
        params = {}
        for saved, own in zip(groups, self.param_groups):
            params.update(zip(saved["params"], own["params"]))
            own.update(self._hyperparameters(saved))
        self.state = {}
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            self.state[p] = {k: _copy(v, like=raw_value(p), what=f"state {i}: {k!r}")
                             for k, v in s.items()}

    def _hyperparameters(self, saved):
        """The hyper-parameters of a saved group (one of PyTorch's too) that this optimiser
        has. PyTorch's implementation switches (``foreach`` …) are dropped; a hyper-parameter
        of PyTorch's that dualad lacks (``amsgrad``) loads only when off, since any other
        setting would change the update."""
        kept, name = {}, type(self).__name__
        for k, v in saved.items():
            if k == "params" or k in _IMPLEMENTATION_SWITCHES:
                continue
            if k in self.defaults:
                kept[k] = v
            elif k == "decoupled_weight_decay" and bool(v) == getattr(self, "decoupled", False):
                continue    # PyTorch's Adam / AdamW say which they are
            elif v:
                raise ValueError(f"{name}.load_state_dict: the saved hyper-parameter {k}={v!r} "
                                 f"is not supported by dualad's {name} (only its default, off, "
                                 "loads)")
        return kept

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines) + "\n)"


# PyTorch's switches that choose how a step is computed, not what it computes
_IMPLEMENTATION_SWITCHES = frozenset({"foreach", "fused", "capturable", "differentiable"})


def _copy(v, like=None, what=None):
    """A copy of a state entry; numbers pass through. Arrays (NumPy's, dualad's or PyTorch's
    tensors) loaded for the parameter ``like`` are checked against its shape and cast to its
    dtype; a 0-d one for a parameter that is not 0-d is a counter (PyTorch keeps ``step`` as a
    0-d float tensor) and loads as a Python number, an ``int`` when whole."""
    if not hasattr(v, "shape"):
        return v
    if like is None:
        return v.copy()
    if tuple(v.shape) == () and tuple(like.shape) != ():
        number = v.item()
        return int(number) if float(number).is_integer() else number
    if tuple(v.shape) != tuple(like.shape):
        raise ValueError(f"load_state_dict: {what} has shape {tuple(v.shape)}, but its "
                         f"parameter has shape {tuple(like.shape)}")
    return array_module(like).array(_foreign_array(v), dtype=like.dtype)
