"""Preference games: shapes, exact values, validation."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from bandits.games import (
    SHIPPED_GAMES,
    check_preference_matrix,
    dice_game,
    elo_example,
    random_antisymmetric_games,
    random_bradley_terry_games,
    rater_population,
    rater_population_nash,
    restricted_game,
    rock_paper_scissors,
)


@pytest.mark.parametrize("name", list(SHIPPED_GAMES))
def test_shipped_games_are_preference_matrices(name):
    p = check_preference_matrix(name, SHIPPED_GAMES[name])
    assert p.shape == (3, 3)
    np.testing.assert_allclose(np.diag(p), 0.5)


def test_intransitive_dice_each_beats_the_next_with_5_9():
    p = dice_game()
    for i in range(3):
        assert p[i, (i + 1) % 3] == pytest.approx(float(Fraction(5, 9)), abs=1e-15)


def test_rock_paper_scissors_cycle():
    p = rock_paper_scissors()
    assert p[1, 0] == p[2, 1] == p[0, 2] == 1.0


def test_rater_population_entries_and_nash():
    eps = 0.1
    w1, w2, w3 = 1 / 3 - eps, 1 / 3 + eps / 2, 1 / 3 + eps / 2
    p = rater_population(eps)
    assert p[1, 0] == pytest.approx(0.5 + w1 / 2)
    assert p[0, 2] == pytest.approx(0.5 + w2 / 2)
    assert p[2, 1] == pytest.approx(0.5 + w3 / 2)
    np.testing.assert_allclose(rater_population_nash(eps), [0.38333333, 0.38333333, 0.23333333], atol=1e-8)
    # the closed form is an equilibrium: every response earns exactly ½ against it
    np.testing.assert_allclose(p @ rater_population_nash(eps), 0.5, atol=1e-15)


@pytest.mark.parametrize("eps", [-0.01, 0.4, float("nan")])
def test_rater_population_rejects_bad_epsilon(eps):
    with pytest.raises(ValueError, match="epsilon"):
        rater_population(eps)


def test_random_games_are_valid_and_seeded():
    a = random_antisymmetric_games(7, 6, np.random.default_rng(3))
    b = random_antisymmetric_games(7, 6, np.random.default_rng(3))
    assert a.shape == (7, 6, 6)
    check_preference_matrix("random", a)
    np.testing.assert_array_equal(a, b)
    games, rewards = random_bradley_terry_games(4, 5, np.random.default_rng(0))
    check_preference_matrix("bt", games)
    assert rewards.shape == (4, 5)


def test_restricted_game_is_a_preference_matrix():
    p = restricted_game(elo_example(), np.array([[2 / 3, 1 / 3, 0.0], [0.0, 0.0, 1.0]]))
    check_preference_matrix("restricted", p)
    assert p[1, 0] == pytest.approx(50 / 99, abs=1e-15)


@pytest.mark.parametrize("matrix, fragment", [
    ([[0.5, 0.7], [0.7, 0.5]], "not antisymmetric"),
    ([[0.5, 1.2], [-0.2, 0.5]], "outside \\[0, 1\\]"),
    ([[0.5, 0.5, 0.5]], "square"),
    ([[0.5, np.nan], [np.nan, 0.5]], "NaN"),
    ([[0.4, 0.5], [0.5, 0.6]], "not antisymmetric"),
])
def test_bad_preference_matrices_raise(matrix, fragment):
    with pytest.raises(ValueError, match=fragment):
        check_preference_matrix("P", matrix)
