"""Batched offline training of tabular softmax policies on a fixed pair dataset (the CoPG paper's Fig. 1).

One tensor program trains every (seed, method) policy at once: logits have shape (S, M, K), the per-method
losses are averaged over the minibatch and summed over seeds and methods (the policies share no parameters,
and Adam is per coordinate, so this equals S·M independent runs).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from bandits import objectives
from bandits.policies import gather_actions, log_probs, regularized_value
from bandits.problems import PairDataset, RewardBandit
from bandits.solvers import kl_regularized_optimum

OFFLINE_METHODS: tuple[str, ...] = ("copg", "pg_zero_baseline", "pg_value_baseline", "ipo")


@dataclass(frozen=True)
class OfflineRun:
    """Regret J(π*) − J(π) per method after each epoch (index 0 = before training), shape (S, E+1),
    and the final policies' probabilities, shape (S, K)."""

    regret: dict[str, torch.Tensor]
    final_probs: dict[str, torch.Tensor]


def _method_loss(method: str, logp: torch.Tensor, ref_logp: torch.Tensor, rewards: torch.Tensor,
                 first: torch.Tensor, second: torch.Tensor, first_wins: torch.Tensor, beta: float) -> torch.Tensor:
    """Minibatch-mean loss of one method for every seed: logp (S, K), actions (S, B) → (S,)."""
    lp1, lp2 = gather_actions(logp, first), gather_actions(logp, second)
    ref1, ref2 = ref_logp[first], ref_logp[second]
    r1, r2 = rewards[first], rewards[second]
    if method == "copg":
        return objectives.copg_loss(lp1, lp2, ref1, ref2, r1, r2, beta).mean(-1)
    if method in ("pg_zero_baseline", "pg_value_baseline"):
        baseline = 0.0
        if method == "pg_value_baseline":  # b = E_{y∼π}[R(y)], exact
            baseline = (logp.exp() * rewards).sum(-1, keepdim=True).detach()
        return (objectives.policy_gradient_loss(lp1, ref1, r1, beta, baseline)
                + objectives.policy_gradient_loss(lp2, ref2, r2, beta, baseline)).mean(-1)
    if method == "ipo":  # τ = β, Bradley–Terry labels
        lp_w, lp_l = torch.where(first_wins, lp1, lp2), torch.where(first_wins, lp2, lp1)
        ref_w, ref_l = torch.where(first_wins, ref1, ref2), torch.where(first_wins, ref2, ref1)
        return objectives.ipo_loss(lp_w, lp_l, ref_w, ref_l, tau=beta).mean(-1)
    raise ValueError(f"unknown offline method {method!r} (choose from {', '.join(OFFLINE_METHODS)})")


def train_offline(bandit: RewardBandit, data: PairDataset, generators: Sequence[torch.Generator],
                  methods: Sequence[str] = OFFLINE_METHODS, epochs: int = 300, batch_size: int = 512,
                  lr: float = 1e-3) -> OfflineRun:
    """Adam on the logits (initialised to 0, i.e. π = uniform) for ``epochs`` passes over each seed's data,
    reshuffled every epoch with that seed's generator. Float64 throughout."""
    num_seeds, num_pairs = data.first.shape
    k = bandit.num_actions
    rewards = torch.tensor(bandit.rewards, dtype=torch.float64)
    ref_logp = torch.tensor(bandit.ref_probs, dtype=torch.float64).log()
    optimum = torch.as_tensor(kl_regularized_optimum(bandit.ref_probs, bandit.rewards, bandit.beta))
    best_value = regularized_value(optimum.log(), rewards, ref_logp, bandit.beta)
    logits = torch.zeros(num_seeds, len(methods), k, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([logits], lr=lr)

    def regret_now() -> torch.Tensor:
        with torch.no_grad():
            return best_value - regularized_value(logits, rewards, ref_logp, bandit.beta)  # (S, M)

    history = [regret_now()]
    for _ in range(epochs):
        order = torch.stack([torch.randperm(num_pairs, generator=g) for g in generators])
        for start in range(0, num_pairs, batch_size):
            index = order[:, start:start + batch_size]
            first, second = data.first.gather(1, index), data.second.gather(1, index)
            first_wins = data.first_wins.gather(1, index)
            logp = log_probs(logits)
            loss = sum(_method_loss(m, logp[:, i], ref_logp, rewards, first, second, first_wins, bandit.beta).sum()
                       for i, m in enumerate(methods))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        history.append(regret_now())
    regret = torch.stack(history, dim=-1)  # (S, M, E+1)
    probs = torch.softmax(logits.detach(), -1)
    return OfflineRun({m: regret[:, i] for i, m in enumerate(methods)}, {m: probs[:, i] for i, m in enumerate(methods)})


def exact_copg_optimum(bandit: RewardBandit, mu1: torch.Tensor, mu2: torch.Tensor, max_iter: int = 500,
                       tolerance: float = 1e-14) -> torch.Tensor:
    """Minimise the population CoPG loss E_{y∼μ1, y′∼μ2}[(R^π_β(y) − R^π_β(y′))²/(2β)] exactly (all K² pairs
    weighted by μ1(y)μ2(y′), CoPG Eq. 19 in expectation) with L-BFGS in float64. Returns π, shape (K,)."""
    k = bandit.num_actions
    rewards = torch.tensor(bandit.rewards, dtype=torch.float64)
    ref_logp = torch.tensor(bandit.ref_probs, dtype=torch.float64).log()
    weights = mu1[:, None] * mu2[None, :]
    logits = torch.zeros(k, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([logits], max_iter=max_iter, tolerance_grad=tolerance,
                                  tolerance_change=0.0, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        logp = log_probs(logits)
        pair_loss = objectives.copg_loss(logp[:, None], logp[None, :], ref_logp[:, None], ref_logp[None, :],
                                         rewards[:, None], rewards[None, :], bandit.beta, surrogate="squared")
        loss = (weights * pair_loss).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return torch.softmax(logits.detach(), -1)
