"""The bridge's batched losses and gradients against ``bandits.objectives`` on one-at-a-time log-probs.

For one seed: a K-choice pool, the trainable weights perturbed away from π_ref, random pairs (y, y′) with scores,
labels and preferences. For every estimator of :data:`llm_bridge.train.ESTIMATORS`:
- the bridge: :func:`llm_bridge.train.estimator_loss` on batched log-probs, its gradient by autograd;
- the reference: the ``bandits.objectives`` function called by hand on each sequence's own log-prob (a full
  forward per sequence), its parameter gradient by the chain rule ∇L = Σ_y (∂L/∂ln π(y))·∇ln π(y).
Prop. 3 of the CoPG paper: with R(y_w) = ¼, R(y_l) = −¼, ∇CoPG = (β/2)·∇IPO(τ = β) on the LM's weights.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from bandits import objectives
from llm_bridge.logprobs import sequence_logprobs
from llm_bridge.models import LoadedModel
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.settings import SameEstimatorsSettings
from llm_bridge.pools import k_choice_pool
from llm_bridge.tasks import k_choice_task
from llm_bridge.train import ESTIMATORS, PoolPolicy, estimator_loss, sample_pairs


def flat_grad(loss: Tensor, params: Sequence[Tensor]) -> Tensor:
    """∇loss over ``params`` as one float64 vector (zeros where a parameter is unused)."""
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1).double()
                      for g, p in zip(grads, params)])


def reference_loss(method: str, lp: Tensor, a: Tensor, b: Tensor, ref: Tensor, reward: Tensor, first: Tensor,
                   pref: Tensor, beta: float) -> Tensor:
    """The mean loss of ``method`` by ``bandits.objectives`` called directly on float64 log-probs ``lp`` of the
    pool (the numbers the bridge must match): CoPG Eq. 18–19 on (y, y′); IPO / DPO on the pair ordered by
    ``first``; naive PG (b = 0) on both samples; RLOO with k = 2; Nash-MD-PG against y′ with P(y ≻ y′) = pref."""
    la, lb, ra, rb = lp[a], lp[b], ref[a], ref[b]
    if method == "copg":
        return objectives.copg_loss(la, lb, ra, rb, reward[a], reward[b], beta).mean()
    if method in ("ipo", "dpo"):
        w, l_, rw, rl = (torch.where(first, la, lb), torch.where(first, lb, la), torch.where(first, ra, rb),
                         torch.where(first, rb, ra))
        return (objectives.ipo_loss if method == "ipo" else objectives.dpo_loss)(w, l_, rw, rl, beta).mean()
    if method == "pg":
        return (objectives.policy_gradient_loss(la, ra, reward[a], beta)
                + objectives.policy_gradient_loss(lb, rb, reward[b], beta)).mean()
    if method == "rloo":
        return objectives.rloo_loss(torch.stack([la, lb], -1), torch.stack([ra, rb], -1),
                                    torch.stack([reward[a], reward[b]], -1), beta).mean()
    if method == "nash_md_pg":
        return objectives.nash_md_pg_loss(la, ra, pref, beta).mean()
    raise ValueError(f"no reference loss for {method!r}")


def perturb(policy: PoolPolicy, std: float, generator: torch.Generator) -> None:
    """Add N(0, std²) noise to every trainable weight (so that π ≠ π_ref)."""
    with torch.no_grad():
        for p in policy.params:
            p.add_(std * torch.randn(p.shape, generator=generator, dtype=torch.float64).to(p))


def one_by_one(policy: PoolPolicy, rows: Tensor) -> tuple[Tensor, dict[int, Tensor]]:
    """ln π(y) of pool ``rows``, each sequence alone in a full forward, and each one's parameter gradient."""
    values, jacobian = torch.zeros(len(policy.pool), dtype=torch.float64), {}
    for r in rows.tolist():
        lp = sequence_logprobs(policy.model, policy.pool.select(torch.tensor([r])))[0][0]
        values[r] = lp.detach().double()
        jacobian[r] = flat_grad(lp, policy.params)
    return values, jacobian


