"""Interval estimates over seeds (seeds are the unit of replication) and verdict rules (REVISION-2 §1).

- ``mean_interval`` (Student-t below n = 20, BCa from 20), ``median_interval`` and ``iqm_interval`` (BCa),
  ``one_sided`` (one-sided t bound), ``paired_difference`` and ``paired_log_ratio`` (same seeds on both sides),
  ``slope_interval`` (per-seed least-squares slopes, t-interval across seeds);
- ``decide_claim`` → (status, reason), inconclusive with "too few seeds" below ``MIN_SEEDS`` = 5 unless the
  statistic is exact; ``combine_parts`` (invalid > fails > inconclusive > holds);
- ``has_plateaued``: the convergence test applied to learning curves before a verdict is drawn from them.

A percentile bootstrap is never used (with 3 seeds its "95% CI" is exactly [min, max]).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from bandits.validation import check_finite

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


def has_plateaued(curve: Sequence[float], tail_fraction: float = 0.1, relative_tolerance: float = 0.02) -> bool:
    """True if the curve moved, over its last ``tail_fraction`` of points, by at most ``relative_tolerance``
    of the largest distance it ever went from its start (a converged fixed point, not a run cut short)."""
    y = np.asarray(curve, dtype=float)
    tail_start = min(len(y) - 2, int(np.floor((1 - tail_fraction) * (len(y) - 1)))) if len(y) > 1 else 0
    travel = float(np.max(np.abs(y - y[0]))) if y.size else 0.0
    return abs(float(y[-1] - y[tail_start])) <= relative_tolerance * travel + 1e-9


# ------------------------------------------------------------------------------------------------------------------
# The decision layer of REVISION-2 §1. Seeds are the unit of replication; every function below takes one value per
# seed. Which interval when:
#   mean, n < 20          Student-t:  x̄ ± t_{(1+c)/2, n−1} · s/√n
#   mean, n ≥ 20          BCa bootstrap (scipy.stats.bootstrap(method="BCa"), fixed seed)
#   median / IQM, any n   BCa bootstrap (never a percentile bootstrap)
#   one-sided, slopes     Student-t bound x̄ + t_{c, n−1}·s/√n (upper) or x̄ − t_{c, n−1}·s/√n (lower)
# n = 1 gives (−inf, +inf) (nothing can be decided); zero spread gives the degenerate interval at the point.
# ------------------------------------------------------------------------------------------------------------------

Side = Literal["upper", "lower"]
Status = Literal["holds", "fails", "inconclusive", "invalid"]
MIN_SEEDS = 5
"""A verdict on a stochastic statistic needs at least this many seeds (REVISION-2 §1)."""
T_BELOW_N = 20
"""Means of fewer seeds than this get a Student-t interval; from this many on, a BCa bootstrap."""
BOOTSTRAP_RESAMPLES = 4999


def _degenerate(x: np.ndarray, point: float, side: Side | None = None) -> Estimate | None:
    """The interval when nothing is left to estimate: n = 1 → (−inf, +inf); zero spread → the point itself
    (the open end of a one-sided bound stays infinite). None when the sample has spread."""
    if x.size == 1:
        return Estimate(point, -np.inf, np.inf, 1)
    if np.ptp(x) == 0.0:
        low = -np.inf if side == "upper" else point
        high = np.inf if side == "lower" else point
        return Estimate(point, low, high, int(x.size))
    return None


def _t_interval(x: np.ndarray, confidence: float, side: Side | None) -> Estimate:
    """Student-t interval for the mean: x̄ ± t_{(1+c)/2, n−1}·s/√n (two-sided), or the one-sided bound
    x̄ + t_{c, n−1}·s/√n (side="upper", low = −inf) / x̄ − t_{c, n−1}·s/√n (side="lower", high = +inf)."""
    point = float(np.mean(x))
    degenerate = _degenerate(x, point, side)
    if degenerate is not None:
        return degenerate
    n = int(x.size)
    standard_error = float(np.std(x, ddof=1) / np.sqrt(n))
    if side is None:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * standard_error
        return Estimate(point, point - half, point + half, n)
    reach = float(stats.t.ppf(confidence, n - 1)) * standard_error
    if side == "upper":
        return Estimate(point, -np.inf, point + reach, n)
    if side == "lower":
        return Estimate(point, point - reach, np.inf, n)
    raise ValueError(f"side must be None, 'upper' or 'lower', got {side!r}")


def _bca(x: np.ndarray, statistic: Callable[..., np.ndarray], confidence: float) -> Estimate:
    """BCa bootstrap interval of ``statistic`` (a vectorised function of (sample, axis)), fixed resampling seed.
    Where scipy cannot compute BCa (its acceleration or bias correction is undefined, e.g. tiny or tied samples:
    it returns NaN), the interval is (−inf, +inf): no verdict rather than a made-up one."""
    point = float(statistic(x, axis=-1))
    degenerate = _degenerate(x, point)
    if degenerate is not None:
        return degenerate
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DegenerateDataWarning: handled below as an unbounded interval
        result = stats.bootstrap((x,), statistic, confidence_level=confidence, n_resamples=BOOTSTRAP_RESAMPLES,
                                 method="BCa", rng=np.random.default_rng(BOOTSTRAP_SEED), vectorized=True)
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if not (np.isfinite(low) and np.isfinite(high)):
        return Estimate(point, -np.inf, np.inf, int(x.size))
    return Estimate(point, min(low, point), max(high, point), int(x.size))  # plain floats


def _iqm_axis(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return stats.trim_mean(x, 0.25, axis=axis)


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Mean over seeds with a two-sided interval: Student-t x̄ ± t_{(1+c)/2, n−1}·s/√n for n < 20, BCa
    bootstrap (fixed seed) for n ≥ 20. n = 1 → (−inf, +inf); zero spread → the point. NaN/inf → ValueError.

    Simulated coverage of the nominal 95% (tests/harness/test_stats_coverage.py): ≈95% for normal samples at
    n = 5 and 10, ≥ 93% for skewness up to about 1 (lognormal σ = 0.25, gamma k = 4); strongly skewed samples
    undercover (exponential ≈ 89%), so compare positive, ratio-like metrics with :func:`paired_log_ratio`."""
    x = check_finite("sample", values)
    if x.size < T_BELOW_N:
        return _t_interval(x, confidence, None)
    return _bca(x, np.mean, confidence)


