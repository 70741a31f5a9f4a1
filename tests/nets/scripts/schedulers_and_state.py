# Learning-rate schedules, and a model's state saved into a second one.
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)
X = torch.tensor(rng.standard_normal((20, 2)))
y = X @ torch.tensor([[1.5], [-0.5]]) + 0.25
model = nn.Linear(2, 1)
with torch.no_grad():
    model.weight.fill_(0.1)
    model.bias.zero_()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
for epoch in range(8):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
    sched.step()
    print(f"epoch {epoch} lr {sched.get_last_lr()[0]:.6f} loss {loss.item():.8f}")
copy = nn.Linear(2, 1)
copy.load_state_dict(model.state_dict())
print("same prediction", torch.allclose(copy(X), model(X)))
state = {k: v.clone() for k, v in model.state_dict().items()}
with torch.no_grad():
    model.weight.mul_(0)
print("snapshot kept", state["weight"].abs().sum().item() > 0, model.weight.abs().sum().item())
