"""Each nash_md check fed synthetic records: every status it can return (holds, fails, inconclusive, and invalid
where it has a control). Values are spread deterministically over seeds (k = 0..n−1) so intervals have width."""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pytest

from bandits.nash_md.last_iterate import value_tag
from benchmarks.registry import RunRecord
from benchmarks.suites.nash_md import SUITE
from benchmarks.suites.nash_md.claims import (
    check_constant_step,
    check_cycling,
    check_last_iterate,
    check_pg_bias,
    check_rlhf_vs_nash,
)

Metrics = dict[str, float]


def _records(experiment: str, config: Mapping, make: Callable[[int], Metrics], seeds: int) -> dict:
    return {experiment: [RunRecord(experiment, k, dict(config), make(k), {}) for k in range(seeds)]}


def _spread(k: int, center: float, relative: float = 0.05) -> float:
    """center·(1 + relative·(k − 2)/2): five seeds span ±relative around the center."""
    return center * (1 + relative * (k - 2) / 2)


# --- last_iterate_rate ------------------------------------------------------------------------------------------
TAUS = [0.2, 0.05, 0.01]
LAST_CONFIG = {"taus": TAUS, "sizes": [3, 5, 10, 20, 50], "steps": 10_000, "fit_from": 0.1, "rate_steps": 100_000,
               "rate_games": 4, "rate_size": 10, "control_eta_tau": 0.5, "self_play_eta": 0.1}
RATE_STEPS = np.unique(np.round(np.logspace(0, 5, 60)).astype(int))


def _power_law(k: int, exponent: float) -> list[float]:
    """A KL curve 0.5·(t+1)^b with b spread over seeds (±1% at five seeds)."""
    return (0.5 * (RATE_STEPS + 1.0) ** _spread(k, exponent, 0.01) if exponent else
            np.full(RATE_STEPS.shape, 0.5 + 0.01 * k)).tolist()


def _last_iterate(seeds: int = 5, exponent: float = -2.0, constant: float = 0.0, self_play: float = 0.8,
                  ratio: float = 0.004, binding: float = 3.0, games: float = 20.0) -> dict:
    def make(k: int) -> Metrics:
        metrics = {"max_ratio_to_bound/random": _spread(k, 0.002), "max_ratio_to_bound/shipped": ratio,
                   "max_ratio_to_bound/rate": 0.003, "random_games": games, "rate_games": 4.0}
        metrics.update({f"control_ratio_at_T/tau{value_tag(t)}": binding for t in TAUS})
        return metrics

    def series(k: int) -> dict[str, list[float]]:
        out = {"rate/steps": RATE_STEPS.astype(float).tolist(), "rate/kl_self_play": _power_law(k, self_play)}
        for tau in TAUS:
            out[f"rate/kl_worst/tau{value_tag(tau)}"] = _power_law(k, exponent)
            out[f"rate/kl_constant_eta/tau{value_tag(tau)}"] = _power_law(k, constant)
        return out
    return {"nash_md/last_iterate": [RunRecord("nash_md/last_iterate", k, dict(LAST_CONFIG), make(k), series(k))
                                     for k in range(seeds)]}


def test_last_iterate_holds_under_the_bound_with_a_fast_decay_and_flat_controls():
    verdict = check_last_iterate(_last_iterate())
    assert verdict.status == "holds", verdict.details["reasons"]
    assert verdict.value == pytest.approx(-2.0, abs=1e-9) and verdict.ci[1] <= -1


def test_last_iterate_fails_when_a_curve_crosses_the_bound():
    verdict = check_last_iterate(_last_iterate(ratio=1.3))
    assert verdict.status == "fails" and verdict.details["parts"]["bound_every_curve"] == "fails"


def test_last_iterate_fails_when_the_decay_is_slower_than_1_over_t():
    verdict = check_last_iterate(_last_iterate(exponent=-0.7))
    assert verdict.status == "fails" and verdict.details["parts"]["exponent_tau0.01"] == "fails"


@pytest.mark.parametrize("records, part", [
    (_last_iterate(seeds=3, games=40.0), "exponent_tau0.2"),  # too few seeds
    (_last_iterate(games=10.0), "enough_random_games"),  # 50 < 100 random games
    (_last_iterate(exponent=-1.0), "exponent_tau0.05"),  # the interval straddles −1
])
def test_last_iterate_is_inconclusive_with_too_few_seeds_or_games_or_a_straddling_exponent(records, part):
    verdict = check_last_iterate(records)
    assert verdict.status == "inconclusive" and verdict.details["parts"][part] == "inconclusive"


def test_last_iterate_is_inconclusive_when_a_seed_has_no_points_above_round_off():
    records = _last_iterate(exponent=-8.0)  # 0.5·(t+1)^−8 < 1e-12 over the whole fit window
    verdict = check_last_iterate(records)
    assert verdict.status == "inconclusive" and "round-off" in verdict.details["reasons"]["exponent_tau0.2"]


