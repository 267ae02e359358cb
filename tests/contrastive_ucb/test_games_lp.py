"""Zero-sum games: LP Nash on known matrix games, CCE marginals of a zero-sum game are Nash, Markov-game Nash by
backward induction against brute-force best responses, duality gap ≥ 0 and = 0 at Nash."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from mdps.lowrank.game_ucb import run_game_ucb, update_schedule
from mdps.lowrank.markov_games import (
    best_response_values,
    coarse_correlated_equilibrium,
    duality_gap,
    matrix_nash,
    nash_equilibrium,
    random_lowrank_game,
)


@pytest.mark.parametrize("payoff, value, x, y", [
    ([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], 0.0, [1 / 3] * 3, [1 / 3] * 3),        # rock-paper-scissors
    ([[3, -1], [-2, 1]], 1 / 7, [3 / 7, 4 / 7], [2 / 7, 5 / 7]),                    # mixed 2×2
    ([[4, 2], [3, 1]], 2.0, [1, 0], [0, 1]),                                       # saddle point
])
def test_matrix_nash_on_known_games(payoff, value, x, y):
    v, px, py = matrix_nash(np.array(payoff, dtype=float))
    assert v == pytest.approx(value, abs=1e-9)
    np.testing.assert_allclose(px, x, atol=1e-8)
    np.testing.assert_allclose(py, y, atol=1e-8)


def test_cce_constraints_and_zero_sum_marginals_are_nash():
    rng = np.random.default_rng(0)
    for _ in range(5):
        m = rng.uniform(size=(3, 4))
        sigma = coarse_correlated_equilibrium(m, m)
        assert sigma.min() >= 0 and sigma.sum() == pytest.approx(1.0)
        value = (sigma * m).sum()
        assert value + 1e-9 >= (m @ sigma.sum(0)).max()   # max player cannot gain by deviating
        assert value - 1e-9 <= (sigma.sum(1) @ m).min()   # min player cannot gain either
        nash_value, _, _ = matrix_nash(m)
        assert value == pytest.approx(nash_value, abs=1e-8)
        x, y = sigma.sum(1), sigma.sum(0)
        assert (m @ y).max() - (x @ m).min() == pytest.approx(0.0, abs=1e-8)  # marginals are a Nash pair


def test_markov_game_nash_and_gap_against_brute_force():
    game = random_lowrank_game(3, 2, 2, 2, 2, np.random.default_rng(3))
    p = game.transitions()
    values, pi, nu = nash_equilibrium(p, game.reward)
    assert duality_gap(p, game.reward, game.initial, pi, nu) == pytest.approx(0.0, abs=1e-9)
    # brute force: the best deterministic response of the max player to ν* is worth exactly V*
    best = -np.inf
    for choice in itertools.product(range(2), repeat=2 * 3):
        response = np.eye(2)[np.array(choice).reshape(2, 3)]
        v = np.zeros(3)
        for h in (1, 0):
            q = game.reward[h] + p[h] @ v
            v = np.einsum("sab,sa,sb->s", q, response[h], nu[h])
        best = max(best, v @ game.initial)
    assert best == pytest.approx(values[0] @ game.initial, abs=1e-9)
    assert best_response_values(p, game.reward, nu, "max")[0] @ game.initial == pytest.approx(best, abs=1e-9)
    uniform_gap = duality_gap(p, game.reward, game.initial, np.full_like(pi, 0.5), np.full_like(nu, 0.5))
    assert uniform_gap > 1e-3


def test_game_learner_runs_and_gap_is_non_negative():
    game = random_lowrank_game(4, 2, 2, 2, 2, np.random.default_rng(1), concentration=0.3, state_reward=True)
    def play(growth: float = 0.0):
        return run_game_ucb(game, 40, [10, 20, 40], np.random.default_rng(0), torch.Generator().manual_seed(0),
                            dim=2, bonus=0.5, refit_every=20, plan_every=10, restarts=1, steps=30, growth=growth)

    trace = play()
    assert trace.average_gap.shape == trace.last_gap.shape == (3,)
    assert np.all(trace.average_gap >= -1e-9) and np.all(trace.last_gap >= -1e-9)
    # the plan of episodes 0..9 is the only one in the first checkpoint: its average is its gap
    assert trace.average_gap[0] == pytest.approx(trace.last_gap[0])
    again = play()
    np.testing.assert_array_equal(trace.average_gap, again.average_gap)
    assert play(growth=0.5).average_gap.shape == (3,)


def test_update_schedule_is_periodic_then_geometric():
    assert sorted(update_schedule(25, 0.0, 120)) == [25, 50, 75, 100]
    assert sorted(update_schedule(50, 0.25, 700)) == [50, 100, 150, 200, 250, 313, 392, 490, 613]
    with pytest.raises(ValueError):
        update_schedule(0, 0.1, 10)


def test_state_reward_game_pays_per_state():
    game = random_lowrank_game(5, 3, 2, 2, 3, np.random.default_rng(2), concentration=0.3, state_reward=True)
    assert np.all(game.reward == game.reward[..., :1, :1])
    with pytest.raises(ValueError, match="concentration"):
        random_lowrank_game(5, 3, 2, 2, 3, np.random.default_rng(2), concentration=0.0)
