"""Batched sequence log-probabilities of completions given prompts, correct under left or right padding.

For a sequence [prompt ; completion] the policy's log-probability of the completion is
    ln π(y | x) = Σ_{t ∈ completion} ln softmax(logits_{t−1})[token_t]
(the log-prob of token t comes from the logits at t − 1). One forward over the padded batch gives every
sequence; the completion mask is built from the lengths (never from the pad id, which may equal EOS), the
output layer is applied only at the positions that predict a completion token, and log-softmax and sums are
kept in float32 (or float64). With left padding the positions are passed explicitly.

:class:`TrunkCache` is the cheap training path ("last-k blocks with cached inputs"): the inputs of block
L − k are computed once for a fixed pool of sequences; afterwards only the last k blocks, the final norm and
the output layer (at completion positions) run — the same arithmetic as the full forward.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from bandits.objectives import sequence_logprob
from llm_bridge.models import decoder_layers

Padding = Literal["left", "right"]


@dataclass(frozen=True)
class SequenceBatch:
    """A padded batch of [prompt ; completion] sequences.

    ``target_mask[b, t]`` is True where token t of sequence b is a completion token (its log-prob counts).
    """

    input_ids: Tensor
    attention_mask: Tensor
    position_ids: Tensor
    target_mask: Tensor

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def select(self, index: Tensor, trim: bool = True) -> SequenceBatch:
        """The sub-batch of rows ``index``, trimmed (by default) of columns that are padding in every row."""
        mask = self.attention_mask[index]
        low, high = self.span(index) if trim else (0, mask.shape[1])
        return SequenceBatch(self.input_ids[index, low:high], mask[:, low:high],
                             self.position_ids[index, low:high], self.target_mask[index, low:high])

    def span(self, index: Tensor) -> tuple[int, int]:
        """First and one-past-last column that is not padding in every row of ``index``."""
        used = self.attention_mask[index].any(0).nonzero()
        return int(used.min()), int(used.max()) + 1

    def to(self, device: torch.device | str) -> SequenceBatch:
        return SequenceBatch(*(t.to(device) for t in (self.input_ids, self.attention_mask, self.position_ids,
                                                      self.target_mask)))


def collate(prompts: Sequence[Sequence[int]], completions: Sequence[Sequence[int]], pad_id: int,
            padding: Padding = "right", max_length: int | None = None) -> SequenceBatch:
    """Concatenate each prompt with its completion and pad the batch on the ``padding`` side.

    Raises ValueError on an empty prompt or completion, or a sequence longer than ``max_length`` (the context).
    """
    if len(prompts) != len(completions) or not prompts:
        raise ValueError(f"need as many prompts as completions (>0), got {len(prompts)} and {len(completions)}")
    if padding not in ("left", "right"):
        raise ValueError(f"padding must be left or right, got {padding!r}")
    for i, (p, c) in enumerate(zip(prompts, completions)):
        if len(p) == 0:
            raise ValueError(f"sequence {i}: empty prompt (the first completion token needs a prompt token)")
        if len(c) == 0:
            raise ValueError(f"sequence {i}: empty completion (nothing to score)")
        if max_length is not None and len(p) + len(c) > max_length:
            raise ValueError(f"sequence {i}: prompt of {len(p)} tokens + completion of {len(c)} tokens is longer "
                             f"than the model's context of {max_length} tokens")
    lengths = [len(p) + len(c) for p, c in zip(prompts, completions)]
    width = max(lengths)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(prompts), width), dtype=torch.long)
    target = torch.zeros((len(prompts), width), dtype=torch.bool)
    for i, (p, c) in enumerate(zip(prompts, completions)):
        start = width - lengths[i] if padding == "left" else 0
        ids[i, start:start + lengths[i]] = torch.tensor([*p, *c], dtype=torch.long)
        attention[i, start:start + lengths[i]] = 1
        target[i, start + len(p):start + lengths[i]] = True
    positions = (attention.cumsum(1) - 1).clamp_min(0)
    return SequenceBatch(ids, attention, positions, target)


def backbone(model: nn.Module) -> nn.Module:
    """The transformer without its output layer (``model.model`` for Llama, ``model.transformer`` for GPT-2)."""
    return getattr(model, model.base_model_prefix)


def _head_logprobs(model: nn.Module, hidden: Tensor, batch: SequenceBatch) -> Tensor:
    """Per-token log-probs [B, T] (zero off the completion) from final hidden states [B, T, d]."""
    predict = batch.target_mask[:, 1:]  # hidden state at t−1 predicts token t
    logits = model.get_output_embeddings()(hidden[:, :-1][predict])
    logits = logits.to(torch.promote_types(logits.dtype, torch.float32))
    cap = getattr(model.config, "final_logit_softcapping", None)
    if cap:
        logits = cap * torch.tanh(logits / cap)
    targets = batch.input_ids[:, 1:][predict]
    picked = logits.gather(-1, targets[:, None]).squeeze(-1) - torch.logsumexp(logits, -1)
    out = torch.zeros(batch.target_mask.shape, dtype=picked.dtype, device=picked.device)
    out[:, 1:][predict] = picked
    return out


def token_logprobs(model: nn.Module, batch: SequenceBatch) -> Tensor:
    """ln π(token_t | tokens_<t) at completion positions, 0 elsewhere: shape [B, T], float32 or wider."""
    hidden = backbone(model)(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                             position_ids=batch.position_ids, use_cache=False).last_hidden_state
    return _head_logprobs(model, hidden, batch)


def sequence_logprobs(model: nn.Module, batch: SequenceBatch) -> tuple[Tensor, Tensor]:
    """(per-sequence sums [B], per-token values [B, T]) of the completion log-probs (one forward)."""
    tokens = token_logprobs(model, batch)
    return sequence_logprob(tokens, batch.target_mask), tokens


def logprobs_in_chunks(model: nn.Module, batch: SequenceBatch, chunk: int = 32) -> Tensor:
    """Per-sequence completion log-probs without gradients, ``chunk`` sequences at a time."""
    with torch.no_grad():
        return torch.cat([sequence_logprobs(model, batch.select(torch.arange(s, min(s + chunk, len(batch)))))[0]
                          for s in range(0, len(batch), chunk)])


class _Stop(Exception):
    def __init__(self, hidden: Tensor) -> None:
        self.hidden = hidden


class _Passthrough(nn.Module):
    """Stands in for a skipped block: returns its input hidden states unchanged."""

    def forward(self, hidden_states: Tensor, *args, **kwargs) -> Tensor:  # noqa: ANN002, ANN003
        return hidden_states


def _hidden_argument(args: tuple, kwargs: dict) -> Tensor:
    return args[0] if args else kwargs["hidden_states"]


@contextmanager
def _starting_at_block(model: nn.Module, first: int, hidden: Tensor) -> Iterator[None]:
    """Within the context, a backbone forward skips blocks < ``first`` and feeds ``hidden`` to block ``first``."""
    layers = decoder_layers(model)
    saved = [layers[i] for i in range(first)]

    def substitute(module: nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        if args:
            return (hidden, *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": hidden}

    handle = layers[first].register_forward_pre_hook(substitute, with_kwargs=True)
    try:
        for i in range(first):
            layers[i] = _Passthrough()
        yield
    finally:
        handle.remove()
        for i, layer in enumerate(saved):
            layers[i] = layer


def block_inputs(model: nn.Module, batch: SequenceBatch, block: int) -> Tensor:
    """Hidden states entering block ``block`` (blocks ≥ ``block`` are not run), shape [B, T, d]."""
    layers = decoder_layers(model)

    def stop(module: nn.Module, args: tuple, kwargs: dict) -> None:
        raise _Stop(_hidden_argument(args, kwargs))

    handle = layers[block].register_forward_pre_hook(stop, with_kwargs=True)
    try:
        with torch.no_grad():
            backbone(model)(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                            position_ids=batch.position_ids, use_cache=False)
    except _Stop as stopped:
        return stopped.hidden.detach()
    finally:
        handle.remove()
    raise RuntimeError("block input was never reached")


class TrunkCache:
    """Inputs of block L − k for a fixed pool of sequences, computed once (no gradient through the trunk).

    ``token_logprobs(index)`` then runs only blocks L − k … L − 1, the final norm and the output layer; it
    equals :func:`token_logprobs` of the full model as long as blocks < L − k and the embeddings are frozen.
    """

    def __init__(self, model: nn.Module, pool: SequenceBatch, k: int, chunk: int = 32) -> None:
        num_layers = len(decoder_layers(model))
        if not 1 <= k <= num_layers:
            raise ValueError(f"last_k must be in 1..{num_layers}, got {k}")
        self.model, self.pool, self.first = model, pool, num_layers - k
        if self.first == 0:
            self.hidden = None
        else:
            parts = []
            for s in range(0, len(pool), chunk):
                rows = torch.arange(s, min(s + chunk, len(pool)))
                parts.append(block_inputs(model, pool.select(rows, trim=False), self.first))
            self.hidden = torch.cat(parts)

    def token_logprobs(self, index: Tensor) -> Tensor:
        """Per-token completion log-probs [b, T'] of pool rows ``index`` (T' = trimmed width)."""
        batch = self.pool.select(index)
        if self.hidden is None:
            return token_logprobs(self.model, batch)
        low, high = self.pool.span(index)
        hidden = self.hidden[index, low:high]
        with _starting_at_block(self.model, self.first, hidden):
            final = backbone(self.model)(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                                         position_ids=batch.position_ids, use_cache=False).last_hidden_state
        return _head_logprobs(self.model, final, batch)

    def sequence_logprobs(self, index: Tensor) -> Tensor:
        """Per-sequence completion log-probs [b] of pool rows ``index``."""
        return sequence_logprob(self.token_logprobs(index), self.pool.select(index).target_mask)
