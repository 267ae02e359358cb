"""Finite MDPs and their maximum-entropy optimum (Hejna et al., 2024, "Contrastive Preference Learning", §2–3).

A :class:`TabularMDP` is (S, A, P, r, γ, ρ0) with an optional finite horizon H. With temperature α > 0 the
maximum-entropy objective E[Σ_t γ^t (r(s_t, a_t) − α·log π(a_t|s_t))] has the optimum (CPL Eq. 2–3)

    Q*(s, a) = r(s, a) + γ·Σ_s' P(s'|s, a)·V*(s'),    V*(s) = α·log Σ_a exp(Q*(s, a)/α),
    π*(a|s)  = exp((Q*(s, a) − V*(s))/α),             A*(s, a) = Q*(s, a) − V*(s) = α·log π*(a|s)   (Eq. 4).

With a horizon H everything gains a time index h = 0..H−1 and V*_H = 0. ``soft_value_iteration`` solves the
discounted case by soft policy iteration (a Newton method on the soft Bellman equation: exact policy
evaluation by a linear solve, then π ← softmax(Q/α)), the finite-horizon case by backward induction.
``soft_policy_evaluation`` gives the soft value of any policy, V^π = (I − γP_π)^{-1}(r_π + α·H(π)).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.special import logsumexp

ROW_TOLERANCE = 1e-8


@dataclass(frozen=True)
class TabularMDP:
    """A finite MDP. Arrays are float64; the dataclass validates them and is immutable by convention."""

    transitions: np.ndarray
    """P(s'|s, a), shape (S, A, S); every row sums to 1."""
    rewards: np.ndarray
    """r(s, a), shape (S, A), finite."""
    gamma: float
    """Discount γ ∈ [0, 1)."""
    start: np.ndarray
    """Start distribution ρ0, shape (S,)."""
    horizon: int | None = None
    """None: discounted infinite horizon; H ≥ 1: finite horizon with time-indexed optimum."""

    def __post_init__(self) -> None:
        p = np.asarray(self.transitions, dtype=np.float64)
        r = np.asarray(self.rewards, dtype=np.float64)
        rho = np.asarray(self.start, dtype=np.float64)
        if p.ndim != 3 or p.shape[0] != p.shape[2] or p.shape[0] < 1 or p.shape[1] < 1:
            raise ValueError(f"transitions must have shape (S, A, S), got {p.shape}")
        if not np.all(np.isfinite(p)) or np.any(p < 0):
            raise ValueError("transitions must be finite and non-negative")
        sums = p.sum(-1)
        bad = np.argwhere(np.abs(sums - 1.0) > ROW_TOLERANCE)
        if bad.size:
            s, a = bad[0]
            raise ValueError(f"transition row P(·|s={s}, a={a}) sums to {sums[s, a]:.10g}, not 1")
        if r.shape != p.shape[:2] or not np.all(np.isfinite(r)):
            raise ValueError(f"rewards must be finite with shape {p.shape[:2]}, got {r.shape}")
        if rho.shape != (p.shape[0],) or np.any(rho < 0) or abs(rho.sum() - 1.0) > ROW_TOLERANCE:
            raise ValueError(f"start must be a probability vector of length {p.shape[0]}")
        check_gamma(self.gamma)
        if self.horizon is not None and (int(self.horizon) != self.horizon or self.horizon < 1):
            raise ValueError(f"horizon must be None or an integer >= 1, got {self.horizon}")
        object.__setattr__(self, "transitions", p)
        object.__setattr__(self, "rewards", r)
        object.__setattr__(self, "start", rho)

    @property
    def num_states(self) -> int:
        return self.transitions.shape[0]

    @property
    def num_actions(self) -> int:
        return self.transitions.shape[1]


@dataclass(frozen=True)
class SoftOptimum:
    """Q*, V*, π*, A* = α·log π*. Shapes (S, A)/(S,) discounted, (H, S, A)/(H, S) finite horizon."""

    q: np.ndarray
    v: np.ndarray
    policy: np.ndarray
    advantage: np.ndarray


def check_alpha(alpha: float) -> float:
    """α must be a finite number > 0."""
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"temperature alpha must be > 0, got {alpha}")
    return float(alpha)


