"""Shared by every test folder (tests/{kernels,core,ops,transforms,features} mirror dualad's
layers). This directory and each folder go on sys.path, as the one flat folder of tests was
before: the shared helper ``arguments.py`` imports as ``from arguments import partial``, and a
test module that borrows another's tables (``from test_systematic import UNARY``) finds it in
whichever folder it lives, however the tests are selected. Test file names stay unique across
the folders (pytest's default import mode needs that too)."""
import os
import sys

import numpy as np
import pytest
from hypothesis import settings

_HERE = os.path.dirname(os.path.abspath(__file__))
for _folder in ("kernels", "core", "ops", "transforms", "features", ""):
    sys.path.insert(0, os.path.join(_HERE, _folder))

settings.register_profile("ci", max_examples=30, deadline=None)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
