"""Polychromic speed: PPO environment steps per second (rollout + update) against raw minigrid ``env.step``
throughput, measured back to back in one process, and the vine share of a Poly-PPO iteration, on FourRooms and on
BabyAI GoToLocal; and the batched GoToLocal stepper (``mdps.minigrid.babyai``) against minigrid's ``env.step``.

Run: ``.venv/bin/python -m pytest benchmarks/perf/test_polychromic_speed.py -s`` (ratios are printed and stored
in ``extra_info``; absolute numbers depend on the machine's load, the ratios much less).
"""
from __future__ import annotations

import time

import numpy as np
import torch

from mdps.minigrid import babyai
from mdps.minigrid.envs import (
    FEATURES_PER_OBS,
    NUM_FEATURES,
    TRAIN_CONFIGS,
    BatchFourRooms,
    FourRooms,
    LayoutTable,
    make_env,
)
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.ppo import TrainArgs, TrainGenerators, TrainLog, train
from mdps.minigrid.rollout import run_episodes

FOURROOMS_FEATURES = (NUM_FEATURES, FEATURES_PER_OBS)
BABYAI_FEATURES = (babyai.NUM_FEATURES, babyai.FEATURES_PER_OBS)


def raw_env_steps_per_second(steps: int = 6000, env_id: str = "MiniGrid-FourRooms-v0") -> float:
    """Uniformly random actions on minigrid's own env, reset (seeded) at episode end. FourRooms counts the resets
    in the time (as it always has); GoToLocal's reset regenerates the level by rejection sampling (~2 ms), so only
    its ``env.step`` calls are timed."""
    goto = env_id == babyai.ENV_ID
    env, rng = (babyai.make_env() if goto else make_env()), np.random.default_rng(0)
    if goto:
        babyai.reset_quietly(env, 0)
    else:
        env.reset(seed=0)
    actions = rng.integers(3, size=steps)
    stepping = 0.0
    start = time.perf_counter()
    for i in range(steps):
        before = time.perf_counter()
        _, _, terminated, truncated, _ = env.step(int(actions[i]))
        stepping += time.perf_counter() - before
        if terminated or truncated:
            babyai.reset_quietly(env, i % 200) if goto else env.reset(seed=int(i % 200))
    return steps / (stepping if goto else time.perf_counter() - start)


def _train(method: str, steps: int, sim: BatchFourRooms, features: tuple[int, int] = FOURROOMS_FEATURES):
    policy = ActorCritic(generator=torch.Generator().manual_seed(0), num_features=features[0],
                         features_per_obs=features[1])
    args = TrainArgs(method=method, total_steps=steps)
    streams = TrainGenerators(torch.Generator().manual_seed(0), torch.Generator().manual_seed(1),
                              np.random.default_rng(0))
    return train(sim, policy, TRAIN_CONFIGS, args, streams)


def training_figures(ppo: TrainLog, poly: TrainLog, raw: float) -> dict[str, float]:
    """SPS of PPO and Poly-PPO and their ratio to raw ``env.step``, PPO's update share, Poly's vine shares."""
    poly_elapsed = poly.rollout_s + poly.vine_s + poly.update_s
    return dict(raw_env_step_sps=raw, ppo_sps=ppo.sps, poly_sps=poly.sps, ppo_over_raw=ppo.sps / raw,
                poly_over_raw=poly.sps / raw, ppo_update_fraction=ppo.update_s / (ppo.rollout_s + ppo.update_s),
                poly_vine_time_fraction=poly.vine_s / poly_elapsed,
                poly_vine_step_fraction=poly.vine_steps / poly.total_steps)


def _record(benchmark, measure, results: dict[str, float]) -> None:
    """Run ``measure`` once under pytest-benchmark, store and print its figures, check they are sane."""
    benchmark.pedantic(measure, rounds=1, iterations=1)
    benchmark.extra_info.update(results)
    print({k: round(v, 3) for k, v in results.items()})
    assert results["ppo_sps"] > 0 and 0 < results["poly_vine_time_fraction"] < 1


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
        results.update(training_figures(ppo, poly, (raw_before + raw_after) / 2), eval_rollout_sps=rollout_sps)

    _record(benchmark, measure, results)


def test_babyai_batched_stepper_vs_env_step(benchmark):
    """GoToLocal: the batched numpy stepper (3,200 envs: 200 configurations × 16, uniformly random actions, finished
    envs restarted) against minigrid's ``env.step``; and PPO / Poly-PPO SPS with the vine share, as for FourRooms."""
    torch.set_num_threads(1)
    sim = babyai.BatchGoToLocal(babyai.GoToTable.build(TRAIN_CONFIGS))
    results = {}

    def measure():
        raw = raw_env_steps_per_second(6000, babyai.ENV_ID)
        rng = np.random.default_rng(0)
        seeds = np.repeat(TRAIN_CONFIGS, 16)
        state, steps, elapsed = sim.start_states(seeds), 0, 0.0
        fresh = sim.start_states(seeds)
        for _ in range(40):
            actions = rng.integers(3, size=len(seeds))
            before = time.perf_counter()
            _, done, _ = sim.step(state, actions)
            elapsed += time.perf_counter() - before
            steps += len(seeds)
            for name in ("row", "x", "y", "direction", "t"):
                getattr(state, name)[done] = getattr(fresh, name)[done]
        before = time.perf_counter()
        sim.observe(state)
        observe_s = time.perf_counter() - before
        ppo = _train("ppo", 30_000, sim, BABYAI_FEATURES)
        poly = _train("poly", 30_000, sim, BABYAI_FEATURES)
        results.update(training_figures(ppo, poly, raw), batched_step_sps=steps / elapsed,
                       batched_over_raw=steps / elapsed / raw, batched_observe_sps=len(seeds) / observe_s)

    _record(benchmark, measure, results)
    assert results["batched_step_sps"] > 0
