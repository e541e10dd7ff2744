"""Build of dualad's Cython kernels (everything else is declared in pyproject.toml).

Every ``dualad/_kernels/*.pyx`` becomes an extension module of the same name; a
``*.pyx.tp`` Tempita template is first rendered into ``build/`` with the op table
(``dualad/_kernels/optable.py``) and compiled from there. The
compiled core, ``dualad/_core/*.pyx`` (dispatch, the tape and its sweep), and the compiled
first-order paths of built-in rules, ``dualad/primitives/*.pyx``, are built the same way.

Compiler flags, each kept only if the compiler accepts it:

* ``-fno-math-errno -fno-trapping-math``: lets GCC vectorise libm calls (glibc's libmvec)
  without touching NaN, inf or signed-zero results (no ``-ffast-math``).
* ``-ffp-contract=off``: no fused multiply-adds where the source rounds a product before a sum,
  so a kernel such as ``add_product`` gives the bits of the NumPy expression it replaces.
* ``-march=x86-64-v3`` by default on x86-64 (AVX2 and FMA, Haswell and Zen onwards; no AVX-512),
  so a wheel built here runs on any recent x86-64 machine. ``DUALAD_MARCH`` sets another
  ``-march`` value: ``native`` (with ``-mprefer-vector-width=512``) builds for the machine at
  hand, whose AVX-512, where present, is worth up to 2-3x on the transcendental kernels;
  ``x86-64-v2`` for older CPUs; ``none`` leaves the compiler's default. Where the compiler
  rejects the default (another architecture), the compiler's default is used.
* ``-g0``, and ``-s`` at link: no debug information or symbol tables in the extensions (the
  debug information was over 4/5 of their size); tracebacks still name ``.pyx`` lines through
  Cython's own tables.
* ``-pthread``: large arrays are split among the cores by the kernels' own pool of worker
  threads (``dualad/_kernels/_pool.h``, which says why not OpenMP).
"""
import glob
import importlib.util
import os
import subprocess
import sys
import sysconfig
import tempfile

import numpy as np
from Cython.Build import cythonize
from Cython.Tempita import sub
from setuptools import Extension, setup

KERNELS = "dualad/_kernels"
CORE = "dualad/_core"
PRIMITIVES = "dualad/primitives"
GENERATED = os.path.join("build", "tempita")
DEFAULT_MARCH = "x86-64-v3"   # portable: see the module docstring


def accepts(flags):
    """Whether the C compiler builds and links a small test program with ``flags``."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("#include <math.h>\nint main(void) { return (int)sin(0.0); }\n")
        cmd = cc.split() + flags + [src, "-o", os.path.join(tmp, "probe"), "-lm"]
        return subprocess.run(cmd, capture_output=True).returncode == 0


def compile_flags():
    """(compile args, link args) for every kernel module; see the module docstring."""
    compile_args = ["-O3"] + [f for f in ("-fno-math-errno", "-fno-trapping-math",
                                          "-ffp-contract=off") if accepts([f])]
    march = os.environ.get("DUALAD_MARCH", DEFAULT_MARCH)
    if march != "none":
        if accepts(["-march=" + march]):
            compile_args.append("-march=" + march)
        elif "DUALAD_MARCH" in os.environ:
            sys.exit(f"setup.py: the C compiler rejects -march={march} (from DUALAD_MARCH)")
        if march == "native":
            compile_args += [f for f in ("-mprefer-vector-width=512",) if accepts([f])]
    compile_args.append("-g0")      # after Python's own CFLAGS, whose -g it overrides
    link_args = [f for f in ("-s",) if accepts([f])]
    if accepts(["-pthread"]):
        compile_args.append("-pthread")
        link_args.append("-pthread")
    return compile_args, link_args


def op_table():
    """The names a template sees: the op table (``dualad/_kernels/optable.py``, which imports
    nothing, loaded by its path since dualad itself is not built yet)."""
    spec = importlib.util.spec_from_file_location("optable", os.path.join(KERNELS, "optable.py"))
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    return {"OPS": table.OPS, "BINARY": table.BINARY, "FUNCTIONS": table.FUNCTIONS,
            "FUNCTIONS2": table.FUNCTIONS2, "c_expression": table.c_expression}


def render_templates():
    """Render each ``<name>.pyx.tp`` into ``build/tempita/<name>.pyx`` with the op table;
    return the paths."""
    os.makedirs(GENERATED, exist_ok=True)
    paths = []
    names = op_table()
    for template in sorted(glob.glob(os.path.join(KERNELS, "*.pyx.tp"))):
        path = os.path.join(GENERATED, os.path.basename(template)[:-3])
        with open(template) as f:
            text = sub(f.read(), **names)
        if not os.path.exists(path) or open(path).read() != text:   # keep Cython's cache
            with open(path, "w") as f:
                f.write(text)
        paths.append(path)
    return paths


def extensions():
    compile_args, link_args = compile_flags()
    sources = sorted(glob.glob(os.path.join(KERNELS, "*.pyx"))) + render_templates()
    modules = [("dualad._kernels." + os.path.basename(path)[:-4], path) for path in sources]
    for package in (CORE, PRIMITIVES):
        dotted = "dualad." + os.path.basename(package)
        modules += [(dotted + "." + os.path.basename(path)[:-4], path)
                    for path in sorted(glob.glob(os.path.join(package, "*.pyx")))]
    return [
        Extension(name, [path],
                  include_dirs=[np.get_include(), KERNELS], libraries=["m"],
                  define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                  extra_compile_args=compile_args, extra_link_args=link_args)
        for name, path in modules
    ]


# include_path: the rendered templates include _kernels/*.pxi from build/tempita/
setup(ext_modules=cythonize(extensions(), include_path=[KERNELS],
                            compiler_directives={"language_level": "3"}))
