"""The op table: one declaration for each elementwise function of one argument.

Each entry writes an op's calculus once, in a small expression language, and every backend is
generated from it:

* the compiled loops (``_unary.pyx.tp``, rendered by ``setup.py`` with this table): ``c`` for
  the value and ``deriv`` for the derivative, translated to C for ``double`` and ``float``;
* the compiled interpreters of ``ad.jit`` (``_interpreters.pyx.tp``, ``_fused.pyx.tp``): ``c``
  translated to C for ``double`` (their derivatives are steps of the traced program);
* the NumPy references (``reference.py``, at import): ``numpy`` for the value, ``deriv``
  evaluated with NumPy's functions;
* the primitives' rules (``dualad.primitives.elementwise``, at import): ``deriv`` evaluated with
  dualad's primitives, so a rule is itself differentiable to any order.

So tanh's derivative, ``1 - y * y``, is written here and nowhere else.

The language: Python syntax over ``x`` (the argument) and ``y`` (the value ``f(x)``), numbers,
the named constants of ``CONSTANTS``, ``+ - * /``, unary minus and calls of ``FUNCTIONS``.
``sign`` and ``step`` (``x > 0`` as 0 or 1) are piecewise constant: a rule takes them as
constants, their derivative being zero wherever it exists. Conventions at the special points
(API.md section 8) follow from the expressions and are declared in ``kinks``: the points where
the derivative is a convention rather than a limit (``abs`` and ``relu`` take 0 at 0), checked by
``tests/ops/test_optable.py`` in every backend; NaN in gives NaN out wherever the expression says so
(``sign(nan)`` is NaN, ``step(nan)`` is 0, as ``np.sign`` and ``x > 0``).

This module imports nothing, so that ``setup.py`` can read it before anything is built.
"""
import ast
from typing import NamedTuple, Optional

__all__ = ["Elementwise", "Binary", "OPS", "BINARY", "CONSTANTS", "FUNCTIONS", "c_expression",
           "function"]


class Elementwise(NamedTuple):
    """One elementwise op ``y = f(x)``.

    ``name``: the primitive's name. ``numpy``: NumPy's function computing the value (for the
    references and every input the compiled loops do not take), or None where ``reference.py``
    defines ``<name>`` itself. ``deriv``: ``f'(x)`` in the expression language; ``"y"`` for a
    function that is its own derivative. ``c``: the value in the language, for the compiled
    loops and ``ad.jit``'s interpreters (None: no compiled loop; NumPy computes it). ``kinks``:
    the points where the derivative is a convention.

    >>> OPS["tanh"].deriv
    '1 - y * y'
    """
    name: str
    numpy: Optional[str]
    deriv: str
    c: Optional[str] = None
    kinks: tuple = ()


# Python floats, so that float32 arrays stay float32 in every backend (NEP 50)
CONSTANTS = {"LN2": 0.6931471805599453, "LN10": 2.302585092994046}

# name in the language -> its C function (suffixed with ``f`` for float). ``sign``, ``step``,
# ``sigmoid``, ``relu`` and ``tanh_expm1`` are dualad's own (``_elementwise.h``).
FUNCTIONS = {
    "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "sin": "sin", "cos": "cos",
    "tan": "tan", "sinh": "sinh", "cosh": "cosh", "sqrt": "sqrt", "arctan": "atan",
    "abs": "fabs", "sign": "dualad_sign", "step": "dualad_step", "sigmoid": "dualad_sigmoid",
    "relu": "dualad_relu", "tanh_expm1": "dualad_tanh_expm1",
}
PIECEWISE_CONSTANT = ("sign", "step")

_OPS = [
    Elementwise("exp", "exp", "y", c="exp(x)"),
    Elementwise("expm1", "expm1", "y + 1", c="expm1(x)"),
    Elementwise("exp2", "exp2", "y * LN2"),
    Elementwise("log", "log", "1 / x", c="log(x)"),
    Elementwise("log1p", "log1p", "1 / (1 + x)", c="log1p(x)"),
    Elementwise("log2", "log2", "1 / (x * LN2)"),
    Elementwise("log10", "log10", "1 / (x * LN10)"),
    Elementwise("sin", "sin", "cos(x)", c="sin(x)"),
    Elementwise("cos", "cos", "-sin(x)", c="cos(x)"),
    Elementwise("tan", "tan", "1 + y * y", c="tan(x)"),
    Elementwise("arcsin", "arcsin", "1 / sqrt(1 - x * x)"),
    Elementwise("arccos", "arccos", "-1 / sqrt(1 - x * x)"),
    Elementwise("arctan", "arctan", "1 / (1 + x * x)", c="arctan(x)"),
    Elementwise("sinh", "sinh", "cosh(x)", c="sinh(x)"),
    Elementwise("cosh", "cosh", "sinh(x)", c="cosh(x)"),
    # tanh |x| through expm1: no overflow, no cancellation near 0 (see _elementwise.h)
    Elementwise("tanh", "tanh", "1 - y * y", c="tanh_expm1(x)"),
    Elementwise("arcsinh", "arcsinh", "1 / sqrt(x * x + 1)"),
    # 1/sqrt(x - 1)/sqrt(x + 1), not 1/sqrt(x*x - 1): the same for real x, and the principal
    # branch's derivative for complex x
    Elementwise("arccosh", "arccosh", "1 / (sqrt(x - 1) * sqrt(x + 1))"),
    Elementwise("arctanh", "arctanh", "1 / (1 - x * x)"),
    Elementwise("sqrt", "sqrt", "0.5 / y", c="sqrt(x)"),
    Elementwise("cbrt", "cbrt", "1 / (3 * y * y)"),
    Elementwise("square", "square", "2 * x", c="x * x"),
    Elementwise("reciprocal", "reciprocal", "-(y * y)", c="1 / x"),
    Elementwise("sigmoid", None, "y * (1 - y)", c="sigmoid(x)"),
    Elementwise("abs", "abs", "sign(x)", c="abs(x)", kinks=(0.0,)),
    Elementwise("relu", None, "step(x)", c="relu(x)", kinks=(0.0,)),
]
OPS = {op.name: op for op in _OPS}


