# A bag-of-words classifier: nn.Embedding with a padding index, mean over tokens, a linear head.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(9)
tokens = torch.tensor(rng.integers(1, 12, (16, 5)))
tokens[:, 3:] = 0  # padding
labels = (tokens[:, 0] > 6).long()


class BagOfWords(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 4, padding_idx=0)
        self.head = nn.Linear(4, 2)

    def forward(self, t):
        mask = (t != 0).unsqueeze(-1).double()
        return self.head((self.emb(t) * mask).sum(1) / mask.sum(1))


model = BagOfWords()
with torch.no_grad():
    model.emb.weight.copy_(torch.tensor(rng.standard_normal((12, 4))))
    model.emb.weight[0].zero_()
    model.head.weight.copy_(torch.tensor(rng.standard_normal((2, 4)) * 0.3))
    model.head.bias.zero_()
opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
for _ in range(20):
    opt.zero_grad()
    loss = F.cross_entropy(model(tokens), labels)
    loss.backward()
    opt.step()
print("loss", loss.item())
print("padding row gradient", model.emb.weight.grad[0].abs().sum().item())
print("padding row", model.emb.weight[0].detach().numpy().tolist())
