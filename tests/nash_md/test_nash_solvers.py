"""Reference solvers: regularised Nash (fixed point to 1e-10, including small τ), LP Nash, BT fit, exploitability."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax

from bandits.games import (
    ELO_POLICY_VERTICES,
    ELO_REWARDS,
    PAPER_REFERENCE,
    SHIPPED_GAMES,
    elo_example,
    random_antisymmetric_games,
    random_bradley_terry_games,
    random_reference,
    rater_population,
    restricted_game,
    rock_paper_scissors,
)
from bandits.nash_md.dynamics import mirror_descent, nash_md_step_sizes
from bandits.solvers import (
    bradley_terry_fit,
    exploitability,
    fixed_point_residual,
    kl,
    nash_lp,
    nash_md_pg_fixed_point,
    regularized_exploitability,
    regularized_nash,
)

MU = np.array(PAPER_REFERENCE)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), size=st.integers(2, 30), tau=st.sampled_from([0.01, 0.03, 0.1, 1.0, 5.0]))
def test_regularized_nash_satisfies_the_fixed_point(seed, size, tau):
    rng = np.random.default_rng(seed)
    games, mus = random_antisymmetric_games(3, size, rng), random_reference(3, size, rng)
    pi = regularized_nash(games, mus, tau)
    assert np.all(fixed_point_residual(games, mus, tau, pi) < 1e-10)
    np.testing.assert_allclose(pi.sum(-1), 1.0, atol=1e-12)
    assert np.all(np.abs(regularized_exploitability(games, pi, mus, tau)) < 1e-10)


@pytest.mark.parametrize("tau", [0.01, 0.02, 0.05])
def test_regularized_nash_is_robust_where_damped_iteration_fails(tau):
    p = rock_paper_scissors()
    pi = regularized_nash(p, MU, tau)
    assert fixed_point_residual(p, MU, tau, pi) < 1e-10
    # naive fixed-point iteration π ← softmax(log μ + Pπ/τ) does not converge here
    naive = MU.copy()
    for _ in range(2000):
        naive = softmax(np.log(MU) + p @ naive / tau)
    assert fixed_point_residual(p, MU, tau, naive) > 1e-3


def test_regularized_nash_matches_long_run_nash_md():
    games = np.stack(list(SHIPPED_GAMES.values()))
    for tau in (0.1, 1.0):
        target = regularized_nash(games, MU, tau)
        run = mirror_descent(games, MU, tau, nash_md_step_sizes(tau, 20_000), record_at=[20_000])
        assert np.all(kl(target, np.exp(run.log_probs[-1])) < 1e-8)


def test_batched_solver_equals_per_game():
    rng = np.random.default_rng(1)
    games, mus = random_antisymmetric_games(5, 6, rng), random_reference(5, 6, rng)
    taus = np.array([0.02, 0.1, 0.5, 1.0, 3.0])
    batched = regularized_nash(games, mus, taus)
    for i in range(5):
        np.testing.assert_allclose(batched[i], regularized_nash(games[i], mus[i], taus[i]), atol=1e-12)


def test_uniform_reference_gives_uniform_equilibrium_on_symmetric_games():
    np.testing.assert_allclose(regularized_nash(rock_paper_scissors(), np.full(3, 1 / 3), 0.05), 1 / 3, atol=1e-12)


def test_small_tau_approaches_the_lp_nash():
    p = rater_population(0.1)
    np.testing.assert_allclose(regularized_nash(p, MU, 1e-4), nash_lp(p), atol=2e-3)


def test_nash_lp_rater_population_and_rps():
    np.testing.assert_allclose(nash_lp(rater_population(0.1)), [0.383333333, 0.383333333, 0.233333333], atol=1e-8)
    np.testing.assert_allclose(nash_lp(rock_paper_scissors()), 1 / 3, atol=1e-12)
    assert exploitability(rater_population(0.1), nash_lp(rater_population(0.1))) < 1e-12


def test_nash_lp_random_games_have_zero_exploitability():
    for game in random_antisymmetric_games(20, 8, np.random.default_rng(5)):
        pi = nash_lp(game)
        assert exploitability(game, pi) < 1e-9 and np.all(pi >= 0) and pi.sum() == pytest.approx(1.0)


def test_elo_example_50_over_99():
    game = elo_example()
    rlhf = ELO_POLICY_VERTICES[int(np.argmax(ELO_POLICY_VERTICES @ np.asarray(ELO_REWARDS)))]
    nash = nash_lp(restricted_game(game, ELO_POLICY_VERTICES)) @ ELO_POLICY_VERTICES
    np.testing.assert_allclose(rlhf, [2 / 3, 1 / 3, 0], atol=1e-15)
    np.testing.assert_allclose(nash, [0, 0, 1], atol=1e-12)
    assert nash @ game @ rlhf == pytest.approx(50 / 99, abs=1e-14)


def test_bradley_terry_fit_recovers_rewards_and_ranks_raters():
    games, rewards = random_bradley_terry_games(10, 6, np.random.default_rng(2))
    for game, reward in zip(games, rewards):
        np.testing.assert_allclose(bradley_terry_fit(game), reward - reward.mean(), atol=1e-8)
    assert np.argmax(bradley_terry_fit(rater_population(0.1))) == 0
    np.testing.assert_allclose(bradley_terry_fit(rock_paper_scissors()), 0.0, atol=1e-12)


def test_bradley_terry_fit_rejects_a_dominating_response():
    with pytest.raises(ValueError, match="no maximum-likelihood reward"):
        bradley_terry_fit([[0.5, 1.0, 1.0], [0.0, 0.5, 0.6], [0.0, 0.4, 0.5]])


def test_pg_fixed_point_solves_its_equation():
    p = rock_paper_scissors()
    for beta in (0.0, 0.125, 0.5, 1.0):
        pi = nash_md_pg_fixed_point(p, MU, 0.1, beta)
        mixture = softmax((1 - beta) * np.log(pi) + beta * np.log(MU))
        np.testing.assert_allclose(pi, softmax(np.log(MU) + p @ mixture / 0.1), atol=1e-12)
    assert kl(regularized_nash(p, MU, 0.1), nash_md_pg_fixed_point(p, MU, 0.1, 0.0)) < 1e-14


@pytest.mark.parametrize("call, fragment", [
    (lambda: regularized_nash(rock_paper_scissors(), MU, -0.1), "tau must be >= 0"),
    (lambda: regularized_nash(rock_paper_scissors(), [0.5, 0.5, 0.0], 0.1), "full support"),
    (lambda: regularized_nash(rock_paper_scissors(), [0.5, 0.6, 0.1], 0.1), "sum to 1"),
    (lambda: regularized_nash([[0.5, 0.9], [0.9, 0.5]], [0.5, 0.5], 0.1), "not antisymmetric"),
    (lambda: regularized_nash([[0.5, 1.5], [-0.5, 0.5]], [0.5, 0.5], 0.1), "outside"),
    (lambda: nash_lp([[0.5, 0.9], [0.9, 0.5]]), "not antisymmetric"),
    (lambda: nash_md_pg_fixed_point(rock_paper_scissors(), MU, 0.1, 1.5), "beta"),
])
def test_bad_inputs_raise_clear_errors(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_tau_zero_dispatches_to_the_lp():
    np.testing.assert_allclose(regularized_nash(rater_population(0.1), MU, 0.0), nash_lp(rater_population(0.1)))
