# A custom Module and Dataset, a DataLoader without shuffling, SGD with momentum.
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1)


class Points(Dataset):
    def __init__(self, n):
        self.x = torch.tensor(rng.standard_normal((n, 3)))
        self.y = (self.x[:, 0] * 2 - self.x[:, 1] + 0.5 * self.x[:, 2] ** 2).unsqueeze(1)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


net = Net()
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape))))
loader = DataLoader(Points(40), batch_size=8)
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.MSELoss()
for epoch in range(5):
    total = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    print(f"epoch {epoch} loss {total / 40:.8f}")
print("bias", net.out.bias.item())
