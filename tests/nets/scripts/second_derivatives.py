# Second derivatives the PyTorch way: autograd.grad with create_graph, a Newton step, a gradient penalty,
# a Hessian-vector product and torch.autograd.functional.hessian.
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)

# Newton's method on f(x) = x^4 - 3x^2 + x, with f' and f'' from autograd.grad
x = torch.tensor(2.0, requires_grad=True)
for step in range(6):
    f = x ** 4 - 3 * x ** 2 + x
    (df,) = torch.autograd.grad(f, x, create_graph=True)
    (d2f,) = torch.autograd.grad(df, x)
    with torch.no_grad():
        x -= df / d2f
    print(f"newton step {step}: x = {x.item():.10f}, f'(x) = {df.item():.3e}")

# A gradient penalty (WGAN-GP style) on a small critic
critic = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for p in critic.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.5))
points = torch.tensor(rng.standard_normal((16, 2)), requires_grad=True)
scores = critic(points)
(grads,) = torch.autograd.grad(scores.sum(), points, create_graph=True)
penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
critic.zero_grad()
penalty.backward()
print(f"penalty {penalty.item():.8f}")
for name, p in critic.named_parameters():
    if p.grad is not None:
        print(f"{name} grad norm {p.grad.norm().item():.8f}")

# A Hessian-vector product with respect to the parameters
params = list(critic.parameters())
loss = (critic(points.detach()) ** 2).mean()
g = torch.autograd.grad(loss, params, create_graph=True)
v = [torch.tensor(rng.standard_normal(tuple(p.shape))) for p in params]
hv = torch.autograd.grad(sum((a * b).sum() for a, b in zip(g, v)), params)
print("Hv norms", " ".join(f"{h.norm().item():.8f}" for h in hv))

# The Hessian of a small function
H = torch.autograd.functional.hessian(lambda w: (w[0] * w[1]).sin() + (w ** 3).sum(), torch.tensor([0.5, -0.3]))
print("hessian", " ".join(f"{h:.8f}" for h in H.flatten().tolist()))
