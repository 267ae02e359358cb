"""Interval estimates and verdict rules."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.stats import Estimate, combine, decide, has_plateaued, iqm, loglog_slope, mean_ci


def test_mean_ci_covers_the_mean_and_is_reproducible():
    x = np.random.default_rng(0).normal(3.0, 1.0, size=40)
    a, b = mean_ci(x), mean_ci(x)
    assert a == b
    assert a.low < a.value < a.high and a.low < 3.0 < a.high
    assert a.value == pytest.approx(x.mean())


def test_mean_ci_coverage_is_near_95_percent():
    rng = np.random.default_rng(1)
    draws = [rng.normal(0.0, 1.0, size=30) for _ in range(120)]
    hits = sum(e.low < 0.0 < e.high for e in map(mean_ci, draws))
    assert 0.88 <= hits / 120 <= 0.99


def test_iqm_ignores_outliers():
    x = np.r_[np.ones(20), 1e6]
    assert iqm(x).value == pytest.approx(1.0)


def test_loglog_slope_recovers_a_power_law():
    x = np.array([10, 20, 40, 80, 160, 320.0])
    y = 5.0 * x ** -1.0 * np.exp(np.random.default_rng(2).normal(0, 0.01, x.size))
    slope = loglog_slope(x, y)
    assert slope.low < -1.0 < slope.high and abs(slope.value + 1.0) < 0.02


def test_decide_and_combine():
    assert decide(Estimate(0.5, 0.4, 0.6, 5), 1.0, "below") == "holds"
    assert decide(Estimate(1.5, 1.4, 1.6, 5), 1.0, "below") == "fails"
    assert decide(Estimate(1.0, 0.9, 1.1, 5), 1.0, "below") == "inconclusive"
    assert decide(Estimate(1.5, 1.4, 1.6, 5), 1.0, "above") == "holds"
    assert decide(Estimate(0.5, 0.4, 0.6, 2), 1.0, "below") == "inconclusive"  # too few seeds
    assert combine(["holds", "holds"]) == "holds"
    assert combine(["holds", "inconclusive"]) == "inconclusive"
    assert combine(["inconclusive", "fails"]) == "fails"


def test_plateau_detection():
    assert has_plateaued(np.r_[np.linspace(1, 0, 50), np.zeros(450)])
    assert not has_plateaued(np.linspace(1, 0, 500))


def test_nan_samples_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        mean_ci([1.0, float("nan")])
