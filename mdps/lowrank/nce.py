"""Contrastive (NCE) representation learning for low-rank MDPs, with the negative term computed exactly.

Qiu et al. (2022), Eq. (3.2): positives (s, a, s′) with s′ ∼ P_h(·|s,a) (label y = 1), negatives s′ ∼ P⁻ (y = 0),
    L(φ, ψ) = E[ y·log(1 + 1/(φ(s,a)ᵀψ(s′))) + (1 − y)·log(1 + φ(s,a)ᵀψ(s′)) ],
whose population minimiser is φᵀψ = P_h(s′|s,a)/P⁻(s′) (Lemma 3.1), so P̂ = φ̂ᵀψ̂·P⁻ and span φ̂ = span φ*.

We keep the data as counts N_h(s, a, s′) and take the negative expectation exactly over the known P⁻:
    L_h = (1/n_h) [ Σ_{s,a,s′} N_h(s,a,s′) log(1 + 1/f) + Σ_{s,a} N_h(s,a) Σ_{s′} P⁻(s′) log(1 + f) ],
f = φ_h(s,a)ᵀψ_h(s′) > 0 (both factors pass through softplus). Sampled negatives leave (s,a) cells with positives
but no negative draw, whose f then grows without bound; the exact term removes that failure.

Parametrisations (``kind``):
- ``free``: φ_h and ψ_h are free tables (as many parameters as a tabular model).
- ``tied``: ψ_h embeds the states of level h+1 and the next level's features reuse it,
  φ_h(x, a) = softplus(ψ_{h−1}(x)·W_{h,a} + b_{h,a}) for h ≥ 1 (φ_0 is a free table).

Fits run batched over independent problems (seeds × cold restarts) with Adam — elementwise, so each problem's
trajectory is exactly the one it would have alone — or one problem at a time with L-BFGS; the restart with the
lowest loss is kept (warm starts merge latent states, cold restarts avoid it).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

FeatureKind = Literal["free", "tied"]
FEATURE_KINDS: tuple[str, ...] = ("free", "tied")
_EPS = 1e-30


class _NCEFromRatio(torch.autograd.Function):
    """L(f) = Σ (w⁺ + w⁻)·log(1 + f) − Σ w⁺·log f (the same as Eq. 3.2, since log(1 + 1/f) = log(1 + f) − log f),
    with the analytic gradient ∂L/∂f = (w⁺ + w⁻)/(1 + f) − w⁺/f; summed over (S, A, S′) per (problem, level)."""

    @staticmethod
    def forward(ctx, f: torch.Tensor, positive: torch.Tensor, total: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(f, positive, total)
        return (total * torch.log1p(f) - positive * torch.log(f)).sum(dim=(-3, -2, -1))

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:  # type: ignore[override]
        f, positive, total = ctx.saved_tensors
        return grad[..., None, None, None] * (total / (1.0 + f) - positive / f), None, None


def nce_loss(phi: torch.Tensor, psi: torch.Tensor, counts: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """Eq. (3.2) with the exact negative term, per problem: sum over levels of the count-normalised loss.

    phi (B, H, S, A, d), psi (B, H, S′, d), counts (B, H, S, A, S′) (counts or exact expectation weights),
    negative P⁻ (S′,). Returns (B,). The negative weights are w⁻(s,a,s′) = N(s,a)·P⁻(s′).
    """
    f = torch.einsum("bhsad,bhtd->bhsat", phi, psi).clamp_min(_EPS)
    weights = counts + counts.sum(-1, keepdim=True) * negative
    per_level = _NCEFromRatio.apply(f, counts, weights)
    total = counts.sum(dim=(-3, -2, -1)).clamp_min(1e-12)
    return (per_level / total).sum(-1)


def features(params: dict[str, torch.Tensor], kind: FeatureKind) -> tuple[torch.Tensor, torch.Tensor]:
    """(φ, ψ) from raw parameters: φ (B, H, S, A, d) ≥ 0, ψ (B, H, S′, d) ≥ 0."""
    psi = F.softplus(params["psi"])
    if kind == "free":
        return F.softplus(params["phi"]), psi
    if kind == "tied":
        first = F.softplus(params["phi0"]).unsqueeze(1)
        if psi.shape[1] == 1:
            return first, psi
        later = F.softplus(torch.einsum("bhxd,bhade->bhxae", psi[:, :-1], params["W"]) + params["b"].unsqueeze(2))
        return torch.cat([first, later], dim=1), psi
    raise ValueError(f"unknown feature kind {kind!r} (choose from {', '.join(FEATURE_KINDS)})")


def init_params(kind: FeatureKind, shape: tuple[int, int, int, int], dim: int, restarts: int,
                generators: Sequence[torch.Generator]) -> dict[str, torch.Tensor]:
    """Cold-start parameters for len(generators) × restarts problems (problem index = seed·restarts + restart).

    ``shape`` = (H, S, A, S′). Raw parameters ~ N(0, 1) (W ~ N(0, 1/d)), drawn from each seed's generator.
    """
    horizon, num_states, num_actions, num_next = shape
    if kind not in FEATURE_KINDS:
        raise ValueError(f"unknown feature kind {kind!r} (choose from {', '.join(FEATURE_KINDS)})")
    shapes = {"psi": (horizon, num_next, dim)}
    if kind == "free":
        shapes["phi"] = (horizon, num_states, num_actions, dim)
    else:
        if horizon > 1 and num_next != num_states:
            raise ValueError(f"tied features need S′ = S, got S = {num_states}, S′ = {num_next}")
        shapes["phi0"] = (num_states, num_actions, dim)
        shapes["W"] = (max(horizon - 1, 0), num_actions, dim, dim)
        shapes["b"] = (max(horizon - 1, 0), num_actions, dim)
    params: dict[str, list[torch.Tensor]] = {k: [] for k in shapes}
    for generator in generators:
        for _ in range(restarts):
            for name, size in shapes.items():
                scale = dim ** -0.5 if name == "W" else 1.0
                params[name].append(scale * torch.randn(size, generator=generator, dtype=torch.float64))
    return {k: torch.stack(v) for k, v in params.items()}


@dataclass(frozen=True)
class NCEFit:
    """A fitted representation (normalised, see :func:`normalise`), its loss, per problem (one per seed)."""

    phi: np.ndarray
    """φ̂ (B, H, S, A, d) with rows on the simplex."""
    psi: np.ndarray
    """ψ̂ (B, H, S′, d) with Σ_{s′} ψ̂_j(s′)P⁻(s′) = 1 for every j."""
    loss: np.ndarray
    """Final loss of the kept restart, (B,)."""
    restart_losses: np.ndarray
    """Final loss of every restart, (B, restarts)."""


def fit_nce(counts: np.ndarray, negative: np.ndarray, dim: int, kind: FeatureKind, restarts: int, steps: int,
            generators: Sequence[torch.Generator], lr: float = 0.05, method: Literal["adam", "lbfgs"] = "adam",
            dtype: torch.dtype = torch.float64) -> NCEFit:
    """Minimise Eq. (3.2) from ``restarts`` cold starts per problem and keep the lowest-loss one.

    counts (B, H, S, A, S′) with one torch generator per problem b; negative P⁻ (S′,) with full support.
    """
    counts_t = torch.as_tensor(np.asarray(counts, dtype=float))
    if counts_t.ndim != 5 or counts_t.shape[0] != len(generators):
        raise ValueError(f"counts must have shape (B, H, S, A, S′) with B = {len(generators)}, "
                         f"got {tuple(counts_t.shape)}")
    if torch.any(counts_t < 0):
        raise ValueError("counts must be non-negative")
    negative_t = torch.as_tensor(np.asarray(negative, dtype=float))
    if (negative_t.shape != counts_t.shape[-1:] or torch.any(negative_t <= 0)
            or abs(float(negative_t.sum()) - 1) > 1e-6):
        raise ValueError("negative distribution P⁻ must be a full-support distribution over next states")
    if dim < 1 or restarts < 1 or steps < 1:
        raise ValueError(f"dim, restarts and steps must be >= 1, got {dim}, {restarts}, {steps}")
    batch = counts_t.shape[0]
    initial = init_params(kind, tuple(counts_t.shape[1:]), dim, restarts, generators)
    params = {k: v.to(dtype) for k, v in initial.items()}
    counts_t, negative_t = counts_t.to(dtype), negative_t.to(dtype)
    repeated = counts_t.repeat_interleave(restarts, dim=0)
    if method == "adam":
        _adam(params, kind, repeated, negative_t, steps, lr)
    elif method == "lbfgs":
        _lbfgs(params, kind, repeated, negative_t, steps)
    else:
        raise ValueError(f"unknown method {method!r} (adam or lbfgs)")
    with torch.no_grad():
        phi, psi = features(params, kind)
        losses = nce_loss(phi, psi, repeated, negative_t).reshape(batch, restarts)
        best = losses.argmin(dim=1)
        index = torch.arange(batch) * restarts + best
        phi_n, psi_n = normalise(phi[index].double().numpy(), psi[index].double().numpy(),
                                 negative_t.double().numpy())
    return NCEFit(phi_n, psi_n, losses.min(dim=1).values.double().numpy(), losses.double().numpy())


def _adam(params: dict[str, torch.Tensor], kind: FeatureKind, counts: torch.Tensor, negative: torch.Tensor,
          steps: int, lr: float) -> None:
    for value in params.values():
        value.requires_grad_(True)
    optimiser = torch.optim.Adam(list(params.values()), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps, eta_min=lr * 0.05)
    for _ in range(steps):
        optimiser.zero_grad()
        phi, psi = features(params, kind)
        nce_loss(phi, psi, counts, negative).sum().backward()
        optimiser.step()
        schedule.step()
    for value in params.values():
        value.requires_grad_(False)


def _lbfgs(params: dict[str, torch.Tensor], kind: FeatureKind, counts: torch.Tensor, negative: torch.Tensor,
           steps: int) -> None:
    for b in range(counts.shape[0]):
        single = {k: v[b:b + 1].clone().requires_grad_(True) for k, v in params.items()}
        optimiser = torch.optim.LBFGS(list(single.values()), lr=1.0, max_iter=steps, history_size=50,
                                      tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            optimiser.zero_grad()
            phi, psi = features(single, kind)
            loss = nce_loss(phi, psi, counts[b:b + 1], negative).sum()
            loss.backward()
            return loss

        optimiser.step(closure)
        with torch.no_grad():
            for k in params:
                params[k][b] = single[k][0]


def normalise(phi: np.ndarray, psi: np.ndarray, negative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical scaling: each ψ_j·P⁻ a distribution (c_j = Σ_{s′}ψ_j(s′)P⁻(s′)), φ_j ← c_j φ_j, then each row
    of φ on the simplex. Afterwards every row of P̂ = φ̂ᵀψ̂·P⁻ sums to one and the bonus ‖φ̂‖_{Λ⁻¹} is scale-free.

    phi (..., H, S, A, d), psi (..., H, S′, d).
    """
    mass = np.einsum("...td,t->...d", psi, negative)
    mass = np.maximum(mass, 1e-300)
    psi = psi / mass[..., None, :]
    phi = phi * mass[..., None, None, :]
    phi = phi / np.maximum(phi.sum(-1, keepdims=True), 1e-300)
    return phi, psi


