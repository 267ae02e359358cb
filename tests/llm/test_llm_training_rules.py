"""The library-side training rules of the llm bridge: the plateau stop rule, the exact expectation over K-choice
pairs, and the exact-KL Nash-MD-PG loss (tiny model, no download)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bandits import objectives
from llm_bridge.pipelines.k_choice import expected_pairs
from llm_bridge.pipelines.reward_ordering import frontier
from llm_bridge.train import Plateau


def test_plateau_needs_two_windows_and_a_flat_log_curve():
    rule = Plateau("kl", window=2, tolerance=0.05)
    assert not rule({"kl": [1.0, 0.5, 0.5, 0.5]})  # start + 3 evaluations < 2 windows
    assert rule({"kl": [1.0, 0.5, 0.5, 0.5, 0.5]})
    assert not rule({"kl": [1.0, *np.exp(-np.arange(1, 9)).tolist()]})  # still falling by a factor e per point
    with pytest.raises(ValueError):
        Plateau("kl", window=0, tolerance=0.1)


def test_expected_pairs_weights_are_the_sampled_schemes_probabilities():
    """Summed over every ordered pair, the weights reproduce the expectation of the sampled scheme: prompt uniform,
    y, y′ ∼ μ, label y ≻ y′ with probability σ(R(y) − R(y′)) (checked against an enumeration of the draws)."""
    mu, reward = np.array([0.5, 0.3, 0.2]), torch.tensor([0.0, 1.0, 0.3, 2.0, -1.0, 0.5], dtype=torch.float64)
    pairs, weights, ranked = expected_pairs(2, mu, reward)
    assert pairs.shape == (1, 18, 2) and float(weights.sum()) == pytest.approx(1.0)
    assert float(ranked.sum()) == pytest.approx(1.0)
    mass = {}  # P(winner, loser) of the sampled scheme
    for p in range(2):
        for y in range(3):
            for z in range(3):
                won = float(torch.sigmoid(reward[p * 3 + y] - reward[p * 3 + z]))
                for (w, l_), prob in (((y, z), won), ((z, y), 1 - won)):
                    key = (p * 3 + w, p * 3 + l_)
                    mass[key] = mass.get(key, 0.0) + 0.5 * mu[y] * mu[z] * prob
    for (a, b), w in zip(pairs[0].tolist(), ranked[0].tolist()):
        assert w == pytest.approx(mass[(a, b)])


def test_exact_kl_nash_md_pg_loss_has_the_sampled_losss_expected_gradient():
    """Over K moves: E_y[∇ of the τ = 0 sampled loss] + τ·∇KL(π‖μ) = E_y[∇ of the sampled loss with τ]."""
    torch.manual_seed(0)
    logits, ref = torch.randn(4, requires_grad=True), torch.log_softmax(torch.randn(4), -1)
    pref, tau = torch.rand(4, dtype=torch.float32), 0.3
    logp = torch.log_softmax(logits, -1)
    probs = logp.exp().detach()
    sampled = (probs * objectives.nash_md_pg_loss(logp, ref, pref, tau)).sum()
    exact = (probs * objectives.nash_md_pg_loss(logp, ref, pref, 0.0)).sum() + tau * (logp.exp() * (logp - ref)).sum()
    g1, g2 = torch.autograd.grad(sampled, logits, retain_graph=True)[0], torch.autograd.grad(exact, logits)[0]
    assert torch.allclose(g1, g2, atol=1e-6)


def test_frontier_starts_at_the_reference_and_sorts_by_kl():
    x, y = frontier([0.4, -0.01, 0.1], [0.9, 0.2, 0.5], 0.3)
    assert x.tolist() == [0.0, 0.0, 0.1, 0.4] and y.tolist() == [0.3, 0.2, 0.5, 0.9]
