"""nets.func.staged_step: a training step staged by autodiff.jit trains exactly as the eager step does."""

import numpy as np
import pytest

import autodiff as ad
import nets
import nets.nn.functional as F
from nets import nn
from nets.func import staged_step


def _model(dtype, extra=()):
    nets.manual_seed(3)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), *extra, nn.Linear(16, 4))
    return model.double() if dtype == np.float64 else model


def _batches(dtype, n=5, size=6):
    rng = np.random.default_rng(4)
    return [(nets.from_numpy(rng.standard_normal((size, 8)).astype(dtype)), nets.from_numpy(rng.integers(0, 4, size)))
            for _ in range(n)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make_opt", [lambda p: nets.optim.SGD(p, lr=0.1, momentum=0.9),
                                      lambda p: nets.optim.Adam(p, lr=0.01)], ids=["sgd", "adam"])
def test_staged_training_equals_eager_training(dtype, make_opt):
    eager, staged = _model(dtype), _model(dtype)
    opt_e, opt_s = make_opt(eager.parameters()), make_opt(staged.parameters())
    step = staged_step(staged, F.cross_entropy)
    for x, t in _batches(dtype) * 2:
        opt_e.zero_grad()
        loss_e = F.cross_entropy(eager(x), t)
        loss_e.backward()
        opt_e.step()
        opt_s.zero_grad()
        loss_s = step(x, t)
        opt_s.step()
        assert loss_s.item() == loss_e.item()
        assert loss_s.dtype == loss_e.dtype
    for (name, a), (_, b) in zip(eager.named_parameters(), staged.named_parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)


def test_gradients_accumulate_as_backward_does():
    model = _model(np.float64)
    x, t = _batches(np.float64, n=1)[0]
    F.cross_entropy(model(x), t).backward()
    once = [p.grad.numpy().copy() for p in model.parameters()]
    staged_step(model, F.cross_entropy)(x, t)  # no zero_grad in between: added to .grad
    for p, g in zip(model.parameters(), once):
        np.testing.assert_allclose(p.grad.numpy(), 2 * g, rtol=1e-14)


def test_modes_buffers_and_dropout():
    dtype = np.float64
    x, t = _batches(dtype, n=1)[0]
    model = _model(dtype, extra=(nn.BatchNorm1d(16),))
    twin = _model(dtype, extra=(nn.BatchNorm1d(16),))
    for m in (model, twin):  # running statistics of their own, then evaluation mode, which reads them
        m(x)
        m.eval()
    step = staged_step(model, F.cross_entropy)
    for _ in range(2):
        twin.zero_grad()
        model.zero_grad()
        loss = F.cross_entropy(twin(x), t)
        loss.backward()
        assert step(x, t).item() == pytest.approx(loss.item(), rel=1e-14)
        for a, b in zip(twin.parameters(), model.parameters()):
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-12, atol=1e-15)
    model.train()  # the update of the running statistics needs the batch's values: not stageable
    with pytest.raises(TypeError, match="batch_norm"):
        step(x, t)
    dropout = _model(dtype, extra=(nn.Dropout(0.5),))
    with pytest.raises(TypeError):  # a random mask cannot be part of a program
        staged_step(dropout, F.cross_entropy)(x, t)
    dropout.eval()  # in eval mode, dropout is the identity: stageable
    assert np.isfinite(staged_step(dropout, F.cross_entropy)(x, t).item())


def test_the_staged_step_prints_as_a_trace():
    model = _model(np.float64)
    x, t = _batches(np.float64, n=1, size=3)[0]
    params = {name: p.detach().numpy() for name, p in model.named_parameters()}

    def loss_fn(params, x, t):
        return F.cross_entropy(nets.func.functional_call(model, params, (x,)), t)

    trace = ad.jit(ad.value_and_grad(loss_fn)).trace(params, x.numpy(), t.numpy())
    table = str(trace)
    assert "params[0.weight]" in table and "linear(" in table and "relu(" in table
    assert len(trace.outputs) == 1 + len(params)
