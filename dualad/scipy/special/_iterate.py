"""Running a vectorised recurrence until each element has converged, on the unconverged elements
only (the series and continued fractions behind the shape-parameter derivatives)."""
import numpy as np

MAX_TERMS = 100000


def until_converged(state, step):
    """Iterate ``state, done = step(n, state)`` for n = 1, 2, ... .

    ``state`` is a tuple of arrays holding one element per position of their last axis
    (parameters the step only reads go in it too). An element is frozen, with the state of the
    step that declared it ``done``, and dropped from later steps, so each costs only its own
    number of terms. Returns the final state of every element, in the original order.
    """
    result = [np.array(s, copy=True) for s in state]
    index = np.arange(np.shape(state[0])[-1])
    for n in range(1, MAX_TERMS):
        state, done = step(n, state)
        if done.any():
            for r, s in zip(result, state):
                r[..., index[done]] = s[..., done]
            keep = ~done
            index = index[keep]
            state = tuple(s[..., keep] for s in state)
            if index.size == 0:
                return result
    for r, s in zip(result, state):
        r[..., index] = s
    return result
