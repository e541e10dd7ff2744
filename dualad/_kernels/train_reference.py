"""NumPy references of the training kernels in ``_train.pyx`` (same names, same results).

* ``softmax_xent_fwd(z, labels)``: softmax cross-entropy of logits ``z`` ``(n, c)`` against
  integer ``labels`` ``(n,)`` and its gradient, ``(loss (n,), softmax(z) - onehot(labels))``.
* ``relu(x)`` and ``relu_bwd(g, y)``: ReLU, and its backward from the saved output ``y``
  (``g * (y > 0)``, with ``g`` carrying leading batch axes).
* ``sgd_update``, ``adam_update``, ``rmsprop_update``: one optimiser step on a parameter array,
  in place, following ``torch.optim``'s update rules; the state arrays are updated in place too.

The optimiser references work on any array module with in-place operators (CuPy included), and
serve whenever the compiled kernels do not apply.
"""
import numpy as np

from .backend import array_module


def softmax_xent_fwd(z, labels):
    m = z.max(axis=-1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=-1, keepdims=True)
    rows = array_module(z).arange(z.shape[0])
    loss = np.log(s[:, 0]) + (m[:, 0] - z[rows, labels])
    d = e / s
    d[rows, labels] -= 1
    return loss, d


def relu(x):
    return np.maximum(x, 0)


def relu_bwd(g, y):
    return g * (y > 0)


def sgd_update(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first):
    """``buf`` (the momentum buffer) is ignored when ``momentum`` is 0; ``first`` marks the
    first step, where PyTorch sets the buffer to the gradient itself."""
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        if first:
            buf[...] = g
        else:
            buf *= momentum
            buf += (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    p -= lr * g


def adam_update(p, g, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
                step):
    """Adam (``decoupled=False``: L2 penalty added to the gradient) or AdamW (``decoupled``:
    the parameter decays by ``lr * weight_decay`` first); ``step`` counts from 1."""
    if weight_decay:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * p
    exp_avg *= beta1
    exp_avg += (1 - beta1) * g
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g
    step_size = lr / (1 - beta1 ** step)
    denom = np.sqrt(exp_avg_sq) / np.sqrt(1 - beta2 ** step) + eps
    p -= step_size * exp_avg / denom


def rmsprop_update(p, g, square_avg, grad_avg, buf, lr, alpha, eps, weight_decay, momentum,
                   centered):
    """``grad_avg`` is used only when ``centered``, ``buf`` only when ``momentum`` is not 0."""
    if weight_decay:
        g = g + weight_decay * p
    square_avg *= alpha
    square_avg += (1 - alpha) * g * g
    if centered:
        grad_avg *= alpha
        grad_avg += (1 - alpha) * g
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    if momentum:
        buf *= momentum
        buf += g / avg
        p -= lr * buf
    else:
        p -= lr * g / avg
