"""The NCE learner with exact negatives: loss and gradient, the minimiser on exact expectations recovers
P/P⁻ (sin θ_max < 1e-2), normalisation, metrics, the SVD baseline."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import check_grad

from mdps.lowrank.mdp import combination_lock, random_lowrank_mdp
from mdps.lowrank.nce import (
    features,
    fit_free_lbfgs,
    fit_nce,
    free_loss_and_grad,
    init_params,
    nce_loss,
    normalise,
    recovered_transitions,
)
from mdps.lowrank.recovery import mean_tv, subspace_sin, svd_features


def test_numpy_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    weights, negative = rng.random((12, 7)), np.full(7, 1 / 7)
    theta = rng.standard_normal((12 + 7) * 3)
    assert check_grad(lambda t: free_loss_and_grad(t, weights, negative, 3)[0],
                      lambda t: free_loss_and_grad(t, weights, negative, 3)[1], theta) < 1e-5


def test_torch_and_numpy_losses_agree_and_equal_eq_3_2():
    rng = np.random.default_rng(1)
    counts = rng.poisson(2.0, (1, 1, 4, 3, 5)).astype(float)
    negative = rng.dirichlet(np.ones(5))
    params = init_params("free", (1, 4, 3, 5), 2, 1, [torch.Generator().manual_seed(0)])
    phi, psi = features(params, "free")
    torch_loss = float(nce_loss(phi, psi, torch.as_tensor(counts), torch.as_tensor(negative))[0])
    theta = np.concatenate([params["phi"][0, 0].reshape(-1).numpy(), params["psi"][0, 0].reshape(-1).numpy()])
    numpy_loss, _ = free_loss_and_grad(theta, counts[0, 0].reshape(12, 5), negative, 2)
    f = np.einsum("sad,td->sat", phi[0, 0].numpy(), psi[0, 0].numpy())
    direct = ((counts[0, 0] * np.log1p(1 / f)).sum()
              + (counts[0, 0].sum(-1)[..., None] * negative * np.log1p(f)).sum()) / counts.sum()
    assert torch_loss == pytest.approx(direct, rel=1e-10)
    assert numpy_loss == pytest.approx(direct, rel=1e-10)


def test_population_minimiser_recovers_density_ratio_and_span():
    """S = 12, A = 3, d = 3, uniform P⁻, exact expectations: f = P/P⁻, sin θ_max < 1e-2, TV < 1e-3."""
    rng = np.random.default_rng(3)
    mdp = random_lowrank_mdp(12, 3, 3, 1, rng)
    truth = mdp.transitions()[0]
    negative = np.full(12, 1 / 12)
    phi, psi, _, _ = fit_free_lbfgs(truth / 36, negative, 3, restarts=2, max_iter=1000, rng=rng)
    ratio = np.einsum("sad,td->sat", phi, psi)
    np.testing.assert_allclose(ratio, truth / negative, atol=5e-3 * (truth / negative).max())
    assert subspace_sin(phi.reshape(-1, 3), mdp.phi[0].reshape(-1, 3)) < 1e-2
    assert mean_tv(recovered_transitions(phi, psi, negative), truth) < 1e-3


def test_tied_features_fit_a_lock_from_exact_expectations():
    """Tied parametrisation (φ_h from ψ_{h−1}) fit by Adam on exact expectations of a small lock reaches low TV."""
    lock = combination_lock(3, 2, 2, np.random.default_rng(0))
    truth = lock.mdp.transitions()
    negative = np.full(truth.shape[-1], 1 / truth.shape[-1])
    fit = fit_nce((truth * 10.0)[None], negative, 3, "tied", restarts=2, steps=1500,
                  generators=[torch.Generator().manual_seed(0)], lr=0.05)
    assert mean_tv(recovered_transitions(fit.phi[0], fit.psi[0], negative), truth) < 0.05
    assert fit.restart_losses.shape == (1, 2) and fit.loss[0] == fit.restart_losses.min()


def test_normalisation_makes_rows_distributions_without_changing_p_hat():
    rng = np.random.default_rng(5)
    phi, psi = rng.random((2, 4, 3, 2)), rng.random((2, 6, 2))
    negative = rng.dirichlet(np.ones(6))
    raw = np.einsum("hsad,htd->hsat", phi, psi) * negative
    phi_n, psi_n = normalise(phi, psi, negative)
    p_hat = recovered_transitions(phi_n, psi_n, negative)
    np.testing.assert_allclose(phi_n.sum(-1), 1.0)
    np.testing.assert_allclose(p_hat.sum(-1), 1.0)
    np.testing.assert_allclose(p_hat, raw / raw.sum(-1, keepdims=True))


def test_fit_is_deterministic_and_restarts_are_independent_of_batch():
    rng = np.random.default_rng(0)
    counts = rng.poisson(1.0, (2, 2, 3, 2, 3)).astype(float)
    negative = np.full(3, 1 / 3)
    gens = lambda: [torch.Generator().manual_seed(s) for s in (10, 11)]  # noqa: E731
    both = fit_nce(counts, negative, 2, "tied", 2, 40, gens())
    again = fit_nce(counts, negative, 2, "tied", 2, 40, gens())
    alone = fit_nce(counts[1:], negative, 2, "tied", 2, 40, [torch.Generator().manual_seed(11)])
    np.testing.assert_array_equal(both.phi, again.phi)
    np.testing.assert_allclose(both.phi[1], alone.phi[0], atol=1e-10)


def test_metrics_and_baselines():
    rng = np.random.default_rng(2)
    basis = rng.random((20, 3))
    mix = rng.random((3, 3)) + np.eye(3)
    assert subspace_sin(basis @ mix, basis) < 1e-10
    assert subspace_sin(np.eye(20)[:, :3], np.eye(20)[:, 3:6]) == pytest.approx(1.0)
    mdp = random_lowrank_mdp(10, 2, 3, 1, rng)
    truth = mdp.transitions()[0]
    assert subspace_sin(svd_features(truth.reshape(20, 10), 3), mdp.phi[0].reshape(20, 3)) < 1e-8
    assert mean_tv(truth, truth) == 0.0


def test_bad_fit_inputs_raise():
    gens = [torch.Generator().manual_seed(0)]
    with pytest.raises(ValueError, match="negative"):
        fit_nce(-np.ones((1, 1, 2, 2, 2)), np.full(2, 0.5), 1, "free", 1, 1, gens)
    with pytest.raises(ValueError, match="P⁻"):
        fit_nce(np.ones((1, 1, 2, 2, 2)), np.array([1.0, 0.0]), 1, "free", 1, 1, gens)
    with pytest.raises(ValueError, match="feature kind"):
        fit_nce(np.ones((1, 1, 2, 2, 2)), np.full(2, 0.5), 1, "bogus", 1, 1, gens)
