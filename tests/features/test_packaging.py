"""Packaging: the version is written once; a source tree without its built extensions says so
when imported."""
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_unbuilt_source_tree_explains_itself(tmp_path):
    # a copy of the package's sources without the compiled modules, as a fresh clone is
    shutil.copytree(ROOT / "dualad", tmp_path / "dualad",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    run = subprocess.run([sys.executable, "-c", "import dualad"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: dualad was imported from")
    assert "Cython extensions are not built" in last
    assert "pip install --no-build-isolation -e ." in last


def test_version_is_written_once():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dualad.__version__"}
