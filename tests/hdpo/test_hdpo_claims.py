"""Each HDPO check fed synthetic records: every status it can return (holds, fails, inconclusive; invalid where
it has a control) is reached, and fewer than 5 seeds never decide."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from benchmarks.registry import RunRecord
from benchmarks.suites.hdpo import SUITE
from benchmarks.suites.hdpo.claims import (
    LOST_SALES_TABLE,
    check_backlog,
    check_gnn,
    check_lost_sales,
    check_reinforce,
    check_serial,
)

SPREAD = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 0.25, -0.25, 0.75, -0.75, 0.1])
"""Deterministic per-seed deviations (mean 0 over the first 5)."""


def _records(experiment: str, seeds: int, make: Callable[[int], tuple[dict, dict]]) -> list[RunRecord]:
    return [RunRecord(experiment, s, {}, *make(s)) for s in range(seeds)]


# ------------------------------------------------------------------------------------------------ backlog
def _backlog(seeds: int, gap: float, gap_sd: float, level_error: float) -> dict[str, list[RunRecord]]:
    def make(s: int) -> tuple[dict, dict]:
        metrics = {}
        for key in ("L1_p9", "L4_p39"):
            metrics.update({f"gap/{key}": gap + gap_sd * SPREAD[s], f"gap_same_paths/{key}": gap,
                            f"learned_level/{key}": 20.0 + level_error + 0.01 * SPREAD[s],
                            f"closed_form_level/{key}": 20.0, f"closed_form_cost/{key}": 6.0})
        return metrics, {}
    return {"hdpo/backlog": _records("hdpo/backlog", seeds, make)}


@pytest.mark.parametrize("seeds, gap, gap_sd, level_error, status", [
    (5, 0.002, 0.001, 0.1, "holds"),
    (5, 0.05, 0.001, 0.1, "fails"),         # gap far above 1%
    (5, 0.002, 0.001, 2.0, "fails"),        # learned level far from S*
    (5, 0.01, 0.005, 0.1, "inconclusive"),  # the interval straddles 1%
    (3, 0.002, 0.001, 0.1, "inconclusive"),  # too few seeds
])
def test_backlog_statuses(seeds, gap, gap_sd, level_error, status):
    verdict = check_backlog(_backlog(seeds, gap, gap_sd, level_error))
    assert verdict.status == status, verdict.explanation
    if seeds < 5:
        assert "too few seeds" in verdict.explanation


# ------------------------------------------------------------------------------------------------ lost sales
def _lost_sales(seeds: int, gap: float, capped_gap: float, dp_shift: float = 0.0, bound_hit: float = 0.0,
                reference_seeds: int | None = None) -> dict[str, list[RunRecord]]:
    keys = {"L1_p9": LOST_SALES_TABLE[1][1], "L4_p39": LOST_SALES_TABLE[4][3]}

    def reference(s: int) -> tuple[dict, dict]:
        metrics = {}
        for key, dp in keys.items():
            metrics.update({f"dp_cost/{key}": dp + dp_shift, f"dp_bound_hit/{key}": bound_hit,
                            f"capped_cost/{key}": (dp + dp_shift) * (1 + capped_gap + 0.001 * SPREAD[::-1][s]),
                            f"base_stock_cost/{key}": (dp + dp_shift) * 1.05})
        return metrics, {}

    def make(s: int) -> tuple[dict, dict]:
        return {f"test_cost/{k}": (dp + dp_shift) * (1 + gap + 0.001 * SPREAD[s]) for k, dp in keys.items()}, {}
    return {"hdpo/lost_sales": _records("hdpo/lost_sales", seeds, make),
            "hdpo/lost_sales_reference": _records("hdpo/lost_sales_reference", reference_seeds or seeds, reference)}


@pytest.mark.parametrize("records, status", [
    (lambda: _lost_sales(5, 0.002, 0.01), "holds"),
    (lambda: _lost_sales(5, 0.05, 0.10), "fails"),          # far above the DP optimum
    (lambda: _lost_sales(5, 0.002, -0.01), "fails"),        # worse than the capped base-stock
    (lambda: _lost_sales(5, 0.0098, 0.05), "inconclusive"),  # the interval straddles 1%
    (lambda: _lost_sales(3, 0.002, 0.01), "inconclusive"),  # too few seeds
    (lambda: _lost_sales(5, 0.002, 0.01, reference_seeds=1), "inconclusive"),  # one seed of the capped search
    (lambda: _lost_sales(5, 0.002, 0.0025), "inconclusive"),  # HDPO − capped straddles 0
    (lambda: _lost_sales(5, 0.002, 0.01, dp_shift=0.05), "invalid"),   # the DP disagrees with the table
    (lambda: _lost_sales(5, 0.05, 0.10, bound_hit=1.0), "invalid"),    # the DP hit its order bound
])
def test_lost_sales_statuses(records, status):
    verdict = check_lost_sales(records())
    assert verdict.status == status, verdict.explanation
    assert bool(verdict.details["control_failures"]) == (status == "invalid")


def test_lost_sales_declares_its_control():
    claim = next(c for c in SUITE.claims if c.id == "hdpo.lost_sales_near_optimal")
    assert claim.controls and "DP" in claim.controls[0]


# ------------------------------------------------------------------------------------------------ REINFORCE
def _reinforce(seeds: int, hdpo: float, hdpo_sd: float, reinforce: float, reinforce_sd: float
               ) -> dict[str, list[RunRecord]]:
    def make(s: int) -> tuple[dict, dict]:
        return {"gap/hdpo": hdpo + hdpo_sd * SPREAD[s], "gap/reinforce": reinforce + reinforce_sd * SPREAD[s]}, {}
    return {"hdpo/reinforce": _records("hdpo/reinforce", seeds, make)}


@pytest.mark.parametrize("seeds, hdpo, hdpo_sd, reinforce, reinforce_sd, status", [
    (5, 0.002, 0.0002, 0.05, 0.02, "holds"),
    (5, 0.01, 0.002, 0.011, 0.002, "fails"),          # about as good as HDPO, same spread
    (5, 0.002, 0.0002, 0.05, 0.0001, "fails"),        # far behind, but its seed spread is half HDPO's
    (5, 0.002, 0.0002, 0.0062, 0.003, "inconclusive"),  # gap ratio near 3: the paired interval straddles 0
    (4, 0.002, 0.0002, 0.05, 0.02, "inconclusive"),   # too few seeds
])
def test_reinforce_statuses(seeds, hdpo, hdpo_sd, reinforce, reinforce_sd, status):
    verdict = check_reinforce(_reinforce(seeds, hdpo, hdpo_sd, reinforce, reinforce_sd))
    assert verdict.status == status, verdict.explanation


# ------------------------------------------------------------------------------------------------ GNN
def _gnn(seeds: int, gnn_small: float, mlp_small: float, sd: float = 0.001) -> dict[str, list[RunRecord]]:
    def make(s: int) -> tuple[dict, dict]:
        reference = 10.0 + SPREAD[s]
        return {"test_cost/gnn/1024": reference, "test_cost/mlp/1024": reference * 1.02,
                "test_cost/gnn/16": reference * (1 + gnn_small + sd * SPREAD[s]),
                "test_cost/mlp/16": reference * (1 + mlp_small + sd * SPREAD[s])}, {}
    return {"hdpo/gnn": _records("hdpo/gnn", seeds, make)}


@pytest.mark.parametrize("seeds, gnn_small, mlp_small, status", [
    (5, 0.002, 0.06, "holds"),
    (5, 0.05, 0.06, "fails"),          # the GNN needs the data too
    (5, 0.002, 0.002, "fails"),        # the MLP is as data-efficient
    (5, 0.01, 0.06, "inconclusive"),   # the GNN's interval straddles 1%
    (2, 0.002, 0.06, "inconclusive"),  # too few seeds
])
def test_gnn_statuses(seeds, gnn_small, mlp_small, status):
    verdict = check_gnn(_gnn(seeds, gnn_small, mlp_small))
    assert verdict.status == status, verdict.explanation


# ------------------------------------------------------------------------------------------------ serial
def _serial(seeds: int, gap: float, still_improving: bool) -> dict[str, list[RunRecord]]:
    curve = [20.0 - 0.5 * i for i in range(13)] if still_improving else [20.0, 12.0, 11.0] + [10.9] * 10

    def make(s: int) -> tuple[dict, dict]:
        return ({"gap": gap + 0.001 * SPREAD[s], "test_cost/echelon": 10.6, "test_cost/hdpo": 10.6 * (1 + gap),
                 **{f"echelon_level/{k}": 30.0 + k for k in range(4)}}, {"dev_cost": curve})
    return {"hdpo/serial": _records("hdpo/serial", seeds, make)}


@pytest.mark.parametrize("seeds, gap, still_improving, status", [
    (5, 0.002, False, "holds"),
    (5, 0.002, True, "holds"),          # within 1% already: more training cannot make it hold less
    (5, 0.05, False, "fails"),          # converged and 5% above echelon-stock
    (5, 0.05, True, "inconclusive"),    # above 1% while still improving: budget too small
    (5, 0.0098, False, "inconclusive"),  # the interval straddles 1%
    (3, 0.002, False, "inconclusive"),  # too few seeds
])
def test_serial_statuses(seeds, gap, still_improving, status):
    verdict = check_serial(_serial(seeds, gap, still_improving))
    assert verdict.status == status, verdict.explanation
