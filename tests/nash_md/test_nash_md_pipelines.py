"""Library pipelines of bandits.nash_md: exponent fit, key tags, per-seed generators, small end-to-end runs."""
from __future__ import annotations

import numpy as np
import pytest

from bandits.games import PAPER_REFERENCE
from bandits.nash_md.pipelines import constant_step_sweep, decay_exponent, last_iterate_sweep, value_tag
from bandits.nash_md.rlhf import rlhf_vs_nash_runs


def test_decay_exponent_recovers_a_power_law_and_skips_round_off():
    steps = np.arange(0, 1001, 10)
    curve = 3.0 * (steps + 1.0) ** -2.0
    assert decay_exponent(steps, curve, 100) == pytest.approx(-2.0, abs=1e-12)
    assert decay_exponent(steps, np.full(steps.shape, 1e-14), 0) is None  # all below the round-off floor


@pytest.mark.parametrize("x, tag", [(0.05, "0.05"), (1.0, "1"), (0.0, "0"), (0.125, "0.125")])
def test_value_tags_match_the_stored_keys(x, tag):
    assert value_tag(x) == tag


def test_last_iterate_sweep_stays_under_the_bound_on_a_small_problem():
    rngs = [np.random.default_rng(s) for s in (0, 1)]
    outcomes = last_iterate_sweep(rngs, (0.2, 1.0), 200, (3,), 2, PAPER_REFERENCE, 10, 0.1)
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert outcome.metrics["max_ratio_to_bound/random"] < 1 and outcome.metrics["random_games"] == 2


def test_constant_step_sweep_uses_the_given_plateau_test():
    outcomes = constant_step_sweep([np.random.default_rng(0)], 0.2, (0.5, 1.5, 5.0), 300, (3,), 1,
                                   PAPER_REFERENCE, plateaued=lambda curve: False)
    assert outcomes[0].metrics["fraction_plateaued"] == 0.0


def test_rlhf_runs_need_one_generator_of_each_kind_per_seed():
    with pytest.raises(ValueError, match="one generator per seed"):
        rlhf_vs_nash_runs([np.random.default_rng(0)], [], 0.02, 0.3, PAPER_REFERENCE, 0.1, 1, (3,))
