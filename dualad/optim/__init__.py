"""``dualad.optim``: optimisers and learning-rate schedulers with ``torch.optim``'s update rules,
defaults and state dicts.

::

    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)   # also optim.StepLR
    for epoch in range(n):
        for x, y in batches:
            opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
        sched.step()

Updates run in place on the parameters' arrays, through fused kernels (Cython for NumPy arrays) for
SGD, Adam(W) and RMSprop, and in NumPy for Adagrad and LBFGS.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adaptive import Adadelta, Adamax, NAdam, RAdam, Rprop
from .lbfgs import LBFGS
from .lr_scheduler import CosineAnnealingLR, StepLR
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LBFGS", "lr_scheduler",
           "StepLR", "CosineAnnealingLR", "RAdam", "NAdam", "Adamax", "Adadelta", "Rprop"]
