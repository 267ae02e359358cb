"""The first-order prediction E[KL(π*‖π̂_N)] ≈ tr(F_u⁻¹H_u)/(2N) (mdps.tabular.cpl_asymptotics) against Monte Carlo
fits of CPL on a tiny MDP, and the Monte-Carlo Fisher information against the exhaustively enumerated one."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from bandits.solvers import kl
from mdps.tabular.cpl import fit_cpl_table
from mdps.tabular.cpl_asymptotics import fisher_information, kl_trace, predicted_kl, tangent_basis
from mdps.tabular.mdp import random_mdp, soft_value_iteration
from mdps.tabular.segments import (
    contrastive_design,
    masked_uniform_behaviour,
    regret_labelled_pairs,
    segment_features,
    segment_pairs,
)

S, A, K, GAMMA, ALPHA = 2, 2, 2, 0.9, 0.5


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(3)
    mdp = random_mdp(rng, S, A, GAMMA)
    return mdp, soft_value_iteration(mdp, ALPHA), masked_uniform_behaviour(S, A)


def enumerated_pairs(mdp, behaviour):
    """Every pair of length-2 segments (uniform start, behaviour policy) and its probability."""
    segments, probs = [], []
    for s0, a0, s1, a1 in itertools.product(range(S), range(A), range(S), range(A)):
        segments.append(((s0, s1), (a0, a1)))
        probs.append(behaviour[s0, a0] * mdp.transitions[s0, a0, s1] * behaviour[s1, a1] / S)
    segments, probs = np.array(segments), np.array(probs)
    i, j = (x.ravel() for x in np.meshgrid(np.arange(len(segments)), np.arange(len(segments)), indexing="ij"))
    return (segments[i, 0], segments[i, 1], segments[j, 0], segments[j, 1]), probs[i] * probs[j]


def test_tangent_basis_spans_the_normalisation_constraint():
    policy = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    basis = tangent_basis(policy)
    assert basis.shape == (6, 4)
    assert np.allclose((policy.ravel()[:, None] * basis).reshape(2, 3, 4).sum(1), 0)
    assert np.linalg.matrix_rank(basis) == 4


def test_monte_carlo_fisher_matches_the_enumerated_one(tiny):
    mdp, opt, behaviour = tiny
    pairs, weights = enumerated_pairs(mdp, behaviour)
    exact = fisher_information(pairs, opt.advantage, ALPHA, GAMMA, weights)
    seg_a, seg_b = segment_pairs(mdp, behaviour, 200_000, K, np.random.default_rng(0))
    sampled = fisher_information((seg_a.states, seg_a.actions, seg_b.states, seg_b.actions), opt.advantage,
                                 ALPHA, GAMMA, chunk=30_000)
    assert np.allclose(sampled, exact, atol=0.02 * np.abs(exact).max())
    assert kl_trace(sampled, opt.policy) == pytest.approx(kl_trace(exact, opt.policy), rel=0.03)


def test_prediction_matches_monte_carlo_fits(tiny):
    """R independent datasets of N pairs, fitted in one L-BFGS run on a block-diagonal design (the loss is a sum of
    R independent losses, so each block's minimiser is that dataset's CPL fit)."""
    mdp, opt, behaviour = tiny
    reps, n = 1000, 1000
    seg_a, seg_b, labels = regret_labelled_pairs(mdp, opt.advantage, behaviour, reps * n, K, GAMMA,
                                                 np.random.default_rng(1))
    design = contrastive_design(*(segment_features(s, S, A, GAMMA) for s in (seg_a, seg_b)), labels).tocoo()
    block = sp.csr_matrix((design.data, (design.row, design.col + (design.row // n) * S * A)),
                          shape=(reps * n, reps * S * A))
    log_pi, info = fit_cpl_table(block, A, ALPHA, grad_tol=1e-12, max_iter=5000)
    assert info.converged
    kls = kl(opt.policy[None], np.exp(log_pi).reshape(reps, S, A)).mean(-1)
    pairs, weights = enumerated_pairs(mdp, behaviour)
    prediction = float(predicted_kl(pairs, opt.policy, ALPHA, GAMMA, n, weights))
    standard_error = kls.std(ddof=1) / np.sqrt(reps)
    assert abs(kls.mean() - prediction) < 4 * standard_error + 0.05 * prediction, (kls.mean(), prediction)
    assert standard_error < 0.1 * prediction
