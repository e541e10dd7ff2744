"""Linear regression, PyTorch style
================================

Linear regression as in the PyTorch tutorials: learn w in y = w x from data made with w = 2,
by gradient descent with ``optim.SGD`` and then with ``optim.Adam``; both converge to 2.0.

    python examples/linear_regression.py
"""
import numpy as np

import dualad as ad
from dualad import nn, optim


def fit(make_optimizer, steps):
    x = np.linspace(-1.0, 1.0, 20)
    y = 2.0 * x
    w = ad.tensor(0.0, requires_grad=True)
    opt = make_optimizer([w])
    for step in range(1, steps + 1):
        loss = nn.functional.mse_loss(w * x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % (steps // 5) == 0:
            print(f"  step {step:4d}: w = {w.item():.6f}, loss = {loss.item():.3e}")
    return w.item()


def main():
    print("SGD, lr 0.5:")
    w_sgd = fit(lambda params: optim.SGD(params, lr=0.5), steps=100)
    print("Adam, lr 0.1:")
    w_adam = fit(lambda params: optim.Adam(params, lr=0.1), steps=300)
    print(f"learnt w: SGD {w_sgd:.6f}, Adam {w_adam:.6f} (true value 2.0)")
    return w_sgd, w_adam


if __name__ == "__main__":
    main()