class Binary(NamedTuple):
    """An elementwise op of two arguments ``y = f(a, b)``, for the compiled interpreters of
    ``ad.jit`` (small programs and fused chains): ``c``, its value from ``a`` and ``b`` in the
    expression language, with NumPy's semantics (NaN through ``maximum``/``minimum``). Their
    derivatives are the primitives' rules (``dualad.primitives.binary``).

    >>> BINARY["maximum"].c
    'maximum(a, b)'
    """
    name: str
    c: str


BINARY = {op.name: op for op in [
    Binary("add", "a + b"), Binary("subtract", "a - b"), Binary("multiply", "a * b"),
    Binary("divide", "a / b"), Binary("power", "power(a, b)"),
    Binary("maximum", "maximum(a, b)"), Binary("minimum", "minimum(a, b)"),
]}
# the functions of two arguments: libm's pow, dualad's maximum and minimum (``_elementwise.h``)
FUNCTIONS2 = {"power": "pow", "maximum": "dualad_maximum", "minimum": "dualad_minimum"}


def _parse(expr):
    tree = ast.parse(expr, mode="eval").body
    for node in ast.walk(tree):
        ok = isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant,
                               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.Load))
        if not ok or (isinstance(node, ast.Name) and node.id not in ("x", "y", "a", "b")
                      and node.id not in CONSTANTS and node.id not in FUNCTIONS
                      and node.id not in FUNCTIONS2):
            raise ValueError(f"optable: {ast.dump(node)} is outside the expression language "
                             f"in {expr!r}")
        arity = 2 if isinstance(node, ast.Call) and getattr(node.func, "id", "") in FUNCTIONS2 \
            else 1
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name)
                                           or len(node.args) != arity or node.keywords):
            raise ValueError(f"optable: a call of {ast.unparse(node.func)} takes {arity} "
                             f"argument(s), in {expr!r}")
    return tree


_C_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def c_expression(expr, x="x", y="y", ctype="double", a="a", b="b"):
    """``expr`` as a C expression, in Cython's syntax, for ``ctype`` (``"double"`` or
    ``"float"``), reading the argument and value from the expressions ``x`` and ``y`` (the
    arguments of a binary op from ``a`` and ``b``).

    Literals and constants are cast to ``ctype``: Cython writes an integer literal divided as
    ``1 / x`` as ``1.0 / x``, which would compute a float loop in double and round twice.
    Function names get libm's ``f`` suffix for float.

    >>> c_expression("0.5 / y", y="y[i]", ctype="float")
    '(<float>0.5) / y[i]'
    """
    suffix = "f" if ctype == "float" else ""

    def emit(node):
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return f"(<{ctype}>{CONSTANTS[node.id]!r})"
            return {"x": x, "y": y, "a": a, "b": b}[node.id]
        if isinstance(node, ast.Constant):   # integers too: Cython makes ``1 / x`` ``1.0 / x``
            return f"(<{ctype}>{node.value!r})"
        if isinstance(node, ast.UnaryOp):
            operand = emit(node.operand)
            return f"-({operand})" if isinstance(node.operand, ast.BinOp) else f"-{operand}"
        if isinstance(node, ast.Call):
            name = FUNCTIONS.get(node.func.id) or FUNCTIONS2[node.func.id]
            return f"{name}{suffix}({', '.join(emit(arg) for arg in node.args)})"
        left, right = emit(node.left), emit(node.right)
        if isinstance(node.left, ast.BinOp):
            left = f"({left})"
        if isinstance(node.right, ast.BinOp):
            right = f"({right})"
        return f"{left} {_C_OPERATORS[type(node.op)]} {right}"

    return emit(_parse(expr))


def function(expr, namespace, args=("x", "y")):
    """``expr`` as a Python function of ``args`` (the names ``x`` and ``y`` in the order the
    caller wants), compiled once. Its calls are looked up in ``namespace`` (name -> callable:
    NumPy's for the references, dualad's primitives for the rules) when it runs, so the dict may
    be filled after this returns (a rule naming an op declared further down the table).

    >>> function("1 - y * y", {})(0.0, 0.5)
    0.75
    """
    _parse(expr)   # only the language reaches compile
    namespace.update(CONSTANTS, __builtins__={})
    return eval(compile(f"lambda {', '.join(args)}: {expr}", "<optable>", "eval"), namespace)
