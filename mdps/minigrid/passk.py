"""Unbiased pass@k and the evaluation of a policy on fixed configurations.

pass@k for one configuration with n samples of which c succeed (Chen et al., 2021, Eq. 1):
    pass@k = 1 − C(n − c, k) / C(n, k) = 1 − Π_{i = n−c+1}^{n} (1 − k / i),
the probability that k samples drawn without replacement from the n contain a success; its mean over the
random n samples equals the true probability that k i.i.d. policy samples contain one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mdps.minigrid.envs import BatchFourRooms
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.rollout import Episodes, run_episodes


def pass_at_k(n: int, c: np.ndarray | Sequence[int], k: int) -> np.ndarray:
    """Unbiased pass@k per configuration from n samples with c successes (vectorised over c)."""
    c = np.asarray(c, dtype=np.int64)
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    if np.any((c < 0) | (c > n)):
        raise ValueError(f"success counts must lie in [0, {n}]")
    i = np.arange(1, n + 2, dtype=float)
    log_terms = np.where(i > k, np.log(np.clip(1.0 - k / i, 1e-300, None)), 0.0)
    log_terms[-1] = 0.0  # index n + 1: the empty product when c = 0
    suffix = np.cumsum(log_terms[::-1])[::-1]  # suffix[m - 1] = Σ_{i=m}^{n} log(1 − k/i)
    safe = np.clip(n - c, 0, n)  # first factor index is n − c + 1 → suffix[n − c]
    out = 1.0 - np.exp(suffix[safe])
    return np.where(n - c < k, 1.0, out)


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a policy on a set of configurations (means over configurations)."""

    pass_at: list[float]  # pass@k for k = 1..k_max
    success: float  # fraction of samples that reach the goal (= pass@1 in expectation)
    reward: float  # mean episode reward
    distinct_rooms: float  # distinct room-sets per configuration among `samples` samples, mean over eval seeds
    distinct_rooms_success: float  # the same among successful samples (configurations with ≥ 1 success)
    distinct_rooms_success_multiroute: float  # the same, only over configurations with ≥ 2 feasible room-sets
    entropy: float  # mean per-step policy entropy along the sampled episodes (nats)
    steps: int  # environment steps the evaluation took


def evaluate(sim: BatchFourRooms, policy: ActorCritic, configs: Sequence[int], samples: int,
             generators: Sequence[torch.Generator], k_max: int,
             multi_route: np.ndarray | None = None) -> tuple[Evaluation, list[Episodes]]:
    """``samples`` stochastic episodes per configuration for each evaluation seed (one torch generator each, used
    in turn); pass@k uses all samples × seeds of a configuration, distinct room-sets are counted per seed.

    ``multi_route`` (bool per configuration, default all False) marks the configurations whose successful paths can
    visit at least two different room-sets; ``distinct_rooms_success_multiroute`` averages over those only (where a
    single room-set is feasible, successful diversity is 1 by construction and says nothing about the policy)."""
    if samples < 1 or not generators:
        raise ValueError(f"need samples >= 1 and at least one evaluation generator, got {samples}, "
                         f"{len(generators)}")
    n = samples * len(generators)
    if k_max > n:
        raise ValueError(f"k_max={k_max} exceeds the {n} samples per configuration")
    starts = sim.start_states(np.repeat(np.asarray(configs), samples))
    runs = [run_episodes(sim, policy, starts, generator) for generator in generators]
    successes = np.stack([r.success.reshape(len(configs), samples) for r in runs], axis=1)  # (C, seeds, samples)
    masks = np.stack([r.room_masks.reshape(len(configs), samples) for r in runs], axis=1)
    counts = successes.reshape(len(configs), -1).sum(1)
    multi = np.zeros(len(configs), dtype=bool) if multi_route is None else np.asarray(multi_route, dtype=bool)
    if multi.shape != (len(configs),):
        raise ValueError(f"multi_route needs one flag per configuration ({len(configs)}), got shape {multi.shape}")
    distinct, distinct_success, distinct_multi = [], [], []
    for ci in range(len(configs)):
        for si in range(len(generators)):
            distinct.append(len(set(masks[ci, si].tolist())))
            if successes[ci, si].any():
                distinct_success.append(len(set(masks[ci, si][successes[ci, si]].tolist())))
                if multi[ci]:
                    distinct_multi.append(distinct_success[-1])
    return Evaluation(
        pass_at=[float(pass_at_k(n, counts, k).mean()) for k in range(1, k_max + 1)],
        success=float(successes.mean()), reward=float(np.mean([r.returns.mean() for r in runs])),
        distinct_rooms=float(np.mean(distinct)),
        distinct_rooms_success=float(np.mean(distinct_success)) if distinct_success else 0.0,
        distinct_rooms_success_multiroute=float(np.mean(distinct_multi)) if distinct_multi else 0.0,
        entropy=float(np.mean([r.entropy() for r in runs])), steps=int(sum(r.num_steps for r in runs)),
    ), runs
