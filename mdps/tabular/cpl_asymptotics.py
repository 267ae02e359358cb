"""First-order asymptotics of tabular CPL under the regret preference model (Hejna et al., ICLR 2024, Thm 1).

This module predicts how far CPL's fitted policy lies from π* after N pairs. It shares no code with the trainer
(:mod:`mdps.tabular.cpl`): it never builds the CPL design matrix, never evaluates the CPL loss and never fits
anything. It only needs segment pairs (from whatever sampler made them, or enumerated with their probabilities).

The model. Write ℓ = log π (one entry per (s, a)) and d = X_a − X_b for a pair, where X[s, a] = Σ_t γ^t
1[s_t, a_t = s, a] are a segment's discounted counts. CPL's likelihood (Eq. 7 with the regret model, Eq. 5) is

    P(σ_a ≻ σ_b) = sigmoid(α·dᵀℓ),   and at π* it is sigmoid(dᵀA*), since A* = α·log π* (Eq. 4).

With labels sampled from that model, CPL is the maximum-likelihood estimator of a correctly specified model on the
manifold {ℓ : Σ_a exp ℓ(s, a) = 1 for every s}. Chart it at ℓ* by ℓ = ℓ* + J·u + O(|u|²), where the columns of
J span the tangent space {δ : Σ_a π*(a|s)·δ(s, a) = 0 for every s} (dimension S·(A − 1)). Then:

1. Fisher information per pair (expected, labels marginalised):
       F_ℓ = α²·E[p·(1 − p)·d·dᵀ],   p = sigmoid(dᵀA*),   F_u = Jᵀ F_ℓ J.
   The MLE satisfies √N·û → Normal(0, F_u⁻¹) (i.i.d. pairs, F_u non-singular).
2. KL to second order. For π on the manifold, δ = ℓ − ℓ* obeys Σ_a π*(e^δ − 1) = 0, so
   −Σ_a π*·δ = ½·Σ_a π*·δ² + O(δ³), and with state weights w_s (the suite averages over states, w_s = 1/S)
       KL̄(π*‖π) = Σ_s w_s·Σ_a π*(a|s)·(ℓ* − ℓ)(s, a) = ½·uᵀ H_u u + O(|u|³),
       H_u = Jᵀ diag(w_s·π*(a|s)) J.
3. The delta method (E[uᵀ H u] = tr(H·Cov û)):
       E[KL̄(π*‖π̂_N)] = tr(F_u⁻¹ H_u) / (2N) + o(1/N).
   (The O(1/N) bias of û enters KL only at O(1/N²), since ∇KL = 0 at π*.) 2N·KL̄ tends in law to Σ_i λ_i χ²_1
   with λ_i the eigenvalues of F_u^{-1/2} H_u F_u^{-1/2}; its mean is the trace above.

F_ℓ is an expectation over segment pairs: :func:`fisher_information` takes a sample of pairs (Monte Carlo, weights 1)
or an exhaustive list with their probabilities as weights (tiny MDPs, exact).
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import null_space
from scipy.special import expit


def discounted_counts(states: np.ndarray, actions: np.ndarray, num_states: int, num_actions: int,
                      gamma: float) -> np.ndarray:
    """Dense X (M × S·A): X[m, s·A + a] = Σ_t γ^t 1[s_t = s, a_t = a] for segments of shape (M, k)."""
    states, actions = np.asarray(states), np.asarray(actions)
    counts = np.zeros((states.shape[0], num_states * num_actions))
    rows = np.arange(states.shape[0])
    for t in range(states.shape[1]):
        counts[rows, states[:, t] * num_actions + actions[:, t]] += gamma ** t
    return counts


def fisher_information(pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], advantage: np.ndarray,
                       alpha: float, gamma: float, weights: np.ndarray | None = None,
                       chunk: int = 50_000) -> np.ndarray:
    """F_ℓ = α²·E[p(1 − p)·d dᵀ] (S·A × S·A) with p = sigmoid(dᵀA*) and d = X_a − X_b, the expectation taken over
    ``pairs`` = (states_a, actions_a, states_b, actions_b), each (M, k): uniformly, or with ``weights`` (M,)
    (probabilities of an exhaustive enumeration, normalised here)."""
    states_a, actions_a, states_b, actions_b = (np.asarray(x) for x in pairs)
    num_states, num_actions = np.asarray(advantage).shape
    size = states_a.shape[0]
    w = np.full(size, 1.0 / size) if weights is None else np.asarray(weights, dtype=np.float64) / np.sum(weights)
    flat_advantage = np.asarray(advantage, dtype=np.float64).ravel()
    fisher = np.zeros((num_states * num_actions,) * 2)
    for lo in range(0, size, chunk):
        part = slice(lo, lo + chunk)
        d = (discounted_counts(states_a[part], actions_a[part], num_states, num_actions, gamma)
             - discounted_counts(states_b[part], actions_b[part], num_states, num_actions, gamma))
        p = expit(d @ flat_advantage)
        fisher += (d * (w[part] * p * (1 - p))[:, None]).T @ d
    return alpha ** 2 * fisher


def tangent_basis(policy: np.ndarray) -> np.ndarray:
    """J (S·A × S·(A − 1)): block-diagonal, block s an orthonormal basis of {v : Σ_a π(a|s)·v_a = 0}."""
    policy = np.asarray(policy, dtype=np.float64)
    num_states, num_actions = policy.shape
    basis = np.zeros((num_states * num_actions, num_states * (num_actions - 1)))
    for s in range(num_states):
        basis[s * num_actions:(s + 1) * num_actions, s * (num_actions - 1):(s + 1) * (num_actions - 1)] = \
            null_space(policy[s][None])
    return basis


def kl_trace(fisher: np.ndarray, policy: np.ndarray, state_weights: np.ndarray | None = None) -> float:
    """tr(F_u⁻¹ H_u) with F_u = Jᵀ F J and H_u = Jᵀ diag(w_s·π*(a|s)) J (w_s = 1/S by default), so that
    E[KL̄(π*‖π̂_N)] ≈ tr / (2N)."""
    policy = np.asarray(policy, dtype=np.float64)
    num_states = policy.shape[0]
    w = np.full(num_states, 1.0 / num_states) if state_weights is None else np.asarray(state_weights, float)
    basis = tangent_basis(policy)
    f_u = basis.T @ fisher @ basis
    h_u = basis.T @ (np.ravel(w[:, None] * policy)[:, None] * basis)
    return float(np.trace(np.linalg.solve(f_u, h_u)))


def predicted_kl(pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], policy: np.ndarray, alpha: float,
                 gamma: float, num_pairs: np.ndarray | float, weights: np.ndarray | None = None) -> np.ndarray:
    """First-order prediction of E[KL̄(π*‖π̂_N)] (state-averaged) at each N in ``num_pairs``:
    tr(F_u⁻¹ H_u)/(2N), with F from ``pairs`` and A* = α·log π*."""
    advantage = alpha * np.log(np.asarray(policy, dtype=np.float64))
    trace = kl_trace(fisher_information(pairs, advantage, alpha, gamma, weights), policy)
    return trace / (2.0 * np.asarray(num_pairs, dtype=np.float64))
