"""Offline CoPG vs IPO vs DPO on the arithmetic reward: a reward–KL frontier over β, from the policies' own samples.

Reference samples of "What is a + b?" on training prompts are scored by :func:`llm_bridge.tasks.arithmetic_reward`;
pairs are drawn within a training prompt among samples whose rewards differ (the better one preferred); every
method of :data:`llm_bridge.train.OFFLINE_PREFERENCE_METHODS` trains on them at each β of the grid. Then each
trained policy π is judged on held-out prompts by its own samples y ∼ π (the reward is programmatic, so no
importance weights): the reward V̂ = mean R(y) and the sequence-level KL estimate
    KL̂(π‖π_ref) = mean over y ∼ π of ln π(y) − ln π_ref(y)        (unbiased; completions cut at the token budget).
The points (KL̂, V̂) of one method over β, with π_ref at (0, V̂_ref), form its reward–KL frontier;
:func:`frontier_gap` compares two frontiers at matched KL.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from llm_bridge.logprobs import SequenceBatch, TrunkCache, logprobs_in_chunks
from llm_bridge.models import LoadedModel, decoder_layers
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.settings import RewardOrderingSettings
from llm_bridge.pools import completion_pool
from llm_bridge.sampling import sample_completions
from llm_bridge.tasks import ARITHMETIC_TEMPLATE, arithmetic_prompts, arithmetic_reward
from llm_bridge.train import OFFLINE_PREFERENCE_METHODS, PoolPolicy, train_pairs

FRONTIER_GRID = 64
"""KL points at which :func:`frontier_gap` compares two frontiers."""


def scored_pairs(rng: np.random.Generator, rewards: np.ndarray, num_train: int, steps: int,
                 batch: int) -> tuple[Tensor, int]:
    """Pool rows [steps, batch, 2] of pairs (y, y′) within a training prompt whose rewards differ (all pairs
    of a prompt if none differ anywhere), drawn uniformly with replacement; and how many such pairs exist."""
    n = rewards.shape[1]
    candidates = [(p, i, j) for p in range(num_train) for i in range(n) for j in range(n)
                  if i != j and rewards[p, i] != rewards[p, j]]
    if not candidates:
        candidates = [(p, i, j) for p in range(num_train) for i in range(n) for j in range(n) if i != j]
    draw = np.asarray(candidates)[rng.integers(0, len(candidates), size=(steps, batch))]
    pairs = torch.as_tensor(np.stack([draw[..., 0] * n + draw[..., 1], draw[..., 0] * n + draw[..., 2]], -1))
    return pairs, len(candidates)


def frontier(kls: Sequence[float], rewards: Sequence[float], ref_reward: float) -> tuple[np.ndarray, np.ndarray]:
    """A method's reward–KL frontier: π_ref's point (0, ``ref_reward``) and the trained policies' points, sorted by
    KL (negative Monte-Carlo KL estimates are clipped at 0)."""
    x = np.concatenate([[0.0], np.maximum(np.asarray(kls, dtype=float), 0.0)])
    y = np.concatenate([[ref_reward], np.asarray(rewards, dtype=float)])
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


def frontier_gap(kl_a: Sequence[float], reward_a: Sequence[float], kl_b: Sequence[float],
                 reward_b: Sequence[float], ref_reward: float) -> float:
    """Mean reward gap a − b at matched KL: both frontiers (:func:`frontier`) interpolated piecewise-linearly in KL
    and compared on :data:`FRONTIER_GRID` evenly spaced KL values over [0, the smaller of their largest KLs] (the
    range both reach); 0 when one of them never left π_ref."""
    xa, ya = frontier(kl_a, reward_a, ref_reward)
    xb, yb = frontier(kl_b, reward_b, ref_reward)
    top = min(xa[-1], xb[-1])
    if top <= 0:
        return 0.0
    grid = np.linspace(0.0, top, FRONTIER_GRID)
    return float(np.mean(np.interp(grid, xa, ya) - np.interp(grid, xb, yb)))


def _scores(lm: LoadedModel, ops: Sequence[tuple[int, int]], completions: Sequence[list[int]], n: int) -> np.ndarray:
    return np.array([arithmetic_reward(*ops[i // n], lm.codec.decode(c), c[-1] == lm.codec.eos_id)
                     for i, c in enumerate(completions)]).reshape(len(ops), n)


def _policy_and_reference_logprobs(policy: PoolPolicy, pool: SequenceBatch) -> tuple[np.ndarray, np.ndarray]:
    """ln π(y) under the trained weights and ln π_ref(y) (after ``policy.reset()``) of every row of ``pool``; in
    last_k mode the frozen trunk runs once for both."""
    pool = pool.to(policy.lm.device)
    with torch.no_grad():
        if policy.cache is not None:
            k = len(decoder_layers(policy.model)) - policy.cache.first
            cache = TrunkCache(policy.model, pool, k, policy.chunk)
            every = torch.arange(len(pool), device=policy.lm.device)
            trained = cache.sequence_logprobs(every)
            policy.reset()
            reference = cache.sequence_logprobs(every)
        else:
            trained = logprobs_in_chunks(policy.model, pool, policy.chunk)
            policy.reset()
            reference = logprobs_in_chunks(policy.model, pool, policy.chunk)
    return trained.double().cpu().numpy(), reference.double().cpu().numpy()


def reward_ordering(lm: LoadedModel, settings: RewardOrderingSettings, rng: np.random.Generator,
                    generator: torch.Generator, lora_init: torch.Generator | None = None) -> Outcome:
    """One seed: ``rng`` draws the operands and the pairs, ``generator`` every sample (reference samples for
    training, then ``eval_samples`` per held-out prompt from π_ref and from each trained policy). Metrics
    ``ref_heldout_reward``, ``heldout_reward/<method>/<β>``, ``heldout_kl/<method>/<β>`` (the frontier points),
    ``train_reward_std`` and ``num_scored_pairs``; wall times under ``timing/``."""
    train_ops, heldout_ops = arithmetic_prompts(rng, settings.num_train_prompts, settings.num_heldout_prompts)
    n, m = settings.samples_per_prompt, settings.eval_samples
    train_ids = [lm.codec.prompt_ids(ARITHMETIC_TEMPLATE.format(a=a, b=b)) for a, b in train_ops]
    heldout_ids = [lm.codec.prompt_ids(ARITHMETIC_TEMPLATE.format(a=a, b=b)) for a, b in heldout_ops]

    def sample(model: torch.nn.Module, prompts: list[list[int]], k: int) -> list[list[int]]:
        return sample_completions(model, prompts, k, settings.max_new_tokens, lm.codec.eos_id, lm.codec.pad_id,
                                  generator, settings.temperature, max_length=lm.codec.max_length)

    started = time.perf_counter()
    completions = sample(lm.model, train_ids, n)
    rewards = _scores(lm, train_ops, completions, n)
    ref_heldout = _scores(lm, heldout_ops, sample(lm.model, heldout_ids, m), m)
    sampling_s = time.perf_counter() - started
    policy = settings.policy(lm, completion_pool(lm, train_ids, completions), lora_init)
    pairs, num_scored = scored_pairs(rng, rewards, len(train_ops), settings.steps, settings.batch_pairs)
    flat_reward = torch.as_tensor(rewards.reshape(-1), dtype=torch.float64)
    first = flat_reward[pairs[..., 0]] > flat_reward[pairs[..., 1]]
    metrics = {"ref_heldout_reward": float(ref_heldout.mean()), "train_reward_std": float(rewards.std()),
               "num_scored_pairs": float(num_scored), "timing/reference_sampling_s": sampling_s}
    started = time.perf_counter()
    for method in OFFLINE_PREFERENCE_METHODS:
        for beta in settings.betas:
            train_pairs(policy, method, pairs, flat_reward, first, beta, settings.lr, settings.clip, None,
                        settings.steps)
            own = sample(policy.model, heldout_ids, m)
            logp, ref_logp = _policy_and_reference_logprobs(policy, completion_pool(lm, heldout_ids, own))
            key = f"{method}/{beta:g}"
            metrics[f"heldout_reward/{key}"] = float(_scores(lm, heldout_ops, own, m).mean())
            metrics[f"heldout_kl/{key}"] = float(np.mean(logp - ref_logp))
    metrics["timing/train_and_evaluate_s"] = time.perf_counter() - started
    return Outcome(metrics)
