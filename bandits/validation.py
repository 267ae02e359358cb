"""Input checks shared by the bandit problems: clear one-line ValueErrors naming the bad value."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PROBABILITY_TOLERANCE = 1e-6


def check_probabilities(name: str, probs: Sequence[float], size: int | None = None) -> np.ndarray:
    """A probability vector: finite, non-negative, summing to 1 (within 1e-6), of the given size."""
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{name} must be a non-empty vector, got shape {p.shape}")
    if size is not None and p.size != size:
        raise ValueError(f"{name} has {p.size} entries, expected {size}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains NaN or inf: {p.tolist()}")
    if np.any(p < 0):
        raise ValueError(f"{name} has negative entries: {p.tolist()}")
    if abs(p.sum() - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{name} must sum to 1, sums to {p.sum():.6g}: {p.tolist()}")
    return p


def check_full_support(name: str, probs: np.ndarray) -> None:
    """Every entry strictly positive (CoPG's Theorem 1 needs data with full support)."""
    if np.any(probs <= 0):
        raise ValueError(f"{name} must give every action positive probability: {probs.tolist()}")


def check_finite(name: str, values: Sequence[float]) -> np.ndarray:
    """A finite vector (no NaN/inf)."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a non-empty vector")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or inf: {x.tolist()}")
    return x


def check_positive(name: str, value: float) -> float:
    """A finite number > 0."""
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)
