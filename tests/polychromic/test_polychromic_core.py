"""Polychromic library: pass@k, set scores, vine advantages, env exactness and cloning, the BFS expert."""
from __future__ import annotations

import copy
import itertools
from collections import deque

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.objectives import polychromic_set_score
from mdps.minigrid.envs import (
    TRAIN_CONFIGS,
    UNSEEN_CONFIGS,
    BatchFourRooms,
    FourRooms,
    LayoutTable,
    encode,
    make_env,
    paper_reward,
    room_mask,
    room_of,
)
from mdps.minigrid.expert import Expert
from mdps.minigrid.passk import pass_at_k
from mdps.minigrid.pipeline import multi_route_configs
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.polychromic import class_labels, make_sets, room_set_key, set_advantages
from mdps.minigrid.ppo import TrainArgs, TrainGenerators, gae, train
from mdps.minigrid.rollout import run_episodes
from mdps.minigrid.vines import VineShape, root_steps, sample_vines, vine_advantages


@pytest.fixture(scope="module")
def pool() -> FourRooms:
    return FourRooms()


@pytest.fixture(scope="module")
def sim(pool: FourRooms) -> BatchFourRooms:
    return BatchFourRooms(LayoutTable.build(pool, TRAIN_CONFIGS[:20]))


# ---------------------------------------------------------------- pass@k

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_pass_at_k_matches_brute_force_enumeration(case):
    n, c, k = case
    samples = [1] * c + [0] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    brute = sum(any(samples[i] for i in s) for s in subsets) / len(subsets)
    assert pass_at_k(n, [c], k)[0] == pytest.approx(brute, abs=1e-12)


def test_pass_at_k_edge_cases_and_errors():
    assert pass_at_k(16, [0, 16], 16).tolist() == [0.0, 1.0]
    assert pass_at_k(32, [1], 1)[0] == pytest.approx(1 / 32)
    with pytest.raises(ValueError, match="k <= n"):
        pass_at_k(4, [1], 5)
    with pytest.raises(ValueError, match="success counts"):
        pass_at_k(4, [5], 1)


# ---------------------------------------------------------------- polychromic score

def _score(rewards, masks, equivalence=room_set_key) -> float:
    """One set's f_poly through the minigrid boundary (the set is every trajectory given)."""
    _, scores = set_advantages(rewards, masks, np.arange(len(rewards))[None], equivalence)
    return float(scores[0])


def test_polychromic_score_on_hand_made_sets():
    # four successes through four different room-sets: mean reward × 4/4
    assert _score([1.0, 0.5, 1.0, 0.5], [0b0011, 0b0101, 0b0111, 0b1111]) == pytest.approx(0.75)
    # all the same room-set: diversity 1/4
    assert _score([1.0, 1.0, 1.0, 1.0], [3, 3, 3, 3]) == pytest.approx(0.25)
    # two classes among four, one failure
    assert _score([1.0, 0.0, 1.0, 1.0], [1, 1, 2, 2]) == pytest.approx(0.75 * 0.5)
    # negative control d ≡ 1: the mean reward only
    assert _score([1.0, 1.0, 0.0, 0.0], [3, 3, 3, 3], equivalence=None) == pytest.approx(0.5)
    # a pluggable equivalence: parity of the mask
    assert _score([1.0, 1.0], [1, 3], equivalence=lambda m: m % 2) == pytest.approx(0.5)


def test_class_labels_follow_the_equivalence():
    assert class_labels([5, 3, 5, 7]).tolist() == [0, 1, 0, 2]
    assert class_labels([5, 3, 5, 7], equivalence=None).tolist() == [0, 1, 2, 3]
    assert class_labels([1, 3, 2], equivalence=lambda m: m % 2).tolist() == [0, 0, 1]


