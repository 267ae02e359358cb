"""BabyAI GoToLocal: the batched stepper against minigrid's own env.step, exact snapshots, the expert, regions."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from mdps.minigrid.babyai import (
    FEATURES_PER_OBS,
    HORIZON,
    NUM_FEATURES,
    BatchGoToLocal,
    GoToExpert,
    GoToTable,
    encode,
    make_env,
    multi_route_configs,
    reset_quietly,
    restore_env,
)
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.rollout import run_episodes

CONFIGS = tuple(range(40)) + (1000, 1001, 1002)


@pytest.fixture(scope="module")
def table() -> GoToTable:
    return GoToTable.build(CONFIGS)


def _minigrid_reward(env, terminated: bool) -> float:
    return 1.0 - 0.9 * env.step_count / env.max_steps if terminated else 0.0


def test_horizon_is_minigrid_max_steps(table):
    env = make_env()
    reset_quietly(env, 5)
    assert env.max_steps == HORIZON


@pytest.mark.parametrize("seed, probabilities", [(0, (0.25, 0.25, 0.5)), (1, (0.4, 0.4, 0.2))])
def test_batched_stepper_matches_minigrid_step_by_step(table, seed, probabilities):
    """Random action sequences (forward-heavy, then turn-heavy) on every configuration: position, direction,
    observation, reward and termination equal minigrid's at every step."""
    rng = np.random.default_rng(seed)
    sim = BatchGoToLocal(table)
    envs = [make_env() for _ in CONFIGS]
    for env, seed in zip(envs, CONFIGS):
        reset_quietly(env, seed)
    state = sim.start_states(list(CONFIGS))
    alive = np.ones(len(CONFIGS), dtype=bool)
    successes = 0
    for _ in range(HORIZON):
        features = sim.observe(state)
        for i, env in enumerate(envs):
            if alive[i]:
                mission = tuple(table.mission[i])
                obs = env.gen_obs()
                assert np.array_equal(features[i], encode(obs, *env.agent_pos, mission))
        actions = rng.choice(3, size=len(CONFIGS), p=probabilities)
        reward, done, success = sim.step(state, actions)
        for i, env in enumerate(envs):
            if not alive[i]:
                continue
            _, r, terminated, truncated, _ = env.step(int(actions[i]))
            assert (state.x[i], state.y[i], state.direction[i]) == (*env.agent_pos, env.agent_dir)
            assert success[i] == terminated and done[i] == (terminated or truncated)
            assert reward[i] == pytest.approx(r) and r == pytest.approx(_minigrid_reward(env, terminated))
            successes += bool(terminated)
        alive &= ~done
        if not alive.any():
            break
    assert successes > 0  # the success rule was exercised


def test_snapshot_restore_equals_deepcopy():
    """A state row restored into a fresh env continues exactly as a deepcopy of the original env."""
    rng = np.random.default_rng(1)
    for config in (3, 11, 27):
        env = make_env()
        reset_quietly(env, config)
        for a in rng.choice(3, size=7):
            env.step(int(a))
        clone = copy.deepcopy(env)
        other = make_env()
        restore_env(other, config, *env.agent_pos, env.agent_dir, env.step_count)
        for a in rng.choice(3, size=30):
            out_a, out_b = clone.step(int(a)), other.step(int(a))
            assert out_a[1:4] == out_b[1:4] and np.array_equal(out_a[0]["image"], out_b[0]["image"])
            assert (clone.agent_pos, clone.agent_dir) == (other.agent_pos, other.agent_dir)
            if out_a[2] or out_a[3]:
                break


def test_batch_state_copy_is_a_clone(table):
    """Copying a state row and stepping both copies with the same actions gives identical trajectories."""
    sim = BatchGoToLocal(table)
    rng = np.random.default_rng(2)
    state = sim.start_states(list(CONFIGS))
    sim.step(state, rng.choice(3, size=len(CONFIGS)))
    twin = state.take(np.arange(len(CONFIGS)))
    actions = rng.choice(3, size=len(CONFIGS))
    assert all(np.array_equal(a, b) for a, b in zip(sim.step(state, actions), sim.step(twin, actions)))
    assert np.array_equal(sim.observe(state), sim.observe(twin))


def test_expert_reaches_a_target_on_every_configuration(table):
    sim = BatchGoToLocal(table)
    expert = GoToExpert(table)
    state = sim.start_states(list(CONFIGS))
    distance = expert.start_distance()
    assert np.all(distance < HORIZON)
    steps = np.zeros(len(CONFIGS), dtype=np.int64)
    alive = np.arange(len(CONFIGS))
    while alive.size:
        _, done, success = sim.step(state, expert.act(state))
        steps[alive] += 1
        assert success[done].all()
        alive, state = alive[~done], state.take(~done)
    assert np.array_equal(steps, np.maximum(distance, 1))  # one action even when it starts facing the target


def test_regions_and_multi_route(table):
    bits = BatchGoToLocal.region_bits(np.array([1, 3, 4, 6, 1, 6]), np.array([1, 3, 1, 3, 4, 6]))
    assert bits.tolist() == [1, 1, 2, 2, 4, 8]
    multi = multi_route_configs(table)
    assert multi.dtype == bool and 0 < multi.mean() < 1


def test_rollout_on_goto_uses_quadrant_masks(table):
    """Episodes on GoToLocal carry the 54 features, start at the layouts' starts and record quadrant-set masks."""
    sim = BatchGoToLocal(table)
    policy = ActorCritic(generator=torch.Generator().manual_seed(0), num_features=NUM_FEATURES,
                         features_per_obs=FEATURES_PER_OBS)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small batches: one thread is faster, and kind to a shared machine
    try:
        episodes = run_episodes(sim, policy, sim.start_states(list(CONFIGS)), torch.Generator().manual_seed(1))
    finally:
        torch.set_num_threads(threads)
    assert episodes.features.shape[1] == FEATURES_PER_OBS
    assert np.array_equal(episodes.positions[episodes.starts], table.starts)
    assert np.all((episodes.room_masks > 0) & (episodes.room_masks < 16))
    start_bits = BatchGoToLocal.region_bits(table.starts[:, 0], table.starts[:, 1])
    assert np.all(episodes.room_masks & start_bits)
