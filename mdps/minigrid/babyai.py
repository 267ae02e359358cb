"""BabyAI GoToLocal (``BabyAI-GoToLocal-v0``) as the polychromic study's second environment, with a batched numpy
stepper that has exactly minigrid's dynamics and success rule on minigrid's own layouts.

- Configuration i is the layout ``GoToLocal().reset(seed=i)`` produces: one 8×8 room (walls on the border, cells
  1..6 inside), 8 objects (key / ball / box × 6 colours, repeats allowed), the agent's start and direction, and the
  mission "go to the {colour} {type}". Training uses seeds 0..199, unseen configurations seeds 1000..1199.
- Actions: left, right, forward (minigrid's 0, 1, 2). Pick-up, drop, toggle and done are left out (the task does
  not need them; without them objects never move, so a state is (configuration, x, y, direction, step count)).
  Forward moves only onto an empty cell (objects and walls block).
- Success (minigrid's ``GoToInstr.verify_action``, checked after every action, turns included): the cell in front
  of the agent holds an object matching the mission's type and colour (any of them when several match).
- Horizon and reward: minigrid's own, as the paper's BabyAI setting is not stated otherwise. H = ``max_steps`` =
  num_navs · room_size² = 1 · 64 = 64 (``RoomGridLevel.reset``); on success at step t, R = 1 − 0.9·t/H
  (``MiniGridEnv._reward``), else 0; the episode ends at success or at t = H.
- Observation = 54 feature indices for the multi-hot MLP: the 7×7 egocentric view (minigrid's view with
  ``see_through_walls=True``; in one room only the border walls could occlude, and the layout does not depend on
  it), each cell one of 21 classes {empty, wall, 18 objects (type × colour), object matching the mission}, the
  direction, x, y, and the mission's type and colour. Marking matching objects is a fixed function of (view,
  mission) — a mission-conditioned view, the job BabyAI's FiLM layers learn — because a two-layer MLP over
  one-hot features cannot cheaply form the type × colour conjunction.
- Regions for the polychromic diversity: the room's four 3×3 quadrants (x ≤ 3 or ≥ 4, y ≤ 3 or ≥ 4): two
  trajectories are equivalent when they visit the same set of quadrants (the FourRooms room-set rule on one room).
- Snapshots: ``BatchState`` rows (configuration row, x, y, direction, step count) are exact states; ``restore_env``
  puts a minigrid env into one (tested against ``copy.deepcopy``).
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np
from minigrid.core.constants import COLOR_TO_IDX, OBJECT_TO_IDX
from minigrid.envs.babyai import GoToLocal

from mdps.minigrid.envs import _AGENT_CELL, _VIEW_OFFSETS, DIR_VEC, BatchFourRooms, BatchState
from mdps.minigrid.expert import Expert

ENV_ID = "BabyAI-GoToLocal-v0"
ROOM_SIZE = 8
HORIZON = 64
"""minigrid's max_steps for GoToLocal: one navigation × room_size² (``RoomGridLevel.reset``)."""
OBJ_TYPES = ("key", "ball", "box")
NUM_COLOURS = len(COLOR_TO_IDX)
EMPTY, WALL, TARGET = 0, 1, 2 + len(OBJ_TYPES) * NUM_COLOURS
NUM_CLASSES = TARGET + 1
HALF = ROOM_SIZE // 2
_DIR_OFFSET = 49 * NUM_CLASSES
_X_OFFSET = _DIR_OFFSET + 4
_Y_OFFSET = _X_OFFSET + ROOM_SIZE
_TYPE_OFFSET = _Y_OFFSET + ROOM_SIZE
_COLOUR_OFFSET = _TYPE_OFFSET + len(OBJ_TYPES)
NUM_FEATURES = _COLOUR_OFFSET + NUM_COLOURS
FEATURES_PER_OBS = 49 + 5
_CELL_BASE = np.arange(49, dtype=np.int64) * NUM_CLASSES
_TYPE_INDEX = {name: i for i, name in enumerate(OBJ_TYPES)}
_MINIGRID_CODE = np.full((max(OBJECT_TO_IDX.values()) + 1, NUM_COLOURS), -1, dtype=np.int64)
"""minigrid (object index, colour index) → our cell class (−1: not in GoToLocal)."""
_MINIGRID_CODE[OBJECT_TO_IDX["empty"], :] = EMPTY
_MINIGRID_CODE[OBJECT_TO_IDX["wall"], :] = WALL
for _name, _t in _TYPE_INDEX.items():
    _MINIGRID_CODE[OBJECT_TO_IDX[_name], :] = 2 + _t * NUM_COLOURS + np.arange(NUM_COLOURS)


