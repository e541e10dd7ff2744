"""Second-order transforms, by composition (forward-over-reverse)."""
from __future__ import annotations

from typing import Sequence

from .forward import jacfwd, jvp
from .reverse import grad, jacrev
from ..typing import Fun, PyTree


def hessian(fun: Fun, argnums: int | Sequence[int] = 0) -> Fun:
    """Hessian of a scalar ``fun``: ``jacfwd(jacrev(fun))``; shape ``x.shape + x.shape``."""
    return jacfwd(jacrev(fun, argnums), argnums)


def hvp(fun: Fun, primals: Sequence[PyTree], tangents: Sequence[PyTree]) -> tuple[PyTree, PyTree]:
    """``(grad, hessian @ tangent)`` at ``primals`` without forming the Hessian: the JVP of the
    gradient. With several primals, both results are tuples."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("hvp: primals and tangents must be tuples (one entry per argument)")
    argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    g, hv = jvp(grad(fun, argnums), tuple(primals), tuple(tangents))
    return g, hv
