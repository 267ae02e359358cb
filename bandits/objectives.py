"""Policy-gradient and preference-learning estimators as pure functions of log-probabilities and scores.

Every function takes tensors of (sequence) log-probabilities under the trained policy π and the reference
π_ref, never a model: the same function serves a tabular logits table and a language model. Each returns a
per-sample loss to *minimise* (reduce it with ``.mean()``); minimising it ascends the stated gradient.
Equation numbers refer to Flet-Berliac et al. (2024), "Contrastive Policy Gradient" (arXiv 2406.19185),
and Azar et al. (2023) for IPO.
"""
from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor


def regularized_reward(reward: Tensor, logp: Tensor, ref_logp: Tensor, beta: float) -> Tensor:
    """R^π_β(y) = R(y) − β·ln(π(y)/π_ref(y))  (CoPG §3, the KL-regularised reward)."""
    return reward - beta * (logp - ref_logp)


def copg_loss(
    logp: Tensor, logp_prime: Tensor, ref_logp: Tensor, ref_logp_prime: Tensor,
    reward: Tensor, reward_prime: Tensor, beta: float,
    surrogate: Literal["stopgrad", "squared"] = "stopgrad",
) -> Tensor:
    """CoPG pair loss for (y, y′) from any data distributions μ1, μ2 (CoPG Eq. 18–19).

    Its negative gradient is (R^π_β(y) − R^π_β(y′))·(∇ln π(y) − ∇ln π(y′)), the contrastive policy gradient.
    - ``stopgrad``: −sg[R^π_β(y) − R^π_β(y′)]·(ln π(y) − ln π(y′)).
    - ``squared``:  (R^π_β(y) − R^π_β(y′))² / (2β), the gradient flowing through ln π inside R^π_β.
    Both have the same gradient (tested).
    """
    gap = regularized_reward(reward, logp, ref_logp, beta) - regularized_reward(reward_prime, logp_prime,
                                                                               ref_logp_prime, beta)
    if surrogate == "stopgrad":
        return -gap.detach() * (logp - logp_prime)
    if surrogate == "squared":
        return gap.pow(2) / (2.0 * beta)
    raise ValueError(f"unknown CoPG surrogate {surrogate!r} (stopgrad or squared)")


def policy_gradient_loss(logp: Tensor, ref_logp: Tensor, reward: Tensor, beta: float,
                         baseline: Tensor | float = 0.0) -> Tensor:
    """Naive (off-)policy gradient on the regularised reward: minimising −sg[R^π_β(y) − b]·ln π(y) ascends
    (R^π_β(y) − b)·∇ln π(y) (CoPG Eq. 8 applied to off-policy samples, i.e. without importance weights)."""
    advantage = regularized_reward(reward, logp, ref_logp, beta) - baseline
    return -advantage.detach() * logp


def preference_log_ratio(logp_w: Tensor, logp_l: Tensor, ref_logp_w: Tensor, ref_logp_l: Tensor) -> Tensor:
    """h = ln[π(y_w)·π_ref(y_l) / (π(y_l)·π_ref(y_w))], the difference of log-ratios used by IPO and DPO."""
    return (logp_w - ref_logp_w) - (logp_l - ref_logp_l)


def ipo_loss(logp_w: Tensor, logp_l: Tensor, ref_logp_w: Tensor, ref_logp_l: Tensor, tau: float) -> Tensor:
    """IPO loss (h − 1/(2τ))² (Azar et al. 2023, Eq. 17) on *summed* sequence log-probs.

    For per-token averaging (TRL's default, which changes the objective), pass log-probs already averaged
    with ``sequence_logprob(..., average=True)`` — an explicit choice, never the default.
    """
    if tau <= 0:
        raise ValueError(f"IPO needs tau > 0, got {tau}")
    return (preference_log_ratio(logp_w, logp_l, ref_logp_w, ref_logp_l) - 1.0 / (2.0 * tau)).pow(2)


def dpo_loss(logp_w: Tensor, logp_l: Tensor, ref_logp_w: Tensor, ref_logp_l: Tensor, tau: float) -> Tensor:
    """DPO loss −ln σ(τ·h) (Rafailov et al. 2023, Eq. 7)."""
    if tau <= 0:
        raise ValueError(f"DPO needs tau > 0, got {tau}")
    return -torch.nn.functional.logsigmoid(tau * preference_log_ratio(logp_w, logp_l, ref_logp_w, ref_logp_l))


def sequence_logprob(token_logps: Tensor, mask: Tensor, average: bool = False) -> Tensor:
    """Sum (default) or mean over the completion tokens (mask = 1) of per-token log-probs, last dim."""
    mask = mask.to(token_logps.dtype)
    total = (token_logps * mask).sum(-1)
    return total / mask.sum(-1).clamp_min(1.0) if average else total
