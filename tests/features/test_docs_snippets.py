"""The tutorials' code runs: every ```python block of each page in docs/, in order, in one
namespace per page (as a reader pasting them into one session would)."""
import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
PAGES = ["quickstart", "cookbook", "sharp-bits", "scientific", "training", "migrating"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("page", PAGES)
def test_tutorial_code_runs(page):
    path = DOCS / f"{page}.md"
    if not path.exists():               # an sdist or a checkout without the docs sources
        pytest.skip(f"{path} is not here")
    pytest.importorskip("scipy")
    blocks = BLOCK.findall(path.read_text())
    assert blocks, f"{page}.md has no python block"
    namespace = {"__name__": f"docs_{page}"}
    for number, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"{page}.md, block {number}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"{page}.md block {number} failed:\n{code}") from error
