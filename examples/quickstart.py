"""Quickstart
==========

A short tour of dualad: a gradient, a Jacobian with the mode the selector chose, a Hessian,
and a PyTorch-style backward()."""
import numpy as np

import dualad as ad
import dualad.numpy as dnp


def loss(w):
    return dnp.sum(dnp.tanh(w) ** 2) + dnp.sum(dnp.sin(w) * w)


def main():
    w = np.array([0.5, -1.0, 2.0])
    print("gradient of loss at", w, "=", ad.grad(loss)(w))

    A = np.random.default_rng(0).standard_normal((200, 3))
    model = lambda x: dnp.tanh(A @ x)                      # R^3 -> R^200: a tall Jacobian
    plan = ad.plan_jacobian(model, w)
    J = ad.jacobian(model)(w)
    print(f"Jacobian shape {J.shape}, chosen mode: {plan.mode}")
    print(plan)

    rosen = lambda x: dnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    H = ad.hessian(rosen)(np.ones(4))
    print("Hessian of Rosenbrock at the minimum:\n", H)

    x = ad.tensor(3.0, requires_grad=True)
    y = x * x + 2 * x + 1
    y.backward()
    print("PyTorch-style: d/dx (x^2 + 2x + 1) at x = 3 is", x.grad.item())


if __name__ == "__main__":
    main()
