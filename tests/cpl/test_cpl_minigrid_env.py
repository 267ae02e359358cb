"""FourRooms as a tabular MDP (read off BatchFourRooms.step) agrees with the real minigrid environment;
oracle, offline RL and batched-network sanity checks."""
from __future__ import annotations

import gymnasium as gym
import minigrid  # noqa: F401
import numpy as np
import pytest
import torch

from mdps.minigrid.cpl import fourrooms_grid, noisy_expert, offline_soft_vi, one_step_offline_rl, success_probability
from mdps.minigrid.cpl_networks import PairData, policy_tables, train_networks
from mdps.tabular.mdp import soft_value_iteration

ENV = "MiniGrid-FourRooms-v0"


@pytest.fixture(scope="module")
def grid():
    return fourrooms_grid(3, alpha=0.5, gamma=0.99)


def test_tabular_transitions_match_minigrid_steps(grid):
    env = gym.make(ENV)
    env.reset(seed=3)
    u = env.unwrapped
    index = {tuple(p): i for i, p in enumerate(grid.poses)}
    state = index[(int(u.agent_pos[0]), int(u.agent_pos[1]), int(u.agent_dir))]
    rng = np.random.default_rng(0)
    assert state == grid.start_state
    for _ in range(300):
        action = int(rng.integers(3))
        _, reward, terminated, truncated, _ = env.step(action)
        expected = int(np.argmax(grid.mdp.transitions[state, action]))
        if terminated:
            assert expected == grid.absorbing and reward > 0
            break
        state = index[(int(u.agent_pos[0]), int(u.agent_pos[1]), int(u.agent_dir))]
        assert state == expected
        if truncated:
            env.reset(seed=3)
            state = grid.start_state
    env.close()


def test_oracle_succeeds_and_random_policy_rarely_does(grid):
    opt = soft_value_iteration(grid.mdp, 0.5)
    assert success_probability(grid, opt.policy)[0] > 0.99
    uniform = np.full((grid.mdp.num_states, 3), 1 / 3)
    assert success_probability(grid, uniform)[0] < success_probability(grid, noisy_expert(opt.q, 0.3))[0]


def test_offline_rl_on_the_true_advantage_recovers_the_optimum(grid):
    opt = soft_value_iteration(grid.mdp, 0.5)
    support = np.full((grid.mdp.num_states, 3), 1 / 3)
    pi = offline_soft_vi(opt.advantage, support, grid.mdp.transitions.argmax(-1), 0.5, 0.99)
    np.testing.assert_allclose(pi, opt.policy, atol=1e-6)


def test_batched_networks_are_independent_per_model():
    features = torch.eye(4)[None].repeat(2, 1, 1)
    states = torch.tensor([[[0, 1]], [[2, 3]]])
    actions = torch.zeros_like(states)
    data = PairData(states, actions, states, actions + 1)
    params = train_networks(features, data, "sft", torch.Generator().manual_seed(0), hidden=8, steps=200, lr=0.05,
                            alpha=1.0, gamma=1.0, lam=1.0)
    tables = policy_tables(params, features)
    assert tables[0, 0, 0] > 0.9 and tables[1, 2, 0] > 0.9


def test_one_step_offline_rl_evaluates_the_behaviour_and_stays_on_its_support():
    """Q^β by plain fixed-point iteration (independent of the linear solve), then π ∝ π_β·exp(Q^β/α); actions with
    π_β = 0 get no mass, a done flag stops bootstrapping, unseen states stay uniform."""
    rng = np.random.default_rng(0)
    num_states, num_actions, alpha, gamma = 6, 3, 0.5, 0.9
    next_state = rng.integers(0, num_states, (num_states, num_actions))
    terminal = np.zeros((num_states, num_actions), dtype=bool)
    terminal[0, 1] = True
    reward = rng.normal(size=(num_states, num_actions))
    behaviour = rng.dirichlet(np.ones(num_actions), num_states)
    behaviour[1, 2] = 0.0
    behaviour[1] /= behaviour[1].sum()
    behaviour[5] = 0.0  # never seen
    policy = one_step_offline_rl(reward, behaviour, next_state, terminal, alpha, gamma)
    v = np.zeros(num_states)
    for _ in range(2000):
        v = np.sum(behaviour * (reward + gamma * np.where(terminal, 0.0, v[next_state])), -1)
    q = reward + gamma * np.where(terminal, 0.0, v[next_state])
    expected = behaviour * np.exp(q / alpha)
    expected = expected / np.where(expected.sum(-1, keepdims=True) > 0, expected.sum(-1, keepdims=True), 1.0)
    assert np.allclose(policy[:5], expected[:5], atol=1e-10)
    assert policy[1, 2] == 0.0 and np.allclose(policy[5], 1 / num_actions)


def test_one_step_offline_rl_on_the_true_advantage_beats_its_behaviour(grid):
    opt = soft_value_iteration(grid.mdp, 0.5)
    behaviour = noisy_expert(opt.q, 0.7)
    next_state = grid.mdp.transitions.argmax(-1)
    policy = one_step_offline_rl(opt.advantage, behaviour, next_state, next_state == grid.absorbing, 0.5, 0.99)
    assert success_probability(grid, policy)[0] > max(0.99, success_probability(grid, behaviour)[0])
