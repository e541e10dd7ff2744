"""The public API, walked: the functions and the methods of the classes that dualad's public
namespaces export, for the tests that check what every public name carries (type hints,
docstrings)."""
import importlib
import inspect

# the namespaces a user imports; each brings its public submodules (dualad.scipy.stats.norm …)
NAMESPACES = ["dualad", "dualad.numpy", "dualad.numpy.linalg", "dualad.numpy.fft",
              "dualad.numpy.random", "dualad.nn", "dualad.nn.functional", "dualad.nn.init",
              "dualad.nn.utils", "dualad.optim", "dualad.optim.lr_scheduler", "dualad.utils.data",
              "dualad.special", "dualad.scipy", "dualad.scipy.special", "dualad.scipy.stats",
              "dualad.scipy.signal", "dualad.scipy.linalg", "dualad.scipy.integrate",
              "dualad.optimizers", "dualad.tree", "dualad.extend", "dualad.testing",
              "dualad.typing"]
# methods every class has from ``object``, or that Python calls on its own
DUNDERS_CHECKED = ("__init__", "__new__", "__call__")


def public_names(module):
    """``module.__all__``, or the public names it (or a private submodule of it) defines."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    prefix = module.__name__

    def own(obj):
        where = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", "") or ""
        return where.startswith(prefix + ".") or where == prefix and not inspect.ismodule(obj)

    return [name for name, obj in vars(module).items() if not name.startswith("_") and own(obj)]


def public_objects():
    """``{qualified public name: object}`` of every object the namespaces export, each object
    once (under the first name found)."""
    found, seen = {}, set()
    queue, done = list(NAMESPACES), set()
    while queue:
        name = queue.pop(0)
        if name in done:
            continue
        done.add(name)
        module = importlib.import_module(name)
        for attr in public_names(module):
            obj = getattr(module, attr)
            if inspect.ismodule(obj):
                if obj.__name__.startswith(name + "."):
                    queue.append(obj.__name__)
                continue
            if id(obj) not in seen:
                seen.add(id(obj))
                found[f"{name}.{attr}"] = obj
    return found


def defined_in_dualad(obj):
    return (getattr(obj, "__module__", None) or "").startswith("dualad")


def public_functions():
    """``[(name, function)]``: the Python functions among the public objects."""
    return [(name, obj) for name, obj in public_objects().items()
            if inspect.isfunction(obj) and defined_in_dualad(obj)]


def public_classes():
    return [(name, obj) for name, obj in public_objects().items()
            if inspect.isclass(obj) and defined_in_dualad(obj)]


def public_methods():
    """``[(name, attribute, defining class)]``: the public methods and properties of the public
    classes (those they inherit from dualad's classes included), each once per defining class;
    Python functions, properties, and what a compiled base class defines alike."""
    out, seen = [], set()
    for name, cls in public_classes():
        for klass in cls.__mro__:
            if not defined_in_dualad(klass):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") and attr not in DUNDERS_CHECKED:
                    continue
                if not (isinstance(value, property) or inspect.isroutine(value)):
                    continue
                if (klass, attr) in seen:
                    continue
                seen.add((klass, attr))
                out.append((f"{name}.{attr}", value, klass))
    return out


def origin(value, klass=None):
    """The module that defines ``value`` (a function, method or property): where a method was
    written, which for one installed on a class later may not be the class's module."""
    func = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
    return getattr(func, "__module__", None) or getattr(klass, "__module__", "")
