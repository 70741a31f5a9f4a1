# dtype habits: float32 by default, casts that convert, promotion in arithmetic, the matmul dtype error.
import numpy as np
import torch

a = torch.tensor([1.5, 2.5])
b = torch.tensor([1, 2])
print("defaults", a.dtype == torch.float32, b.dtype == torch.int64, torch.Tensor([1, 2]).dtype == torch.float)
print("casts", a.double().dtype == torch.float64, b.to(torch.float64).dtype == torch.double,
      a.type(torch.float64).dtype == torch.float64, b.float().dtype == torch.float32)
print("promotion", (a.double() * a).dtype == torch.float64, (b * 1.5).dtype == torch.float32,
      (b + b).dtype == torch.long)
x = torch.tensor(np.arange(6.0).reshape(2, 3))  # float64 from numpy
w = torch.ones(3, 2)  # float32
try:
    x @ w
except RuntimeError as e:
    print("error:", e)
print("fixed", (x.float() @ w).sum().item(), (x @ w.double()).dtype == torch.float64)
layer = torch.nn.Linear(3, 2)
try:
    layer(x)
except RuntimeError as e:
    print("error:", e)
print("converted layer", layer.double()(x).dtype == torch.float64)
