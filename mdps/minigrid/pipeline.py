"""One run of the polychromic study: behaviour-cloned start, optional fine-tuning, evaluation.

``run_method`` is what a suite calls per (method, seed) on MiniGrid-FourRooms-v0 or BabyAI-GoToLocal-v0
(``STUDY_ENVS``; ``build_setting`` assembles an environment's steppers, expert and observation size): build the
layouts of the training and unseen configurations, BC-pretrain on noisy expert demonstrations, fine-tune with
``method`` for a fixed number of environment steps while evaluating learning curves, then evaluate pass@k / success
/ diversity / entropy on the training configurations and success on unseen ones. Everything random comes from the
caller's ``RunGenerators``, one generator per purpose: two methods given generators from the same seed start from
the same BC policy and are evaluated on the same sampler streams. Wall-clock measurements are returned under
``timing/`` (they are not results of the run).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from mdps.minigrid import babyai
from mdps.minigrid.envs import (
    ENV_IDS,
    HORIZON,
    BatchFourRooms,
    FourRooms,
    LayoutTable,
    room_of,
)
from mdps.minigrid.envs import FEATURES_PER_OBS as FOURROOMS_FEATURES_PER_OBS
from mdps.minigrid.envs import NUM_FEATURES as FOURROOMS_NUM_FEATURES
from mdps.minigrid.expert import Expert, behaviour_cloning, demonstrations
from mdps.minigrid.passk import Evaluation, evaluate
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.ppo import METHODS, TrainArgs, TrainGenerators, train


@dataclass(frozen=True)
class StudyArgs:
    """Everything one (method, seed) run needs besides the fine-tuning hyperparameters."""

    env_id: str = "MiniGrid-FourRooms-v0"
    train_configs: tuple[int, ...] = tuple(range(200))
    unseen_configs: tuple[int, ...] = tuple(range(1000, 1200))
    horizon: int | None = None
    """None: the environment's own (FourRooms 100, the paper's; GoToLocal 64, minigrid's max_steps)."""
    demos_per_config: int = 4
    demo_noise: float = 0.3
    bc_epochs: float = 2.0
    bc_lr: float = 1e-3
    eval_samples: int = 16
    eval_seeds: int = 2
    k_max: int = 16
    curve_points: int = 5
    curve_samples: int = 4

    def __post_init__(self) -> None:
        check_study_env(self.env_id)
        if self.horizon is not None and self.horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {self.horizon}")
        if not self.train_configs or not self.unseen_configs:
            raise ValueError("need at least one training and one unseen configuration")
        if set(self.train_configs) & set(self.unseen_configs):
            raise ValueError("unseen configurations overlap the training configurations")
        if self.eval_seeds < 1 or self.eval_samples < 1:
            raise ValueError(f"need eval_seeds >= 1 and eval_samples >= 1, got {self.eval_seeds}, {self.eval_samples}")
        if not 1 <= self.k_max <= self.eval_samples * self.eval_seeds:
            raise ValueError(f"k_max={self.k_max} must be in [1, eval_samples·eval_seeds]")
        if self.curve_points < 2 or self.curve_samples < 1:
            raise ValueError(f"need curve_points >= 2 and curve_samples >= 1, got {self.curve_points}, "
                             f"{self.curve_samples}")


STUDY_ENVS = (*ENV_IDS, babyai.ENV_ID)


def check_study_env(env_id: str) -> str:
    """The env id if the study supports it, else a ValueError naming it."""
    if env_id not in STUDY_ENVS:
        raise ValueError(f"unknown env id {env_id!r} (supported: {', '.join(STUDY_ENVS)})")
    return env_id


@dataclass(frozen=True)
class Setting:
    """One environment's pieces: steppers on the training and unseen configurations, the shortest-path expert, the
    configurations with several feasible region-sets, and the observation size of the policy."""

    sim: BatchFourRooms
    unseen: BatchFourRooms
    expert: Expert
    multi_route: np.ndarray
    num_features: int
    features_per_obs: int


