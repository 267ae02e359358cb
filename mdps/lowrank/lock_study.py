"""The combination-lock study: every learner on each seed's lock, scored by t₀.₁ (episodes to a 0.1-optimal
policy, :func:`mdps.lowrank.curves.episodes_to`) and cumulative policy regret with its second-half slope.

Every learner (and every lock width) starts from copies of the same per-seed generators: the learners share
their random numbers (common random numbers), so per-seed differences between learners are paired.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mdps.lowrank.curves import episodes_to, regret_slope
from mdps.lowrank.learners import FitSettings, LearnerSpec, run_learner
from mdps.lowrank.mdp import combination_lock

LOCK_LEARNERS: tuple[str, ...] = ("contrastive_ucb", "contrastive_free", "contrastive_onpolicy", "no_bonus", "greedy",
                                  "egreedy", "oracle", "random_features", "ucbvi")
"""The learners of the study, in the order they are run and reported."""
CONTROL_LEARNERS: tuple[str, ...] = ("no_bonus", "greedy", "egreedy")
"""Contrastive UCB's learned model without the bonus (β = 0): with its one-step-random collection, greedy (ε = 0),
and ε-greedy. On a lock that needs directed exploration none of them reaches a 0.1-optimal policy."""


def lock_learner_specs(learners: Sequence[str], bonus: float, oracle_bonus: float, epsilon: float,
                       ucbvi_bonuses: Sequence[float]) -> dict[str, LearnerSpec]:
    """Learner name (UCBVI once per bonus constant c, named ``ucbvi@c``) → spec, in the order of ``learners``."""
    table = {
        "contrastive_ucb": LearnerSpec("learned_tied", bonus, "one_step_random"),
        "contrastive_free": LearnerSpec("learned_free", bonus, "one_step_random"),
        "contrastive_onpolicy": LearnerSpec("learned_tied", bonus, "on_policy"),
        "no_bonus": LearnerSpec("learned_tied", 0.0, "one_step_random"),
        "greedy": LearnerSpec("learned_tied", 0.0, "on_policy"),
        "egreedy": LearnerSpec("learned_tied", 0.0, "epsilon_greedy", epsilon),
        "oracle": LearnerSpec("oracle", oracle_bonus, "on_policy"),
        "random_features": LearnerSpec("random", bonus, "on_policy"),
    }
    unknown = [name for name in learners if name not in LOCK_LEARNERS]
    if unknown:
        raise ValueError(f"unknown learners {unknown} (choose from {', '.join(LOCK_LEARNERS)})")
    specs = {name: table[name] for name in learners if name != "ucbvi"}
    if "ucbvi" in learners:
        specs.update({f"ucbvi@{c:g}": LearnerSpec("tabular", c, "on_policy") for c in ucbvi_bonuses})
    return specs


@dataclass(frozen=True)
class LockStudy:
    """The lock (H, A, L latent states per level, distractor reward D) and what is run on it."""

    horizon: int
    num_actions: int
    num_latent: int
    distractor: float
    """D, paid by wrong actions in good states (0: the plain lock)."""
    episodes: int
    """K."""
    specs: Mapping[str, LearnerSpec]
    """Learner name → spec (see :func:`lock_learner_specs`)."""
    fit: FitSettings
    tolerance: float
    """ε of t_ε."""


def _numpy_copies(rngs: Sequence[np.random.Generator]) -> list[np.random.Generator]:
    return [copy.deepcopy(rng) for rng in rngs]


def _torch_copies(generators: Sequence[torch.Generator]) -> list[torch.Generator]:
    copies = []
    for generator in generators:
        twin = torch.Generator()
        twin.set_state(generator.get_state())
        copies.append(twin)
    return copies


def lock_study(study: LockStudy, obs_per_latent: int, lock_rngs: Sequence[np.random.Generator],
               acting_rngs: Sequence[np.random.Generator], fit_generators: Sequence[torch.Generator],
               prefix: str = "") -> list[tuple[dict[str, float], dict[str, list[float]]]]:
    """Every learner on each seed's lock with m = ``obs_per_latent`` observed states per latent state.

    One generator per seed in each list: ``lock_rngs`` draw the lock (secret actions, observation labels),
    ``acting_rngs`` the learners' random features and actions, ``fit_generators`` their NCE cold starts; each is
    copied before use (the callers' generators are not advanced). Returns per seed the metrics
    ``{prefix}{t01, goal_reached, final_subopt, regret, regret_slope}/<name>`` (``goal_reached``: episodes that
    collected the final reward 1), the wall-clock measures
    ``timing/{prefix}{episodes_per_second, refit_seconds}/<name>`` and the series ``{prefix}subopt/<name>``
    (suboptimality per episode, 5 decimals).
    """
    locks = [combination_lock(study.horizon, study.num_actions, obs_per_latent, rng, study.num_latent,
                              study.distractor) for rng in _numpy_copies(lock_rngs)]
    transitions = np.stack([lock.mdp.transitions() for lock in locks])
    reward = np.stack([lock.mdp.reward for lock in locks])
    initial = np.stack([lock.mdp.initial for lock in locks])
    true_features = np.stack([lock.mdp.phi for lock in locks])
    batch = len(locks)
    metrics: list[dict[str, float]] = [{} for _ in range(batch)]
    series: list[dict[str, list[float]]] = [{} for _ in range(batch)]
    for name, spec in study.specs.items():
        start = time.perf_counter()
        trace = run_learner(transitions, reward, initial, true_features, spec, study.episodes,
                            _numpy_copies(acting_rngs), _torch_copies(fit_generators), study.fit, goal=1.0)
        seconds = time.perf_counter() - start
        t01 = episodes_to(trace.suboptimality, study.tolerance)
        regret = np.cumsum(trace.suboptimality, -1)
        for i in range(batch):
            metrics[i].update({
                f"{prefix}t01/{name}": float(t01[i]),
                f"{prefix}goal_reached/{name}": float(trace.goal_reached[i]),
                f"{prefix}final_subopt/{name}": float(trace.suboptimality[i, -1]),
                f"{prefix}regret/{name}": float(regret[i, -1]),
                f"{prefix}regret_slope/{name}": regret_slope(trace.suboptimality[i]),
                f"timing/{prefix}episodes_per_second/{name}": study.episodes * batch / seconds,
                f"timing/{prefix}refit_seconds/{name}": trace.refit_seconds / batch,
            })
            series[i][f"{prefix}subopt/{name}"] = np.round(trace.suboptimality[i], 5).tolist()
    return list(zip(metrics, series))


def lock_width_study(study: LockStudy, widths: Sequence[int], lock_rngs: Sequence[np.random.Generator],
                     acting_rngs: Sequence[np.random.Generator], fit_generators: Sequence[torch.Generator]
                     ) -> list[tuple[dict[str, float], dict[str, list[float]]]]:
    """:func:`lock_study` for each width m, with keys prefixed ``m{m}/``, merged per seed."""
    merged: list[tuple[dict[str, float], dict[str, list[float]]]] = [({}, {}) for _ in lock_rngs]
    for m in widths:
        for (metrics, series), (part_m, part_s) in zip(merged, lock_study(study, m, lock_rngs, acting_rngs,
                                                                            fit_generators, prefix=f"m{m}/")):
            metrics.update(part_m)
            series.update(part_s)
    return merged
