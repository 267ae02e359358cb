"""Exact dynamics: Nash-MD converges (last iterate), batching is exact, MWU cycles, inputs are validated."""
from __future__ import annotations

import numpy as np
import pytest

from bandits.games import (
    PAPER_REFERENCE,
    SHIPPED_GAMES,
    random_antisymmetric_games,
    random_reference,
    rock_paper_scissors,
)
from bandits.nash_md.dynamics import log_grid, mirror_descent, nash_md_step_sizes, rlhf_policy
from bandits.solvers import kl, regularized_nash

MU = np.array(PAPER_REFERENCE)


def test_step_sizes_follow_thm1():
    eta = nash_md_step_sizes(0.5, 4)
    np.testing.assert_allclose(eta, [2 / (0.5 * 2), 2 / (0.5 * 3), 2 / (0.5 * 4), 2 / (0.5 * 5)])
    assert nash_md_step_sizes(np.array([0.1, 1.0]), 3).shape == (3, 2)


def test_one_step_matches_the_formula():
    p, tau, eta = rock_paper_scissors(), 0.2, 0.7
    pi = np.array([0.2, 0.5, 0.3])
    mixture = pi ** (1 - eta * tau) * MU ** (eta * tau)
    mixture /= mixture.sum()
    expected = pi ** (1 - eta * tau) * MU ** (eta * tau) * np.exp(eta * p @ mixture)
    expected /= expected.sum()
    run = mirror_descent(p[None], MU, tau, np.array([eta]), init=pi)
    np.testing.assert_allclose(np.exp(run.log_probs[-1, 0]), expected, atol=1e-14)
    omd = mirror_descent(p[None], MU, tau, np.array([eta]), opponent="current", init=pi)
    expected_omd = pi ** (1 - eta * tau) * MU ** (eta * tau) * np.exp(eta * p @ pi)
    np.testing.assert_allclose(np.exp(omd.log_probs[-1, 0]), expected_omd / expected_omd.sum(), atol=1e-14)


def test_nash_md_last_iterate_within_the_thm1_bound():
    games = np.stack(list(SHIPPED_GAMES.values()))
    tau, steps = 0.2, 2000
    record = log_grid(steps, 30)
    run = mirror_descent(games, MU, tau, nash_md_step_sizes(tau, steps), record_at=record)
    curves = kl(regularized_nash(games, MU, tau)[None], np.exp(run.log_probs))
    assert np.all(curves <= 8 / (tau**2 * (record[:, None] + 1)))
    assert np.all(curves[-1] < 1e-6)


def test_batch_equals_per_game_loop():
    rng = np.random.default_rng(0)
    games, mus = random_antisymmetric_games(4, 5, rng), random_reference(4, 5, rng)
    taus = np.array([0.1, 0.3, 1.0, 2.0])
    batched = mirror_descent(games, mus, taus, nash_md_step_sizes(taus, 200), record_at=[0, 50, 200])
    for i in range(4):
        single = mirror_descent(games[i:i + 1], mus[i], taus[i], nash_md_step_sizes(taus[i], 200),
                                record_at=[0, 50, 200])
        np.testing.assert_allclose(batched.log_probs[:, i], single.log_probs[:, 0], atol=1e-12)


def test_mwu_last_iterate_drifts_while_average_converges_on_rps():
    start = np.array([0.5, 0.3, 0.2])
    run = mirror_descent(rock_paper_scissors()[None], np.full(3, 1 / 3), 0.0, np.full(5000, 0.1), init=start,
                         record_at=[0, 5000], average=True)
    uniform = np.full(3, 1 / 3)
    assert kl(uniform, np.exp(run.log_probs[-1, 0])) > kl(uniform, start) + 0.1
    assert kl(uniform, run.average[-1, 0]) < 1e-3


def test_rlhf_policy_is_the_regularised_reward_optimum():
    game = SHIPPED_GAMES["rater_population_eps0.1"]
    assert rlhf_policy(game, MU, 0.0).tolist() == [1.0, 0.0, 0.0]
    pi = rlhf_policy(game, MU, 0.1)
    assert pi.sum() == pytest.approx(1.0) and np.argmax(pi) == 0


@pytest.mark.parametrize("kwargs, fragment", [
    ({"etas": np.full(3, 20.0)}, "eta·tau <= 1"),
    ({"etas": np.full(3, -1.0)}, "step sizes"),
    ({"opponent": "nobody"}, "opponent"),
    ({"record_at": [5, 2]}, "record_at"),
    ({"tau": -1.0}, "tau"),
])
def test_bad_dynamics_inputs(kwargs, fragment):
    args = {"matrix": rock_paper_scissors()[None], "mu": MU, "tau": 0.2, "etas": np.full(3, 0.1)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=fragment):
        mirror_descent(**args)
