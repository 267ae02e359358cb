"""Polychromic experiments: one per (environment, method), all methods of an environment from the same
behaviour-cloned start.

The same seed gives every method the same BC start and the same evaluation samples, so methods are compared seed
by seed. Fine-tuned methods share the same number of environment steps (vine steps count). Environments:
MiniGrid-FourRooms-v0 (H = 100, reward 1 − 0.5·t/H, the paper's) and BabyAI-GoToLocal-v0 (H = 64, reward
1 − 0.9·t/H, minigrid's), layouts 0..199 (training) and 1000..1199 (unseen). The pipeline (BC, PPO / Poly-PPO /
REINFORCE, vines, pass@k) lives in ``mdps.minigrid``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.registry import Experiment, Result
from benchmarks.seeding import numpy_rng, torch_generator
from benchmarks.suites.polychromic.budgets import budgets_for
from mdps.minigrid.pipeline import RunGenerators, StudyArgs, check_study_env, run_method
from mdps.minigrid.ppo import TrainArgs, TrainGenerators
from mdps.minigrid.vines import VineShape

K_MAX = 16
METHODS = ("pretrained", "ppo", "poly", "poly_d1", "reinforce")
EXPERIMENT_OF = {"pretrained": "polychromic/pretrained", "ppo": "polychromic/ppo", "poly": "polychromic/poly_ppo",
                 "poly_d1": "polychromic/poly_ppo_d1", "reinforce": "polychromic/reinforce"}
ENVS = ("fourrooms", "babyai")
ENV_LABELS = {"fourrooms": "FourRooms", "babyai": "BabyAI GoToLocal"}
EXPERIMENTS_OF_ENV = {"fourrooms": EXPERIMENT_OF,
                      "babyai": {m: name.replace("polychromic/", "polychromic/babyai_") for m, name in
                                 EXPERIMENT_OF.items()}}
"""Experiment names per environment and method (FourRooms keeps the names it had before BabyAI was added)."""
LABELS = {"pretrained": "Pretrained (BC)", "ppo": "PPO", "poly": "Poly-PPO", "poly_d1": "Poly-PPO d≡1",
          "reinforce": "REINFORCE"}


@dataclass(frozen=True)
class PolyConfig:
    """One method's run on FourRooms: BC start, fine-tuning at a fixed step budget, evaluation."""

    method: str = "ppo"
    """pretrained | ppo | poly | poly_d1 | reinforce (set by the experiment)."""
    env_id: str = "MiniGrid-FourRooms-v0"
    """MiniGrid-FourRooms-v0 (room-sets) or BabyAI-GoToLocal-v0 (quadrant-sets of its one room)."""
    num_configs: int = 200
    """Training configurations: reset seeds 0..num_configs−1 (spec: ≥ 200)."""
    num_unseen: int = 200
    """Unseen configurations for robustness: reset seeds 1000..1000+num_unseen−1."""
    demos_per_config: int = 4
    """Noisy expert episodes per training configuration for BC."""
    demo_noise: float = 0.3
    """Probability of a uniformly random action in a demonstration."""
    bc_epochs: float = 2.0
    """BC passes over the demonstrations (sized for a start with headroom: pass@1 ≈ 0.3, pass@16 ≈ 0.8)."""
    total_steps: int = 250_000
    """Fine-tuning environment steps per method (vine steps included)."""
    episodes_per_iter: int = 48
    """Rollout episodes per iteration."""
    actor_lr: float = 2.5e-4
    """Actor learning rate."""
    critic_lr: float = 1e-3
    """Critic learning rate."""
    kl_coef: float = 0.01
    """KL penalty to the behaviour policy."""
    minibatch: int = 256
    """PPO minibatch size."""
    update_epochs: int = 2
    """PPO epochs per batch."""
    num_vines: int = 8
    """N: vines per root state."""
    set_size: int = 4
    """n: trajectories per set (n ≤ N)."""
    num_sets: int = 4
    """M: sets per root state."""
    vine_points: int = 2
    """p: root states per rooted rollout."""
    vine_window: int = 5
    """W: leading vine actions that receive the set advantage (> 0)."""
    vine_episodes: int = 4
    """Rollouts per iteration that spawn vines."""
    eval_samples: int = 16
    """Samples per configuration per evaluation seed."""
    eval_seeds: int = 2
    """Evaluation seeds (pass@k pools eval_samples × eval_seeds samples per configuration)."""
    curve_points: int = 5
    """Evaluations along training (start and end included)."""
    curve_samples: int = 4
    """Samples per configuration in curve evaluations."""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r} (choose from {', '.join(METHODS)})")
        check_study_env(self.env_id)
        if self.num_configs < 1 or self.num_unseen < 1:
            raise ValueError(f"need num_configs >= 1 and num_unseen >= 1, got {self.num_configs}, {self.num_unseen}")
        if self.num_configs > 1000:
            raise ValueError(f"num_configs must be <= 1000 (seeds from 1000 are unseen), got {self.num_configs}")
        if self.demos_per_config < 1 or not 0 <= self.demo_noise <= 1 or self.bc_epochs <= 0:
            raise ValueError("need demos_per_config >= 1, demo_noise in [0, 1], bc_epochs > 0")
        self.vines()
        self.train_args()
        self.study()

    def vines(self) -> VineShape:
        return VineShape(self.num_vines, self.set_size, self.num_sets, self.vine_points, self.vine_window)

    def train_args(self) -> TrainArgs | None:
        if self.method == "pretrained":
            return None
        return TrainArgs(method=self.method, total_steps=self.total_steps, episodes_per_iter=self.episodes_per_iter,
                         actor_lr=self.actor_lr, critic_lr=self.critic_lr, kl_coef=self.kl_coef,
                         minibatch=self.minibatch, update_epochs=self.update_epochs, vines=self.vines(),
                         vine_episodes=self.vine_episodes)

    def study(self) -> StudyArgs:
        return StudyArgs(env_id=self.env_id, train_configs=tuple(range(self.num_configs)),
                         unseen_configs=tuple(range(1000, 1000 + self.num_unseen)),
                         demos_per_config=self.demos_per_config, demo_noise=self.demo_noise,
                         bc_epochs=self.bc_epochs, eval_samples=self.eval_samples, eval_seeds=self.eval_seeds,
                         k_max=K_MAX, curve_points=self.curve_points, curve_samples=self.curve_samples)


