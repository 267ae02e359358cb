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
    mu1_np, mu2_np = check_probabilities("mu1", mu1, size=k), check_probabilities("mu2", mu2, size=k)
    check_full_support("mu1", mu1_np)
    check_full_support("mu2", mu2_np)
    mu1_t, mu2_t = torch.as_tensor(mu1_np, dtype=torch.float64), torch.as_tensor(mu2_np, dtype=torch.float64)
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


PAD_LOGIT = -1.0e4
"""Logit of a padding action: exp(−1e4) underflows to exactly 0 in float64, yet every term stays finite."""


@dataclass(frozen=True)
class BanditBatch:
    """I reward bandits of possibly different sizes K_i, padded to K = max K_i (float64 tensors).

    ``mask[i, y]`` is True for the K_i real actions of instance i; padded entries hold reward 0 and
    reference probability 0. Policies over a batch put logit ``PAD_LOGIT`` on padded actions (π = 0 there).
    """

    rewards: torch.Tensor
    """(I, K) rewards R(y)."""
    ref_probs: torch.Tensor
    """(I, K) π_ref, full support on the real actions, summing to 1."""
    beta: torch.Tensor
    """(I,) KL regularisation β > 0."""
    mask: torch.Tensor
    """(I, K) bool, the real actions."""

    def __post_init__(self) -> None:
        if self.rewards.dim() != 2:
            raise ValueError(f"rewards must have shape (I, K), got {list(self.rewards.shape)}")
        for name in ("ref_probs", "mask"):
            if getattr(self, name).shape != self.rewards.shape:
                raise ValueError(f"mismatched shapes: rewards {list(self.rewards.shape)}, "
                                 f"{name} {list(getattr(self, name).shape)}")
        if self.beta.shape != self.rewards.shape[:1]:
            raise ValueError(f"mismatched shapes: beta {list(self.beta.shape)}, expected [{self.rewards.shape[0]}]")
        if not bool(torch.isfinite(self.beta).all()) or not bool((self.beta > 0).all()):
            raise ValueError(f"beta must be > 0, got {self.beta.min().item()} (smallest entry)")
        if not bool(torch.isfinite(self.rewards).all()):
            raise ValueError("rewards contains NaN or inf")
        check_batch_probabilities("ref_probs", self.ref_probs, self.mask)

    @property
    def num_instances(self) -> int:
        return self.rewards.shape[0]

    @property
    def max_actions(self) -> int:
        return self.rewards.shape[1]

    @property
    def ref_log_probs(self) -> torch.Tensor:
        """ln π_ref on real actions, 0 on padding (finite everywhere; padded terms carry weight π = 0)."""
        return torch.where(self.mask, self.ref_probs.clamp_min(1e-300).log(), torch.zeros_like(self.ref_probs))

    def instance(self, i: int) -> RewardBandit:
        """Instance i as a plain :class:`RewardBandit` (padding removed)."""
        m = self.mask[i]
        return RewardBandit(tuple(self.rewards[i, m].tolist()), tuple(self.ref_probs[i, m].tolist()),
                            float(self.beta[i]))

    @staticmethod
    def from_bandits(bandits: Sequence[RewardBandit]) -> "BanditBatch":
        """Stack bandits (padding the smaller ones)."""
        if not bandits:
            raise ValueError("need at least one bandit")
        k = max(b.num_actions for b in bandits)
        rewards = torch.zeros(len(bandits), k, dtype=torch.float64)
        ref = torch.zeros(len(bandits), k, dtype=torch.float64)
        mask = torch.zeros(len(bandits), k, dtype=torch.bool)
        for i, b in enumerate(bandits):
            rewards[i, :b.num_actions] = torch.tensor(b.rewards, dtype=torch.float64)
            ref[i, :b.num_actions] = torch.tensor(b.ref_probs, dtype=torch.float64)
            mask[i, :b.num_actions] = True
        return BanditBatch(rewards, ref, torch.tensor([b.beta for b in bandits], dtype=torch.float64), mask)


def check_batch_probabilities(name: str, probs: torch.Tensor, mask: torch.Tensor) -> None:
    """Rows of ``probs`` (I, K) are distributions with full support on ``mask`` and zero on padding."""
    if probs.shape != mask.shape:
        raise ValueError(f"mismatched shapes: {name} {list(probs.shape)}, mask {list(mask.shape)}")
    if not bool(torch.isfinite(probs).all()):
        raise ValueError(f"{name} contains NaN or inf")
    if bool((probs[mask] <= 0).any()):
        row = int((probs.masked_fill(~mask, 1.0) <= 0).any(-1).nonzero()[0])
        raise ValueError(f"{name} must give every action positive probability (row {row}: {probs[row].tolist()})")
    if bool((probs[~mask] != 0).any()):
        raise ValueError(f"{name} puts probability on padded actions")
    sums = probs.sum(-1)
    if bool(((sums - 1.0).abs() > 1e-6).any()):
        raise ValueError(f"{name} rows must sum to 1, got sums {sums.tolist()}")


