"""Every public function and method of dualad has type hints on its parameters and its return
(the aliases of ``dualad.typing``), and they resolve, so that the API reference, IDEs and type
checkers can read them."""
import importlib
import inspect
import typing

import pytest

from public_api import origin, public_functions, public_methods

# Modules whose public callables are not annotated yet, each with the reason. Keep it short:
# a module leaves the list when its hints land.
NOT_ANNOTATED = {
}
# dualad.typing imports dualad._core, so _core imports the aliases for type checkers only
# (``if TYPE_CHECKING``): its hints are strings that typing.get_type_hints cannot resolve
UNRESOLVED = ("dualad._core.",)


def _callables():
    found = [(name, fun) for name, fun in public_functions()]
    for name, value, klass in public_methods():
        if isinstance(value, property):
            continue                     # an attribute: its type is in its docstring
        fun = getattr(value, "__func__", value)
        if inspect.isfunction(fun):      # (a compiled base class's methods carry no hints)
            found.append((name, fun))
    # (a NamedTuple's ``__new__`` is the standard library's code, not dualad's)
    return [(name, fun) for name, fun in found
            if origin(fun).startswith("dualad") and origin(fun) not in NOT_ANNOTATED]


CALLABLES = _callables()


def _missing(fun):
    signature = inspect.signature(fun, follow_wrapped=True)
    params = list(signature.parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def test_the_walk_finds_the_api():
    names = {name for name, _ in CALLABLES}
    assert len(CALLABLES) > 500
    assert {"dualad.grad", "dualad.numpy.sin", "dualad.numpy.sum", "dualad.nn.Module.parameters",
            "dualad.optim.Adam.__init__", "dualad.scipy.stats.norm.logpdf",
            "dualad.optim.lr_scheduler.ReduceLROnPlateau.step"} <= names


def test_every_public_function_and_method_is_annotated():
    missing = {name: m for name, fun in CALLABLES if (m := _missing(fun))}
    assert not missing, "not annotated (parameters, or 'return'):\n" + "\n".join(
        f"  {name}: {', '.join(m)}" for name, m in sorted(missing.items()))


def test_the_hints_resolve():
    failed = {}
    for name, fun in CALLABLES:
        if origin(fun).startswith(UNRESOLVED):
            continue
        try:
            typing.get_type_hints(fun)
        except Exception as error:   # a NameError of a misspelt or unimported name, mostly
            failed[name] = f"{type(error).__name__}: {error}"
    assert not failed, "\n".join(f"{name}: {e}" for name, e in sorted(failed.items()))


@pytest.mark.parametrize("module", sorted(NOT_ANNOTATED))
def test_the_exclusions_are_still_needed(module):
    # an excluded module whose callables all carry hints leaves the list
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        pytest.skip(f"{module} is not in this tree")
    mine = [fun for name, fun in _all_including_excluded() if origin(fun) == module]
    assert mine, f"{module} exports nothing public: remove it from NOT_ANNOTATED"
    assert any(_missing(fun) for fun in mine), \
        f"{module} is fully annotated now: remove it from NOT_ANNOTATED"


def _all_including_excluded():
    found = list(public_functions())
    for name, value, _ in public_methods():
        fun = getattr(value, "__func__", value)
        if inspect.isfunction(fun):
            found.append((name, fun))
    return found
