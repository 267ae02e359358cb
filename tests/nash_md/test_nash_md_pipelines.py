"""Library pipelines of bandits.nash_md: exponent fit, key tags, per-seed generators, small end-to-end runs."""
from __future__ import annotations

import numpy as np
import pytest

from bandits.games import PAPER_REFERENCE
from bandits.nash_md.last_iterate import (
    RateSetup,
    bound_sweep,
    fit_window,
    last_iterate_study,
    rate_study,
    thm1_bound,
    value_tag,
)
from bandits.nash_md.pipelines import constant_step_sweep, loglog_fit_slope
from bandits.nash_md.rlhf import rlhf_vs_nash_runs


def test_fit_window_keeps_late_steps_above_round_off():
    steps = np.arange(0, 1001, 10)
    curve = np.where(steps < 900, 3.0 * (steps + 1.0) ** -2.0, 1e-14)
    keep = fit_window(steps, curve, 100)
    assert keep.sum() == np.sum((steps >= 100) & (steps < 900))


def test_thm1_bound_per_tau():
    bound = thm1_bound(np.array([0.2, 0.01]), np.array([0, 99]))
    np.testing.assert_allclose(bound, [[200.0, 2.0], [80_000.0, 800.0]])


@pytest.mark.parametrize("x, tag", [(0.05, "0.05"), (1.0, "1"), (0.0, "0"), (0.125, "0.125")])
def test_value_tags_match_the_stored_keys(x, tag):
    assert value_tag(x) == tag


def test_bound_sweep_stays_under_the_bound_on_a_small_problem():
    rngs = [np.random.default_rng(s) for s in (0, 1)]
    outcomes = bound_sweep(rngs, (0.2, 1.0), 200, (3,), 2, PAPER_REFERENCE, 10)
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert outcome.metrics["max_ratio_to_bound/random"] < 1 and outcome.metrics["random_games"] == 2


def test_rate_study_separates_nash_md_from_its_negative_controls():
    """Small but long enough: Nash-MD's worst game decays faster than 1/t while constant η plateaus above the bound and
    τ = 0 self-play does not approach the Nash (exponents fitted on the last decade)."""
    setup = RateSetup(steps=20_000, size=5, games=2, control_eta_tau=0.5, self_play_eta=0.1, record_points=40)
    outcome = rate_study([np.random.default_rng(3)], (0.01,), setup)[0]
    steps = np.asarray(outcome.series["rate/steps"])

    def exponent(key: str) -> float:
        keep = fit_window(steps, np.asarray(outcome.series[key]), 2000)
        return loglog_fit_slope(steps[keep] + 1, np.asarray(outcome.series[key])[keep])
    assert exponent("rate/kl_worst/tau0.01") < -1.5
    assert abs(exponent("rate/kl_constant_eta/tau0.01")) < 0.2 and exponent("rate/kl_self_play") > -0.5
    assert outcome.metrics["max_ratio_to_bound/rate"] < 1 < outcome.metrics["control_ratio_at_T/tau0.01"]


def test_last_iterate_study_needs_one_generator_of_each_kind_per_seed():
    setup = RateSetup(steps=10, size=3, games=1, control_eta_tau=0.5, self_play_eta=0.1)
    with pytest.raises(ValueError, match="one generator of each kind"):
        last_iterate_study([np.random.default_rng(0)], [], (0.2,), 10, (3,), 1, PAPER_REFERENCE, 5, setup)


def test_constant_step_sweep_uses_the_given_plateau_test():
    outcomes = constant_step_sweep([np.random.default_rng(0)], 0.2, (0.5, 1.5, 5.0), 300, (3,), 1,
                                   PAPER_REFERENCE, plateaued=lambda curve: False)
    assert outcomes[0].metrics["fraction_plateaued"] == 0.0


def test_rlhf_runs_need_one_generator_of_each_kind_per_seed():
    with pytest.raises(ValueError, match="one generator per seed"):
        rlhf_vs_nash_runs([np.random.default_rng(0)], [], 0.02, 0.3, PAPER_REFERENCE, 0.1, 1, (3,))
