"""Lockstep episode collection on the vectorised FourRooms: one batched policy forward per step.

``run_episodes`` plays one episode from each start state (configuration starts, or mid-episode states for
vines) all at once: each step encodes the active envs, runs one forward, samples actions with the caller's
``torch.Generator`` (the only randomness, so runs are reproducible) and steps the active envs in numpy. Works on
any stepper with FourRooms' interface (``babyai.BatchGoToLocal`` too); the visited-region mask uses the
stepper's ``region_bits`` when it has one, FourRooms' rooms otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mdps.minigrid.envs import WALL_LINE, BatchFourRooms, BatchState
from mdps.minigrid.policy import ActorCritic


@dataclass
class Episodes:
    """Flat per-step arrays (episode-major, steps in time order) plus per-episode summaries."""

    features: np.ndarray  # (S, 52) int64 observation features at each decision
    actions: np.ndarray  # (S,) int64
    logits: np.ndarray  # (S, 3) float32 behaviour-policy logits
    rewards: np.ndarray  # (S,) float64
    positions: np.ndarray  # (S, 3) int64 agent x, y, direction before the action
    step_counts: np.ndarray  # (S,) int64 env step counter before the action
    rows: np.ndarray  # (S,) layout-table row of the step's configuration
    starts: np.ndarray  # (E,) index of each episode's first step
    lengths: np.ndarray  # (E,)
    configs: np.ndarray  # (E,)
    success: np.ndarray  # (E,) bool
    returns: np.ndarray  # (E,) episode reward (0 or 1 − 0.5·t/H)
    room_masks: np.ndarray  # (E,) 4-bit set of rooms visited (start cell and every cell reached)

    @property
    def num_steps(self) -> int:
        return int(self.actions.shape[0])

    @property
    def episode_ids(self) -> np.ndarray:
        """(S,) episode index of every step."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def states(self, steps: np.ndarray) -> BatchState:
        """Exact env states before the given flat steps (for vines: copying a state is cloning the env)."""
        x, y, d = (self.positions[steps, i] for i in range(3))
        return BatchState(self.rows[steps].copy(), x.copy(), y.copy(), d.copy(), self.step_counts[steps].copy())

    def entropy(self) -> float:
        """Mean per-step entropy of the behaviour policy along these episodes (nats)."""
        logp = torch.log_softmax(torch.as_tensor(self.logits, dtype=torch.float64), dim=-1)
        return float(-(logp.exp() * logp).sum(-1).mean()) if self.num_steps else 0.0


def room_bits(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Room of each cell as a bit (1 << quadrant); 0 for doorway / wall-line cells (x = 9 or y = 9)."""
    inside = (x != WALL_LINE) & (y != WALL_LINE)
    return np.where(inside, 1 << ((x > WALL_LINE).astype(np.int64) + 2 * (y > WALL_LINE)), 0)


@torch.no_grad()
def run_episodes(sim: BatchFourRooms, policy: ActorCritic, start: BatchState, generator: torch.Generator,
                 ) -> Episodes:
    """One episode from each of the B start states (not modified), sampled from ``policy`` with ``generator``."""
    count = len(start.row)
    state = start.take(np.arange(count))
    active = np.arange(count)
    success = np.zeros(count, dtype=bool)
    returns = np.zeros(count)
    regions = getattr(sim, "region_bits", room_bits)  # GoToLocal: quadrants of its one room; FourRooms: rooms
    masks = regions(state.x, state.y)
    records = []
    while active.size:
        features = sim.observe(state)
        logits = policy.logits(torch.from_numpy(features))
        actions = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(1).numpy()
        before = (state.x.copy(), state.y.copy(), state.direction.copy(), state.t.copy())
        reward, done, reached = sim.step(state, actions)
        masks[active] |= regions(state.x, state.y)
        records.append((active, features, actions, logits.numpy(), reward, before, state.row))
        success[active[done]] = reached[done]
        returns[active[done]] = reward[done]
        keep = ~done
        active = active[keep]
        state = state.take(keep)
    episode_of = np.concatenate([r[0] for r in records])
    order = np.argsort(episode_of, kind="stable")
    lengths = np.bincount(episode_of, minlength=count)

    def cat(i: int) -> np.ndarray:
        return np.concatenate([r[i] for r in records])[order]

    positions = np.stack([np.concatenate([r[5][j] for r in records])[order] for j in range(3)], axis=1)
    return Episodes(
        features=cat(1), actions=cat(2).astype(np.int64), logits=cat(3), rewards=cat(4), positions=positions,
        step_counts=np.concatenate([r[5][3] for r in records])[order], rows=cat(6),
        starts=np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64), lengths=lengths,
        configs=sim.seeds_of(start.row), success=success, returns=returns, room_masks=masks,
    )
