"""``dualad.compiler``: ``ad.jit``, tracing functions (and their derivatives) into programs.

``tracing.py`` records a program on concrete values, ``program.py`` holds the program and its
passes, ``execute.py`` runs it, ``api.py`` is the ``jit`` callable and its cache.
"""
from .api import Jitted, jit
from .program import Program

__all__ = ["jit", "Jitted", "Program"]
