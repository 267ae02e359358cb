"""Trainers that optimise a language model with the estimators of :mod:`bandits.objectives`.

No loss is implemented here: every loss value comes from a ``bandits.objectives`` function applied to
sequence log-probabilities computed by :mod:`llm_bridge.logprobs`.

- :class:`PoolPolicy`: a trainable LM over a fixed pool of [prompt ; completion] sequences (offline data or
  the K candidates of a K-choice task) in one of three modes: ``full`` fine-tuning, ``lora`` (peft, rank r on
  every linear layer; A drawn from the caller's generator) or ``last_k`` (only the last k blocks + final norm
  train; the inputs of block L − k are cached once — :class:`llm_bridge.logprobs.TrunkCache`). Reference
  log-probs of the pool are computed once, before training (π_ref = the initial model).
- :func:`estimator_loss`: any estimator of ``bandits.objectives.LOSSES`` on a pair (the one name → loss table).
- :func:`train_pairs`: Adam + gradient clipping on pre-sampled (or all, weighted) pairs, optionally until a
  :class:`Plateau` stop rule passes.
- :func:`train_k_choice_on_policy`: on-policy RLOO, Nash-MD-PG and the polychromic set objective on a K-choice
  task, with the LM restricted (renormalised) to the K candidates of each prompt.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn

from bandits import objectives
from bandits.solvers import kl_torch
from llm_bridge.logprobs import SequenceBatch, TrunkCache, sequence_logprobs
from llm_bridge.models import LoadedModel, decoder_layers, final_norm

TrainMode = Literal["last_k", "full", "lora"]
TRAIN_MODES = ("last_k", "full", "lora")
_SHORT_NAMES = {name: short for short, name in objectives.ALIASES.items()}
ESTIMATORS = tuple(_SHORT_NAMES.get(name, name) for name, spec in objectives.LOSSES.items() if spec.baseline != "value")
"""Every estimator of ``bandits.objectives.LOSSES`` that a pair (y, y′) can feed, by its short name ("pg" = naive
PG with b = 0); PG with the exact value baseline needs E_π[R], unknown for a language model."""
PAIR_METHODS = tuple(m for m in ESTIMATORS if not objectives.loss_spec(m).on_policy)
"""Offline pair methods trained by :func:`train_pairs`: copg, ipo, dpo, pg."""
OFFLINE_PREFERENCE_METHODS = tuple(m for m in PAIR_METHODS if objectives.loss_spec(m).kind in ("scored", "ranked"))
"""The pair methods that learn from the pair alone (CoPG on its scores, IPO / DPO on its label): copg, ipo, dpo."""
ON_POLICY_METHODS = ("rloo", "nash_md_pg", "set")


class PoolPolicy:
    """A trainable LM scored on a fixed pool of sequences; ``reset()`` restores the initial weights."""

    def __init__(self, lm: LoadedModel, pool: SequenceBatch, mode: TrainMode = "last_k", last_k: int = 2,
                 lora_rank: int = 8, chunk: int = 32, generator: torch.Generator | None = None) -> None:
        if mode not in TRAIN_MODES:
            raise ValueError(f"unknown train mode {mode!r} (choose from {', '.join(TRAIN_MODES)})")
        self.lm, self.mode, self.chunk = lm, mode, chunk
        self.pool = pool.to(lm.device)
        model = lm.model
        model.requires_grad_(False)
        if mode == "lora":
            from peft import LoraConfig, get_peft_model

            self.peft = get_peft_model(model, LoraConfig(r=lora_rank, lora_alpha=2 * lora_rank, lora_dropout=0.0,
                                                         target_modules="all-linear"))
            self.model = self.peft.get_base_model()  # LoRA layers are injected in place
            params = [p for n, p in self.model.named_parameters() if "lora_" in n]
            if generator is not None:
                redraw_lora_a(self.model, generator)
        else:
            self.model = model
            if mode == "full":
                params = list(model.parameters())
            else:
                layers = decoder_layers(model)
                if not 1 <= last_k <= len(layers):
                    raise ValueError(f"last_k must be in 1..{len(layers)}, got {last_k}")
                params = [p for layer in layers[len(layers) - last_k:] for p in layer.parameters()]
                params += list(final_norm(model).parameters())
        for p in params:
            p.requires_grad_(True)
        self.params = params
        self.cache = TrunkCache(self.model, self.pool, last_k, chunk) if mode == "last_k" else None
        self.initial = [p.detach().clone() for p in params]
        self.ref_logp = self.all_logprobs()

    def reset(self) -> None:
        """Restore the trainable weights to their initial values (π = π_ref again)."""
        with torch.no_grad():
            for p, p0 in zip(self.params, self.initial):
                p.copy_(p0)

    def num_trainable(self) -> int:
        return sum(p.numel() for p in self.params)

    def logprobs(self, index: Tensor) -> Tensor:
        """Per-sequence completion log-probs of pool rows ``index`` (with gradient; each row computed once)."""
        unique, inverse = torch.unique(index, return_inverse=True)
        if self.cache is not None:
            values = self.cache.sequence_logprobs(unique.to(self.lm.device))
        else:
            values = sequence_logprobs(self.model, self.pool.select(unique.to(self.lm.device)))[0]
        return values[inverse.to(values.device)]

    def all_logprobs(self) -> Tensor:
        """Log-probs of every pool row, no gradient, in chunks (float64 on the CPU)."""
        with torch.no_grad():
            parts = [self.logprobs(torch.arange(s, min(s + self.chunk, len(self.pool))))
                     for s in range(0, len(self.pool), self.chunk)]
        return torch.cat(parts).detach().double().cpu()


def redraw_lora_a(model: nn.Module, generator: torch.Generator) -> None:
    """Draw every LoRA A matrix again from ``generator`` with peft's own initialiser (Kaiming-uniform, a = √5);
    the B matrices stay zero, so π = π_ref still. peft draws A from the global generator, whose state depends on
    whatever ran before in the process."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_A" in name:  # drawn on the CPU (where the generator lives), then copied to p's device
                p.copy_(nn.init.kaiming_uniform_(torch.empty(p.shape), a=math.sqrt(5), generator=generator))


