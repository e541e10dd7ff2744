"""``dualad.nn``: layers, losses and the ``Module`` base class, in PyTorch's style.

::

    from dualad import nn, optim
    nn.manual_seed(0)                                   # seeds initialisation and dropout
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()

The same model is usable functionally through ``nn.functional_call(model, params, x)`` with
``params = model.state_dict()`` (a dict of arrays), e.g. under ``ad.value_and_grad``.
"""
from . import functional, init  # noqa: F401
from .init import manual_seed
from .layers import (BCEWithLogitsLoss, CrossEntropyLoss, Dropout, Flatten, Identity, Linear,
                     LogSoftmax, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .module import Module, Parameter, functional_call

__all__ = ["Module", "Parameter", "functional_call", "manual_seed", "functional", "init",
           "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax",
           "Identity", "Flatten", "Dropout", "CrossEntropyLoss", "NLLLoss", "MSELoss",
           "BCEWithLogitsLoss"]
