"""Each HDPO check fed synthetic records: every status it can return (holds, fails, inconclusive; invalid where
it has a control) is reached, and fewer than 5 seeds never decide."""
from __future__ import annotations

import math
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
    periods_to_reach,
    simulator_disagreements,
)

SPREAD = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 0.25, -0.25, 0.75, -0.75, 0.1])
"""Deterministic per-seed deviations (mean 0 over the first 5)."""


def _records(experiment: str, seeds: int, make: Callable[[int], tuple[dict, dict]]) -> list[RunRecord]:
    return [RunRecord(experiment, s, {}, *make(s)) for s in range(seeds)]


# ------------------------------------------------------------------------------------------------ backlog
def _backlog(seeds: int, gap: float, gap_sd: float, level_error: float, plateaued: float = 1.0,
             simulator_bias: float = 0.0) -> dict[str, list[RunRecord]]:
    def make(s: int) -> tuple[dict, dict]:
        metrics = {}
        for key in ("L1_p9", "L4_p39"):
            metrics.update({f"gap/{key}": gap + gap_sd * SPREAD[s],
                            f"learned_level/{key}": 20.0 + level_error + 0.01 * SPREAD[s],
                            f"closed_form_level/{key}": 20.0, f"closed_form_cost/{key}": 6.0,
                            f"optimal_policy_test_cost/{key}": 6.0 * (1 + simulator_bias + 0.002 * SPREAD[s]),
                            f"optimal_policy_test_cost_se/{key}": 6.0 * 0.002,
                            f"plateaued/{key}": plateaued, f"stop_epoch/{key}": 40.0})
        return metrics, {}
    return {"hdpo/backlog": _records("hdpo/backlog", seeds, make)}


@pytest.mark.parametrize("records, status", [
    (lambda: _backlog(5, 0.002, 0.001, 0.1), "holds"),
    (lambda: _backlog(5, 0.05, 0.001, 0.1), "fails"),          # gap far above 1%
    (lambda: _backlog(5, 0.002, 0.001, 2.0), "fails"),         # learned level far from S*
    (lambda: _backlog(5, 0.01, 0.005, 0.1), "inconclusive"),   # the interval straddles 1%
    (lambda: _backlog(3, 0.002, 0.001, 0.1), "inconclusive"),  # too few seeds
    (lambda: _backlog(5, 0.05, 0.001, 0.1, plateaued=0.0), "inconclusive"),  # fails, but training was cut short
    (lambda: _backlog(5, 0.002, 0.001, 0.1, plateaued=0.0), "holds"),  # cut short, yet already within 1%
    (lambda: _backlog(5, 0.002, 0.001, 0.1, simulator_bias=0.05), "invalid"),  # simulator ≠ closed form
])
def test_backlog_statuses(records, status):
    verdict = check_backlog(records())
    assert verdict.status == status, verdict.explanation
    assert bool(verdict.details["control_failures"]) == (status == "invalid")


# ------------------------------------------------------------------------------------------------ lost sales
def _lost_sales(seeds: int, gap: float, capped_gap: float | tuple[float, float], dp_shift: float = 0.0,
                bound_hit: float = 0.0, simulator_bias: float = 0.0, plateaued: float = 1.0,
                capped_sd: float = 0.001) -> dict[str, list[RunRecord]]:
    """Two instances; ``capped_gap`` is the capped policy's gap to the DP policy on the same test paths (one value
    for both instances, or one per instance); HDPO's excess over it varies by seed with SD ``capped_sd``."""
    keys = {"L1_p9": LOST_SALES_TABLE[1][1], "L4_p39": LOST_SALES_TABLE[4][3]}
    capped = dict(zip(keys, capped_gap if isinstance(capped_gap, tuple) else (capped_gap, capped_gap)))

    def reference(s: int) -> tuple[dict, dict]:
        return {f"base_stock_cost/{key}": (dp + dp_shift) * 1.05 for key, dp in keys.items()}, {}

    def make(s: int) -> tuple[dict, dict]:
        metrics = {}
        for key, dp in keys.items():
            policy_cost = (dp + dp_shift) * (1 + simulator_bias + 0.002 * SPREAD[s])
            cost = policy_cost * (1 + gap + 0.001 * SPREAD[s])
            metrics.update({f"test_cost/{key}": cost, f"optimal_policy_test_cost/{key}": policy_cost,
                            f"optimal_policy_test_cost_se/{key}": dp * 0.002,
                            f"capped_policy_test_cost/{key}": policy_cost * (1 + capped[key] + 0.001 * SPREAD[s]
                                                                              + capped_sd * SPREAD[::-1][s]),
                            f"capped_policy_level/{key}": 30.0, f"capped_policy_cap/{key}": 6.0,
                            f"gap/{key}": cost / policy_cost - 1, f"dp_cost/{key}": dp + dp_shift,
                            f"dp_bound_hit/{key}": bound_hit, f"plateaued/{key}": plateaued,
                            f"stop_epoch/{key}": 40.0})
        return metrics, {}
    return {"hdpo/lost_sales": _records("hdpo/lost_sales", seeds, make),
            "hdpo/lost_sales_reference": _records("hdpo/lost_sales_reference", seeds, reference)}


