"""dualad.nn's Module API as PyTorch's: containers (ModuleList, ModuleDict), Parameter, buffers,
apply / to / children, state dicts with buffers, and the dtype check of layers."""
import numpy as np
import pytest

import dualad as ad
from dualad import nn, optim

R = np.random.default_rng(0)


class Stack(nn.Module):
    def __init__(self, n=3):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(n)])
        self.plain = [nn.Linear(4, 4)]                  # a plain list: ignored, as in PyTorch
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 1)})
        self.register_buffer("scale", np.full(4, 2.0, np.float32))
        self.register_buffer("scratch", np.zeros(1, np.float32), persistent=False)

    def forward(self, x):
        for layer in self.layers:
            x = ad.numpy.tanh(layer(x)) * self.scale
        return self.heads["a"](x)


def test_module_list_registers_its_layers_and_a_plain_list_does_not():
    net = Stack()
    names = [n for n, _ in net.named_parameters()]
    assert names[:6] == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                         "layers.1.bias", "layers.2.weight", "layers.2.bias"]
    assert "plain.0.weight" not in names and not any(n.startswith("plain") for n in names)
    assert names[6:] == ["heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias"]
    assert len(net.layers) == 3 and isinstance(net.layers[-1], nn.Linear)
    assert len(net.layers[1:]) == 2 and isinstance(net.layers[1:], nn.ModuleList)
    net.layers.append(nn.Linear(4, 4))
    assert len(list(net.parameters())) == 12
    assert list(net.heads.keys()) == ["a", "b"] and "a" in net.heads
    with pytest.raises(IndexError, match="out of range"):
        net.layers[7]
    with pytest.raises(TypeError, match="expected an nn.Module"):
        net.layers.append(3)


def test_module_list_parameters_are_trained():
    nn.manual_seed(0)
    net = Stack()
    opt = optim.SGD(net.parameters(), lr=0.1)
    x = R.standard_normal((8, 4)).astype(np.float32)
    before = [p.detach().numpy().copy() for p in net.layers.parameters()]
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.layers.parameters())
    opt.step()
    after = [p.detach().numpy() for p in net.layers.parameters()]
    assert all(np.any(a != b) for a, b in zip(after, before))


def test_parameter_is_a_tensor_and_isinstance_works():
    p = nn.Parameter(np.ones(3, np.float32))
    assert isinstance(p, nn.Parameter) and isinstance(p, ad.Tensor)
    assert p.requires_grad and p.is_leaf and p.dtype == np.float32
    assert not isinstance(ad.tensor(np.ones(3)), nn.Parameter)
    frozen = nn.Parameter(np.ones(2), requires_grad=False)
    m = nn.Module()
    m.w = frozen
    assert [n for n, _ in m.named_parameters()] == ["w"]


def test_buffers_state_dict_and_load():
    nn.manual_seed(1)
    a, b = Stack(), Stack()
    state = a.state_dict()
    assert "scale" in state and "scratch" not in state            # non-persistent left out
    assert [n for n, _ in a.named_buffers()] == ["scale", "scratch"]
    assert all(not t.requires_grad for t in a.buffers())
    raw = state["scale"]
    raw[:] = 5.0
    b.load_state_dict(state)
    np.testing.assert_array_equal(b.scale.numpy(), 5.0)
    x = R.standard_normal((2, 4)).astype(np.float32)
    a.scale = np.full(4, 5.0, np.float32)                           # assigning keeps a buffer
    assert "scale" in dict(a.named_buffers())
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def test_children_modules_apply_and_zero_grad():
    net = Stack(2)
    assert [type(c).__name__ for c in net.children()] == ["ModuleList", "ModuleDict"]
    assert sum(isinstance(m, nn.Linear) for m in net.modules()) == 4
    seen = []

    def init_weights(m):
        seen.append(type(m).__name__)
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
            nn.init.xavier_uniform_(m.weight)

    assert net.apply(init_weights) is net
    assert seen[-1] == "Stack" and seen.count("Linear") == 4
    assert all(np.all(m.bias.detach().numpy() == 0) for m in net.modules()
               if isinstance(m, nn.Linear))
    net(np.ones((1, 4), np.float32)).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_casts_parameters_and_buffers_in_place():
    net = Stack(1)
    w = net.layers[0].weight
    opt = optim.SGD(net.parameters(), lr=0.1)
    assert net.double() is net
    assert net.layers[0].weight is w and w.dtype == np.float64 and net.scale.dtype == np.float64
    net(np.ones((2, 4))).sum().backward()                          # float64 now accepted
    opt.step()
    assert w.dtype == np.float64
    net.to(np.float32)
    assert w.dtype == np.float32
    assert net.to("cpu") is net
    with pytest.raises(RuntimeError, match="CPU"):
        net.to("cuda")


def test_a_float32_layer_refuses_float64_input_as_pytorch():
    nn.manual_seed(0)
    with pytest.raises(RuntimeError, match="must be the same"):
        nn.Linear(3, 2)(np.ones((1, 3)))
    with pytest.raises(RuntimeError, match="must be the same"):
        nn.Conv2d(1, 2, 3)(np.ones((1, 1, 5, 5)))
    with pytest.raises(RuntimeError, match="must be the same"):
        nn.LSTM(3, 2)(np.ones((4, 1, 3)))
    assert nn.Linear(3, 2)(np.ones((1, 3), np.float32)).dtype == np.float32


def test_load_state_dict_accepts_tensors():
    nn.manual_seed(0)
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    b.load_state_dict({k: ad.tensor(v) for k, v in a.state_dict().items()})
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())


def test_sequential_with_module_list_inside_and_requires_grad_():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_(True)
    assert all(p.requires_grad for p in model.parameters())
