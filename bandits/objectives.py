"""Policy-gradient and preference-learning estimators as pure functions of log-probabilities and scores.

Every function takes tensors of (sequence) log-probabilities under the trained policy π and the reference
π_ref, never a model: the same function serves a tabular logits table and a language model. Each returns a
per-sample loss to *minimise* (reduce it with ``.mean()``); minimising it ascends the stated gradient.
Equation numbers refer to Flet-Berliac et al. (2024), "Contrastive Policy Gradient" (arXiv 2406.19185),
and Azar et al. (2023) for IPO.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor


def _check_beta(beta: float | Tensor, name: str = "beta") -> None:
    """β (or τ) must be > 0: a float, or a tensor of per-row values (all > 0)."""
    if isinstance(beta, Tensor):
        if not bool((beta > 0).all()):
            raise ValueError(f"{name} must be > 0, got {beta.detach().min().item()} (smallest entry)")
    elif not beta > 0:  # also rejects NaN
        raise ValueError(f"{name} must be > 0, got {beta}")


def _check_shapes(**tensors: Tensor | float) -> None:
    """The per-sample tensors must broadcast together; a clear ValueError naming their shapes if not."""
    shapes = {name: tuple(t.shape) for name, t in tensors.items() if isinstance(t, Tensor)}
    try:
        torch.broadcast_shapes(*shapes.values())
    except RuntimeError:
        listed = ", ".join(f"{name} {list(shape)}" for name, shape in shapes.items())
        raise ValueError(f"mismatched shapes: {listed} do not broadcast") from None


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
    _check_beta(beta)
    _check_shapes(logp=logp, logp_prime=logp_prime, ref_logp=ref_logp, ref_logp_prime=ref_logp_prime,
                  reward=reward, reward_prime=reward_prime)
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
    _check_beta(beta)
    _check_shapes(logp=logp, ref_logp=ref_logp, reward=reward, baseline=baseline)
    advantage = regularized_reward(reward, logp, ref_logp, beta) - baseline
    return -advantage.detach() * logp


def on_policy_pg_loss(logp: Tensor, ref_logp: Tensor, reward: Tensor, beta: float | Tensor,
                      baseline: Tensor | float = 0.0) -> Tensor:
    """On-policy policy gradient (REINFORCE) on the regularised reward, for samples y ∼ π:
    minimising −sg[R^π_β(y) − b]·ln π(y) ascends (R^π_β(y) − b)·∇ln π(y), whose expectation under π is ∇J(π)
    for any constant b, because E_π[∇ln π] = 0 and E_π[∇R^π_β] = −β·E_π[∇ln π] = 0 (CoPG §3, the policy
    gradient of Eq. 2). The formula is that of :func:`policy_gradient_loss`; only the sampling differs."""
    return policy_gradient_loss(logp, ref_logp, reward, beta, baseline)


def rloo_loss(logp: Tensor, ref_logp: Tensor, reward: Tensor, beta: float | Tensor,
              reduction: Literal["sum", "mean"] = "sum") -> Tensor:
    """REINFORCE leave-one-out with k on-policy samples y_1..y_k ∼ π along the **last** dimension, on the
    regularised reward R_i = R^π_β(y_i) (Ahmadian et al. 2024; CoPG Prop. 2).

    Minimising the returned loss (shape without the last dimension) ascends
    Σ_i (R_i − (1/(k−1))·Σ_{j≠i} R_j)·∇ln π(y_i)   (``reduction="sum"``), or 1/k of it (``"mean"``).
    With k = 2 the sum equals the CoPG gradient (R_1 − R_2)·(∇ln π(y_1) − ∇ln π(y_2)) sample by sample.
    """
    _check_beta(beta)
    _check_shapes(logp=logp, ref_logp=ref_logp, reward=reward)
    k = torch.broadcast_shapes(logp.shape, ref_logp.shape, reward.shape)[-1] if logp.dim() else 0
    if k < 2:
        raise ValueError(f"RLOO needs k >= 2 samples along the last dimension, got {k}")
    scores = regularized_reward(reward, logp, ref_logp, beta).detach()
    leave_one_out = (scores.sum(-1, keepdim=True) - scores) / (k - 1)
    per_sample = -(scores - leave_one_out) * logp
    if reduction == "sum":
        return per_sample.sum(-1)
    if reduction == "mean":
        return per_sample.mean(-1)
    raise ValueError(f"unknown RLOO reduction {reduction!r} (sum or mean)")


def preference_log_ratio(logp_w: Tensor, logp_l: Tensor, ref_logp_w: Tensor, ref_logp_l: Tensor) -> Tensor:
    """h = ln[π(y_w)·π_ref(y_l) / (π(y_l)·π_ref(y_w))], the difference of log-ratios used by IPO and DPO."""
    return (logp_w - ref_logp_w) - (logp_l - ref_logp_l)


def ipo_loss(logp_w: Tensor, logp_l: Tensor, ref_logp_w: Tensor, ref_logp_l: Tensor, tau: float) -> Tensor:
    """IPO loss (h − 1/(2τ))² (Azar et al. 2023, Eq. 17) on *summed* sequence log-probs.

    For per-token averaging (TRL's default, which changes the objective), pass log-probs already averaged
    with ``sequence_logprob(..., average=True)`` — an explicit choice, never the default. On the same log-probs
    it is TRL 0.24's ``DPOTrainer.dpo_loss(loss_type="ipo")`` with TRL's β = τ (tests/llm/test_peer_conformance.py).
    """
    _check_beta(tau, "tau")
    _check_shapes(logp_w=logp_w, logp_l=logp_l, ref_logp_w=ref_logp_w, ref_logp_l=ref_logp_l)
    return (preference_log_ratio(logp_w, logp_l, ref_logp_w, ref_logp_l) - 1.0 / (2.0 * tau)).pow(2)


def dpo_loss(logp_w: Tensor, logp_l: Tensor, ref_logp_w: Tensor, ref_logp_l: Tensor, tau: float) -> Tensor:
    """DPO loss −ln σ(τ·h) (Rafailov et al. 2023, Eq. 7); TRL 0.24's ``DPOTrainer.dpo_loss(loss_type="sigmoid")``
    with TRL's β = τ and no label smoothing (tests/llm/test_peer_conformance.py)."""
    _check_beta(tau, "tau")
    _check_shapes(logp_w=logp_w, logp_l=logp_l, ref_logp_w=ref_logp_w, ref_logp_l=ref_logp_l)
    return -torch.nn.functional.logsigmoid(tau * preference_log_ratio(logp_w, logp_l, ref_logp_w, ref_logp_l))


def sequence_logprob(token_logps: Tensor, mask: Tensor, average: bool = False) -> Tensor:
    """Sum (default) or mean over the completion tokens (mask = 1) of per-token log-probs, last dim."""
    if mask.shape != token_logps.shape:
        raise ValueError(f"mismatched shapes: token_logps {list(token_logps.shape)}, mask {list(mask.shape)}")
    mask = mask.to(token_logps.dtype)
    total = (token_logps * mask).sum(-1)
    return total / mask.sum(-1).clamp_min(1.0) if average else total


# --- Nash-MD-PG (Munos et al., 2023, "Nash Learning from Human Feedback", arXiv 2312.00886) ----------------------
def geometric_mixture_log_probs(logp: Tensor, ref_logp: Tensor, beta: float | Tensor, dim: int = -1) -> Tensor:
    """Log-probabilities of Nash-MD's opponent, the geometric mixture π^β ∝ π^{1−β}·μ^β:
    ln π^β = log_softmax((1 − β)·ln π + β·ln μ) over ``dim``, returned detached (the opponent's sample y′ is
    a stop-gradient sample).

    ``logp``/``ref_logp`` are full log-distributions of π_θ and μ over the responses (a tabular policy, shape
    (..., K)) or over the vocabulary at each position (a language model: the per-token mixture, from which y′
    is then sampled token by token). β = 0 gives π (self-play), β = 1 gives μ; β ∈ [0, 1] (float or a tensor
    broadcastable to ``logp``).
    """
    if isinstance(beta, Tensor):
        if not bool(((beta >= 0) & (beta <= 1)).all()):
            raise ValueError("beta must be in [0, 1] (a tensor entry is outside)")
    elif not 0.0 <= beta <= 1.0:  # also rejects NaN
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    if torch.broadcast_shapes(logp.shape, ref_logp.shape) != logp.shape:
        raise ValueError(f"mismatched shapes: logp {list(logp.shape)}, ref_logp {list(ref_logp.shape)}")
    mixed = (1.0 - beta) * logp.detach() + beta * ref_logp.detach()
    return torch.log_softmax(mixed, dim=dim)


def nash_md_pg_loss(logp: Tensor, ref_logp: Tensor, preference: Tensor | float, tau: float | Tensor,
                    baseline: float = 0.5) -> Tensor:
    """Nash-MD-PG per-sample loss (Munos et al. 2023, the sampled policy-gradient version of Nash-MD).

    With y ∼ π_θ and y′ ∼ π^β_θ (sampled from :func:`geometric_mixture_log_probs`, no gradient through y′),
    minimising  −sg[P(y ≻ y′) − b − τ·(ln π_θ(y) − ln μ(y))] · ln π_θ(y)  ascends
    ∇ln π_θ(y)·[P(y ≻ y′) − ½ − τ·ln(π_θ(y)/μ(y))] (for b = ½), an unbiased estimate of the gradient of
    π ↦ P(π ≻ π^β) − τ·KL(π‖μ) at a fixed opponent π^β. Its stationary point is π ∝ μ·exp(P π^β/τ).

    Args:
        logp: ln π_θ(y) of the sampled responses y ∼ π_θ, with gradient; any shape (for an LM, the summed
            sequence log-prob of the completion, e.g. ``sequence_logprob``).
        ref_logp: ln μ(y) of the same responses under the reference policy; broadcastable to ``logp``.
        preference: P(y ≻ y′) ∈ [0, 1] from the preference model for each pair (y, y′), or a sampled 0/1
            outcome (still unbiased); a tensor broadcastable to ``logp`` or a float.
        tau: KL regularisation τ ≥ 0 (float, or a tensor of per-row values); τ = 0 is unregularised.
        baseline: the constant b subtracted from the preference (½ in the paper; any constant keeps the
            gradient unbiased).
    Returns:
        The per-sample loss, shape broadcast(logp, ref_logp, preference); reduce it with ``.mean()``.
    """
    if isinstance(tau, Tensor):
        if not bool((tau >= 0).all()):
            raise ValueError(f"tau must be >= 0, got {tau.detach().min().item()} (smallest entry)")
    elif not tau >= 0:  # also rejects NaN
        raise ValueError(f"tau must be >= 0, got {tau}")
    pref = torch.as_tensor(preference, dtype=logp.dtype, device=logp.device)
    if not bool(((pref >= 0) & (pref <= 1)).all()):
        raise ValueError("preference must be a probability P(y ≻ y′) in [0, 1]")
    try:
        torch.broadcast_shapes(logp.shape, ref_logp.shape, pref.shape)
    except RuntimeError:
        raise ValueError(f"mismatched shapes: logp {list(logp.shape)}, ref_logp {list(ref_logp.shape)}, "
                         f"preference {list(pref.shape)} do not broadcast") from None
    advantage = pref - baseline - tau * (logp - ref_logp)
    return -advantage.detach() * logp


# --- KL-gradient estimators on sequences (Tang & Munos, 2025, "On a few pitfalls in KL divergence gradient ------
# estimation for RL", arXiv 2506.09477) ----------------------------------------------------------------------------
# A completion y = (y_1..y_T) ∼ π is scored token by token: ln r_t = ln π(y_t|y_<t) − ln μ(y_t|y_<t), and
# KL(π‖μ) = E_π[Σ_t ln r_t]. Each function below takes per-token log-probs [..., T] (with gradient) and the
# reference's [..., T] (and an optional 0/1 ``mask`` [..., T] for padding) and returns a per-sequence loss whose
# gradient, averaged over y ∼ π, is the estimator's expected gradient. Differentiating
# KL = Σ_y π(y)·ln(π(y)/μ(y)) gives ∇KL = E_π[ln(π(y)/μ(y))·∇ln π(y)] (the score-function identity; the extra
# E_π[∇ln π] is 0). Tang & Munos' two pitfalls: (i) differentiating a KL *estimate* (k1, k3) as a loss drops the
# dependence of the sampling distribution on θ; (ii) per-token terms ln r_t·∇ln π(y_t|y_<t) drop the effect of
# y_t on the later tokens' KL, a partial gradient.

def _log_ratios(token_logp: Tensor, ref_token_logp: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
    """(ln π_t masked, ln r_t = ln π_t − ln μ_t masked), both [..., T]; padded positions (mask 0) are 0."""
    _check_shapes(token_logp=token_logp, ref_token_logp=ref_token_logp)
    if token_logp.dim() == 0:
        raise ValueError("per-token log-probs need a last (token) dimension")
    if mask is None:
        return token_logp, token_logp - ref_token_logp
    if mask.shape != token_logp.shape:
        raise ValueError(f"mismatched shapes: token_logp {list(token_logp.shape)}, mask {list(mask.shape)}")
    m = mask.to(token_logp.dtype)
    return token_logp * m, (token_logp - ref_token_logp) * m


def _reverse_cumsum(x: Tensor) -> Tensor:
    """y_t = Σ_{s≥t} x_s over the last dimension."""
    return x.flip(-1).cumsum(-1).flip(-1)


def kl_sequence_score_loss(token_logp: Tensor, ref_token_logp: Tensor, mask: Tensor | None = None) -> Tensor:
    """Sequence-level score function: sg[ln(π(y)/μ(y))]·ln π(y), ln π(y) = Σ_t ln π(y_t|y_<t). Its gradient
    ln(π(y)/μ(y))·∇ln π(y) is an unbiased estimate of ∇KL(π‖μ) for y ∼ π (Tang & Munos 2025, the correct
    "vanilla" gradient; the KL-in-reward term of :func:`nash_md_pg_loss` and of CoPG's R^π_β)."""
    logp, log_ratio = _log_ratios(token_logp, ref_token_logp, mask)
    return log_ratio.sum(-1).detach() * logp.sum(-1)


def kl_reward_to_go_loss(token_logp: Tensor, ref_token_logp: Tensor, mask: Tensor | None = None) -> Tensor:
    """Per-token score function with reward-to-go: Σ_t sg[Σ_{s≥t} ln r_s]·ln π(y_t|y_<t). Unbiased for ∇KL(π‖μ)
    (Tang & Munos 2025, the sequential form of the correct gradient): it drops from :func:`kl_sequence_score_loss`
    only the terms ln r_s·∇ln π(y_t|y_<t) with s < t, whose expectation is 0 (y_t is drawn after r_s is fixed)."""
    logp, log_ratio = _log_ratios(token_logp, ref_token_logp, mask)
    return (_reverse_cumsum(log_ratio).detach() * logp).sum(-1)


def kl_per_token_loss(token_logp: Tensor, ref_token_logp: Tensor, mask: Tensor | None = None) -> Tensor:
    """Per-token KL *without* reward-to-go: Σ_t sg[ln r_t]·ln π(y_t|y_<t) — the KL term of TRL 0.24's
    ``NashMDTrainer._compute_losses`` (``(log_ratio * model_logprobs).sum(1)``, log_ratio detached). Its expectation
    Σ_t E[ln r_t·∇ln π(y_t|y_<t)] misses Σ_t E[(Σ_{s>t} ln r_s)·∇ln π(y_t|y_<t)]: the gradient of each token's KL
    with the distribution of its prefix held fixed, a partial gradient (Tang & Munos 2025, the sequential pitfall).
    Biased whenever T ≥ 2 and the later tokens' KL depends on the earlier tokens."""
    logp, log_ratio = _log_ratios(token_logp, ref_token_logp, mask)
    return (log_ratio.detach() * logp).sum(-1)


def k1_loss(token_logp: Tensor, ref_token_logp: Tensor, mask: Tensor | None = None) -> Tensor:
    """The k1 estimate Σ_t ln r_t differentiated as a loss (no stop-gradient). Its value is unbiased for KL(π‖μ)
    but its gradient Σ_t ∇ln π(y_t|y_<t) has expectation 0 under y ∼ π (Tang & Munos 2025, the loss pitfall): in
    expectation it does not regularise at all."""
    return _log_ratios(token_logp, ref_token_logp, mask)[1].sum(-1)


def k3_loss(token_logp: Tensor, ref_token_logp: Tensor, mask: Tensor | None = None) -> Tensor:
    """The k3 estimate Σ_t (μ_t/π_t − 1 − ln(μ_t/π_t)) differentiated as a loss, summed over tokens (GRPO's KL
    term; GRPO also divides by the length, a further 1/|y|). Per token ∇k3_t = (1 − μ_t/π_t)·∇ln π_t, whose
    expectation is ∇_θ KL(μ(·|y_<t)‖π(·|y_<t)) at a fixed prefix: the gradient of the *reverse* (mass-covering)
    KL, per token, without the prefix's dependence on θ (Tang & Munos 2025) — not ∇KL(π‖μ)."""
    log_ratio = _log_ratios(token_logp, ref_token_logp, mask)[1]  # 0 at padding, where k3 = 0 too
    return (torch.expm1(-log_ratio) + log_ratio).sum(-1)


def kl_analytic_reward_to_go_loss(token_logp: Tensor, token_kl: Tensor, mask: Tensor | None = None) -> Tensor:
    """Rao–Blackwellised ∇KL from full next-token distributions: with KL_t = KL(π(·|y_<t)‖μ(·|y_<t)) summed over
    the vocabulary (``token_kl`` [..., T], with gradient), KL(π‖μ) = E_π[Σ_t KL_t] and
    ∇KL = E_π[Σ_t ∇KL_t + Σ_t (Σ_{s>t} KL_s)·∇ln π(y_t|y_<t)], so the loss
    Σ_t KL_t + Σ_t sg[Σ_{s>t} KL_s]·ln π(y_t|y_<t) is unbiased, with the sampling noise of the sampled token's
    log-ratio removed (the exact expectation over y_t). Used as the Monte-Carlo reference on a language model."""
    _check_shapes(token_logp=token_logp, token_kl=token_kl)
    if mask is not None:
        if mask.shape != token_logp.shape:
            raise ValueError(f"mismatched shapes: token_logp {list(token_logp.shape)}, mask {list(mask.shape)}")
        m = mask.to(token_logp.dtype)
        token_logp, token_kl = token_logp * m, token_kl * m
    later = _reverse_cumsum(token_kl) - token_kl
    return token_kl.sum(-1) + (later.detach() * token_logp).sum(-1)


KL_GRADIENT_ESTIMATORS: dict[str, Callable[..., Tensor]] = {
    "sequence": kl_sequence_score_loss,
    "reward_to_go": kl_reward_to_go_loss,
    "per_token": kl_per_token_loss,
    "k1_loss": k1_loss,
    "k3_loss": k3_loss,
}
"""Sampled-token KL-gradient estimators by name, each ``fn(token_logp, ref_token_logp, mask=None)``."""
UNBIASED_KL_ESTIMATORS = ("sequence", "reward_to_go")
"""The names whose expected gradient is ∇KL(π‖μ) (Tang & Munos 2025); the others are biased."""


def kl_gradient_loss(name: str, token_logp: Tensor, ref_token_logp: Tensor, mask: Tensor | None = None) -> Tensor:
    """The per-sequence loss of the KL-gradient estimator ``name`` (see :data:`KL_GRADIENT_ESTIMATORS`)."""
    fn = KL_GRADIENT_ESTIMATORS.get(name)
    if fn is None:
        raise ValueError(f"unknown KL-gradient estimator {name!r} (choose from {', '.join(KL_GRADIENT_ESTIMATORS)})")
    return fn(token_logp, ref_token_logp, mask)


def nash_md_pg_token_loss(token_logp: Tensor, ref_token_logp: Tensor, preference: Tensor | float,
                          tau: float, kl_estimator: str = "sequence", baseline: float = 0.5,
                          mask: Tensor | None = None) -> Tensor:
    """Nash-MD-PG on per-token log-probs with the KL term's gradient taken by ``kl_estimator``:
    −(P(y ≻ y′) − b)·ln π(y) + τ·(KL-gradient loss). With "sequence" it has the gradient of
    :func:`nash_md_pg_loss` on ln π(y) = Σ_t ln π(y_t|y_<t) (and the same value); with "per_token" it is TRL 0.24's
    ``NashMDTrainer._compute_losses`` loss (``beta * kl_div_loss - score``, per sequence, TRL's β = our τ)."""
    if not tau >= 0:  # also rejects NaN
        raise ValueError(f"tau must be >= 0, got {tau}")
    kl_term = kl_gradient_loss(kl_estimator, token_logp, ref_token_logp, mask)
    logp = token_logp if mask is None else token_logp * mask.to(token_logp.dtype)
    pref = torch.as_tensor(preference, dtype=token_logp.dtype, device=token_logp.device)
    return tau * kl_term - (pref - baseline) * logp.sum(-1)


def polychromic_set_score(rewards: Tensor, labels: Tensor) -> Tensor:
    """Polychromic score of a set of n samples (Ibn Hamid et al. 2025, Eq. 3): f(Y) = mean reward × diversity,
    diversity = (number of distinct labels)/n, over the last axis. ``labels`` are integer equivalence classes
    (e.g. the candidate index, or the set of rooms a trajectory visited)."""
    if rewards.shape != labels.shape or rewards.shape[-1] == 0:
        raise ValueError(f"rewards {tuple(rewards.shape)} and labels {tuple(labels.shape)} must match and be non-empty")
    ordered = labels.sort(-1).values
    distinct = (ordered[..., 1:] != ordered[..., :-1]).sum(-1) + 1
    return rewards.mean(-1) * distinct.to(rewards.dtype) / labels.shape[-1]


def set_level_advantages(set_scores: Tensor, set_members: Tensor, num_samples: int) -> Tensor:
    """Set-level advantages (polychromic PPO, Alg. 1): M sets of n samples (``set_members`` [M, n], indices into
    the N samples) with scores f_m (``set_scores`` [..., M]); each set's f_m − mean_m f is credited to each of its
    members, and a sample in several sets gets the mean over its sets (0 if it is in none). Returns [..., N]."""
    if set_members.ndim != 2 or set_scores.shape[-1] != set_members.shape[0]:
        raise ValueError(f"set_scores [..., M] and set_members [M, n] disagree: {tuple(set_scores.shape)}, "
                         f"{tuple(set_members.shape)}")
    membership = torch.zeros(set_members.shape[0], num_samples, dtype=set_scores.dtype, device=set_scores.device)
    membership.scatter_add_(1, set_members, torch.ones_like(set_members, dtype=set_scores.dtype))
    centred = set_scores - set_scores.mean(-1, keepdim=True)
    return (centred @ membership) / membership.sum(0).clamp_min(1.0)


def set_objective_loss(logp: Tensor, set_scores: Tensor, set_members: Tensor) -> Tensor:
    """Set-level policy gradient: minimising −sg[A_i]·ln π(y_i) per sample ascends Σ_i A_i ∇ln π(y_i), with A_i
    the set-level advantage of :func:`set_level_advantages` (the polychromic objective's score-function
    gradient). ``logp`` [..., N] are the N samples' (sequence) log-probs."""
    advantages = set_level_advantages(set_scores.detach(), set_members, logp.shape[-1])
    return -advantages * logp


# --- the method-name → loss table (the single one: offline trainer, llm_bridge and the llm suite use it) ----------
LossKind = Literal["scored", "ranked", "per_sample", "group", "opponent"]


@dataclass(frozen=True)
class LossSpec:
    """How a method's per-sample loss reads its data.

    - ``scored``: ``fn(logp, logp′, ref_logp, ref_logp′, R(y), R(y′), β)`` on a pair with scores (CoPG).
    - ``ranked``: ``fn(logp_w, logp_l, ref_logp_w, ref_logp_l, β)`` on a labelled pair, τ = β (IPO, DPO).
    - ``per_sample``: ``fn(logp, ref_logp, R, β, baseline)`` on each sample; a pair's loss is the sum of its two
      samples' losses; ``baseline`` is "zero" (b = 0) or "value" (b = E_π[R], exact, where π is known).
    - ``group``: ``fn(logp[..., k], ref_logp[..., k], R[..., k], β)`` on k on-policy samples (RLOO).
    - ``opponent``: ``fn(logp, ref_logp, P(y ≻ y′), τ)`` against an opponent sample y′ (Nash-MD-PG).
    """

    kind: LossKind
    fn: Callable[..., Tensor]
    baseline: Literal["zero", "value"] | None = None
    on_policy: bool = False


def _ranked(loss: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def ranked(logp_w: Tensor, logp_l: Tensor, ref_logp_w: Tensor, ref_logp_l: Tensor, beta: float | Tensor) -> Tensor:
        return loss(logp_w, logp_l, ref_logp_w, ref_logp_l, tau=beta)
    ranked.__doc__ = f"{loss.__name__} with τ = β."
    return ranked


LOSSES: dict[str, LossSpec] = {
    "copg": LossSpec("scored", copg_loss),
    "ipo": LossSpec("ranked", _ranked(ipo_loss)),
    "dpo": LossSpec("ranked", _ranked(dpo_loss)),
    "pg_zero_baseline": LossSpec("per_sample", policy_gradient_loss, baseline="zero"),
    "pg_value_baseline": LossSpec("per_sample", policy_gradient_loss, baseline="value"),
    "rloo": LossSpec("group", rloo_loss, on_policy=True),
    "nash_md_pg": LossSpec("opponent", nash_md_pg_loss, on_policy=True),
}
"""Every estimator by name. Metric keys and configs use these names."""

ALIASES: dict[str, str] = {"pg": "pg_zero_baseline"}
"""Short names accepted where the context is unambiguous (the llm suite's "pg" is naive PG with b = 0)."""


def loss_spec(method: str) -> LossSpec:
    """The table entry of ``method`` (or of its alias); a ValueError listing the names if unknown."""
    spec = LOSSES.get(ALIASES.get(method, method))
    if spec is None:
        raise ValueError(f"unknown method {method!r} (choose from {', '.join([*LOSSES, *ALIASES])})")
    return spec


def pair_loss(method: str, logp: Tensor, logp_prime: Tensor, ref_logp: Tensor, ref_logp_prime: Tensor,
              reward: Tensor, reward_prime: Tensor, beta: float | Tensor,
              first_preferred: Tensor | None = None) -> Tensor:
    """Per-pair loss of any pair method on (y, y′), looked up in :data:`LOSSES`.

    ``scored`` methods read R(y), R(y′); ``ranked`` ones order the pair by ``first_preferred`` (y_w = y where
    it is true, else y′); ``per_sample`` ones (b = 0 only: π's value is unknown here) sum the loss of y and y′.
    """
    spec = loss_spec(method)
    if spec.kind == "scored":
        return spec.fn(logp, logp_prime, ref_logp, ref_logp_prime, reward, reward_prime, beta)
    if spec.kind == "ranked":
        if first_preferred is None:
            raise ValueError(f"{method} needs preference labels (first_preferred)")
        w = first_preferred.bool()
        return spec.fn(torch.where(w, logp, logp_prime), torch.where(w, logp_prime, logp),
                       torch.where(w, ref_logp, ref_logp_prime), torch.where(w, ref_logp_prime, ref_logp), beta)
    if spec.kind == "per_sample" and spec.baseline == "zero":
        return spec.fn(logp, ref_logp, reward, beta) + spec.fn(logp_prime, ref_logp_prime, reward_prime, beta)
    raise ValueError(f"{method} is not a pair method (kind {spec.kind}, baseline {spec.baseline})")
