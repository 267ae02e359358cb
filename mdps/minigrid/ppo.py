"""PPO, Poly-PPO and REINFORCE fine-tuning on FourRooms configurations, read top to bottom (CleanRL style).

Each iteration collects ``episodes_per_iter`` episodes (configurations drawn uniformly) in lockstep, then:
- ``ppo``: GAE(γ = 1, λ) advantages; loss per minibatch (paper §4, PPO with a KL penalty)
      L = −E[min(ρ·A, clip(ρ, 1 ± ε)·A)] + β_KL·E[KL(π_old(·|s) ‖ π_θ(·|s))] ,  critic: E[(V(s) − Ĝ)²]/2,
  with ρ = π_θ(a|s)/π_old(a|s), Ĝ = A + V_old(s); actor and critic have their own Adam and learning rate.
- ``poly``: as ppo, plus vines from ``vine_episodes`` of the rollouts (``vines.py``); each vine's first W steps
  get its set-level advantage f_poly(set) − mean_M f_poly (``polychromic.py``), all other steps keep GAE.
- ``poly_d1``: the negative control, identical with diversity d ≡ 1 (the set score is the mean reward).
- ``reinforce``: one gradient step per batch on −E[log π(a|s)·(G − V(s))] (γ = 1, value baseline).
All methods stop at the same number of environment steps (vine steps count). SPS and the vine share of the
iteration time are logged.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from mdps.minigrid.envs import BatchFourRooms
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.polychromic import room_set_key
from mdps.minigrid.rollout import Episodes, run_episodes
from mdps.minigrid.vines import VineShape, sample_vines, vine_advantages

METHODS = ("ppo", "poly", "poly_d1", "reinforce")


@dataclass(frozen=True)
class TrainArgs:
    """Fine-tuning hyperparameters (paper values unless noted)."""

    method: str = "ppo"
    """One of ppo, poly, poly_d1, reinforce."""
    total_steps: int = 200_000
    """Environment steps to train for (rollout + vine steps), the budget all methods share."""
    episodes_per_iter: int = 48
    """Rollout episodes per iteration (also the lockstep width)."""
    actor_lr: float = 2.5e-4
    """Actor Adam lr (paper 1e-5 for a large model; a small MLP needs ~2.5e-4)."""
    critic_lr: float = 1e-3
    """Critic Adam lr."""
    gae_lambda: float = 0.95
    """GAE λ (γ = 1)."""
    clip: float = 0.2
    """PPO ratio clip ε."""
    update_epochs: int = 2
    """Passes over each batch."""
    minibatch: int = 256
    """Minibatch size (paper 64; 256 keeps the update cheap on CPU)."""
    kl_coef: float = 0.01
    """β_KL, penalty on KL(π_old ‖ π_θ) (paper grid {0.005, 0.01, 0.05, 0.1})."""
    max_grad_norm: float = 0.5
    """Gradient-norm clip."""
    vines: VineShape = field(default_factory=VineShape)
    """N, n, M, p, W."""
    vine_episodes: int = 4
    """Rollout episodes per iteration that spawn vines (poly, poly_d1)."""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r} (choose from {', '.join(METHODS)})")
        for name in ("total_steps", "episodes_per_iter", "update_epochs", "minibatch"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.vine_episodes <= self.episodes_per_iter:
            raise ValueError(f"vine_episodes must be in [0, episodes_per_iter], got {self.vine_episodes}")
        for name in ("actor_lr", "critic_lr", "clip", "max_grad_norm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.gae_lambda <= 1 or self.kl_coef < 0:
            raise ValueError(f"need gae_lambda in [0, 1] and kl_coef >= 0, got {self.gae_lambda}, {self.kl_coef}")


@dataclass(frozen=True)
class TrainGenerators:
    """The random streams of fine-tuning, one per purpose."""

    actions: torch.Generator
    """Action sampling in rollouts and vines."""
    minibatches: torch.Generator
    """Minibatch order of the PPO update."""
    choices: np.random.Generator
    """Configurations of each iteration's rollouts, the rollouts that spawn vines, and the vine sets."""


@dataclass
class TrainLog:
    """What training measured: per-iteration curves and timing."""

    steps: list[int] = field(default_factory=list)
    success: list[float] = field(default_factory=list)
    vine_steps: int = 0
    rollout_s: float = 0.0
    vine_s: float = 0.0
    update_s: float = 0.0

    @property
    def total_steps(self) -> int:
        return self.steps[-1] if self.steps else 0

    @property
    def sps(self) -> float:
        elapsed = self.rollout_s + self.vine_s + self.update_s
        return self.total_steps / elapsed if elapsed else 0.0


def gae(rewards: np.ndarray, values: np.ndarray, lengths: np.ndarray, lam: float) -> np.ndarray:
    """GAE with γ = 1 over concatenated episodes; the value after an episode's last step is 0 (finite horizon)."""
    advantages = np.zeros_like(rewards)
    next_value = np.append(values[1:], 0.0)
    last = np.zeros(len(rewards), dtype=bool)
    last[np.cumsum(lengths) - 1] = True
    next_value[last] = 0.0
    delta = rewards + next_value - values
    running = 0.0
    for i in range(len(rewards) - 1, -1, -1):
        running = delta[i] + (0.0 if last[i] else lam * running)
        advantages[i] = running
    return advantages


