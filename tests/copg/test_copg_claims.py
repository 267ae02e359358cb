"""Each CoPG check fed synthetic RunRecords reaches every status it can return (REVISION-2 §1: every check can fail).

Stochastic checks (fixed_point, baselines_biased, unbiased_on_policy) return holds, fails, inconclusive and, where
they have a control, invalid. The float64 identities (rloo_equivalence, ipo_equivalence, baseline_identity) are
exact: one seed decides them, so they return holds, fails or invalid (a trivial comparison) but never
inconclusive — tested as such.
"""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.registry import RunRecord
from benchmarks.suites.copg import SUITE, claims

METHODS = ("copg", "pg_zero_baseline", "pg_value_baseline", "ipo")
REFERENCE_REGRET = 0.2919
FIXED_POINTS = {"copg": 1e-15, "pg_zero_baseline": 0.638, "pg_value_baseline": 0.0148, "ipo": 0.1525}


def _curve(final: float, converged: bool = True, start: float = REFERENCE_REGRET, epochs: int = 100) -> list[float]:
    """A regret curve from ``start`` that ends flat at ``final`` (converged) or is still moving at the end."""
    t = np.linspace(0.0, 1.0, epochs + 1)
    shape = 1.0 - np.minimum(t / 0.5, 1.0) if converged else 1.0 - t
    return list(final + (start - final) * shape)


def _spread(value: float, seed: int, relative: float = 0.01) -> float:
    return value * (1.0 + relative * (seed - 2) / 2)


def toy_runs(seeds: int = 5, converged: bool = True, **finals: float) -> list[RunRecord]:
    values = {**FIXED_POINTS, **finals}
    runs = []
    for s in range(seeds):
        metrics = {"reference_regret": REFERENCE_REGRET}
        series = {}
        for m in METHODS:
            final = _spread(values[m], s)
            metrics[f"final_regret/{m}"] = final
            metrics[f"final_kl_to_optimum/{m}"] = final
            series[f"regret/{m}"] = _curve(final, converged)
        runs.append(RunRecord("copg/toy_bandit", s, {}, metrics, series))
    return runs


def random_runs(seeds: int = 5, instances: int = 50, exact_kl: float = 3e-16, worst: float = 4e-16,
                converged: bool = True) -> list[RunRecord]:
    return [RunRecord("copg/random_instances", s, {"num_instances": instances},
                      {"num_instances": float(instances), "exact_max_kl": exact_kl, "exact_mean_kl": exact_kl / 10,
                       "max_final_regret/copg": _spread(worst, s), "mean_final_regret/copg": worst / 10},
                      {"mean_regret_curve/copg": _curve(worst / 10, converged)})
            for s in range(seeds)]


def exact_runs(kl: float = 7e-17) -> list[RunRecord]:
    return [RunRecord("copg/exact_fixed_point", 0, {}, {"kl_optimum_to_copg": kl, "max_abs_prob_error": kl}, {})]


def fixed_point_results(toy=None, random=None, exact=None) -> dict[str, list[RunRecord]]:
    return {"copg/toy_bandit": toy or toy_runs(), "copg/random_instances": random or random_runs(),
            "copg/exact_fixed_point": exact or exact_runs()}


IDENTITY_METRICS = {
    "num_coordinates": 100.0, "max_abs_z/copg": 2.5, "max_abs_z_factor1/copg": 40.0, "max_abs_z/pg": 2.5,
    "outside_99/copg": 1.0, "outside_99/pg": 1.0,
    "rloo_error/squared": 1e-16, "rloo_error/stopgrad": 2e-16, "rloo_error/mean_times_2": 1e-16,
    "ipo_error/squared": 1e-16, "ipo_error/stopgrad": 1e-16, "ipo_ratio_deviation": 2e-16,
    "ipo_mean_ratio_over_half_beta": 1.0, "ipo_min_cosine": 1.0 - 1e-16,
    "identity_error": 1e-16, "min_bias_norm": 0.05, "bias_formula_error": 1e-16,
    "gradient_scale/rloo": 1.5, "gradient_scale/ipo": 0.3, "gradient_scale/eq16": 0.8,
}


