# Gradient accumulation over micro-batches, then clipping by the global norm.
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2)
X = torch.tensor(rng.standard_normal((32, 5)))
y = torch.tensor(rng.integers(0, 3, 32))
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.5))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
accum = 4
for step in range(6):
    opt.zero_grad()
    for xb, yb in zip(X.chunk(accum), y.chunk(accum)):
        loss = criterion(model(xb), yb) / accum
        loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    opt.step()
    print(f"step {step} grad norm {norm.item():.8f}")
with torch.no_grad():
    print("accuracy", (model(X).argmax(dim=1) == y).float().mean().item())
