# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The interpreter of compiled scalar tapes (``dualad.record``).

A scalar tape is a program over ``double`` registers: the inputs first, then constants, then one
register per recorded operation (each written once). An instruction is four ints
``(opcode, out, a, b)``; a unary operation names a zero constant register as ``b`` (its
partials in ``b`` are zero, so nothing flows there that is read). A guard instruction
``(GUARD_BASE + comparison, expected, a, b)`` checks that ``regs[a] <cmp> regs[b]`` still comes
out as it did while recording; a run stops at the first guard that does not.

Every operation is described by one inline function, ``partials``, giving its value's first and
second partial derivatives from the operand and result values; the forward sweep (values and
one tangent), the reverse sweep (adjoints) and the forward-over-reverse sweep (Hessian rows) all
use it, so the three cannot disagree. Derivative conventions follow the primitives: ``abs`` and
``relu`` have derivative 0 at 0, ``maximum``/``minimum`` split ties evenly, ``x ** 0`` has
derivative 0 in ``x`` and ``0 ** y`` derivative 0 in ``y``.
"""
import numpy as np
from libc.math cimport exp, expm1, log, log1p, sin, cos, tan, sinh, cosh, tanh, sqrt, atan, fabs, pow

cdef enum Op:
    ADD, SUBTRACT, MULTIPLY, DIVIDE, POWER, MAXIMUM, MINIMUM, NEGATIVE, SQUARE, SQRT, EXP, EXPM1,
    LOG, LOG1P, SIN, COS, TAN, SINH, COSH, TANH, ARCTAN, SIGMOID, ABS, RELU, RECIPROCAL, COPY,
    GUARD_BASE

# the opcode of each name is its position (the order of ``Op`` above)
OPCODES = ("add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "negative",
           "square", "sqrt", "exp", "expm1", "log", "log1p", "sin", "cos", "tan", "sinh", "cosh",
           "tanh", "arctan", "sigmoid", "abs", "relu", "reciprocal", "copy")
# a guard's opcode is GUARD_BASE + the position of its comparison here
GUARDS = ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal")
GUARD_OPCODE = GUARD_BASE


cdef struct Partials:
    double fa, fb, faa, fab, fbb


cdef inline double value(int op, double a, double b) noexcept nogil:
    cdef double e
    if op == ADD: return a + b
    if op == SUBTRACT: return a - b
    if op == MULTIPLY: return a * b
    if op == DIVIDE: return a / b
    if op == POWER: return pow(a, b)
    if op == MAXIMUM:
        if a != a or b != b: return a + b        # NaN propagates, as np.maximum
        return a if a >= b else b
    if op == MINIMUM:
        if a != a or b != b: return a + b
        return a if a <= b else b
    if op == NEGATIVE: return -a
    if op == SQUARE: return a * a
    if op == SQRT: return sqrt(a)
    if op == EXP: return exp(a)
    if op == EXPM1: return expm1(a)
    if op == LOG: return log(a)
    if op == LOG1P: return log1p(a)
    if op == SIN: return sin(a)
    if op == COS: return cos(a)
    if op == TAN: return tan(a)
    if op == SINH: return sinh(a)
    if op == COSH: return cosh(a)
    if op == TANH: return tanh(a)
    if op == ARCTAN: return atan(a)
    if op == SIGMOID:
        e = exp(-fabs(a))   # never overflows
        return 1.0 / (1.0 + e) if a >= 0 else e / (1.0 + e)
    if op == ABS: return fabs(a)
    if op == RELU: return a if a > 0 else 0.0
    if op == RECIPROCAL: return 1.0 / a
    return a   # COPY


cdef inline double tie(double a, double b) noexcept nogil:
    # weight of a in maximum(a, b): 1 where it wins, 0.5 at a tie, 0 otherwise (and at NaN)
    return 1.0 if a > b else (0.5 if a == b else 0.0)


cdef inline Partials partials(int op, double a, double b, double y, bint second) noexcept nogil:
    # first partials fa, fb of y = op(a, b); with ``second`` also faa, fab, fbb
    cdef Partials p
    cdef double la
    p.fa = 0.0; p.fb = 0.0; p.faa = 0.0; p.fab = 0.0; p.fbb = 0.0
    if op == ADD:
        p.fa = 1.0; p.fb = 1.0
    elif op == SUBTRACT:
        p.fa = 1.0; p.fb = -1.0
    elif op == MULTIPLY:
        p.fa = b; p.fb = a; p.fab = 1.0
    elif op == DIVIDE:
        p.fa = 1.0 / b; p.fb = -y / b
        if second:
            p.fab = -1.0 / (b * b); p.fbb = 2.0 * y / (b * b)
    elif op == POWER:
        la = log(a) if a != 0 else 0.0
        if b != 0:
            p.fa = b * pow(a, b - 1.0)
        if a != 0:
            p.fb = y * la
        if second:
            if b != 0 and b != 1:
                p.faa = b * (b - 1.0) * pow(a, b - 2.0)
            if b != 0:
                p.fab = pow(a, b - 1.0) * (1.0 + b * la)
            p.fbb = p.fb * la
    elif op == MAXIMUM:
        p.fa = tie(a, b); p.fb = tie(b, a)
    elif op == MINIMUM:
        p.fa = tie(b, a); p.fb = tie(a, b)
    elif op == NEGATIVE:
        p.fa = -1.0
    elif op == SQUARE:
        p.fa = 2.0 * a; p.faa = 2.0
    elif op == SQRT:
        p.fa = 0.5 / y; p.faa = -0.25 / (y * y * y)
    elif op == EXP:
        p.fa = y; p.faa = y
    elif op == EXPM1:
        p.fa = y + 1.0; p.faa = y + 1.0
    elif op == LOG:
        p.fa = 1.0 / a; p.faa = -1.0 / (a * a)
    elif op == LOG1P:
        p.fa = 1.0 / (a + 1.0); p.faa = -p.fa * p.fa
    elif op == SIN:
        p.fa = cos(a); p.faa = -y
    elif op == COS:
        p.fa = -sin(a); p.faa = -y
    elif op == TAN:
        p.fa = 1.0 + y * y; p.faa = 2.0 * y * p.fa
    elif op == SINH:
        p.fa = cosh(a); p.faa = y
    elif op == COSH:
        p.fa = sinh(a); p.faa = y
    elif op == TANH:
        p.fa = 1.0 - y * y; p.faa = -2.0 * y * p.fa
    elif op == ARCTAN:
        p.fa = 1.0 / (1.0 + a * a); p.faa = -2.0 * a * p.fa * p.fa
    elif op == SIGMOID:
        p.fa = y * (1.0 - y); p.faa = p.fa * (1.0 - 2.0 * y)
    elif op == ABS:
        p.fa = (a > 0) - (a < 0)   # 0 at 0
    elif op == RELU:
        p.fa = 1.0 if a > 0 else 0.0   # 0 at 0
    elif op == RECIPROCAL:
        p.fa = -y * y; p.faa = 2.0 * y * y * y
    else:   # COPY
        p.fa = 1.0
    return p


cdef inline double times(double d, double t) noexcept nogil:
    # d * t for a tangent t, where a zero tangent is a symbolic zero (0 even when d is inf/NaN,
    # as the eager transforms, which never multiply a missing tangent)
    return d * t if t != 0.0 else 0.0


cdef inline bint compare(int cmp, double a, double b) noexcept nogil:
    if cmp == 0: return a < b
    if cmp == 1: return a <= b
    if cmp == 2: return a > b
    if cmp == 3: return a >= b
    if cmp == 4: return a == b
    return a != b


cdef class ScalarTape:
    """A compiled scalar tape: ``code`` (n, 4) int32 instructions, ``init`` the initial register
    file (constants in place), ``n_in`` inputs in registers ``0..n_in-1``, ``wrt`` the inputs
    differentiated, ``outs`` the output registers.

    Every method takes the input values as a sequence of numbers and returns None when a guard
    fails (the caller then records the new path)."""

    cdef int[:, ::1] code
    cdef double[::1] regs, tan_, adj, tadj
    cdef char[::1] live
    cdef Py_ssize_t[::1] wrt, outs
    cdef Py_ssize_t n_in

    def __init__(self, code, init, Py_ssize_t n_in, wrt, outs):
        self.code = np.ascontiguousarray(code, dtype=np.int32)
        self.regs = np.array(init, dtype=np.float64)
        n = self.regs.shape[0]
        self.tan_ = np.zeros(n)
        self.adj = np.zeros(n)
        self.tadj = np.zeros(n)
        self.live = np.zeros(n, dtype=np.int8)
        self.n_in = n_in
        self.wrt = np.asarray(wrt, dtype=np.intp)
        self.outs = np.asarray(outs, dtype=np.intp)

    cdef int load(self, xs) except -2:
        cdef Py_ssize_t i
        if len(xs) != self.n_in:
            raise ValueError(f"expected {self.n_in} input values, got {len(xs)}")
        for i in range(self.n_in):
            self.regs[i] = xs[i]
        return 0

    cdef Py_ssize_t forward(self, bint tangent) noexcept nogil:
        # IN: regs[:n_in] (and tan_[:n_in] with ``tangent``); OUT: every register (and tangent).
        # Returns -1, or the row of the first guard that failed.
        cdef Py_ssize_t r
        cdef int op, o, a, b
        cdef double y
        cdef Partials p
        for r in range(self.code.shape[0]):
            op = self.code[r, 0]; o = self.code[r, 1]; a = self.code[r, 2]; b = self.code[r, 3]
            if op >= GUARD_BASE:
                if compare(op - GUARD_BASE, self.regs[a], self.regs[b]) != o:
                    return r
                continue
            y = value(op, self.regs[a], self.regs[b])
            self.regs[o] = y
            if tangent:
                p = partials(op, self.regs[a], self.regs[b], y, False)
                self.tan_[o] = times(p.fa, self.tan_[a]) + times(p.fb, self.tan_[b])
        return -1

    cdef void reverse(self, Py_ssize_t out, bint second) noexcept nogil:
        # OUT: adj (and with ``second`` tadj, the tangent of adj along tan_) for one output.
        # Only registers the output depends on take part (``live``), as the eager sweep skips
        # entries that receive no cotangent.
        cdef Py_ssize_t r, n = self.regs.shape[0]
        cdef int op, o, a, b
        cdef double g, tg, ta, tb
        cdef Partials p
        for r in range(n):
            self.adj[r] = 0.0; self.tadj[r] = 0.0; self.live[r] = 0
        self.adj[out] = 1.0
        self.live[out] = 1
        for r in range(self.code.shape[0] - 1, -1, -1):
            op = self.code[r, 0]; o = self.code[r, 1]
            if op >= GUARD_BASE or not self.live[o]:
                continue
            a = self.code[r, 2]; b = self.code[r, 3]
            p = partials(op, self.regs[a], self.regs[b], self.regs[o], second)
            g = self.adj[o]
            self.live[a] = 1; self.live[b] = 1
            self.adj[a] += g * p.fa
            self.adj[b] += g * p.fb
            if second:
                tg = self.tadj[o]; ta = self.tan_[a]; tb = self.tan_[b]
                self.tadj[a] += times(p.fa, tg) + g * (times(p.faa, ta) + times(p.fab, tb))
                self.tadj[b] += times(p.fb, tg) + g * (times(p.fab, ta) + times(p.fbb, tb))

    def value(self, xs):
        """The output values (a list), or None."""
        self.load(xs)
        if self.forward(False) >= 0:
            return None
        return [self.regs[o] for o in self.outs]

    def value_and_grad(self, xs):
        """``(value, [d value / d x for x in wrt])`` of the single output, or None."""
        cdef Py_ssize_t i, out = self.outs[0]
        self.load(xs)
        if self.forward(False) >= 0:
            return None
        self.reverse(out, False)
        return self.regs[out], [self.adj[self.wrt[i]] for i in range(self.wrt.shape[0])]

    def jacobian(self, xs):
        """``(values, J)`` with ``J[i, j] = d out_i / d wrt_j`` (a NumPy array), or None. Uses
        forward tangents when there are fewer inputs than outputs, reverse sweeps otherwise."""
        cdef Py_ssize_t i, j, m = self.outs.shape[0], n = self.wrt.shape[0]
        cdef double[:, ::1] J
        self.load(xs)
        if self.forward(False) >= 0:
            return None
        jac = np.zeros((m, n))
        J = jac
        if n < m:
            for j in range(n):
                self.tan_[:] = 0.0
                self.tan_[self.wrt[j]] = 1.0
                self.forward(True)
                for i in range(m):
                    J[i, j] = self.tan_[self.outs[i]]
        else:
            for i in range(m):
                self.reverse(self.outs[i], False)
                for j in range(n):
                    J[i, j] = self.adj[self.wrt[j]]
        return [self.regs[o] for o in self.outs], jac

    def hessian(self, xs):
        """``(value, grad, H)`` of the single output (forward-over-reverse: one tangent sweep
        and one second-order reverse sweep per input), or None."""
        cdef Py_ssize_t i, j, out = self.outs[0], n = self.wrt.shape[0]
        cdef double[:, ::1] H
        self.load(xs)
        if self.forward(False) >= 0:
            return None
        hess = np.zeros((n, n))
        H = hess
        for j in range(n):
            self.tan_[:] = 0.0
            self.tan_[self.wrt[j]] = 1.0
            self.forward(True)
            self.reverse(out, True)
            for i in range(n):
                H[i, j] = self.tadj[self.wrt[i]]
        return self.regs[out], [self.adj[self.wrt[i]] for i in range(n)], hess
