"""``dualad.nn``: layers, losses and the ``Module`` base class, in PyTorch's style.

::

    from dualad import nn, optim
    nn.manual_seed(0)                                   # seeds initialisation and dropout
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()

The same model is usable functionally through ``nn.functional_call(model, params, x)`` with
``params = model.state_dict()`` (a dict of detached tensors), e.g. under ``ad.value_and_grad``.

Parameter shapes, default initialisation and state-dict keys are PyTorch's, so that weights
move across by ``load_state_dict``. Layers are float32 by default and refuse input of another
dtype, as PyTorch's do.
"""
from . import functional, init, utils  # noqa: F401
from .attention import MultiheadAttention
from .containers import ModuleDict, ModuleList
from .conv import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, Conv1d, Conv2d,
                   MaxPool1d, MaxPool2d)
from .init import manual_seed
from .layers import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Dropout, ELU, Embedding,
                     Flatten, GELU, HuberLoss, Identity, KLDivLoss, L1Loss, LeakyReLU, Linear,
                     LogSoftmax, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid, SiLU,
                     SmoothL1Loss, Softmax, Softplus, Tanh)
from .module import Module, Parameter, functional_call
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .recurrent import GRU, LSTM, RNN
from . import more_layers, upsampling
from .cells import GRUCell, LSTMCell, RNNCell
from .more_layers import *  # noqa: F401,F403  (activations, norms, losses: its __all__)
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)
from .upsampling import *  # noqa: F401,F403  (transposed convolutions, Upsample, padding)

__all__ = ["Module", "Parameter", "functional_call", "manual_seed", "functional", "init",
           "utils", "Sequential", "ModuleList", "ModuleDict", "Linear", "Identity", "Flatten",
           "Dropout", "Embedding", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d",
           "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "BatchNorm1d",
           "BatchNorm2d", "LayerNorm", "RNN", "LSTM", "GRU", "MultiheadAttention",
           "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Tanh", "Sigmoid", "Softmax",
           "LogSoftmax", "Softplus",
           "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
           "RNNCell", "LSTMCell", "GRUCell", "Transformer", "TransformerEncoder",
           "TransformerEncoderLayer", "TransformerDecoder", "TransformerDecoderLayer"]
__all__ += more_layers.__all__ + upsampling.__all__