@pytest.mark.parametrize("seed", range(20))
def test_set_scores_are_the_single_torch_implementation(seed):
    """The minigrid set scores are ``bandits.objectives.polychromic_set_score`` on the labelled sets, and each
    score is mean reward × distinct room-sets / n, counted here by hand."""
    rng = np.random.default_rng(seed)
    rewards, masks = rng.random(8), rng.integers(1, 16, size=8)
    sets = make_sets(8, 4, 4, rng)
    _, scores = set_advantages(rewards, masks, sets)
    torch_scores = polychromic_set_score(torch.as_tensor(rewards)[torch.as_tensor(sets)],
                                         torch.as_tensor(masks)[torch.as_tensor(sets)])
    assert np.array_equal(scores, torch_scores.numpy())
    by_hand = [rewards[s].mean() * len(set(masks[s].tolist())) / 4 for s in sets]
    assert scores.tolist() == pytest.approx(by_hand, abs=1e-15)


def test_room_rule_doorways_belong_to_no_room():
    assert room_of(1, 1) == 0 and room_of(10, 1) == 1 and room_of(1, 10) == 2 and room_of(17, 17) == 3
    assert room_of(9, 4) == -1 and room_of(4, 9) == -1
    assert room_mask(np.array([1, 9, 10]), np.array([4, 4, 4])) == 0b0011


def test_sets_cover_every_vine_evenly():
    sets = make_sets(8, 4, 4, np.random.default_rng(0))
    assert sets.shape == (4, 4)
    assert np.bincount(sets.ravel(), minlength=8).tolist() == [2] * 8
    assert all(len(set(s)) == 4 for s in sets.tolist())


def test_set_advantages_are_score_minus_baseline():
    sets = np.array([[0, 1], [2, 3]])
    advantage, scores = set_advantages([1.0, 1.0, 1.0, 1.0], [1, 2, 1, 1], sets)
    assert scores.tolist() == pytest.approx([1.0, 0.5])
    assert advantage.tolist() == pytest.approx([0.25, 0.25, -0.25, -0.25])
    advantage, _ = set_advantages([1.0, 1.0, 1.0], [1, 2, 1], np.array([[0, 1]]))
    assert np.isnan(advantage[2])  # a vine in no set keeps GAE


# ---------------------------------------------------------------- bad inputs

def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown env id 'MiniGrid-Nope-v0'"):
        make_env("MiniGrid-Nope-v0")
    with pytest.raises(ValueError, match="n=5 exceeds the number of vines N=4"):
        VineShape(num_vines=4, set_size=5)
    with pytest.raises(ValueError, match="window W must be > 0, got 0"):
        VineShape(window=0)
    with pytest.raises(ValueError, match="window W must be > 0, got -1"):
        VineShape(window=-1)
    with pytest.raises(ValueError, match="unknown method"):
        TrainArgs(method="sac")


# ---------------------------------------------------------------- environment exactness and cloning

def test_batch_env_matches_minigrid_step_by_step(pool):
    table = LayoutTable.build(pool, TRAIN_CONFIGS[:25])
    sim = BatchFourRooms(table)
    rng = np.random.default_rng(1)
    for config in TRAIN_CONFIGS[:25]:
        env = make_env()
        obs, _ = env.reset(seed=config)
        state = sim.start_states([config])
        for _ in range(100):
            assert np.array_equal(encode([obs], np.array([env.agent_pos])), sim.observe(state))
            action = int(rng.choice(3, p=[0.2, 0.2, 0.6]))
            obs, _, terminated, truncated, _ = env.step(action)
            reward, done, success = sim.step(state, np.array([action]))
            expected = paper_reward(env.step_count, 100) if terminated else 0.0
            assert (reward[0], bool(done[0]), bool(success[0])) == (expected, terminated or truncated, terminated)
            assert (state.x[0], state.y[0], state.direction[0]) == (*env.agent_pos, env.agent_dir)
            if done[0]:
                break


