"""Two-player zero-sum low-rank Markov games (Qiu et al. 2022, Sec. 5): the model, exact Nash by LP, CCE by LP,
best responses and the duality gap. The learner that plays them is :mod:`mdps.lowrank.game_ucb`.

The max player picks a ∈ [A], the min player b ∈ [B]; P_h(s′|s,a,b) = φ*_h(s,a,b)ᵀμ*_h(s′), reward r_h(s,a,b) ∈ [0,1]
paid by the min player to the max player. Policies are Markov: π (H, S, A), ν (H, S, B).

- :func:`matrix_nash`: max_x min_y xᵀMy by two LPs (one per player), HiGHS.
- :func:`nash_equilibrium`: backward induction V*_h(s) = val(r_h(s,·,·) + P_h V*_{h+1}) (Shapley).
- :func:`coarse_correlated_equilibrium`: σ ∈ Δ(A×B) with no profitable unilateral deviation of the max player
  under Q̄ and of the min player under Q̲ (Alg. 2, line 8), one LP per state.
- :func:`duality_gap`: V^{†,ν}(ρ) − V^{π,†}(ρ) ≥ 0, zero exactly at a Nash equilibrium.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from mdps.lowrank.mdp import check_horizon, check_positive_int, check_rank


@dataclass(frozen=True)
class LowRankGame:
    """P_h(s′|s,a,b) = φ*_h(s,a,b)ᵀμ*_h(s′); zero-sum reward r_h(s,a,b) ∈ [0,1]; initial distribution ρ."""

    phi: np.ndarray
    """(H, S, A, B, d), non-negative."""
    mu: np.ndarray
    """(H, d, S), rows are distributions."""
    reward: np.ndarray
    """(H, S, A, B) in [0, 1]."""
    initial: np.ndarray
    """(S,)."""

    def __post_init__(self) -> None:
        if np.asarray(self.phi).ndim != 5:
            raise ValueError(f"phi must have shape (H, S, A, B, d), got {np.shape(self.phi)}")
        horizon, num_states, _, _, rank = self.phi.shape
        check_horizon(horizon)
        check_rank(rank, num_states)
        if np.any(self.phi < 0) or np.any(self.mu < 0):
            raise ValueError("phi and mu must be non-negative (they define probabilities)")
        rows = np.einsum("hsabd,hdt->hsab", self.phi, self.mu)
        if np.max(np.abs(rows - 1)) > 1e-6:
            raise ValueError("rows of P = φ*ᵀμ* must sum to 1")
        if self.reward.shape != self.phi.shape[:-1] or np.any(self.reward < 0) or np.any(self.reward > 1):
            raise ValueError("reward must have shape (H, S, A, B) with values in [0, 1]")

    def transitions(self) -> np.ndarray:
        """(H, S, A, B, S)."""
        return np.einsum("hsabd,hdt->hsabt", self.phi, self.mu)


def random_lowrank_game(num_states: int, num_actions: int, num_opponent_actions: int, rank: int, horizon: int,
                        rng: np.random.Generator, concentration: float = 1.0, state_reward: bool = False
                        ) -> LowRankGame:
    """φ* rows ∼ Dirichlet(α·1_d), μ* rows ∼ Dirichlet(α·1_S) (α = ``concentration``; α < 1 makes the actions'
    next-state distributions more distinct), ρ uniform. Reward r ∼ U[0,1] per (h, s, a, b), or with
    ``state_reward`` r_h(s, a, b) = u_h(s), u ∼ U[0,1]: the players then gain only by steering the transitions, which
    they must learn (the reward is known to the learner), so early play is far from Nash."""
    horizon = check_horizon(horizon)
    num_states = check_positive_int("S", num_states)
    a, b = check_positive_int("A", num_actions), check_positive_int("B", num_opponent_actions)
    rank = check_rank(rank, num_states)
    if not concentration > 0:
        raise ValueError(f"concentration must be > 0, got {concentration}")
    phi = rng.dirichlet(np.full(rank, concentration), size=(horizon, num_states, a, b))
    mu = rng.dirichlet(np.full(num_states, concentration), size=(horizon, rank))
    if state_reward:
        reward = np.broadcast_to(rng.uniform(size=(horizon, num_states))[:, :, None, None],
                                 (horizon, num_states, a, b)).copy()
    else:
        reward = rng.uniform(size=(horizon, num_states, a, b))
    return LowRankGame(phi, mu, reward, np.full(num_states, 1.0 / num_states))


def matrix_nash(payoff: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Value and a Nash pair (x, y) of the zero-sum matrix game max_x min_y xᵀMy, by LP for each player."""
    m = np.asarray(payoff, dtype=float)
    rows, cols = m.shape
    # max player: maximise v s.t. (Mᵀx)_b ≥ v ∀b, x ∈ Δ.  Variables (x, v); minimise −v.
    row = scipy.optimize.linprog(
        np.r_[np.zeros(rows), -1.0], A_ub=np.c_[-m.T, np.ones(cols)], b_ub=np.zeros(cols),
        A_eq=np.r_[np.ones(rows), 0.0][None], b_eq=[1.0], bounds=[(0, None)] * rows + [(None, None)], method="highs")
    # min player: minimise w s.t. (My)_a ≤ w ∀a, y ∈ Δ.
    col = scipy.optimize.linprog(
        np.r_[np.zeros(cols), 1.0], A_ub=np.c_[m, -np.ones(rows)], b_ub=np.zeros(rows),
        A_eq=np.r_[np.ones(cols), 0.0][None], b_eq=[1.0], bounds=[(0, None)] * cols + [(None, None)], method="highs")
    if row.status != 0 or col.status != 0:
        raise RuntimeError(f"Nash LP failed: {row.message} / {col.message}")
    x, y = np.clip(row.x[:rows], 0, None), np.clip(col.x[:cols], 0, None)
    return float(-row.fun), x / x.sum(), y / y.sum()