def frozen_copy(model: nn.Module) -> nn.Module:
    """A reference policy: a deep copy with gradients off (for LoRA, use ``peft_model.disable_adapter()``)."""
    reference = copy.deepcopy(model).eval()
    reference.requires_grad_(False)
    return reference


def estimator_loss(method: str, logp: Tensor, logp_prime: Tensor, ref_logp: Tensor, ref_logp_prime: Tensor,
                   reward: Tensor, reward_prime: Tensor, first_preferred: Tensor, preference: Tensor,
                   beta: float) -> Tensor:
    """Any estimator of ``bandits.objectives.LOSSES`` on the pair (y, y′): the pair methods through
    ``objectives.pair_loss`` (CoPG on the scores, IPO/DPO with τ = β on the labels, naive PG with b = 0 on both
    samples), ``rloo`` (k = 2 samples y, y′ ∼ π) and ``nash_md_pg`` (y ∼ π against y′ with P(y ≻ y′) =
    ``preference``, τ = β)."""
    spec = objectives.loss_spec(method)
    if spec.kind == "group":
        return spec.fn(torch.stack([logp, logp_prime], -1), torch.stack([ref_logp, ref_logp_prime], -1),
                       torch.stack([reward, reward_prime], -1), beta)
    if spec.kind == "opponent":
        return spec.fn(logp, ref_logp, preference, beta)
    return objectives.pair_loss(method, logp, logp_prime, ref_logp, ref_logp_prime, reward, reward_prime, beta,
                                first_preferred)


def _adam_step(policy: PoolPolicy, optimizer: torch.optim.Optimizer, loss: Tensor, clip: float) -> None:
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.params, clip)
    optimizer.step()


@dataclass(frozen=True)
class Plateau:
    """Stop rule "the curve has plateaued": over the last ``window`` evaluations the mean of ln(metric) moved by at
    most ``tolerance`` from the mean of the ``window`` evaluations before (a factor e^tolerance; log scale because
    a KL falls over orders of magnitude). Needs 2·``window`` evaluations after the start."""

    metric: str
    window: int
    tolerance: float

    def __post_init__(self) -> None:
        if self.window < 1 or not self.tolerance > 0:
            raise ValueError(f"a plateau needs window >= 1 and tolerance > 0, got {self.window}, {self.tolerance}")

    def __call__(self, curves: Mapping[str, Sequence[float]]) -> bool:
        curve = np.log(np.maximum(np.asarray(curves[self.metric][1:], dtype=float), 1e-300))
        if len(curve) < 2 * self.window:
            return False
        last, before = curve[-self.window:].mean(), curve[-2 * self.window:-self.window].mean()
        return bool(abs(last - before) <= self.tolerance)


