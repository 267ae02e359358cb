"""Contrastive Preference Learning (Hejna et al., ICLR 2024, arXiv 2310.13639) and its baselines.

Loss functions take log-probabilities (or reward scores) of segment steps, never models, so the same code
serves a tabular softmax and a neural policy:

- CPL (Eq. 7, with the conservative λ of Eq. 8):
  L = E[−log sigmoid(α·Σ_t γ^t log π(a⁺_t|s⁺_t) − λ·α·Σ_t γ^t log π(a⁻_t|s⁻_t))];  λ = 1 is plain CPL.
- CPL-BC (§4, "CPL (BC)"): L + c·E[−log π(a_t|s_t)] over the steps of all segments.
- Bradley–Terry reward fit (classic RLHF, Eq. 1): E[−log sigmoid(Σ_t γ^t r̂⁺_t − Σ_t γ^t r̂⁻_t)].

Tabular fits: with fixed segments, CPL's logit is linear in log π with design rows X⁺ − λX⁻ (sparse discounted
count features, :func:`mdps.tabular.segments.contrastive_design`), and the BT logit is linear in r̂ with rows X⁺ − X⁻.
Both are solved by full-batch L-BFGS in float64 (scipy), the policy parameterised as a softmax table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logsumexp
from torch import Tensor
from torch.nn.functional import softplus

from mdps.tabular.mdp import check_alpha

GRAD_TOL = 1e-9
"""Default tolerance of the tabular fits on max |∂L/∂θ| (L: the mean loss per pair, float64)."""


def discount_weights(length: int, gamma: float, like: Tensor) -> Tensor:
    """γ^t for t = 0..length−1, on ``like``'s device and dtype."""
    return gamma ** torch.arange(length, device=like.device, dtype=like.dtype)


def cpl_loss(logp_preferred: Tensor, logp_rejected: Tensor, alpha: float, gamma: float = 1.0, lam: float = 1.0,
             mask_preferred: Tensor | None = None, mask_rejected: Tensor | None = None) -> Tensor:
    """Per-pair CPL loss (Eq. 7/8) from step log-probs of shape (..., k); masks zero out padded steps."""
    w = discount_weights(logp_preferred.shape[-1], gamma, logp_preferred)
    lp_pos = logp_preferred if mask_preferred is None else logp_preferred * mask_preferred
    lp_neg = logp_rejected if mask_rejected is None else logp_rejected * mask_rejected
    logit = alpha * ((lp_pos * w).sum(-1) - lam * (lp_neg * w).sum(-1))
    return softplus(-logit)


def bt_reward_loss(reward_preferred: Tensor, reward_rejected: Tensor, gamma: float = 1.0) -> Tensor:
    """Per-pair Bradley–Terry loss on summed discounted rewards (Eq. 1), step rewards of shape (..., k)."""
    w = discount_weights(reward_preferred.shape[-1], gamma, reward_preferred)
    return softplus(-((reward_preferred * w).sum(-1) - (reward_rejected * w).sum(-1)))


@dataclass(frozen=True)
class FitInfo:
    """What the optimiser reported."""

    iterations: int
    converged: bool
    """True when the gradient's largest entry is at most the tolerance the fit was asked for."""
    loss: float
    grad_norm: float = float("nan")
    """max |∂L/∂θ| at the returned point (θ: the softmax logits, or r̂)."""


def minimise_to_tolerance(loss_and_grad, x0: np.ndarray, max_iter: int,
                          grad_tol: float) -> tuple[np.ndarray, FitInfo]:
    """Full-batch L-BFGS until max |∇L| ≤ ``grad_tol`` or ``max_iter`` iterations in all. scipy's L-BFGS-B also
    stops when a line search fails (float64 can no longer decrease L); it is then restarted from where it stopped,
    with a fresh curvature memory, while the budget lasts. The returned info says whether the tolerance was met."""
    x, used = np.asarray(x0, dtype=np.float64), 0
    loss, grad = loss_and_grad(x)
    while np.max(np.abs(grad)) > grad_tol and used < max_iter:
        result = minimize(loss_and_grad, x, jac=True, method="L-BFGS-B",
                          options={"maxiter": max_iter - used, "gtol": grad_tol, "ftol": 0.0, "maxcor": 20})
        used += max(int(result.nit), 1)
        stalled = result.nit == 0 or np.array_equal(result.x, x)
        x = result.x
        loss, grad = loss_and_grad(x)
        if stalled:
            break
    norm = float(np.max(np.abs(grad)))
    return x, FitInfo(used, norm <= grad_tol, float(loss), norm)


