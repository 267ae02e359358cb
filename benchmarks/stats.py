"""Interval estimates over seeds (seeds are the unit of replication) and verdict rules.

- ``mean_ci``: mean with a 95% percentile-bootstrap CI (scipy.stats.bootstrap, fixed bootstrap seed).
- ``iqm``: interquartile mean (rliable), for heavy-tailed runs, with its own bootstrap CI.
- ``loglog_slope``: least-squares slope of log y on log x with a t-based CI, for rate claims.
- ``decide``: holds / fails / inconclusive from a CI and a threshold.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

BOOTSTRAP_SEED = 20240627
Direction = Literal["below", "above"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval and the number of replicates behind it."""

    value: float
    low: float
    high: float
    n: int

    @property
    def ci(self) -> tuple[float, float]:
        return (self.low, self.high)


def _bootstrap(values: Sequence[float], statistic: Callable[[np.ndarray], float], confidence: float) -> Estimate:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("need a non-empty 1-d sample")
    if not np.all(np.isfinite(x)):
        raise ValueError("sample contains NaN or inf")
    point = float(statistic(x))
    if x.size == 1 or np.ptp(x) == 0.0:
        return Estimate(point, point if x.size > 1 else -np.inf, point if x.size > 1 else np.inf, int(x.size))
    result = stats.bootstrap(
        (x,), lambda s, axis=-1: np.apply_along_axis(statistic, axis, s), confidence_level=confidence,
        n_resamples=4999, method="percentile", rng=np.random.default_rng(BOOTSTRAP_SEED), vectorized=True,
    )
    return Estimate(point, float(result.confidence_interval.low), float(result.confidence_interval.high), int(x.size))


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Sample mean with a percentile-bootstrap CI. One replicate gives an unbounded CI (cannot decide)."""
    return _bootstrap(values, np.mean, confidence)


def interquartile_mean(x: np.ndarray) -> float:
    """Mean of the middle 50% of the sorted sample (scipy's trimmed mean with 25% cut on each side)."""
    return float(stats.trim_mean(x, 0.25))


def iqm(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Interquartile mean with a percentile-bootstrap CI."""
    return _bootstrap(values, interquartile_mean, confidence)


def loglog_slope(x: Sequence[float], y: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Slope b of log y = a + b·log x by least squares, with a Student-t CI from its standard error."""
    lx, ly = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    if lx.size < 3:
        raise ValueError("a slope CI needs at least 3 points")
    fit = stats.linregress(lx, ly)
    half = stats.t.ppf(0.5 + confidence / 2, lx.size - 2) * fit.stderr
    return Estimate(float(fit.slope), float(fit.slope - half), float(fit.slope + half), int(lx.size))


MIN_SEEDS_TO_DECIDE = 3


def decide(estimate: Estimate, threshold: float, claim_is: Direction,
           min_n: int = MIN_SEEDS_TO_DECIDE) -> Literal["holds", "fails", "inconclusive"]:
    """Verdict for "the quantity is ``claim_is`` the threshold": holds if the whole CI is on the claimed side,
    fails if the whole CI is on the other side, inconclusive if the CI straddles the threshold or fewer than
    ``min_n`` replicates stand behind it (a bootstrap CI from two seeds means little)."""
    if estimate.n < min_n:
        return "inconclusive"
    if claim_is == "below":
        if estimate.high < threshold:
            return "holds"
        if estimate.low > threshold:
            return "fails"
    else:
        if estimate.low > threshold:
            return "holds"
        if estimate.high < threshold:
            return "fails"
    return "inconclusive"


def combine(statuses: Sequence[str]) -> Literal["holds", "fails", "inconclusive"]:
    """All parts hold → holds; any part fails → fails; otherwise inconclusive."""
    if any(s == "fails" for s in statuses):
        return "fails"
    if all(s == "holds" for s in statuses):
        return "holds"
    return "inconclusive"


def has_plateaued(curve: Sequence[float], tail_fraction: float = 0.1, relative_tolerance: float = 0.02) -> bool:
    """True if the curve moved, over its last ``tail_fraction`` of points, by at most ``relative_tolerance``
    of the largest distance it ever went from its start (a converged fixed point, not a run cut short)."""
    y = np.asarray(curve, dtype=float)
    tail_start = min(len(y) - 2, int(np.floor((1 - tail_fraction) * (len(y) - 1)))) if len(y) > 1 else 0
    travel = float(np.max(np.abs(y - y[0]))) if y.size else 0.0
    return abs(float(y[-1] - y[tail_start])) <= relative_tolerance * travel + 1e-9
