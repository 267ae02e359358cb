"""Low-rank MDP / game generators: P = φ*ᵀμ*, rows sum to one, bad inputs raise; the combination lock's optimal
value, its secret path, and the A^{−H} success chance of random actions; exact DP against brute force."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdps.lowrank.markov_games import random_lowrank_game
from mdps.lowrank.mdp import LowRankMDP, combination_lock, optimal_values, policy_values, random_lowrank_mdp


@settings(max_examples=25, deadline=None)
@given(s=st.integers(2, 12), a=st.integers(1, 5), h=st.integers(1, 4), seed=st.integers(0, 10_000), data=st.data())
def test_random_lowrank_mdp_is_phi_mu(s, a, h, seed, data):
    d = data.draw(st.integers(1, s))
    mdp = random_lowrank_mdp(s, a, d, h, np.random.default_rng(seed))
    p = mdp.transitions()
    assert p.shape == (h, s, a, s)
    np.testing.assert_allclose(p, np.einsum("hsad,hdt->hsat", mdp.phi, mdp.mu))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-12)
    assert np.all(p >= 0)
    assert np.linalg.matrix_rank(p[0].reshape(s * a, s)) <= d


def test_game_transitions_are_phi_mu():
    game = random_lowrank_game(6, 3, 2, 3, 2, np.random.default_rng(0))
    p = game.transitions()
    np.testing.assert_allclose(p, np.einsum("hsabd,hdt->hsabt", game.phi, game.mu))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: random_lowrank_mdp(4, 2, 5, 3, np.random.default_rng(0)), "exceeds the number of states"),
    (lambda: random_lowrank_mdp(4, 2, 2, 0, np.random.default_rng(0)), "horizon"),
    (lambda: random_lowrank_mdp(4, 2, 2, -3, np.random.default_rng(0)), "horizon"),
    (lambda: combination_lock(0, 4, 5, np.random.default_rng(0)), "horizon"),
    (lambda: random_lowrank_game(3, 2, 2, 4, 2, np.random.default_rng(0)), "exceeds the number of states"),
])
def test_bad_sizes_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_negative_probabilities_raise():
    mdp = random_lowrank_mdp(4, 2, 2, 1, np.random.default_rng(0))
    phi = mdp.phi.copy()
    phi[0, 0, 0] = [1.5, -0.5]
    with pytest.raises(ValueError, match="negative probabilities"):
        LowRankMDP(phi, mdp.mu, mdp.reward, mdp.initial)
    mu = mdp.mu.copy()
    mu[0, 0, :2] = [-0.1, mu[0, 0, 1] + mu[0, 0, 0] + 0.1]
    with pytest.raises(ValueError, match="negative probabilities"):
        LowRankMDP(mdp.phi, mu, mdp.reward, mdp.initial)


def test_rows_not_summing_to_one_raise():
    mdp = random_lowrank_mdp(4, 2, 2, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="sum to 1"):
        LowRankMDP(mdp.phi * 0.9, mdp.mu, mdp.reward, mdp.initial)


@pytest.mark.parametrize("horizon, actions, m", [(10, 4, 5), (4, 3, 2), (1, 2, 1)])
def test_combination_lock_value_and_secret_path(horizon, actions, m):
    lock = combination_lock(horizon, actions, m, np.random.default_rng(horizon))
    mdp = lock.mdp
    p = mdp.transitions()
    np.testing.assert_allclose(p.sum(-1), 1.0)
    q, v = optimal_values(p, mdp.reward)
    assert v[0] @ mdp.initial == pytest.approx(lock.optimal_value)
    bad = 2
    for h in range(horizon):
        good = lock.latent[h] != bad
        # the secret action is the unique optimal action in every good state, and it keeps you in good states
        assert np.all(q[h, good].argmax(-1) == lock.secret[h])
        assert np.all(np.sort(q[h, good], -1)[:, -2] < q[h, good].max(-1) - 0.5)
        np.testing.assert_allclose(p[h, good, lock.secret[h]][:, lock.latent[h + 1] == bad], 0.0)
    secret_policy = np.broadcast_to(lock.secret[:, None], (horizon, mdp.num_states)).astype(int)
    assert policy_values(p, mdp.reward, secret_policy)[0] @ mdp.initial == pytest.approx(1.0)
    uniform = np.full((horizon, mdp.num_states, actions), 1.0 / actions)
    assert policy_values(p, mdp.reward, uniform)[0] @ mdp.initial == pytest.approx(actions ** -horizon)


@pytest.mark.parametrize("distractor", [0.05, 0.3])
def test_anti_shaped_lock_pays_the_distractor_and_keeps_the_optimum(distractor):
    """Wrong actions in good states pay D and lead to the bad state; the secret path still earns 1 = V*, the best
    wrong first move earns D; bad states pay nothing; the transitions are those of the plain lock."""
    lock = combination_lock(4, 3, 2, np.random.default_rng(5), distractor=distractor)
    plain = combination_lock(4, 3, 2, np.random.default_rng(5))
    mdp, bad = lock.mdp, 2
    np.testing.assert_array_equal(mdp.transitions(), plain.mdp.transitions())
    q, v = optimal_values(mdp.transitions(), mdp.reward)
    assert v[0] @ mdp.initial == pytest.approx(1.0)
    for h in range(4):
        good = lock.latent[h] != bad
        wrong = np.arange(3) != lock.secret[h]
        np.testing.assert_array_equal(mdp.reward[h][np.ix_(good, wrong)], distractor)
        np.testing.assert_array_equal(mdp.reward[h][~good], 0.0)
        np.testing.assert_allclose(q[h][np.ix_(good, wrong)], distractor)  # D, then the dead state
        assert np.all(q[h, good].argmax(-1) == lock.secret[h])
    with pytest.raises(ValueError, match="distractor"):
        combination_lock(4, 3, 2, np.random.default_rng(5), distractor=1.0)


def test_lock_rank_is_number_of_latents():
    lock = combination_lock(3, 4, 5, np.random.default_rng(1))
    p = lock.mdp.transitions()
    assert np.linalg.matrix_rank(p[0].reshape(-1, p.shape[-1])) <= 3


def test_optimal_values_match_enumeration_of_deterministic_policies():
    mdp = random_lowrank_mdp(3, 2, 2, 2, np.random.default_rng(4))
    p = mdp.transitions()
    _, v = optimal_values(p, mdp.reward)
    best = -np.inf
    for choice in itertools.product(range(2), repeat=2 * 3):
        policy = np.array(choice).reshape(2, 3)
        best = max(best, policy_values(p, mdp.reward, policy)[0] @ mdp.initial)
    assert v[0] @ mdp.initial == pytest.approx(best)