def test_last_iterate_is_invalid_when_the_negative_control_decays_as_fast():
    verdict = check_last_iterate(_last_iterate(constant=-2.0, self_play=-2.0))
    assert verdict.status == "invalid"
    assert verdict.details["parts"]["control_constant_eta_tau0.01"] == "invalid"
    assert verdict.details["parts"]["control_self_play"] == "invalid"


@pytest.mark.parametrize("overrides, part", [
    ({"self_play": -0.5}, "control_self_play"),  # the control's interval reaches −0.5: it could be converging
    ({"binding": 0.5}, "control_bound_binds"),  # the non-converging control is under the bound too
])
def test_last_iterate_is_invalid_when_a_control_cannot_be_told_apart_even_if_the_claim_fails(overrides, part):
    verdict = check_last_iterate(_last_iterate(ratio=2.0, **overrides))
    assert verdict.status == "invalid" and verdict.details["parts"][part] == "invalid"


# --- constant_step_floor ----------------------------------------------------------------------------------------
ETAS = [0.05, 0.15, 0.5, 1.5]
CONSTANT_CONFIG = {"tau": 0.2, "etas": ETAS}


def _constant_step(seeds: int = 5, slope: float = 2.0, plateaued: float = 1.0, monotone: float = 1.0,
                   ratio: float = 0.05, slopes: list[float] | None = None) -> dict:
    def make(k: int) -> Metrics:
        metrics = {"median_slope_floor_vs_eta": slopes[k] if slopes else _spread(k, slope),
                   "fraction_plateaued": plateaued, "fraction_monotone": monotone,
                   "max_ratio_to_2eta_over_tau": ratio, "games": 12.0}
        metrics.update({f"median_floor/eta{value_tag(e)}": 1e-3 * e ** 2 for e in ETAS})
        return metrics
    return _records("nash_md/constant_step", CONSTANT_CONFIG, make, seeds)


def test_constant_step_holds_for_a_growing_bounded_floor():
    assert check_constant_step(_constant_step()).status == "holds"


@pytest.mark.parametrize("records, part", [
    (_constant_step(monotone=0.9), "monotone_every_game"),
    (_constant_step(ratio=1.2), "below_2eta_over_tau"),
    (_constant_step(slope=-1.0), "slope_above_0"),
])
def test_constant_step_fails(records, part):
    verdict = check_constant_step(records)
    assert verdict.status == "fails" and verdict.details["parts"][part] == "fails"


@pytest.mark.parametrize("records", [_constant_step(seeds=3), _constant_step(slopes=[-1.0, 1.0, -0.5, 0.5, 0.1])])
def test_constant_step_is_inconclusive_with_few_seeds_or_a_straddling_slope(records):
    assert check_constant_step(records).status == "inconclusive"


def test_constant_step_is_invalid_when_a_curve_has_not_plateaued_even_if_another_part_fails():
    verdict = check_constant_step(_constant_step(plateaued=0.9, monotone=0.5))
    assert verdict.status == "invalid" and verdict.details["parts"]["control_plateaued"] == "invalid"


# --- unregularised_cycling --------------------------------------------------------------------------------------
CYCLING_CONFIG = {"steps": 20_000, "eta": 0.1, "tau": 0.05}


def _cycling(seeds: int = 5, drift: float = 2.0, average: float = 1e-5, nash_md: float = 1e-10) -> dict:
    def make(k: int) -> Metrics:
        return {"mwu_last/kl_drift": _spread(k, drift), "mwu_average/kl_nash_end": _spread(k, average),
                "nash_md/kl_regnash_end": _spread(k, nash_md), "omd/kl_regnash_end": _spread(k, 1e-10),
                "mwu_last/min_prob_end": 1e-4}
    return _records("nash_md/cycling", CYCLING_CONFIG, make, seeds)


def test_cycling_holds_when_the_last_iterate_drifts_and_the_others_converge():
    assert check_cycling(_cycling()).status == "holds"


@pytest.mark.parametrize("records, part", [
    (_cycling(drift=-0.5), "mwu_last_drifts_away"),
    (_cycling(average=0.05), "mwu_average_converges"),
    (_cycling(nash_md=1e-3), "nash_md_last_converges"),
])
def test_cycling_fails(records, part):
    verdict = check_cycling(records)
    assert verdict.status == "fails" and verdict.details["parts"][part] == "fails"


def test_cycling_is_inconclusive_with_too_few_seeds():
    verdict = check_cycling(_cycling(seeds=3))
    assert verdict.status == "inconclusive" and "too few seeds" in verdict.details["reasons"]["mwu_last_drifts_away"]


# --- rlhf_not_nash ----------------------------------------------------------------------------------------------
RLHF_CONFIG = {"tau": 0.1}


