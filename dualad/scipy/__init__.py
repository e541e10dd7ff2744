"""``dualad.scipy``: differentiable versions of SciPy functions, with SciPy's names and signatures.

- ``dualad.scipy.special``: gamma, error, Bessel, zeta, incomplete gamma/beta and log-space
  functions, differentiable in every continuous argument (see each function's docstring).
- ``dualad.scipy.stats``: distributions as modules (``norm``, ``t``, ``multivariate_normal`` …)
  with SciPy's method names, differentiable in the data and the parameters.
- ``dualad.scipy.linalg``: ``solve_triangular cho_factor cho_solve lu_factor lu_solve
  solve_banded block_diag expm sqrtm solve_sylvester``.
- ``dualad.scipy.signal``: ``convolve correlate fftconvolve convolve2d correlate2d``.
- ``dualad.scipy.integrate``: ``odeint`` (adjoint method in reverse mode, forward sensitivities
  in forward mode) and ``trapezoid``.

SciPy computes the values; the derivatives are dualad's own rules, written with dualad
operations so that they differentiate again. SciPy is an optional dependency (the ``examples``
and ``test`` extras) and is imported when a value is first computed::

    import dualad as ad
    from dualad.scipy.stats import norm
    ad.grad(lambda mu: norm.logpdf(1.0, mu, 2.0))(0.5)      # 0.125
"""
from . import integrate, linalg, signal, special, stats  # noqa: F401

__all__ = ["special", "stats", "linalg", "signal", "integrate"]
