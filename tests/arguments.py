"""Helpers shared by the tests of functions of several arguments."""


def partial(f, args, wrt):
    """``f`` as a function of the arguments at positions ``wrt``, the others fixed at ``args``."""
    def g(*moving):
        full = list(args)
        for i, v in zip(wrt, moving):
            full[i] = v
        return f(*full)
    return g
