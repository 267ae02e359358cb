"""Polychromic speed: PPO environment steps per second (rollout + update) against raw minigrid ``env.step``
throughput, measured back to back in one process, and the vine share of a Poly-PPO iteration.

Run: ``.venv/bin/python -m pytest benchmarks/perf/test_polychromic_speed.py -s`` (ratios are printed and stored
in ``extra_info``; absolute numbers depend on the machine's load, the ratios much less).
"""
from __future__ import annotations

import time

import numpy as np
import torch

from mdps.minigrid.envs import TRAIN_CONFIGS, BatchFourRooms, FourRooms, LayoutTable, make_env
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.ppo import TrainArgs, TrainGenerators, train
from mdps.minigrid.rollout import run_episodes


def raw_env_steps_per_second(steps: int = 6000) -> float:
    """Uniformly random actions on minigrid's FourRoomsEnv, reset (seeded) at episode end."""
    env, rng = make_env(), np.random.default_rng(0)
    env.reset(seed=0)
    actions = rng.integers(3, size=steps)
    start = time.perf_counter()
    for i in range(steps):
        _, _, terminated, truncated, _ = env.step(int(actions[i]))
        if terminated or truncated:
            env.reset(seed=int(i % 200))
    return steps / (time.perf_counter() - start)


def _train(method: str, steps: int, sim: BatchFourRooms):
    policy = ActorCritic(generator=torch.Generator().manual_seed(0))
    args = TrainArgs(method=method, total_steps=steps)
    streams = TrainGenerators(torch.Generator().manual_seed(0), torch.Generator().manual_seed(1),
                              np.random.default_rng(0))
    return train(sim, policy, TRAIN_CONFIGS, args, streams)


def test_ppo_sps_vs_raw_env_step(benchmark):
    torch.set_num_threads(1)
    sim = BatchFourRooms(LayoutTable.build(FourRooms(), TRAIN_CONFIGS))
    results = {}

    def measure():
        raw_before = raw_env_steps_per_second()
        ppo = _train("ppo", 40_000, sim)
        poly = _train("poly", 40_000, sim)
        raw_after = raw_env_steps_per_second()
        start = time.perf_counter()
        episodes = run_episodes(sim, ActorCritic(), sim.start_states(np.repeat(TRAIN_CONFIGS, 16)),
                                torch.Generator().manual_seed(0))
        rollout_sps = episodes.num_steps / (time.perf_counter() - start)
        raw = (raw_before + raw_after) / 2
        poly_elapsed = poly.rollout_s + poly.vine_s + poly.update_s
        results.update(raw_env_step_sps=raw, ppo_sps=ppo.sps, poly_sps=poly.sps, eval_rollout_sps=rollout_sps,
                       ppo_over_raw=ppo.sps / raw, poly_over_raw=poly.sps / raw,
                       ppo_update_fraction=ppo.update_s / (ppo.rollout_s + ppo.update_s),
                       poly_vine_time_fraction=poly.vine_s / poly_elapsed,
                       poly_vine_step_fraction=poly.vine_steps / poly.total_steps)

    benchmark.pedantic(measure, rounds=1, iterations=1)
    benchmark.extra_info.update(results)
    print({k: round(v, 3) for k, v in results.items()})
    assert results["ppo_sps"] > 0 and 0 < results["poly_vine_time_fraction"] < 1