def check_gamma(gamma: float) -> float:
    """γ must lie in [0, 1)."""
    if not (np.isfinite(gamma) and 0.0 <= gamma < 1.0):
        raise ValueError(f"discount gamma must lie in [0, 1), got {gamma}")
    return float(gamma)


def random_mdp(rng: np.random.Generator, num_states: int, num_actions: int, gamma: float,
               concentration: float = 1.0, horizon: int | None = None) -> TabularMDP:
    """P(·|s, a) ~ Dirichlet(concentration·1), r ~ U(0, 1), uniform ρ0 (the spec's random MDPs)."""
    if num_states < 1 or num_actions < 1:
        raise ValueError(f"need num_states, num_actions >= 1, got {num_states}, {num_actions}")
    if not concentration > 0:
        raise ValueError(f"Dirichlet concentration must be > 0, got {concentration}")
    p = rng.dirichlet(np.full(num_states, concentration), size=(num_states, num_actions))
    p = p / p.sum(-1, keepdims=True)  # tiny concentrations can underflow; renormalise exactly
    r = rng.random((num_states, num_actions))
    return TabularMDP(p, r, gamma, np.full(num_states, 1.0 / num_states), horizon)


def log_softmax(logits: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """log softmax(logits/α) over the last axis."""
    z = logits / alpha
    return z - logsumexp(z, axis=-1, keepdims=True)


def soft_value_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-12, max_iter: int = 500) -> SoftOptimum:
    """The maximum-entropy optimum (Eq. 2–4): soft policy iteration (discounted) or backward induction (H)."""
    alpha = check_alpha(alpha)
    if mdp.horizon is not None:
        return _soft_backward_induction(mdp, alpha)
    policy = np.full((mdp.num_states, mdp.num_actions), 1.0 / mdp.num_actions)
    v = soft_policy_evaluation(mdp, policy, alpha)
    for _ in range(max_iter):
        q = mdp.rewards + mdp.gamma * mdp.transitions @ v
        log_pi = log_softmax(q, alpha)
        v_new = soft_policy_evaluation(mdp, np.exp(log_pi), alpha)
        done = np.max(np.abs(v_new - v)) < tol * max(1.0, np.max(np.abs(v_new)))
        v = v_new
        if done:
            break
    else:
        raise RuntimeError(f"soft policy iteration did not converge in {max_iter} iterations")
    # one exact soft Bellman step from the converged V gives self-consistent Q*, V*, π*, A*
    q = mdp.rewards + mdp.gamma * mdp.transitions @ v
    v = alpha * logsumexp(q / alpha, axis=-1)
    advantage = q - v[:, None]
    return SoftOptimum(q, v, np.exp(advantage / alpha), advantage)


def _soft_backward_induction(mdp: TabularMDP, alpha: float) -> SoftOptimum:
    h_max = int(mdp.horizon)
    q = np.zeros((h_max, mdp.num_states, mdp.num_actions))
    v = np.zeros((h_max + 1, mdp.num_states))
    for h in range(h_max - 1, -1, -1):
        q[h] = mdp.rewards + mdp.gamma * mdp.transitions @ v[h + 1]
        v[h] = alpha * logsumexp(q[h] / alpha, axis=-1)
    advantage = q - v[:h_max, :, None]
    return SoftOptimum(q, v[:h_max], np.exp(advantage / alpha), advantage)


def soft_value_iteration_plain(mdp: TabularMDP, alpha: float, tol: float = 1e-13,
                               max_iter: int = 100_000) -> np.ndarray:
    """V* by plain soft value iteration V ← α·log Σ_a exp((r + γPV)/α) (a slow, independent check)."""
    alpha = check_alpha(alpha)
    v = np.zeros(mdp.num_states)
    for _ in range(max_iter):
        v_new = alpha * logsumexp((mdp.rewards + mdp.gamma * mdp.transitions @ v) / alpha, axis=-1)
        if np.max(np.abs(v_new - v)) < tol:
            return v_new
        v = v_new
    raise RuntimeError(f"soft value iteration did not converge in {max_iter} iterations")


