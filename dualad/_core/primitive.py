"""The primitive registry and ``bind``, the one place where dispatch happens.

# Design: a ``Primitive`` declares, side by side, its value function (``impl``, on plain arrays),
# its JVP rule and its VJP rule. Forward mode (``Dual``) and reverse mode (the tape) both ask the
# primitive for its rules; neither keeps formulas of its own. Rules are written with dualad's own
# operations, so when the primals they see are boxes of an outer context the rule itself is
# differentiated (forward-over-reverse Hessians, ``grad(grad(f))``); on plain arrays the same
# rule runs straight on the kernels.

NOTE: batch axis. Tangents and cotangents always carry one leading batch axis (k directions; k
is 1 for a plain ``jvp`` or ``grad``). A JVP rule receives ``t`` of shape ``(k,) + x.shape`` and
returns ``(k,) + ans.shape``; a VJP rule receives ``g`` of shape ``(k,) + ans.shape`` and returns
``(k,) + x.shape``. Rules that take an ``axis`` normalise it to a negative number so that it means
the same axis with or without the batch axis in front.

NOTE: symbolic zeros. A tangent or cotangent that is known to be zero is ``None``; rules are not
called for it and nothing is materialised.
"""
import numpy as np

REGISTRY = {}
_BUILTINS = set()   # filled once dualad's own primitives are registered


def seal_builtins():
    """Mark every primitive registered so far as built in: users may replace their own
    primitives (re-running a definition), never the built-ins."""
    _BUILTINS.update(REGISTRY)


class Box:
    """Base class of the values dualad boxes: ``Dual`` (forward) and ``Tensor`` (reverse).

    Operators and NumPy interoperability are installed on it by ``dualad.numpy``.
    """

    __slots__ = ()
    __array_priority__ = 1000.0

    # ``_raw()`` (defined by each box) is the value one level down: its array attributes are
    # the box's own.
    @property
    def shape(self):
        return shape_of(self._raw())

    @property
    def dtype(self):
        return dtype_of(self._raw())

    @property
    def ndim(self):
        return len(shape_of(self._raw()))

    @property
    def size(self):
        return int(np.prod(shape_of(self._raw())))

    def __len__(self):
        return len(self._raw())


def bind(prim, *args, **params):
    """Apply ``prim`` to ``args``: hand it to the innermost (highest-level) box among them, or
    run the value function when there is none."""
    top = None
    for a in args:
        if isinstance(a, Box) and (top is None or a._level > top._level):
            top = a
    if top is None:
        try:
            return prim.impl(*args, **params)
        except TypeError:
            _refuse_mixed_devices(prim, args)
            raise
    return top._trace.process(prim, args, params)


def _refuse_mixed_devices(prim, args):
    """Turn the array libraries' own complaint about NumPy meeting CuPy into dualad's."""
    from .backend import array_module
    try:
        array_module(*args)
    except TypeError as exc:
        raise TypeError(f"{prim.name}: {exc}") from None


def shape_of(x):
    """``x.shape`` for arrays and boxes alike (``np.shape`` would dispatch through
    ``__array_function__`` for boxes, which costs microseconds on a hot path)."""
    s = getattr(x, "shape", None)
    return tuple(s) if s is not None else np.shape(x)


def dtype_of(x):
    d = getattr(x, "dtype", None)
    return d if d is not None else np.result_type(x)


def ndim_of(x):
    return len(shape_of(x))


def op(name):
    """The registered primitive called ``name`` (rules use it to reach their building blocks)."""
    return REGISTRY[name]


def add_any(a, b):
    """Sum of two tangents or cotangents, either of which may be a symbolic zero (None)."""
    if a is None:
        return b
    if b is None:
        return a
    return bind(REGISTRY["add"], a, b)


def _split_rule(rule):
    """A rule given as one callable, or as a tuple of per-argument callables."""
    if rule is None or callable(rule):
        return rule, None
    return None, tuple(rule)