@pytest.mark.parametrize("records, status", [
    (lambda: _lost_sales(5, 0.002, 0.01), "holds"),
    (lambda: _lost_sales(5, 0.002, (0.01, 0.002)), "holds"),  # tied with capped on one instance, better on average
    (lambda: _lost_sales(5, 0.05, 0.10), "fails"),          # far above the DP optimum
    (lambda: _lost_sales(5, 0.002, -0.01), "fails"),        # worse than the capped base-stock
    (lambda: _lost_sales(5, 0.0098, 0.05), "inconclusive"),  # the interval straddles 1%
    (lambda: _lost_sales(3, 0.002, 0.01), "inconclusive"),  # too few seeds
    (lambda: _lost_sales(5, 0.002, 0.0025, capped_sd=0.01), "inconclusive"),  # HDPO − capped straddles 0
    (lambda: _lost_sales(5, 0.05, 0.10, plateaued=0.0), "inconclusive"),  # fails, but training was cut short
    (lambda: _lost_sales(5, 0.002, -0.01, plateaued=0.0), "inconclusive"),  # worse than capped, but cut short
    (lambda: _lost_sales(5, 0.002, 0.01, dp_shift=0.05), "invalid"),   # the DP disagrees with the table
    (lambda: _lost_sales(5, 0.05, 0.10, bound_hit=1.0), "invalid"),    # the DP hit its order bound
    (lambda: _lost_sales(5, 0.002, 0.01, simulator_bias=0.03), "invalid"),  # simulator ≠ the DP's average cost
])
def test_lost_sales_statuses(records, status):
    verdict = check_lost_sales(records())
    assert verdict.status == status, verdict.explanation
    assert bool(verdict.details["control_failures"]) == (status == "invalid")


def test_lost_sales_reports_each_instance_against_capped():
    verdict = check_lost_sales(_lost_sales(5, 0.002, (0.01, 0.002)))
    assert verdict.details["L1_p9"]["versus_capped"] == "better"
    assert verdict.details["L4_p39"]["versus_capped"] == "tied"
    assert verdict.details["beats_capped"] == "holds" and "tied on 1 (L4_p39)" in verdict.explanation


@pytest.mark.parametrize("claim_id, word", [("hdpo.lost_sales_near_optimal", "DP"),
                                            ("hdpo.backlog_optimal", "closed form")])
def test_claims_declare_their_controls(claim_id, word):
    claim = next(c for c in SUITE.claims if c.id == claim_id)
    assert claim.controls and word in claim.controls[0]


# ------------------------------------------------------------------------------------------------ REINFORCE
def _reinforce(seeds: int, hdpo: float, ratio: float, ratio_sd: float, plateaued: float = 1.0,
               reinforce_floor: float | None = None) -> dict[str, list[RunRecord]]:
    periods = [0.0, 1e5, 2e5, 3e5, 4e5]

    def make(s: int) -> tuple[dict, dict]:
        h = hdpo * (1 + 0.1 * SPREAD[s])
        r = h * ratio * math.exp(ratio_sd * SPREAD[s])
        floor = r if reinforce_floor is None else reinforce_floor
        return ({"gap/hdpo": h, "gap/reinforce": r, "plateaued/hdpo": plateaued, "plateaued/reinforce": 0.0},
                {"dev_gap/hdpo": [0.5, 0.02, h, h, h], "dev_gap/reinforce": [0.5, 0.3, 0.1, 0.05, floor],
                 "simulated_periods/hdpo": periods, "simulated_periods/reinforce": periods})
    return {"hdpo/reinforce": _records("hdpo/reinforce", seeds, make)}


@pytest.mark.parametrize("records, status", [
    (lambda: _reinforce(5, 0.002, 10.0, 0.1), "holds"),
    (lambda: _reinforce(5, 0.002, 1.2, 0.1), "fails"),          # REINFORCE about as good as HDPO
    (lambda: _reinforce(5, 0.002, 3.0, 0.5), "inconclusive"),   # the ratio's bounds straddle 3
    (lambda: _reinforce(4, 0.002, 10.0, 0.1), "inconclusive"),  # too few seeds
    (lambda: _reinforce(5, -0.001, 10.0, 0.1), "inconclusive"),  # HDPO's gap <= 0: no log-ratio
    (lambda: _reinforce(5, 0.002, 1.2, 0.1, plateaued=0.0), "inconclusive"),  # fails, HDPO cut short
])
def test_reinforce_statuses(records, status):
    verdict = check_reinforce(records())
    assert verdict.status == status, verdict.explanation


