"""Shared by every test folder (tests/{kernels,core,ops,transforms,features} mirror dualad's
layers). This directory goes on sys.path, so the shared helper ``arguments.py`` imports as
``from arguments import partial`` from any folder (as pytest's default import mode would
put it there for this file anyway; stated here so it does not rest on that)."""
import os
import sys

import numpy as np
import pytest
from hypothesis import settings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

settings.register_profile("ci", max_examples=30, deadline=None)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
