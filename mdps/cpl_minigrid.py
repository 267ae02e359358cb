"""CPL at Minigrid scale: a tabularised Minigrid navigation task, a scripted soft-Q oracle, and neural learners.

- :func:`grid_task_from_minigrid` reads a Minigrid layout (walls, goal, start pose, step limit) from a real
  ``gymnasium`` Minigrid environment reset with a seed (e.g. ``MiniGrid-FourRooms-v0``: a new layout per seed).
- :func:`tabularise` turns it into a :class:`~mdps.tabular.TabularMDP` over poses (x, y, direction) plus one
  absorbing "done" state, with actions left / right / forward exactly as ``MiniGridEnv.step`` implements them.
  The known reward is −1 per step (shortest path); the absorbing state pays −α·log 3 so its soft value is 0.
  Soft policy iteration on it gives the oracle Q*, π* and A* = α·log π* that label preferences (CPL Eq. 5).
- :func:`success_probability`: the exact probability that a (stochastic) policy reaches the goal within the
  environment's ``max_steps`` from its start pose, and its expected Minigrid return 1 − 0.9·T/max_steps.
- Neural learners, batched over independent models (one per seed and role): a policy MLP trained by CPL
  (Eq. 7/8) or by SFT (behaviour cloning on preferred segments), and a reward MLP trained by Bradley–Terry
  (classic RLHF) followed by offline soft value iteration on the empirical MDP of the dataset.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from mdps.cpl import bt_reward_loss, cpl_loss
from mdps.tabular import TabularMDP, check_alpha

DIRECTIONS = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]])  # Minigrid's DIR_TO_VEC: right, down, left, up
LEFT, RIGHT, FORWARD = 0, 1, 2
NUM_ACTIONS = 3


@dataclass(frozen=True)
class GridTask:
    """A Minigrid navigation layout."""

    walls: np.ndarray
    """Bool (width, height): True where the agent cannot enter."""
    goal: tuple[int, int]
    """Goal cell (x, y); entering it ends the episode with success."""
    start: tuple[int, int, int]
    """Start pose (x, y, direction)."""
    max_steps: int
    """Episode step limit (truncation)."""


def grid_task_from_minigrid(env_id: str, seed: int) -> GridTask:
    """The layout of ``gymnasium.make(env_id)`` after ``reset(seed=seed)``: walls, goal, start pose, step limit."""
    import gymnasium as gym
    import minigrid  # noqa: F401  (registers the environments)

    env = gym.make(env_id)
    try:
        env.reset(seed=int(seed))
        u = env.unwrapped
        walls = np.zeros((u.width, u.height), dtype=bool)
        goal = None
        for x in range(u.width):
            for y in range(u.height):
                cell = u.grid.get(x, y)
                if cell is None:
                    continue
                if cell.type == "goal":
                    goal = (x, y)
                elif not cell.can_overlap():
                    walls[x, y] = True
                else:
                    raise ValueError(f"{env_id}: unsupported cell type {cell.type!r} at {(x, y)}")
        if goal is None:
            raise ValueError(f"{env_id}: no goal cell in the layout")
        x0, y0 = (int(v) for v in u.agent_pos)
        return GridTask(walls, goal, (x0, y0, int(u.agent_dir)), int(u.max_steps))
    finally:
        env.close()


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


def tabularise(task: GridTask, alpha: float, gamma: float) -> TabularGrid:
    """Poses → states, Minigrid's deterministic dynamics, reward −1 per step (+ absorbing 'done' state)."""
    alpha = check_alpha(alpha)
    width, height = task.walls.shape
    free = [(x, y) for x in range(width) for y in range(height) if not task.walls[x, y] and (x, y) != task.goal]
    poses = [(x, y, d) for (x, y) in free for d in range(4)]
    index = {pose: i for i, pose in enumerate(poses)}
    absorbing = len(poses)
    num_states = absorbing + 1
    p = np.zeros((num_states, NUM_ACTIONS, num_states))
    for i, (x, y, d) in enumerate(poses):
        p[i, LEFT, index[(x, y, (d - 1) % 4)]] = 1.0
        p[i, RIGHT, index[(x, y, (d + 1) % 4)]] = 1.0
        fx, fy = x + DIRECTIONS[d][0], y + DIRECTIONS[d][1]
        if (fx, fy) == task.goal:
            p[i, FORWARD, absorbing] = 1.0
        elif 0 <= fx < width and 0 <= fy < height and not task.walls[fx, fy]:
            p[i, FORWARD, index[(fx, fy, d)]] = 1.0
        else:
            p[i, FORWARD, i] = 1.0
    p[absorbing, :, absorbing] = 1.0
    r = np.full((num_states, NUM_ACTIONS), -1.0)
    r[absorbing] = -alpha * np.log(NUM_ACTIONS)
    if task.start[:2] == task.goal or task.start not in index:
        raise ValueError(f"start pose {task.start} is not a free non-goal cell")
    start = np.zeros(num_states)
    start[index[task.start]] = 1.0
    pose_array = np.array(poses + [(-1, -1, -1)], dtype=np.int64)
    features = np.zeros((num_states, width + height + 4 + 1), dtype=np.float32)
    rows = np.arange(absorbing)
    features[rows, pose_array[:-1, 0]] = 1
    features[rows, width + pose_array[:-1, 1]] = 1
    features[rows, width + height + pose_array[:-1, 2]] = 1
    features[absorbing, -1] = 1
    mdp = TabularMDP(p, r, gamma, start)
    return TabularGrid(mdp, pose_array, features, index[task.start], absorbing, task.max_steps)


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


