"""``dualad.numpy``: a NumPy-like namespace on ndarrays, Duals and traced values.

Every function accepts plain arrays (and then simply computes, as NumPy would), ``Dual``
values (forward mode) and ``Tensor`` values on a tape (reverse mode), in any mixture and at any
nesting of transforms.
"""
from ._ufuncs import *  # noqa: F401,F403
from ._core import *  # noqa: F401,F403
from ._reductions import *  # noqa: F401,F403
from ._shape import *  # noqa: F401,F403
from ._creation import *  # noqa: F401,F403
from ._products import *  # noqa: F401,F403
from ._at import *  # noqa: F401,F403
from ._complex import *  # noqa: F401,F403
from ._more_elementwise import *  # noqa: F401,F403
from ._building import *  # noqa: F401,F403
from ._order import *  # noqa: F401,F403
from ._misc import *  # noqa: F401,F403
from ._integer_types import *  # noqa: F401,F403
from . import fft, linalg, random  # noqa: F401
from . import _methods, _passthrough

__version__ = _passthrough.np.__version__   # the NumPy underneath (autograd.numpy says the same)

_methods.install()
# the rest of NumPy's names: aliases, a few compositions, and NumPy's own functions under the
# rule of _passthrough (never a silent constant)
globals().update(_passthrough._namespace(set(globals())))