def _concat(parts: Sequence[Episodes]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([getattr(p, name) for p in parts])
            for name in ("features", "actions", "logits", "rewards", "lengths")}


def _ppo_update(policy: ActorCritic, optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
                batch: dict[str, np.ndarray], advantages: np.ndarray, returns: np.ndarray, args: TrainArgs,
                generator: torch.Generator) -> None:
    features = torch.from_numpy(batch["features"])
    actions = torch.from_numpy(batch["actions"])
    old_logp_all = torch.log_softmax(torch.from_numpy(batch["logits"]), -1)
    old_logp = old_logp_all.gather(1, actions[:, None]).squeeze(1)
    adv = torch.as_tensor(advantages, dtype=torch.float32)
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    ret = torch.as_tensor(returns, dtype=torch.float32)
    actor_opt, critic_opt = optimizers
    for _ in range(args.update_epochs):
        order = torch.randperm(len(actions), generator=generator)
        for start in range(0, len(actions), args.minibatch):
            index = order[start:start + args.minibatch]
            logp_all = torch.log_softmax(policy.logits(features[index]), -1)
            ratio = (logp_all.gather(1, actions[index, None]).squeeze(1) - old_logp[index]).exp()
            pg = -torch.min(ratio * adv[index], ratio.clamp(1 - args.clip, 1 + args.clip) * adv[index]).mean()
            kl = (old_logp_all[index].exp() * (old_logp_all[index] - logp_all)).sum(-1).mean()
            actor_opt.zero_grad()
            (pg + args.kl_coef * kl).backward()
            torch.nn.utils.clip_grad_norm_(policy.actor.parameters(), args.max_grad_norm)
            actor_opt.step()
            value_loss = 0.5 * (policy.value(features[index]) - ret[index]).pow(2).mean()
            critic_opt.zero_grad()
            value_loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.critic.parameters(), args.max_grad_norm)
            critic_opt.step()


def _reinforce_update(policy: ActorCritic, optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
                      batch: dict[str, np.ndarray], returns_to_go: np.ndarray, args: TrainArgs) -> None:
    features = torch.from_numpy(batch["features"])
    actions = torch.from_numpy(batch["actions"])
    ret = torch.as_tensor(returns_to_go, dtype=torch.float32)
    actor_opt, critic_opt = optimizers
    with torch.no_grad():
        adv = ret - policy.value(features)
    logp = torch.log_softmax(policy.logits(features), -1).gather(1, actions[:, None]).squeeze(1)
    actor_opt.zero_grad()
    (-(logp * adv).mean()).backward()
    torch.nn.utils.clip_grad_norm_(policy.actor.parameters(), args.max_grad_norm)
    actor_opt.step()
    critic_opt.zero_grad()
    (0.5 * (policy.value(features) - ret).pow(2).mean()).backward()
    torch.nn.utils.clip_grad_norm_(policy.critic.parameters(), args.max_grad_norm)
    critic_opt.step()


def train(sim: BatchFourRooms, policy: ActorCritic, configs: Sequence[int], args: TrainArgs,
          generators: TrainGenerators, on_progress: Callable[[int], None] | None = None) -> TrainLog:
    """Fine-tune ``policy`` in place for ``args.total_steps`` environment steps; ``on_progress(steps)`` is called
    after every iteration (the caller decides when to evaluate)."""
    rng = generators.choices
    optimizers = (torch.optim.Adam(policy.actor.parameters(), lr=args.actor_lr),
                  torch.optim.Adam(policy.critic.parameters(), lr=args.critic_lr))
    equivalence = None if args.method == "poly_d1" else room_set_key
    log = TrainLog()
    steps = 0
    while steps < args.total_steps:
        t0 = time.perf_counter()
        chosen = rng.choice(np.asarray(configs), size=args.episodes_per_iter)
        main = run_episodes(sim, policy, sim.start_states(chosen), generators.actions)
        t1 = time.perf_counter()
        parts, override = [main], np.full(main.num_steps, np.nan)
        if args.method in ("poly", "poly_d1") and args.vine_episodes:
            rooted = rng.choice(args.episodes_per_iter, size=args.vine_episodes, replace=False)
            vines, _ = sample_vines(sim, policy, main, rooted, args.vines, generators.actions)
            vine_override, _ = vine_advantages(vines, args.vines, equivalence, rng)
            parts.append(vines)
            override = np.concatenate([override, vine_override])
            log.vine_steps += vines.num_steps
        t2 = time.perf_counter()
        batch = _concat(parts)
        if args.method == "reinforce":
            returns_to_go = np.repeat(np.concatenate([p.returns for p in parts]), batch["lengths"])
            _reinforce_update(policy, optimizers, batch, returns_to_go, args)
        else:
            with torch.no_grad():
                values = policy.value(torch.from_numpy(batch["features"])).numpy().astype(np.float64)
            advantages = gae(batch["rewards"], values, batch["lengths"], args.gae_lambda)
            returns = advantages + values
            advantages = np.where(np.isnan(override), advantages, override)
            _ppo_update(policy, optimizers, batch, advantages, returns, args, generators.minibatches)
        t3 = time.perf_counter()
        steps += len(batch["actions"])
        log.rollout_s += t1 - t0
        log.vine_s += t2 - t1
        log.update_s += t3 - t2
        log.steps.append(steps)
        log.success.append(float(main.success.mean()))
        if on_progress is not None:
            on_progress(steps)
    return log