def _log_policy(theta: np.ndarray, num_actions: int) -> tuple[np.ndarray, np.ndarray]:
    table = theta.reshape(-1, num_actions)
    log_pi = table - logsumexp(table, axis=-1, keepdims=True)
    return log_pi, np.exp(log_pi)


def fit_cpl_table(design: sp.csr_matrix, num_actions: int, alpha: float, bc_counts: np.ndarray | None = None,
                  bc_weight: float = 0.0, init: np.ndarray | None = None, max_iter: int = 2000,
                  grad_tol: float = GRAD_TOL) -> tuple[np.ndarray, FitInfo]:
    """Minimise the tabular CPL loss (1/N)·Σ_n softplus(−α·(D log π)_n) − c·(bc_counts·log π)/Σ bc_counts
    over softmax tables π (one row per state, or per (h, state)); returns log π (rows × A) and fit info.

    ``design`` rows are X⁺ − λX⁻ (see :func:`mdps.tabular.segments.contrastive_design`); λ < 1 makes it conservative
    CPL, ``bc_weight`` > 0 with the undiscounted step counts of all segments makes it CPL-BC."""
    alpha = check_alpha(alpha)
    if design.shape[1] % num_actions:
        raise ValueError(f"design has {design.shape[1]} columns, not a multiple of {num_actions} actions")
    if bc_weight < 0:
        raise ValueError(f"bc_weight must be >= 0, got {bc_weight}")
    n = design.shape[0]
    design_t = design.T.tocsr()
    bc = np.zeros(design.shape[1]) if bc_counts is None or bc_weight == 0 else (
        bc_weight * np.asarray(bc_counts, dtype=np.float64) / max(float(np.sum(bc_counts)), 1.0))

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        log_pi, pi = _log_policy(theta, num_actions)
        z = alpha * (design @ log_pi.ravel())
        loss = -np.mean(log_expit(z)) - bc @ log_pi.ravel()
        g_logpi = (-alpha / n * (design_t @ expit(-z)) - bc).reshape(-1, num_actions)
        g_theta = g_logpi - pi * g_logpi.sum(-1, keepdims=True)
        return float(loss), g_theta.ravel()

    theta0 = np.zeros(design.shape[1]) if init is None else np.asarray(init, dtype=np.float64).ravel()
    theta, info = minimise_to_tolerance(loss_and_grad, theta0, max_iter, grad_tol)
    return _log_policy(theta, num_actions)[0], info


def fit_bt_reward_table(design: sp.csr_matrix, max_iter: int = 2000,
                        grad_tol: float = GRAD_TOL) -> tuple[np.ndarray, FitInfo]:
    """Bradley–Terry reward fit (Eq. 1): minimise (1/N)·Σ_n softplus(−(D r̂)_n) over r̂ (flat, one per feature),
    with design rows X⁺ − X⁻. r̂ is identified up to a constant; L-BFGS from 0 never moves along it."""
    n = design.shape[0]
    design_t = design.T.tocsr()

    def loss_and_grad(r_hat: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ r_hat
        return float(-np.mean(log_expit(z))), -(design_t @ expit(-z)) / n

    return minimise_to_tolerance(loss_and_grad, np.zeros(design.shape[1]), max_iter, grad_tol)


def sft_table(counts: np.ndarray, num_actions: int) -> np.ndarray:
    """Behaviour cloning on preferred segments (SFT / %BC): empirical action frequencies per row; rows never
    visited stay uniform. ``counts`` are the flat step counts of the preferred segments."""
    table = np.asarray(counts, dtype=np.float64).reshape(-1, num_actions)
    totals = table.sum(-1, keepdims=True)
    return np.where(totals > 0, table / np.where(totals > 0, totals, 1.0), 1.0 / num_actions)
