"""Per-sample and expected gradients of the estimators in :mod:`bandits.objectives`, for tabular softmax
policies batched over instances (padded to a common K, see :class:`bandits.problems.BanditBatch`).

Every gradient here is taken by autograd with respect to the logits θ, through the estimator functions
themselves (never a hand-derived formula), so the checks in the CoPG suite test the code that trains.
Per-sample gradients use one copy of θ per sample: the loss of sample n depends only on copy n, so the
gradient of the summed loss with respect to copy n is sample n's gradient.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from bandits import objectives
from bandits.copg.offline_training import masked_log_probs, population_copg_loss
from bandits.problems import BanditBatch
from bandits.solvers import regularized_value_torch

LossOnLogProbs = Callable[[Tensor], Tensor]


def per_sample_gradients(logits: Tensor, mask: Tensor, num_samples: int, loss_fn: LossOnLogProbs) -> Tensor:
    """∂ℓ_n/∂θ for n = 1..N: logits (I, K); ``loss_fn`` maps log-probs (I, N, K) to per-sample losses (I, N).
    Returns (I, N, K)."""
    copies = logits.detach()[:, None, :].expand(-1, num_samples, -1).clone().requires_grad_(True)
    loss = loss_fn(masked_log_probs(copies, mask[:, None, :]))
    (grad,) = torch.autograd.grad(loss.sum(), copies)
    return grad


def objective_gradient(logits: Tensor, bandits: BanditBatch) -> Tensor:
    """∇_θ J(π_θ) with J(π) = E_π[R] − β·KL(π‖π_ref) (CoPG Eq. 2), by autograd. Returns (I, K)."""
    theta = logits.detach().clone().requires_grad_(True)
    value = regularized_value_torch(masked_log_probs(theta, bandits.mask), bandits.rewards,
                                    bandits.ref_log_probs, bandits.beta[..., None])
    (grad,) = torch.autograd.grad(value.sum(), theta)
    return grad


def _pick(table: Tensor, actions: Tensor) -> Tensor:
    """table (I, N, K) or (I, K) at actions (I, N, ...) → (I, N, ...)."""
    if table.dim() == 2:
        table = table[:, None, :].expand(-1, actions.shape[1], -1)
    return table.gather(-1, actions.flatten(2) if actions.dim() > 2 else actions[..., None]).reshape(actions.shape)


def copg_pair_gradients(logits: Tensor, bandits: BanditBatch, first: Tensor, second: Tensor,
                        surrogate: str = "squared", rewards: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """Per-pair CoPG **ascent** directions −∇ℓ(y, y′) (CoPG Eq. 18–19) for pairs (I, N); optional per-pair
    rewards (R(y), R(y′)) replace the bandit's (used by the IPO relabelling). Returns (I, N, K)."""
    beta = bandits.beta[:, None]
    r1, r2 = rewards if rewards is not None else (_pick(bandits.rewards, first), _pick(bandits.rewards, second))
    ref1, ref2 = _pick(bandits.ref_log_probs, first), _pick(bandits.ref_log_probs, second)

    def loss(logp: Tensor) -> Tensor:
        return objectives.copg_loss(_pick(logp, first), _pick(logp, second), ref1, ref2, r1, r2, beta, surrogate)

    return -per_sample_gradients(logits, bandits.mask, first.shape[1], loss)


def rloo_group_gradients(logits: Tensor, bandits: BanditBatch, actions: Tensor, reduction: str = "sum") -> Tensor:
    """Per-group RLOO ascent directions for groups of k on-policy samples, actions (I, N, k). Returns (I, N, K)."""
    beta = bandits.beta[:, None, None]
    rewards, ref = _pick(bandits.rewards, actions), _pick(bandits.ref_log_probs, actions)

    def loss(logp: Tensor) -> Tensor:
        return objectives.rloo_loss(_pick(logp, actions), ref, rewards, beta, reduction)

    return -per_sample_gradients(logits, bandits.mask, actions.shape[1], loss)


def pg_sample_gradients(logits: Tensor, bandits: BanditBatch, actions: Tensor) -> Tensor:
    """Per-sample on-policy PG ascent directions (R^π_β(y) − 0)·∇ln π(y), actions (I, N). Returns (I, N, K)."""
    beta = bandits.beta[:, None]
    rewards, ref = _pick(bandits.rewards, actions), _pick(bandits.ref_log_probs, actions)

    def loss(logp: Tensor) -> Tensor:
        return objectives.on_policy_pg_loss(_pick(logp, actions), ref, rewards, beta)

    return -per_sample_gradients(logits, bandits.mask, actions.shape[1], loss)


def ipo_pair_gradients(logits: Tensor, bandits: BanditBatch, winner: Tensor, loser: Tensor) -> Tensor:
    """Per-pair gradients ∇(h − 1/(2τ))² of the IPO loss with τ = β (its **descent** direction is minus
    this). Returns (I, N, K)."""
    ref_w, ref_l = _pick(bandits.ref_log_probs, winner), _pick(bandits.ref_log_probs, loser)

    def loss(logp: Tensor) -> Tensor:
        return objectives.ipo_loss(_pick(logp, winner), _pick(logp, loser), ref_w, ref_l, bandits.beta[:, None])

    return per_sample_gradients(logits, bandits.mask, winner.shape[1], loss)


def expected_copg_gradient(logits: Tensor, bandits: BanditBatch, mu1: Tensor, mu2: Tensor) -> Tensor:
    """E_{y∼μ1, y′∼μ2}[−∇ℓ(y, y′)], exactly (all K² pairs weighted by μ1(y)μ2(y′)). Returns (I, K)."""
    theta = logits.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(population_copg_loss(theta, bandits, mu1, mu2), theta)
    return -grad


def expected_baseline_pg_gradient(logits: Tensor, bandits: BanditBatch, mu: Tensor, baseline: Tensor) -> Tensor:
    """2·E_{y∼μ}[(R^π_β(y) − b)·∇ln π(y)] exactly, for a per-instance constant b (I,) (the right side of CoPG
    Eq. 16 when b = E_μ[R^π_β]). Returns (I, K)."""
    theta = logits.detach().clone().requires_grad_(True)
    logp = masked_log_probs(theta, bandits.mask)
    loss = objectives.policy_gradient_loss(logp, bandits.ref_log_probs, bandits.rewards, bandits.beta[:, None],
                                           baseline[:, None])
    (grad,) = torch.autograd.grad((2.0 * mu * loss).sum(), theta)
    return -grad


def mean_regularized_reward(logits: Tensor, bandits: BanditBatch, weights: Tensor) -> Tensor:
    """E_{y∼weights}[R^π_β(y)] per instance (I,)."""
    logp = masked_log_probs(logits.detach(), bandits.mask)
    scores = objectives.regularized_reward(bandits.rewards, logp, bandits.ref_log_probs, bandits.beta[:, None])
    return (weights * scores).sum(-1)
