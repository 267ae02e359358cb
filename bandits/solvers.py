"""Closed-form and numerical reference solutions, independent of the methods under test."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bandits.validation import check_finite, check_positive, check_probabilities


def kl_regularized_optimum(ref_probs: Sequence[float], rewards: Sequence[float], beta: float) -> np.ndarray:
    """π*(y) = π_ref(y)·exp(R(y)/β) / Z, the maximiser of E_π[R] − β·KL(π‖π_ref) (CoPG Eq. 2–3).

    Computed in log space (a stable softmax), so large R/β cannot overflow.
    """
    ref = check_probabilities("ref_probs", ref_probs)
    reward = check_finite("rewards", rewards)
    if reward.size != ref.size:
        raise ValueError(f"rewards has {reward.size} entries, ref_probs has {ref.size}")
    beta = check_positive("beta", beta)
    with np.errstate(divide="ignore"):
        logits = np.log(ref) + reward / beta
    logits -= logits.max()
    probs = np.exp(logits)
    return probs / probs.sum()


def regularized_value(probs: np.ndarray, ref_probs: np.ndarray, rewards: np.ndarray, beta: float) -> np.ndarray:
    """J(π) = E_π[R] − β·KL(π‖π_ref), batched over leading dimensions of ``probs``."""
    p = np.asarray(probs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_terms = np.where(p > 0, p * (np.log(p) - np.log(ref_probs)), 0.0)
    return (p * rewards).sum(-1) - beta * kl_terms.sum(-1)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p‖q) = Σ p·ln(p/q) over the last axis (0·ln 0 = 0)."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0).sum(-1)


# --- Preference games (Nash-MD suite) --------------------------------------------------------------------------
# Regularised Nash (Newton root finder with τ-continuation), LP Nash for τ = 0, Bradley–Terry fit, and
# (regularised) exploitability. Implemented and documented in bandits/nash_solvers.py; re-exported here so that
# every reference solver is importable from bandits.solvers.
from bandits.nash_solvers import (  # noqa: E402,F401
    bradley_terry_fit,
    exploitability,
    fixed_point_residual,
    nash_lp,
    nash_md_pg_fixed_point,
    regularized_exploitability,
    regularized_nash,
)