@dataclass(frozen=True)
class RandomInstances:
    """A batch of random bandits and their data distributions μ1, μ2 (both (I, K), full support)."""

    bandits: BanditBatch
    mu1: torch.Tensor
    mu2: torch.Tensor


def _random_simplex(rng: np.random.Generator, mask: np.ndarray, floor: float) -> np.ndarray:
    """(1 − floor)·Dirichlet(1, …, 1) + floor·uniform on each row's real actions (full support ≥ floor/K_i)."""
    draws = rng.exponential(size=mask.shape) * mask  # normalised Exp(1) draws are Dirichlet(1)
    dirichlet = draws / draws.sum(-1, keepdims=True)
    uniform = mask / mask.sum(-1, keepdims=True)
    return (1.0 - floor) * dirichlet + floor * uniform


def random_instances(num_instances: int, rng: np.random.Generator, min_actions: int = 3, max_actions: int = 20,
                     reward_range: tuple[float, float] = (0.0, 2.0), beta_range: tuple[float, float] = (0.25, 2.0),
                     support_floor: float = 0.2) -> RandomInstances:
    """Random instances (vectorised, every draw from the numpy Generator ``rng``): K ∼ U{min..max},
    R(y) ∼ U(reward_range), β log-uniform on beta_range, and π_ref, μ1, μ2 each a mixture
    (1 − floor)·Dirichlet(1) + floor·uniform, so every action has probability ≥ floor/K (full support)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    if num_instances < 1:
        raise ValueError(f"num_instances must be >= 1, got {num_instances}")
    if not 2 <= min_actions <= max_actions:
        raise ValueError(f"need 2 <= min_actions <= max_actions, got {min_actions}, {max_actions}")
    if not 0 < beta_range[0] <= beta_range[1]:
        raise ValueError(f"beta_range must satisfy 0 < low <= high, got {beta_range}")
    if not reward_range[0] <= reward_range[1]:
        raise ValueError(f"reward_range must satisfy low <= high, got {reward_range}")
    if not 0 < support_floor <= 1:
        raise ValueError(f"support_floor must be in (0, 1], got {support_floor}")
    sizes = rng.integers(min_actions, max_actions + 1, size=num_instances)
    mask = np.arange(max_actions)[None, :] < sizes[:, None]
    rewards = rng.uniform(*reward_range, size=mask.shape) * mask
    beta = np.exp(rng.uniform(np.log(beta_range[0]), np.log(beta_range[1]), size=num_instances))
    ref, mu1, mu2 = (_random_simplex(rng, mask, support_floor) for _ in range(3))
    as_t = lambda x: torch.as_tensor(x, dtype=torch.float64)  # noqa: E731
    mask_t = torch.as_tensor(mask)
    batch = BanditBatch(as_t(rewards), as_t(ref), as_t(beta), mask_t)
    mu1_t, mu2_t = as_t(mu1), as_t(mu2)
    check_batch_probabilities("mu1", mu1_t, mask_t)
    check_batch_probabilities("mu2", mu2_t, mask_t)
    return RandomInstances(batch, mu1_t, mu2_t)


def sample_pairs_batched(bandits: BanditBatch, mu1: torch.Tensor, mu2: torch.Tensor, num_pairs: int,
                         generators: Sequence[torch.Generator]) -> PairDataset:
    """Per seed (one generator each) and instance, N pairs (y ∼ μ1, y′ ∼ μ2) with Bradley–Terry labels
    P(y ≻ y′) = σ(R(y) − R(y′)); tensors of shape (S, I, N). μ1, μ2: (I, K), full support on the real actions."""
    check_batch_probabilities("mu1", mu1, bandits.mask)
    check_batch_probabilities("mu2", mu2, bandits.mask)
    if num_pairs < 1:
        raise ValueError(f"num_pairs must be >= 1, got {num_pairs}")
    firsts, seconds, wins = [], [], []
    for generator in generators:  # a loop over seeds only: each seed's data comes from its own generator
        first = torch.multinomial(mu1, num_pairs, replacement=True, generator=generator)
        second = torch.multinomial(mu2, num_pairs, replacement=True, generator=generator)
        p_first = torch.sigmoid(bandits.rewards.gather(1, first) - bandits.rewards.gather(1, second))
        firsts.append(first)
        seconds.append(second)
        wins.append(torch.rand(first.shape, generator=generator, dtype=torch.float64) < p_first)
    return PairDataset(torch.stack(firsts), torch.stack(seconds), torch.stack(wins))
