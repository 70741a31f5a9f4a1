# A checkpoint with torch.save / torch.load (model and optimizer state), training resumed from it.
import os
import tempfile

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(7)
X = torch.tensor(rng.standard_normal((24, 3)))
y = torch.tensor(rng.standard_normal((24, 1)))


def make():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(np.linspace(-0.5, 0.5, p.numel()).reshape(tuple(p.shape))))
    return model, torch.optim.Adam(model.parameters(), lr=0.05)


def train(model, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
    return loss.item()


model, opt = make()
print("first", train(model, opt, 5))
path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)
print("continued", train(model, opt, 5))
again, opt2 = make()
ckpt = torch.load(path)
again.load_state_dict(ckpt["model"])
opt2.load_state_dict(ckpt["optimizer"])
print("resumed", train(again, opt2, 5))
