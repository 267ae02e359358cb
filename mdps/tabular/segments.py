"""Segments from a behaviour policy, their discounted feature counts, and preference labels (CPL §3.1).

A segment σ = (s_0, a_0, …, s_{k−1}, a_{k−1}). Its discounted score under a table f(s, a) (or f_h(s, a)) is
Σ_t γ^t f(s_t, a_t): with f = A* this is the **regret preference model** (CPL Eq. 5),

    P(σ⁺ ≻ σ⁻) = sigmoid(Σ_t γ^t A*(s⁺_t, a⁺_t) − Σ_t γ^t A*(s⁻_t, a⁻_t)),

with f = r the classic **reward preference model** (Eq. 1). Labels are *sampled* from the model (Bernoulli), or
*hard*: 1[score⁺ > score⁻], which is what the official CPL code does.

Scores are linear in the sparse count features X[n, (h,) s, a] = Σ_t γ^t 1[(h_t,) s_t, a_t = (h,) s, a], so
every fit below works on sparse design matrices (``segment_features``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from mdps.tabular.mdp import TabularMDP

LabelMode = Literal["sampled", "hard"]


@dataclass(frozen=True)
class Segments:
    """N segments of length k: integer arrays of shape (N, k); ``times`` is the time step h of each entry."""

    states: np.ndarray
    actions: np.ndarray
    times: np.ndarray

    def __len__(self) -> int:
        return self.states.shape[0]

    @property
    def length(self) -> int:
        return self.states.shape[1]

    def take(self, index: np.ndarray | slice) -> Segments:
        return Segments(self.states[index], self.actions[index], self.times[index])


class RowSampler:
    """Draws from the rows of a fixed (R, K) probability table by one binary search per draw: row r's CDF is
    shifted to (r, r+1] in one sorted array, so a draw for row r is searchsorted(r + u) − r·K, u ~ U[0, 1)."""

    def __init__(self, table: np.ndarray) -> None:
        table = np.asarray(table, dtype=np.float64)
        self.num_rows, self.width = table.shape
        cdf = np.cumsum(table, axis=-1)
        cdf = cdf / cdf[:, -1:]
        cdf[:, -1] = 1.0
        self._flat = (cdf + np.arange(self.num_rows)[:, None]).ravel()

    def __call__(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        rows = np.asarray(rows)
        position = np.searchsorted(self._flat, rows + rng.random(rows.shape), side="right")
        return np.clip(position - rows * self.width, 0, self.width - 1)


def masked_uniform_behaviour(num_states: int, num_actions: int, never: np.ndarray | None = None) -> np.ndarray:
    """Uniform behaviour policy; ``never`` (bool (S, A)) marks actions it never takes (a coverage mask)."""
    allowed = np.ones((num_states, num_actions), dtype=bool) if never is None else ~np.asarray(never, dtype=bool)
    if np.any(allowed.sum(-1) == 0):
        raise ValueError("the coverage mask forbids every action in some state")
    return allowed / allowed.sum(-1, keepdims=True)


def sample_segments(mdp: TabularMDP, behaviour: np.ndarray, num: int, length: int, rng: np.random.Generator,
                    start: np.ndarray | None = None) -> Segments:
    """``num`` segments of ``length`` steps under ``behaviour`` ((S, A), or (H, S, A) with a horizon).

    Discounted MDPs: s_0 ~ ``start`` (default uniform over states, i.e. full state coverage). Finite horizon:
    segments are episode prefixes from h = 0 with s_0 ~ ``start`` (default ρ0); ``length`` ≤ H.
    """
    if num < 1:
        raise ValueError(f"number of segments must be >= 1, got {num}")
    if length < 1:
        raise ValueError(f"segment length must be >= 1, got {length}")
    if mdp.horizon is not None and length > mdp.horizon:
        raise ValueError(f"segment length {length} exceeds the horizon H = {mdp.horizon}")
    s_count, a_count = mdp.num_states, mdp.num_actions
    pi = np.asarray(behaviour, dtype=np.float64)
    if pi.shape == (s_count, a_count):
        pi = np.broadcast_to(pi, (mdp.horizon or length, s_count, a_count))
    elif mdp.horizon is None or pi.shape != (mdp.horizon, s_count, a_count):
        raise ValueError(f"behaviour must have shape {(s_count, a_count)}, got {pi.shape}")
    if np.any(pi < 0) or np.max(np.abs(pi.sum(-1) - 1)) > 1e-6:
        raise ValueError("behaviour rows must be probability vectors")
    if start is None:
        start = mdp.start if mdp.horizon is not None else np.full(s_count, 1.0 / s_count)
    states = np.empty((num, length), dtype=np.int64)
    actions = np.empty((num, length), dtype=np.int64)
    next_state = RowSampler(mdp.transitions.reshape(s_count * a_count, s_count))
    s = RowSampler(np.asarray(start, dtype=np.float64)[None])(np.zeros(num, dtype=np.int64), rng)
    for t in range(length):
        states[:, t] = s
        actions[:, t] = a = RowSampler(pi[t])(s, rng)
        if t + 1 < length:
            s = next_state(s * a_count + a, rng)
    times = np.broadcast_to(np.arange(length), (num, length)).copy()
    return Segments(states, actions, times)


def segment_pairs(mdp: TabularMDP, behaviour: np.ndarray, num: int, length: int, rng: np.random.Generator,
                  start: np.ndarray | None = None) -> tuple[Segments, Segments]:
    """Two independent sets of ``num`` segments (σ_a, σ_b of each pair), drawn one set after the other."""
    return (sample_segments(mdp, behaviour, num, length, rng, start),
            sample_segments(mdp, behaviour, num, length, rng, start))


def regret_labelled_pairs(mdp: TabularMDP, advantage: np.ndarray, behaviour: np.ndarray, num: int, length: int,
                          gamma: float, rng: np.random.Generator,
                          start: np.ndarray | None = None) -> tuple[Segments, Segments, np.ndarray]:
    """``num`` segment pairs and labels sampled from the regret preference model (CPL Eq. 5):
    y ~ Bernoulli(sigmoid(Σ_t γ^t A*(σ_a) − Σ_t γ^t A*(σ_b))), drawn after both segment sets."""
    seg_a, seg_b = segment_pairs(mdp, behaviour, num, length, rng, start)
    labels = preference_labels(segment_scores(seg_a, advantage, gamma), segment_scores(seg_b, advantage, gamma), rng)
    return seg_a, seg_b, labels


def feature_index(segments: Segments, num_states: int, num_actions: int, time_indexed: bool) -> np.ndarray:
    """Flat feature index of each (h, s, a) entry: s·A + a, or (h·S + s)·A + a when time-indexed."""
    flat = segments.states * num_actions + segments.actions
    return flat + segments.times * (num_states * num_actions) if time_indexed else flat


def segment_features(segments: Segments, num_states: int, num_actions: int, gamma: float,
                     time_indexed: bool = False, horizon: int | None = None,
                     discounted: bool = True) -> sp.csr_matrix:
    """Sparse X (N × F): X[n, f] = Σ_t γ^t 1[feature(n, t) = f] (γ^t → 1 with ``discounted=False``)."""
    n, k = segments.states.shape
    width = num_states * num_actions * ((horizon or k) if time_indexed else 1)
    weights = np.broadcast_to(gamma ** np.arange(k) if discounted else np.ones(k), (n, k)).ravel()
    cols = feature_index(segments, num_states, num_actions, time_indexed).ravel()
    rows = np.repeat(np.arange(n), k)
    return sp.csr_matrix((weights, (rows, cols)), shape=(n, width))


def segment_scores(segments: Segments, table: np.ndarray, gamma: float) -> np.ndarray:
    """Σ_t γ^t f(h_t, s_t, a_t) for a table f of shape (S, A) or (H, S, A)."""
    table = np.asarray(table, dtype=np.float64)
    if table.ndim == 2:
        values = table[segments.states, segments.actions]
    else:
        values = table[segments.times, segments.states, segments.actions]
    return values @ (gamma ** np.arange(segments.length))


def preference_labels(score_a: np.ndarray, score_b: np.ndarray, rng: np.random.Generator,
                      mode: LabelMode = "sampled") -> np.ndarray:
    """y = 1 when σ_a ≻ σ_b: y ~ Bernoulli(sigmoid(score_a − score_b)) (``sampled``), or 1[score_a > score_b]
    (``hard``, the official code's deterministic labels; exact ties go to a fair coin)."""
    diff = np.asarray(score_a, dtype=np.float64) - np.asarray(score_b, dtype=np.float64)
    u = rng.random(diff.shape)
    if mode == "sampled":
        return u < expit(diff)
    if mode == "hard":
        return np.where(diff == 0, u < 0.5, diff > 0)
    raise ValueError(f"label mode must be 'sampled' or 'hard', got {mode!r}")


def contrastive_design(features_a: sp.csr_matrix, features_b: sp.csr_matrix, labels: np.ndarray,
                       lam: float = 1.0) -> sp.csr_matrix:
    """Rows X⁺ − λ·X⁻ with σ⁺ the preferred segment of each pair (CPL's and Bradley–Terry's design)."""
    if not 0 < lam <= 1:
        raise ValueError(f"conservative lambda must lie in (0, 1], got {lam}")
    y = sp.diags(np.asarray(labels, dtype=np.float64))
    not_y = sp.diags(1.0 - np.asarray(labels, dtype=np.float64))
    preferred = y @ features_a + not_y @ features_b
    rejected = y @ features_b + not_y @ features_a
    return (preferred - lam * rejected).tocsr()