def test_cloned_env_replays_identically(pool):
    """deepcopy of a minigrid env, a restored snapshot and a copied batch state all replay the same actions
    to the same observations, rewards and terminations."""
    rng = np.random.default_rng(2)
    env = make_env()
    env.reset(seed=7)
    for a in rng.choice(3, size=11, p=[0.2, 0.2, 0.6]):
        env.step(int(a))
    clone = copy.deepcopy(env)
    pool.ensure(1)
    restored_obs = pool.restore(0, pool.snapshot_of(env, 7))
    sim = BatchFourRooms(LayoutTable.build(pool, (7,)))
    state = sim.start_states([7])
    state.x[:], state.y[:], state.direction[:], state.t[:] = env.agent_pos[0], env.agent_pos[1], env.agent_dir, 11
    assert np.array_equal(restored_obs["image"], env.gen_obs()["image"])
    for a in rng.choice(3, size=60, p=[0.2, 0.2, 0.6]):
        o1, r1, t1, u1, _ = env.step(int(a))
        o2, r2, t2, u2, _ = clone.step(int(a))
        o3, r3, d3, s3 = pool.step(0, int(a))
        rb, db, sb = sim.step(state, np.array([int(a)]))
        assert np.array_equal(o1["image"], o2["image"]) and np.array_equal(o1["image"], o3["image"])
        assert (r1, t1, u1) == (r2, t2, u2)
        assert (t1 or u1) == d3 == bool(db[0]) and t1 == s3 == bool(sb[0])
        assert r3 == rb[0] == (paper_reward(env.step_count, 100) if t1 else 0.0)
        if t1 or u1:
            break


# ---------------------------------------------------------------- expert

def _independent_bfs(env) -> int:
    """Fewest actions to the goal by a plain BFS over (x, y, dir) on minigrid's own grid."""
    start = (*env.agent_pos, env.agent_dir)
    queue, seen = deque([(start, 0)]), {start}
    while queue:
        (x, y, d), dist = queue.popleft()
        cell = env.grid.get(x, y)
        if cell is not None and cell.type == "goal":
            return dist
        dx, dy = [(1, 0), (0, 1), (-1, 0), (0, -1)][d]
        front = env.grid.get(x + dx, y + dy)
        nexts = [(x, y, (d - 1) % 4), (x, y, (d + 1) % 4)]
        nexts.append((x + dx, y + dy, d) if front is None or front.can_overlap() else (x, y, d))
        for n in nexts:
            if n not in seen:
                seen.add(n)
                queue.append((n, dist + 1))
    raise AssertionError("goal unreachable")


def test_bfs_expert_solves_every_configuration_optimally(pool):
    for configs in (TRAIN_CONFIGS, UNSEEN_CONFIGS):
        table = LayoutTable.build(pool, configs)
        sim, expert = BatchFourRooms(table), Expert(table)
        state = sim.start_states(np.asarray(configs))
        alive = np.arange(len(configs))
        steps = np.zeros(len(configs), dtype=int)
        solved = np.zeros(len(configs), dtype=bool)
        while alive.size:
            _, done, success = sim.step(state, expert.act(state))
            steps[alive] += 1
            solved[alive[done]] = success[done]
            alive, state = alive[~done], state.take(~done)
        assert solved.all(), f"expert failed on {np.asarray(configs)[~solved]}"
        assert np.array_equal(steps, expert.start_distance())
    for config in TRAIN_CONFIGS[:15]:
        env = make_env()
        env.reset(seed=config)
        assert _independent_bfs(env) == Expert(LayoutTable.build(pool, (config,))).start_distance()[0]


# ---------------------------------------------------------------- vines and training

