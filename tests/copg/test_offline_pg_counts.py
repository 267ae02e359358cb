"""The batched trainer evaluates the naive PG loss on the K actions weighted by their counts in the minibatch;
that must equal the per-sample loss of `bandits.objectives.policy_gradient_loss` (value and gradient)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bandits import objectives
from bandits.copg.offline_training import PAIR_FIELDS, _method_losses, masked_log_probs
from bandits.problems import random_instances, sample_pairs_batched


def _per_sample_pg(logp: torch.Tensor, first: torch.Tensor, second: torch.Tensor, rewards: torch.Tensor,
                   ref: torch.Tensor, beta: torch.Tensor, baseline) -> torch.Tensor:
    lp1, lp2 = logp.gather(-1, first), logp.gather(-1, second)
    r = rewards.expand(logp.shape)
    ref_full = ref.expand(logp.shape)
    loss = (objectives.policy_gradient_loss(lp1, ref_full.gather(-1, first), r.gather(-1, first), beta, baseline)
            + objectives.policy_gradient_loss(lp2, ref_full.gather(-1, second), r.gather(-1, second), beta,
                                              baseline))
    return loss.mean(-1).sum()


def test_count_weighted_pg_loss_equals_per_sample_loss():
    inst = random_instances(7, np.random.default_rng(3))
    bandits = inst.bandits
    generators = [torch.Generator().manual_seed(s) for s in range(3)]
    data = sample_pairs_batched(bandits, inst.mu1, inst.mu2, 300, generators)
    first, second = data.first, data.second  # (S, I, B)
    actions = torch.stack([first, second, first, second], dim=2)
    logits = torch.randn(3, 7, 2, bandits.max_actions, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(0)).requires_grad_()
    logp = masked_log_probs(logits, bandits.mask[:, None, :])
    beta = bandits.beta[:, None]
    pair = {name: torch.zeros_like(first, dtype=torch.float64) for name in PAIR_FIELDS}
    ours = _method_losses(("pg_zero_baseline", "pg_value_baseline"), logp, actions, pair, bandits.rewards,
                          bandits.ref_log_probs, beta)
    (grad_ours,) = torch.autograd.grad(ours, logits, retain_graph=True)

    value_baseline = (logp[:, :, 1].exp() * bandits.rewards).sum(-1, keepdim=True).detach()
    reference = (_per_sample_pg(logp[:, :, 0], first, second, bandits.rewards, bandits.ref_log_probs, beta, 0.0)
                 + _per_sample_pg(logp[:, :, 1], first, second, bandits.rewards, bandits.ref_log_probs, beta,
                                  value_baseline))
    (grad_reference,) = torch.autograd.grad(reference, logits)
    torch.testing.assert_close(ours, reference, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_ours, grad_reference, rtol=1e-12, atol=1e-14)
    assert grad_reference.abs().max() > 1e-3  # a real gradient, not two zeros


def test_grid_losses_equal_per_sample_losses_for_every_method():
    """K × K grid weighted by pair counts (used when K² ≤ 2B) = per-sample losses (value and gradient)."""
    from bandits.copg.offline_training import ALL_OFFLINE_METHODS, _grid_losses

    inst = random_instances(6, np.random.default_rng(5))
    bandits, k = inst.bandits, inst.bandits.max_actions
    generators = [torch.Generator().manual_seed(s) for s in range(2)]
    data = sample_pairs_batched(bandits, inst.mu1, inst.mu2, 200, generators)
    winner = torch.where(data.first_wins, data.first, data.second)
    loser = torch.where(data.first_wins, data.second, data.first)
    actions = torch.stack([data.first, data.second, winner, loser], dim=2)  # (S, I, 4, B)
    methods = ALL_OFFLINE_METHODS
    logits = torch.randn(2, 6, len(methods), k, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(1)).requires_grad_()
    logp = masked_log_probs(logits, bandits.mask[:, None, :])
    beta, ref = bandits.beta[:, None], bandits.ref_log_probs
    r = bandits.rewards[None].expand(2, 6, k)
    ref_full = ref[None].expand(2, 6, k)
    pair = {"r1": r.gather(-1, data.first), "r2": r.gather(-1, data.second),
            "ref1": ref_full.gather(-1, data.first), "ref2": ref_full.gather(-1, data.second),
            "refw": ref_full.gather(-1, winner), "refl": ref_full.gather(-1, loser)}
    per_sample = _method_losses(methods, logp, actions, pair, bandits.rewards, ref, beta)
    (grad_sample,) = torch.autograd.grad(per_sample, logits, retain_graph=True)

    codes = torch.stack([data.first * k + data.second, winner * k + loser], dim=2)
    counts = torch.zeros(2, 6, 2, k * k, dtype=torch.float64).scatter_add_(
        -1, codes, torch.ones_like(codes, dtype=torch.float64)).view(2, 6, 2, k, k)
    grid = _grid_losses(methods, logp, counts[:, :, 0], counts[:, :, 1], bandits.rewards, ref, beta, 200)
    (grad_grid,) = torch.autograd.grad(grid, logits)
    torch.testing.assert_close(grid, per_sample, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_grid, grad_sample, rtol=1e-10, atol=1e-13)
    assert grad_sample.abs().amax(dim=(0, 1, 3)).min() > 1e-4  # every method has a real gradient


def test_loss_table_names_every_estimator_once() -> None:
    """One name → loss table: the offline trainer's and the LM bridge's methods are all in it."""
    from bandits.copg.offline_training import ALL_OFFLINE_METHODS
    from llm_bridge.train import ESTIMATORS

    for method in (*ALL_OFFLINE_METHODS, *ESTIMATORS):
        assert objectives.loss_spec(method) is objectives.LOSSES[objectives.ALIASES.get(method, method)]
    with pytest.raises(ValueError, match="unknown method"):
        objectives.loss_spec("no_such_method")
