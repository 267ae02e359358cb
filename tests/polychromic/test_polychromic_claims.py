"""Each polychromic check fed synthetic RunRecords: every status it can return (holds, fails, inconclusive).

No check has a control, so none returns ``invalid``. ``negative_control`` cannot fail on the data this suite
produces (PPO's pass@16 ≈ 0.98 leaves no room for "d≡1 − PPO ≥ 0.05"): that case is a strict xfail (issue #21).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from benchmarks.registry import RunRecord
from benchmarks.suites.polychromic import SUITE
from benchmarks.suites.polychromic.claims import (
    check_coverage,
    check_diversity,
    check_negative_control,
    check_robustness,
    check_success,
)
from benchmarks.suites.polychromic.experiments import EXPERIMENT_OF, K_MAX, METHODS

FIVE, THREE = range(5), range(3)
JITTER = np.array([0.0, 1.0, -1.0, 0.5, -0.5])
"""Per-seed noise pattern; each method gets it rotated, so paired differences have spread."""
PLATEAU = [0.3, 0.8, 0.9, 0.9, 0.9]
RISING = [0.3, 0.4, 0.5, 0.6, 0.7]
BASE = {"pass1": 0.3, "pass16": 0.8, "distinct_rooms": 2.0, "distinct_rooms_success": 1.3, "entropy": 0.5,
        "success_drop": 0.05, "reward": 0.2}


def _metrics(method: str, seed: int, values: Mapping[str, float], noise: float) -> dict[str, float]:
    """One run's metrics: pass@k interpolated in log k between pass@1 and pass@16, the rest as given, plus noise."""
    wobble = noise * JITTER[(seed + METHODS.index(method)) % len(JITTER)]
    pass1, pass16 = values["pass1"] + wobble, values["pass16"] + wobble
    metrics = {f"pass@{k}": pass1 + (pass16 - pass1) * math.log2(k) / math.log2(K_MAX) for k in range(1, K_MAX + 1)}
    metrics.update({key: values[key] + wobble for key in ("distinct_rooms", "distinct_rooms_success", "entropy",
                                                            "success_drop", "reward")})
    metrics.update(success=pass1, env_steps=250_000.0, unseen_success=pass1 - values["success_drop"],
                   train_success_1seed=pass1)
    return metrics


def make_results(methods: Mapping[str, Mapping[str, float]], seeds: Sequence[int] = FIVE, noise: float = 0.002,
                 ppo_curve: Sequence[float] = PLATEAU) -> dict[str, list[RunRecord]]:
    """Synthetic records: for each method, ``BASE`` updated with its values, one record per seed."""
    results = {}
    for method, overrides in methods.items():
        values = {**BASE, **overrides}
        curve = list(ppo_curve) if method == "ppo" else PLATEAU
        results[EXPERIMENT_OF[method]] = [
            RunRecord(EXPERIMENT_OF[method], s, {"method": method}, _metrics(method, s, values, noise),
                      {"curve/success": curve}) for s in seeds]
    return results


def test_every_claim_has_a_check_test():
    tested = {"coverage", "success", "diversity", "robustness", "negative_control"}
    assert {c.id.removeprefix("polychromic.") for c in SUITE.claims} == tested


# ---------------------------------------------------------------- coverage

COLLAPSE = {"pretrained": {"pass16": 0.80}, "ppo": {"pass1": 0.6, "pass16": 0.78},
            "poly": {"pass1": 0.6, "pass16": 0.90}}


def test_coverage_holds_when_poly_covers_more_and_ppo_collapses():
    verdict = check_coverage(make_results(COLLAPSE))
    assert verdict.status == "holds", verdict.details["reasons"]
    assert verdict.value == pytest.approx(0.12, abs=0.01)


def test_coverage_fails_when_ppo_keeps_its_coverage():
    results = make_results({"pretrained": {"pass16": 0.80}, "ppo": {"pass1": 0.9, "pass16": 0.98},
                            "poly": {"pass1": 0.9, "pass16": 0.985}})
    verdict = check_coverage(results)
    assert verdict.status == "fails"
    assert verdict.details["parts"]["gap@16 ≥ 0.05"] == "fails"
    assert verdict.details["parts"]["PPO pass@16 − start ≤ +0.02"] == "fails"


def test_coverage_collapse_part_cannot_fail_while_ppo_still_improves():
    results = make_results({"pretrained": {"pass16": 0.80}, "ppo": {"pass1": 0.6, "pass16": 0.90},
                            "poly": {"pass1": 0.6, "pass16": 0.96}}, ppo_curve=RISING)
    verdict = check_coverage(results)
    assert verdict.details["parts"]["PPO pass@16 − start ≤ +0.02"] == "inconclusive"
    assert verdict.status == "inconclusive" and "not plateaued" in verdict.explanation


