# Checking a gradient against central differences, the PyTorch way: perturb a clone, no_grad, float64.
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(13)
A = torch.tensor(rng.standard_normal((4, 4)))


def f(x):
    return (torch.tanh(A @ x) ** 2).sum() + x.exp().mean() + torch.log1p(x * x).sum()


x = torch.tensor(rng.standard_normal(4), requires_grad=True)
f(x).backward()
numeric = torch.zeros(4)
h = 1e-6
with torch.no_grad():
    for i in range(4):
        e = torch.zeros(4)
        e[i] = h
        numeric[i] = (f(x + e) - f(x - e)) / (2 * h)
print("analytic", x.grad.numpy().round(8).tolist())
print("numeric ", numeric.numpy().round(6).tolist())
print("max difference below 1e-6", (x.grad - numeric).abs().max().item() < 1e-6)