class Primitive:
    """One differentiable operation: value, JVP and VJP declared together.

    Parameters
    ----------
    name : registry name (also what the tape's entries show).
    impl : ``impl(*arrays, **params)`` on plain (NumPy or CuPy) arrays.
    jvp : either one rule ``jvp(tangents, ans, *args, **params)`` (``tangents`` a tuple with None
        for zeros) returning the output tangent, or a tuple with one rule per argument,
        ``jvp_i(t_i, ans, *args, **params)``, whose results are summed; None in the tuple marks a
        non-differentiable argument.
    vjp : either one rule ``vjp(g, ans, *args, **params)`` returning a tuple of cotangents (None
        for zero), or a tuple with one rule per argument ``vjp_i(g, ans, *args, **params)``.
    batched : whether the rules understand the leading batch axis (see NOTE: batch axis). The
        built-ins do; for ``batched=False`` dualad calls the rules once per direction.
    broadcasts : the arguments broadcast against each other NumPy-style; tangents are aligned
        to the output's rank before the per-argument rules see them and cotangents are summed
        back to each argument's shape afterwards, so the rules never deal with broadcasting.
    linear : the primitive is linear in its differentiated arguments (reshape, sum, getitem …):
        its JVP rule then also serves as its sparsity-pattern rule, applied to boolean patterns.
    pattern : the sparsity-pattern rule ``pattern(patterns, ans, *args, **params)``: like a JVP
        rule, but the tangents are boolean dependency patterns (batch axis first; None where an
        argument depends on nothing) and the result says which output elements depend on which
        inputs. Needed only where neither ``linear`` nor ``broadcasts`` (an elementwise OR)
        describes the structure. See ``Primitive.pattern_rule``.
    register : enter the primitive in ``REGISTRY`` under ``name`` (``custom_jvp``/``custom_vjp``
        functions are primitives of their own that are not registered).
    saves_values : whether the tape keeps the operands and the result for the VJP. Linear
        primitives' VJPs need only their shapes and dtypes (``ShapeOnly``), so by default they
        keep no data: intermediates die sooner and no caller array is held or fingerprinted.
    """

    def __init__(self, name, impl, jvp=None, vjp=None, *, batched=True, broadcasts=False,
                 linear=False, pattern=None, register=True, saves_values=None):
        self.name = name
        self.impl = impl
        self.jvp_rule, self.jvps = _split_rule(jvp)
        self.vjp_rule, self.vjps = _split_rule(vjp)
        self.batched = batched
        self.broadcasts = broadcasts
        self.linear = linear
        self.pattern = pattern
        self.saves_values = not linear if saves_values is None else saves_values
        if register:
            if name in _BUILTINS:
                raise ValueError(f"{name!r} is a built-in dualad primitive; choose another name")
            if name in REGISTRY:
                raise ValueError(f"a primitive named {name!r} is already registered")
            REGISTRY[name] = self

    def __repr__(self):
        return f"<dualad primitive {self.name}>"

    def __call__(self, *args, **params):
        return bind(self, *args, **params)

    def has_jvp(self):
        return self.jvp_rule is not None or self.jvps is not None

    def has_vjp(self):
        return self.vjp_rule is not None or self.vjps is not None

    # ---------------------------------------------------------------- forward mode
    def forward(self, primals, tangents, params):
        """``(ans, tangent_out)`` for one application; tangent_out None when it is zero."""
        ans = bind(self, *primals, **params)
        return ans, self.jvp(tangents, ans, primals, params)

    def jvp(self, tangents, ans, primals, params):
        if not self.has_jvp():
            from ..transforms.derived import jvp_from_vjp
            return jvp_from_vjp(self, tangents, ans, primals, params)
        if not self.batched:
            from ..transforms.derived import per_direction_jvp
            return per_direction_jvp(self, tangents, ans, primals, params)
        if self.broadcasts:
            tangents = [None if t is None else align_batched(t, ndim_of(ans) + 1) for t in tangents]
        if self.jvp_rule is not None:
            out = self.jvp_rule(tuple(tangents), ans, *primals, **params)
        else:
            out = None
            for i, t in enumerate(tangents):
                if t is not None:
                    rule = self.jvps[i]
                    if rule is None:
                        continue
                    out = add_any(out, rule(t, ans, *primals, **params))
        if out is not None and self.broadcasts and tuple(out.shape[1:]) != shape_of(ans):
            out = bind(REGISTRY["broadcast_to"], out, shape=(out.shape[0],) + shape_of(ans))
        return out

    def pattern_rule(self):
        """The sparsity-pattern rule, explicit or implied by ``linear``/``broadcasts``; None when
        the primitive declares none."""
        if self.pattern is not None:
            return self.pattern
        if self.linear or self.broadcasts:
            return self._implied_pattern
        return None

    def _implied_pattern(self, patterns, ans, *args, **params):
        if self.linear:
            return self.jvp(patterns, ans, args, params)
        out = None
        for p in patterns:
            if p is not None:
                p = align_batched(p, ndim_of(ans) + 1)
                out = p if out is None else out | p
        return out

    # ---------------------------------------------------------------- reverse mode
    def record(self, args, params):
        """Run forward for the tape: ``(ans, residuals)``; residuals are what ``backward`` needs."""
        ans = bind(self, *args, **params)
        if self.saves_values:
            return ans, (ans, args)
        return ans, (ShapeOnly(ans), [ShapeOnly(a) for a in args])

    def backward(self, g, residuals, needs, params):
        """Cotangents for the arguments whose ``needs`` flag is set (None elsewhere)."""
        ans, args = residuals
        if not self.has_vjp():
            from ..transforms.derived import vjp_from_jvp
            return vjp_from_jvp(self, g, ans, args, needs, params)
        if not self.batched:
            from ..transforms.derived import per_direction_vjp
            return per_direction_vjp(self, g, ans, args, needs, params)
        if self.vjp_rule is not None:
            cts = list(self.vjp_rule(g, ans, *args, **params))
            for i, need in enumerate(needs):
                if not need:
                    cts[i] = None
        else:
            cts = [None] * len(args)
            for i, need in enumerate(needs):
                if need and self.vjps[i] is not None:
                    cts[i] = self.vjps[i](g, ans, *args, **params)
        if self.broadcasts:
            for i, c in enumerate(cts):
                if c is not None and tuple(c.shape[1:]) != shape_of(args[i]):
                    cts[i] = bind(REGISTRY["unbroadcast"], c, shape=shape_of(args[i]), lead=1)
        return cts


class ShapeOnly:
    """What a linear primitive's VJP needs of a value: its shape and dtype, not its data."""

    __slots__ = ("shape", "dtype")

    def __init__(self, value):
        self.shape = shape_of(value)
        self.dtype = dtype_of(value)

    @property
    def ndim(self):
        return len(self.shape)


def align_batched(v, ndim, lead=1):
    """Insert unit axes after the first ``lead`` (batch) axes of ``v`` until it has ``ndim``
    axes, so that NumPy's right-aligned broadcasting pairs the remaining axes correctly."""
    missing = ndim - v.ndim
    if missing <= 0:
        return v
    shape = tuple(v.shape)
    return bind(REGISTRY["reshape"], v, shape=shape[:lead] + (1,) * missing + shape[lead:])
