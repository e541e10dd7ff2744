"""``dualad.numpy.random``: NumPy's random module under dualad's namespace, so that code written
as ``import autograd.numpy.random as npr`` (or ``numpy.random``) runs with ``dualad.numpy``.
Random draws are not differentiated: a differentiated value given as a parameter raises (NOTE:
escaped values); reparameterise instead (``mu + sigma * npr.randn(n)``)."""
from numpy.random import *  # noqa: F401,F403
from numpy.random import __all__  # noqa: F401


def __getattr__(name):
    import numpy.random
    return getattr(numpy.random, name)