def train_pairs(policy: PoolPolicy, method: str, pairs: Tensor, rewards: Tensor, first_preferred: Tensor,
                beta: float, lr: float, clip: float, evaluate: Callable[[Tensor], dict[str, float]] | None,
                eval_every: int, weights: Tensor | None = None,
                stop: Callable[[dict[str, list[float]]], bool] | None = None) -> dict[str, list[float]]:
    """Offline training from pre-sampled pairs.

    ``pairs`` [steps, batch, 2] are pool rows (y, y′); ``rewards`` [pool] the scores; ``first_preferred``
    [steps, batch] the preference labels for IPO/DPO; ``weights`` [steps, batch] (optional) turn the batch mean
    into a weighted sum (e.g. an exact expectation over every pair). ``evaluate`` (optional) maps all pool
    log-probs to metrics; it runs before the first step and every ``eval_every`` steps (and after the last).
    ``stop`` (e.g. a :class:`Plateau`) ends training early after an evaluation. Returns one curve per metric, plus
    ``step`` (steps taken at each evaluation).
    """
    policy.reset()
    optimizer = torch.optim.Adam(policy.params, lr=lr)
    ref = policy.ref_logp.to(policy.lm.device)
    rewards = rewards.to(policy.lm.device)
    curves: dict[str, list[float]] = {}

    def record(step: int) -> None:
        measured = evaluate(policy.all_logprobs()) if evaluate is not None else {}
        for name, value in {**measured, "step": step}.items():
            curves.setdefault(name, []).append(float(value))

    record(0)
    for step, batch in enumerate(pairs):
        a, b = batch[:, 0], batch[:, 1]
        logp = policy.logprobs(torch.cat([a, b]))
        dtype = logp.dtype
        la, lb = logp[: len(a)], logp[len(a):]
        per_pair = objectives.pair_loss(method, la, lb, ref[a].to(dtype), ref[b].to(dtype), rewards[a].to(dtype),
                                        rewards[b].to(dtype), beta, first_preferred[step].to(policy.lm.device))
        loss = per_pair.mean() if weights is None else (per_pair * weights[step].to(per_pair)).sum()
        _adam_step(policy, optimizer, loss, clip)
        if (step + 1) % eval_every == 0 or step == len(pairs) - 1:
            record(step + 1)
            if stop is not None and stop(curves):
                break
    return curves


def restricted_logprobs(logp: Tensor, num_candidates: int) -> Tensor:
    """ln π_K(y | x): sequence log-probs [P·K] reshaped to [P, K] and renormalised over the K candidates."""
    grid = logp.reshape(-1, num_candidates)
    return grid - torch.logsumexp(grid, -1, keepdim=True)


