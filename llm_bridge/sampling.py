"""Sampling completions: plain (temperature) and the geometric mixture used by Nash-MD-PG.

At each token the next-token distribution is
    log_softmax( (1 − β)·log_softmax(logits_θ/T) + β·log_softmax(logits_ref/T) )
(Munos et al. 2023, §7, Eq. 11 applied per token: log π^β = (1 − β)·log π_θ + β·log π_ref + const); β = 0 is
plain sampling from π_θ. The prompts are prefilled once (left-padded, explicit positions) and their KV cache is
repeated for the ``num_samples`` completions. Every draw uses the caller's ``torch.Generator``.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from bandits.objectives import geometric_mixture_log_probs


def _cache_keyword(model: nn.Module) -> str:
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _cache_of(output: object) -> object:
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values


class _Stepper:
    """Incremental decoding of one model with its own KV cache."""

    def __init__(self, model: nn.Module, ids: Tensor, attention: Tensor, positions: Tensor, repeat: int) -> None:
        self.model, self.keyword = model, _cache_keyword(model)
        output = model(input_ids=ids, attention_mask=attention, position_ids=positions, use_cache=True)
        self.cache = _cache_of(output)
        if repeat > 1:
            self.cache.batch_repeat_interleave(repeat)
        self.logits = output.logits[:, -1].float().repeat_interleave(repeat, 0)

    def step(self, token: Tensor, attention: Tensor, position: Tensor) -> None:
        output = self.model(input_ids=token[:, None], attention_mask=attention, position_ids=position[:, None],
                            use_cache=True, **{self.keyword: self.cache})
        self.cache = _cache_of(output)
        self.logits = output.logits[:, -1].float()


@torch.no_grad()
def sample_completions(policy: nn.Module, prompts: Sequence[Sequence[int]], num_samples: int, max_new_tokens: int,
                       eos_id: int, pad_id: int, generator: torch.Generator, temperature: float = 1.0,
                       reference: nn.Module | None = None, mixture_beta: float = 0.0,
                       max_length: int | None = None) -> list[list[int]]:
    """``num_samples`` completions per prompt (prompt-major order), each ending with EOS unless cut at
    ``max_new_tokens``. With ``reference`` and ``mixture_beta`` > 0 they come from the geometric mixture."""
    if num_samples < 1 or max_new_tokens < 1:
        raise ValueError(f"num_samples and max_new_tokens must be >= 1, got {num_samples}, {max_new_tokens}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not 0.0 <= mixture_beta <= 1.0:
        raise ValueError(f"mixture_beta must be in [0, 1], got {mixture_beta}")
    if mixture_beta > 0 and reference is None:
        raise ValueError("mixture sampling (mixture_beta > 0) needs a reference model")
    if max_length is not None:
        for i, p in enumerate(prompts):
            if len(p) + max_new_tokens > max_length:
                raise ValueError(f"prompt {i}: {len(p)} tokens + {max_new_tokens} new tokens is longer than the "
                                 f"model's context of {max_length} tokens")
    device = next(policy.parameters()).device
    if not prompts or any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token")
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):  # left padding: every prompt ends at the last column
        ids[i, width - len(p):] = torch.tensor(list(p), dtype=torch.long)
        attention[i, width - len(p):] = 1
    positions = (attention.cumsum(1) - 1).clamp_min(0)
    ids, attention, positions = ids.to(device), attention.to(device), positions.to(device)
    steppers = [_Stepper(policy, ids, attention, positions, num_samples)]
    if mixture_beta > 0:
        steppers.append(_Stepper(reference, ids, attention, positions, num_samples))
    attention = attention.repeat_interleave(num_samples, 0)
    position = positions[:, -1].repeat_interleave(num_samples, 0)
    rows = attention.shape[0]
    tokens = torch.empty((rows, 0), dtype=torch.long, device=device)
    finished = torch.zeros(rows, dtype=torch.bool, device=device)
    for step in range(max_new_tokens):
        logp = torch.log_softmax(steppers[0].logits / temperature, -1)
        if len(steppers) > 1:  # per-token geometric mixture, from bandits.objectives
            logp = geometric_mixture_log_probs(logp, torch.log_softmax(steppers[1].logits / temperature, -1),
                                               mixture_beta)
        probs = logp.exp()
        token = torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(-1).to(device)
        token = torch.where(finished, torch.full_like(token, pad_id), token)
        tokens = torch.cat([tokens, token[:, None]], 1)
        finished |= token.eq(eos_id)
        if bool(finished.all()) or step == max_new_tokens - 1:
            break
        attention = torch.cat([attention, torch.ones_like(attention[:, :1])], 1)
        position = position + 1
        for stepper in steppers:
            stepper.step(token, attention, position)
    completions = []
    for row in tokens.tolist():
        out = []
        for t in row:
            out.append(t)
            if t == eos_id:
                break
        completions.append(out)
    return completions
