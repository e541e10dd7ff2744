"""The primitive registry and ``bind``, the one place where dispatch happens.

The registry, ``bind`` and ``Primitive`` are compiled (``_engine.pyx``, the eager hot path);
this module is their public face and holds ``Box`` and the NOTEs the rules follow.

# Design: a ``Primitive`` declares, side by side, its value function (``impl``, on plain arrays),
# its JVP rule and its VJP rule. Forward mode (``Dual``) and reverse mode (the tape) both ask the
# primitive for its rules; neither keeps formulas of its own. Rules are written with dualad's own
# operations, so when the primals they see are boxes of an outer context the rule itself is
# differentiated (forward-over-reverse Hessians, ``grad(grad(f))``); on plain arrays the same
# rule runs straight on the kernels.

NOTE: batch axis. Tangents and cotangents always carry one leading batch axis (k directions; k
is 1 for a plain ``jvp`` or ``grad``). A JVP rule receives ``t`` of shape ``(k,) + x.shape`` and
returns ``(k,) + ans.shape``; a VJP rule receives ``g`` of shape ``(k,) + ans.shape`` and returns
``(k,) + x.shape``. Rules that take an ``axis`` normalise it to a negative number so that it means
the same axis with or without the batch axis in front.

NOTE: symbolic zeros. A tangent or cotangent that is known to be zero is ``None``; rules are not
called for it and nothing is materialised.
"""
import numpy as np

from ._engine import (_BUILTINS, REGISTRY, BoxBase, Primitive, ShapeOnly, add_any,  # noqa: F401
                      align_batched, bind, dtype_of, ndim_of, seal_builtins, shape_of)

__all__ = ["REGISTRY", "Box", "Primitive", "ShapeOnly", "add_any", "align_batched", "bind",
           "dtype_of", "ndim_of", "op", "seal_builtins", "shape_of"]


class Box(BoxBase):
    """Base class of the values dualad boxes: ``Dual`` (forward) and ``Tensor`` (reverse).

    Operators and NumPy interoperability are installed on it by ``dualad.numpy``; its level and
    trace live in the compiled ``BoxBase``.
    """

    __slots__ = ()
    __array_priority__ = 1000.0

    # ``_raw()`` (defined by each box) is the value one level down: its array attributes are
    # the box's own.
    @property
    def shape(self):
        return shape_of(self._raw())

    @property
    def dtype(self):
        return dtype_of(self._raw())

    @property
    def ndim(self):
        return len(shape_of(self._raw()))

    @property
    def size(self):
        return int(np.prod(shape_of(self._raw())))

    def __len__(self):
        return len(self._raw())


def op(name):
    """The registered primitive called ``name`` (rules use it to reach their building blocks)."""
    return REGISTRY[name]
