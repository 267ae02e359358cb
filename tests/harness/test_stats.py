"""The plateau test (the interval estimators and verdict rules are tested in test_stats_coverage.py)."""
from __future__ import annotations

import numpy as np

from benchmarks.stats import has_plateaued


def test_plateau_detection():
    assert has_plateaued(np.r_[np.linspace(1, 0, 50), np.zeros(450)])
    assert not has_plateaued(np.linspace(1, 0, 500))
