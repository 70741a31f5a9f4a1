# Logistic regression with BCEWithLogits on a fixed two-class problem, accuracy at the end.
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(6)
X = torch.tensor(np.concatenate([rng.normal(-1, 1, (30, 2)), rng.normal(1, 1, (30, 2))]))
y = torch.tensor(np.r_[np.zeros(30), np.ones(30)]).unsqueeze(1)
model = nn.Linear(2, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, -0.1]]))
    model.bias.fill_(0.0)
opt = torch.optim.Adam(model.parameters(), lr=0.1)
for step in range(50):
    opt.zero_grad()
    loss = nn.BCEWithLogitsLoss()(model(X), y)
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"step {step + 1} loss {loss.item():.8f}")
with torch.no_grad():
    pred = (torch.sigmoid(model(X)) > 0.5).double()
print("accuracy", (pred == y).double().mean().item())
print("weight", model.weight.detach().numpy().round(8).tolist())
