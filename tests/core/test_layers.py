"""dualad's layers point down only, in the compiled modules too.

``lint-imports`` (.ci/run) checks the Python modules against the layers contract in
pyproject.toml, but it cannot read Cython sources. This test holds the import lines of every
``.pyx``, ``.pxd`` and ``.pyx.tp`` file, function bodies included, to the same contract."""
import pathlib
import re

import pytest

tomllib = pytest.importorskip("tomllib")   # Python 3.11+

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dualad"
IMPORT = re.compile(r"^\s*(?:from\s+(\.*)([\w.]*)\s+c?import\s+(.+)|c?import\s+(dualad[\w.]*))")


def _layers():
    """The contract's layers, top first: each a set of names of dualad's direct children."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [{name.strip() for name in re.split(r"[:|]", layer)} for layer in contract["layers"]]


def _rank(layers, module):
    """The position of ``module`` (a dotted name inside dualad) in ``layers``, 0 at the top."""
    child = module.split(".")[1]
    for rank, names in enumerate(layers):
        if child in names:
            return rank
    raise AssertionError(f"dualad.{child} is in no layer of the contract in pyproject.toml")


def _module_of(path):
    parts = list(path.relative_to(ROOT).parts)
    parts[-1] = parts[-1].split(".")[0]
    return ".".join(parts)


def _imports(text, module):
    """``(line number, imported dualad module)`` for each import line of the Cython source
    ``text`` of ``module`` (a dotted name)."""
    package = module.split(".")[:-1]
    for number, line in enumerate(text.splitlines(), 1):
        match = IMPORT.match(line)
        if not match:
            continue
        dots, name, absolute = match.group(1), match.group(2), match.group(4)
        if absolute:
            yield number, absolute
        elif dots:
            base = package[:len(package) - (len(dots) - 1)]
            yield number, ".".join(base + ([name] if name else []))
        elif name.startswith("dualad"):
            yield number, name


def _cython_sources():
    return sorted(p for pattern in ("*.pyx", "*.pxd", "*.pyx.tp") for p in PACKAGE.rglob(pattern))


def test_the_compiled_modules_import_only_their_layer_and_those_below():
    layers = _layers()
    sources = _cython_sources()
    assert sources, f"no Cython sources found under {PACKAGE}"
    upward = []
    for path in sources:
        module_of_path = _module_of(path)
        rank = _rank(layers, module_of_path)
        for number, module in _imports(path.read_text(), module_of_path):
            if module.count(".") >= 1 and _rank(layers, module) < rank:
                upward.append(f"{path.relative_to(ROOT)}:{number} imports {module}")
    assert not upward, "imports pointing up a layer:\n" + "\n".join(upward)


def test_the_check_sees_an_upward_import():
    # the scanner itself: a function-body import of a transform in the core is found, and ranked
    # above the core
    text = "def f():\n    from ..transforms.derived import jvp_from_vjp\n"
    found = list(_imports(text, "dualad._core._probe"))
    assert found == [(2, "dualad.transforms.derived")]
    layers = _layers()
    assert _rank(layers, "dualad.transforms.derived") < _rank(layers, "dualad._core._probe")
