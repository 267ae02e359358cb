"""Online learners on finite-horizon (low-rank) MDPs, batched over seeds: Contrastive UCB and its baselines.

Every learner plans an optimistic Q by backward induction each episode, acts greedily (π_k), and is scored by the
exact suboptimality V*(ρ) − V^{π_k}(ρ) on the true model. Learners (``LearnerSpec.features``):

- ``learned_tied`` / ``learned_free``: Contrastive UCB (Qiu et al. 2022, Alg. 1). Every ``refit_every`` episodes
  φ̂, ψ̂ are refit by NCE with exact negatives (:mod:`mdps.lowrank_nce`), P̂_h = φ̂ᵀψ̂·P⁻, and
      Q_h(s,a) = min{ r_h(s,a) + P̂_h V_{h+1}(s,a) + β‖φ̂_h(s,a)‖_{Λ_h⁻¹}, H − h },  Λ_h = Σ_τ φ̂φ̂ᵀ + λI  (Eq. 4.1–4.2).
- ``oracle`` / ``random``: LSVI-UCB (Jin et al. 2020) with the true φ* or fixed random simplex features,
      w_h = Λ_h⁻¹ Σ_τ φ(s_τ,a_τ) V_{h+1}(s′_τ),  Q_h = min{ r_h + φᵀw_h + β‖φ‖_{Λ_h⁻¹}, H − h }.
- ``tabular``: UCBVI-style, Q_h = min{ r_h + P̂_emp V_{h+1} + c·(H − h)/√N_h(s,a), H − h } (H − h if unvisited).

The reward is known (as in the theory); the bonus is dropped at the last step, where V_H ≡ 0 makes the model
error term zero. Data collection (``collection``): ``one_step_random`` follows π_k but takes one uniformly random
action at one uniformly random step (Rep-UCB-style); ``on_policy`` follows π_k; ``epsilon_greedy`` takes a random
action with probability ε at every step. All random draws come from each seed's own numpy Generator / torch
Generator, so a seed's trajectory does not depend on which other seeds share the batch.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from mdps.lowrank import optimal_values
from mdps.lowrank_nce import fit_nce, recovered_transitions

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
    rewards_seen: np.ndarray
    """How many episodes collected a positive reward, (B,)."""
    refit_seconds: float
    """Wall time spent in representation refits (all seeds together)."""
    plan_seconds: float
    """Wall time spent planning, evaluating and acting (all seeds together)."""


def episodes_to(suboptimality: np.ndarray, tolerance: float) -> np.ndarray:
    """First episode k (1-based count of episodes played before π_k is used, i.e. the index k) at which π_k is
    ``tolerance``-optimal; K (censored) if never. suboptimality (B, K) → (B,)."""
    hit = suboptimality <= tolerance
    return np.where(hit.any(-1), hit.argmax(-1), suboptimality.shape[-1]).astype(float)


def elliptical_bonus(features: np.ndarray, counts_sa: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    """‖φ(s,a)‖_{Λ_h⁻¹} with Λ_h = λI + Σ_{s,a} N_h(s,a) φφᵀ (Eq. 4.2); features (B,H,S,A,d), counts (B,H,S,A).
    Returns the bonus widths (B, H, S, A) and Λ_h⁻¹ (B, H, d, d)."""
    dim = features.shape[-1]
    gram = np.einsum("bhsa,bhsad,bhsae->bhde", counts_sa, features, features) + ridge * np.eye(dim)
    inverse = np.linalg.inv(gram)
    return np.sqrt(np.maximum(np.einsum("bhsad,bhde,bhsae->bhsa", features, inverse, features), 0.0)), inverse


def run_learner(transitions: np.ndarray, reward: np.ndarray, initial: np.ndarray, true_features: np.ndarray,
                spec: LearnerSpec, episodes: int, seeds: Sequence[int], fit: FitSettings | None = None
                ) -> Trace:
    """Run one learner for K = ``episodes`` on B seeds' MDPs.

    transitions (B, H, S, A, S), reward (B, H, S, A), initial (B, S), true_features φ* (B, H, S, A, d).
    """

    fit = fit or FitSettings()
    batch, horizon, num_states, num_actions, _ = transitions.shape
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    if len(seeds) != batch:
        raise ValueError(f"{len(seeds)} seeds for a batch of {batch} MDPs")
    rngs = [np.random.default_rng([int(s), 7]) for s in seeds]
    torch_generators = [torch.Generator().manual_seed(int(s) * 7919 + 17) for s in seeds]
    _, optimal = optimal_values(transitions, reward)
    v_star = np.einsum("bs,bs->b", optimal[:, 0], initial)
    cdf_init = np.cumsum(initial, -1)
    cdf_trans = np.cumsum(transitions, -1)
    negative = np.full(num_states, 1.0 / num_states)
    counts = np.zeros((batch, horizon, num_states, num_actions, num_states))

    learned = spec.features.startswith("learned")
    if spec.features == "oracle":
        phi = true_features
    elif spec.features == "random" or learned:
        phi = np.stack([g.dirichlet(np.ones(fit.dim), size=(horizon, num_states, num_actions)) for g in rngs])
    else:
        phi = None
    model = np.broadcast_to(negative, transitions.shape).copy() if learned else None

    subopt = np.zeros((batch, episodes))
    rewards_seen = np.zeros(batch)
    refit_seconds = plan_seconds = 0.0
    rows = np.arange(batch)
    for k in range(episodes):
        if learned and k > 0 and k % fit.refit_every == 0:
            start = time.perf_counter()
            result = fit_nce(counts, negative, fit.dim, "tied" if spec.features == "learned_tied" else "free",
                             fit.restarts, fit.steps, torch_generators, lr=fit.lr,
                             dtype=torch.float32 if fit.single_precision else torch.float64)
            phi = result.phi
            model = recovered_transitions(result.phi, result.psi, negative)
            refit_seconds += time.perf_counter() - start
        start = time.perf_counter()
        q = optimistic_q(spec, reward, counts, phi, model, fit.ridge)
        draws = np.stack([g.random(horizon * num_states * num_actions + 4 * horizon + 2) for g in rngs])
        ties = draws[:, :horizon * num_states * num_actions].reshape(q.shape) * 1e-9
        policy = (q + ties).argmax(-1)  # (B, H, S), random tie-breaking
        subopt[:, k] = v_star - _policy_value(transitions, reward, initial, policy)
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
        rewards_seen += got > 0
        plan_seconds += time.perf_counter() - start
    return Trace(subopt, rewards_seen, refit_seconds, plan_seconds)


def optimistic_q(spec: LearnerSpec, reward: np.ndarray, counts: np.ndarray, phi: np.ndarray | None,
                 model: np.ndarray | None, ridge: float) -> np.ndarray:
    """The learner's optimistic Q (B, H, S, A) by backward induction from V_H = 0 (see the module docstring).

    counts N_h(s,a,s′) (B, H, S, A, S); phi (B, H, S, A, d) for feature learners; model P̂ (B, H, S, A, S) for the
    learned-feature learners (``spec.features`` learned_*), ignored otherwise.
    """
    batch, horizon, num_states, num_actions, _ = counts.shape
    remaining = (horizon - np.arange(horizon)).astype(float)[:, None, None]  # H − h per level
    use_bonus = (np.arange(horizon) < horizon - 1).astype(float)[:, None, None]
    counts_sa = counts.sum(-1)
    q = np.zeros((batch, horizon, num_states, num_actions))
    value_next = np.zeros((batch, num_states))
    if spec.features == "tabular":
        visits = np.maximum(counts_sa, 1.0)
        empirical = counts / visits[..., None]
        bonus = spec.bonus * remaining / np.sqrt(visits)
        for h in range(horizon - 1, -1, -1):
            q_h = reward[:, h] + np.einsum("bsat,bt->bsa", empirical[:, h], value_next) + use_bonus[h] * bonus[:, h]
            q_h = np.where(counts_sa[:, h] > 0, q_h, remaining[h])
            q[:, h] = np.minimum(q_h, remaining[h])
            value_next = q[:, h].max(-1)
        return q
    if phi is None:
        raise ValueError(f"features are required for {spec.features!r}")
    learned = spec.features.startswith("learned")
    if learned and model is None:
        raise ValueError("a learned model P̂ is required for learned-feature learners")
    bonus, inverse = elliptical_bonus(phi, counts_sa, ridge)
    for h in range(horizon - 1, -1, -1):
        if learned:
            backup = np.einsum("bsat,bt->bsa", model[:, h], value_next)
        else:
            target = np.einsum("bsat,bt->bsa", counts[:, h], value_next)
            weights = np.einsum("bde,bsad,bsa->be", inverse[:, h], phi[:, h], target)
            backup = np.einsum("bsad,bd->bsa", phi[:, h], weights)
        q_h = reward[:, h] + backup + spec.bonus * use_bonus[h] * bonus[:, h]
        q[:, h] = np.clip(q_h, 0.0, remaining[h])
        value_next = q[:, h].max(-1)
    return q


def _policy_value(transitions: np.ndarray, reward: np.ndarray, initial: np.ndarray, policy: np.ndarray) -> np.ndarray:
    """E_ρ V^π_0 for deterministic π (B, H, S) by backward induction on the true model."""
    batch, horizon, num_states = policy.shape
    rows = np.arange(batch)[:, None]
    cols = np.arange(num_states)[None, :]
    value = np.zeros((batch, num_states))
    for h in range(horizon - 1, -1, -1):
        chosen = transitions[rows, h, cols, policy[:, h]]  # (B, S, S)
        value = reward[rows, h, cols, policy[:, h]] + np.einsum("bst,bt->bs", chosen, value)
    return np.einsum("bs,bs->b", value, initial)