def _rlhf(seeds: int = 10, **override: float) -> dict:
    def make(k: int) -> Metrics:
        epsilon = 0.02 + 0.03 * k
        w1 = 1 / 3 - epsilon
        metrics = {"epsilon": epsilon, "rlhf_exploitability": w1 / 2, "predicted_exploitability": w1 / 2,
                   "nash_exploitability": 0.0, "nash_error_vs_closed_form": 1e-15, "rlhf_top_is_y1": 1.0,
                   "bt_margin_y1_minus_y2": 1.5 * epsilon, "tv_nash_rlhf": 0.6, "rlhf_tau_reg_exploitability": 0.05,
                   "nash_tau_reg_exploitability": 1e-15, "p_nash_beats_rlhf": 0.5, "bt/max_tv_nash_rlhf": 1e-10,
                   "bt/max_rlhf_exploitability": 1e-10, "bt/games": 60.0, "elo/p_nash_beats_rlhf": 50 / 99,
                   "elo/error_vs_50_99": 0.0, "elo/rlhf_error": 0.0, "elo/nash_error": 0.0,
                   "eps0.1/rlhf_exploitability": (1 / 3 - 0.1) / 2, "eps0.1/nash_exploitability": 0.0,
                   "eps0.1/bt_margin_y1_minus_y2": 0.15, "eps0.1/p_nash_beats_rlhf": 0.5,
                   "eps0.1/nash_p0": 0.3833, "eps0.1/nash_p1": 0.3833, "eps0.1/nash_p2": 0.2333}
        metrics.update(override)
        return metrics
    return _records("nash_md/rlhf_vs_nash", RLHF_CONFIG, make, seeds)


def test_rlhf_holds_for_the_closed_form_values():
    verdict = check_rlhf_vs_nash(_rlhf())
    assert verdict.status == "holds", verdict.details["parts"]


@pytest.mark.parametrize("override, part", [
    ({"elo/error_vs_50_99": 1e-3}, "elo_50_99"),
    ({"rlhf_top_is_y1": 0.0}, "bt_ranks_y1_first"),
    ({"bt/max_tv_nash_rlhf": 0.1}, "bt_games_agree"),
    ({"rlhf_exploitability": -0.01, "predicted_exploitability": -0.01}, "rlhf_exploitable"),
])
def test_rlhf_fails(override, part):
    verdict = check_rlhf_vs_nash(_rlhf(**override))
    assert verdict.status == "fails" and verdict.details["parts"][part] == "fails"


def test_rlhf_is_inconclusive_with_too_few_seeds():
    verdict = check_rlhf_vs_nash(_rlhf(seeds=3))
    assert verdict.status == "inconclusive" and verdict.details["parts"]["rlhf_exploitable"] == "inconclusive"


def test_rlhf_is_invalid_when_the_solver_misses_the_closed_form_even_if_another_part_fails():
    verdict = check_rlhf_vs_nash(_rlhf(**{"nash_error_vs_closed_form": 1e-3, "elo/error_vs_50_99": 1e-3}))
    assert verdict.status == "invalid"
    assert verdict.details["parts"]["control_lp_matches_closed_form"] == "invalid"


# --- pg_mixture_bias --------------------------------------------------------------------------------------------
BETAS = [0.0, 0.125, 0.25, 0.5, 1.0]
PG_CONFIG = {"betas": BETAS, "game": "rock_paper_scissors", "tau": 0.1, "steps": 4000, "batch_size": 1024}
BIAS = {0.0: 1e-5, 0.125: 3.4e-3, 0.25: 0.02, 0.5: 0.107, 1.0: 1.15}


def _pg(seeds: int = 5, bias: Mapping[float, float] = BIAS, to_predicted: float = 1e-5) -> dict:
    def make(k: int) -> Metrics:
        metrics = {}
        for beta in BETAS:
            tag = value_tag(beta)
            metrics[f"kl_to_nash/beta{tag}"] = _spread(k, bias[beta])
            metrics[f"kl_to_predicted/beta{tag}"] = _spread(k, to_predicted)
            metrics[f"predicted_bias/beta{tag}"] = bias[beta]
        return metrics
    return _records("nash_md/pg_bias", PG_CONFIG, make, seeds)


def test_pg_bias_holds_for_a_bias_growing_with_beta():
    verdict = check_pg_bias(_pg())
    assert verdict.status == "holds", verdict.details["parts"]


@pytest.mark.parametrize("records, part", [
    (_pg(bias={**BIAS, 0.0: 0.05}), "beta0_converges_to_nash"),
    (_pg(to_predicted=0.01), "beta0.5_reaches_predicted"),
    (_pg(bias={**BIAS, 0.125: 1e-5}), "beta0.125_biased"),
    (_pg(bias={**BIAS, 0.5: 0.01}), "bias_grows_0.25_to_0.5"),
])
def test_pg_bias_fails(records, part):
    verdict = check_pg_bias(records)
    assert verdict.status == "fails" and verdict.details["parts"][part] == "fails"


def test_pg_bias_is_inconclusive_with_too_few_seeds():
    assert check_pg_bias(_pg(seeds=3)).status == "inconclusive"


def test_claims_declare_their_controls():
    controls = {claim.id: claim.controls for claim in SUITE.claims}
    assert controls["nash_md.constant_step_floor"] and controls["nash_md.rlhf_not_nash"]
    assert len(controls["nash_md.last_iterate_rate"]) == 3  # constant η, τ = 0 self-play, the bound can fail
