"""Sphinx configuration of dualad's documentation.

Build: ``pip install ".[docs]"`` then ``python -m sphinx -W -b html docs docs/_build/html``.
The API reference and the table of supported functions are generated at build time
(``_ext/reference.py``) into ``generated/``; the gallery is rendered from ``examples/`` by
sphinx-gallery into ``gallery/`` (both ignored by git).
"""
import importlib
import os
import sys

import threadpoolctl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))


def _import_dualad():
    """The dualad to document: the checkout's where its extensions are built in place (a
    development install), else the installed one (``python -m sphinx`` from the repository
    root puts the unbuilt checkout first on ``sys.path``)."""
    try:
        import dualad
    except ImportError:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != root]
        for name in [m for m in sys.modules if m == "dualad" or m.startswith("dualad.")]:
            del sys.modules[name]
        import dualad
    return dualad


dualad = _import_dualad()

# The gallery runs the examples in this process. Their matrices are small, where OpenBLAS's
# threads only spin beside dualad's kernel pool: on a busy 2-core machine the LSTM example took
# 20 s an epoch with them and 0.9 s with one (the examples' docstrings advise the same).
threadpoolctl.threadpool_limits(1, user_api="blas")

project = "dualad"
author = "the dualad developers"
copyright = "2026, the dualad developers"
release = version = dualad.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "reference",
]

# The modules whose public names (``__all__``) the API reference documents, in this order; a
# module that does not exist in this build (an optional subpackage still to come) is skipped.
API_MODULES = [
    "dualad",
    "dualad.numpy",
    "dualad.numpy.linalg",
    "dualad.numpy.fft",
    "dualad.nn",
    "dualad.nn.functional",
    "dualad.nn.init",
    "dualad.nn.utils",
    "dualad.nn.utils.rnn",
    "dualad.autograd",
    "dualad.autograd.functional",
    "dualad.optim",
    "dualad.optim.lr_scheduler",
    "dualad.utils.data",
    "dualad.special",
    "dualad.scipy",
    "dualad.scipy.special",
    "dualad.scipy.stats",
    "dualad.scipy.signal",
    "dualad.scipy.linalg",
    "dualad.scipy.integrate",
    "dualad.optimizers",
    "dualad.tree",
    "dualad.distributed",
    "dualad.extend",
    "dualad.testing",
    "dualad.typing",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "gallery/*.ipynb", "gallery/*.py",
                    "gallery/*.zip", "gallery/*.json"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

autodoc_default_options = {"members": False}
autodoc_typehints = "signature"
# signatures show the aliases of dualad.typing by name (linked), not NumPy's expanded unions
autodoc_type_aliases = {name: f"dualad.typing.{name}"
                        for name in importlib.import_module("dualad.typing").__all__}
autodoc_member_order = "bysource"
autosummary_generate = False
napoleon_google_docstring = False
napoleon_numpy_docstring = True

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "gallery",
    "filename_pattern": r"\.py$",          # run every example at build time
    "ignore_pattern": r"solver_stats\.py",    # a helper of the SciPy examples
    "image_scrapers": ("matplotlib",),
    "reset_argv": "gallery_argv.gallery_argv",   # (docs/_ext) the training curves
    "download_all_examples": False,
    "show_signature": False,
    "remove_config_comments": True,
}

html_theme = "alabaster"
html_title = f"dualad {release}"
html_theme_options = {"description": "Dual-mode automatic differentiation for NumPy code"}
html_static_path = []
