"""KL-gradient estimators by Monte Carlo on a real language model (Tang & Munos 2025, arXiv 2506.09477).

π_θ is the LM with its last block's weights perturbed (each tensor by N(0, (perturb·std)²)), μ the unperturbed
LM; completions are exactly T tokens (no stop at EOS: the policy is the LM's conditionals over T-token strings),
sampled from π after one chat prompt. The gradient is taken along one direction of the policy: the per-token
geometric path π_λ(·|y_<t) = softmax(z_μ + λ·(z_θ − z_μ)) between μ (λ = 0) and π_θ (λ = 1), at λ = 1 — the
direction in which the perturbation moved the logits (with z the next-token logits of each model at the same
prefix). Completions are decoded as a prefix tree (each distinct prefix runs through the models once; the
samples stay i.i.d. from π). Forward-mode autodiff gives each sample's derivative dL/dλ of every estimator loss of
``bandits.objectives`` at once (from the per-token terms and their closed-form λ-derivatives), so estimators are
compared sample by sample on the same completions. The reference is the Rao–Blackwellised estimator
(:func:`bandits.objectives.kl_analytic_reward_to_go_loss`: the full-vocabulary KL at each sampled prefix), whose
expectation is ∂KL(π_λ‖μ)/∂λ exactly; each estimator's bias is the mean of its paired difference to it, and its
relative bias that mean over the reference's mean.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.autograd.forward_ad as fwad
from torch import Tensor

from bandits.objectives import KL_GRADIENT_ESTIMATORS, kl_analytic_reward_to_go_loss, kl_gradient_loss
from llm_bridge.models import LoadedModel, decoder_layers
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.settings import ModelSettings
from llm_bridge.sampling import _cache_keyword, _cache_of
from llm_bridge.tasks import CATEGORIES
from llm_bridge.train import frozen_copy

REFERENCE = "analytic_reward_to_go"
"""The Monte-Carlo reference estimator (unbiased, lowest variance)."""


@dataclass(frozen=True)
class KLGradientLMSettings(ModelSettings):
    """``num_samples`` completions of ``length`` tokens per seed; last block perturbed by ``perturb``·std."""

    length: int
    num_samples: int
    perturb: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 2 <= self.length <= 8:
            raise ValueError(f"length must be in 2..8 tokens, got {self.length}")
        if self.num_samples < 2:
            raise ValueError(f"num_samples must be >= 2, got {self.num_samples}")
        if not self.perturb > 0:
            raise ValueError(f"perturb must be > 0, got {self.perturb}")


def perturb_last_block(model: torch.nn.Module, scale: float, generator: torch.Generator) -> None:
    """Add N(0, (scale·std(W))²) noise to every weight tensor W of the last transformer block, in place."""
    with torch.no_grad():
        for p in decoder_layers(model)[-1].parameters():
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float64)
            p.add_((scale * p.detach().double().std() * noise).to(p.dtype).to(p.device))


def _token_terms(z_pi: Tensor, z_mu: Tensor, row: Tensor, token: Tensor, chunk: int = 128) -> tuple[Tensor, ...]:
    """At one position, for the logits z_π, z_μ [M, V] of M distinct prefixes and N samples (``row`` [N]: the
    prefix of each, ``token`` [N]: its sampled token): (ln π_λ(y_t), d/dλ of it, ln μ(y_t), KL_t = KL(π_λ‖μ) over
    the vocabulary, d/dλ of it) per sample at λ = 1, each [N], in float64, ``chunk`` prefixes at a time (row-wise
    operations: the same numbers as all at once, without M×V float64 temporaries). Along the path
    z_λ = z_μ + λ·δ (δ = z_π − z_μ) the derivatives are closed forms: d ln π_λ(v)/dλ = δ_v − E_π[δ] and
    dKL_t/dλ = Σ_v π(v)·(δ_v − E_π[δ])·ln(π(v)/μ(v)) (the term Σ_v π(v)·d ln π_λ(v)/dλ is 0); a test checks them
    against reverse-mode autodiff."""
    out = torch.zeros(5, row.shape[0], dtype=torch.float64)
    for start in range(0, z_pi.shape[0], chunk):
        mine = (row >= start) & (row < start + chunk)
        local, tok = row[mine] - start, token[mine]
        pi, mu = z_pi[start:start + chunk].double(), z_mu[start:start + chunk].double()
        logp, ref = torch.log_softmax(pi, -1), torch.log_softmax(mu, -1)
        probs, delta = logp.exp(), pi - mu
        centred = delta - (probs * delta).sum(-1, keepdim=True)
        log_ratio = logp - ref
        out[0, mine], out[1, mine], out[2, mine] = logp[local, tok], centred[local, tok], ref[local, tok]
        out[3, mine] = (probs * log_ratio).sum(-1)[local]
        out[4, mine] = (probs * centred * log_ratio).sum(-1)[local]
    return tuple(out)


PREFIX_CHUNK = 256
"""Distinct prefixes run through a model at once (each holds a copy of the prompt's KV cache, ≈ 1.4 MB on SmolLM2)."""


class _PromptModel:
    """One model with the KV cache of one prompt (computed once): next-token logits after any set of prefixes."""

    def __init__(self, model: torch.nn.Module, prompt_ids: list[int]) -> None:
        self.model, self.keyword = model, _cache_keyword(model)
        self.device = next(model.parameters()).device
        ids = torch.tensor([prompt_ids], dtype=torch.long, device=self.device)
        output = model(input_ids=ids, use_cache=True)
        self.cache, self.first = _cache_of(output), output.logits[:, -1].float().cpu()

    def logits(self, prefixes: Tensor) -> Tensor:
        """Next-token logits [M, V] (float32, CPU) after the prompt and each row of ``prefixes`` [M, t] (t = 0:
        the prompt's own, M = 1), :data:`PREFIX_CHUNK` rows at a time on a copy of the prompt's cache."""
        if prefixes.shape[1] == 0:
            return self.first
        length = self.cache.get_seq_length()
        out = []
        for chunk in prefixes.split(PREFIX_CHUNK):
            cache = copy.deepcopy(self.cache)
            cache.batch_repeat_interleave(chunk.shape[0])
            ids = chunk.to(self.device)
            attention = torch.ones((ids.shape[0], length + ids.shape[1]), dtype=torch.long, device=self.device)
            positions = torch.arange(length, length + ids.shape[1], device=self.device).expand_as(ids)
            output = self.model(input_ids=ids, attention_mask=attention, position_ids=positions, use_cache=True,
                                **{self.keyword: cache})
            out.append(output.logits[:, -1].float().cpu())
        return torch.cat(out)


def _draw(logits: Tensor, row: Tensor, generator: torch.Generator) -> Tensor:
    """One token per sample from its prefix's next-token distribution softmax(``logits[row]``) (``logits`` [M, V],
    ``row`` [N]): each prefix's samples drawn together (with replacement, float64 probabilities), prefixes in order."""
    token = torch.empty_like(row)
    order = torch.argsort(row, stable=True)
    counts = torch.bincount(row, minlength=logits.shape[0]).tolist()
    for m, members in enumerate(order.split(counts)):
        if counts[m]:
            probs = torch.softmax(logits[m].double(), -1)
            token[members] = torch.multinomial(probs, counts[m], replacement=True, generator=generator)
    return token


@torch.no_grad()
def sample_token_terms(policy: torch.nn.Module, reference: torch.nn.Module, prompt_ids: list[int], length: int,
                       num_samples: int, generator: torch.Generator) -> dict[str, Tensor]:
    """Sample ``num_samples`` i.i.d. completions of ``length`` tokens from ``policy`` after one prompt and return
    the per-token terms of :func:`_token_terms` stacked over positions, each [N, T] (float64, CPU), and the
    sampled ``tokens`` [N, T].

    Decoded as a prefix tree: the completions share the prompt, and many share their first tokens, so at each
    position the two models run once per *distinct* prefix y_<t (one row at t = 0) and the terms are computed per
    distinct prefix, then gathered per sample — each sample's numbers are those of decoding it alone, at a
    fraction of the cost."""
    models = [_PromptModel(model, prompt_ids) for model in (policy, reference)]
    prefixes = torch.zeros((1, 0), dtype=torch.long)  # the distinct prefixes y_<t, [M, t]
    row = torch.zeros(num_samples, dtype=torch.long)  # each sample's prefix
    columns = []
    for t in range(length):
        z_pi, z_mu = (m.logits(prefixes) for m in models)
        token = _draw(z_pi, row, generator)
        columns.append(_token_terms(z_pi, z_mu, row, token))
        if t < length - 1:
            vocab = z_pi.shape[-1]
            distinct, row = torch.unique(row * vocab + token, return_inverse=True)
            prefixes = torch.cat([prefixes[distinct // vocab], (distinct % vocab)[:, None]], 1)
    names = ("logp", "dlogp", "ref_logp", "token_kl", "dtoken_kl")
    terms = {name: torch.stack([c[i] for c in columns], -1) for i, name in enumerate(names)}
    terms["tokens"] = torch.cat([prefixes[row], token[:, None]], 1)
    return terms


def per_sample_derivatives(terms: dict[str, Tensor]) -> dict[str, Tensor]:
    """dL/dλ per sample [N] of every estimator of ``KL_GRADIENT_ESTIMATORS`` and of the reference, by forward-mode
    autodiff through the ``bandits.objectives`` losses (stop-gradients drop the tangent)."""
    out = {}
    with fwad.dual_level():
        token_logp = fwad.make_dual(terms["logp"], terms["dlogp"])
        token_kl = fwad.make_dual(terms["token_kl"], terms["dtoken_kl"])
        for name in KL_GRADIENT_ESTIMATORS:
            out[name] = fwad.unpack_dual(kl_gradient_loss(name, token_logp, terms["ref_logp"])).tangent.clone()
        out[REFERENCE] = fwad.unpack_dual(kl_analytic_reward_to_go_loss(token_logp, token_kl)).tangent.clone()
    return out


def kl_gradients_lm(lm: LoadedModel, settings: KLGradientLMSettings, rng: np.random.Generator,
                    perturbation: torch.Generator, samples: torch.Generator) -> Outcome:
    """One seed: a prompt (drawn by ``rng``), a perturbed policy, ``num_samples`` completions; per estimator the
    mean derivative, its paired bias against the reference and the bias relative to the reference's mean."""
    start = time.process_time()
    prompt = CATEGORIES[int(rng.integers(len(CATEGORIES)))][0]
    reference = frozen_copy(lm.model)
    perturb_last_block(lm.model, settings.perturb, perturbation)
    terms = sample_token_terms(lm.model, reference, lm.codec.prompt_ids(prompt), settings.length,
                               settings.num_samples, samples)
    grads = per_sample_derivatives(terms)
    ref = grads[REFERENCE]
    ref_mean = float(ref.mean())
    n = ref.numel()
    metrics = {"kl": float(terms["token_kl"].sum(-1).mean()), "grad/reference": ref_mean,
               "grad_se/reference": float(ref.std() / n ** 0.5), "num_samples": float(n)}
    for name in KL_GRADIENT_ESTIMATORS:
        diff = grads[name] - ref
        metrics[f"grad/{name}"] = float(grads[name].mean())
        metrics[f"bias/{name}"] = float(diff.mean())
        metrics[f"bias_se/{name}"] = float(diff.std() / n ** 0.5)
        metrics[f"rel_bias/{name}"] = float(diff.mean()) / ref_mean
    metrics["timing/cpu_seconds"] = time.process_time() - start
    return Outcome(metrics)