def test_reinforce_reports_the_periods_it_needs_to_reach_hdpo():
    reached = check_reinforce(_reinforce(5, 0.002, 10.0, 0.1, reinforce_floor=0.001))
    assert reached.details["reinforce_periods_to_hdpo_gap"] == [4e5] * 5
    never = check_reinforce(_reinforce(5, 0.002, 10.0, 0.1))
    assert never.details["reinforce_periods_to_hdpo_gap"] == [None] * 5
    assert "not within the budget" in never.explanation
    assert periods_to_reach(0.1, [0.5, 0.2, 0.1, 0.05], [0, 1, 2, 3]) == 2


# ------------------------------------------------------------------------------------------------ GNN
def _gnn(seeds: int, gnn_small: float, mlp_small: float, sd: float = 0.001,
         plateaued: dict[str, float] | None = None) -> dict[str, list[RunRecord]]:
    flags = {"gnn/16": 1.0, "gnn/1024": 1.0, "mlp/16": 1.0, "mlp/1024": 1.0, **(plateaued or {})}

    def make(s: int) -> tuple[dict, dict]:
        reference = 10.0 + SPREAD[s]
        return {"test_cost/gnn/1024": reference, "test_cost/mlp/1024": reference * 1.03,
                "test_cost/gnn/16": reference * (1 + gnn_small + sd * SPREAD[s]),
                "test_cost/mlp/16": reference * 1.03 * (1 + mlp_small + sd * SPREAD[s]),
                **{f"plateaued/{k}": v for k, v in flags.items()},
                **{f"stop_epoch/{k}": 100.0 for k in flags}}, {}
    return {"hdpo/gnn": _records("hdpo/gnn", seeds, make)}


@pytest.mark.parametrize("records, status", [
    (lambda: _gnn(5, 0.002, 0.06), "holds"),
    (lambda: _gnn(5, 0.05, 0.06), "fails"),          # the GNN needs the data too
    (lambda: _gnn(5, 0.002, 0.002), "fails"),        # the MLP is as data-efficient
    (lambda: _gnn(5, 0.01, 0.06), "inconclusive"),   # the GNN's interval straddles 1%
    (lambda: _gnn(2, 0.002, 0.06), "inconclusive"),  # too few seeds
    (lambda: _gnn(5, 0.002, 0.06, plateaued={"gnn/1024": 0.0}), "inconclusive"),  # GNN reference undertrained
    (lambda: _gnn(5, 0.002, 0.06, plateaued={"mlp/16": 0.0}), "inconclusive"),    # MLP@16 undertrained
    (lambda: _gnn(5, 0.002, 0.002, plateaued={"mlp/1024": 0.0}), "inconclusive"),  # MLP reference undertrained
    (lambda: _gnn(5, 0.05, 0.06, plateaued={"gnn/1024": 0.0}), "fails"),  # more GNN@1024 training cannot help
])
def test_gnn_statuses(records, status):
    verdict = check_gnn(records())
    assert verdict.status == status, verdict.explanation


# ------------------------------------------------------------------------------------------------ serial
def _serial(seeds: int, gap: float, plateaued: float) -> dict[str, list[RunRecord]]:
    def make(s: int) -> tuple[dict, dict]:
        return ({"gap": gap + 0.001 * SPREAD[s], "test_cost/echelon": 10.6, "test_cost/hdpo": 10.6 * (1 + gap),
                 "plateaued/hdpo": plateaued, "stop_epoch/hdpo": 35.0,
                 **{f"echelon_level/{k}": 30.0 + k for k in range(4)}}, {"dev_cost/hdpo": [20.0, 12.0, 11.0]})
    return {"hdpo/serial": _records("hdpo/serial", seeds, make)}


@pytest.mark.parametrize("seeds, gap, plateaued, status", [
    (5, 0.002, 1.0, "holds"),
    (5, 0.002, 0.0, "holds"),          # within 1% already: more training cannot make it hold less
    (5, 0.05, 1.0, "fails"),           # plateaued and 5% above echelon-stock
    (5, 0.05, 0.0, "inconclusive"),    # above 1% but stopped at the epoch cap: budget too small
    (5, 0.0098, 1.0, "inconclusive"),  # the interval straddles 1%
    (3, 0.002, 1.0, "inconclusive"),   # too few seeds
])
def test_serial_statuses(seeds, gap, plateaued, status):
    verdict = check_serial(_serial(seeds, gap, plateaued))
    assert verdict.status == status, verdict.explanation


def test_simulator_control_uses_the_paths_standard_error_not_the_seed_spread():
    """Five seeds that agree closely by chance (as L4_p9 did in a quick run) must not fail the control when the
    test paths' own standard error covers the difference; a difference many standard errors wide does."""
    def runs(se: float) -> list[RunRecord]:
        return _records("hdpo/backlog", 5, lambda s: ({"optimal_policy_test_cost/L4_p9":
                                                        6.0 * (1.0043 + 1e-4 * SPREAD[s]),
                                                        "optimal_policy_test_cost_se/L4_p9": 6.0 * se,
                                                        "closed_form_cost/L4_p9": 6.0}, {}))
    assert simulator_disagreements(runs(0.006), ["L4_p9"], "closed_form_cost") == []
    assert simulator_disagreements(runs(0.0005), ["L4_p9"], "closed_form_cost")
