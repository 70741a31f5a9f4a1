# Two moons, an MLP with device boilerplate, mini-batches in a fixed order, accuracy and the gradient norm.
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
device = "cuda" if torch.cuda.is_available() else "cpu"
rng = np.random.default_rng(8)
t = rng.uniform(0, np.pi, 100)
upper = np.c_[np.cos(t[:50]), np.sin(t[:50])]
lower = np.c_[1 - np.cos(t[50:]), 0.5 - np.sin(t[50:])]
X = torch.tensor(np.r_[upper, lower] + 0.1 * rng.standard_normal((100, 2)), device=device)
y = torch.tensor(np.r_[np.zeros(50), np.ones(50)].astype(np.int64)).to(device)
model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2)).to(device)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.4))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
order = rng.permutation(100)
for epoch in range(10):
    for i in range(0, 100, 20):
        idx = torch.tensor(order[i:i + 20])
        loss = loss_fn(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    if epoch % 3 == 0:
        with torch.no_grad():
            acc = (model(X).argmax(1) == y).float().mean().item()
        print(f"epoch {epoch} loss {loss.item():.8f} accuracy {acc:.4f}")
total = sum(p.grad.norm() ** 2 for p in model.parameters()) ** 0.5
print("last gradient norm", total.item())
