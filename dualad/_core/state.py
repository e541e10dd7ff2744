"""Per-thread recording state: trace levels and the ``no_grad`` switch.

# Design: every differentiation context (one ``jvp``/``jacfwd`` call, one ``Tape``) owns a
# *level*, a small integer drawn from a per-thread counter that only grows. A boxed value (a
# ``Dual`` or a ``Tensor``) carries the level of the context that made it; ``bind`` hands an
# operation to the box with the highest level, which treats every lower-level value as a
# constant. Because levels are never reused, a value that escaped a finished transform can never
# be mistaken for a value of a later one (no perturbation confusion).

Level 0 is the imperative ``ad.tensor`` face and level 1 holds ``Dual`` objects made by hand;
transforms draw from 2 upwards.
"""
from __future__ import annotations

from typing import Any, Callable

import threading

IMPERATIVE_LEVEL = 0
USER_DUAL_LEVEL = 1


class _State(threading.local):
    def __init__(self):
        self.next_level = 2
        # reverse-mode contexts whose level is <= this value record nothing (``no_grad``)
        self.no_grad_upto = -1


state = _State()


def new_level():
    level = state.next_level
    state.next_level = level + 1
    return level


class no_grad:
    """Context manager (and decorator): reverse-mode contexts that exist when it is entered
    record nothing inside it. Transforms started inside it (``ad.grad`` …) work as usual, as
    ``torch.func`` transforms do inside ``torch.no_grad``."""

    def __enter__(self):
        from ._engine import note_no_grad
        note_no_grad()
        self._saved = state.no_grad_upto
        state.no_grad_upto = state.next_level - 1
        return self

    def __exit__(self, *exc):
        state.no_grad_upto = self._saved
        return False

    def __call__(self, fun: Callable[..., Any]) -> Callable[..., Any]:
        import functools

        @functools.wraps(fun)
        def wrapper(*args, **kwargs):
            with no_grad():
                return fun(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Re-enables recording inside a ``no_grad`` block."""

    def __enter__(self):
        self._saved = state.no_grad_upto
        state.no_grad_upto = -1
        return self
