# BatchNorm and Dropout in eval mode, initialization by nn.init, device boilerplate, a second backward refused.
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
rng = np.random.default_rng(4)
X = torch.tensor(rng.standard_normal((16, 4))).to(device)
model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(inplace=True), nn.Dropout(0.3),
                      nn.Linear(6, 1)).to(device)
for m in model.modules():
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.2)
        nn.init.zeros_(m.bias)
with torch.no_grad():
    model[0].weight.add_(torch.tensor(rng.standard_normal((6, 4)) * 0.1))
model.train()
h = model[1](model[0](X))  # batch statistics, moves the running ones
print("running mean", model[1].running_mean.numpy().round(8).tolist())
model.eval()
out = model(X)
loss = out.pow(2).mean()
loss.backward()
print("loss", loss.item())
print("grad norm", model[0].weight.grad.norm().item())
try:
    loss.backward()
except RuntimeError as e:
    print("second backward:", str(e).split(" (")[0])