def noisy_expert(q_star: np.ndarray, epsilon: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """(1−ε)·greedy(Q*) + ε·uniform (ties in the argmax split evenly)."""
    if not 0 <= epsilon <= 1:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    best = np.isclose(q_star, q_star.max(-1, keepdims=True), rtol=0, atol=1e-9)
    greedy = best / best.sum(-1, keepdims=True)
    return (1 - epsilon) * greedy + epsilon / q_star.shape[-1]


# ---------------------------------------------------------------- batched neural networks (one per model) --
def init_mlp(num_models: int, sizes: tuple[int, ...], generator: torch.Generator) -> list[Tensor]:
    """Weights and biases of ``num_models`` independent MLPs (PyTorch's default uniform init), as leaf tensors."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        for shape in ((num_models, fan_in, fan_out), (num_models, 1, fan_out)):
            params.append(((torch.rand(shape, generator=generator) * 2 - 1) * bound).requires_grad_())
    return params


def mlp(params: list[Tensor], x: Tensor) -> Tensor:
    """Batched MLP: x (M, B, in) → (M, B, out), ReLU between layers."""
    for i in range(0, len(params), 2):
        x = torch.baddbmm(params[i + 1], x, params[i])
        if i + 2 < len(params):
            x = torch.relu(x)
    return x


@dataclass(frozen=True)
class PairData:
    """Preference pairs of every model, stacked: states/actions (M, N, k) int64, σ⁺ first."""

    preferred_states: Tensor
    preferred_actions: Tensor
    rejected_states: Tensor
    rejected_actions: Tensor


def _flat_index(states: Tensor, actions: Tensor) -> Tensor:
    """(M, N, k) state and action indices → (M, N·k) indices into a flattened (S·A) table."""
    return (states * NUM_ACTIONS + actions).reshape(states.shape[0], -1)


def train_networks(features: Tensor, data: PairData, role: str, generator: torch.Generator, hidden: int,
                   steps: int, lr: float, alpha: float, gamma: float, lam: float,
                   bc_weight: float = 0.0) -> list[Tensor]:
    """Train M independent MLPs (one per seed) with full-batch Adam on their own pairs.

    ``role``: 'cpl' (policy, CPL Eq. 8 with λ, plus ``bc_weight``·NLL of every segment step: CPL-BC), 'sft' (policy, NLL of the preferred segments' actions), 'reward'
    (Bradley–Terry on summed discounted r̂, Eq. 1). ``features`` (M, S, F) holds every state's inputs: each step
    evaluates the network once on all S states and gathers the table entries the segments use, so a step costs
    the same for any number of pairs and the gradient is the exact full-data gradient."""
    if role not in ("cpl", "sft", "reward"):
        raise ValueError(f"role must be 'cpl', 'sft' or 'reward', got {role!r}")
    m, n, k = data.preferred_states.shape
    params = init_mlp(m, (features.shape[-1], hidden, hidden, NUM_ACTIONS), generator)
    optimiser = torch.optim.Adam(params, lr=lr)
    pos = _flat_index(data.preferred_states, data.preferred_actions)
    neg = _flat_index(data.rejected_states, data.rejected_actions)
    for _ in range(steps):
        out = mlp(params, features)
        table = (out if role == "reward" else torch.log_softmax(out, -1)).reshape(m, -1)
        picked_pos = table.gather(1, pos).reshape(m, n, k)
        if role == "sft":
            loss = -picked_pos.mean(dim=(1, 2))
        else:
            picked_neg = table.gather(1, neg).reshape(m, n, k)
            if role == "cpl":
                loss = cpl_loss(picked_pos, picked_neg, alpha, gamma, lam).mean(-1)
                if bc_weight:
                    loss = loss - bc_weight * 0.5 * (picked_pos.mean(dim=(1, 2)) + picked_neg.mean(dim=(1, 2)))
            else:
                loss = bt_reward_loss(picked_pos, picked_neg, gamma).mean(-1)
        optimiser.zero_grad()
        loss.sum().backward()
        optimiser.step()
    return params


@torch.no_grad()
def policy_tables(params: list[Tensor], features: Tensor) -> np.ndarray:
    """π(·|s) of every state for every model: (M, S, A) float64."""
    return torch.softmax(mlp(params, features), -1).double().numpy()


@torch.no_grad()
def value_tables(params: list[Tensor], features: Tensor) -> np.ndarray:
    """Network outputs of every state for every model: (M, S, A) float64 (the learned r̂)."""
    return mlp(params, features).double().numpy()


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


def _logsumexp_masked(z: np.ndarray) -> np.ndarray:
    top = np.max(z, axis=-1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):  # rows with no allowed action give −inf; callers mask them out
        return safe + np.log(np.sum(np.exp(z - safe[:, None]), axis=-1))
