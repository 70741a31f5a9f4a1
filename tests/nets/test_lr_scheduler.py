"""Each schedule's learning-rate sequence against its formula, written out here."""

import math

import numpy as np
import pytest

import nets
from nets.optim import SGD, Adam
from nets.optim import lr_scheduler as S

BASE = 0.1


def make_opt(lr=BASE, **kw):
    return SGD([nets.tensor([1.0], requires_grad=True)], lr=lr, **kw)


def sequence(sched, n):
    """The rate used by each of n periods: read, then optimizer.step(), then scheduler.step()."""
    out = []
    for _ in range(n):
        out.append(sched.get_last_lr()[0])
        assert sched.optimizer.param_groups[0]["lr"] == out[-1]
        sched.optimizer.step()
        sched.step()
    return np.array(out)


def check(seq, expected):
    np.testing.assert_allclose(seq, expected, rtol=1e-12, atol=1e-15)


T = np.arange(30)


def test_lambda_lr():
    opt = make_opt()
    check(sequence(S.LambdaLR(opt, lambda t: 1 / (1 + 0.5 * t)), 30), BASE / (1 + 0.5 * T))


def test_lambda_lr_per_group_and_errors():
    opt = SGD([{"params": [nets.tensor([1.0], requires_grad=True)]},
               {"params": [nets.tensor([1.0], requires_grad=True)], "lr": 1.0}], lr=0.1)
    s = S.LambdaLR(opt, [lambda t: 0.5 ** t, lambda t: t + 1])
    s.step()
    s.step()
    assert s.get_last_lr() == [0.1 * 0.25, 3.0]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(opt, [lambda t: 1])


def test_multiplicative_lr():
    check(sequence(S.MultiplicativeLR(make_opt(), lambda t: 0.9), 30), BASE * 0.9 ** T)