def test_vine_advantages_sit_on_the_first_w_steps_of_each_vine(sim):
    policy = ActorCritic(generator=torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(0)
    main = run_episodes(sim, policy, sim.start_states([0, 1, 2, 3]), generator)
    shape = VineShape(num_vines=4, set_size=2, num_sets=4, points=2, window=3)
    vines, roots = sample_vines(sim, policy, main, np.array([0, 2]), shape, generator)
    assert len(roots) == 4 and len(vines.lengths) == 16
    for j, root in enumerate(roots):  # every vine starts exactly at its root's state
        for v in range(4):
            first = vines.starts[4 * j + v]
            assert vines.positions[first].tolist() == main.positions[root].tolist()
            assert vines.step_counts[first] == main.step_counts[root]
    override, scores = vine_advantages(vines, shape, None, np.random.default_rng(0))
    assert len(scores) == 4 * shape.num_sets
    position = np.arange(vines.num_steps) - np.repeat(vines.starts, vines.lengths)
    assert np.all(np.isnan(override[position >= 3]))
    assert np.all(np.isfinite(override[position < 3]))
    for e in range(16):  # constant along a vine's window
        window = override[vines.starts[e]:vines.starts[e] + min(3, vines.lengths[e])]
        assert np.allclose(window, window[0])
    # root states are the p equally spaced states ⌊j·T/(p+1)⌋
    t = main.lengths[0]
    assert root_steps(main, np.array([0]), 2).tolist() == [t // 3, 2 * t // 3]


def test_gae_with_gamma_one_and_episode_boundaries():
    rewards = np.array([0.0, 0.0, 1.0, 0.0, 0.5])
    values = np.array([0.2, 0.4, 0.6, 0.1, 0.3])
    adv = gae(rewards, values, np.array([3, 2]), lam=1.0)  # λ = 1: Monte-Carlo return − V
    assert adv.tolist() == pytest.approx([0.8, 0.6, 0.4, 0.4, 0.2])


@pytest.mark.parametrize("method", ["ppo", "poly", "poly_d1", "reinforce"])
def test_training_is_deterministic_and_step_matched(sim, method):
    def once():
        policy = ActorCritic(generator=torch.Generator().manual_seed(3))
        args = TrainArgs(method=method, total_steps=1500, episodes_per_iter=8, vine_episodes=2)
        streams = TrainGenerators(torch.Generator().manual_seed(3), torch.Generator().manual_seed(4),
                                  np.random.default_rng(3))
        log = train(sim, policy, TRAIN_CONFIGS[:20], args, streams)
        return log, torch.cat([p.detach().flatten() for p in policy.parameters()])

    (log_a, params_a), (log_b, params_b) = once(), once()
    assert torch.equal(params_a, params_b) and log_a.steps == log_b.steps
    assert log_a.total_steps >= 1500
    assert (log_a.vine_steps > 0) == method.startswith("poly")


def test_study_config_rejects_bad_values_through_the_cli_path():
    from benchmarks.registry import ConfigError
    from benchmarks.suites.polychromic.experiments import EXPERIMENTS

    poly = next(e for e in EXPERIMENTS if e.name == "polychromic/poly_ppo")
    for key, value, message in (("env_id", "MiniGrid-Empty-5x5-v0", "unknown env id"),
                                ("set_size", "9", "exceeds the number of vines"),
                                ("vine_window", "0", "window W must be > 0")):
        with pytest.raises(ConfigError, match=message):
            poly.config("smoke", {key: value})


# ---------------------------------------------------------------- configurations with two routes

def _room_sets_within(cells: np.ndarray, start: tuple[int, int], goal: tuple[int, int], max_moves: int) -> set[int]:
    """Room-set masks of cell paths from start to goal with at most ``max_moves`` moves (BFS over (cell, mask);
    independent of the environment code: walls are cell class 2, rooms are the quadrants off the wall lines)."""
    def mask(x: int, y: int) -> int:
        return 0 if x == 9 or y == 9 else 1 << (int(x > 9) + 2 * int(y > 9))

    first = (start[0], start[1], mask(*start))
    seen, queue, found = {first}, deque([(first, 0)]), set()
    while queue:
        (x, y, m), dist = queue.popleft()
        if (x, y) == tuple(goal):
            found.add(m)
            continue
        if dist == max_moves:
            continue
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nx, ny = x + dx, y + dy
            if cells[nx, ny] != 2 and (nx, ny, m | mask(nx, ny)) not in seen:
                seen.add((nx, ny, m | mask(nx, ny)))
                queue.append(((nx, ny, m | mask(nx, ny)), dist + 1))
    return found


def test_multi_route_configurations_have_two_room_sets_within_reach(pool):
    """Every configuration flagged multi-route has ≥ 2 room-sets reachable in ≤ 60 moves (the horizon is 100 steps,
    turns included); the others have start and goal in one room or on a doorway."""
    table = LayoutTable.build(pool, TRAIN_CONFIGS[:40])
    flags = multi_route_configs(table)
    assert 0 < flags.sum() < len(flags)
    for k in np.flatnonzero(flags):
        start, goal = tuple(table.starts[k, :2]), tuple(table.goals[k])
        assert len(_room_sets_within(table.cells[k], start, goal, 60)) >= 2, TRAIN_CONFIGS[k]
    for k in np.flatnonzero(~flags):
        rooms = {room_of(*table.starts[k, :2]), room_of(*table.goals[k])}
        assert len(rooms) == 1 or -1 in rooms
