"""Build of dualad's Cython kernels (everything else is declared in pyproject.toml).

Every ``dualad/_kernels/*.pyx`` becomes an extension module of the same name.
"""
import glob
import os

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension("dualad._kernels." + os.path.basename(path)[:-4], [path],
              include_dirs=[np.get_include()], extra_compile_args=["-O3"])
    for path in sorted(glob.glob("dualad/_kernels/*.pyx"))
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}))