def generators(seed: int, eval_seeds: int) -> RunGenerators:
    """A seed's streams, named after what they feed. They do not depend on the method, so every method of a seed
    starts from the same BC policy and is evaluated with the same sampler streams."""
    train = TrainGenerators(actions=torch_generator(seed, "actions"), minibatches=torch_generator(seed, "minibatches"),
                            choices=numpy_rng(seed, "choices"))
    return RunGenerators(init=torch_generator(seed, "init"), demos=numpy_rng(seed, "demos"),
                         bc=torch_generator(seed, "bc"), train=train,
                         evaluation=tuple(torch_generator(seed, f"eval/{j}") for j in range(eval_seeds)),
                         unseen=torch_generator(seed, "eval/unseen"), curve=torch_generator(seed, "curve"))


def run_poly(config: PolyConfig, seeds: Sequence[int]) -> list[Result]:
    """One Result per seed (methods are separate experiments so the process pool runs them in parallel)."""
    results = []
    for seed in seeds:
        streams = generators(seed, config.eval_seeds)
        metrics, series = run_method(config.method, config.study(), config.train_args(), streams)
        results.append(Result(metrics, series))
    return results


DESCRIPTIONS = {"pretrained": "BC start on noisy BFS-expert demos, evaluated (pass@k, regions, unseen)",
                "ppo": "PPO (KL to behaviour policy) from the BC start, env-step matched",
                "poly": "Poly-PPO: vines + polychromic set advantages (region-set diversity)",
                "poly_d1": "Poly-PPO negative control: diversity ≡ 1",
                "reinforce": "REINFORCE with a value baseline, env-step matched"}


def _experiment(env: str, method: str) -> Experiment:
    return Experiment(name=EXPERIMENTS_OF_ENV[env][method], config_cls=PolyConfig, run=run_poly,
                      budgets=budgets_for(method, env), description=f"{ENV_LABELS[env]}: {DESCRIPTIONS[method]}",
                      seeds_per_task=1)


EXPERIMENTS = tuple(_experiment(env, method) for env in ENVS for method in METHODS)