def make_env() -> GoToLocal:
    """minigrid's GoToLocal (room 8, 8 distractors) with the see-through view our observation uses."""
    env = GoToLocal()
    env.see_through_walls = True  # RoomGrid forces False in __init__; only the observation depends on it
    return env


def reset_quietly(env: GoToLocal, config: int) -> dict:
    """``env.reset(seed=config)``, silencing minigrid's "Sampling rejected" prints; returns the observation."""
    if config < 0:
        raise ValueError(f"configuration seeds are >= 0, got {config}")
    with contextlib.redirect_stdout(io.StringIO()):
        obs, _ = env.reset(seed=int(config))
    return obs


def object_code(obj_type: str, colour: str) -> int:
    """Cell class of an object of ``obj_type`` and ``colour``."""
    return 2 + _TYPE_INDEX[obj_type] * NUM_COLOURS + COLOR_TO_IDX[colour]


def restore_env(env: GoToLocal, config: int, x: int, y: int, direction: int, step_count: int) -> dict:
    """Put ``env`` into the exact state (configuration, x, y, direction, step count); returns its observation."""
    reset_quietly(env, config)
    env.agent_pos = (int(x), int(y))
    env.agent_dir = int(direction)
    env.step_count = int(step_count)
    return env.gen_obs()


@dataclass(frozen=True)
class GoToTable:
    """K configurations: cell classes (K, 8, 8) (EMPTY, WALL or an object code), target mask (K, 8, 8) (objects
    matching the mission), start (K, 3) = x, y, direction, mission (K, 2) = type index, colour index."""

    seeds: tuple[int, ...]
    cells: np.ndarray
    targets: np.ndarray
    starts: np.ndarray
    mission: np.ndarray

    @property
    def index(self) -> dict[int, int]:
        return {s: i for i, s in enumerate(self.seeds)}

    @staticmethod
    def build(seeds: tuple[int, ...] | list[int], env: GoToLocal | None = None) -> GoToTable:
        env = env if env is not None else make_env()
        k = len(seeds)
        cells = np.full((k, ROOM_SIZE, ROOM_SIZE), EMPTY, dtype=np.int64)
        targets = np.zeros((k, ROOM_SIZE, ROOM_SIZE), dtype=bool)
        starts = np.zeros((k, 3), dtype=np.int64)
        mission = np.zeros((k, 2), dtype=np.int64)
        for row, seed in enumerate(seeds):
            reset_quietly(env, int(seed))
            desc = env.instrs.desc
            for x in range(ROOM_SIZE):
                for y in range(ROOM_SIZE):
                    cell = env.grid.get(x, y)
                    if cell is not None:
                        cells[row, x, y] = WALL if cell.type == "wall" else object_code(cell.type, cell.color)
            for pos in desc.obj_poss:
                targets[row, int(pos[0]), int(pos[1])] = True
            starts[row] = (env.agent_pos[0], env.agent_pos[1], env.agent_dir)
            mission[row] = (_TYPE_INDEX[desc.type], COLOR_TO_IDX[desc.color])
        return GoToTable(tuple(int(s) for s in seeds), cells, targets, starts, mission)


def encode(obs: dict, x: int, y: int, mission: tuple[int, int]) -> np.ndarray:
    """Feature indices (54,) of one minigrid observation (see-through view) at agent cell (x, y) for the mission
    (type index, colour index): the reference the batched ``observe`` is tested against."""
    image = obs["image"]
    classes = _MINIGRID_CODE[image[:, :, 0], image[:, :, 1]].reshape(49)
    if np.any(classes < 0):
        raise ValueError("observation holds an object GoToLocal does not have")
    target = object_code(OBJ_TYPES[mission[0]], list(COLOR_TO_IDX)[mission[1]])
    classes = np.where(classes == target, TARGET, classes)
    features = np.empty(FEATURES_PER_OBS, dtype=np.int64)
    features[:49] = _CELL_BASE + classes
    features[49:] = (_DIR_OFFSET + obs["direction"], _X_OFFSET + x, _Y_OFFSET + y, _TYPE_OFFSET + mission[0],
                     _COLOUR_OFFSET + mission[1])
    return features