def train_k_choice_on_policy(policy: PoolPolicy, method: str, num_candidates: int, steps: int,
                             samples_per_prompt: int, regularisation: float, generator: torch.Generator,
                             lr: float, clip: float, evaluate: Callable[[Tensor], dict[str, float]],
                             eval_every: int, rewards: Tensor | None = None, preference: Tensor | None = None,
                             mixture_beta: float = 0.0, set_size: int = 2,
                             exact_kl: bool = False) -> dict[str, list[float]]:
    """On-policy training on a K-choice task; every step scores all P·K pool rows and samples from π_K.

    - ``rloo``: k = ``samples_per_prompt`` samples y_i ∼ π_K per prompt, ``objectives.rloo_loss`` on ``rewards``
      [P, K] with β = ``regularisation``.
    - ``nash_md_pg``: y ∼ π_K, y′ ∼ π^β_K (the geometric mixture with π_ref,K, stop-gradient),
      ``objectives.nash_md_pg_loss`` on P(y ≻ y′) from ``preference`` [P, K, K] with τ = ``regularisation``;
      with ``exact_kl`` only the preference term is sampled (``nash_md_pg_loss`` at τ = 0) and τ·KL(π_K‖π_ref,K)
      is computed exactly over the K candidates (:func:`bandits.solvers.kl_torch`) — the same expected gradient
      of P(π ≻ π^β) − τ·KL(π‖π_ref) without the variance of the sampled log-ratio.
    - ``set``: ``samples_per_prompt`` = M·n samples per prompt split into M disjoint sets of ``set_size`` = n;
      each set is scored by ``objectives.polychromic_set_score`` (mean reward × distinct candidates / n) on the
      regularised reward R − β·ln(π/π_ref) (β = ``regularisation``), and ``objectives.set_objective_loss``
      credits each set's score minus the mean over the prompt's sets to its members.
    """
    if method not in ON_POLICY_METHODS:
        raise ValueError(f"unknown on-policy method {method!r} (choose from {', '.join(ON_POLICY_METHODS)})")
    policy.reset()
    optimizer = torch.optim.Adam(policy.params, lr=lr)
    device = policy.lm.device
    ref_k = restricted_logprobs(policy.ref_logp, num_candidates).to(device)
    every_row = torch.arange(len(policy.pool))
    curves: dict[str, list[float]] = {}

    def record(logp: Tensor) -> None:
        for name, value in evaluate(logp.detach().double().cpu()).items():
            curves.setdefault(name, []).append(float(value))

    record(policy.all_logprobs())
    for step in range(steps):
        logp = policy.logprobs(every_row)
        logp_k = restricted_logprobs(logp, num_candidates)
        prompts = torch.arange(logp_k.shape[0], device=device)[:, None]
        probs = logp_k.detach().exp().double().cpu()
        y = torch.multinomial(probs, samples_per_prompt, replacement=True, generator=generator).to(device)
        chosen, chosen_ref = logp_k[prompts, y], ref_k[prompts, y].to(logp_k.dtype)
        if method == "rloo":
            if rewards is None:
                raise ValueError("rloo needs rewards [P, K]")
            r = rewards.to(device=device, dtype=logp_k.dtype)[prompts, y]
            loss = objectives.rloo_loss(chosen, chosen_ref, r, regularisation).mean()
        elif method == "set":
            if rewards is None:
                raise ValueError("the set objective needs rewards [P, K]")
            if set_size < 1 or samples_per_prompt % set_size or samples_per_prompt // set_size < 2:
                raise ValueError(f"the set objective needs samples_per_prompt = M·set_size with M >= 2, got "
                                 f"{samples_per_prompt} samples and set_size {set_size}")
            r = objectives.regularized_reward(rewards.to(device=device, dtype=logp_k.dtype)[prompts, y],
                                              chosen.detach(), chosen_ref, regularisation)
            members = torch.arange(samples_per_prompt, device=device).reshape(-1, set_size)
            scores = objectives.polychromic_set_score(r[:, members], y[:, members])
            loss = objectives.set_objective_loss(chosen, scores, members).mean()
        else:
            if preference is None:
                raise ValueError("nash_md_pg needs a preference tensor [P, K, K]")
            mixture = objectives.geometric_mixture_log_probs(logp_k.detach(), ref_k.to(logp_k.dtype),
                                                            mixture_beta).exp().double().cpu()
            y_prime = torch.multinomial(mixture, samples_per_prompt, replacement=True, generator=generator).to(device)
            pref = preference.to(device=device, dtype=logp_k.dtype)[prompts, y, y_prime]
            if exact_kl:
                loss = (objectives.nash_md_pg_loss(chosen, chosen_ref, pref, 0.0).mean()
                        + regularisation * kl_torch(logp_k.exp(), ref_k.to(logp_k.dtype).exp()).mean())
            else:
                loss = objectives.nash_md_pg_loss(chosen, chosen_ref, pref, regularisation).mean()
        _adam_step(policy, optimizer, loss, clip)
        if (step + 1) % eval_every == 0 or step == steps - 1:
            record(policy.all_logprobs())
    return curves


def sample_pairs(rng: np.random.Generator, steps: int, batch: int, num_prompts: int, num_candidates: int,
                 mu: np.ndarray) -> np.ndarray:
    """Pool rows [steps, batch, 2] of pairs (y, y′): prompt uniform, y and y′ independently ∼ μ over K."""
    prompt = rng.integers(0, num_prompts, size=(steps, batch))
    choice = rng.choice(num_candidates, size=(steps, batch, 2), p=mu)
    return prompt[..., None] * num_candidates + choice
