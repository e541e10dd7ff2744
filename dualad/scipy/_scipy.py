"""SciPy, imported when a value is first needed, with an error that names the extra to install."""
import importlib

_MODULES = {}


def scipy_module(name):
    """``scipy.<name>`` (e.g. ``"special"``), or an ImportError that says how to get SciPy."""
    module = _MODULES.get(name)
    if module is None:
        try:
            module = importlib.import_module(f"scipy.{name}")
        except ImportError as err:
            raise ImportError("dualad.scipy computes its values with SciPy, which is not "
                              "installed: pip install 'dualad[examples]' (or the 'test' "
                              "extra), or pip install scipy") from err
        _MODULES[name] = module
    return module
