"""Statistics of learning curves and rate curves: episodes to an ε-optimal policy, regret and log-log slopes."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.stats


def episodes_to(suboptimality: np.ndarray, tolerance: float) -> np.ndarray:
    """t_ε: the first episode k (the number of episodes played before π_k is used, i.e. the index k) at which π_k
    is ``tolerance``-optimal; K (censored) if never. suboptimality (B, K) → (B,)."""
    hit = suboptimality <= tolerance
    return np.where(hit.any(-1), hit.argmax(-1), suboptimality.shape[-1]).astype(float)


def regret_slope(suboptimality: np.ndarray) -> float:
    """Least-squares slope of log cumulative policy regret Σ_{j≤k}(V* − V^{π_j}) on log k over the second half of
    the K episodes: ≈ 1 for a learner that never finds the reward, ≈ 0 once it has levelled off (0 if the regret
    is zero). suboptimality (K,)."""
    episodes = suboptimality.shape[-1]
    half = episodes // 2
    regret = np.cumsum(suboptimality, -1)
    if regret[-1] <= 0:
        return 0.0
    k = np.arange(half, episodes) + 1
    return float(np.polyfit(np.log(k), np.log(np.maximum(regret[half:], 1e-9)), 1)[0])


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope b of log y = a + b·log x (a rate exponent: −1/2 for y ∝ x^{−1/2})."""
    return float(scipy.stats.linregress(np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))).slope)