def identity_results(seeds: int = 5, worst_seed: dict[str, float] | None = None,
                     **everywhere: float) -> dict[str, list[RunRecord]]:
    """Gradient-identity records; ``everywhere`` overrides every seed's metrics, ``worst_seed`` seed 0's only."""
    runs = []
    for s in range(seeds):
        metrics = {k: v * (1 + 0.01 * s) if k.startswith("max_abs_z") else v for k, v in IDENTITY_METRICS.items()}
        metrics.update(everywhere)
        if s == 0:
            metrics.update(worst_seed or {})
        runs.append(RunRecord("copg/gradient_identities", s, {"mc_samples": 20_000, "num_pairs": 256}, metrics, {}))
    return {"copg/gradient_identities": runs}


# --- copg.fixed_point ----------------------------------------------------------------------------------------------
def test_fixed_point_holds_when_every_part_reaches_the_optimum():
    verdict = claims.check_fixed_point(fixed_point_results())
    assert verdict.status == "holds", verdict.explanation
    assert set(verdict.details["parts"].values()) == {"holds"}


@pytest.mark.parametrize("results, part", [
    (fixed_point_results(toy=toy_runs(copg=0.05)), "paper_sampled"),
    (fixed_point_results(random=random_runs(worst=0.02)), "random_sampled"),
    (fixed_point_results(exact=exact_runs(kl=1e-3)), "paper_exact"),
    (fixed_point_results(random=random_runs(exact_kl=1e-4)), "random_exact"),
])
def test_fixed_point_fails_when_one_part_misses_the_optimum(results, part):
    verdict = claims.check_fixed_point(results)
    assert verdict.status == "fails", verdict.explanation
    assert verdict.details["parts"][part] == "fails"


@pytest.mark.parametrize("results, part", [
    (fixed_point_results(toy=toy_runs(seeds=3), random=random_runs(seeds=3)), "paper_sampled"),
    (fixed_point_results(toy=toy_runs(converged=False)), "paper_sampled"),
    (fixed_point_results(random=random_runs(instances=6)), "random_exact"),
    (fixed_point_results(toy=toy_runs(copg=1e-3)), "paper_sampled"),  # the bounds straddle the cut-off
])
def test_fixed_point_is_inconclusive_without_enough_evidence(results, part):
    verdict = claims.check_fixed_point(results)
    assert verdict.status == "inconclusive", verdict.explanation
    assert verdict.details["parts"][part] == "inconclusive"


def test_fixed_point_is_invalid_when_the_negative_control_also_reaches_zero():
    verdict = claims.check_fixed_point(fixed_point_results(toy=toy_runs(pg_zero_baseline=1e-12)))
    assert verdict.status == "invalid", verdict.explanation
    assert verdict.details["parts"]["negative_control"] == "invalid"


# --- copg.baselines_biased -----------------------------------------------------------------------------------------
def test_baselines_biased_holds_on_the_paper_fixed_points():
    verdict = claims.check_baselines_biased({"copg/toy_bandit": toy_runs()})
    assert verdict.status == "holds", verdict.explanation
    assert verdict.value == pytest.approx(0.0148, rel=1e-6)  # PG(b=E_π R) − CoPG, paired


@pytest.mark.parametrize("finals, method", [
    ({"pg_zero_baseline": 0.1}, "pg_zero_baseline"),  # PG (b=0) better than π_ref
    ({"copg": 0.02}, "copg"),  # CoPG does not reach 0
    ({"copg": 0.2, "ipo": 0.15}, "ipo"),  # IPO below CoPG on the same data
])
def test_baselines_biased_fails_when_a_comparison_goes_the_other_way(finals, method):
    verdict = claims.check_baselines_biased({"copg/toy_bandit": toy_runs(**finals)})
    assert verdict.status == "fails", verdict.explanation
    assert verdict.details[method]["part"] == "fails"


@pytest.mark.parametrize("runs", [toy_runs(seeds=4), toy_runs(converged=False)])
def test_baselines_biased_is_inconclusive_with_few_seeds_or_before_convergence(runs):
    verdict = claims.check_baselines_biased({"copg/toy_bandit": runs})
    assert verdict.status == "inconclusive", verdict.explanation


