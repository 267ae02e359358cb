"""Offline CoPG, IPO and naive PG on the K-choice task, measured against the exact restricted optimum.

Restricted to the K candidates of each prompt, the KL-regularised optimum is exact (CoPG §3):
    π*_K(y) ∝ π_ref,K(y)·exp(R(y)/β)      (:func:`bandits.solvers.tilted_policy`),
with π_ref,K the LM's own reference probabilities renormalised over the K candidates. Every run trains from the
same initial weights on the same pre-sampled pairs (prompt uniform, y, y′ ∼ μ independently) and Bradley–Terry
labels P(y ≻ y′) = σ(R(y) − R(y′)); the curve is KL(π*_K‖π_θ,K) averaged over prompts.

Shifting every reward by a constant leaves π* and CoPG's trajectory unchanged (CoPG sees only within-prompt
differences); naive PG (b = 0) then fails: its fixed point π = π_ref·e^{R/β} per sequence is π*_K only while
Σ_K π_ref·e^{R/β} < 1.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from bandits import objectives
from bandits.solvers import kl, tilted_policy
from llm_bridge.models import LoadedModel
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.settings import KChoiceSettings
from llm_bridge.pools import k_choice_pool
from llm_bridge.tasks import k_choice_task, renormalise
from llm_bridge.train import sample_pairs, train_pairs


@dataclass(frozen=True)
class PairRun:
    """One offline run: a pair method of ``bandits.objectives.LOSSES`` on R, or on R + shift (``shifted``).
    An ``invariance_check`` run trains only ``shift_check_steps`` steps; its curve is compared with the
    unshifted run of the same method."""

    method: str
    shifted: bool = False
    invariance_check: bool = False

    def __post_init__(self) -> None:
        objectives.loss_spec(self.method)  # an unknown name fails here, listing the table's names

    @property
    def name(self) -> str:
        """The run's key in metrics and series: the method, with "_shifted" on R + shift."""
        return f"{self.method}_shifted" if self.shifted else self.method


K_CHOICE_RUNS = (PairRun("copg"), PairRun("copg", shifted=True, invariance_check=True), PairRun("ipo"),
                 PairRun("pg"), PairRun("pg", shifted=True))
"""CoPG, IPO (τ = β) and naive PG (b = 0); CoPG on R + shift (the invariance check) and PG on R + shift."""


def bradley_terry_labels(rng: np.random.Generator, reward: Tensor, pairs: Tensor) -> Tensor:
    """One label per pair: y ≻ y′ with probability σ(R(y) − R(y′)) (shared by every method)."""
    return torch.as_tensor(rng.random(pairs.shape[:2])) < torch.sigmoid(reward[pairs[..., 0]] - reward[pairs[..., 1]])


def k_choice_fixed_point(lm: LoadedModel, settings: KChoiceSettings, rng: np.random.Generator,
                         lora_init: torch.Generator | None = None) -> Outcome:
    """One seed: ``rng`` draws the rewards, the pairs and the labels; every run of :data:`K_CHOICE_RUNS`
    trains on them. Metrics ``start_kl``, ``final_kl/<run>``, ``copg_shift_max_abs_diff``; series ``kl/<run>``;
    wall times under ``timing/``."""
    task = k_choice_task(settings.num_prompts, rng, settings.reward_high)
    started = time.perf_counter()
    policy = settings.policy(lm, k_choice_pool(lm, task), lora_init)
    setup_s = time.perf_counter() - started
    k = task.num_candidates
    ref_k = renormalise(policy.ref_logp.numpy().reshape(-1, k))
    optimum = tilted_policy(np.log(ref_k), task.rewards, settings.beta)
    pairs = torch.as_tensor(sample_pairs(rng, settings.steps, settings.batch_pairs, settings.num_prompts, k,
                                         np.asarray(settings.mu)))
    reward = torch.as_tensor(task.rewards.reshape(-1), dtype=torch.float64)
    first = bradley_terry_labels(rng, reward, pairs)

    def evaluate(logp: Tensor) -> dict[str, float]:
        return {"kl": float(kl(optimum, renormalise(logp.numpy().reshape(-1, k))).mean())}

    metrics = {"start_kl": evaluate(policy.ref_logp)["kl"], "timing/setup_s": setup_s,
               "trainable_params": float(policy.num_trainable())}
    series: dict[str, list[float]] = {}
    for run in K_CHOICE_RUNS:
        steps = settings.shift_check_steps if run.invariance_check else settings.steps
        started = time.perf_counter()
        curves = train_pairs(policy, run.method, pairs[:steps], reward + (settings.shift if run.shifted else 0.0),
                             first[:steps], settings.beta, settings.lr, settings.clip, evaluate, settings.eval_every)
        metrics[f"timing/seconds_per_step/{run.name}"] = (time.perf_counter() - started) / steps
        metrics[f"final_kl/{run.name}"] = curves["kl"][-1]
        series[f"kl/{run.name}"] = curves["kl"]
    check = next(r for r in K_CHOICE_RUNS if r.invariance_check)
    shared = len(series[f"kl/{check.name}"])
    metrics[f"{check.method}_shift_max_abs_diff"] = float(np.max(np.abs(np.subtract(
        series[f"kl/{check.method}"][:shared], series[f"kl/{check.name}"]))))
    return Outcome(metrics, series)
