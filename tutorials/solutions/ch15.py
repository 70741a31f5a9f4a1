"""Chapter 15 · From eager to staged: solutions."""

import numpy as np

import autodiff as ad
import nets
from autodiff import staging
from nets import nn, optim
from nets.data import load_digits
from nets.func import functional_call
from nets.nn import functional as F


def h(x):
    return x * ad.sin(x)


def exercise_1():
    """Warm-up: the rows of the staged derivative of h(x) = x·sin x at x = 1, raw and simplified."""
    raw = ad.jit(ad.grad(h), optimize=False).program(1.0)
    return len(raw), len(staging.simplify(raw))


def check_1(counts):
    raw_rows, simplified_rows = counts
    raw = ad.jit(ad.grad(h), optimize=False).program(1.0)
    assert raw_rows == len(raw) == 7, "sin, the product, cos, two adjoint terms, their sum and two 1·v rows"
    assert simplified_rows == len(staging.simplify(raw)) == 5, "the seed ȳ = 1 meets both factors: two 1·v rows"


def square_of_sin(x):
    return ad.sin(x) * ad.sin(x)


def _key(a):
    """A hashable stand-in for an operand or a parameter: a variable by identity, a number by value, anything
    else (an array) by identity, which is safe: two different array objects are simply never merged."""
    if isinstance(a, staging.Var):
        return ("var", id(a))
    if isinstance(a, (bool, int, float, str)) or a is None:
        return (type(a).__name__, a)
    if isinstance(a, tuple):
        return ("tuple", tuple(_key(i) for i in a))
    return ("object", id(a))


def eliminate_common_subexpressions(program):
    """One pass forwards: a row equal to an earlier one (same primitive, parameters and operands, after the
    earlier replacements) is dropped, and later rows and the outputs read the earlier row's variable."""
    replace, seen, eqns = {}, {}, []

    def sub(a):
        if isinstance(a, staging.Var):
            return replace.get(a, a)
        if isinstance(a, tuple):
            return tuple(sub(i) for i in a)
        return a

    for e in program.eqns:
        args = tuple(sub(a) for a in e.args)
        params = {k: sub(v) for k, v in e.params.items()}
        key = (e.prim.name, tuple(_key(a) for a in args), tuple(sorted((k, _key(v)) for k, v in params.items())))
        if key in seen:
            replace[e.out] = seen[key]
            continue
        seen[key] = e.out
        eqns.append(staging.Eqn(e.prim, args, params, e.out))
    return staging.Program(program.inputs, eqns, [sub(o) for o in program.outputs], program.closure)


def without_cse(f):
    """The staged derivative of ``f`` after the library's other passes (simplification, dead code)."""
    raw = ad.jit(ad.grad(f), optimize=False).program(1.0)
    return staging.eliminate_dead_code(staging.simplify(raw))


def exercise_2():
    """Practice: common-subexpression elimination on the staged derivative of sin(x)·sin(x)."""
    return eliminate_common_subexpressions(without_cse(square_of_sin))


def check_2(program):
    before = without_cse(square_of_sin)
    assert isinstance(program, staging.Program)
    assert len(before) == 7
    assert len(program) == 4, f"{len(program)} rows: sin, cos, sin·cos and its double (the two products are one)"
    text = str(program)
    assert text.count("sin(") == 1 and text.count("cos(") == 1
    for x in np.linspace(-3, 3, 7):
        ours, theirs = staging.Runner(program)([x]), staging.Runner(before)([x])
        assert ours == theirs, (x, ours, theirs)                               # bit for bit
        assert abs(ours[0] - np.sin(2 * x)) < 1e-15                             # d/dx sin² x = sin 2x
    assert str(program) == str(staging.eliminate_common_subexpressions(before))  # the library's pass agrees


LR, MOMENTUM, BATCH, STEPS = 0.1, 0.9, 32, 5


def _digits():
    X, labels = load_digits(return_X_y=True)
    X = ((X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)).astype(np.float32)
    return X, labels, np.eye(10, dtype=np.float32)[labels]


def _model():
    nets.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def exercise_3():
    """Challenge: the whole step staged, momentum update included; the parameters after STEPS steps."""
    X, _, Y = _digits()
    model = _model()

    def loss_fn(params, x, y):
        return F.cross_entropy(functional_call(model, params, (x,)), y)

    value_and_grad = ad.value_and_grad(loss_fn)

    def train_step(params, buffers, x, y):
        loss, grads = value_and_grad(params, x, y)
        new_buffers = {k: MOMENTUM * buffers[k] + grads[k] for k in params}
        new_params = {k: params[k] - LR * new_buffers[k] for k in params}
        return loss, new_params, new_buffers

    step = ad.jit(train_step)
    params = {k: p.detach().numpy().copy() for k, p in model.named_parameters()}
    buffers = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(STEPS):
        _, params, buffers = step(params, buffers, X[i * BATCH:(i + 1) * BATCH], Y[i * BATCH:(i + 1) * BATCH])
    return params


def check_3(params):
    X, labels, _ = _digits()
    model = _model()
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    for i in range(STEPS):
        opt.zero_grad()
        rows = slice(i * BATCH, (i + 1) * BATCH)
        F.cross_entropy(model(nets.tensor(X[rows])), nets.tensor(labels[rows])).backward()
        opt.step()
    expected = dict(model.named_parameters())
    assert set(params) == set(expected)
    for k, p in expected.items():
        assert params[k].shape == tuple(p.shape)
        assert np.allclose(params[k], p.detach().numpy(), atol=1e-6), k
    assert not np.allclose(params["0.weight"], _model()[0].weight.detach().numpy()), "the weights must move"
