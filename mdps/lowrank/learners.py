"""Online learners on finite-horizon (low-rank) MDPs, batched over seeds: Contrastive UCB and its baselines.

Every learner plans an optimistic Q each episode (:mod:`mdps.lowrank.planners`), acts greedily (π_k), and is
scored by the exact suboptimality V*(ρ) − V^{π_k}(ρ) on the true model. Learners (``LearnerSpec.features``):

- ``learned_tied`` / ``learned_free``: Contrastive UCB (Qiu et al. 2022, Alg. 1). Every ``refit_every`` episodes
  φ̂, ψ̂ are refit by NCE with exact negatives (:mod:`mdps.lowrank.nce`, Eq. 3.2), P̂_h = φ̂ᵀψ̂·P⁻, and Q is
  planned through P̂ with the bonus β‖φ̂_h(s,a)‖_{Λ_h⁻¹} (Eq. 4.1–4.2).
- ``oracle`` / ``random``: LSVI-UCB (Jin et al. 2020) with the true φ* or fixed random simplex features.
- ``tabular``: UCBVI-style, bonus c·(H − h)/√N_h(s,a).

Data collection (``collection``): ``one_step_random`` follows π_k but takes one uniformly random action at one
uniformly random step (Rep-UCB-style); ``on_policy`` follows π_k; ``epsilon_greedy`` takes a random action with
probability ε at every step. All random draws come from each seed's own numpy Generator (acting, random features)
and torch Generator (NCE cold starts), given by the caller, so a seed's trajectory does not depend on which other
seeds share the batch.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from mdps.lowrank.mdp import deterministic_policy_value, optimal_values
from mdps.lowrank.nce import fit_nce, recovered_transitions
from mdps.lowrank.planners import feature_q, tabular_q

FeatureSource = Literal["learned_tied", "learned_free", "oracle", "random", "tabular"]
Collection = Literal["one_step_random", "on_policy", "epsilon_greedy"]
FEATURE_SOURCES: tuple[str, ...] = ("learned_tied", "learned_free", "oracle", "random", "tabular")
COLLECTIONS: tuple[str, ...] = ("one_step_random", "on_policy", "epsilon_greedy")


@dataclass(frozen=True)
class LearnerSpec:
    """One learner: where its features come from, its bonus scale, how it collects data."""

    features: FeatureSource
    bonus: float
    """β for feature-based learners, c for tabular UCBVI; 0 disables optimism."""
    collection: Collection = "one_step_random"
    epsilon: float = 0.0
    """Per-step random-action probability for ``epsilon_greedy`` collection."""

    def __post_init__(self) -> None:
        if self.features not in FEATURE_SOURCES:
            raise ValueError(f"unknown feature source {self.features!r} (choose from {', '.join(FEATURE_SOURCES)})")
        if self.collection not in COLLECTIONS:
            raise ValueError(f"unknown collection {self.collection!r} (choose from {', '.join(COLLECTIONS)})")
        if not np.isfinite(self.bonus) or self.bonus < 0:
            raise ValueError(f"bonus must be >= 0, got {self.bonus}")
        if not 0 <= self.epsilon <= 1:
            raise ValueError(f"epsilon must lie in [0, 1], got {self.epsilon}")

    @property
    def learned(self) -> bool:
        """Whether the features (and the model P̂) are learned by NCE."""
        return self.features.startswith("learned")


@dataclass(frozen=True)
class FitSettings:
    """Representation-learning settings for the learned-feature learners."""

    dim: int = 4
    """d̂, the learned feature dimension."""
    refit_every: int = 50
    """Episodes between refits of φ̂, ψ̂."""
    restarts: int = 3
    """Cold restarts per refit (the lowest loss is kept)."""
    steps: int = 300
    """Adam steps per refit."""
    lr: float = 0.05
    """Adam learning rate (cosine-annealed)."""
    ridge: float = 1.0
    """λ in Λ_h = Σ φφᵀ + λI."""
    single_precision: bool = True
    """Fit in float32 (about twice as fast; the fit is stopped long before float32 round-off matters)."""


@dataclass(frozen=True)
class Trace:
    """What a learner did, per seed."""

    suboptimality: np.ndarray
    """V*(ρ) − V^{π_k}(ρ) for k = 0..K−1, (B, K)."""
    goal_reached: np.ndarray
    """How many episodes had a return of at least ``goal`` (any positive return when ``goal`` is None), (B,)."""
    refit_seconds: float
    """Wall time spent in representation refits (all seeds together)."""
    plan_seconds: float
    """Wall time spent planning, evaluating and acting (all seeds together)."""


def optimistic_q(spec: LearnerSpec, reward: np.ndarray, counts: np.ndarray, phi: np.ndarray | None,
                 model: np.ndarray | None, ridge: float) -> np.ndarray:
    """The learner's optimistic Q (B, H, S, A) (see :mod:`mdps.lowrank.planners`).

    counts N_h(s,a,s′) (B, H, S, A, S); phi (B, H, S, A, d) for feature learners; model P̂ (B, H, S, A, S) for the
    learned-feature learners, ignored otherwise.
    """
    if spec.features == "tabular":
        return tabular_q(spec.bonus, reward, counts)
    if phi is None:
        raise ValueError(f"features are required for {spec.features!r}")
    if spec.learned and model is None:
        raise ValueError("a learned model P̂ is required for learned-feature learners")
    return feature_q(spec.bonus, reward, counts, phi, model if spec.learned else None, ridge)


def run_learner(transitions: np.ndarray, reward: np.ndarray, initial: np.ndarray, true_features: np.ndarray,
                spec: LearnerSpec, episodes: int, rngs: Sequence[np.random.Generator],
                generators: Sequence[torch.Generator], fit: FitSettings | None = None, goal: float | None = None
                ) -> Trace:
    """Run one learner for K = ``episodes`` on B seeds' MDPs.

    transitions (B, H, S, A, S), reward (B, H, S, A), initial (B, S), true_features φ* (B, H, S, A, d); one numpy
    Generator per seed in ``rngs`` (random features, tie-breaking, acting) and one torch Generator per seed in
    ``generators`` (NCE cold starts). Both are advanced. ``goal``: the return that counts as reaching the goal in
    :attr:`Trace.goal_reached` (e.g. the lock's final reward 1, above its distractor rewards); None: any reward.
    """
    fit = fit or FitSettings()
    batch, horizon, num_states, num_actions, _ = transitions.shape
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    if len(rngs) != batch or len(generators) != batch:
        raise ValueError(f"{len(rngs)} numpy and {len(generators)} torch generators for a batch of {batch} MDPs")
    _, optimal = optimal_values(transitions, reward)
    v_star = np.einsum("bs,bs->b", optimal[:, 0], initial)
    cdf_init = np.cumsum(initial, -1)
    cdf_trans = np.cumsum(transitions, -1)
    negative = np.full(num_states, 1.0 / num_states)
    counts = np.zeros((batch, horizon, num_states, num_actions, num_states))

    if spec.features == "oracle":
        phi = true_features
    elif spec.features == "random" or spec.learned:
        phi = np.stack([g.dirichlet(np.ones(fit.dim), size=(horizon, num_states, num_actions)) for g in rngs])
    else:
        phi = None
    model = np.broadcast_to(negative, transitions.shape).copy() if spec.learned else None

    subopt = np.zeros((batch, episodes))
    goal_reached = np.zeros(batch)
    refit_seconds = plan_seconds = 0.0
    rows = np.arange(batch)
    for k in range(episodes):
        if spec.learned and k > 0 and k % fit.refit_every == 0:
            start = time.perf_counter()
            result = fit_nce(counts, negative, fit.dim, "tied" if spec.features == "learned_tied" else "free",
                             fit.restarts, fit.steps, generators, lr=fit.lr,
                             dtype=torch.float32 if fit.single_precision else torch.float64)
            phi = result.phi
            model = recovered_transitions(result.phi, result.psi, negative)
            refit_seconds += time.perf_counter() - start
        start = time.perf_counter()
        q = optimistic_q(spec, reward, counts, phi, model, fit.ridge)
        draws = np.stack([g.random(horizon * num_states * num_actions + 4 * horizon + 2) for g in rngs])
        ties = draws[:, :horizon * num_states * num_actions].reshape(q.shape) * 1e-9
        policy = (q + ties).argmax(-1)  # (B, H, S), random tie-breaking
        subopt[:, k] = v_star - deterministic_policy_value(transitions, reward, initial, policy)
        u = draws[:, horizon * num_states * num_actions:]
        state = (u[:, 0, None] > cdf_init).sum(-1).clip(max=num_states - 1)
        random_step = np.minimum((u[:, 1] * horizon).astype(int), horizon - 1)
        got = np.zeros(batch)
        for h in range(horizon):
            action = policy[rows, h, state]
            random_action = np.minimum((u[:, 2 + horizon + h] * num_actions).astype(int), num_actions - 1)
            if spec.collection == "one_step_random":
                action = np.where(random_step == h, random_action, action)
            elif spec.collection == "epsilon_greedy":
                action = np.where(u[:, 2 + 2 * horizon + h] < spec.epsilon, random_action, action)
            got += reward[rows, h, state, action]
            next_state = (u[:, 2 + h, None] > cdf_trans[rows, h, state, action]).sum(-1).clip(max=num_states - 1)
            counts[rows, h, state, action, next_state] += 1.0
            state = next_state
        goal_reached += got > 0 if goal is None else got >= goal
        plan_seconds += time.perf_counter() - start
    return Trace(subopt, goal_reached, refit_seconds, plan_seconds)
