"""CPL at Minigrid scale, the tabular side: FourRooms as a finite MDP, its soft-Q oracle's helpers, exact success
probabilities, and offline soft value iteration on a dataset's empirical MDP.

- :func:`fourrooms_grid` reads a FourRooms layout (``FourRoomsEnv.reset(seed)``, via :mod:`mdps.minigrid.envs`)
  and :func:`tabularise` turns it into a :class:`~mdps.tabular.mdp.TabularMDP` over poses (x, y, direction) plus
  one absorbing "done" state. Its transitions are read off :meth:`BatchFourRooms.step` (the one FourRooms step
  rule: left / right turn, forward moves unless the target is a wall, entering the goal ends the episode). The
  known reward is −1 per step (shortest path); the absorbing state pays −α·log 3 so its soft value is 0. Soft
  policy iteration on it gives the oracle Q*, π* and A* = α·log π* that label preferences (CPL Eq. 5).
- :func:`success_probability`: the exact probability that a (stochastic) policy reaches the goal within the
  step limit from the start pose, and its expected Minigrid return 1 − 0.9·T/max_steps.
- :func:`one_step_offline_rl`: the RL step of the reward-based baseline (P-IQL-like: in-sample SARSA evaluation of
  the data's behaviour policy on r̂, then advantage-weighted extraction on the data's support).
- :func:`offline_soft_vi`: KL-regularised soft value iteration restricted to the data's support (the first
  baseline's RL step; it maximises over the support, so errors in r̂ send it into loops; kept as an observation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mdps.minigrid.envs import GRID_SIZE, HORIZON, NUM_ACTIONS, BatchFourRooms, BatchState, FourRooms, LayoutTable
from mdps.tabular.mdp import TabularMDP, check_alpha

EMPTY = 1  # LayoutTable cell classes: 1 empty, 2 wall, 3 goal


@dataclass(frozen=True)
class TabularGrid:
    """The tabularised task: the MDP, the pose of every state, state features, start and goal bookkeeping."""

    mdp: TabularMDP
    poses: np.ndarray
    """(S, 3) int: (x, y, direction) of each state; the last state is the absorbing 'done' state (−1s)."""
    features: np.ndarray
    """(S, F) float32 network inputs: one-hot x, one-hot y, one-hot direction, 'done' flag."""
    start_state: int
    absorbing: int
    max_steps: int


def fourrooms_grid(layout_seed: int, alpha: float, gamma: float, horizon: int = HORIZON) -> TabularGrid:
    """The FourRooms layout of ``reset(seed=layout_seed)`` as a tabular MDP with step limit ``horizon``."""
    table = LayoutTable.build(FourRooms(horizon=horizon), [int(layout_seed)])
    return tabularise(BatchFourRooms(table, horizon), alpha, gamma)


def tabularise(simulator: BatchFourRooms, alpha: float, gamma: float, row: int = 0) -> TabularGrid:
    """Poses → states of layout ``row``; transitions from the simulator's step; reward −1 per step (+ 'done')."""
    alpha = check_alpha(alpha)
    cells = simulator.table.cells[row]
    free = [(x, y) for x in range(GRID_SIZE) for y in range(GRID_SIZE) if cells[x, y] == EMPTY]
    poses = np.array([(x, y, d) for (x, y) in free for d in range(4)], dtype=np.int64)
    index = {tuple(pose): i for i, pose in enumerate(poses.tolist())}
    absorbing = len(poses)
    num_states = absorbing + 1
    p = np.zeros((num_states, NUM_ACTIONS, num_states))
    for action in range(NUM_ACTIONS):
        state = BatchState(np.full(absorbing, row), poses[:, 0].copy(), poses[:, 1].copy(), poses[:, 2].copy(),
                           np.zeros(absorbing, dtype=np.int64))
        _, _, success = simulator.step(state, np.full(absorbing, action))
        successors = [absorbing if done else index[pose] for done, pose in
                      zip(success.tolist(), zip(state.x.tolist(), state.y.tolist(), state.direction.tolist()))]
        p[np.arange(absorbing), action, successors] = 1.0
    p[absorbing, :, absorbing] = 1.0
    r = np.full((num_states, NUM_ACTIONS), -1.0)
    r[absorbing] = -alpha * np.log(NUM_ACTIONS)
    start_pose = tuple(int(v) for v in simulator.table.starts[row])
    if start_pose not in index:
        raise ValueError(f"start pose {start_pose} is not a free non-goal cell")
    start = np.zeros(num_states)
    start[index[start_pose]] = 1.0
    pose_array = np.concatenate([poses, [(-1, -1, -1)]]).astype(np.int64)
    features = np.zeros((num_states, 2 * GRID_SIZE + 4 + 1), dtype=np.float32)
    rows = np.arange(absorbing)
    features[rows, poses[:, 0]] = 1
    features[rows, GRID_SIZE + poses[:, 1]] = 1
    features[rows, 2 * GRID_SIZE + poses[:, 2]] = 1
    features[absorbing, -1] = 1
    mdp = TabularMDP(p, r, gamma, start)
    return TabularGrid(mdp, pose_array, features, index[start_pose], absorbing, simulator.horizon)


def success_probability(grid: TabularGrid, policy: np.ndarray) -> tuple[float, float]:
    """Exact P(reach the goal within max_steps) from the start pose under ``policy`` (S, A), and the expected
    Minigrid return E[1[success]·(1 − 0.9·T/max_steps)] with T the step at which the goal is entered."""
    p_pi = np.einsum("sa,sat->st", np.asarray(policy, dtype=np.float64), grid.mdp.transitions)
    d = np.zeros(grid.mdp.num_states)
    d[grid.start_state] = 1.0
    done, ret = 0.0, 0.0
    for t in range(1, grid.max_steps + 1):
        d = d @ p_pi
        newly = d[grid.absorbing] - done
        ret += newly * (1 - 0.9 * t / grid.max_steps)
        done = d[grid.absorbing]
    return float(done), float(ret)