def build_setting(env_id: str, train_configs: tuple[int, ...], unseen_configs: tuple[int, ...],
                  horizon: int | None = None) -> Setting:
    """The ``Setting`` of ``env_id`` (``horizon`` None: the environment's own)."""
    if check_study_env(env_id) == babyai.ENV_ID:
        env = babyai.make_env()
        table = babyai.GoToTable.build(train_configs, env)
        h = babyai.HORIZON if horizon is None else horizon
        return Setting(babyai.BatchGoToLocal(table, h),
                       babyai.BatchGoToLocal(babyai.GoToTable.build(unseen_configs, env), h),
                       babyai.GoToExpert(table), babyai.multi_route_configs(table), babyai.NUM_FEATURES,
                       babyai.FEATURES_PER_OBS)
    h = HORIZON if horizon is None else horizon
    pool = FourRooms(env_id, h)
    table = LayoutTable.build(pool, train_configs)
    return Setting(BatchFourRooms(table, h), BatchFourRooms(LayoutTable.build(pool, unseen_configs), h),
                   Expert(table), multi_route_configs(table), FOURROOMS_NUM_FEATURES, FOURROOMS_FEATURES_PER_OBS)


@dataclass(frozen=True)
class RunGenerators:
    """The random streams of one run, each feeding one thing."""

    init: torch.Generator
    """Initial actor and critic weights."""
    demos: np.random.Generator
    """Random actions mixed into the expert demonstrations."""
    bc: torch.Generator
    """Minibatch order of behaviour cloning."""
    train: TrainGenerators
    """Fine-tuning: action sampling (rollouts and vines), minibatch order, configurations and vine sets."""
    evaluation: tuple[torch.Generator, ...]
    """Final evaluation on the training configurations, one generator per evaluation seed."""
    unseen: torch.Generator
    """Final evaluation on the unseen configurations."""
    curve: torch.Generator
    """Evaluations along training (restarted from the same state at every curve point)."""


def _metrics(prefix: str, ev: Evaluation) -> dict[str, float]:
    out = {f"{prefix}pass@{k}": v for k, v in enumerate(ev.pass_at, start=1)}
    out.update({f"{prefix}success": ev.success, f"{prefix}reward": ev.reward,
                f"{prefix}distinct_rooms": ev.distinct_rooms,
                f"{prefix}distinct_rooms_success": ev.distinct_rooms_success,
                f"{prefix}distinct_rooms_success_multiroute": ev.distinct_rooms_success_multiroute,
                f"{prefix}entropy": ev.entropy})
    return out


def multi_route_configs(table: LayoutTable) -> np.ndarray:
    """Which configurations admit successful paths through at least two different room-sets.

    The four rooms form a ring (each room has a doorway to its two neighbours). When the start and the goal lie in
    different rooms there are two ways round the ring, with different room-sets: {start, one neighbour, goal} and
    {start, the other neighbour, goal} for diagonal rooms; {start, goal} and all four rooms for adjacent ones (the
    long way round is about three rooms' walk, well inside the 100-step horizon). When they share a room, or either
    lies on a doorway cell (no room), the direct path is the only sensible one and successful diversity is 1 by
    construction, so those configurations are left out of ``distinct_rooms_success_multiroute``."""
    start_rooms = np.array([room_of(int(x), int(y)) for x, y in table.starts[:, :2]])
    goal_rooms = np.array([room_of(int(x), int(y)) for x, y in table.goals])
    return (start_rooms >= 0) & (goal_rooms >= 0) & (start_rooms != goal_rooms)


def picture_config(table: LayoutTable) -> int:
    """The first configuration whose start and goal lie in diagonally opposite rooms (two shortest routes)."""
    for k, seed in enumerate(table.seeds):
        a, g = room_of(*table.starts[k, :2]), room_of(*table.goals[k])
        if a >= 0 and g >= 0 and a ^ g == 3:
            return seed
    return table.seeds[0]