def nash_equilibrium(transitions: np.ndarray, reward: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact Nash of the game by backward induction with one matrix-game LP per (h, s).

    transitions (H, S, A, B, S), reward (H, S, A, B). Returns V* (H+1, S), π* (H, S, A), ν* (H, S, B).
    """
    horizon, num_states, a, b, _ = transitions.shape
    values = np.zeros((horizon + 1, num_states))
    pi, nu = np.zeros((horizon, num_states, a)), np.zeros((horizon, num_states, b))
    for h in range(horizon - 1, -1, -1):
        q = reward[h] + transitions[h] @ values[h + 1]
        for s in range(num_states):
            values[h, s], pi[h, s], nu[h, s] = matrix_nash(q[s])
    return values, pi, nu


def coarse_correlated_equilibrium(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """σ ∈ Δ(A×B) with E_σ Q̄ ≥ E_{b∼σ_B} Q̄(a′, b) ∀a′ and E_σ Q̲ ≤ E_{a∼σ_A} Q̲(a, b′) ∀b′ (an LP feasibility
    problem; HiGHS returns a vertex). upper, lower (A, B) → σ (A, B)."""
    a, b = upper.shape
    # max player deviation a′: Σ_{a,b} σ(a,b)(Q̄(a′,b) − Q̄(a,b)) ≤ 0
    deviate_max = upper[:, None, :] - upper[None, :, :]  # [a′, a, b]
    # min player deviation b′: Σ_{a,b} σ(a,b)(Q̲(a,b) − Q̲(a,b′)) ≤ 0
    deviate_min = lower[None, :, :] - lower.T[:, :, None]  # [b′, a, b]
    constraints = np.r_[deviate_max.reshape(a, a * b), deviate_min.reshape(b, a * b)]
    result = scipy.optimize.linprog(np.zeros(a * b), A_ub=constraints, b_ub=np.zeros(a + b),
                                    A_eq=np.ones((1, a * b)), b_eq=[1.0], bounds=[(0, None)] * (a * b),
                                    method="highs")
    if result.status != 0:
        raise RuntimeError(f"CCE LP failed: {result.message}")
    sigma = np.clip(result.x, 0, None).reshape(a, b)
    return sigma / sigma.sum()


def best_response_values(transitions: np.ndarray, reward: np.ndarray, policy: np.ndarray, player: str
                         ) -> np.ndarray:
    """Value of the best response to a fixed Markov policy: ``player`` = "max" responds to ν (H, S, B),
    "min" responds to π (H, S, A). Returns V (H+1, S)."""
    horizon, num_states = transitions.shape[:2]
    values = np.zeros((horizon + 1, num_states))
    for h in range(horizon - 1, -1, -1):
        q = reward[h] + transitions[h] @ values[h + 1]  # (S, A, B)
        if player == "max":
            values[h] = np.einsum("sab,sb->sa", q, policy[h]).max(-1)
        elif player == "min":
            values[h] = np.einsum("sab,sa->sb", q, policy[h]).min(-1)
        else:
            raise ValueError(f"player must be 'max' or 'min', got {player!r}")
    return values


def duality_gap(transitions: np.ndarray, reward: np.ndarray, initial: np.ndarray, pi: np.ndarray,
                nu: np.ndarray) -> float:
    """V^{†,ν}(ρ) − V^{π,†}(ρ) (Sec. 5): how much each player gains by best-responding to the other."""
    up = best_response_values(transitions, reward, nu, "max")[0] @ initial
    down = best_response_values(transitions, reward, pi, "min")[0] @ initial
    return float(up - down)