def test_step_lr():
    check(sequence(S.StepLR(make_opt(), step_size=4, gamma=0.5), 30), BASE * 0.5 ** (T // 4))
    check(sequence(S.StepLR(make_opt(), step_size=3), 30), BASE * 0.1 ** (T // 3))


def test_multistep_lr():
    expected = BASE * 0.3 ** np.array([sum(t >= m for m in (5, 12, 12, 20)) for t in T])
    check(sequence(S.MultiStepLR(make_opt(), milestones=[5, 12, 20, 12], gamma=0.3), 30), expected)


def test_constant_lr():
    check(sequence(S.ConstantLR(make_opt(), factor=0.5, total_iters=4), 30), BASE * np.where(T < 4, 0.5, 1.0))
    check(sequence(S.ConstantLR(make_opt()), 10), BASE * np.where(T[:10] < 5, 1 / 3, 1.0))


def test_exponential_lr():
    check(sequence(S.ExponentialLR(make_opt(), gamma=0.9), 30), BASE * 0.9 ** T)


@pytest.mark.parametrize("start, end, total", [(1 / 3, 1.0, 5), (0.1, 1.0, 10), (1.0, 0.2, 8), (0.5, 0.0, 6)])
def test_linear_lr(start, end, total):
    expected = BASE * (start + (end - start) * np.minimum(T, total) / total)
    check(sequence(S.LinearLR(make_opt(), start, end, total), 30), expected)


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial_lr(power):
    expected = BASE * (1 - np.minimum(T, 12) / 12) ** power
    check(sequence(S.PolynomialLR(make_opt(), total_iters=12, power=power), 30), expected)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_lr(eta_min):
    t = np.arange(21)  # one half-period and back up
    expected = eta_min + 0.5 * (BASE - eta_min) * (1 + np.cos(np.pi * t / 10))
    check(sequence(S.CosineAnnealingLR(make_opt(), T_max=10, eta_min=eta_min), 21), expected)


def test_sequential_warmup_then_cosine_to_ten_percent():
    """Linear warm-up over 5 periods, then cosine decay to 10 % of the peak over 20, then held (GPT-3 style
    with a plateau: the cosine sequence is continued only up to T_max here)."""
    opt = make_opt()
    warm = S.LinearLR(opt, start_factor=0.01, end_factor=1.0, total_iters=5)
    cos = S.CosineAnnealingLR(opt, T_max=20, eta_min=0.1 * BASE)
    seq = sequence(S.SequentialLR(opt, [warm, cos], milestones=[5]), 26)
    t = np.arange(26)
    warmup = BASE * (0.01 + 0.99 * t / 5)
    decay = 0.1 * BASE + 0.5 * 0.9 * BASE * (1 + np.cos(np.pi * (t - 5) / 20))
    check(seq, np.where(t < 5, warmup, decay))


def test_sequential_three_stages_and_errors():
    opt = make_opt()
    s = S.SequentialLR(opt, [S.ConstantLR(opt, 0.5, 100), S.ExponentialLR(opt, 0.5), S.StepLR(opt, 2, 0.1)],
                       milestones=[3, 6])
    expected = [0.05, 0.05, 0.05, 0.1, 0.05, 0.025, 0.1, 0.1, 0.01, 0.01]
    check(sequence(s, 10), expected)
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        S.SequentialLR(opt, [S.ExponentialLR(opt, 0.5)], milestones=[3])
    with pytest.raises(ValueError, match="same optimizer"):
        S.SequentialLR(opt, [S.ExponentialLR(make_opt(), 0.5)], milestones=[])


def test_reduce_lr_on_plateau():
    opt = make_opt(lr=1.0)
    s = S.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=0.2)
    losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    lrs = []
    for v in losses:
        s.step(v)
        lrs.append(s.get_last_lr()[0])
    # Best is 0.9 after step 2; 3 bad epochs (> patience 2) at step 5 halve the rate; a 1-epoch cooldown
    # then discards a bad epoch, so the next 3 bad epochs end at step 9; min_lr floors the third cut.
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    for _ in range(8):
        s.step(0.9)
    assert s.get_last_lr() == [0.2]


def test_reduce_lr_on_plateau_thresholds_and_max_mode():
    s = S.ReduceLROnPlateau(make_opt(lr=1.0), mode="max", patience=0, threshold=0.1, threshold_mode="abs")
    s.step(1.0)
    s.step(1.05)  # not better by more than 0.1: a bad epoch beyond patience 0
    assert s.get_last_lr() == [0.1]
    s = S.ReduceLROnPlateau(make_opt(lr=1.0), patience=0, threshold=0.1)  # rel: below best·0.9
    s.step(1.0)
    s.step(0.95)
    assert s.get_last_lr() == [0.1]
    for bad in (dict(factor=1.0), dict(mode="up"), dict(threshold_mode="pct")):
        with pytest.raises(ValueError):
            S.ReduceLROnPlateau(make_opt(), **bad)


def onecycle_reference(n, max_lr, pct, div, final_div, strategy, three_phase):
    lo, hi = max_lr / div, max_lr
    end = lo / final_div
    anneal = ((lambda a, b, p: b + (a - b) / 2 * (math.cos(math.pi * p) + 1)) if strategy == "cos"
              else (lambda a, b, p: (b - a) * p + a))
    up = pct * n - 1
    phases = ([(up, lo, hi), (2 * pct * n - 2, hi, lo), (n - 1, lo, end)] if three_phase
              else [(up, lo, hi), (n - 1, hi, end)])
    out = []
    for t in range(n):
        start = 0.0
        for i, (stop, a, b) in enumerate(phases):
            if t <= stop or i == len(phases) - 1:
                out.append(anneal(a, b, (t - start) / (stop - start)))
                break
            start = stop
    return np.array(out)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_lr(strategy, three_phase):
    opt = make_opt(momentum=0.9)
    s = S.OneCycleLR(opt, max_lr=1.0, total_steps=40, anneal_strategy=strategy, three_phase=three_phase)
    check(sequence(s, 40), onecycle_reference(40, 1.0, 0.3, 25.0, 1e4, strategy, three_phase))
    with pytest.raises(ValueError, match="Tried to step 41 times"):
        s.step()


def test_one_cycle_momentum_and_adam_beta1():
    opt = make_opt(momentum=0.9)
    S.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=10)
    assert opt.param_groups[0]["momentum"] == 0.95  # starts at max_momentum while the rate is lowest
    adam = Adam([nets.tensor([1.0], requires_grad=True)])
    s = S.OneCycleLR(adam, max_lr=0.01, total_steps=10, pct_start=0.5)
    for _ in range(4):
        adam.step()
        s.step()
    assert adam.param_groups[0]["betas"] == (pytest.approx(0.85), 0.999)  # at the peak: base_momentum
    with pytest.raises(ValueError, match="total_steps OR"):
        S.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="support momentum"):
        from nets.optim import Adagrad
        S.OneCycleLR(Adagrad([nets.tensor([1.0], requires_grad=True)]), max_lr=1.0, total_steps=5)


# -- the course's schedules ----------------------------------------------------------------------------

def test_course_linear_schedule_holds_after_k():
    K, final = 10, 0.01
    expected = np.where(T <= K, (1 - T / K) * BASE + (T / K) * final, final)
    check(sequence(S.LinearInterpolationLR(make_opt(), final_lr=final, total_iters=K), 30), expected)
    # The same as PyTorch's LinearLR with start_factor 1 and end_factor η_K/η₀.
    check(sequence(S.LinearLR(make_opt(), 1.0, final / BASE, K), 30), expected)


def test_course_power_schedule():
    check(sequence(S.PowerLR(make_opt(), c=-0.5, s=4.0), 30), BASE * (1 + T / 4.0) ** -0.5)
    # c = −1, s = 1/decay is the dojo's lr/(1 + decay·epoch).
    check(sequence(S.PowerLR(make_opt(), c=-1, s=1 / 0.1), 30), BASE / (1 + 0.1 * T))
    with pytest.raises(ValueError, match="negative"):
        S.PowerLR(make_opt(), c=0.5, s=1.0)


def test_course_exponential_schedule():
    check(sequence(S.ExponentialDecayLR(make_opt(), c=0.5, s=5.0), 30), BASE * 0.5 ** (T / 5.0))
    check(sequence(S.ExponentialDecayLR(make_opt(), c=0.9), 30), sequence(S.ExponentialLR(make_opt(), 0.9), 30))
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        S.ExponentialDecayLR(make_opt(), c=1.5)


def test_transformer_schedule():
    opt = make_opt(lr=1.0)
    seq = sequence(S.TransformerLR(opt, d_model=512, warmup_steps=4000), 10000)
    n = np.arange(1, 10001)
    check(seq, 512 ** -0.5 * np.minimum(n ** -0.5, n * 4000 ** -1.5))
    assert seq.argmax() == 3999  # the peak is at step n = warmup_steps
    assert seq[3999] == pytest.approx(512 ** -0.5 * 4000 ** -0.5)


@pytest.mark.parametrize("make", [
    lambda o: S.StepLR(o, 3, 0.5), lambda o: S.MultiStepLR(o, [2, 5]), lambda o: S.ExponentialLR(o, 0.8),
    lambda o: S.CosineAnnealingLR(o, 7, 0.001), lambda o: S.LinearLR(o, 0.2, 1.0, 6),
    lambda o: S.PolynomialLR(o, 8, 2.0), lambda o: S.OneCycleLR(o, 1.0, total_steps=20),
    lambda o: S.PowerLR(o, -1.0, 2.0), lambda o: S.ReduceLROnPlateau(o, patience=1),
    lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 3), S.CosineAnnealingLR(o, 10)], [3]),
])
def test_state_dict_round_trip(make):
    def advance(sched, k):
        for i in range(k):
            sched.optimizer.step()
            sched.step(1.0 / (1 + i % 3)) if isinstance(sched, S.ReduceLROnPlateau) else sched.step()

    a_opt = make_opt(momentum=0.9)
    a = make(a_opt)
    advance(a, 6)
    saved, saved_opt = a.state_dict(), a_opt.state_dict()
    advance(a, 8)
    b_opt = make_opt(momentum=0.9)
    b = make(b_opt)
    b_opt.load_state_dict(saved_opt)
    b.load_state_dict(saved)
    advance(b, 8)
    assert b.get_last_lr() == a.get_last_lr() and b.last_epoch == a.last_epoch


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(make_opt(), 3, last_epoch=4)


def test_invalid_linear_factors():
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        S.LinearLR(make_opt(), start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        S.LinearLR(make_opt(), end_factor=1.5)