def run_method(method: str, study: StudyArgs, train_args: TrainArgs | None, generators: RunGenerators
               ) -> tuple[dict, dict]:
    """(metrics, series) of one run; ``method="pretrained"`` evaluates the BC start without fine-tuning."""
    if method != "pretrained" and method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if len(generators.evaluation) != study.eval_seeds:
        raise ValueError(f"need one evaluation generator per evaluation seed ({study.eval_seeds}), got "
                         f"{len(generators.evaluation)}")
    started, started_cpu = time.perf_counter(), time.process_time()
    setting = build_setting(study.env_id, study.train_configs, study.unseen_configs, study.horizon)
    sim, unseen, table = setting.sim, setting.unseen, setting.sim.table
    policy = ActorCritic(generator=generators.init, num_features=setting.num_features,
                         features_per_obs=setting.features_per_obs)
    features, actions = demonstrations(sim, setting.expert, study.demos_per_config, study.demo_noise,
                                       generators.demos)
    behaviour_cloning(policy, features, actions, study.bc_epochs, 256, study.bc_lr, generators.bc)
    curve_start = generators.curve.get_state()
    series: dict[str, list[float]] = {"curve/steps": [], "curve/success": [], "curve/pass@k": [],
                                      "curve/distinct_rooms": [], "curve/entropy": []}

    def record_curve(steps: int) -> None:
        generators.curve.set_state(curve_start)  # the same sampler stream at every point of the curve
        ev, _ = evaluate(sim, policy, study.train_configs, study.curve_samples, [generators.curve],
                         study.curve_samples)
        series["curve/steps"].append(float(steps))
        series["curve/success"].append(ev.success)
        series["curve/pass@k"].append(ev.pass_at[-1])
        series["curve/distinct_rooms"].append(ev.distinct_rooms)
        series["curve/entropy"].append(ev.entropy)

    metrics: dict[str, float] = {}
    record_curve(0)
    if method != "pretrained":
        assert train_args is not None
        marks = list(np.linspace(0, train_args.total_steps, study.curve_points)[1:-1])

        def on_progress(steps: int) -> None:
            while marks and steps >= marks[0]:
                marks.pop(0)
                record_curve(steps)

        log = train(sim, policy, study.train_configs, train_args, generators.train, on_progress)
        record_curve(log.total_steps)
        elapsed = log.rollout_s + log.vine_s + log.update_s
        metrics.update({"env_steps": float(log.total_steps), "vine_step_fraction": log.vine_steps / log.total_steps,
                        "timing/sps": log.sps, "timing/vine_time_fraction": log.vine_s / elapsed if elapsed else 0.0,
                        "timing/update_time_fraction": log.update_s / elapsed if elapsed else 0.0})
        series["train/success"] = log.success
    multi_route = setting.multi_route
    final, runs = evaluate(sim, policy, study.train_configs, study.eval_samples, generators.evaluation, study.k_max,
                           multi_route)
    metrics.update(_metrics("", final))
    metrics["multiroute_config_fraction"] = float(multi_route.mean())
    unseen_eval, _ = evaluate(unseen, policy, study.unseen_configs, study.eval_samples, [generators.unseen],
                              min(study.k_max, study.eval_samples))
    metrics["unseen_success"] = unseen_eval.success
    metrics["unseen_reward"] = unseen_eval.reward
    metrics.update({f"unseen_pass@{k}": v for k, v in enumerate(unseen_eval.pass_at, start=1)})
    metrics["train_success_1seed"] = float(runs[0].success.mean())
    metrics["success_drop"] = metrics["train_success_1seed"] - unseen_eval.success
    if isinstance(table, LayoutTable):  # the rendered-routes picture is FourRooms'
        series.update(_picture_paths(runs[0], table, study.eval_samples))
    metrics["timing/wall_s"] = time.perf_counter() - started
    metrics["timing/cpu_s"] = time.process_time() - started_cpu
    return metrics, series


def _picture_paths(episodes, table: LayoutTable, samples: int, max_paths: int = 6) -> dict[str, list[float]]:
    """Cell paths of up to ``max_paths`` successful samples with distinct room-sets on the picture config."""
    config = picture_config(table)
    first = list(table.seeds).index(config) * samples
    xs, ys, ids, masks = [], [], [], []
    seen: set[int] = set()
    for e in range(first, first + samples):
        if not episodes.success[e] or int(episodes.room_masks[e]) in seen or len(seen) >= max_paths:
            continue
        seen.add(int(episodes.room_masks[e]))
        steps = slice(episodes.starts[e], episodes.starts[e] + episodes.lengths[e])
        path = episodes.positions[steps, :2].tolist() + [table.goals[list(table.seeds).index(config)].tolist()]
        xs += [float(p[0]) for p in path]
        ys += [float(p[1]) for p in path]
        ids += [float(len(seen) - 1)] * len(path)
        masks.append(float(episodes.room_masks[e]))
    return {"picture/config": [float(config)], "picture/x": xs, "picture/y": ys, "picture/id": ids,
            "picture/masks": masks}
