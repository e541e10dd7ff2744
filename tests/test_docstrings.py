"""The examples in docstrings run and print what they show (doctest).

Examples may assume ``np``, ``ad``, ``dnp``, ``nn`` and ``optim`` imported, as NumPy's assume
``np``. A module joins ``MODULES`` once its examples pass reliably."""
import doctest
import importlib

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import nn, optim

MODULES = [
    "dualad.nn.layers",
    "dualad.nn.functional",
    "dualad.numpy._core",
    "dualad.numpy._shape",
    "dualad.numpy._at",
    "dualad.transforms.stop",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    globs = {"np": np, "ad": ad, "dnp": dnp, "nn": nn, "optim": optim}
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name, globs=globs) if t.examples]
    assert tests, f"{name} has no docstring examples"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
