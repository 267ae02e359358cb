"""Finite-horizon low-rank MDPs with known true features, and exact dynamic programming on them.

A low-rank MDP (Qiu et al. 2022, Def. 2.1; Agarwal et al. 2020) has transitions
    P_h(s′|s,a) = φ*_h(s,a)ᵀ μ*_h(s′),      h = 0, …, H−1,
with φ*_h(s,a) ∈ R^d_{≥0} and μ*_h(s′) ∈ R^d_{≥0}. We store φ* with shape (H, S, A, d) (rows on the simplex
in our generators) and μ* with shape (H, d, S) (each of the d rows a distribution over next states), so that
``P = einsum("hsad,hdt->hsat", φ*, μ*)`` has rows that sum to one. States at every level share the index set
{0, …, S−1} (a time-inhomogeneous MDP); the state reached after step H−1 is not used.

Generators: :func:`random_lowrank_mdp` (Dirichlet features) and :func:`combination_lock` (a block MDP where
uniformly random actions find the reward with probability A^{−H}). Exact evaluation: :func:`optimal_values`,
:func:`policy_values`, :func:`deterministic_policy_value`. All DP functions broadcast over leading batch
dimensions (e.g. seeds).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-8


def check_horizon(horizon: int) -> int:
    """H ≥ 1 (an integer)."""
    if int(horizon) != horizon or horizon <= 0:
        raise ValueError(f"horizon H must be a positive integer, got H = {horizon}")
    return int(horizon)


def check_rank(rank: int, num_states: int) -> int:
    """1 ≤ d ≤ S (a rank above the number of states cannot be identified)."""
    if int(rank) != rank or rank < 1:
        raise ValueError(f"rank d must be a positive integer, got d = {rank}")
    if rank > num_states:
        raise ValueError(f"rank d = {rank} exceeds the number of states S = {num_states}")
    return int(rank)


def check_positive_int(name: str, value: int) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


@dataclass(frozen=True)
class LowRankMDP:
    """P_h(s′|s,a) = φ*_h(s,a)ᵀ μ*_h(s′) (Def. 2.1), known reward r_h(s,a) ∈ [0, 1], initial distribution ρ."""

    phi: np.ndarray
    """True features φ*, shape (H, S, A, d), non-negative."""
    mu: np.ndarray
    """True next-state factors μ*, shape (H, d, S), non-negative."""
    reward: np.ndarray
    """r_h(s, a) ∈ [0, 1], shape (H, S, A)."""
    initial: np.ndarray
    """Initial state distribution ρ, shape (S,)."""

    def __post_init__(self) -> None:
        phi, mu = np.asarray(self.phi, dtype=float), np.asarray(self.mu, dtype=float)
        if phi.ndim != 4:
            raise ValueError(f"phi must have shape (H, S, A, d), got {phi.shape}")
        horizon, num_states, num_actions, rank = phi.shape
        check_horizon(horizon)
        check_rank(rank, num_states)
        if mu.shape != (horizon, rank, num_states):
            raise ValueError(f"mu must have shape (H, d, S) = {(horizon, rank, num_states)}, got {mu.shape}")
        for name, array in (("phi", phi), ("mu", mu), ("initial", np.asarray(self.initial, dtype=float))):
            if not np.all(np.isfinite(array)):
                raise ValueError(f"{name} contains NaN or inf")
            if np.any(array < 0):
                raise ValueError(f"{name} has negative probabilities (min {array.min():.3g})")
        rows = np.einsum("hsad,hdt->hsa", phi, mu)
        if np.max(np.abs(rows - 1.0)) > 1e-6:
            worst = rows.flat[np.argmax(np.abs(rows - 1))]
            raise ValueError(f"rows of P = φ*ᵀμ* must sum to 1 (worst row sums to {worst:.6g})")
        reward = np.asarray(self.reward, dtype=float)
        if reward.shape != (horizon, num_states, num_actions):
            raise ValueError(f"reward must have shape (H, S, A) = {(horizon, num_states, num_actions)}, "
                             f"got {reward.shape}")
        if np.any(reward < 0) or np.any(reward > 1):
            raise ValueError("reward must lie in [0, 1]")
        initial = np.asarray(self.initial, dtype=float)
        if initial.shape != (num_states,) or abs(initial.sum() - 1) > 1e-6:
            raise ValueError(f"initial must be a distribution over S = {num_states} states")

    @property
    def horizon(self) -> int:
        return self.phi.shape[0]

    @property
    def num_states(self) -> int:
        return self.phi.shape[1]

    @property
    def num_actions(self) -> int:
        return self.phi.shape[2]

    @property
    def rank(self) -> int:
        return self.phi.shape[3]

    def transitions(self) -> np.ndarray:
        """P_h(s′|s,a) = φ*_h(s,a)ᵀμ*_h(s′), shape (H, S, A, S)."""
        return np.einsum("hsad,hdt->hsat", self.phi, self.mu)


def random_lowrank_mdp(num_states: int, num_actions: int, rank: int, horizon: int, rng: np.random.Generator,
                       feature_concentration: float = 1.0, next_state_concentration: float = 1.0) -> LowRankMDP:
    """φ*_h(s,a) ∼ Dirichlet(α_φ·1_d), μ*_h(k,·) ∼ Dirichlet(α_μ·1_S), r ∼ U[0,1], ρ uniform."""
    horizon = check_horizon(horizon)
    num_states = check_positive_int("S", num_states)
    num_actions = check_positive_int("A", num_actions)
    rank = check_rank(rank, num_states)
    phi = rng.dirichlet(np.full(rank, feature_concentration), size=(horizon, num_states, num_actions))
    mu = rng.dirichlet(np.full(num_states, next_state_concentration), size=(horizon, rank))
    reward = rng.uniform(size=(horizon, num_states, num_actions))
    return LowRankMDP(phi, mu, reward, np.full(num_states, 1.0 / num_states))


@dataclass(frozen=True)
class CombinationLock:
    """A block low-rank MDP: latent states 0..L−2 are "good", L−1 is the absorbing "bad" state.

    Each latent state emits one of its m observed states uniformly; observed-state labels are shuffled per level.
    From a good latent state at level h the secret action a*_h leads to a uniformly chosen good latent state,
    every other action to the bad state; the bad state is absorbing. Reward 1 for taking a*_{H−1} in a good
    state at the last level, so V* = 1 and a uniformly random policy succeeds with prob. A^{−H}.

    **Anti-shaped** lock (``distractor`` D > 0): in a good state every wrong action also pays D (and still leads to
    the bad state), so a planner without optimism that knows the reward prefers the immediate D to an untried
    secret action whose value it does not yet see; the final reward is unchanged (V* = 1, the best distractor
    return is D). D = 0 is the plain lock.
    The true features are φ*_h(x,a) = q_h(·|z(x),a) ∈ simplex^L and μ*_h(z′,x′) = 1{z(x′)=z′}/m (rank L).
    """

    mdp: LowRankMDP
    secret: np.ndarray
    """a*_h, shape (H,)."""
    latent: np.ndarray
    """z_h(x): latent state of observed state x at level h, shape (H+1, S) (level H is the post-terminal one)."""

    @property
    def optimal_value(self) -> float:
        return 1.0


def combination_lock(horizon: int, num_actions: int, obs_per_latent: int, rng: np.random.Generator,
                     num_latent: int = 3, distractor: float = 0.0) -> CombinationLock:
    """The lock of :class:`CombinationLock` with L = ``num_latent`` latent states per level (L−1 good) and
    distractor reward D = ``distractor`` ∈ [0, 1) for wrong actions in good states."""
    horizon = check_horizon(horizon)
    num_actions = check_positive_int("A", num_actions)
    m = check_positive_int("obs_per_latent", obs_per_latent)
    if int(num_latent) != num_latent or num_latent < 2:
        raise ValueError(f"num_latent must be an integer >= 2 (one bad state, at least one good), got {num_latent}")
    if not 0 <= distractor < 1:
        raise ValueError(f"distractor reward D must lie in [0, 1), got {distractor}")
    num_states = num_latent * m
    bad = num_latent - 1
    secret = rng.integers(num_actions, size=horizon)
    latent = np.stack([rng.permutation(np.repeat(np.arange(num_latent), m)) for _ in range(horizon + 1)])
    phi = np.zeros((horizon, num_states, num_actions, num_latent))
    phi[..., bad] = 1.0
    good_next = np.zeros(num_latent)
    good_next[:bad] = 1.0 / bad
    for h in range(horizon):
        good_states = latent[h] != bad
        phi[h, good_states, secret[h]] = good_next
    mu = np.zeros((horizon, num_latent, num_states))
    for h in range(horizon):
        mu[h, latent[h + 1], np.arange(num_states)] = 1.0 / m
    reward = np.zeros((horizon, num_states, num_actions))
    wrong = np.arange(num_actions)[None, :] != secret[:, None]  # (H, A)
    reward[:] = distractor * (latent[:horizon] != bad)[:, :, None] * wrong[:, None, :]
    reward[horizon - 1, latent[horizon - 1] != bad, secret[horizon - 1]] = 1.0
    initial = (latent[0] != bad).astype(float)
    initial /= initial.sum()
    return CombinationLock(LowRankMDP(phi, mu, reward, initial), secret, latent)


# --------------------------------------------------------------------------------------------------- exact DP
def optimal_values(transitions: np.ndarray, reward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backward induction Q*_h = r_h + P_h V*_{h+1}, V*_h = max_a Q*_h, V*_H = 0.

    ``transitions`` (..., H, S, A, S), ``reward`` (..., H, S, A). Returns Q* (..., H, S, A), V* (..., H+1, S).
    """
    horizon, num_states = transitions.shape[-4], transitions.shape[-3]
    values = np.zeros(transitions.shape[:-4] + (horizon + 1, num_states))
    q = np.zeros(reward.shape)
    for h in range(horizon - 1, -1, -1):
        q[..., h, :, :] = reward[..., h, :, :] + np.einsum("...sat,...t->...sa", transitions[..., h, :, :, :],
                                                            values[..., h + 1, :])
        values[..., h, :] = q[..., h, :, :].max(axis=-1)
    return q, values


