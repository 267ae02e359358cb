"""The CoPG paper's experiments as library calls: each returns one :class:`SeedOutcome` (scalar ``metrics``,
named ``series``) per seed, in the order of the generators it was given.

- :func:`toy_bandit` — Fig. 1: CoPG, PG (b = 0), PG (b = E_π R) and IPO trained on each seed's offline pairs;
  regret J(π*) − J(π) per epoch and KL(π*‖π) at the end.
- :func:`exact_fixed_point` — CoPG's population loss minimised exactly (L-BFGS, float64); KL(π*‖π).
- :func:`random_instance_sweep` — Thm 1 on random bandits: the exact CoPG optimum of every instance, and the four
  methods trained on each seed's data, instances × seeds × methods in one tensor program.
- :func:`beta_sweep` — the paper bandit at several β on the same data (per seed), DPO included.

Whether a regret curve has reached its fixed point is decided by the caller's ``plateaued(curve)`` test.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from bandits.copg.offline_training import (
    ALL_OFFLINE_METHODS,
    OFFLINE_METHODS,
    exact_copg_optimum,
    exact_copg_optimum_batched,
    optimal_policies,
    train_offline,
    train_offline_batched,
)
from bandits.outcome import SeedOutcome
from bandits.problems import (
    PAD_LOGIT,
    BanditBatch,
    PairDataset,
    RandomInstances,
    RewardBandit,
    sample_pairs,
    sample_pairs_batched,
)
from bandits.solvers import kl, kl_regularized_optimum, kl_torch, regularized_value, regularized_value_torch

Plateaued = Callable[[np.ndarray], bool]


@dataclass(frozen=True)
class TrainingSetup:
    """Offline training: N pairs per dataset, Adam with learning rate ``lr``, ``epochs`` passes in minibatches."""

    num_pairs: int
    batch_size: int
    lr: float
    epochs: int


def reference_regret(bandit: RewardBandit) -> float:
    """Regret of π_ref, J(π*) − J(π_ref) (CoPG Eq. 2), from the closed-form optimum."""
    optimum = kl_regularized_optimum(bandit.ref_probs, bandit.rewards, bandit.beta)
    ref, rewards = np.asarray(bandit.ref_probs), np.asarray(bandit.rewards)
    return float(regularized_value(optimum, ref, rewards, bandit.beta) - regularized_value(ref, ref, rewards,
                                                                                           bandit.beta))


def reference_regrets(bandits: BanditBatch, best_value: torch.Tensor) -> torch.Tensor:
    """J(π*) − J(π_ref) per instance (I,), given J(π*) (I,)."""
    ref_logp = torch.where(bandits.mask, bandits.ref_log_probs, torch.full_like(bandits.ref_probs, PAD_LOGIT))
    return best_value - regularized_value_torch(ref_logp, bandits.rewards, bandits.ref_log_probs,
                                                bandits.beta[..., None])


def toy_bandit(bandit: RewardBandit, mu1: Sequence[float], mu2: Sequence[float], setup: TrainingSetup,
               data: Sequence[torch.Generator], shuffle: Sequence[torch.Generator]) -> list[SeedOutcome]:
    """Fig. 1: per seed, one dataset of N pairs (y ∼ μ1, y′ ∼ μ2) with Bradley–Terry labels drawn from that seed's
    ``data`` generator; the four methods of ``OFFLINE_METHODS`` trained on it (minibatch order from ``shuffle``),
    all seeds and methods in one batched program. Metrics: regret of π_ref, final regret and final KL(π*‖π) per
    method; series: the regret after each epoch."""
    pairs = sample_pairs(bandit, mu1, mu2, setup.num_pairs, data)
    run = train_offline(bandit, pairs, shuffle, OFFLINE_METHODS, setup.epochs, setup.batch_size, setup.lr)
    optimum = kl_regularized_optimum(bandit.ref_probs, bandit.rewards, bandit.beta)
    ref_regret = reference_regret(bandit)
    outcomes = []
    for i in range(len(data)):
        outcome = SeedOutcome({"reference_regret": ref_regret})
        for method in OFFLINE_METHODS:
            curve = run.regret[method][i]
            outcome.metrics[f"final_regret/{method}"] = float(curve[-1])
            outcome.metrics[f"final_kl_to_optimum/{method}"] = float(kl(optimum, run.final_probs[method][i].numpy()))
            outcome.series[f"regret/{method}"] = curve.tolist()
        outcomes.append(outcome)
    return outcomes


def exact_fixed_point(bandit: RewardBandit, mu1: Sequence[float], mu2: Sequence[float]) -> SeedOutcome:
    """Thm 1 exactly: the minimiser of the population CoPG loss for data distributions μ1, μ2 against the closed
    form π* ∝ π_ref·e^{R/β}: KL(π*‖π) and max |π* − π| (deterministic)."""
    probs = exact_copg_optimum(bandit, torch.tensor(mu1, dtype=torch.float64), torch.tensor(mu2, dtype=torch.float64))
    optimum = kl_regularized_optimum(bandit.ref_probs, bandit.rewards, bandit.beta)
    return SeedOutcome({"kl_optimum_to_copg": float(kl(optimum, probs.numpy())),
                        "max_abs_prob_error": float(np.abs(optimum - probs.numpy()).max())})


def random_instance_sweep(instances: RandomInstances, setup: TrainingSetup, data: Sequence[torch.Generator],
                          shuffle: Sequence[torch.Generator], plateaued: Plateaued) -> list[SeedOutcome]:
    """Thm 1 on random instances: the exact CoPG optimum of every instance (the same for every seed) and the
    four methods trained on each seed's pairs (drawn from its ``data`` generator), all instances × seeds × methods
    in one program. Per seed: KL(π*‖π_exact) (max, mean), and per method the final regret (mean and worst
    instance) and the fraction of instances whose regret curve has ``plateaued``."""
    bandits = instances.bandits
    optimum, best_value = optimal_policies(bandits)
    exact_kl = kl_torch(optimum, exact_copg_optimum_batched(bandits, instances.mu1, instances.mu2))
    ref_regret = reference_regrets(bandits, best_value)
    pairs = sample_pairs_batched(bandits, instances.mu1, instances.mu2, setup.num_pairs, data)
    run = train_offline_batched(bandits, pairs, shuffle, OFFLINE_METHODS, setup.epochs, setup.batch_size, setup.lr)
    outcomes = []
    for s in range(len(data)):
        metrics = {"num_instances": float(bandits.num_instances), "exact_max_kl": float(exact_kl.max()),
                   "exact_mean_kl": float(exact_kl.mean())}
        series = {"exact_kl": exact_kl.tolist(), "reference_regret": ref_regret.tolist(),
                  "num_actions": bandits.mask.sum(-1).double().tolist()}
        for method in OFFLINE_METHODS:
            curves = run.regret[method][s]  # (I, E+1)
            final = curves[:, -1]
            metrics[f"mean_final_regret/{method}"] = float(final.mean())
            metrics[f"max_final_regret/{method}"] = float(final.max())
            metrics[f"converged_fraction/{method}"] = float(np.mean([plateaued(c) for c in curves.numpy()]))
            series[f"final_regret/{method}"] = final.tolist()
            series[f"mean_regret_curve/{method}"] = curves.mean(0).tolist()
        outcomes.append(SeedOutcome(metrics, series))
    return outcomes


def beta_sweep(rewards: Sequence[float], ref_probs: Sequence[float], betas: Sequence[float], mu1: Sequence[float],
               mu2: Sequence[float], setup: TrainingSetup, data: Sequence[torch.Generator],
               shuffle: Sequence[torch.Generator], plateaued: Plateaued) -> list[SeedOutcome]:
    """The bandit (R, π_ref) at every β on each seed's one dataset (the pairs and labels do not depend on β),
    the five methods of ``ALL_OFFLINE_METHODS``, one batched program. Series per β: final regret, KL(π‖π_ref)
    and convergence of each method, and KL(π*‖π_ref); metrics: the fraction of β at which each method converged."""
    bandits = BanditBatch.from_bandits([RewardBandit(tuple(rewards), tuple(ref_probs), b) for b in betas])
    single = sample_pairs(RewardBandit(tuple(rewards), tuple(ref_probs), betas[0]), mu1, mu2, setup.num_pairs, data)
    shape = (len(data), len(betas), setup.num_pairs)
    pairs = PairDataset(single.first[:, None].expand(shape), single.second[:, None].expand(shape),
                        single.first_wins[:, None].expand(shape))
    run = train_offline_batched(bandits, pairs, shuffle, ALL_OFFLINE_METHODS, setup.epochs, setup.batch_size,
                                setup.lr)
    optimum, best_value = optimal_policies(bandits)
    ref_regret = reference_regrets(bandits, best_value)
    outcomes = []
    for s in range(len(data)):
        series = {"beta": list(betas), "reference_regret": ref_regret.tolist(),
                  "kl_ref/optimum": kl_torch(optimum, bandits.ref_probs).tolist()}
        metrics = {}
        for method in ALL_OFFLINE_METHODS:
            curves = run.regret[method][s]
            series[f"final_regret/{method}"] = curves[:, -1].tolist()
            series[f"kl_ref/{method}"] = kl_torch(run.final_probs[method][s], bandits.ref_probs).tolist()
            series[f"converged/{method}"] = [float(plateaued(c)) for c in curves.numpy()]
            metrics[f"converged_fraction/{method}"] = float(np.mean(series[f"converged/{method}"]))
        outcomes.append(SeedOutcome(metrics, series))
    return outcomes
