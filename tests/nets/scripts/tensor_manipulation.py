# Everyday tensor functions: sizes, sort, topk, gather, cumsum, norms, where, chunk, repeat, new tensors.
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(10)
x = torch.tensor(rng.standard_normal((3, 4)), requires_grad=True)
print("size", list(x.size()), x.size(1), x.numel(), x.dim())
values, idx = x.sort(dim=1, descending=True)
print("sorted", values.detach().numpy().round(8).tolist(), idx.tolist())
top, where = torch.topk(x, 2, dim=0)
print("topk", top.detach().numpy().round(8).tolist(), where.tolist())
picked = x.gather(1, torch.tensor([[0], [2], [3]]))
running = torch.cumsum(x, dim=1)
print("norms", x.norm().item(), torch.linalg.norm(x, dim=0).detach().numpy().round(8).tolist())
total = picked.sum() + running.prod() + x.norm(p=1) + torch.where(x > 0, x, torch.zeros_like(x)).sum()
total.backward()
print("grad", x.grad.numpy().round(8).tolist())
a, b = x.detach().chunk(2, dim=1)
print("chunks", list(a.shape), list(b.shape), list(x.detach().repeat(2, 1).shape))
print("new", x.new_zeros(2).tolist(), x.new_ones(1, 2).dtype == x.dtype, torch.isfinite(x).all().item())
print("rows above zero", torch.where(x.detach() > 0.5)[0].tolist())
print("signs", x.detach().sign().sum().item(), x.detach().round(decimals=1).sum().item())
