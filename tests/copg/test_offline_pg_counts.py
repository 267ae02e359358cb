"""The batched trainer evaluates the naive PG loss on the K actions weighted by their counts in the minibatch;
that must equal the per-sample loss of `bandits.objectives.policy_gradient_loss` (value and gradient)."""
from __future__ import annotations

import torch

from bandits import objectives
from bandits.offline_training import PAIR_FIELDS, _method_losses, masked_log_probs
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
    inst = random_instances(7, 3)
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