class _Pairs:
    """Pairs (y, y′) as pool rows with their reference log-probs, scores, labels and preferences."""

    def __init__(self, policy: PoolPolicy, pairs: Tensor, reward: Tensor, first: Tensor, pref: Tensor) -> None:
        self.policy, self.a, self.b = policy, pairs[:, 0], pairs[:, 1]
        self.reward, self.first, self.pref, self.ref = reward, first, pref, policy.ref_logp

    def bridge_loss(self, method: str, beta: float, reward: Tensor | None = None) -> Tensor:
        """:func:`estimator_loss` on fresh batched log-probs (``reward`` [pairs, 2] replaces the scores)."""
        a, b, ref = self.a, self.b, self.ref
        lp_ab = self.policy.logprobs(torch.cat([a, b]))
        dt = lp_ab.dtype
        la, lb = lp_ab[: len(a)], lp_ab[len(a):]
        ra, rb = (self.reward[a], self.reward[b]) if reward is None else (reward[:, 0], reward[:, 1])
        return estimator_loss(method, la, lb, ref[a].to(dt), ref[b].to(dt), ra.to(dt), rb.to(dt), self.first,
                              self.pref.to(dt), beta).mean()


def _estimator_errors(pairs: _Pairs, beta: float, values: Tensor, jacobian: dict[int, Tensor]) -> dict[str, float]:
    metrics = {}
    params = pairs.policy.params
    for method in ESTIMATORS:
        loss = pairs.bridge_loss(method, beta)
        grad = flat_grad(loss, params)
        leaf = values.clone().requires_grad_(True)
        ref_loss = reference_loss(method, leaf, pairs.a, pairs.b, pairs.ref, pairs.reward, pairs.first, pairs.pref,
                                  beta)
        dloss = torch.autograd.grad(ref_loss, leaf)[0]
        ref_grad = sum(dloss[r] * jacobian[r] for r in jacobian)
        metrics[f"loss_abs_diff/{method}"] = abs(float(loss.detach()) - float(ref_loss.detach()))
        metrics[f"loss/{method}"] = float(ref_loss.detach())
        metrics[f"grad_rel_err/{method}"] = float((grad - ref_grad).norm() / ref_grad.norm().clamp_min(1e-300))
    return metrics


def _prop3(pairs: _Pairs, beta: float) -> dict[str, float]:
    """CoPG Prop. 3: R(y_w) = 1/4, R(y_l) = −1/4 ⇒ ∇CoPG = (β/2)·∇IPO(τ = β)."""
    quarter = torch.where(pairs.first, 0.25, -0.25)
    scores = torch.stack([quarter, -quarter], -1)
    g_copg = flat_grad(pairs.bridge_loss("copg", beta, scores), pairs.policy.params)
    g_ipo = flat_grad(pairs.bridge_loss("ipo", beta, scores), pairs.policy.params)
    return {"prop3_ratio": float(g_copg @ g_ipo / (g_ipo @ g_ipo)),
            "prop3_cosine": float(g_copg @ g_ipo / (g_copg.norm() * g_ipo.norm())),
            "prop3_expected_ratio": beta / 2}


def estimator_agreement(lm: LoadedModel, settings: SameEstimatorsSettings, rng: np.random.Generator,
                        generator: torch.Generator, lora_init: torch.Generator | None = None) -> Outcome:
    """One seed: ``rng`` draws the task, the pairs, labels and preferences; ``generator`` the weight noise."""
    task = k_choice_task(settings.num_prompts, rng)
    policy = settings.policy(lm, k_choice_pool(lm, task), lora_init)
    perturb(policy, settings.perturb, generator)
    k = task.num_candidates
    rows = torch.as_tensor(sample_pairs(rng, 1, settings.num_pairs, settings.num_prompts, k,
                                        np.full(k, 1.0 / k))[0])
    reward = torch.as_tensor(task.rewards.reshape(-1), dtype=torch.float64)
    first = torch.as_tensor(rng.random(settings.num_pairs) < 0.5)
    pref = torch.as_tensor(rng.uniform(0, 1, settings.num_pairs))
    pairs = _Pairs(policy, rows, reward, first, pref)
    values, jacobian = one_by_one(policy, torch.unique(rows))
    both = torch.cat([pairs.a, pairs.b])
    batched = policy.logprobs(both)
    metrics = {"logp_max_abs_diff": float((batched.detach().double() - values[both]).abs().max())}
    metrics.update(_estimator_errors(pairs, settings.beta, values, jacobian))
    metrics.update(_prop3(pairs, settings.beta))
    metrics["trainable_params"] = float(policy.num_trainable())
    return Outcome(metrics)
