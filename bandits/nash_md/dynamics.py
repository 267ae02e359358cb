"""Exact (tabular, expected-gradient) learning dynamics on preference games, batched over games × seeds.

All dynamics are mirror-descent steps in log space (Munos et al., 2023, arXiv 2312.00886):

- **Nash-MD** (the paper's tabular algorithm, analysed in Thm 1): geometric mixture
  log π^μ_t = (1 − η_tτ)·log π_t + η_tτ·log μ − log Z, then
  log π_{t+1} = log π^μ_t + η_t·P π^μ_t − log Z′
  (i.e. (1 − η_tτ)·log π_t + η_tτ·log μ + η_t·P π^μ_t + const).
- **OMD** (Eq. 7–8): the same step with the preference term against π_t instead of π^μ_t.
- **Multiplicative weights self-play**: τ = 0 (then π^μ_t = π_t), last iterate and running average.
- **RLHF** baseline: Bradley–Terry fit of P, then the KL-regularised optimum μ·exp(r/τ).

Shapes: P (B, K, K), μ (B, K), τ scalar or (B,), step sizes (T,) or (T, B). No randomness.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bandits.games import check_preference_matrix
from bandits.solvers import bradley_terry_fit, check_reference, check_tau, kl_regularized_optimum

Opponent = Literal["mixture", "current"]


@dataclass(frozen=True)
class Trajectory:
    """Recorded iterates: ``steps`` (R,), ``log_probs`` (R, B, K) of π_t at those t, and ``average`` (R, B, K),
    the running mean (1/t)·Σ_{s=1..t} π_s (π_0 at t = 0) when requested, else None."""

    steps: np.ndarray
    log_probs: np.ndarray
    average: np.ndarray | None


def nash_md_step_sizes(tau: float | np.ndarray, steps: int) -> np.ndarray:
    """η_t = 2/(τ(t + 2)) for t = 0..T−1 (Munos et al., Thm 1), shape (T,) or (T, B) for a vector τ."""
    t = check_tau(tau, allow_zero=False)
    return 2.0 / (t[None] * (np.arange(steps, dtype=float).reshape((-1,) + (1,) * t.ndim) + 2.0))


def log_grid(steps: int, points: int = 60) -> np.ndarray:
    """About ``points`` distinct integers in [0, steps], log-spaced (0 and ``steps`` included)."""
    grid = np.unique(np.round(np.logspace(0, np.log10(steps + 1), points) - 1).astype(int))
    return np.unique(np.concatenate([[0], grid, [steps]]))


def mirror_descent(matrix: np.ndarray, mu: np.ndarray, tau: float | np.ndarray, etas: np.ndarray,
                   opponent: Opponent = "mixture", init: np.ndarray | None = None,
                   record_at: Sequence[int] | None = None, average: bool = False) -> Trajectory:
    """Run T = len(etas) exact steps of Nash-MD (``opponent="mixture"``) or OMD (``"current"``) on a batch.

    τ = 0 makes both multiplicative-weights self-play. Requires 0 ≤ η_t·τ ≤ 1. ``init`` defaults to μ.
    ``record_at`` (sorted steps in [0, T]) defaults to every step.
    """
    p = check_preference_matrix("P", matrix)
    if p.ndim != 3:
        raise ValueError(f"P must be a batch (B, K, K), got shape {p.shape}")
    batch, k = p.shape[0], p.shape[-1]
    log_mu = np.log(np.broadcast_to(check_reference("mu", mu, k), (batch, k)))
    t = np.broadcast_to(check_tau(tau), (batch,))[:, None]
    eta = np.asarray(etas, dtype=float)
    if eta.ndim not in (1, 2):
        raise ValueError(f"etas must have shape (T,) or (T, B), got {eta.shape}")
    eta = np.broadcast_to(eta.reshape(eta.shape[0], -1 if eta.ndim == 2 else 1, 1), (eta.shape[0], batch, 1))
    if not np.all(np.isfinite(eta)) or np.any(eta <= 0) or np.any(eta * t[None] > 1 + 1e-12):
        raise ValueError("step sizes must be > 0 with eta·tau <= 1")
    if opponent not in ("mixture", "current"):
        raise ValueError(f"opponent must be 'mixture' (Nash-MD) or 'current' (OMD), got {opponent!r}")
    steps = eta.shape[0]
    record = np.arange(steps + 1) if record_at is None else np.asarray(record_at, dtype=int)
    if record.size == 0 or record.min() < 0 or record.max() > steps or np.any(np.diff(record) <= 0):
        raise ValueError(f"record_at must be increasing steps in [0, {steps}]")
    logp = log_mu.copy() if init is None else np.log(np.broadcast_to(check_reference("init", init, k), (batch, k)))
    logp, probs = _normalise(logp)
    running = np.zeros((batch, k))
    out_logp = np.empty((record.size, batch, k))
    out_avg = np.empty((record.size, batch, k)) if average else None
    against_current = opponent == "current"
    slot = 0
    for step in range(steps + 1):
        if step == record[slot]:
            out_logp[slot] = logp
            if average:
                out_avg[slot] = probs if step == 0 else running / step
            slot += 1
            if slot == record.size:
                break
        a = eta[step] * t
        mixture, against = _normalise((1.0 - a) * logp + a * log_mu)
        if against_current:
            against = probs
        logp, probs = _normalise(mixture + eta[step] * np.matmul(p, against[..., None])[..., 0])
        if average:
            running += probs
    return Trajectory(record, out_logp, out_avg)


def _normalise(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log-softmax, softmax) over the last axis, sharing one exp."""
    shifted = logits - logits.max(-1, keepdims=True)
    weights = np.exp(shifted)
    total = weights.sum(-1, keepdims=True)
    return shifted - np.log(total), weights / total


def rlhf_policy(matrix: np.ndarray, mu: np.ndarray, tau: float) -> np.ndarray:
    """RLHF baseline: r = Bradley–Terry maximum-likelihood fit of P, then π*_R = μ·exp(r/τ)/Z (the
    KL-regularised reward maximiser). τ = 0 gives the uniform policy over argmax r (the unregularised limit)."""
    reward = bradley_terry_fit(matrix)
    if tau == 0:
        best = np.isclose(reward, reward.max(), rtol=0, atol=1e-9).astype(float)
        return best / best.sum()
    return kl_regularized_optimum(mu, reward, tau)


def simplex_coordinates(probs: np.ndarray) -> np.ndarray:
    """2-D barycentric-to-Cartesian map of 3-response policies (..., 3) → (..., 2) for simplex plots."""
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    return np.asarray(probs) @ corners

