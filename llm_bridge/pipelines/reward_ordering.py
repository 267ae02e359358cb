"""Offline CoPG vs IPO vs DPO on the arithmetic reward, from the same reference samples and pairs.

Reference samples of "What is a + b?" are scored by :func:`llm_bridge.tasks.arithmetic_reward`; pairs are drawn
within a training prompt among samples whose rewards differ (the better one preferred); every method of
:data:`llm_bridge.train.OFFLINE_PREFERENCE_METHODS` trains on them at the same β. The held-out reward and
KL(π‖π_ref) are self-normalised importance estimates over the reference samples of held-out prompts:
    w_i = π(y_i)/π_ref(y_i) / Σ_j π(y_j)/π_ref(y_j),   V̂ = Σ_i w_i·R(y_i),   KL̂ = Σ_i w_i·ln(π(y_i)/π_ref(y_i)),
with effective sample size 1/Σ_i w_i².
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from llm_bridge.models import LoadedModel
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.settings import RewardOrderingSettings
from llm_bridge.pools import completion_pool
from llm_bridge.sampling import sample_completions
from llm_bridge.tasks import ARITHMETIC_TEMPLATE, arithmetic_prompts, arithmetic_reward, renormalise
from llm_bridge.train import OFFLINE_PREFERENCE_METHODS, train_pairs


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


def snis_evaluator(ref: np.ndarray, rewards: np.ndarray, num_train: int) -> Callable[[Tensor], dict[str, float]]:
    """Pool log-probs → held-out reward, KL and ESS (and the training prompts' reward) by self-normalised
    importance weights over each prompt's reference samples (``ref``, ``rewards``: [prompts, samples])."""
    train_rows, heldout_rows = slice(0, num_train), slice(num_train, ref.shape[0])

    def evaluate(logp: Tensor) -> dict[str, float]:
        log_w = logp.numpy().reshape(ref.shape) - ref
        w = renormalise(log_w)
        value = (w * rewards).sum(-1)
        kl_est = (w * log_w).sum(-1)
        ess = 1.0 / (w ** 2).sum(-1)
        return {"heldout_reward": float(value[heldout_rows].mean()), "train_reward": float(value[train_rows].mean()),
                "heldout_kl": float(kl_est[heldout_rows].mean()), "heldout_ess": float(ess[heldout_rows].mean())}

    return evaluate


def _scores(lm: LoadedModel, ops: Sequence[tuple[int, int]], completions: Sequence[list[int]], n: int) -> np.ndarray:
    return np.array([arithmetic_reward(*ops[i // n], lm.codec.decode(c), c[-1] == lm.codec.eos_id)
                     for i, c in enumerate(completions)]).reshape(len(ops), n)


def reward_ordering(lm: LoadedModel, settings: RewardOrderingSettings, rng: np.random.Generator,
                    generator: torch.Generator, lora_init: torch.Generator | None = None) -> Outcome:
    """One seed: ``rng`` draws the operands and the pairs, ``generator`` the reference samples. Metrics
    ``final_<name>/<method>`` and ``ref_*``; series ``<name>/<method>`` (name: heldout_reward, train_reward,
    heldout_kl, heldout_ess); wall times under ``timing/``."""
    train_ops, heldout_ops = arithmetic_prompts(rng, settings.num_train_prompts, settings.num_heldout_prompts)
    ops = train_ops + heldout_ops
    n = settings.samples_per_prompt
    prompt_ids = [lm.codec.prompt_ids(ARITHMETIC_TEMPLATE.format(a=a, b=b)) for a, b in ops]
    started = time.perf_counter()
    completions = sample_completions(lm.model, prompt_ids, n, settings.max_new_tokens, lm.codec.eos_id,
                                     lm.codec.pad_id, generator, settings.temperature, max_length=lm.codec.max_length)
    sampling_s = time.perf_counter() - started
    rewards = _scores(lm, ops, completions, n)
    policy = settings.policy(lm, completion_pool(lm, prompt_ids, completions), lora_init)
    ref = policy.ref_logp.numpy().reshape(len(ops), n)
    pairs, num_scored = scored_pairs(rng, rewards, len(train_ops), settings.steps, settings.batch_pairs)
    flat_reward = torch.as_tensor(rewards.reshape(-1), dtype=torch.float64)
    first = flat_reward[pairs[..., 0]] > flat_reward[pairs[..., 1]]
    evaluate = snis_evaluator(ref, rewards, len(train_ops))
    start = evaluate(policy.ref_logp)
    metrics = {"ref_heldout_reward": start["heldout_reward"], "ref_train_reward": start["train_reward"],
               "timing/sampling_s": sampling_s, "num_scored_pairs": float(num_scored),
               "reference_reward_std": float(rewards.std())}
    series: dict[str, list[float]] = {}
    for method in OFFLINE_PREFERENCE_METHODS:
        curves = train_pairs(policy, method, pairs, flat_reward, first, settings.beta, settings.lr, settings.clip,
                             evaluate, settings.eval_every)
        for name, curve in curves.items():
            metrics[f"final_{name}/{method}"] = curve[-1]
            series[f"{name}/{method}"] = curve
    return Outcome(metrics, series)
