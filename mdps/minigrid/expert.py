"""Shortest-path expert over (x, y, direction) and behaviour-cloning pre-training.

The expert's distance table d(x, y, dir) = fewest actions (left, right, forward) to reach a goal state (FourRooms:
on the goal cell; GoToLocal: facing a matching object, ``babyai.GoToExpert``); it is the BFS distance on the state
graph, computed for all configurations at once by the Bellman iteration d ← min_a (1 + d(next(s, a))), d(goal) = 0,
run to its fixed point (unit edge costs: the fixed point reached from d = ∞ is the BFS distance). The expert's
action is argmin_a d(next(s, a)) (ties → forward, left, right). Demonstrations mix in uniformly random actions with
probability ``noise``; BC minimises the cross-entropy of the actions actually taken, so the cloned start policy is
stochastic and leaves headroom.
"""
from __future__ import annotations

import numpy as np
import torch

from mdps.minigrid.envs import DIR_VEC, GRID_SIZE, NUM_ACTIONS, BatchFourRooms, BatchState, LayoutTable
from mdps.minigrid.policy import ActorCritic

UNREACHABLE = 10**6
_PREFERENCE = (2, 0, 1)  # forward, left, right


def _successors(blocked: np.ndarray) -> np.ndarray:
    """(K, G, G, 4, 3) flat successor index (x·G·4 + y·4 + d) for actions left, right, forward on K grids of
    G × G cells, where forward into a ``blocked`` cell (or off the grid) leaves the agent in place."""
    k, size = blocked.shape[0], blocked.shape[1]
    x, y, d = np.meshgrid(np.arange(size), np.arange(size), np.arange(4), indexing="ij")
    nx, ny = x + DIR_VEC[d, 0], y + DIR_VEC[d, 1]
    inside = (nx >= 0) & (nx < size) & (ny >= 0) & (ny < size)
    cx, cy = np.clip(nx, 0, size - 1), np.clip(ny, 0, size - 1)
    stopped = blocked[:, cx, cy] | ~inside[None]
    fx, fy = np.where(stopped, x[None], cx[None]), np.where(stopped, y[None], cy[None])
    flat = lambda a, b, c: (a * size + b) * 4 + c  # noqa: E731
    left = np.broadcast_to(flat(x, y, (d - 1) % 4), (k, *x.shape))
    right = np.broadcast_to(flat(x, y, (d + 1) % 4), (k, *x.shape))
    return np.stack([left, right, flat(fx, fy, np.broadcast_to(d, fx.shape))], axis=-1)


def shortest_distances(successors: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """d[k, x, y, dir]: fewest actions from (x, y, dir) to a goal state of grid k (UNREACHABLE where none is
    reachable), by the Bellman iteration from d = ∞ on the ``(K, G, G, 4, 3)`` successor table."""
    k, shape = goal.shape[0], goal.shape
    successors = successors.reshape(k, -1, NUM_ACTIONS)
    goal = goal.reshape(k, -1)
    dist = np.where(goal, 0, UNREACHABLE).astype(np.int64)
    rows = np.arange(k)[:, None, None]
    while True:
        new = np.minimum(dist, 1 + dist[rows, successors].min(-1))
        new[goal] = 0
        new = np.minimum(new, UNREACHABLE)
        if np.array_equal(new, dist):
            return dist.reshape(shape)
        dist = new


def _goal_cells(table: LayoutTable) -> np.ndarray:
    """(K, 19, 19, 4) bool: FourRooms goal states (on the goal cell, any direction)."""
    k = len(table.seeds)
    goal = np.zeros((k, GRID_SIZE, GRID_SIZE, 4), dtype=bool)
    goal[np.arange(k), table.goals[:, 0], table.goals[:, 1], :] = True
    return goal


def distance_tables(table: LayoutTable) -> np.ndarray:
    """d[k, x, y, dir]: fewest actions from (x, y, dir) to configuration k's goal (UNREACHABLE for walls)."""
    return shortest_distances(_successors(table.cells == 2), _goal_cells(table))


class Expert:
    """Greedy shortest-path actions on every configuration of a layout table (FourRooms: reach the goal cell)."""

    def __init__(self, table: LayoutTable) -> None:
        self._setup(table, table.cells == 2, _goal_cells(table))

    def _setup(self, table, blocked: np.ndarray, goal: np.ndarray) -> None:
        """Distances to the ``goal`` states with forward moves stopped by ``blocked`` cells, and greedy actions."""
        self.table = table
        successors = _successors(blocked)
        self.dist = shortest_distances(successors, goal)
        k = len(table.seeds)
        flat = self.dist.reshape(k, -1)
        costs = flat[np.arange(k)[:, None, None, None, None], successors]  # (K, G, G, 4, 3) left, right, fwd
        ordered = costs[..., list(_PREFERENCE)]
        self.actions = np.asarray(_PREFERENCE)[ordered.argmin(-1)]  # (K, G, G, 4)

    def act(self, state: BatchState) -> np.ndarray:
        return self.actions[state.row, state.x, state.y, state.direction]

    def start_distance(self) -> np.ndarray:
        s = self.table.starts
        return self.dist[np.arange(len(s)), s[:, 0], s[:, 1], s[:, 2]]


def demonstrations(sim: BatchFourRooms, expert: Expert, episodes_per_config: int, noise: float,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(features, actions) of noisy expert episodes on every configuration of ``sim``'s table: each action is
    uniform random with probability ``noise``."""
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise}")
    seeds = np.repeat(np.asarray(sim.table.seeds), episodes_per_config)
    state = sim.start_states(seeds)
    features, actions = [], []
    while len(state.row):
        chosen = np.where(rng.random(len(state.row)) < noise, rng.integers(NUM_ACTIONS, size=len(state.row)),
                          expert.act(state))
        features.append(sim.observe(state))
        actions.append(chosen)
        _, done, _ = sim.step(state, chosen)
        state = state.take(~done)
    return np.concatenate(features), np.concatenate(actions).astype(np.int64)


def behaviour_cloning(policy: ActorCritic, features: np.ndarray, actions: np.ndarray, epochs: float,
                      batch_size: int, lr: float, generator: torch.Generator) -> list[float]:
    """Cross-entropy BC of the actor with Adam for ``epochs`` passes (fractional allowed); returns the losses."""
    if epochs <= 0:
        raise ValueError(f"bc epochs must be > 0, got {epochs}")
    x, y = torch.from_numpy(features), torch.from_numpy(actions)
    optimizer = torch.optim.Adam(policy.actor.parameters(), lr=lr)
    total = int(round(epochs * len(y)))
    losses: list[float] = []
    done = 0
    while done < total:
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            if done >= total:
                break
            index = order[start:start + batch_size]
            loss = torch.nn.functional.cross_entropy(policy.logits(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            done += len(index)
    return losses
