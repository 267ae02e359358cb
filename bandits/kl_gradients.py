"""KL-gradient estimators on an exact tabular autoregressive policy (Tang & Munos 2025, arXiv 2506.09477).

A policy over sequences y = (y_1..y_T) of a vocabulary of V tokens is a logits table with one row per prefix
(Σ_{t<T} V^t rows of V logits): π(y) = Π_t softmax(θ[y_<t])[y_t]. Every expectation is a sum over the V^T
sequences, in float64, so an estimator's expected gradient E_{y∼π}[ĝ(y)] = ∇_θ Σ_y sg[π(y)]·L(y) is exact, and
so is ∇KL(π‖μ) (autograd of the enumerated KL). Nash-MD-PG runs on the expected gradient of each estimator
against the sequence-level geometric mixture π^β ∝ π^{1−β}·μ^β, and is compared with the fixed point
softmax(log μ + P π^β/τ) of ``bandits.solvers.nash_md_pg_fixed_point`` (computed independently, by a root finder).
Everything is batched over leading dimensions (instances).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from bandits.objectives import KL_GRADIENT_ESTIMATORS, kl_analytic_reward_to_go_loss, kl_gradient_loss
from bandits.outcome import SeedOutcome
from bandits.solvers import kl, nash_md_pg_fixed_point

ESTIMATORS = (*KL_GRADIENT_ESTIMATORS, "analytic_reward_to_go")
"""Estimators compared: the sampled-token ones of ``bandits.objectives`` and the Rao–Blackwellised reference."""


@dataclass(frozen=True)
class SequenceTree:
    """All V^T sequences of length T and, for each sequence and position t, the row (prefix) of the logits table.

    Rows are numbered level by level: the empty prefix is row 0, the V prefixes of length 1 rows 1..V, etc."""

    vocab: int
    length: int
    sequences: Tensor
    """[V^T, T] token ids, lexicographic order."""
    rows: Tensor
    """[V^T, T] row of the logits table that emits token t of each sequence."""

    @property
    def num_rows(self) -> int:
        return sum(self.vocab ** t for t in range(self.length))


def sequence_tree(vocab: int, length: int) -> SequenceTree:
    """The tree of every sequence of ``length`` tokens over ``vocab`` tokens (V ≥ 2, T ≥ 1, V^T ≤ 10⁵)."""
    if vocab < 2 or length < 1 or vocab ** length > 100_000:
        raise ValueError(f"need vocab >= 2, length >= 1 and vocab**length <= 1e5, got vocab={vocab}, length={length}")
    grid = torch.cartesian_prod(*[torch.arange(vocab)] * length).reshape(-1, length)
    rows = torch.zeros_like(grid)
    offset, prefix = 0, torch.zeros(grid.shape[0], dtype=torch.long)
    for t in range(length):
        rows[:, t] = offset + prefix
        offset += vocab ** t
        prefix = prefix * vocab + grid[:, t]
    return SequenceTree(vocab, length, grid, rows)


def token_log_probs(logits: Tensor, tree: SequenceTree) -> tuple[Tensor, Tensor]:
    """(per-token log-probs [..., V^T, T] of every sequence, full next-token log-distributions [..., V^T, T, V])
    under the logits table ``logits`` [..., rows, V]."""
    full = torch.log_softmax(logits, -1)[..., tree.rows, :]
    return full.gather(-1, tree.sequences[..., None].expand(*full.shape[:-1], 1)).squeeze(-1), full


def sequence_log_probs(logits: Tensor, tree: SequenceTree) -> Tensor:
    """ln π(y) for every sequence, [..., V^T]."""
    return token_log_probs(logits, tree)[0].sum(-1)


def exact_kl(logits: Tensor, ref_logits: Tensor, tree: SequenceTree) -> Tensor:
    """KL(π‖μ) = Σ_y π(y)·ln(π(y)/μ(y)) over all sequences, [...] (differentiable in ``logits``)."""
    logp, ref = sequence_log_probs(logits, tree), sequence_log_probs(ref_logits, tree)
    return (logp.exp() * (logp - ref)).sum(-1)


def estimator_loss(name: str, logits: Tensor, ref_logits: Tensor, tree: SequenceTree) -> Tensor:
    """Per-sequence loss [..., V^T] of estimator ``name`` (one of :data:`ESTIMATORS`)."""
    token_logp, full = token_log_probs(logits, tree)
    ref_token_logp, ref_full = token_log_probs(ref_logits, tree)
    if name == "analytic_reward_to_go":
        token_kl = (full.exp() * (full - ref_full)).sum(-1)
        return kl_analytic_reward_to_go_loss(token_logp, token_kl)
    return kl_gradient_loss(name, token_logp, ref_token_logp)


def expected_loss(name: str, logits: Tensor, ref_logits: Tensor, tree: SequenceTree) -> Tensor:
    """Σ_y sg[π(y)]·L(y): its gradient is the estimator's exact expected gradient E_{y∼π}[∇L(y)], [...]."""
    weights = sequence_log_probs(logits, tree).detach().exp()
    return (weights * estimator_loss(name, logits, ref_logits, tree)).sum(-1)


