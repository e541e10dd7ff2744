"""Sphinx extension: writes the API reference and the table of supported functions.

Both are generated when the build starts (``builder-inited``) into ``docs/generated/``, so
they always describe the dualad being documented:

* ``generated/api/<module>.rst``, one page per module of ``conf.API_MODULES`` that imports
  and per public submodule of one, documenting every public name: ``__all__`` where the module
  has one, else the public names the module (or a private submodule of it) defines;
* ``generated/supported.md``, one row per primitive of ``dualad._core.primitive.REGISTRY``:
  its forward and reverse rules, the kind of rules (linear, elementwise) and where its value is
  computed (a compiled kernel, NumPy, or Python).
"""
import importlib
import inspect
import os
import re

from sphinx.util import logging

from dualad._core.primitive import Box

logger = logging.getLogger(__name__)


def public_names(module):
    """The public names of ``module``: its ``__all__``, or what it (or a private submodule of it)
    defines, and its public submodules."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    prefix = module.__name__
    def own(obj):
        where = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", None) or ""
        return where.startswith(prefix + ".") or where == prefix and not inspect.ismodule(obj)

    return [name for name, obj in vars(module).items() if not name.startswith("_") and own(obj)]


def _kind(obj):
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj) and (obj.__module__ or "").startswith("dualad"):
        return "class"
    if callable(obj) and (getattr(obj, "__module__", None) or "").startswith("dualad"):
        return "function"
    return "data"               # constants, dtypes and NumPy functions passed through


def _title(text, char):
    return f"{text}\n{char * len(text)}\n"


def module_page(name, module, documented):
    """The reStructuredText of the reference page of ``module``."""
    groups = {"module": [], "class": [], "function": [], "data": []}
    for attr in public_names(module):
        groups[_kind(getattr(module, attr))].append(attr)
    lines = [_title(name, "="), f".. automodule:: {name}\n   :no-members:\n",
             f".. currentmodule:: {name}\n"]
    listed = groups["class"] + groups["function"]
    if listed:
        lines.append(".. autosummary::\n   :nosignatures:\n")
        lines += [f"   {attr}" for attr in listed]
        lines.append("")
    if groups["module"]:
        lines.append(_title("Submodules", "-"))
        for attr in groups["module"]:
            sub = getattr(module, attr).__name__
            link = f":doc:`{sub}`" if sub in documented else f"``{sub}``"
            lines.append(f"* ``{attr}``: {link}")
        lines.append("")
    if groups["class"]:
        lines.append(_title("Classes", "-"))
        for attr in groups["class"]:
            options = "   :members:\n   :special-members: __call__\n"
            if issubclass(getattr(module, attr), Box):   # Dual and Tensor: the array methods too
                options += "   :inherited-members:\n"
            lines.append(f".. autoclass:: {attr}\n{options}")
    if groups["function"]:
        lines.append(_title("Functions", "-"))
        lines += [f".. autofunction:: {attr}\n" for attr in groups["function"]]
    if groups["data"]:
        lines.append(_title("Data, and NumPy names passed through", "-"))
        lines.append("NumPy's constants, dtypes and functions re-exported here are NumPy's own "
                     "objects, so that code written against ``numpy`` runs unchanged; they "
                     "compute nothing differentiable.\n")
        for attr in groups["data"]:
            obj = getattr(module, attr)
            if getattr(obj, "__module__", None) == "typing":   # a type alias: its ``#:`` text
                lines.append(f".. autodata:: {attr}\n")
            elif inspect.isclass(obj) or callable(obj):
                origin = f"{getattr(obj, '__module__', 'numpy')}.{obj.__name__}"
                lines.append(f".. py:data:: {attr}\n\n   NumPy's ``{origin}``.\n")
            elif len(repr(obj)) <= 60:
                lines.append(f".. py:data:: {attr}\n   :value: {obj!r}\n")
            else:                           # a registry or a table: its type, not its contents
                lines.append(f".. py:data:: {attr}\n   :type: {type(obj).__name__}\n")
    return "\n".join(lines)


def _where(primitive):
    impl = primitive.impl
    module = getattr(impl, "__module__", None) or type(impl).__module__
    if module.startswith(("dualad._kernels", "dualad._core._")):
        return "compiled kernel (``" + module.rsplit(".", 1)[-1] + "``)"
    if module == "numpy" or module.startswith("numpy."):
        return f"NumPy (``numpy.{impl.__name__}``)"
    return f"Python (``{module}``)"


def supported_page():
    """The Markdown table of every registered primitive."""
    from dualad._core.primitive import REGISTRY

    rows = []
    for name, p in sorted(REGISTRY.items()):
        fwd = "declared" if p.jvp_rule is not None or p.jvps is not None else "from the VJP"
        rev = "declared" if p.vjp_rule is not None or p.vjps is not None else "from the JVP"
        kind = ", ".join(name for name, on in (("linear", p.linear),
                                               ("broadcasting", p.broadcasts)) if on)
        rows.append(f"| `{name}` | {fwd} | {rev} | {kind} | {_where(p).replace('``', '`')} |")
    return "\n".join([
        "# Supported primitives",
        "",
        "Every `dualad.numpy` function, operator and layer is built from these primitives; this",
        "page is generated from the registry (`dualad._core.primitive.REGISTRY`) when the",
        f"documentation is built, so it lists exactly the {len(rows)} primitives of this version.",
        "Each primitive declares its value, its forward rule (JVP) and its reverse rule (VJP)",
        "together; *linear* primitives' JVPs are also their sparsity rules, *broadcasting* ones",
        "broadcast their operands NumPy-style. *Value* says what computes the primal value: a",
        "compiled Cython kernel (fused value-and-derivative loops for the elementwise ones),",
        "NumPy, or Python code over NumPy.",
        "",
        "| primitive | forward mode | reverse mode | kind | value |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:         # unchanged: keep Sphinx's cache of it
                return
    with open(path, "w") as f:
        f.write(text)


def _import(name):
    """The module ``name``, or None where this version of dualad has none."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if name == error.name or name.startswith(error.name + "."):
            logger.info(f"[reference] {name} is not in this version of dualad; no page")
            return None
        logger.warning(f"[reference] {name} cannot be imported ({error}); "   # a docs dependency
                       f'pip install ".[docs]" installs what the reference needs')
        return None


