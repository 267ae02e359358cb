"""Reward bandits and their offline pair datasets.

A :class:`RewardBandit` has actions y ∈ {0..K−1}, rewards R(y), a reference policy π_ref and β > 0
(CoPG §3). ``PAPER_TOY_BANDIT`` is the instance of the CoPG paper's Fig. 1.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from bandits.validation import check_finite, check_full_support, check_positive, check_probabilities


@dataclass(frozen=True)
class RewardBandit:
    """A K-armed bandit with a KL-regularised objective J(π) = E_π[R] − β·KL(π‖π_ref)."""

    rewards: tuple[float, ...]
    ref_probs: tuple[float, ...]
    beta: float

    def __post_init__(self) -> None:
        rewards = check_finite("rewards", self.rewards)
        ref = check_probabilities("ref_probs", self.ref_probs, size=rewards.size)
        check_full_support("ref_probs", ref)
        check_positive("beta", self.beta)

    @property
    def num_actions(self) -> int:
        return len(self.rewards)


PAPER_TOY_BANDIT = RewardBandit(rewards=(2.5, 2.0, 1.0), ref_probs=(1 / 3, 1 / 3, 1 / 3), beta=0.5)
PAPER_MU1: tuple[float, ...] = (0.1, 0.2, 0.7)
PAPER_MU2: tuple[float, ...] = (0.05, 0.05, 0.9)


@dataclass(frozen=True)
class PairDataset:
    """N scored pairs (y ∼ μ1, y′ ∼ μ2), batched over seeds: tensors of shape (S, N).

    ``first_wins[s, i]`` is a Bradley–Terry label, P(y ≻ y′) = σ(R(y) − R(y′)), used by IPO/DPO.
    """

    first: torch.Tensor
    second: torch.Tensor
    first_wins: torch.Tensor


def sample_pairs(bandit: RewardBandit, mu1: Sequence[float], mu2: Sequence[float], num_pairs: int,
                 generators: Sequence[torch.Generator]) -> PairDataset:
    """One dataset per seed, each drawn from that seed's own generator (so a seed's data does not depend on
    which other seeds share the batch)."""
    k = bandit.num_actions
    mu1_t = torch.as_tensor(check_probabilities("mu1", mu1, size=k), dtype=torch.float64)
    mu2_t = torch.as_tensor(check_probabilities("mu2", mu2, size=k), dtype=torch.float64)
    rewards = torch.as_tensor(np.asarray(bandit.rewards), dtype=torch.float64)
    firsts, seconds, wins = [], [], []
    for generator in generators:
        first = torch.multinomial(mu1_t, num_pairs, replacement=True, generator=generator)
        second = torch.multinomial(mu2_t, num_pairs, replacement=True, generator=generator)
        p_first = torch.sigmoid(rewards[first] - rewards[second])
        firsts.append(first)
        seconds.append(second)
        wins.append(torch.rand(num_pairs, generator=generator, dtype=torch.float64) < p_first)
    return PairDataset(torch.stack(firsts), torch.stack(seconds), torch.stack(wins))