def test_coverage_is_inconclusive_with_too_few_seeds_or_a_straddling_gap():
    assert check_coverage(make_results(COLLAPSE, seeds=THREE)).status == "inconclusive"
    straddle = {**COLLAPSE, "poly": {"pass1": 0.6, "pass16": 0.83}}  # gap ≈ 0.05 with noise ±0.02
    verdict = check_coverage(make_results(straddle, noise=0.02))
    assert verdict.status == "inconclusive" and verdict.details["parts"]["gap@16 ≥ 0.05"] == "inconclusive"


# ---------------------------------------------------------------- success

def test_success_holds_fails_and_is_inconclusive():
    level = {"pretrained": {}, "ppo": {"pass1": 0.90}}
    assert check_success(make_results({**level, "poly": {"pass1": 0.91}})).status == "holds"
    assert check_success(make_results({**level, "poly": {"pass1": 0.80}})).status == "fails"
    assert check_success(make_results({**level, "poly": {"pass1": 0.88}}, noise=0.02)).status == "inconclusive"
    verdict = check_success(make_results({**level, "poly": {"pass1": 0.91}}, seeds=THREE))
    assert verdict.status == "inconclusive" and "too few seeds" in verdict.details["reason"]


# ---------------------------------------------------------------- diversity

def test_diversity_holds_fails_and_is_inconclusive():
    ppo = {"pretrained": {}, "ppo": {"distinct_rooms_success": 1.2, "entropy": 0.3}}
    more = {"poly": {"distinct_rooms_success": 1.5, "entropy": 0.5}}
    assert check_diversity(make_results({**ppo, **more})).status == "holds"
    assert check_diversity(make_results({**ppo, "poly": {"distinct_rooms_success": 1.0, "entropy": 0.5}})
                           ).status == "fails"
    assert check_diversity(make_results({**ppo, "poly": {"distinct_rooms_success": 1.2, "entropy": 0.5}},
                                        noise=0.05)).status == "inconclusive"
    assert check_diversity(make_results({**ppo, **more}, seeds=THREE)).status == "inconclusive"


# ---------------------------------------------------------------- robustness

def test_robustness_holds_fails_and_is_inconclusive():
    ppo = {"pretrained": {}, "ppo": {"success_drop": 0.10}}
    assert check_robustness(make_results({**ppo, "poly": {"success_drop": 0.05}})).status == "holds"
    assert check_robustness(make_results({**ppo, "poly": {"success_drop": 0.20}})).status == "fails"
    assert check_robustness(make_results({**ppo, "poly": {"success_drop": 0.12}}, noise=0.02)
                            ).status == "inconclusive"
    assert check_robustness(make_results({**ppo, "poly": {"success_drop": 0.05}}, seeds=THREE)
                            ).status == "inconclusive"


# ---------------------------------------------------------------- negative control

def test_negative_control_holds_when_d1_behaves_like_ppo_and_poly_beats_it():
    results = make_results({"pretrained": {}, "ppo": {"pass16": 0.80}, "poly": {"pass16": 0.90},
                            "poly_d1": {"pass16": 0.81}})
    assert check_negative_control(results).status == "holds"


def test_negative_control_fails_when_d1_keeps_the_advantage_and_ppo_has_headroom():
    results = make_results({"pretrained": {}, "ppo": {"pass16": 0.80}, "poly": {"pass16": 0.90},
                            "poly_d1": {"pass16": 0.92}})
    verdict = check_negative_control(results)
    assert verdict.status == "fails" and verdict.details["parts"]["d≡1 gap < 0.05"] == "fails"


def test_negative_control_is_inconclusive_with_too_few_seeds_or_a_straddling_gap():
    methods = {"pretrained": {}, "ppo": {"pass16": 0.80}, "poly": {"pass16": 0.90}, "poly_d1": {"pass16": 0.81}}
    assert check_negative_control(make_results(methods, seeds=THREE)).status == "inconclusive"
    straddle = {**methods, "poly_d1": {"pass16": 0.85}}
    assert check_negative_control(make_results(straddle, noise=0.02)).status == "inconclusive"


@pytest.mark.xfail(strict=True, reason="known defect: with PPO's pass@16 ≈ 0.98 'd≡1 − PPO < 0.05' is implied and a "
                                       "d≡1 run matching Poly-PPO reads inconclusive, so the check cannot fail on "
                                       "this suite's data; fixed in #21 (compare d≡1 with Poly-PPO)")
def test_negative_control_fails_when_d1_matches_poly_and_ppo_is_saturated():
    results = make_results({"pretrained": {}, "ppo": {"pass16": 0.983}, "poly": {"pass16": 0.992},
                            "poly_d1": {"pass16": 0.992}})
    assert check_negative_control(results).status == "fails"