def median_interval(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Median over seeds with a BCa bootstrap interval (fixed seed); where BCa is undefined → (−inf, +inf).
    Below n = 10, where a bootstrap interval cannot reach beyond the sample and undercovers, the interval is
    widened to contain the distribution-free order-statistic interval [x_(k), x_(n+1−k)] (the largest k with
    P(Bin(n, ½) < k) ≤ (1−c)/2); for n ≤ 5 at 95% no such k exists and the interval is (−inf, +inf)."""
    x = check_finite("sample", values)
    estimate = _bca(x, np.median, confidence)
    if x.size >= 10 or not np.isfinite(estimate.low) or estimate.low == estimate.high:
        return estimate
    k = int(stats.binom.ppf((1 - confidence) / 2, x.size, 0.5))  # P(Bin < k) ≤ (1−c)/2 for this k
    while k >= 1 and stats.binom.cdf(k - 1, x.size, 0.5) > (1 - confidence) / 2:
        k -= 1
    if k < 1:
        return Estimate(estimate.value, -np.inf, np.inf, estimate.n)
    ordered = np.sort(x)
    return Estimate(estimate.value, min(estimate.low, float(ordered[k - 1])),
                    max(estimate.high, float(ordered[x.size - k])), estimate.n)


def iqm_interval(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Interquartile mean (mean of the middle 50%, rliable) with a BCa bootstrap interval (fixed seed); where BCa
    is undefined → (−inf, +inf). Same small-n caveat as :func:`median_interval`."""
    return _bca(check_finite("sample", values), _iqm_axis, confidence)


def one_sided(values: Sequence[float], side: Side, confidence: float = 0.95) -> Estimate:
    """One-sided Student-t bound on the mean over seeds. side="upper": (−inf, x̄ + t_{c, n−1}·s/√n], for claims
    "the mean is at most …"; side="lower": [x̄ − t_{c, n−1}·s/√n, +inf), for "at least …".

    With :func:`decide_claim` such an estimate can only hold or be inconclusive (its other end is infinite). A
    one-sided claim that must also be able to fail (holds when the upper 95% bound ≤ t, fails when the lower 95%
    bound > t) uses both one-sided bounds at once: ``mean_interval(values, confidence=0.90)`` (the ends of the
    two-sided 90% interval are the two one-sided 95% bounds; likewise ``paired_difference(..., confidence=0.90)``
    and ``slope_interval(..., confidence=0.90)``)."""
    if side not in ("upper", "lower"):
        raise ValueError(f"side must be 'upper' or 'lower', got {side!r}")
    return _t_interval(check_finite("sample", values), confidence, side)


def one_sided_bounds(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """The mean over seeds with both one-sided Student-t bounds as its interval [x̄ − t·s/√n, x̄ + t·s/√n]
    (t = t_{c, n−1}): a one-sided claim "at most c" holds when the upper bound is ≤ c and fails when the lower
    bound is > c (and the other way round for "at least")."""
    lower, upper = one_sided(values, "lower", confidence), one_sided(values, "upper", confidence)
    return Estimate(lower.value, lower.low, upper.high, lower.n)


def paired_one_sided_bounds(a: Sequence[float], b: Sequence[float], confidence: float = 0.95,
                            log_ratio: bool = False) -> Estimate:
    """:func:`one_sided_bounds` of the per-seed differences d_i = a_i − b_i (two methods run on the same seeds),
    or of the per-seed log-ratios log(a_i / b_i) with ``log_ratio``."""
    paired = paired_log_ratio if log_ratio else paired_difference
    lower, upper = paired(a, b, "lower", confidence), paired(a, b, "upper", confidence)
    return Estimate(lower.value, lower.low, upper.high, lower.n)


def _mean_or_bound(x: np.ndarray, side: Side | None, confidence: float) -> Estimate:
    return mean_interval(x, confidence) if side is None else one_sided(x, side, confidence)


def _paired(a: Sequence[float], b: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y = check_finite("a", a), check_finite("b", b)
    if x.shape != y.shape:
        raise ValueError(f"paired samples need one value per seed on both sides, got {x.size} and {y.size}")
    return x, y


def paired_difference(a: Sequence[float], b: Sequence[float], side: Side | None = None,
                      confidence: float = 0.95) -> Estimate:
    """Mean over seeds of d_i = a_i − b_i (two methods run on the same seeds), with :func:`mean_interval`'s
    interval (side=None) or :func:`one_sided`'s bound."""
    x, y = _paired(a, b)
    return _mean_or_bound(x - y, side, confidence)


def paired_log_ratio(a: Sequence[float], b: Sequence[float], side: Side | None = None,
                     confidence: float = 0.95) -> Estimate:
    """Mean over seeds of log(a_i / b_i) (ratio claims: "a is at least 3× b" ⇔ lower bound ≥ log 3), with
    :func:`mean_interval`'s interval or :func:`one_sided`'s bound. Non-positive entries → ValueError."""
    x, y = _paired(a, b)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a log-ratio needs positive values on both sides")
    return _mean_or_bound(np.log(x) - np.log(y), side, confidence)


def per_seed_slopes(x: Sequence[float] | np.ndarray, per_seed_y: Sequence[Sequence[float]] | np.ndarray,
                    log: bool = True) -> np.ndarray:
    """Least-squares slope b_s of log y = a + b·log x (or y = a + b·x with log=False), one per seed (row).
    ``x`` is shared (length m) or one row per seed."""
    y = np.asarray(per_seed_y, dtype=float)
    if y.ndim != 2 or y.shape[0] == 0:
        raise ValueError(f"per_seed_y: need one row per seed, got shape {y.shape}")
    xs = np.broadcast_to(np.asarray(x, dtype=float), y.shape) if np.ndim(x) == 1 else np.asarray(x, dtype=float)
    if xs.shape != y.shape:
        raise ValueError(f"x has shape {np.shape(x)}, per_seed_y has shape {y.shape}")
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(y))):
        raise ValueError("slope data contains NaN or inf")
    if log:
        if np.any(xs <= 0) or np.any(y <= 0):
            raise ValueError("a log-log slope needs positive x and y")
        xs, y = np.log(xs), np.log(y)
    centred = xs - xs.mean(axis=1, keepdims=True)
    spread = np.sum(centred ** 2, axis=1)
    if np.any(spread == 0):
        raise ValueError("a slope needs at least two distinct x values per seed")
    return np.sum(centred * (y - y.mean(axis=1, keepdims=True)), axis=1) / spread


def slope_interval(x: Sequence[float] | np.ndarray, per_seed_y: Sequence[Sequence[float]] | np.ndarray,
                   log: bool = True, side: Side | None = None, confidence: float = 0.95) -> Estimate:
    """Rate claims: per seed, the least-squares slope of log y on log x (:func:`per_seed_slopes`); then a
    Student-t interval (or one-sided bound with ``side``) of the mean slope across seeds, n = number of seeds."""
    return _t_interval(per_seed_slopes(x, per_seed_y, log), confidence, side)


def decide_claim(estimate: Estimate, threshold: float, claim_is: Direction, min_n: int = MIN_SEEDS,
                 exact: bool = False) -> tuple[Literal["holds", "fails", "inconclusive"], str]:
    """(status, reason) for "the quantity is ``claim_is`` the threshold" (below = at most, above = at least):

    - below: holds if high ≤ threshold, fails if low > threshold; above: holds if low ≥ threshold, fails if
      high < threshold; otherwise inconclusive (the interval straddles the threshold);
    - fewer than ``min_n`` seeds → inconclusive ("too few seeds (n=3 < 5)"), unless the statistic is ``exact``
      (a float identity or solver residual, where one run decides).

    A check must be able to fail: an estimate from :func:`one_sided` has an infinite end and can never give
    fails; pass the 90% two-sided interval instead to get both one-sided 95% bounds (see :func:`one_sided`)."""
    if claim_is not in ("below", "above"):
        raise ValueError(f"claim_is must be 'below' or 'above', got {claim_is!r}")
    if not exact and estimate.n < min_n:
        return "inconclusive", f"too few seeds (n={estimate.n} < {min_n})"
    interval = f"[{estimate.low:.4g}, {estimate.high:.4g}]"
    below = claim_is == "below"
    if (estimate.high <= threshold) if below else (estimate.low >= threshold):
        return "holds", f"interval {interval} lies {'at or below' if below else 'at or above'} {threshold:g}"
    if (estimate.low > threshold) if below else (estimate.high < threshold):
        return "fails", f"interval {interval} lies {'above' if below else 'below'} {threshold:g}"
    return "inconclusive", f"interval {interval} straddles {threshold:g}"


def combine_parts(statuses: Sequence[str]) -> Status:
    """A claim of several parts: invalid if any part is invalid (a control failed); else fails if any part fails;
    holds if every part holds; otherwise inconclusive."""
    if not statuses:
        raise ValueError("combine_parts needs at least one part")
    if any(s == "invalid" for s in statuses):
        return "invalid"
    if any(s == "fails" for s in statuses):
        return "fails"
    if all(s == "holds" for s in statuses):
        return "holds"
    return "inconclusive"
