"""Contrastive UCB for two-player zero-sum low-rank Markov games (Qiu et al. 2022, Sec. 5, Alg. 2), and the game
study of the suite: the duality gap of the learner's output policies vs the number of episodes K.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mdps.lowrank.curves import loglog_slope
from mdps.lowrank.markov_games import (
    LowRankGame,
    coarse_correlated_equilibrium,
    duality_gap,
    nash_equilibrium,
    random_lowrank_game,
)
from mdps.lowrank.nce import fit_nce, recovered_transitions


@dataclass(frozen=True)
class GameTrace:
    """Duality gaps of the output marginal policies, for one seed."""

    checkpoints: np.ndarray
    """K at which the curves are read."""
    average_gap: np.ndarray
    """(1/K)·Σ_{k<K} gap_k at each checkpoint, gap_k the gap of the policies played in episode k (Thm 5.3)."""
    last_gap: np.ndarray
    """gap_{K−1}, the last iterate's gap, at each checkpoint."""
    lp_seconds: float
    refit_seconds: float


def update_schedule(every: int, growth: float, episodes: int) -> set[int]:
    """Episodes at which to update (a rarely-switching schedule): k_1 = ``every``, k_{i+1} = max(k_i + every,
    ⌈k_i·(1 + growth)⌉), below ``episodes``. growth = 0 gives every ``every`` episodes; growth > 0 makes the gaps
    grow geometrically (O(log K) updates), as in the rarely-switching variants of optimistic RL."""
    if every < 1 or growth < 0:
        raise ValueError(f"need every >= 1 and growth >= 0, got {every}, {growth}")
    points, k = set(), every
    while k < episodes:
        points.add(k)
        k = max(k + every, math.ceil(k * (1 + growth)))
    return points


def run_game_ucb(game: LowRankGame, episodes: int, checkpoints: Sequence[int], rng: np.random.Generator,
                 generator: torch.Generator, dim: int, bonus: float, refit_every: int, plan_every: int,
                 restarts: int = 2, steps: int = 300, ridge: float = 1.0, growth: float = 0.0) -> GameTrace:
    """Contrastive UCB for zero-sum Markov games (Alg. 2): learned features φ̂(s,(a,b)) by NCE with exact
    negatives over a uniform P⁻; optimistic Q̄_h = min{r + P̂V̄_{h+1} + β‖φ̂‖_{Λ⁻¹}, H−h}, pessimistic
    Q̲_h = max{r + P̂V̲_{h+1} − β‖φ̂‖_{Λ⁻¹}, 0}; σ_h(s) = CCE(Q̄_h(s), Q̲_h(s)); play (a,b) ∼ σ_h(s).
    The output policies of episode k are the marginals (π_k, ν_k) of σ; Thm 5.3 bounds their episode-averaged
    duality gap (1/K)·Σ_{k<K} gap_k by Õ(K^{−1/2}). σ is re-planned at episode 0 and on
    :func:`update_schedule` (``plan_every``, ``growth``); its gap is computed then, exactly, on the true game. φ̂, ψ̂
    are refit on :func:`update_schedule` (``refit_every``, ``growth``).

    ``rng`` draws the initial random features and the play, ``generator`` the NCE cold starts (both advanced)."""
    transitions = game.transitions()
    horizon, num_states, a, b, _ = transitions.shape
    wanted = sorted(set(int(c) for c in checkpoints))
    if not wanted or wanted[0] < 1 or wanted[-1] > episodes:
        raise ValueError(f"checkpoints must lie in [1, {episodes}], got {list(checkpoints)}")
    joint = a * b
    negative = np.full(num_states, 1.0 / num_states)
    counts = np.zeros((horizon, num_states, joint, num_states))
    phi = rng.dirichlet(np.ones(dim), size=(horizon, num_states, joint))
    model = np.broadcast_to(negative, counts.shape).copy()
    cdf = np.cumsum(transitions.reshape(horizon, num_states, joint, num_states), -1)
    cdf_init = np.cumsum(game.initial)
    reward = game.reward.reshape(horizon, num_states, joint)
    gap_per_episode = np.zeros(episodes)
    lp_seconds = refit_seconds = 0.0
    gap = 0.0
    refits = update_schedule(refit_every, growth, episodes)
    plans = update_schedule(plan_every, growth, episodes) | {0}
    for k in range(episodes):
        if k in refits:
            start = time.perf_counter()
            fit = fit_nce(counts[None], negative, dim, "free", restarts, steps, [generator])
            phi, model = fit.phi[0], recovered_transitions(fit.phi, fit.psi, negative)[0]
            refit_seconds += time.perf_counter() - start
        if k in plans:
            start = time.perf_counter()
            sigma = _plan(model, reward, phi, counts.sum(-1), bonus, ridge, a, b)
            lp_seconds += time.perf_counter() - start
            gap = duality_gap(transitions, game.reward, game.initial, sigma.sum(-1), sigma.sum(-2))
        gap_per_episode[k] = gap
        u = rng.random(2 * horizon + 1)
        state = int(min((u[0] > cdf_init).sum(), num_states - 1))
        for h in range(horizon):
            action = int(min((u[1 + h] > np.cumsum(sigma[h, state].ravel())).sum(), joint - 1))
            next_state = int(min((u[1 + horizon + h] > cdf[h, state, action]).sum(), num_states - 1))
            counts[h, state, action, next_state] += 1
            state = next_state
    index = np.asarray(wanted) - 1
    average = np.cumsum(gap_per_episode)[index] / np.asarray(wanted, dtype=float)
    return GameTrace(np.asarray(wanted, dtype=float), average, gap_per_episode[index], lp_seconds, refit_seconds)


