"""Soft value iteration, A* identities, segments and preference labels (mdps.tabular.mdp, .segments)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from bandits.solvers import kl
from mdps.tabular.mdp import (
    TabularMDP,
    random_mdp,
    soft_policy_evaluation,
    soft_value_iteration,
    soft_value_iteration_plain,
    state_occupancy,
)
from mdps.tabular.segments import (
    RowSampler,
    contrastive_design,
    masked_uniform_behaviour,
    preference_labels,
    sample_segments,
    segment_features,
    segment_scores,
)

ALPHA = 0.3


def tiny_mdp(horizon=None) -> TabularMDP:
    p = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.5, 0.5], [0.05, 0.95]]])
    r = np.array([[1.0, 0.0], [0.3, 0.6]])
    return TabularMDP(p, r, 0.8, np.array([0.5, 0.5]), horizon)


def test_soft_vi_matches_brute_force_over_all_policies_on_a_tiny_mdp():
    mdp = tiny_mdp()
    opt = soft_value_iteration(mdp, ALPHA)
    grid = np.linspace(1e-4, 1 - 1e-4, 801)
    p0, p1 = (g.ravel() for g in np.meshgrid(grid, grid))
    pi = np.stack([np.stack([p0, 1 - p0], -1), np.stack([p1, 1 - p1], -1)], 1)       # (G, S, A)
    r_pi = np.sum(pi * mdp.rewards, -1) - ALPHA * np.sum(pi * np.log(pi), -1)       # r_π + α·H(π)
    p_pi = np.einsum("gsa,sat->gst", pi, mdp.transitions)
    values = np.linalg.solve(np.eye(2) - mdp.gamma * p_pi, r_pi[..., None])[..., 0]  # every policy's V^π
    best = values.max(0)  # the optimum maximises every state's value at once
    assert np.all(values <= opt.v + 1e-12)
    np.testing.assert_allclose(opt.v, best, atol=1e-5)
    np.testing.assert_allclose(soft_value_iteration_plain(mdp, ALPHA), opt.v, atol=1e-10)


def test_finite_horizon_optimum_evaluates_to_itself_and_dominates_random_policies():
    mdp = tiny_mdp(horizon=3)
    opt = soft_value_iteration(mdp, ALPHA)
    np.testing.assert_allclose(soft_policy_evaluation(mdp, opt.policy, ALPHA), opt.v, atol=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(50):  # no policy beats π*_h at any (h, s)
        pi = rng.dirichlet(np.ones(2), size=(3, 2))
        assert np.all(soft_policy_evaluation(mdp, pi, ALPHA) <= opt.v + 1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_advantage_identity_and_soft_bellman(seed):
    mdp = random_mdp(np.random.default_rng(seed), 7, 3, 0.9)
    opt = soft_value_iteration(mdp, ALPHA)
    np.testing.assert_allclose(opt.advantage, ALPHA * np.log(opt.policy), atol=1e-12)   # A* = α log π*
    np.testing.assert_allclose(opt.q, mdp.rewards + mdp.gamma * mdp.transitions @ opt.v, atol=1e-10)
    np.testing.assert_allclose(opt.policy.sum(-1), 1.0, atol=1e-12)
    # value-gap identity: V* − V^π = α (I − γ P_π)^{-1} KL(π‖π*)
    pi = np.random.default_rng(seed + 10).dirichlet(np.ones(3), size=7)
    p_pi = np.einsum("sa,sat->st", pi, mdp.transitions)
    gap = ALPHA * np.linalg.solve(np.eye(7) - mdp.gamma * p_pi, kl(pi, opt.policy))
    np.testing.assert_allclose(opt.v - soft_policy_evaluation(mdp, pi, ALPHA), gap, atol=1e-10)


def test_bad_inputs_raise_clear_errors():
    p = np.full((2, 2, 2), 0.5)
    with pytest.raises(ValueError, match="sums to"):
        TabularMDP(np.array([[[0.5, 0.4], [0.5, 0.5]], [[1, 0], [0, 1]]]), np.zeros((2, 2)), 0.9, np.array([1, 0]))
    for gamma in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="gamma"):
            TabularMDP(p, np.zeros((2, 2)), gamma, np.array([1.0, 0.0]))
    mdp = TabularMDP(p, np.zeros((2, 2)), 0.9, np.array([1.0, 0.0]), horizon=3)
    for alpha in (0.0, -1.0):
        with pytest.raises(ValueError, match="alpha"):
            soft_value_iteration(mdp, alpha)
    with pytest.raises(ValueError, match="exceeds the horizon"):
        sample_segments(mdp, masked_uniform_behaviour(2, 2), 10, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="lambda"):
        contrastive_design(None, None, np.ones(1), lam=0.0)


def test_row_sampler_frequencies_match_the_table():
    table = np.array([[0.1, 0.6, 0.3], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    rows = np.repeat(np.arange(3), 40_000)
    draws = RowSampler(table)(rows, np.random.default_rng(1))
    for r in range(3):
        freq = np.bincount(draws[rows == r], minlength=3) / 40_000
        np.testing.assert_allclose(freq, table[r], atol=0.01)
        assert np.all(freq[table[r] == 0] == 0)


def test_segments_follow_the_dynamics_and_the_coverage_mask():
    mdp = random_mdp(np.random.default_rng(3), 6, 3, 0.9, concentration=0.1)
    never = np.zeros((6, 3), dtype=bool)
    never[:3, 0] = True
    seg = sample_segments(mdp, masked_uniform_behaviour(6, 3, never), 5000, 4, np.random.default_rng(4))
    assert not np.any(never[seg.states, seg.actions])
    probs = mdp.transitions[seg.states[:, :-1], seg.actions[:, :-1], seg.states[:, 1:]]
    assert np.all(probs > 0)  # every observed transition is possible
    occ = state_occupancy(TabularMDP(mdp.transitions, mdp.rewards, 0.9, mdp.start, horizon=4),
                          masked_uniform_behaviour(6, 3, never))
    freq = np.stack([np.bincount(seg.states[:, t], minlength=6) / 5000 for t in range(4)])
    np.testing.assert_allclose(freq, occ, atol=0.03)


@pytest.mark.parametrize("diff", [-2.0, 0.0, 0.7, 3.0])
def test_sampled_label_frequencies_match_the_bradley_terry_model(diff):
    n = 50_000
    labels = preference_labels(np.full(n, diff), np.zeros(n), np.random.default_rng(5))
    p = expit(diff)
    assert abs(labels.mean() - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-9


def test_hard_labels_are_the_sign_of_the_score_difference():
    a, b = np.array([1.0, -1.0, 0.2]), np.array([0.0, 0.5, 0.1])
    np.testing.assert_array_equal(preference_labels(a, b, np.random.default_rng(0), "hard"), [True, False, True])


def test_features_reproduce_scores():
    mdp = random_mdp(np.random.default_rng(6), 5, 2, 0.9)
    seg = sample_segments(mdp, masked_uniform_behaviour(5, 2), 100, 3, np.random.default_rng(7))
    table = np.random.default_rng(8).normal(size=(5, 2))
    np.testing.assert_allclose(segment_features(seg, 5, 2, 0.9) @ table.ravel(), segment_scores(seg, table, 0.9))