def _grad(value: Tensor, logits: Tensor) -> Tensor:
    return torch.autograd.grad(value.sum(), logits)[0]


def gradient_table(logits: Tensor, ref_logits: Tensor, tree: SequenceTree) -> dict[str, Tensor]:
    """∇KL ("exact") and every estimator's expected gradient, each [..., rows, V], in the dtype of ``logits``."""
    theta = logits.detach().clone().requires_grad_(True)
    out = {"exact": _grad(exact_kl(theta, ref_logits, tree), theta)}
    for name in ESTIMATORS:
        out[name] = _grad(expected_loss(name, theta, ref_logits, tree), theta)
    return out


def random_instance(rng: np.random.Generator, tree: SequenceTree, policy_scale: float, ref_scale: float,
                    preference_scale: float, dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor, np.ndarray]:
    """(π's logits, μ's logits, a preference matrix P over the V^T sequences): logits N(0, scale²) per entry;
    P = σ(A) with A antisymmetric, A_ij ~ N(0, preference_scale²) (P + Pᵀ = 1, diagonal ½, intransitive)."""
    ref = rng.normal(0.0, ref_scale, (tree.num_rows, tree.vocab))
    policy = ref + rng.normal(0.0, policy_scale, ref.shape)
    k = tree.vocab ** tree.length
    upper = np.triu(rng.normal(0.0, preference_scale, (k, k)), 1)
    matrix = 1.0 / (1.0 + np.exp(-(upper - upper.T)))
    return torch.tensor(policy, dtype=dtype), torch.tensor(ref, dtype=dtype), matrix


def mixture_opponent(logp: Tensor, ref_logp: Tensor, beta: float) -> Tensor:
    """The sequence-level geometric mixture π^β ∝ π^{1−β}·μ^β from ln π(y), ln μ(y) [..., V^T], detached."""
    return torch.softmax((1.0 - beta) * logp.detach() + beta * ref_logp, -1)


def nash_md_pg_expected_losses(names: tuple[str, ...], logits: Tensor, ref_logits: Tensor, tree: SequenceTree,
                               matrix: Tensor, tau: float, beta: float) -> Tensor:
    """Expected Nash-MD-PG loss of each estimator (``logits`` [E, ..., rows, V], one slice per name):
    Σ_y sg[π(y)]·(−(P π^β(y) − ½)·ln π(y) + τ·L_KL(y)), summed over instances. Its gradient is
    −∇[P(π ≻ π^β) − τ·KL(π‖μ)] (π^β held fixed) exactly when the estimator is unbiased."""
    token_logp, full = token_log_probs(logits, tree)
    ref_token_logp, ref_full = token_log_probs(ref_logits, tree)
    logp, ref_logp = token_logp.sum(-1), ref_token_logp.sum(-1)
    weights = logp.detach().exp()
    win = (matrix @ mixture_opponent(logp, ref_logp, beta)[..., None]).squeeze(-1)
    total = (weights * (-(win - 0.5) * logp)).sum()
    for e, name in enumerate(names):
        if name == "analytic_reward_to_go":
            token_kl = (full[e].exp() * (full[e] - ref_full)).sum(-1)
            kl_term = kl_analytic_reward_to_go_loss(token_logp[e], token_kl)
        else:
            kl_term = kl_gradient_loss(name, token_logp[e], ref_token_logp)
        total = total + tau * (weights[e] * kl_term).sum()
    return total


def reach_probabilities(logits: Tensor, tree: SequenceTree) -> Tensor:
    """π(prefix) of every row of the logits table, [..., rows] (1 for the empty prefix), detached."""
    token_logp = token_log_probs(logits.detach(), tree)[0]
    prefix = torch.cumsum(token_logp, -1) - token_logp  # ln π(y_<t)
    reach = torch.zeros(*logits.shape[:-1], dtype=logits.dtype)
    reach[..., tree.rows] = prefix.exp()  # every sequence through a row carries the same prefix probability
    return reach


@dataclass(frozen=True)
class NashRun:
    """Where exact-gradient Nash-MD-PG with each estimator ends (per instance)."""

    final_probs: dict[str, np.ndarray]
    """Estimator → [instances, V^T] sequence distribution after the last step."""
    final_grad_norm: dict[str, np.ndarray]
    """Estimator → [instances] norm of its own expected gradient at the end (0 at a stationary point)."""
    kl_curve: dict[str, np.ndarray]
    """Estimator → [records, instances] KL(π̂‖π_t) to the fixed point along training."""
    fixed_point: np.ndarray
    """[instances, V^T] softmax(log μ + P π̂^β/τ) from ``nash_md_pg_fixed_point``."""


