"""KL-gradient estimators by Monte Carlo on a real language model (Tang & Munos 2025, arXiv 2506.09477).

π_θ is the LM with its last block's weights perturbed (each tensor by N(0, (perturb·std)²)), μ the unperturbed
LM; completions are exactly T tokens (no stop at EOS: the policy is the LM's conditionals over T-token strings),
sampled from π after one chat prompt. The gradient is taken along one direction of the policy: the per-token
geometric path π_λ(·|y_<t) = softmax(z_μ + λ·(z_θ − z_μ)) between μ (λ = 0) and π_θ (λ = 1), at λ = 1 — the
direction in which the perturbation moved the logits (with z the next-token logits of each model at the same
prefix). Forward-mode autodiff gives each sample's derivative dL/dλ of every estimator loss of
``bandits.objectives`` at once, so estimators are compared sample by sample on the same completions. The
reference is the Rao–Blackwellised estimator (:func:`bandits.objectives.kl_analytic_reward_to_go_loss`: the
full-vocabulary KL at each sampled prefix), whose expectation is ∂KL(π_λ‖μ)/∂λ exactly; each estimator's bias
is the mean of its paired difference to it, and its relative bias that mean over the reference's mean.
"""
from __future__ import annotations

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
from llm_bridge.sampling import _Stepper
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


def _dual_token_terms(z_pi: Tensor, z_mu: Tensor, token: Tensor, chunk: int = 128) -> tuple[Tensor, ...]:
    """At one position, for logits z_π, z_μ [N, V] and the sampled tokens [N]: (ln π_λ(y_t), d/dλ of it,
    ln μ(y_t), KL_t = KL(π_λ‖μ) over the vocabulary, d/dλ of it) at λ = 1, in float64, ``chunk`` rows at a time
    (row-wise operations: the same numbers as all at once, without N×V float64 temporaries)."""
    if z_pi.shape[0] > chunk:
        parts = [_dual_token_terms(z_pi[s:s + chunk], z_mu[s:s + chunk], token[s:s + chunk], chunk)
                 for s in range(0, z_pi.shape[0], chunk)]
        return tuple(torch.cat(column) for column in zip(*parts))
    ref = torch.log_softmax(z_mu.double(), -1)
    with fwad.dual_level():
        logp = torch.log_softmax(fwad.make_dual(z_pi.double(), z_pi.double() - z_mu.double()), -1)
        token_logp = logp.gather(-1, token[:, None]).squeeze(-1)
        token_kl = (logp.exp() * (logp - ref)).sum(-1)
        lp, klt = fwad.unpack_dual(token_logp), fwad.unpack_dual(token_kl)
        return (lp.primal.clone(), lp.tangent.clone(), ref.gather(-1, token[:, None]).squeeze(-1),
                klt.primal.clone(), klt.tangent.clone())


SAMPLE_CHUNK = 768
"""Completions decoded at once (the two KV caches and N×V logits of a chunk take ≈ 3 GB on SmolLM2)."""


@torch.no_grad()
def sample_token_terms(policy: torch.nn.Module, reference: torch.nn.Module, prompt_ids: list[int], length: int,
                       num_samples: int, generator: torch.Generator) -> dict[str, Tensor]:
    """Sample ``num_samples`` completions of ``length`` tokens from ``policy`` (one KV-cached prompt, at most
    :data:`SAMPLE_CHUNK` completions at a time, drawn in turn from ``generator``) and return the per-token terms of
    :func:`_dual_token_terms` stacked over positions, each [N, T] (float64, CPU)."""
    if num_samples > SAMPLE_CHUNK:
        parts = [sample_token_terms(policy, reference, prompt_ids, length, min(SAMPLE_CHUNK, num_samples - s),
                                    generator) for s in range(0, num_samples, SAMPLE_CHUNK)]
        return {name: torch.cat([part[name] for part in parts]) for name in parts[0]}
    device = next(policy.parameters()).device
    ids = torch.tensor([prompt_ids], dtype=torch.long, device=device)
    attention = torch.ones_like(ids)
    positions = torch.arange(ids.shape[1], device=device)[None]
    steppers = [_Stepper(model, ids, attention, positions, num_samples) for model in (policy, reference)]
    attention = attention.repeat(num_samples, 1)
    position = positions[:, -1].repeat(num_samples)
    columns = []
    for t in range(length):
        z_pi, z_mu = steppers[0].logits.cpu(), steppers[1].logits.cpu()
        probs = torch.softmax(z_pi.double(), -1)
        token = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
        columns.append(_dual_token_terms(z_pi, z_mu, token))
        if t < length - 1:
            attention = torch.cat([attention, torch.ones_like(attention[:, :1])], 1)
            position = position + 1
            for stepper in steppers:
                stepper.step(token.to(device), attention, position)
    names = ("logp", "dlogp", "ref_logp", "token_kl", "dtoken_kl")
    return {name: torch.stack([c[i] for c in columns], -1) for i, name in enumerate(names)}


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
