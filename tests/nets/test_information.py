import math

import numpy as np
import pytest

from nets import information as info


def test_entropy_bits_and_nats_against_definition():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    assert info.entropy(p) == pytest.approx(1.75, abs=1e-15)
    assert info.entropy(p, base=math.e) == pytest.approx(-(p * np.log(p)).sum(), abs=1e-15)
    assert info.entropy(p, base="e") == pytest.approx(1.75 * math.log(2), abs=1e-15)


def test_entropy_extremes_uniform_and_delta():
    for k in (1, 2, 5, 16):
        assert info.entropy(np.full(k, 1 / k)) == pytest.approx(math.log2(k), abs=1e-12)
        assert info.perplexity(np.full(k, 1 / k)) == pytest.approx(k, rel=1e-12)
        assert info.perplexity(np.full(k, 1 / k), base="e") == pytest.approx(k, rel=1e-12)
    assert info.entropy([0.0, 1.0, 0.0]) == 0.0


def test_entropy_batches_over_last_axis():
    p = np.array([[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(info.entropy(p), [1.0, 0.0])


def test_binary_entropy():
    assert info.binary_entropy(0.5) == 1.0
    assert info.binary_entropy(0.0) == 0.0 and info.binary_entropy(1.0) == 0.0
    th = np.linspace(0.01, 0.99, 7)
    np.testing.assert_allclose(info.binary_entropy(th), -(th * np.log2(th) + (1 - th) * np.log2(1 - th)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        info.binary_entropy(1.5)


def test_cross_entropy_and_kl_relations():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        h_pq = -(p * np.log2(q)).sum()
        assert info.cross_entropy(p, q) == pytest.approx(h_pq, abs=1e-12)
        assert info.kl_divergence(p, q) == pytest.approx((p * np.log2(p / q)).sum(), abs=1e-12)
        assert info.kl_divergence(p, q) == pytest.approx(h_pq - info.entropy(p), abs=1e-12)
        assert info.cross_entropy(p, q) >= info.entropy(p)
        assert info.kl_divergence(p, q) > 0
    assert info.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-15)


def test_kl_is_not_symmetric_and_infinite_off_support():
    p, q = np.array([0.9, 0.1]), np.array([0.5, 0.5])
    assert info.kl_divergence(p, q) != pytest.approx(info.kl_divergence(q, p))
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert info.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    # Outcomes p gives zero probability do not count, whatever q says.
    assert info.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(1.0)


def test_mutual_information():
    px, py = np.array([0.3, 0.7]), np.array([0.2, 0.5, 0.3])
    assert info.mutual_information(np.outer(px, py)) == pytest.approx(0.0, abs=1e-12)
    # Y = X: I(X;Y) = H(X).
    assert info.mutual_information(np.diag(px)) == pytest.approx(info.entropy(px), abs=1e-12)
    joint = np.array([[0.1, 0.2, 0.1], [0.3, 0.05, 0.25]])
    mx, my = joint.sum(1), joint.sum(0)
    h_x_given_y = -(joint * np.log2(joint / my[None, :])).sum()
    assert info.mutual_information(joint) == pytest.approx(info.entropy(mx) - h_x_given_y, abs=1e-12)
    assert info.mutual_information(joint, base="e") == pytest.approx(
        (joint * np.log(joint / np.outer(mx, my))).sum(), abs=1e-12)


@pytest.mark.parametrize("bad, match", [
    ([0.5, 0.6], "sum to 1"),
    ([-0.5, 1.5], "non-negative"),
    ([], "at least one"),
])
def test_invalid_distributions(bad, match):
    with pytest.raises(ValueError, match=match):
        info.entropy(bad)


def test_invalid_base_and_shapes():
    with pytest.raises(ValueError, match="base"):
        info.entropy([1.0], base=1)
    with pytest.raises(ValueError, match="same number of outcomes"):
        info.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="2-D"):
        info.mutual_information([0.5, 0.5])


def test_a_certain_outcome_has_entropy_plus_zero():
    import math

    from nets import information

    h = information.entropy([1.0, 0.0])
    assert h == 0.0 and math.copysign(1.0, h) == 1.0
