# A small transformer-style block: LayerNorm, GELU, a residual, AdamW with a cosine schedule.
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(11)
X = torch.tensor(rng.standard_normal((12, 6)))
target = torch.tensor(rng.standard_normal((12, 6)))


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        out = self.ff(self.norm(x))
        out += x  # in place, on a fresh tensor
        return out


block = Block(6)
with torch.no_grad():
    for name, p in block.named_parameters():
        if name.startswith("ff"):  # (LayerNorm keeps its ones and zeros)
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.2))
opt = torch.optim.AdamW(block.parameters(), lr=0.01, weight_decay=0.05)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
for step in range(10):
    opt.zero_grad()
    loss = (block(X) - target).pow(2).mean()
    loss.backward()
    opt.step()
    sched.step()
    print(f"step {step} loss {loss.item():.8f} lr {opt.param_groups[0]['lr']:.8f}")
