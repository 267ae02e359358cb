"""Pools of [prompt ; completion] sequences for one model: what a :class:`llm_bridge.train.PoolPolicy` scores.

- :func:`k_choice_pool`: the K candidates of every prompt of a K-choice task, row p·K + k = candidate k of
  prompt p (right padding).
- :func:`completion_pool`: sampled completions, ``num_samples`` per prompt in prompt-major order.
"""
from __future__ import annotations

from collections.abc import Sequence

from llm_bridge.logprobs import SequenceBatch, collate
from llm_bridge.models import LoadedModel
from llm_bridge.tasks import KChoiceTask


def k_choice_pool(lm: LoadedModel, task: KChoiceTask) -> SequenceBatch:
    """Every (prompt, candidate) sequence of ``task``, tokenised by ``lm``'s codec, prompt-major."""
    prompts, completions = task.sequences()
    return collate([lm.codec.prompt_ids(p) for p in prompts], [lm.codec.completion_ids(c) for c in completions],
                   lm.codec.pad_id, "right", lm.codec.max_length)


def completion_pool(lm: LoadedModel, prompt_ids: Sequence[Sequence[int]],
                    completions: Sequence[Sequence[int]]) -> SequenceBatch:
    """Sampled ``completions`` (prompt-major, the same number per prompt) after their prompts."""
    per_prompt = len(completions) // len(prompt_ids)
    return collate([prompt_ids[i // per_prompt] for i in range(len(completions))], completions, lm.codec.pad_id,
                   "right", lm.codec.max_length)
