# A cubic fitted by hand-written gradient descent: the textbook `w -= lr * w.grad` under no_grad.
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
x = torch.tensor(rng.uniform(-1, 1, 64))
y = 0.5 - 1.5 * x + 0.8 * x**3 + 0.05 * torch.tensor(rng.standard_normal(64))

w = torch.zeros(4, requires_grad=True)
features = torch.stack([x**k for k in range(4)], dim=1)
lr = 0.3
for step in range(200):
    pred = features @ w
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        w.grad.zero_()
    if step % 50 == 0:
        print(f"step {step} loss {loss.item():.8f}")
print("weights", w.detach().numpy().round(8).tolist())
print("version", w._version)
