"""Property tests of the CoPG estimators (bandits.objectives) on random instances and random policies."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits import objectives
from bandits.copg import gradient_checks as gc
from bandits.copg.offline_training import masked_log_probs
from bandits.problems import random_instances

SETTINGS = settings(max_examples=15, deadline=None)
seeds = st.integers(0, 2**31 - 1)


def _instance_and_policy(seed: int, num_instances: int = 3, scale: float = 1.0):
    inst = random_instances(num_instances, np.random.default_rng(seed), min_actions=3, max_actions=12)
    generator = torch.Generator().manual_seed(seed)
    theta = scale * torch.randn(inst.bandits.rewards.shape, generator=generator, dtype=torch.float64)
    return inst, theta, generator


def _pairs(probs: torch.Tensor, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    return (torch.multinomial(probs, n, replacement=True, generator=generator),
            torch.multinomial(probs, n, replacement=True, generator=generator))


@SETTINGS
@given(seed=seeds)
def test_the_two_copg_surrogates_have_the_same_gradient(seed):
    inst, theta, generator = _instance_and_policy(seed)
    y1, y2 = _pairs(inst.mu1, 16, generator)
    squared = gc.copg_pair_gradients(theta, inst.bandits, y1, y2, "squared")
    stopgrad = gc.copg_pair_gradients(theta, inst.bandits, y1, y2, "stopgrad")
    assert squared.abs().max() > 1e-3  # not trivially zero
    torch.testing.assert_close(squared, stopgrad, rtol=0, atol=1e-12)


@SETTINGS
@given(seed=seeds)
def test_expected_copg_gradient_vanishes_at_the_regularised_optimum(seed):
    """Thm 1: for any full-support μ1, μ2, π* is a stationary point of the CoPG objective — and π_ref is not."""
    inst = random_instances(4, np.random.default_rng(seed), min_actions=3, max_actions=15)
    b = inst.bandits
    optimum_logits = b.ref_log_probs + b.rewards / b.beta[:, None]  # π* ∝ π_ref·exp(R/β)
    at_optimum = gc.expected_copg_gradient(optimum_logits, b, inst.mu1, inst.mu2)
    at_reference = gc.expected_copg_gradient(b.ref_log_probs, b, inst.mu1, inst.mu2)
    assert at_optimum.abs().max() < 1e-12
    assert at_reference.abs().max() > 1e-4


@SETTINGS
@given(seed=seeds)
def test_on_policy_expected_copg_gradient_is_twice_the_exact_gradient(seed):
    """Prop. 1 exactly: with μ1 = μ2 = π, E[−∇ℓ] (all K² pairs) = 2∇J(π), ∇J by autograd on J."""
    inst, theta, _ = _instance_and_policy(seed, scale=1.5)
    pi = masked_log_probs(theta, inst.bandits.mask).exp()
    expected = gc.expected_copg_gradient(theta, inst.bandits, pi, pi)
    torch.testing.assert_close(expected, 2 * gc.objective_gradient(theta, inst.bandits), rtol=0, atol=1e-12)


@SETTINGS
@given(seed=seeds)
def test_rloo_with_two_samples_equals_copg_sample_by_sample(seed):
    inst, theta, generator = _instance_and_policy(seed)
    pi = masked_log_probs(theta, inst.bandits.mask).exp()
    y1, y2 = _pairs(pi, 32, generator)
    groups = torch.stack([y1, y2], dim=-1)
    copg = gc.copg_pair_gradients(theta, inst.bandits, y1, y2)
    torch.testing.assert_close(gc.rloo_group_gradients(theta, inst.bandits, groups), copg, rtol=0, atol=1e-12)
    torch.testing.assert_close(2 * gc.rloo_group_gradients(theta, inst.bandits, groups, "mean"), copg,
                               rtol=0, atol=1e-12)


@SETTINGS
@given(seed=seeds)
def test_copg_with_quarter_rewards_is_half_beta_times_ipo_descent(seed):
    """Prop. 3 (corrected): −∇ℓ_CoPG(R = ±1/4) = −(β/2)·∇ℓ_IPO(τ = β)."""
    inst, theta, generator = _instance_and_policy(seed)
    winner, loser = torch.multinomial(inst.mu1, 32, True, generator=generator), torch.multinomial(
        inst.mu2, 32, True, generator=generator)
    quarter = torch.full(winner.shape, 0.25, dtype=torch.float64)
    copg = gc.copg_pair_gradients(theta, inst.bandits, winner, loser, rewards=(quarter, -quarter))
    ipo = gc.ipo_pair_gradients(theta, inst.bandits, winner, loser)
    torch.testing.assert_close(copg, -(inst.bandits.beta[:, None, None] / 2) * ipo, rtol=0, atol=1e-12)


@SETTINGS
@given(seed=seeds)
def test_baseline_identity_and_bias_of_other_baselines(seed):
    """Eq. 16: with μ1 = μ2 = μ the CoPG gradient is the PG with baseline E_μ R^π_β; b ≠ that is biased by
    2(E_μR^π_β − b)·(μ − π)."""
    inst, theta, _ = _instance_and_policy(seed)
    b, mu = inst.bandits, inst.mu1
    population = gc.expected_copg_gradient(theta, b, mu, mu)
    right = gc.mean_regularized_reward(theta, b, mu)
    torch.testing.assert_close(gc.expected_baseline_pg_gradient(theta, b, mu, right), population, rtol=0, atol=1e-12)
    wrong = right + 0.7
    bias = gc.expected_baseline_pg_gradient(theta, b, mu, wrong) - population
    pi = masked_log_probs(theta, b.mask).exp()
    torch.testing.assert_close(bias, 2 * (right - wrong)[:, None] * (mu - pi), rtol=0, atol=1e-12)
    assert bias.norm(dim=-1).min() > 1e-4


def test_on_policy_pg_is_unbiased_for_the_exact_gradient():
    inst, theta, _ = _instance_and_policy(7)
    pi = masked_log_probs(theta, inst.bandits.mask).exp()
    # exact expectation: every action weighted by π
    actions = torch.arange(inst.bandits.max_actions).expand(inst.bandits.num_instances, -1)
    per_action = gc.pg_sample_gradients(theta, inst.bandits, actions)
    expected = (pi[..., None] * per_action).sum(1)
    torch.testing.assert_close(expected, gc.objective_gradient(theta, inst.bandits), rtol=0, atol=1e-12)


def test_ipo_sums_sequence_logprobs_unless_averaging_is_asked_for():
    token_logps = torch.tensor([[-1.0, -2.0, -3.0, 0.0], [-0.5, -0.5, 0.0, 0.0]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    summed = objectives.sequence_logprob(token_logps, mask)
    averaged = objectives.sequence_logprob(token_logps, mask, average=True)
    torch.testing.assert_close(summed, torch.tensor([-6.0, -1.0]))
    torch.testing.assert_close(averaged, torch.tensor([-2.0, -0.5]))
    zeros = torch.zeros(1)
    loss_sum = objectives.ipo_loss(summed[:1], summed[1:], zeros, zeros, tau=0.5)
    loss_avg = objectives.ipo_loss(averaged[:1], averaged[1:], zeros, zeros, tau=0.5)
    torch.testing.assert_close(loss_sum, torch.tensor([(-5.0 - 1.0) ** 2]))
    assert not torch.allclose(loss_sum, loss_avg)


def test_dpo_loss_value():
    h = torch.tensor([0.3])
    zero = torch.zeros(1)
    torch.testing.assert_close(objectives.dpo_loss(h, zero, zero, zero, tau=2.0),
                               -torch.nn.functional.logsigmoid(torch.tensor([0.6])))


@pytest.mark.parametrize("beta", [0.0, -0.5, float("nan")])
def test_non_positive_beta_is_rejected(beta):
    x = torch.zeros(4)
    with pytest.raises(ValueError, match="beta must be > 0"):
        objectives.copg_loss(x, x, x, x, x, x, beta)
    with pytest.raises(ValueError, match="beta must be > 0"):
        objectives.policy_gradient_loss(x, x, x, beta)
    with pytest.raises(ValueError, match="beta must be > 0"):
        objectives.rloo_loss(x, x, x, beta)
    with pytest.raises(ValueError, match="tau must be > 0"):
        objectives.ipo_loss(x, x, x, x, beta)
    with pytest.raises(ValueError, match="tau must be > 0"):
        objectives.dpo_loss(x, x, x, x, beta)
    with pytest.raises(ValueError, match="beta must be > 0"):
        objectives.copg_loss(x, x, x, x, x, x, torch.tensor([1.0, beta, 1.0, 1.0]))


def test_mismatched_shapes_are_rejected():
    a, b = torch.zeros(4), torch.zeros(5)
    with pytest.raises(ValueError, match=r"mismatched shapes: .*logp_prime \[5\]"):
        objectives.copg_loss(a, b, a, a, a, a, 0.5)
    with pytest.raises(ValueError, match="mismatched shapes"):
        objectives.ipo_loss(a, b, a, a, 0.5)
    with pytest.raises(ValueError, match="mismatched shapes"):
        objectives.rloo_loss(torch.zeros(3, 2), torch.zeros(3, 3), torch.zeros(3, 2), 0.5)
    with pytest.raises(ValueError, match="mismatched shapes"):
        objectives.sequence_logprob(torch.zeros(2, 3), torch.ones(2, 4))


def test_rloo_needs_two_samples_and_known_options():
    with pytest.raises(ValueError, match="k >= 2"):
        objectives.rloo_loss(torch.zeros(3, 1), torch.zeros(3, 1), torch.zeros(3, 1), 0.5)
    with pytest.raises(ValueError, match="unknown RLOO reduction"):
        objectives.rloo_loss(torch.zeros(3, 2), torch.zeros(3, 2), torch.zeros(3, 2), 0.5, reduction="max")
    with pytest.raises(ValueError, match="unknown CoPG surrogate"):
        x = torch.zeros(2)
        objectives.copg_loss(x, x, x, x, x, x, 0.5, surrogate="cube")