def test_baselines_biased_pairs_methods_by_seed():
    """A seed-wide shift (a hard dataset) moves both methods: the paired difference stays decided."""
    runs = toy_runs()
    shifted = []
    for r in runs:
        shift = 0.05 * r.seed
        metrics = {k: v + shift if k in ("final_regret/ipo", "final_regret/pg_value_baseline") else v
                   for k, v in r.metrics.items()}
        shifted.append(RunRecord(r.experiment, r.seed, r.config, metrics, r.series))
    verdict = claims.check_baselines_biased({"copg/toy_bandit": shifted})
    assert verdict.details["ipo"]["part"] == "holds"


# --- copg.unbiased_on_policy ---------------------------------------------------------------------------------------
def test_unbiased_on_policy_holds_when_every_z_is_small_and_the_controls_pass():
    verdict = claims.check_unbiased_on_policy(identity_results())
    assert verdict.status == "holds", verdict.explanation


def test_unbiased_on_policy_fails_when_one_coordinate_is_far_off():
    verdict = claims.check_unbiased_on_policy(identity_results(worst_seed={"max_abs_z/copg": 9.0}))
    assert verdict.status == "fails", verdict.explanation


def test_unbiased_on_policy_is_inconclusive_with_too_few_seeds():
    verdict = claims.check_unbiased_on_policy(identity_results(seeds=3))
    assert verdict.status == "inconclusive", verdict.explanation


@pytest.mark.parametrize("override, part", [
    ({"max_abs_z_factor1/copg": 1.0}, "power_control"),  # the test cannot tell 2∇J from ∇J
    ({"max_abs_z/pg": 12.0}, "pg_control"),  # the Monte-Carlo machinery is broken
])
def test_unbiased_on_policy_is_invalid_when_a_control_fails(override, part):
    verdict = claims.check_unbiased_on_policy(identity_results(worst_seed={**override, "max_abs_z/copg": 9.0}))
    assert verdict.status == "invalid", verdict.explanation
    assert verdict.details["parts"][part] == "invalid"


# --- the exact identities: copg.rloo_equivalence, copg.ipo_equivalence, copg.baseline_identity ----------------------
IDENTITY_CHECKS = {"rloo": claims.check_rloo_equivalence, "ipo": claims.check_ipo_equivalence,
                   "eq16": claims.check_baseline_identity}


@pytest.mark.parametrize("name", IDENTITY_CHECKS)
def test_identities_hold_at_round_off(name):
    verdict = IDENTITY_CHECKS[name](identity_results())
    assert verdict.status == "holds", verdict.explanation


@pytest.mark.parametrize("name, worst", [
    ("rloo", {"rloo_error/stopgrad": 1e-6}),
    ("rloo", {"rloo_error/mean_times_2": 0.5}),  # the factor 2 of the 1/k-mean convention
    ("ipo", {"ipo_ratio_deviation": 1.0}),  # ratio β instead of β/2
    ("ipo", {"ipo_min_cosine": 0.9}),
    ("eq16", {"identity_error": 1e-4}),
    ("eq16", {"min_bias_norm": 0.0}),  # another baseline is unbiased after all
])
def test_identities_fail_when_one_seed_breaks_them(name, worst):
    verdict = IDENTITY_CHECKS[name](identity_results(worst_seed=worst))
    assert verdict.status == "fails", verdict.explanation


@pytest.mark.parametrize("name", IDENTITY_CHECKS)
def test_identities_are_invalid_when_they_compare_zeros(name):
    verdict = IDENTITY_CHECKS[name](identity_results(worst_seed={f"gradient_scale/{name}": 0.0}))
    assert verdict.status == "invalid", verdict.explanation


@pytest.mark.parametrize("name", IDENTITY_CHECKS)
def test_identities_are_exact_so_one_seed_decides(name):
    """An exact float64 identity is never inconclusive: one seed holds or fails it."""
    assert IDENTITY_CHECKS[name](identity_results(seeds=1)).status == "holds"
    broken = {"rloo_error/squared": 1.0, "ipo_min_cosine": 0.5, "identity_error": 1.0}
    assert IDENTITY_CHECKS[name](identity_results(seeds=1, **broken)).status == "fails"


def test_every_claim_with_a_control_declares_it():
    controlled = {"copg.fixed_point", "copg.unbiased_on_policy", "copg.rloo_equivalence", "copg.ipo_equivalence",
                  "copg.baseline_identity"}
    assert {c.id for c in SUITE.claims if c.controls} == controlled
