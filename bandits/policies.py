"""Tabular softmax policies batched over leading dimensions (seeds, methods, instances): π = softmax(θ)."""
from __future__ import annotations

import torch


def log_probs(logits: torch.Tensor) -> torch.Tensor:
    """ln π(y) = θ_y − logsumexp(θ), over the last axis."""
    return torch.log_softmax(logits, dim=-1)


def gather_actions(values: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """values[..., actions]: per-sample entries of a (..., K) table for actions of shape (..., B)."""
    return values.gather(-1, actions)


def regularized_value(logits: torch.Tensor, rewards: torch.Tensor, ref_log_probs: torch.Tensor,
                      beta: float) -> torch.Tensor:
    """J(π) = Σ_y π(y)·(R(y) − β·ln(π(y)/π_ref(y))) for every policy in the batch (CoPG Eq. 2)."""
    logp = log_probs(logits)
    return (logp.exp() * (rewards - beta * (logp - ref_log_probs))).sum(-1)
