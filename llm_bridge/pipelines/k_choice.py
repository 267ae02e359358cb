"""Offline CoPG, IPO and naive PG on the K-choice task, measured against the exact restricted optimum.

Restricted to the K candidates of each prompt, the KL-regularised optimum is exact (CoPG §3):
    π*_K(y) ∝ π_ref,K(y)·exp(R(y)/β)      (:func:`bandits.solvers.tilted_policy`),
with π_ref,K the LM's own reference probabilities renormalised over the K candidates. Every run trains from the
same initial weights on the same pairs (prompt uniform, y, y′ ∼ μ independently) and Bradley–Terry labels
P(y ≻ y′) = σ(R(y) − R(y′)) — pre-sampled, or (``pairs="expected"``) the exact expectation over every pair and
label — until its curve plateaus; the curve is KL(π*_K‖π_θ,K) averaged over prompts.

Shifting every reward by a constant leaves π* and CoPG's trajectory unchanged (CoPG sees only within-prompt
differences); naive PG (b = 0) then fails: its fixed point π = π_ref·e^{R/β} per sequence is π*_K only while
Σ_K π_ref·e^{R/β} < 1.
"""
from __future__ import annotations

import time
from collections.abc import Callable
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
from llm_bridge.train import Plateau, PoolPolicy, sample_pairs, train_pairs


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


def expected_pairs(num_prompts: int, mu: np.ndarray, reward: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Every ordered pair (y, y′) of every prompt, one batch [1, P·K², 2], with the weights that make the weighted
    sum of per-pair losses the exact expectation of the sampled scheme (prompt uniform, y, y′ ∼ μ, Bradley–Terry
    label): μ(y)μ(y′)/P for the scored and per-sample methods; 2·μ(y)μ(y′)·σ(R(y) − R(y′))/P with y preferred for
    the ranked ones (the draw (y, y′) and the draw (y′, y) each put mass μ(y)μ(y′)·σ(R(y) − R(y′)) on "y ≻ y′").
    Returns (pairs, weights, ranked weights) (the labels are all "y preferred"); both weights sum to 1."""
    k = len(mu)
    prompt, y, y_prime = np.meshgrid(np.arange(num_prompts), np.arange(k), np.arange(k), indexing="ij")
    rows = torch.as_tensor(np.stack([prompt * k + y, prompt * k + y_prime], -1).reshape(1, -1, 2))
    weight = torch.as_tensor((np.asarray(mu)[y] * np.asarray(mu)[y_prime] / num_prompts).reshape(1, -1))
    won = torch.sigmoid(reward[rows[..., 0]] - reward[rows[..., 1]])
    return rows, weight, 2.0 * weight * won


def _train_run(policy: PoolPolicy, settings: KChoiceSettings, run: PairRun, data: dict[str, Tensor], reward: Tensor,
               evaluate: Callable[[Tensor], dict[str, float]]) -> dict[str, list[float]]:
    steps = settings.shift_check_steps if run.invariance_check else settings.steps
    shifted = reward + (settings.shift if run.shifted else 0.0)
    stop = None if run.invariance_check else Plateau("kl", settings.plateau_window, settings.plateau_tolerance)
    if settings.pairs == "expected":
        ranked = objectives.loss_spec(run.method).kind == "ranked"
        weights = data["ranked_weights" if ranked else "weights"].expand(steps, -1)
        return train_pairs(policy, run.method, data["pairs"].expand(steps, -1, -1), shifted,
                           torch.ones(weights.shape, dtype=torch.bool), settings.beta, settings.lr, settings.clip,
                           evaluate, settings.eval_every, weights=weights, stop=stop)
    return train_pairs(policy, run.method, data["pairs"][:steps], shifted, data["first"][:steps], settings.beta,
                       settings.lr, settings.clip, evaluate, settings.eval_every, stop=stop)


def k_choice_fixed_point(lm: LoadedModel, settings: KChoiceSettings, rng: np.random.Generator,
                         lora_init: torch.Generator | None = None) -> Outcome:
    """One seed: ``rng`` draws the rewards (and, with sampled pairs, the pairs and the labels); every run of
    :data:`K_CHOICE_RUNS` trains on them until its KL curve plateaus (:class:`llm_bridge.train.Plateau`) or
    ``steps`` run out. With ``pairs="expected"`` every step uses the exact expectation over pairs and labels
    (:func:`expected_pairs`): the gradient has no sampling noise, so each run settles at its own fixed point.
    Metrics ``start_kl``, ``final_kl/<run>``, ``steps/<run>``, ``plateaued/<run>``, ``copg_shift_max_abs_diff``;
    series ``kl/<run>``; wall times under ``timing/``."""
    task = k_choice_task(settings.num_prompts, rng, settings.reward_high)
    started = time.perf_counter()
    policy = settings.policy(lm, k_choice_pool(lm, task), lora_init)
    setup_s = time.perf_counter() - started
    k = task.num_candidates
    ref_k = renormalise(policy.ref_logp.numpy().reshape(-1, k))
    optimum = tilted_policy(np.log(ref_k), task.rewards, settings.beta)
    reward = torch.as_tensor(task.rewards.reshape(-1), dtype=torch.float64)
    if settings.pairs == "expected":
        pairs, weights, ranked_weights = expected_pairs(settings.num_prompts, np.asarray(settings.mu), reward)
        data = {"pairs": pairs, "weights": weights, "ranked_weights": ranked_weights}
    else:
        pairs = torch.as_tensor(sample_pairs(rng, settings.steps, settings.batch_pairs, settings.num_prompts, k,
                                             np.asarray(settings.mu)))
        data = {"pairs": pairs, "first": bradley_terry_labels(rng, reward, pairs)}

    def evaluate(logp: Tensor) -> dict[str, float]:
        return {"kl": float(kl(optimum, renormalise(logp.numpy().reshape(-1, k))).mean())}

    metrics = {"start_kl": evaluate(policy.ref_logp)["kl"], "timing/setup_s": setup_s,
               "trainable_params": float(policy.num_trainable())}
    series: dict[str, list[float]] = {}
    for run in K_CHOICE_RUNS:
        started = time.perf_counter()
        curves = _train_run(policy, settings, run, data, reward, evaluate)
        steps = int(curves["step"][-1])
        metrics[f"timing/seconds_per_step/{run.name}"] = (time.perf_counter() - started) / steps
        metrics[f"final_kl/{run.name}"] = curves["kl"][-1]
        metrics[f"steps/{run.name}"] = float(steps)
        metrics[f"plateaued/{run.name}"] = float(steps < settings.steps or Plateau(
            "kl", settings.plateau_window, settings.plateau_tolerance)(curves))
        series[f"kl/{run.name}"] = curves["kl"]
    check = next(r for r in K_CHOICE_RUNS if r.invariance_check)
    shared = len(series[f"kl/{check.name}"])
    metrics[f"{check.method}_shift_max_abs_diff"] = float(np.max(np.abs(np.subtract(
        series[f"kl/{check.method}"][:shared], series[f"kl/{check.name}"]))))
    return Outcome(metrics, series)
