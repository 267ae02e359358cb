"""Each polychromic check fed synthetic RunRecords: every status it can return (holds, fails, inconclusive, and
invalid for the two claims with a precondition: coverage needs a collapse, the negative control an advantage), on
both environments: by default the BabyAI records repeat the FourRooms values, and the tests at the end give BabyAI
its own values so that its part alone decides the combined verdict."""
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
    env_view,
    failure_rates,
)
from benchmarks.suites.polychromic.experiments import EXPERIMENTS_OF_ENV, K_MAX, METHODS

FIVE, THREE = range(5), range(3)
JITTER = np.array([0.0, 1.0, -1.0, 0.5, -0.5])
"""Per-seed noise pattern; each method gets it rotated, so paired differences have spread."""
PLATEAU = [0.3, 0.8, 0.9, 0.9, 0.9]
RISING = [0.3, 0.4, 0.5, 0.6, 0.7]
BASE = {"pass1": 0.3, "pass16": 0.8, "distinct_rooms": 2.0, "distinct_rooms_success": 1.3,
        "distinct_rooms_success_multiroute": 1.4, "entropy": 0.5, "success_drop": 0.05, "reward": 0.2}
DIVERSITY_KEYS = ("distinct_rooms", "distinct_rooms_success", "distinct_rooms_success_multiroute", "entropy",
                  "success_drop", "reward")


def _pass_at(pass1: float, pass16: float) -> list[float]:
    """pass@k for k = 1..16, interpolated in log k between pass@1 and pass@16."""
    return [pass1 + (pass16 - pass1) * math.log2(k) / math.log2(K_MAX) for k in range(1, K_MAX + 1)]


def _metrics(method: str, seed: int, values: Mapping[str, float], noise: float) -> dict[str, float]:
    """One run's metrics: pass@k interpolated in log k (training and unseen configurations; unseen defaults to the
    training values), the rest as given, plus noise."""
    wobble = noise * JITTER[(seed + METHODS.index(method)) % len(JITTER)]
    pass1, pass16 = values["pass1"] + wobble, values["pass16"] + wobble
    metrics = {f"pass@{k}": v for k, v in enumerate(_pass_at(pass1, pass16), start=1)}
    unseen = _pass_at(values.get("unseen_pass1", values["pass1"]) + wobble,
                      values.get("unseen_pass16", values["pass16"]) + wobble)
    metrics.update({f"unseen_pass@{k}": v for k, v in enumerate(unseen, start=1)})
    metrics.update({key: values[key] + wobble for key in DIVERSITY_KEYS})
    metrics.update(success=pass1, env_steps=250_000.0, unseen_success=pass1 - values["success_drop"],
                   train_success_1seed=pass1)
    return metrics


def make_results(methods: Mapping[str, Mapping[str, float]], seeds: Sequence[int] = FIVE, noise: float = 0.002,
                 ppo_curve: Sequence[float] = PLATEAU, babyai: Mapping[str, Mapping[str, float]] | None = None,
                 envs: Sequence[str] = ("fourrooms", "babyai")) -> dict[str, list[RunRecord]]:
    """Synthetic records: for each environment in ``envs`` and method, ``BASE`` updated with its values, one record
    per seed; BabyAI gets ``babyai`` where given, else the same values as FourRooms."""
    results = {}
    for env in envs:
        for method, overrides in (babyai if env == "babyai" and babyai is not None else methods).items():
            values = {**BASE, **overrides}
            curve = list(ppo_curve) if method == "ppo" else PLATEAU
            name = EXPERIMENTS_OF_ENV[env][method]
            results[name] = [RunRecord(name, s, {"method": method, "num_configs": 200, "num_unseen": 200},
                                       _metrics(method, s, values, noise), {"curve/success": curve}) for s in seeds]
    return results


def test_every_claim_has_a_check_test():
    tested = {"coverage", "success", "diversity", "robustness", "negative_control"}
    assert {c.id.removeprefix("polychromic.") for c in SUITE.claims} == tested


# ---------------------------------------------------------------- coverage

COLLAPSE = {"pretrained": {"pass16": 0.80}, "ppo": {"pass1": 0.6, "pass16": 0.74},
            "poly": {"pass1": 0.6, "pass16": 0.90}}


def test_coverage_holds_when_poly_covers_more_and_ppo_collapses():
    verdict = check_coverage(make_results(COLLAPSE))
    assert verdict.status == "holds", verdict.details["fourrooms"]["reasons"]
    assert verdict.value == pytest.approx(math.log(0.10 / 0.26), abs=0.05)


