# Softmax regression written with log_softmax and nll_loss, SGD with weight decay, a confusion count.
import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(12)
centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
y = torch.tensor(np.repeat(np.arange(3), 15))
X = torch.tensor(centers[y.numpy()] + rng.standard_normal((45, 2)))
W = torch.zeros(2, 3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
opt = torch.optim.SGD([W, b], lr=0.2, weight_decay=1e-3)
for epoch in range(30):
    logp = F.log_softmax(X @ W + b, dim=1)
    loss = F.nll_loss(logp, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 10 == 0:
        print(f"epoch {epoch} loss {loss.item():.8f}")
pred = (X @ W + b).argmax(dim=1)
confusion = torch.zeros(3, 3, dtype=torch.long)
for t, p in zip(y.tolist(), pred.tolist()):
    confusion[t, p] += 1
print("confusion", confusion.tolist())
print("W", W.detach().numpy().round(8).tolist())