def _plan(model: np.ndarray, reward: np.ndarray, phi: np.ndarray, visits: np.ndarray, bonus: float,
          ridge: float, a: int, b: int) -> np.ndarray:
    """Backward induction of optimistic and pessimistic values with a CCE per (h, s); returns σ (H, S, A, B)."""
    horizon, num_states, joint, dim = phi.shape
    gram = np.einsum("hsj,hsjd,hsje->hde", visits, phi, phi) + ridge * np.eye(dim)
    width = np.sqrt(np.maximum(np.einsum("hsjd,hde,hsje->hsj", phi, np.linalg.inv(gram), phi), 0.0))
    upper_next, lower_next = np.zeros(num_states), np.zeros(num_states)
    sigma = np.zeros((horizon, num_states, a, b))
    for h in range(horizon - 1, -1, -1):
        scale = bonus * width[h] if h < horizon - 1 else 0.0
        upper = np.clip(reward[h] + model[h] @ upper_next + scale, 0, horizon - h).reshape(num_states, a, b)
        lower = np.clip(reward[h] + model[h] @ lower_next - scale, 0, horizon - h).reshape(num_states, a, b)
        for s in range(num_states):
            sigma[h, s] = coarse_correlated_equilibrium(upper[s], lower[s])
        upper_next = np.einsum("sab,sab->s", sigma[h], upper)
        lower_next = np.einsum("sab,sab->s", sigma[h], lower)
    return sigma


def game_study(num_states: int, num_actions: int, rank: int, horizon: int, concentration: float, state_reward: bool,
               episodes: int, checkpoints: Sequence[int], bonus: float, refit_every: int, plan_every: int,
               growth: float, restarts: int, fit_steps: int, game_rng: np.random.Generator,
               play_rng: np.random.Generator, fit_generator: torch.Generator
               ) -> tuple[dict[str, float], dict[str, list[float]]]:
    """One seed: a random low-rank zero-sum game (A = B = ``num_actions``, d = d̂ = ``rank``, Dirichlet
    ``concentration``, state-only reward if ``state_reward``) drawn by ``game_rng``; its exact Nash by LP;
    Contrastive UCB for games (:func:`run_game_ucb`); the episode-averaged and last-iterate duality gaps.

    Metrics: ``nash_value``, ``nash_gap`` (≈ 0), ``uniform_gap`` (both players uniform), ``first_gap`` and
    ``final_gap`` (the averaged gap at the first and last checkpoint), ``final_last_gap``, ``gap_slope``
    (log-log slope of the averaged gap vs K); wall-clock seconds under ``timing/``. Series: ``checkpoints``,
    ``gap`` (averaged), ``last_gap``.
    """
    game = random_lowrank_game(num_states, num_actions, num_actions, rank, horizon, game_rng, concentration,
                               state_reward)
    transitions = game.transitions()
    values, pi, nu = nash_equilibrium(transitions, game.reward)
    uniform_gap = duality_gap(transitions, game.reward, game.initial,
                              np.full_like(pi, 1.0 / num_actions), np.full_like(nu, 1.0 / num_actions))
    start = time.perf_counter()
    trace = run_game_ucb(game, episodes, checkpoints, play_rng, fit_generator, rank, bonus, refit_every,
                         plan_every, restarts, fit_steps, growth=growth)
    seconds = time.perf_counter() - start
    gaps = np.maximum(trace.average_gap, 1e-12)
    metrics = {"nash_value": float(values[0] @ game.initial),
               "nash_gap": duality_gap(transitions, game.reward, game.initial, pi, nu),
               "uniform_gap": uniform_gap, "first_gap": float(gaps[0]), "final_gap": float(gaps[-1]),
               "final_last_gap": float(trace.last_gap[-1]), "gap_slope": loglog_slope(trace.checkpoints, gaps),
               "timing/lp_seconds": trace.lp_seconds, "timing/refit_seconds": trace.refit_seconds,
               "timing/episodes_per_second": episodes / seconds}
    return metrics, {"checkpoints": trace.checkpoints.tolist(), "gap": gaps.tolist(),
                     "last_gap": trace.last_gap.tolist()}