def test_coverage_fails_when_poly_leaves_more_configurations_unsolved():
    results = make_results({**COLLAPSE, "poly": {"pass1": 0.6, "pass16": 0.70}})
    verdict = check_coverage(results)
    assert verdict.status == "fails"
    assert verdict.details["fourrooms"]["parts"]["log failure ratio < 0 (training)"] == "fails"
    assert verdict.details["fourrooms"]["parts"]["collapse (training)"] == "holds"


def test_coverage_is_invalid_without_a_collapse_on_either_configuration_set():
    results = make_results({"pretrained": {"pass16": 0.80}, "ppo": {"pass1": 0.9, "pass16": 0.98},
                            "poly": {"pass1": 0.9, "pass16": 0.99}})
    verdict = check_coverage(results)
    assert verdict.status == "invalid" and "no collapse" in verdict.details["fourrooms"]["invalid"]
    unseen_only = make_results({**COLLAPSE, "ppo": {"pass1": 0.6, "pass16": 0.74, "unseen_pass16": 0.85}})
    verdict = check_coverage(unseen_only)
    assert verdict.status == "invalid" and verdict.details["fourrooms"]["parts"]["collapse (unseen)"] == "invalid"
    assert verdict.details["fourrooms"]["parts"]["collapse (training)"] == "holds"


def test_coverage_is_inconclusive_with_too_few_seeds_or_a_straddling_ratio():
    assert check_coverage(make_results(COLLAPSE, seeds=THREE)).status == "inconclusive"
    straddle = {"pretrained": {"pass16": 0.76}, "ppo": {"pass1": 0.6, "pass16": 0.74},
                "poly": {"pass1": 0.6, "pass16": 0.745}}
    verdict = check_coverage(make_results(straddle, noise=0.02))
    assert verdict.status == "inconclusive"
    assert verdict.details["fourrooms"]["parts"]["log failure ratio < 0 (training)"] == "inconclusive"


def test_failure_rates_are_floored_at_half_a_configuration():
    results = make_results({"ppo": {"pass16": 1.0}, "poly": {"pass16": 1.0}}, noise=0.0)
    _, (ppo, poly) = failure_rates(env_view(results, "fourrooms"), ("ppo", "poly"))
    assert np.allclose(ppo, 0.5 / 200) and np.allclose(poly, 0.5 / 200)


# ---------------------------------------------------------------- success

def test_success_holds_fails_and_is_inconclusive():
    level = {"pretrained": {}, "ppo": {"pass1": 0.90}}
    assert check_success(make_results({**level, "poly": {"pass1": 0.91}})).status == "holds"
    assert check_success(make_results({**level, "poly": {"pass1": 0.80}})).status == "fails"
    assert check_success(make_results({**level, "poly": {"pass1": 0.88}}, noise=0.02)).status == "inconclusive"
    verdict = check_success(make_results({**level, "poly": {"pass1": 0.91}}, seeds=THREE))
    assert verdict.status == "inconclusive" and "too few seeds" in verdict.details["fourrooms"]["reason"]


# ---------------------------------------------------------------- diversity

def test_diversity_holds_fails_and_is_inconclusive():
    ppo = {"pretrained": {}, "ppo": {"distinct_rooms_success_multiroute": 1.2, "entropy": 0.3}}
    more = {"poly": {"distinct_rooms_success_multiroute": 1.5, "entropy": 0.5}}
    assert check_diversity(make_results({**ppo, **more})).status == "holds"
    assert check_diversity(make_results({**ppo, "poly": {"distinct_rooms_success_multiroute": 1.0, "entropy": 0.5}})
                           ).status == "fails"
    assert check_diversity(make_results({**ppo, "poly": {"distinct_rooms_success_multiroute": 1.2, "entropy": 0.5}},
                                        noise=0.05)).status == "inconclusive"
    assert check_diversity(make_results({**ppo, **more}, seeds=THREE)).status == "inconclusive"


def test_diversity_is_judged_on_multi_route_configurations_only():
    """More successful room-sets over all configurations do not count where two routes exist but are not used."""
    ppo = {"pretrained": {}, "ppo": {"distinct_rooms_success": 1.2, "distinct_rooms_success_multiroute": 1.3}}
    poly = {"poly": {"distinct_rooms_success": 1.6, "distinct_rooms_success_multiroute": 1.1}}
    assert check_diversity(make_results({**ppo, **poly})).status == "fails"


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

ABLATION = {"pretrained": {}, "ppo": {"pass16": 0.80}, "poly": {"pass16": 0.90}}


def test_negative_control_holds_when_d1_behaves_like_ppo():
    assert check_negative_control(make_results({**ABLATION, "poly_d1": {"pass16": 0.81}})).status == "holds"


