"""CPL's loss at π*, tabular CPL / BT fits and conservative CPL (mdps.tabular.cpl)."""
from __future__ import annotations

import itertools

import numpy as np
import torch

from bandits.solvers import kl
from mdps.tabular.cpl import cpl_loss, fit_bt_reward_table, fit_cpl_table
from mdps.tabular.mdp import random_mdp, soft_value_iteration
from mdps.tabular.segments import contrastive_design, masked_uniform_behaviour, regret_labelled_pairs, segment_features

ALPHA, GAMMA, K = 0.5, 0.9, 2


def _exact_population_gradient(mdp, opt, logits: torch.Tensor) -> torch.Tensor:
    """∇θ of the expected CPL loss over every pair of length-2 segments (uniform starts and behaviour),
    with labels drawn from the regret model: exact expectation, no sampling."""
    s_n, a_n = mdp.num_states, mdp.num_actions
    p = torch.tensor(mdp.transitions)
    segments, probs = [], []
    for s0, a0, s1, a1 in itertools.product(range(s_n), range(a_n), range(s_n), range(a_n)):
        segments.append(((s0, a0), (s1, a1)))
        probs.append((1 / s_n) * (1 / a_n) * p[s0, a0, s1] * (1 / a_n))
    probs = torch.stack(probs)
    adv = torch.tensor(opt.advantage)
    log_pi = torch.log_softmax(logits, -1)
    idx = torch.tensor(segments)  # (M, k, 2)
    lp = log_pi[idx[..., 0], idx[..., 1]]       # (M, k)
    score = (adv[idx[..., 0], idx[..., 1]] * GAMMA ** torch.arange(K)).sum(-1)
    w = probs[:, None] * probs[None, :]
    p_pref = torch.sigmoid(score[:, None] - score[None, :])  # P(σ_i ≻ σ_j)
    lp_i = lp[:, None, :].expand(-1, len(segments), -1)
    lp_j = lp[None, :, :].expand(len(segments), -1, -1)
    loss = (w * (p_pref * cpl_loss(lp_i, lp_j, ALPHA, GAMMA) + (1 - p_pref) * cpl_loss(lp_j, lp_i, ALPHA, GAMMA))).sum()
    (grad,) = torch.autograd.grad(loss, logits)
    return grad


def test_cpl_population_gradient_vanishes_at_the_optimal_policy():
    mdp = random_mdp(np.random.default_rng(0), 2, 2, GAMMA)
    opt = soft_value_iteration(mdp, ALPHA)
    at_opt = torch.tensor(np.log(opt.policy), requires_grad=True)
    assert _exact_population_gradient(mdp, opt, at_opt).abs().max() < 1e-8  # V* solved to ~1e-11
    perturbed = torch.tensor(np.log(opt.policy) + np.array([[0.3, 0.0], [0.0, 0.0]]), requires_grad=True)
    assert _exact_population_gradient(mdp, opt, perturbed).abs().max() > 1e-4  # the check can fail


def test_tabular_cpl_and_rlhf_recover_the_optimum_with_many_pairs():
    rng = np.random.default_rng(1)
    mdp = random_mdp(rng, 4, 2, 0.9)
    opt = soft_value_iteration(mdp, 0.1)
    beh = masked_uniform_behaviour(4, 2)
    a, b, y = regret_labelled_pairs(mdp, opt.advantage, beh, 60_000, 3, 0.9, rng)
    design = contrastive_design(segment_features(a, 4, 2, 0.9), segment_features(b, 4, 2, 0.9), y)
    log_pi, info = fit_cpl_table(design, 2, 0.1)
    assert info.converged and kl(opt.policy, np.exp(log_pi)).mean() < 2e-3
    r_hat, _ = fit_bt_reward_table(design)
    assert np.corrcoef(r_hat, opt.advantage.ravel())[0, 1] > 0.99


def test_conservative_cpl_starves_never_taken_actions():
    rng = np.random.default_rng(2)
    mdp = random_mdp(rng, 4, 3, 0.9)
    opt = soft_value_iteration(mdp, 0.1)
    never = np.zeros((4, 3), dtype=bool)
    never[:2, 0] = True
    beh = masked_uniform_behaviour(4, 3, never)
    a, b, y = regret_labelled_pairs(mdp, opt.advantage, beh, 20_000, 3, 0.9, rng)
    xa, xb = segment_features(a, 4, 3, 0.9), segment_features(b, 4, 3, 0.9)
    log_pi, _ = fit_cpl_table(contrastive_design(xa, xb, y, lam=0.9), 3, 0.1)
    assert np.exp(log_pi)[never].max() < 1e-3


def test_cpl_loss_formula_on_a_hand_example():
    lp_pos, lp_neg = torch.tensor([[-0.1, -0.2]]), torch.tensor([[-1.0, -0.5]])
    z = 0.5 * ((-0.1 - 0.9 * 0.2) - 0.8 * (-1.0 - 0.9 * 0.5))
    expected = -torch.log(torch.sigmoid(torch.tensor(z)))
    torch.testing.assert_close(cpl_loss(lp_pos, lp_neg, 0.5, 0.9, lam=0.8)[0], expected)
