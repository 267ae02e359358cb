"""MiniGrid FourRooms as used by the polychromic paper: fixed configurations, horizon H = 100, the paper's
reward, an explicit room rule, exact snapshots for vines, and a compact observation encoding.

- Configuration i is the layout ``FourRoomsEnv(max_steps=H).reset(seed=i)`` produces (walls, doorways, goal,
  agent start). Training uses seeds 0..199, robustness uses unseen seeds 1000..1199.
- Reward on reaching the goal at step t: R = 1 − 0.5·t/H (the paper's; minigrid's own is 1 − 0.9·t/H), else 0.
- Actions: left, right, forward (minigrid's 0, 1, 2; the others do nothing in FourRooms).
- Rooms: the 19×19 grid has walls on x ∈ {0, 9, 18} and y ∈ {0, 9, 18}; room = (x > 9) + 2·(y > 9) for cells
  strictly inside a quadrant; doorway cells (x = 9 or y = 9) belong to no room (room −1).
- Snapshot = (configuration, agent position, direction, step count). With the three navigation actions
  FourRooms never mutates its grid and ``step`` draws no random numbers, so restoring a snapshot onto an env
  holding that configuration's grid is an exact clone (tested against ``copy.deepcopy``).
- Observation = 52 integer feature indices for a sum-embedding (≡ a one-hot linear layer): the 7×7 egocentric
  view's cell classes {unseen, empty, wall, goal} (49; minigrid's view with ``see_through_walls=True``), the
  direction, and the agent's x and y.
- ``BatchFourRooms`` steps thousands of envs at once in numpy with exactly minigrid's dynamics and view on
  minigrid's own layouts (tests compare it step by step with ``FourRoomsEnv.step``); training and evaluation
  use it, the minigrid pool serves as the reference and for the raw ``env.step`` speed baseline.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from minigrid.envs import FourRoomsEnv

HORIZON = 100
NUM_ACTIONS = 3
GRID_SIZE = 19
WALL_LINE = 9
TRAIN_CONFIGS = tuple(range(200))
UNSEEN_CONFIGS = tuple(range(1000, 1200))
ENV_IDS = ("MiniGrid-FourRooms-v0",)

# observation feature layout: 49 cells × 4 classes | 4 directions | x (19) | y (19)
_CELL_CLASSES = 4
_OBJ_TO_CLASS = np.zeros(256, dtype=np.int64)  # minigrid object index → class; unseen (0) → 0
_OBJ_TO_CLASS[1] = 1  # empty
_OBJ_TO_CLASS[2] = 2  # wall
_OBJ_TO_CLASS[8] = 3  # goal
_DIR_OFFSET = 49 * _CELL_CLASSES
_X_OFFSET = _DIR_OFFSET + 4
_Y_OFFSET = _X_OFFSET + GRID_SIZE
NUM_FEATURES = _Y_OFFSET + GRID_SIZE
FEATURES_PER_OBS = 49 + 3
_CELL_BASE = np.arange(49, dtype=np.int64) * _CELL_CLASSES


def check_env_id(env_id: str) -> str:
    """The env id if supported, else a ValueError naming it."""
    if env_id not in ENV_IDS:
        raise ValueError(f"unknown env id {env_id!r} (supported: {', '.join(ENV_IDS)})")
    return env_id


def make_env(env_id: str = "MiniGrid-FourRooms-v0", horizon: int = HORIZON) -> FourRoomsEnv:
    """The raw (unwrapped) minigrid env; horizon H is its ``max_steps``."""
    check_env_id(env_id)
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    return FourRoomsEnv(max_steps=horizon, see_through_walls=True)


def paper_reward(step_count: int, horizon: int) -> float:
    """R = 1 − 0.5·t/H on success at step t (paper's FourRooms reward)."""
    return 1.0 - 0.5 * step_count / horizon


def room_of(x: int, y: int) -> int:
    """Room of a cell: quadrant index 0..3, or −1 for doorway / wall-line cells (x = 9 or y = 9)."""
    if x == WALL_LINE or y == WALL_LINE:
        return -1
    return int(x > WALL_LINE) + 2 * int(y > WALL_LINE)


def room_mask(path_x: np.ndarray, path_y: np.ndarray) -> int:
    """Set of rooms a path visits, as a 4-bit mask (doorway cells contribute nothing)."""
    x, y = np.asarray(path_x), np.asarray(path_y)
    inside = (x != WALL_LINE) & (y != WALL_LINE)
    rooms = (x[inside] > WALL_LINE).astype(np.int64) + 2 * (y[inside] > WALL_LINE)
    return int(np.bitwise_or.reduce(1 << rooms)) if rooms.size else 0


@dataclass(frozen=True)
class Snapshot:
    """Exact FourRooms state: configuration seed, agent position and direction, step count."""

    config: int
    x: int
    y: int
    direction: int
    step_count: int


@dataclass(frozen=True)
class Layout:
    """A configuration's static content: its grid object, goal cell and the agent's start."""

    grid: object
    goal: tuple[int, int]
    start: Snapshot


class FourRooms:
    """A pool of minigrid FourRooms envs stepped by index, with per-configuration layout caching.

    ``restore(slot, snapshot)`` puts env ``slot`` into an exact state; ``step(slot, action)`` returns
    (reward, done, success). Layouts come from ``reset(seed=config)`` once and are shared (never mutated).
    """

    def __init__(self, env_id: str = "MiniGrid-FourRooms-v0", horizon: int = HORIZON) -> None:
        self.env_id = check_env_id(env_id)
        self.horizon = horizon
        self.envs: list[FourRoomsEnv] = []
        self._layouts: dict[int, Layout] = {}
        self._generator = make_env(env_id, horizon)

    def layout(self, config: int) -> Layout:
        """The configuration's layout (generated by ``reset(seed=config)`` on first use)."""
        if config not in self._layouts:
            if config < 0:
                raise ValueError(f"configuration seeds are >= 0, got {config}")
            env = self._generator
            env.reset(seed=int(config))
            goal = next((x, y) for x in range(GRID_SIZE) for y in range(GRID_SIZE)
                        if (cell := env.grid.get(x, y)) is not None and cell.type == "goal")
            start = Snapshot(int(config), int(env.agent_pos[0]), int(env.agent_pos[1]), int(env.agent_dir), 0)
            self._layouts[config] = Layout(env.grid, goal, start)  # reset() builds a new Grid: never mutated
        return self._layouts[config]

    def ensure(self, slots: int) -> None:
        """Have at least ``slots`` envs."""
        while len(self.envs) < slots:
            self.envs.append(make_env(self.env_id, self.horizon))

    def restore(self, slot: int, snapshot: Snapshot) -> dict:
        """Put env ``slot`` into ``snapshot``'s state; return its observation dict."""
        env = self.envs[slot]
        env.grid = self.layout(snapshot.config).grid
        env.agent_pos = (snapshot.x, snapshot.y)
        env.agent_dir = snapshot.direction
        env.step_count = snapshot.step_count
        env.carrying = None
        return env.gen_obs()

    def snapshot(self, slot: int, config: int) -> Snapshot:
        """The exact state of env ``slot`` (which holds configuration ``config``)."""
        env = self.envs[slot]
        return Snapshot(config, int(env.agent_pos[0]), int(env.agent_pos[1]), int(env.agent_dir), env.step_count)

    @staticmethod
    def snapshot_of(env: FourRoomsEnv, config: int) -> Snapshot:
        """The exact state of any FourRooms env holding configuration ``config``."""
        return Snapshot(config, int(env.agent_pos[0]), int(env.agent_pos[1]), int(env.agent_dir), env.step_count)

    def step(self, slot: int, action: int) -> tuple[dict, float, bool, bool]:
        """One minigrid step with the paper's reward: (obs, reward, done, success)."""
        env = self.envs[slot]
        obs, _, terminated, truncated, _ = env.step(action)
        reward = paper_reward(env.step_count, self.horizon) if terminated else 0.0
        return obs, reward, terminated or truncated, terminated


def encode(observations: list[dict], positions: np.ndarray) -> np.ndarray:
    """Feature indices (B, 52) of B observations: cell classes of the 7×7 view, direction, agent x, y."""
    images = np.stack([o["image"][:, :, 0] for o in observations]).reshape(len(observations), 49)
    features = np.empty((len(observations), FEATURES_PER_OBS), dtype=np.int64)
    features[:, :49] = _CELL_BASE + _OBJ_TO_CLASS[images]
    features[:, 49] = _DIR_OFFSET + np.fromiter((o["direction"] for o in observations), np.int64,
                                                len(observations))
    features[:, 50] = _X_OFFSET + positions[:, 0]
    features[:, 51] = _Y_OFFSET + positions[:, 1]
    return features


# ---------------------------------------------------------------------------------------------------------
# Vectorised FourRooms (exact re-implementation of minigrid's step and view on minigrid's layouts)

DIR_VEC = np.array([(1, 0), (0, 1), (-1, 0), (0, -1)], dtype=np.int64)  # 0 right, 1 down, 2 left, 3 up
# view cell (i, j) with the agent at (3, 6) facing "up": forward = 6 − j, right = i − 3 → world offset
_VIEW_I, _VIEW_J = np.meshgrid(np.arange(7), np.arange(7), indexing="ij")
_FORWARD, _RIGHT = (6 - _VIEW_J).reshape(-1), (_VIEW_I - 3).reshape(-1)
_VIEW_OFFSETS = np.stack([_FORWARD[:, None] * DIR_VEC[d] + _RIGHT[:, None] * DIR_VEC[(d + 1) % 4]
                          for d in range(4)])  # (4, 49, 2)
_AGENT_CELL = 3 * 7 + 6  # flat view index of the agent's own cell (always seen as empty)


@dataclass(frozen=True)
class LayoutTable:
    """Arrays of K configurations: cell classes (K, 19, 19) with 1 empty / 2 wall / 3 goal, goal (K, 2), start
    state (K, 3) = x, y, direction; ``index`` maps configuration seeds to rows."""

    seeds: tuple[int, ...]
    cells: np.ndarray
    goals: np.ndarray
    starts: np.ndarray

    @property
    def index(self) -> dict[int, int]:
        return {s: i for i, s in enumerate(self.seeds)}

    @staticmethod
    def build(pool: FourRooms, seeds: tuple[int, ...] | list[int]) -> LayoutTable:
        cells = np.ones((len(seeds), GRID_SIZE, GRID_SIZE), dtype=np.int64)
        goals = np.zeros((len(seeds), 2), dtype=np.int64)
        starts = np.zeros((len(seeds), 3), dtype=np.int64)
        for k, seed in enumerate(seeds):
            layout = pool.layout(int(seed))
            for x in range(GRID_SIZE):
                for y in range(GRID_SIZE):
                    cell = layout.grid.get(x, y)
                    if cell is not None:
                        cells[k, x, y] = {"wall": 2, "goal": 3}[cell.type]
            goals[k] = layout.goal
            starts[k] = (layout.start.x, layout.start.y, layout.start.direction)
        return LayoutTable(tuple(int(s) for s in seeds), cells, goals, starts)


@dataclass
class BatchState:
    """B env states: configuration row, x, y, direction, step count (all (B,) int64). Copying rows = cloning."""

    row: np.ndarray
    x: np.ndarray
    y: np.ndarray
    direction: np.ndarray
    t: np.ndarray

    def take(self, index: np.ndarray) -> BatchState:
        return BatchState(self.row[index], self.x[index], self.y[index], self.direction[index], self.t[index])


class BatchFourRooms:
    """Vectorised FourRooms on a LayoutTable: ``observe`` (features) and ``step`` for B envs at once."""

    def __init__(self, table: LayoutTable, horizon: int = HORIZON) -> None:
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        self.table = table
        self.horizon = horizon
        self._index = table.index
        self._padded = np.pad(table.cells, ((0, 0), (3 * 2, 3 * 2), (3 * 2, 3 * 2)), constant_values=2)

    def start_states(self, seeds: np.ndarray | list[int]) -> BatchState:
        rows = np.array([self._index[int(s)] for s in seeds], dtype=np.int64)
        start = self.table.starts[rows]
        return BatchState(rows, start[:, 0].copy(), start[:, 1].copy(), start[:, 2].copy(), np.zeros_like(rows))

    def seeds_of(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.table.seeds, dtype=np.int64)[rows]

    def observe(self, s: BatchState) -> np.ndarray:
        """Feature indices (B, 52), identical to ``encode`` of minigrid's observation (see-through view)."""
        offsets = _VIEW_OFFSETS[s.direction]  # (B, 49, 2)
        vx = s.x[:, None] + offsets[:, :, 0] + 6
        vy = s.y[:, None] + offsets[:, :, 1] + 6
        classes = self._padded[s.row[:, None], vx, vy]
        classes[:, _AGENT_CELL] = 1
        features = np.empty((len(s.row), FEATURES_PER_OBS), dtype=np.int64)
        features[:, :49] = _CELL_BASE + classes
        features[:, 49] = _DIR_OFFSET + s.direction
        features[:, 50] = _X_OFFSET + s.x
        features[:, 51] = _Y_OFFSET + s.y
        return features

    def step(self, s: BatchState, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance ``s`` in place by ``actions`` (0 left, 1 right, 2 forward); returns reward, done, success."""
        s.t += 1
        s.direction = np.where(actions == 0, (s.direction - 1) % 4,
                               np.where(actions == 1, (s.direction + 1) % 4, s.direction))
        forward = actions == 2
        nx, ny = s.x + DIR_VEC[s.direction, 0], s.y + DIR_VEC[s.direction, 1]
        target = self.table.cells[s.row, np.clip(nx, 0, GRID_SIZE - 1), np.clip(ny, 0, GRID_SIZE - 1)]
        move = forward & (target != 2)
        s.x = np.where(move, nx, s.x)
        s.y = np.where(move, ny, s.y)
        success = move & (target == 3)
        done = success | (s.t >= self.horizon)
        reward = np.where(success, 1.0 - 0.5 * s.t / self.horizon, 0.0)
        return reward, done, success