class BatchGoToLocal(BatchFourRooms):
    """Vectorised GoToLocal on a GoToTable: ``observe`` (features), ``step`` and ``region_bits`` for B envs at
    once (start states and seeds as in ``BatchFourRooms``)."""

    def __init__(self, table: GoToTable, horizon: int = HORIZON) -> None:
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        self.table = table
        self.horizon = horizon
        self._index = table.index
        seen = np.where(table.targets, TARGET, table.cells)
        self._padded = np.pad(seen, ((0, 0), (6, 6), (6, 6)), constant_values=WALL)

    def observe(self, s: BatchState) -> np.ndarray:
        """Feature indices (B, 54), identical to ``encode`` of minigrid's (see-through) observation."""
        offsets = _VIEW_OFFSETS[s.direction]
        classes = self._padded[s.row[:, None], s.x[:, None] + offsets[:, :, 0] + 6,
                               s.y[:, None] + offsets[:, :, 1] + 6]
        classes[:, _AGENT_CELL] = EMPTY
        features = np.empty((len(s.row), FEATURES_PER_OBS), dtype=np.int64)
        features[:, :49] = _CELL_BASE + classes
        features[:, 49] = _DIR_OFFSET + s.direction
        features[:, 50] = _X_OFFSET + s.x
        features[:, 51] = _Y_OFFSET + s.y
        features[:, 52] = _TYPE_OFFSET + self.table.mission[s.row, 0]
        features[:, 53] = _COLOUR_OFFSET + self.table.mission[s.row, 1]
        return features

    def step(self, s: BatchState, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance ``s`` in place by ``actions`` (0 left, 1 right, 2 forward); returns reward, done, success."""
        s.t += 1
        s.direction = np.where(actions == 0, (s.direction - 1) % 4,
                               np.where(actions == 1, (s.direction + 1) % 4, s.direction))
        nx, ny = s.x + DIR_VEC[s.direction, 0], s.y + DIR_VEC[s.direction, 1]
        move = (actions == 2) & (self.table.cells[s.row, nx, ny] == EMPTY)
        s.x = np.where(move, nx, s.x)
        s.y = np.where(move, ny, s.y)
        success = self.table.targets[s.row, s.x + DIR_VEC[s.direction, 0], s.y + DIR_VEC[s.direction, 1]]
        done = success | (s.t >= self.horizon)
        reward = np.where(success, 1.0 - 0.9 * s.t / self.horizon, 0.0)
        return reward, done, success

    @staticmethod
    def region_bits(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Quadrant of each cell as a bit, 1 << ((x ≥ 4) + 2·(y ≥ 4))."""
        return 1 << ((np.asarray(x) >= HALF).astype(np.int64) + 2 * (np.asarray(y) >= HALF))


def goal_states(table: GoToTable) -> np.ndarray:
    """(K, 8, 8, 4) bool: the agent stands on an empty cell facing a matching object (success after any action
    that keeps it there, e.g. forward into the object)."""
    x, y, d = np.meshgrid(np.arange(ROOM_SIZE), np.arange(ROOM_SIZE), np.arange(4), indexing="ij")
    fx = np.clip(x + DIR_VEC[d, 0], 0, ROOM_SIZE - 1)
    fy = np.clip(y + DIR_VEC[d, 1], 0, ROOM_SIZE - 1)
    return table.targets[:, fx, fy] & (table.cells == EMPTY)[..., None]


class GoToExpert(Expert):
    """Shortest path to facing a matching object: the Bellman/BFS distances of ``Expert`` on GoToLocal (objects
    and walls block, goal states = ``goal_states``)."""

    def __init__(self, table: GoToTable) -> None:
        self._setup(table, blocked=table.cells != EMPTY, goal=goal_states(table))


def multi_route_configs(table: GoToTable) -> np.ndarray:
    """Configurations where a matching object lies in another quadrant than the agent's start: successful paths can
    then visit different quadrant sets (around either side); with the target in the start quadrant one quadrant-set
    is the natural route."""
    bits = BatchGoToLocal.region_bits
    start = bits(table.starts[:, 0], table.starts[:, 1])
    k, xs, ys = np.nonzero(table.targets)
    other = np.zeros(len(table.seeds), dtype=bool)
    np.logical_or.at(other, k, bits(xs, ys) != start[k])
    return other
