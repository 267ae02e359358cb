"""The bridge's batched losses and gradients against ``bandits.objectives`` on one-at-a-time log-probs.

For one seed: a K-choice pool, the trainable weights perturbed away from π_ref, random pairs (y, y′) with scores,
labels and preferences. For every estimator of :data:`llm_bridge.train.ESTIMATORS`:
- the bridge: :func:`llm_bridge.train.estimator_loss` on batched log-probs, its gradient by autograd;
- the reference, independent of ``bandits.objectives``: the papers' loss written out in numpy (:func:`paper_loss`)
  on each sequence's own log-prob (a full forward per sequence), with its hand-derived ∂L/∂ln π(y), and the
  parameter gradient by the chain rule ∇L = Σ_y (∂L/∂ln π(y))·∇ln π(y).
Prop. 3 of the CoPG paper: with R(y_w) = ¼, R(y_l) = −¼, ∇CoPG = (β/2)·∇IPO(τ = β) on the LM's weights.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

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


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def paper_loss(method: str, lp: np.ndarray, a: np.ndarray, b: np.ndarray, ref: np.ndarray, reward: np.ndarray,
               first: np.ndarray, pref: np.ndarray, beta: float) -> tuple[float, np.ndarray]:
    """The mean loss of ``method`` over the pairs and its derivative ∂L/∂ln π(y) for every pool row, written out
    from the papers' equations in float64 numpy — independent of ``bandits.objectives`` (which the bridge calls),
    so a wrong estimator there makes the comparison fail. ``lp``, ``ref``, ``reward``: per pool row; ``a``, ``b``:
    the pairs' rows; R^π_β(y) = R(y) − β·ln(π(y)/π_ref(y)); stop-gradient surrogates differentiate ln π only
    where it multiplies the stopped factor.
    - CoPG (Eq. 18–19): L = −[R^π_β(y) − R^π_β(y′)]·(ln π(y) − ln π(y′)).
    - IPO (τ = β): L = (h − 1/(2τ))², h = ln(π/π_ref)(y_w) − ln(π/π_ref)(y_l).   DPO: L = −ln σ(τ·h).
    - naive PG (b = 0): L = −R^π_β(y)·ln π(y) − R^π_β(y′)·ln π(y′).
    - RLOO (k = 2, summed): L = −(R_1 − R_2)·ln π(y_1) − (R_2 − R_1)·ln π(y_2).
    - Nash-MD-PG: L = −[P(y ≻ y′) − ½ − τ·ln(π(y)/π_ref(y))]·ln π(y).
    Returns (mean loss, ∂(mean loss)/∂ln π per pool row)."""
    la, lb, ra, rb = lp[a], lp[b], reward[a], reward[b]
    sa, sb = ra - beta * (la - ref[a]), rb - beta * (lb - ref[b])
    if method in ("copg", "rloo"):  # with k = 2 the summed RLOO loss is CoPG's (CoPG Prop. 2)
        per_pair, ca, cb = -(sa - sb) * (la - lb), -(sa - sb), sa - sb
    elif method in ("ipo", "dpo"):
        h = np.where(first, 1.0, -1.0) * ((la - ref[a]) - (lb - ref[b]))  # log-ratio margin of y_w over y_l
        if method == "ipo":
            per_pair, dh = (h - 1.0 / (2.0 * beta)) ** 2, 2.0 * (h - 1.0 / (2.0 * beta))
        else:
            per_pair, dh = -np.log(_sigmoid(beta * h)), -beta * _sigmoid(-beta * h)
        ca = np.where(first, 1.0, -1.0) * dh
        cb = -ca
    elif method == "pg":
        per_pair, ca, cb = -sa * la - sb * lb, -sa, -sb
    elif method == "nash_md_pg":
        advantage = pref - 0.5 - beta * (la - ref[a])
        per_pair, ca, cb = -advantage * la, -advantage, np.zeros_like(lb)
    else:
        raise ValueError(f"no paper formula for {method!r}")
    n = len(a)
    coefficient = np.zeros(len(lp))
    np.add.at(coefficient, a, ca / n)
    np.add.at(coefficient, b, cb / n)
    return float(per_pair.mean()), coefficient


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
    numbers = [t.detach().double().numpy() for t in (values, pairs.a, pairs.b, pairs.ref, pairs.reward, pairs.first,
                                                      pairs.pref)]
    for method in ESTIMATORS:
        loss = pairs.bridge_loss(method, beta)
        grad = flat_grad(loss, params)
        lp, a, b, ref, reward, first, pref = numbers
        ref_loss, coefficient = paper_loss(method, lp, a.astype(int), b.astype(int), ref, reward, first > 0, pref,
                                           beta)
        ref_grad = sum(float(coefficient[r]) * jacobian[r] for r in jacobian)
        metrics[f"loss_abs_diff/{method}"] = abs(float(loss.detach()) - ref_loss)
        metrics[f"loss/{method}"] = ref_loss
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