def test_negative_control_fails_when_d1_keeps_the_advantage():
    assert check_negative_control(make_results({**ABLATION, "poly_d1": {"pass16": 0.90}})).status == "fails"


def test_negative_control_fails_when_d1_matches_poly_and_ppo_is_saturated():
    """The old defect (issue #21): with PPO's pass@16 ≈ 0.98, "d≡1 − PPO < 0.05" held whatever d≡1 did."""
    results = make_results({"pretrained": {}, "ppo": {"pass16": 0.983}, "poly": {"pass16": 0.992},
                            "poly_d1": {"pass16": 0.992}}, noise=0.0005)
    assert check_negative_control(results).status == "fails"


def test_negative_control_is_invalid_without_an_advantage_to_ablate():
    results = make_results({**ABLATION, "poly": {"pass16": 0.79}, "poly_d1": {"pass16": 0.80}})
    verdict = check_negative_control(results)
    assert verdict.status == "invalid" and "no coverage advantage" in verdict.details["fourrooms"]["reason"]


def test_negative_control_is_inconclusive_with_too_few_seeds_or_a_straddling_midpoint():
    assert check_negative_control(make_results({**ABLATION, "poly_d1": {"pass16": 0.81}}, seeds=THREE)
                                  ).status == "inconclusive"
    midway = {**ABLATION, "poly_d1": {"pass16": 1 - math.sqrt(0.2 * 0.1)}}
    assert check_negative_control(make_results(midway, noise=0.01)).status == "inconclusive"


# ---------------------------------------------------------------- both environments

def test_every_claim_is_judged_on_both_environments_and_names_each():
    verdict = check_success(make_results({"pretrained": {}, "ppo": {"pass1": 0.9}, "poly": {"pass1": 0.91}}))
    assert verdict.details["status_by_env"] == {"fourrooms": "holds", "babyai": "holds"}
    assert "FourRooms: holds" in verdict.explanation and "BabyAI GoToLocal: holds" in verdict.explanation
    assert "Table 1, BabyAI GoTo" in verdict.paper_value


def test_a_missing_environment_is_an_inconclusive_part():
    verdict = check_success(make_results({"pretrained": {}, "ppo": {"pass1": 0.9}, "poly": {"pass1": 0.91}},
                                         envs=("fourrooms",)))
    assert verdict.status == "inconclusive" and verdict.details["missing_envs"] == ["babyai"]


@pytest.mark.parametrize("check, holding, babyai, expected", [
    (check_coverage, COLLAPSE, {**COLLAPSE, "poly": {"pass1": 0.6, "pass16": 0.70}}, "fails"),
    (check_coverage, COLLAPSE, {"pretrained": {"pass16": 0.80}, "ppo": {"pass1": 0.9, "pass16": 0.98},
                                "poly": {"pass1": 0.9, "pass16": 0.99}}, "invalid"),
    (check_coverage, COLLAPSE, None, "holds"),
    (check_success, {"pretrained": {}, "ppo": {"pass1": 0.5}, "poly": {"pass1": 0.8}},
     {"pretrained": {}, "ppo": {"pass1": 0.8}, "poly": {"pass1": 0.5}}, "fails"),
    (check_diversity, {"pretrained": {}, "ppo": {"distinct_rooms_success_multiroute": 1.2, "entropy": 0.3},
                       "poly": {"distinct_rooms_success_multiroute": 1.5, "entropy": 0.5}},
     {"pretrained": {}, "ppo": {"distinct_rooms_success_multiroute": 1.5, "entropy": 0.3},
      "poly": {"distinct_rooms_success_multiroute": 1.2, "entropy": 0.5}}, "fails"),
    (check_robustness, {"pretrained": {}, "ppo": {"success_drop": 0.10}, "poly": {"success_drop": 0.05}},
     {"pretrained": {}, "ppo": {"success_drop": 0.10}, "poly": {"success_drop": 0.20}}, "fails"),
    (check_negative_control, {**ABLATION, "poly_d1": {"pass16": 0.81}}, {**ABLATION, "poly_d1": {"pass16": 0.90}},
     "fails"),
    (check_negative_control, {**ABLATION, "poly_d1": {"pass16": 0.81}},
     {**ABLATION, "poly": {"pass16": 0.79}, "poly_d1": {"pass16": 0.80}}, "invalid"),
])
def test_the_babyai_part_alone_decides(check, holding, babyai, expected):
    """FourRooms holds; BabyAI's own part turns the combined verdict into ``expected``."""
    verdict = check(make_results(holding, babyai=babyai))
    assert verdict.details["status_by_env"]["fourrooms"] == "holds"
    assert verdict.details["status_by_env"]["babyai"] == expected and verdict.status == expected