def recovered_transitions(phi: np.ndarray, psi: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """P̂_h(s′|s,a) = φ̂_h(s,a)ᵀψ̂_h(s′)·P⁻(s′), shape (..., H, S, A, S′)."""
    return np.einsum("...sad,...td->...sat", phi, psi) * negative


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def free_loss_and_grad(theta: np.ndarray, weights: np.ndarray, negative: np.ndarray, dim: int
                       ) -> tuple[float, np.ndarray]:
    """Eq. (3.2) with exact negatives for free tables of one level, and its analytic gradient (numpy).

    theta packs the raw φ table (S·A, d) then the raw ψ table (S′, d); weights (S·A, S′) are counts or
    exact expectation weights. With f = φψᵀ: ∂L/∂f = −w⁺/(f(1+f)) + w⁻/(1+f), w⁻(s,a,s′) = N(s,a)P⁻(s′).
    """
    rows, num_next = weights.shape
    raw_phi = theta[:rows * dim].reshape(rows, dim)
    raw_psi = theta[rows * dim:].reshape(num_next, dim)
    phi, psi = _softplus(raw_phi), _softplus(raw_psi)
    f = np.maximum(phi @ psi.T, _EPS)
    negative_weights = weights.sum(1, keepdims=True) * negative
    total = weights.sum()
    log_f = np.log(f)
    loss = (weights * _softplus(-log_f)).sum() + (negative_weights * _softplus(log_f)).sum()
    grad_f = (negative_weights - weights / f) / (1.0 + f)
    grad_phi = (grad_f @ psi) * _sigmoid(raw_phi)
    grad_psi = (grad_f.T @ phi) * _sigmoid(raw_psi)
    return float(loss / total), np.concatenate([grad_phi.ravel(), grad_psi.ravel()]) / total


def fit_free_lbfgs(weights: np.ndarray, negative: np.ndarray, dim: int, restarts: int, max_iter: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float, list[float]]:
    """One level, free tables, scipy L-BFGS-B from ``restarts`` cold starts (raw parameters ~ N(0, 1)); keeps
    the lowest loss. weights (S, A, S′). Returns normalised φ̂ (S, A, d), ψ̂ (S′, d), the loss, all losses."""
    import scipy.optimize

    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 3 or np.any(weights < 0):
        raise ValueError(f"weights must be a non-negative (S, A, S′) array, got shape {weights.shape}")
    num_states, num_actions, num_next = weights.shape
    flat = weights.reshape(num_states * num_actions, num_next)
    best: tuple[float, np.ndarray] | None = None
    losses = []
    for _ in range(restarts):
        start = rng.standard_normal((num_states * num_actions + num_next) * dim)
        result = scipy.optimize.minimize(free_loss_and_grad, start, args=(flat, negative, dim), jac=True,
                                         method="L-BFGS-B",
                                         options={"maxiter": max_iter, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-12})
        losses.append(float(result.fun))
        if best is None or result.fun < best[0]:
            best = (float(result.fun), result.x)
    assert best is not None
    rows = num_states * num_actions
    phi = _softplus(best[1][:rows * dim].reshape(num_states, num_actions, dim))
    psi = _softplus(best[1][rows * dim:].reshape(num_next, dim))
    phi, psi = normalise(phi, psi, negative)
    return phi, psi, best[0], losses
