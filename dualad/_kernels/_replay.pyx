# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The interpreters of compiled tapes (``dualad.record``): ``ScalarTape`` over ``double``
registers, ``ArrayTape`` over small float64 arrays.

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
cimport numpy as cnp
from libc.string cimport memcpy, memset
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
    if op == RELU: return a if a > 0 or a != a else 0.0   # NaN stays NaN, as np.maximum
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
        p.fa = a if a != a else (a > 0) - (a < 0)   # 0 at 0; NaN at NaN, as np.sign
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


# ------------------------------------------------------------------------------- array tapes
cnp.import_array()

cdef enum Kind:
    ELEMENTWISE, MATMUL, GATHER, SCATTER, GENERIC, GUARD

KINDS = ("elementwise", "matmul", "gather", "scatter", "generic", "guard")

# how an elementwise instruction reads an operand: at the result's own index (SAME), its one
# element (SCALAR), not at all (NONE: the ``b`` of a unary operation), or through an index map
# starting at that (non-negative) offset in ``maps``
cdef enum:
    SAME = -1
    SCALAR = -2
    NONE = -3

OPERAND_SAME, OPERAND_SCALAR, OPERAND_NONE = SAME, SCALAR, NONE
N_COLUMNS = 9
BUSY = object()   # what a method answers while another replay runs on the same tape


cdef inline Py_ssize_t position(Py_ssize_t mode, const Py_ssize_t* maps,
                                Py_ssize_t i) noexcept nogil:
    if mode == SAME: return i
    if mode == SCALAR: return 0
    return maps[mode + i]


cdef inline double operand(const double* x, Py_ssize_t mode, const Py_ssize_t* maps,
                           Py_ssize_t i) noexcept nogil:
    if mode == NONE: return 0.0
    return x[position(mode, maps, i)]


cdef void elementwise_value(int op, double* y, Py_ssize_t n, const double* a, Py_ssize_t am,
                            const double* b, Py_ssize_t bm, const Py_ssize_t* maps) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = value(op, operand(a, am, maps, i), operand(b, bm, maps, i))


cdef void elementwise_adjoint(int op, const double* g, const double* y, Py_ssize_t n,
                              const double* a, double* ga, Py_ssize_t am,
                              const double* b, double* gb, Py_ssize_t bm,
                              const Py_ssize_t* maps, Py_ssize_t needs) noexcept nogil:
    # broadcast operands receive the sum over the elements that read them
    cdef Py_ssize_t i
    cdef Partials p
    for i in range(n):
        p = partials(op, operand(a, am, maps, i), operand(b, bm, maps, i), y[i], False)
        if needs & 1:
            ga[position(am, maps, i)] += g[i] * p.fa
        if needs & 2:
            gb[position(bm, maps, i)] += g[i] * p.fb


cdef void matmul_value(double* y, const double* a, const double* b, Py_ssize_t M, Py_ssize_t K,
                       Py_ssize_t N) noexcept nogil:
    # y (M, N) = a (M, K) @ b (K, N), all C-contiguous
    cdef Py_ssize_t m, k, n
    cdef double s
    for m in range(M):
        for n in range(N):
            s = 0.0
            for k in range(K):
                s += a[m * K + k] * b[k * N + n]
            y[m * N + n] = s


cdef void matmul_adjoint(const double* g, const double* a, double* ga, const double* b,
                         double* gb, Py_ssize_t M, Py_ssize_t K, Py_ssize_t N,
                         Py_ssize_t needs) noexcept nogil:
    # ga += g @ b.T, gb += a.T @ g
    cdef Py_ssize_t m, k, n
    cdef double s, am
    if needs & 1:
        for m in range(M):
            for k in range(K):
                s = 0.0
                for n in range(N):
                    s += g[m * N + n] * b[k * N + n]
                ga[m * K + k] += s
    if needs & 2:
        for m in range(M):
            for k in range(K):
                am = a[m * K + k]
                for n in range(N):
                    gb[k * N + n] += am * g[m * N + n]