def policy_values(transitions: np.ndarray, reward: np.ndarray, policy: np.ndarray) -> np.ndarray:
    """V^π_h(s) by backward induction for a Markov policy.

    ``policy`` is either deterministic, integer (..., H, S), or stochastic (..., H, S, A).
    Returns V^π (..., H+1, S) with V^π_H = 0.
    """
    horizon, num_states, num_actions = transitions.shape[-4], transitions.shape[-3], transitions.shape[-2]
    if np.issubdtype(np.asarray(policy).dtype, np.integer):
        policy = np.eye(num_actions)[policy]
    values = np.zeros(transitions.shape[:-4] + (horizon + 1, num_states))
    for h in range(horizon - 1, -1, -1):
        q = reward[..., h, :, :] + np.einsum("...sat,...t->...sa", transitions[..., h, :, :, :],
                                             values[..., h + 1, :])
        values[..., h, :] = np.einsum("...sa,...sa->...s", policy[..., h, :, :], q)
    return values


def initial_value(values: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """E_{s∼ρ} V_0(s) for values (..., H+1, S) and ρ (..., S)."""
    return np.einsum("...s,...s->...", values[..., 0, :], initial)


def deterministic_policy_value(transitions: np.ndarray, reward: np.ndarray, initial: np.ndarray,
                               policy: np.ndarray) -> np.ndarray:
    """E_{s∼ρ} V^π_0(s) for a deterministic Markov policy π (B, H, S), by backward induction on the true model.

    transitions (B, H, S, A, S), reward (B, H, S, A), initial ρ (B, S). Returns (B,). (The fast special case of
    :func:`policy_values` that the learners evaluate every episode.)
    """
    batch, horizon, num_states = policy.shape
    rows = np.arange(batch)[:, None]
    cols = np.arange(num_states)[None, :]
    value = np.zeros((batch, num_states))
    for h in range(horizon - 1, -1, -1):
        chosen = transitions[rows, h, cols, policy[:, h]]  # (B, S, S)
        value = reward[rows, h, cols, policy[:, h]] + np.einsum("bst,bt->bs", chosen, value)
    return np.einsum("bs,bs->b", value, initial)