def soft_policy_evaluation(mdp: TabularMDP, policy: np.ndarray, alpha: float) -> np.ndarray:
    """Soft value of ``policy``: V^π = (I − γP_π)^{-1}(r_π + α·H(π)) (shape (S,)), or, with a horizon and a
    (H, S, A) or (S, A) policy, V^π_h for h = 0..H−1 (shape (H, S)) by backward recursion."""
    alpha = check_alpha(alpha)
    pi = _check_policy(mdp, policy)
    entropy = -np.sum(pi * np.log(np.where(pi > 0, pi, 1.0)), axis=-1)
    if mdp.horizon is None:
        r_pi = np.sum(pi * mdp.rewards, -1) + alpha * entropy
        p_pi = np.einsum("sa,sat->st", pi, mdp.transitions)
        return _solve_identity_minus(mdp.gamma * p_pi, r_pi)
    pi = np.broadcast_to(pi, (mdp.horizon, mdp.num_states, mdp.num_actions))
    entropy = np.broadcast_to(entropy, (mdp.horizon, mdp.num_states))
    v = np.zeros((mdp.horizon + 1, mdp.num_states))
    for h in range(mdp.horizon - 1, -1, -1):
        q = mdp.rewards + mdp.gamma * mdp.transitions @ v[h + 1]
        v[h] = np.sum(pi[h] * q, -1) + alpha * entropy[h]
    return v[:mdp.horizon]


SPARSE_SOLVE_FROM = 256  # states; large, sparse MDPs (gridworlds) use a sparse LU instead of a dense solve


def _solve_identity_minus(m: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with (I − m)·x = b (dense LAPACK for small systems, sparse LU for large sparse ones)."""
    n = m.shape[0]
    if n >= SPARSE_SOLVE_FROM and np.count_nonzero(m) < 0.05 * n * n:
        return spla.spsolve((sp.identity(n, format="csc") - sp.csc_matrix(m)), b)
    return np.linalg.solve(np.eye(n) - m, b)


def _check_policy(mdp: TabularMDP, policy: np.ndarray) -> np.ndarray:
    pi = np.asarray(policy, dtype=np.float64)
    shape = (mdp.num_states, mdp.num_actions)
    if pi.shape != shape and not (mdp.horizon is not None and pi.shape == (mdp.horizon, *shape)):
        raise ValueError(f"policy must have shape {shape}" + (f" or {(mdp.horizon, *shape)}" if mdp.horizon else "")
                         + f", got {pi.shape}")
    if np.any(pi < 0) or np.max(np.abs(pi.sum(-1) - 1.0)) > 1e-6:
        raise ValueError("policy rows must be probability vectors")
    return pi


def state_occupancy(mdp: TabularMDP, policy: np.ndarray) -> np.ndarray:
    """Discounted: normalised occupancy (1−γ)ρ0ᵀ(I − γP_π)^{-1}, shape (S,). Finite horizon: the state
    distribution d_h at each step h (shape (H, S)) under ``policy`` from ρ0."""
    pi = _check_policy(mdp, policy)
    if mdp.horizon is None:
        p_pi = np.einsum("sa,sat->st", pi, mdp.transitions)
        return (1 - mdp.gamma) * _solve_identity_minus(mdp.gamma * p_pi.T, mdp.start)
    pi = np.broadcast_to(pi, (mdp.horizon, mdp.num_states, mdp.num_actions))
    d = np.zeros((mdp.horizon, mdp.num_states))
    d[0] = mdp.start
    for h in range(1, mdp.horizon):
        d[h] = np.einsum("s,sa,sat->t", d[h - 1], pi[h - 1], mdp.transitions)
    return d