cdef class ArrayTape:
    """A compiled tape over float64 arrays (small ones: the loops are plain C, not BLAS).

    Every slot (input, constant or result) owns a stretch of one value arena and of one adjoint
    arena, at ``offsets[s]`` with ``sizes[s]`` elements in C order; ``values``/``adjoints`` are
    NumPy views of those stretches with the slots' shapes, built once. An instruction is
    ``N_COLUMNS`` ints ``(kind, opcode, out, a, b, p, q, r, needs)``, ``needs`` having bit 1
    (bit 2) set when the cotangent of ``a`` (``b``) is wanted:

    * ``ELEMENTWISE``: ``out = opcode(a, b)`` elementwise (``b`` -1 for a unary opcode), ``p``
      and ``q`` the operand modes (``OPERAND_*`` or an offset in ``maps``), with the scalar
      interpreter's ``value`` and ``partials``;
    * ``MATMUL``: ``out (p, r) = a (p, q) @ b (q, r)`` (vectors as one-row or one-column
      matrices);
    * ``GATHER``: ``out[i] = a[maps[p + i]]`` (reshape, transpose, broadcast, basic indexing);
    * ``SCATTER``: ``out`` zeroed, then ``out[maps[p + i]] += a[i]`` (sums over axes);
    * ``GENERIC``: ``calls[r] = (rec, bwd, ins, needs)``: ``rec(*operand views) -> (value,
      residuals)``, ``bwd(g with a batch axis of 1, residuals) -> cotangents``;
    * ``GUARD``: ``checks[r](values)`` must hold, or the run stops.

    ``value`` and ``value_and_grad`` take the input values (``n_in`` of them, the first slots)
    and return None when a guard fails and ``BUSY`` when called while a replay is running on
    this tape (a generic step or guard called back into it, or another thread): the caller then
    replays another way. What they return is always freshly allocated, never a view of the
    arenas."""

    cdef Py_ssize_t[:, ::1] code
    cdef Py_ssize_t[::1] off, size, maps, outs, wrt
    cdef double[::1] val, adj
    cdef char[::1] live
    cdef Py_ssize_t n_in
    cdef list values, adjoints, calls, checks, shapes
    cdef bint busy

    def __init__(self, code, offsets, shapes, init, maps, Py_ssize_t n_in, wrt, outs, calls,
                 checks):
        self.code = np.ascontiguousarray(code, dtype=np.intp).reshape(-1, N_COLUMNS)
        self.off = np.asarray(offsets, dtype=np.intp)
        self.size = np.diff(self.off)
        self.maps = np.concatenate([np.asarray(maps, dtype=np.intp), [0]])   # never empty
        values = np.array(init, dtype=np.float64)
        adjoints = np.zeros_like(values)
        self.val, self.adj = values, adjoints
        self.live = np.zeros(len(shapes), dtype=np.int8)
        self.shapes = [tuple(s) for s in shapes]
        self.values = [values[self.off[s]:self.off[s + 1]].reshape(shape)
                       for s, shape in enumerate(self.shapes)]
        self.adjoints = [adjoints[self.off[s]:self.off[s + 1]].reshape(shape)
                         for s, shape in enumerate(self.shapes)]
        self.n_in = n_in
        self.wrt = np.asarray(wrt, dtype=np.intp)
        self.outs = np.asarray(outs, dtype=np.intp)
        self.calls, self.checks = list(calls), list(checks)

    cdef int load(self, xs) except -1:
        cdef Py_ssize_t i
        cdef cnp.ndarray arr
        if len(xs) != self.n_in:
            raise ValueError(f"expected {self.n_in} input values, got {len(xs)}")
        for i in range(self.n_in):
            v = xs[i]
            if isinstance(v, float):
                self.val[self.off[i]] = v
                continue
            if not (type(v) is np.ndarray and cnp.PyArray_ISCARRAY_RO(v)
                    and cnp.PyArray_TYPE(v) == cnp.NPY_DOUBLE):
                v = np.ascontiguousarray(v, dtype=np.float64)
            arr = v
            if cnp.PyArray_SIZE(arr) != self.size[i]:
                raise ValueError(f"input {i} has {cnp.PyArray_SIZE(arr)} elements, expected "
                                 f"{self.size[i]}")
            memcpy(&self.val[self.off[i]], cnp.PyArray_DATA(arr), self.size[i] * sizeof(double))
        return 0

    cdef int forward(self, list res) except -1:
        # every result slot, in order; residuals of generic steps into ``res``.
        # Returns 1 when a guard fails.
        cdef Py_ssize_t r, i, o, a, b, kind
        cdef Py_ssize_t[:, ::1] c = self.code
        cdef double* V = &self.val[0]
        cdef const Py_ssize_t* maps = &self.maps[0]
        for r in range(c.shape[0]):
            o = c[r, 2]; a = c[r, 3]; b = c[r, 4]
            kind = c[r, 0]
            if kind == ELEMENTWISE:
                elementwise_value(<int>c[r, 1], V + self.off[o], self.size[o], V + self.off[a],
                                  c[r, 5], V + self.off[a if b < 0 else b], c[r, 6], maps)
            elif kind == MATMUL:
                matmul_value(V + self.off[o], V + self.off[a], V + self.off[b],
                             c[r, 5], c[r, 6], c[r, 7])
            elif kind == GATHER:
                for i in range(self.size[o]):
                    V[self.off[o] + i] = V[self.off[a] + maps[c[r, 5] + i]]
            elif kind == SCATTER:
                memset(V + self.off[o], 0, self.size[o] * sizeof(double))
                for i in range(self.size[a]):
                    V[self.off[o] + maps[c[r, 5] + i]] += V[self.off[a] + i]
            elif kind == GENERIC:
                self.generic_value(c[r, 7], o, res)
            elif not self.checks[c[r, 7]](self.values):   # GUARD
                return 1
        return 0

    cdef int reverse(self, Py_ssize_t out, list res) except -1:
        # adjoints of every slot the output depends on (``live``), from a seed of ones
        cdef Py_ssize_t r, i, o, a, b, needs, kind
        cdef Py_ssize_t[:, ::1] c = self.code
        cdef double* V = &self.val[0]
        cdef double* G = &self.adj[0]
        cdef const Py_ssize_t* maps = &self.maps[0]
        memset(G, 0, self.adj.shape[0] * sizeof(double))
        memset(&self.live[0], 0, self.live.shape[0])
        for i in range(self.size[out]):
            G[self.off[out] + i] = 1.0
        self.live[out] = 1
        for r in range(c.shape[0] - 1, -1, -1):
            kind = c[r, 0]; o = c[r, 2]; needs = c[r, 8]
            if kind == GUARD or not self.live[o] or not needs:
                continue
            a = c[r, 3]; b = c[r, 4]
            if kind == ELEMENTWISE:
                if b < 0:
                    b = a
                elementwise_adjoint(<int>c[r, 1], G + self.off[o], V + self.off[o],
                                    self.size[o], V + self.off[a], G + self.off[a], c[r, 5],
                                    V + self.off[b], G + self.off[b], c[r, 6], maps, needs)
            elif kind == MATMUL:
                matmul_adjoint(G + self.off[o], V + self.off[a], G + self.off[a],
                               V + self.off[b], G + self.off[b], c[r, 5], c[r, 6], c[r, 7],
                               needs)
            elif kind == GATHER:
                for i in range(self.size[o]):
                    G[self.off[a] + maps[c[r, 5] + i]] += G[self.off[o] + i]
            elif kind == SCATTER:
                for i in range(self.size[a]):
                    G[self.off[a] + i] += G[self.off[o] + maps[c[r, 5] + i]]
            else:   # GENERIC
                self.generic_adjoint(c[r, 7], o, res)
                continue
            if needs & 1:
                self.live[a] = 1
            if needs & 2:
                self.live[b] = 1
        return 0

    cdef int generic_value(self, Py_ssize_t k, Py_ssize_t out, list res) except -1:
        rec, _, ins, _ = self.calls[k]
        ans, res[k] = rec(*[self.values[s] for s in ins])
        self.values[out][...] = ans
        return 0

    cdef int generic_adjoint(self, Py_ssize_t k, Py_ssize_t out, list res) except -1:
        _, bwd, ins, wanted = self.calls[k]
        cts = bwd(self.adjoints[out][None], res[k])
        for s, want, ct in zip(ins, wanted, cts):
            if want and ct is not None:
                view = self.adjoints[s]
                view += ct[0]
                self.live[s] = 1
        return 0

    cdef result(self, Py_ssize_t s, double[::1] arena):
        # a fresh copy of slot ``s`` of ``arena`` (a NumPy scalar for 0-d slots)
        if not self.shapes[s]:
            return np.float64(arena[self.off[s]])
        copy = np.empty(self.shapes[s])
        memcpy(cnp.PyArray_DATA(copy), &arena[self.off[s]], self.size[s] * sizeof(double))
        return copy

    def value(self, xs):
        """The output values (fresh arrays, a list), or None, or ``BUSY``."""
        if self.busy:
            return BUSY
        self.busy = True
        try:
            self.load(xs)
            if self.forward([None] * len(self.calls)):
                return None
            return [self.result(o, self.val) for o in self.outs]
        finally:
            self.busy = False

    def value_and_grad(self, xs):
        """``(value, [d value / d x for x in wrt])`` of the single output (summed over its
        elements), or None, or ``BUSY``."""
        cdef Py_ssize_t s, out = self.outs[0]
        if self.busy:
            return BUSY
        self.busy = True
        try:
            res = [None] * len(self.calls)
            self.load(xs)
            if self.forward(res):
                return None
            self.reverse(out, res)
            grads = []
            for s in self.wrt:
                grads.append(self.result(s, self.adj) if self.live[s]
                             else np.zeros(self.shapes[s])[()])
            return self.result(out, self.val), grads
        finally:
            self.busy = False