def nash_md_pg_exact(ref_logits: Tensor, matrix: np.ndarray, tree: SequenceTree, tau: float, beta: float,
                     steps: int, lr: float, estimators: tuple[str, ...], record_every: int) -> NashRun:
    """Exact-gradient Nash-MD-PG with each estimator's KL gradient, from π = μ, for a batch of instances
    (``ref_logits`` [I, rows, V], ``matrix`` [I, K, K]); all estimators advance together (one backward through
    the sum of their independent losses). Each row's logits step by −lr·g_row/π(row's prefix): the tabular
    policy gradient per visited prefix (a positive diagonal preconditioner, so the stationary points are those of
    the plain gradient)."""
    mu = sequence_log_probs(ref_logits, tree).exp().numpy()
    fixed = np.stack([nash_md_pg_fixed_point(m, u, tau, beta) for m, u in zip(matrix, mu)])
    p = torch.tensor(matrix, dtype=ref_logits.dtype)
    theta = ref_logits.expand(len(estimators), *ref_logits.shape).clone().requires_grad_(True)
    curve = []
    for step in range(steps + 1):
        grad = _grad(nash_md_pg_expected_losses(estimators, theta, ref_logits, tree, p, tau, beta), theta)
        grad = grad / reach_probabilities(theta, tree)[..., None]
        if step % record_every == 0 or step == steps:
            curve.append(kl(fixed, sequence_log_probs(theta.detach(), tree).exp().numpy()))
        if step == steps:
            break
        with torch.no_grad():
            theta -= lr * grad
    probs = sequence_log_probs(theta.detach(), tree).exp().numpy()
    norms = grad.flatten(-2).norm(dim=-1).numpy()
    curves = np.stack(curve)
    return NashRun({name: probs[e] for e, name in enumerate(estimators)},
                   {name: norms[e] for e, name in enumerate(estimators)},
                   {name: curves[:, e] for e, name in enumerate(estimators)}, fixed)


@dataclass(frozen=True)
class TabularKLSettings:
    """One instance: V tokens, T positions; π's and μ's logits N(0, scale²) (π = μ + noise), P = σ(antisymmetric
    N(0, preference_scale²)); Nash-MD-PG with τ, β for ``steps`` steps of size ``lr`` from π = μ."""

    vocab: int
    length: int
    policy_scale: float
    ref_scale: float
    preference_scale: float
    tau: float
    beta: float
    steps: int
    lr: float
    record_points: int

    def __post_init__(self) -> None:
        sequence_tree(self.vocab, self.length)  # validates V, T
        if self.length < 2:
            raise ValueError(f"length must be >= 2 (one token has no sequential pitfall), got {self.length}")
        for name in ("policy_scale", "ref_scale", "preference_scale", "tau", "lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 0.0 <= self.beta < 1.0:
            raise ValueError(f"beta must be in [0, 1), got {self.beta}")
        if self.steps < 1 or self.record_points < 2:
            raise ValueError(f"steps must be >= 1 and record_points >= 2, got {self.steps}, {self.record_points}")


def tabular_kl_gradients(settings: TabularKLSettings, rng: np.random.Generator) -> SeedOutcome:
    """One random instance: every estimator's exact expected gradient vs ∇KL(π‖μ) at a random π ≠ μ (relative
    error, and the norm of the first token's logits gradient), then exact-gradient Nash-MD-PG with each
    estimator: KL(π̂‖π_T) to the fixed point π̂ = softmax(log μ + P π̂^β/τ) and the final gradient norm."""
    tree = sequence_tree(settings.vocab, settings.length)
    policy, ref, matrix = random_instance(rng, tree, settings.policy_scale, settings.ref_scale,
                                          settings.preference_scale)
    grads = gradient_table(policy, ref, tree)
    exact = grads["exact"]
    metrics = {"kl": float(exact_kl(policy, ref, tree)), "first_token_grad_norm/exact": float(exact[0].norm())}
    for name in ESTIMATORS:
        metrics[f"grad_rel_err/{name}"] = float((grads[name] - exact).norm() / exact.norm())
        metrics[f"first_token_grad_norm/{name}"] = float(grads[name][0].norm())
    record_every = max(1, settings.steps // (settings.record_points - 1))
    run = nash_md_pg_exact(ref[None], matrix[None], tree, settings.tau, settings.beta, settings.steps, settings.lr,
                           ESTIMATORS, record_every)
    series = {}
    for name in ESTIMATORS:
        metrics[f"fixed_point_kl/{name}"] = float(run.kl_curve[name][-1, 0])
        metrics[f"final_grad_norm/{name}"] = float(run.final_grad_norm[name][0])
        metrics[f"kl_to_sequence/{name}"] = float(kl(run.final_probs["sequence"][0], run.final_probs[name][0]))
        series[f"fixed_point_kl/{name}"] = run.kl_curve[name][:, 0].tolist()
    metrics["fixed_point_kl_to_mu"] = float(kl(run.fixed_point[0], sequence_log_probs(ref, tree).exp().numpy()))
    return SeedOutcome(metrics, series)
