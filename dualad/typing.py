"""The type aliases of dualad's signatures, defined once.

dualad's functions take what NumPy's take (arrays, nested lists, Python and NumPy scalars) and
also dualad's own values: ``Dual`` (forward mode) and ``Tensor`` (reverse mode); they return a
NumPy array or scalar when every input is plain, else a ``Dual`` or ``Tensor``. Modules annotate
with these names under ``from __future__ import annotations``, so the hints cost nothing when
dualad is imported; ``typing.get_type_hints`` (Sphinx, IDEs, type checkers) resolves them here.

>>> import dualad.numpy as dnp
>>> from dualad.typing import ArrayLike
>>> def total(x: ArrayLike) -> float:
...     return float(dnp.sum(x))
>>> total([1.0, 2.0])
3.0
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence, Union

import numpy as np
import numpy.typing as npt

from ._core.dual import Dual
from ._core.tape import Tensor

__all__ = ["Array", "ArrayLike", "DTypeLike", "Axis", "Shape", "PyTree", "Fun", "Params"]

#: What a dualad function returns (a NumPy array or scalar for plain inputs, else a ``Dual`` in
#: forward mode or a ``Tensor`` in reverse mode).
Array = Union[np.ndarray, np.number, np.bool_, Dual, Tensor]
#: What a dualad function accepts as an array (anything ``np.asarray`` takes, or a dualad value).
ArrayLike = Union[npt.ArrayLike, Dual, Tensor]
#: A dtype, or what ``np.dtype`` accepts (``"float32"``, ``np.float64``, ``float`` …).
DTypeLike = npt.DTypeLike
#: An axis argument (one axis, several, or ``None`` for all of them).
Axis = Union[int, Sequence[int], None]
#: A shape (one length, or a sequence of lengths).
Shape = Union[int, Sequence[int]]
#: A nested structure of tuples, lists and dicts whose leaves are arrays (a "pytree").
PyTree = Any
#: A function of arrays or pytrees, as the transforms take and return.
Fun = Callable[..., Any]
#: The parameters an optimiser updates (tensors, or parameter groups as in PyTorch, dicts with
#: a ``"params"`` entry and hyper-parameters that override the optimiser's defaults).
Params = Union[Tensor, Iterable[dict], Iterable[Tensor]]