def noisy_expert(q_star: np.ndarray, epsilon: float) -> np.ndarray:
    """(1−ε)·greedy(Q*) + ε·uniform (ties in the argmax split evenly)."""
    if not 0 <= epsilon <= 1:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    best = np.isclose(q_star, q_star.max(-1, keepdims=True), rtol=0, atol=1e-9)
    greedy = best / best.sum(-1, keepdims=True)
    return (1 - epsilon) * greedy + epsilon / q_star.shape[-1]


def offline_soft_vi(reward: np.ndarray, reference: np.ndarray, next_state: np.ndarray, alpha: float, gamma: float,
                    tol: float = 1e-10, max_iter: int = 50_000) -> np.ndarray:
    """Offline RL on the empirical MDP of a dataset (deterministic dynamics): soft value iteration with a KL
    penalty to a reference policy π_β supported on the actions the data shows (π_β uniform on them: max-ent RL
    with a support constraint, as in BCQ; π_β the empirical behaviour: behaviour-regularised RL as in BRAC),

        Q(s, a) = r̂(s, a) + γ·V(s'(s, a)),   V(s) = α·log Σ_a π_β(a|s)·exp(Q(s, a)/α),   π ∝ π_β·exp(Q/α).

    Actions with π_β(a|s) = 0 are never taken (support constraint). States the data never shows (rows of
    ``reference`` that are all zero) get V = 0 and a uniform policy. ``next_state`` (S, A) int is only read
    where π_β > 0. Returns π (S, A)."""
    alpha = check_alpha(alpha)
    reference = np.asarray(reference, dtype=np.float64)
    seen = reference.sum(-1) > 0
    log_ref = np.log(np.where(reference > 0, reference, 1.0)) + np.where(reference > 0, 0.0, -np.inf)
    v = np.zeros(reward.shape[0])
    for _ in range(max_iter):
        q = reward + gamma * v[next_state]
        v_new = np.where(seen, alpha * _logsumexp_masked(q / alpha + log_ref), 0.0)
        converged = np.max(np.abs(v_new - v)) < tol * max(1.0, np.max(np.abs(v_new)))
        v = v_new
        if converged:
            break
    logits = np.where(seen[:, None], (reward + gamma * v[next_state]) / alpha + log_ref, 0.0)
    policy = np.exp(logits - _logsumexp_masked(logits)[:, None])
    return np.where(seen[:, None], policy, 1.0 / reward.shape[1])


def one_step_offline_rl(reward: np.ndarray, behaviour: np.ndarray, next_state: np.ndarray, terminal: np.ndarray,
                        alpha: float, gamma: float) -> np.ndarray:
    """Offline RL restricted to the data's support, as P-IQL does it (Hejna & Sadigh 2023: IQL on a Bradley–Terry
    r̂), with IQL's expectile τ = 0.5 (Kostrikov et al. 2022), where IQL's value step is the mean and the method is
    one-step RL (Brandfonbrener et al. 2021): in-sample evaluation of the data's behaviour policy π_β on r̂,

        Q^β(s, a) = r̂(s, a) + γ·(1 − done(s, a))·V^β(s'(s, a)),   V^β(s) = Σ_a π_β(a|s)·Q^β(s, a)   (a linear solve),

    then IQL's advantage-weighted extraction, whose exact tabular solution is π(a|s) ∝ π_β(a|s)·exp(Q^β(s, a)/α)
    (temperature α). Only actions with π_β > 0 are ever evaluated or taken; states the data never shows (all-zero
    rows of ``behaviour``) get V^β = 0 and a uniform policy. ``next_state`` (S, A) int is the deterministic
    successor and ``terminal`` (S, A) bool the offline datasets' done flag (entering the goal ends the episode, so
    nothing is bootstrapped past it, as IQL's (1 − done) does). Returns π (S, A)."""
    alpha = check_alpha(alpha)
    behaviour = np.asarray(behaviour, dtype=np.float64)
    num_states = reward.shape[0]
    next_value_weight = gamma * (1.0 - np.asarray(terminal, dtype=np.float64))
    seen = behaviour.sum(-1) > 0
    p_beta = np.zeros((num_states, num_states))
    np.add.at(p_beta, (np.repeat(np.arange(num_states), behaviour.shape[1]), next_state.ravel()),
              (behaviour * next_value_weight).ravel())
    r_beta = np.sum(np.where(behaviour > 0, behaviour * reward, 0.0), -1)
    v = np.linalg.solve(np.eye(num_states) - p_beta, r_beta)
    log_behaviour = np.log(np.where(behaviour > 0, behaviour, 1.0)) + np.where(behaviour > 0, 0.0, -np.inf)
    logits = np.where(seen[:, None], (reward + next_value_weight * v[next_state]) / alpha + log_behaviour, 0.0)
    policy = np.exp(logits - _logsumexp_masked(logits)[:, None])
    return np.where(seen[:, None], policy, 1.0 / reward.shape[1])


def _logsumexp_masked(z: np.ndarray) -> np.ndarray:
    top = np.max(z, axis=-1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):  # rows with no allowed action give −inf; callers mask them out
        return safe + np.log(np.sum(np.exp(z - safe[:, None]), axis=-1))