def documented_modules(names):
    """``{name: module}`` of the modules of ``names`` that import, each followed by its public
    submodules (``dualad.scipy.stats.norm`` …), recursively."""
    modules = {}
    queue = list(names)
    while queue:
        name = queue.pop(0)
        module = name not in modules and _import(name)
        if not module:
            continue
        modules[name] = module
        subs = [getattr(module, attr).__name__ for attr in public_names(module)
                if inspect.ismodule(getattr(module, attr))]
        queue[:0] = [sub for sub in subs if sub.startswith(name + ".") and sub not in names]
    return modules


def generate(app):
    out = os.path.join(app.srcdir, "generated")
    modules = documented_modules(app.config.API_MODULES)
    for name, module in modules.items():
        _write(os.path.join(out, "api", name + ".rst"), module_page(name, module, modules))
    index = [_title("API reference", "="),
             "Every public name of each module, with its docstring. The modules documented are "
             "listed once, in ``docs/conf.py`` (``API_MODULES``), and each brings its public "
             "submodules.\n",
             ".. toctree::\n   :maxdepth: 1\n"]
    index += [f"   {name}" for name in modules]
    _write(os.path.join(out, "api", "index.rst"), "\n".join(index) + "\n")
    _write(os.path.join(out, "supported.md"), supported_page())


_ALIAS = re.compile(r"TypeAliasForwardRef\('([\w.]+)'\)")


def plain_aliases(app, what, name, obj, options, signature, return_annotation):
    """Signatures name dualad.typing's aliases (``conf.autodoc_type_aliases``); where an alias
    sits inside a union or a tuple, Sphinx writes its placeholder's repr: write the name."""
    def clean(text):
        return text and _ALIAS.sub(r"\1", text)
    return clean(signature), clean(return_annotation)


def setup(app):
    app.add_config_value("API_MODULES", [], "env")
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-signature", plain_aliases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
