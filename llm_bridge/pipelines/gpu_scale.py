"""The K-choice runs on CUDA (e.g. bfloat16 weights, a larger batch) with throughput and peak memory; the same code
runs on the CPU (no synchronisation, no memory counter), which is how the tests exercise it.

Throughput: sequence log-probs (:func:`llm_bridge.logprobs.sequence_logprobs`, no gradient) of
``throughput_batch`` K-choice sequences, five timed forwards after one warm-up, in tokens per second.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from llm_bridge.logprobs import sequence_logprobs
from llm_bridge.models import LoadedModel
from llm_bridge.pipelines.k_choice import k_choice_fixed_point
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.settings import GpuScaleSettings
from llm_bridge.pools import k_choice_pool
from llm_bridge.tasks import k_choice_task

TIMED_FORWARDS = 5


def gpu_available() -> bool:
    """Whether CUDA can run here."""
    return torch.cuda.is_available()


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def logprob_throughput(lm: LoadedModel, num_prompts: int, batch_size: int, rng: np.random.Generator) -> float:
    """Log-prob tokens per second on ``lm``'s device for a batch of ``batch_size`` K-choice sequences (``rng``:
    rewards of the task, which the timing does not use)."""
    pool = k_choice_pool(lm, k_choice_task(num_prompts, rng))
    batch = pool.select(torch.arange(batch_size) % len(pool)).to(lm.device)
    tokens = int(batch.attention_mask.sum())
    with torch.no_grad():
        sequence_logprobs(lm.model, batch)
        _synchronize(lm.device)
        started = time.perf_counter()
        for _ in range(TIMED_FORWARDS):
            sequence_logprobs(lm.model, batch)
        _synchronize(lm.device)
    return TIMED_FORWARDS * tokens / (time.perf_counter() - started)


def gpu_scale(lm: LoadedModel, settings: GpuScaleSettings, rng: np.random.Generator,
              throughput_rng: np.random.Generator, lora_init: torch.Generator | None = None) -> Outcome:
    """One seed on ``settings.device`` (the CUDA path; on the CPU it runs the same code, as the smoke test does):
    ``gpu_available`` = 1 on CUDA (0 elsewhere), the K-choice metrics and series (``rng`` as in
    :func:`k_choice_fixed_point`); measurements of the machine, not of the result, under ``timing/``:
    ``logprob_tokens_per_s`` and, on CUDA, ``peak_memory_gb`` over the whole seed."""
    cuda = lm.device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(lm.device)
    metrics = {"gpu_available": float(cuda), "timing/logprob_tokens_per_s": logprob_throughput(
        lm, settings.num_prompts, settings.throughput_batch, throughput_rng)}
    outcome = k_choice_fixed_point(lm, settings, rng, lora_init)
    metrics.update(outcome.metrics)
    if cuda:
        metrics["timing/peak_memory_gb"] = torch.cuda.max_memory_allocated(lm.device) / 2**30
    return Outcome(metrics, dict(outcome.series))
