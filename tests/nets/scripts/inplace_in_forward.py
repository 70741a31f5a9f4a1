# In-place operations inside a forward pass: a residual `+=`, relu_, clamp_, and a saved tensor changed too late.
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5)
x = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
w = torch.tensor(rng.standard_normal((3, 3)), requires_grad=True)
h = x @ w
h += x  # residual
h.clamp_(max=1.5)
h.mul_(2)
h.relu_()  # last: relu_'s backward reads its output
loss = h.sum()
loss.backward()
print("x.grad", x.grad.numpy().round(8).tolist())
print("w.grad", w.grad.numpy().round(8).tolist())
a = x * 1
b = a.sigmoid()
b.add_(1)  # sigmoid's backward reads its output
try:
    b.sum().backward()
except RuntimeError as e:
    print("error:", str(e)[:72])
