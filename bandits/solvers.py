"""Reference solutions, independent of the methods under test: the single owners of KL, the KL-regularised
optimum, J(π), and the preference-game solvers.

- ``kl`` / ``kl_torch``: KL(p‖q) over the last axis (numpy / torch, batched, 0·ln 0 = 0).
- ``tilted_policy`` / ``kl_regularized_optimum``: π* ∝ π_ref·exp(R/β) (CoPG Eq. 2–3; Nash-MD's π*_τ for a reward).
- ``regularized_value`` / ``regularized_value_torch``: J(π) = E_π[R] − β·KL(π‖π_ref) (CoPG Eq. 2).
- Preference games (Munos et al., 2023, "Nash Learning from Human Feedback"): a damped Newton root finder with
  τ-continuation for the regularised Nash, a linear program for τ = 0, Newton's method for the Bradley–Terry
  maximum-likelihood fit, and the closed-form (regularised) exploitability. Batched functions accept leading
  batch dimensions: P of shape (..., K, K), policies of shape (..., K).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.optimize import linprog
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.special import logsumexp, softmax

from bandits.games import check_preference_matrix
from bandits.validation import check_finite, check_positive, check_probabilities

FIXED_POINT_TOLERANCE = 1e-13
_MAX_NEWTON_STEPS = 200
KL_FLOOR = 1e-300
"""q is floored here inside KL so that a p > 0 where q underflowed to 0 gives a large finite value."""


# --- KL, the KL-regularised optimum, J(π) ------------------------------------------------------------------

def kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p‖q) = Σ_y p(y)·ln(p(y)/q(y)) over the last axis, batched, with 0·ln 0 = 0 (q floored at 1e-300)."""
    p = np.asarray(p, dtype=np.float64)
    q = np.maximum(np.asarray(q, dtype=np.float64), KL_FLOOR)
    ratio = np.where(p > 0, p / q, 1.0)
    return np.sum(np.where(p > 0, p * np.log(ratio), 0.0), axis=-1)


def kl_torch(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """KL(p‖q) over the last axis of torch tensors, with 0·ln 0 = 0 (padded actions have p = q = 0)."""
    safe_p, safe_q = p.clamp_min(KL_FLOOR), q.clamp_min(KL_FLOOR)
    return torch.where(p > 0, p * (safe_p.log() - safe_q.log()), torch.zeros_like(p)).sum(-1)


def tilted_policy(ref_logp: np.ndarray, rewards: np.ndarray, beta: float | np.ndarray) -> np.ndarray:
    """π(y) ∝ exp(ln π_ref(y) + R(y)/β) over the last axis, batched, in log space (no overflow for large R/β).
    ``ref_logp`` may be unnormalised (only differences matter); inputs are not validated here."""
    with np.errstate(divide="ignore"):
        logits = np.asarray(ref_logp, dtype=float) + np.asarray(rewards, dtype=float) / np.asarray(beta, dtype=float)
    logits = logits - logits.max(-1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(-1, keepdims=True)


def kl_regularized_optimum(ref_probs: Sequence[float], rewards: Sequence[float], beta: float) -> np.ndarray:
    """π*(y) = π_ref(y)·exp(R(y)/β) / Z, the maximiser of E_π[R] − β·KL(π‖π_ref) (CoPG Eq. 2–3), validated."""
    ref = check_probabilities("ref_probs", ref_probs)
    reward = check_finite("rewards", rewards)
    if reward.size != ref.size:
        raise ValueError(f"rewards has {reward.size} entries, ref_probs has {ref.size}")
    beta = check_positive("beta", beta)
    with np.errstate(divide="ignore"):
        return tilted_policy(np.log(ref), reward, beta)


def regularized_value(probs: np.ndarray, ref_probs: np.ndarray, rewards: np.ndarray, beta: float) -> np.ndarray:
    """J(π) = E_π[R] − β·KL(π‖π_ref) (CoPG Eq. 2), batched over leading dimensions of ``probs``."""
    p = np.asarray(probs, dtype=float)
    return (p * rewards).sum(-1) - beta * kl(p, ref_probs)


def regularized_value_torch(logp: torch.Tensor, rewards: torch.Tensor, ref_logp: torch.Tensor,
                            beta: torch.Tensor | float) -> torch.Tensor:
    """J(π) = Σ_y π(y)·(R(y) − β·ln(π(y)/π_ref(y))) (CoPG Eq. 2) from log-probs, differentiable; ``beta``
    broadcasts against ``logp`` (give it a trailing axis of size 1). Actions with π = 0 contribute exactly 0."""
    return (logp.exp() * (rewards - beta * (logp - ref_logp))).sum(-1)


# --- preference games ----------------------------------------------------------------------------------------
def check_reference(name: str, probs: Sequence[float] | np.ndarray, size: int) -> np.ndarray:
    """A (batch of) full-support probability vector(s) over ``size`` responses, float64, shape (..., K)."""
    p = np.asarray(probs, dtype=float)
    if p.ndim < 1 or p.shape[-1] != size:
        raise ValueError(f"{name} must have {size} entries in its last axis, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(p <= 0):
        raise ValueError(f"{name} must give every response positive probability (full support), got min "
                         f"{p.min():.3g}")
    if np.abs(p.sum(-1) - 1.0).max() > 1e-6:
        raise ValueError(f"{name} must sum to 1, sums to {p.sum(-1).ravel()[0]:.6g}")
    return p


def check_tau(tau: float | np.ndarray, allow_zero: bool = True) -> np.ndarray:
    """τ ≥ 0 (or > 0), finite, as a float64 array."""
    t = np.asarray(tau, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0) or (not allow_zero and np.any(t == 0)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"tau must be {bound}, got {t.tolist()}")
    return t


def _matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    return np.einsum("...ij,...j->...i", matrix, vector)


def regularized_nash(matrix: np.ndarray, mu: np.ndarray, tau: float | np.ndarray) -> np.ndarray:
    """The unique Nash π*_τ of the KL-regularised game P_τ(π ≻ π′) = P(π ≻ π′) − τKL(π‖μ) + τKL(π′‖μ).

    Solves the fixed-point equation π = softmax(log μ + Pπ/τ) (the regularised Nash characterisation of Munos
    et al.) as a root of
    G(v) = v − P·softmax(log μ + v/τ) in the "win-rate" variable v = Pπ, by Newton's method with backtracking
    on ‖G‖ (the Jacobian I − P(diag π − ππᵀ)/τ is always invertible: P(diag π − ππᵀ) = A·S with A = P − ½
    antisymmetric and S ⪰ 0 has a purely imaginary spectrum). A continuation in τ (τ·2^m, …, 2τ, τ, warm
    started) keeps it robust for small τ, where damped fixed-point iteration diverges (e.g. τ = 0.02 on RPS).

    Batched: P (..., K, K), μ (..., K), τ scalar or (...). τ = 0 returns :func:`nash_lp` per game (μ unused).
    Returns π*_τ with shape broadcast(...) + (K,); the residual ‖π − softmax(log μ + Pπ/τ)‖∞ is ≲ 1e-13.
    """
    p = check_preference_matrix("P", matrix)
    k = p.shape[-1]
    m = check_reference("mu", mu, k)
    t = check_tau(tau)
    batch = np.broadcast_shapes(p.shape[:-2], m.shape[:-1], t.shape)
    p = np.broadcast_to(p, batch + (k, k)).reshape(-1, k, k)
    m = np.broadcast_to(m, batch + (k,)).reshape(-1, k)
    t = np.broadcast_to(t, batch).reshape(-1)
    out = np.empty_like(m)
    zero = t == 0
    for i in np.flatnonzero(zero):
        out[i] = nash_lp(p[i])
    if np.any(~zero):
        out[~zero] = _newton_regularized_nash(p[~zero], m[~zero], t[~zero])
    return out.reshape(batch + (k,))


def _newton_regularized_nash(p: np.ndarray, mu: np.ndarray, tau: np.ndarray) -> np.ndarray:
    log_mu = np.log(mu)
    eye = np.eye(p.shape[-1])
    levels = int(np.ceil(np.log2(max(1.0, 4.0 / tau.min()))))
    v = _matvec(p, mu)
    for level in range(levels, -1, -1):
        t = (tau * 2.0**level)[:, None]
        tolerance = FIXED_POINT_TOLERANCE if level == 0 else 1e-8

        def residual(v_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            pi_ = softmax(log_mu + v_ / t, axis=-1)
            return v_ - _matvec(p, pi_), pi_

        g, pi = residual(v)
        norm = np.abs(g).max(-1)
        for _ in range(_MAX_NEWTON_STEPS):
            active = norm > tolerance
            if not np.any(active):
                break
            jac_softmax = (pi[..., :, None] * eye - pi[..., :, None] * pi[..., None, :]) / t[..., None]
            step = np.linalg.solve(eye - p @ jac_softmax, -g[..., None])[..., 0]
            scale = np.ones(len(v))
            improved = np.zeros(len(v), dtype=bool)
            improved[~active] = True
            for _ in range(60):
                trial = v + scale[:, None] * step
                g_trial, pi_trial = residual(trial)
                norm_trial = np.abs(g_trial).max(-1)
                ok = ~improved & (norm_trial < (1 - 1e-4 * scale) * norm)
                v[ok], g[ok], pi[ok], norm[ok] = trial[ok], g_trial[ok], pi_trial[ok], norm_trial[ok]
                improved |= ok
                if improved.all():
                    break
                scale = np.where(improved, scale, scale / 2)
            if not improved.all():  # at round-off level: no further decrease possible
                stuck = ~improved & (norm > 1e-10)
                if np.any(stuck):
                    raise RuntimeError(f"regularized_nash: Newton stalled at residual {norm[stuck].max():.3g}")
                break
        else:
            if np.any(norm > 1e-10):
                raise RuntimeError(f"regularized_nash: no convergence, residual {norm.max():.3g}")
    return softmax(log_mu + v / tau[:, None], axis=-1)


def fixed_point_residual(matrix: np.ndarray, mu: np.ndarray, tau: float | np.ndarray, pi: np.ndarray) -> np.ndarray:
    """‖π − softmax(log μ + Pπ/τ)‖∞ per game: zero exactly at the regularised Nash."""
    t = np.asarray(tau, dtype=float)[..., None]
    return np.abs(pi - softmax(np.log(mu) + _matvec(matrix, pi) / t, axis=-1)).max(-1)


def nash_lp(matrix: np.ndarray) -> np.ndarray:
    """A Nash equilibrium of the unregularised symmetric game (τ = 0) by linear programming.

    maximise v subject to (Pᵀπ)_{y′} ≥ v for every y′, Σπ = 1, π ≥ 0 (value v = ½), with scipy's HiGHS; the
    answer is then polished on its support (solve A_SS π_S = 0, Σπ_S = 1 with A = P − ½) when that keeps it a
    probability vector with no larger exploitability. One game (K, K) per call."""
    p = check_preference_matrix("P", matrix)
    if p.ndim != 2:
        raise ValueError(f"nash_lp takes one K×K game, got shape {p.shape}")
    k = p.shape[0]
    cost = np.zeros(k + 1)
    cost[-1] = -1.0
    a_ub = np.hstack([-p.T, np.ones((k, 1))])
    a_eq = np.hstack([np.ones((1, k)), np.zeros((1, 1))])
    result = linprog(cost, A_ub=a_ub, b_ub=np.zeros(k), A_eq=a_eq, b_eq=[1.0],
                     bounds=[(0, None)] * k + [(None, None)], method="highs")
    if result.status != 0:
        raise RuntimeError(f"nash_lp: linprog failed: {result.message}")
    pi = np.clip(result.x[:k], 0.0, None)
    pi /= pi.sum()
    support = pi > 1e-9
    a = p - 0.5
    system = np.vstack([a[np.ix_(support, support)], np.ones((1, support.sum()))])
    rhs = np.concatenate([np.zeros(support.sum()), [1.0]])
    polished_support, *_ = np.linalg.lstsq(system, rhs, rcond=None)
    if np.all(polished_support >= 0):
        polished = np.zeros(k)
        polished[support] = polished_support
        if exploitability(p, polished) <= exploitability(p, pi):
            pi = polished
    return pi


def exploitability(matrix: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Duality gap max_{π′} P(π′ ≻ π) − ½ = max_y (Pπ)_y − ½ (≥ 0, zero exactly at a Nash), batched."""
    return _matvec(np.asarray(matrix, dtype=float), np.asarray(pi, dtype=float)).max(-1) - 0.5


def regularized_exploitability(matrix: np.ndarray, pi: np.ndarray, mu: np.ndarray,
                               tau: float | np.ndarray) -> np.ndarray:
    """Duality gap of π in the regularised game, max_{π′} P_τ(π′ ≻ π) − ½
    = τ·log Σ_y μ(y)·exp((Pπ)_y/τ) + τ·KL(π‖μ) − ½ (the max over π′ is a Gibbs distribution); zero at π*_τ."""
    t = np.asarray(tau, dtype=float)
    best = t * logsumexp(np.log(mu) + _matvec(matrix, pi) / t[..., None], axis=-1)
    return best + t * kl(pi, mu) - 0.5


def nash_md_pg_fixed_point(matrix: np.ndarray, mu: np.ndarray, tau: float, beta: float) -> np.ndarray:
    """Where Nash-MD-PG with a fixed mixture β converges: π̂ = softmax(log μ + P π̂^β / τ), π̂^β ∝ π̂^{1−β} μ^β.

    Substituting log π̂ = log μ + Pπ̂^β/τ + c gives π̂^β = softmax(log μ + (1−β)·Pπ̂^β/τ), i.e. π̂^β is the
    regularised Nash at τ/(1−β) (μ itself when β = 1). Hence π̂ = softmax(log μ + P·π*_{τ/(1−β)}/τ).
    β = 0 gives π*_τ, β = 1 the regularised best response to μ."""
    if not np.isfinite(beta) or not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    p = check_preference_matrix("P", matrix)
    m = check_reference("mu", mu, p.shape[-1])
    t = check_tau(tau, allow_zero=False)
    opponent = m if beta == 1.0 else regularized_nash(p, m, t / (1.0 - beta))
    return softmax(np.log(m) + _matvec(p, opponent) / t[..., None], axis=-1)


def bradley_terry_fit(matrix: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Maximum-likelihood Bradley–Terry rewards r (mean zero) for pairwise preferences P:
    maximise Σ_{y≠y′} w(y,y′)·P(y ≻ y′)·log σ(r(y) − r(y′)) (uniform pair weights w by default), by Newton's
    method with backtracking. The score equations are Σ_{y′} w(P[y,y′] − σ(r(y) − r(y′))) = 0. Raises
    ValueError when no maximiser exists (Zermelo/Ford: the graph "y beats y′ with positive probability" must
    be strongly connected; e.g. a response that beats every other with probability 1 breaks it)."""
    p = check_preference_matrix("P", matrix)
    if p.ndim != 2:
        raise ValueError(f"bradley_terry_fit takes one K×K game, got shape {p.shape}")
    k = p.shape[0]
    w = np.ones((k, k)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (k, k) or np.any(w < 0) or not np.allclose(w, w.T):
        raise ValueError("weights must be a symmetric non-negative K×K matrix")
    w = w * (1 - np.eye(k))
    beats = csr_matrix((w * p) > 0)
    if connected_components(beats, directed=True, connection="strong")[0] != 1:
        raise ValueError("bradley_terry_fit: no maximum-likelihood reward exists for this P (the 'beats with "
                         "positive probability' graph is not strongly connected: some group always wins)")

    def loglik(r_: np.ndarray) -> float:
        diff = r_[:, None] - r_[None, :]
        return float((w * p * -np.logaddexp(0.0, -diff)).sum())

    r = np.zeros(k)
    grad = np.full(k, np.inf)
    for _ in range(_MAX_NEWTON_STEPS):
        s = 1.0 / (1.0 + np.exp(-(r[:, None] - r[None, :])))
        grad = (w * (p - s)).sum(1)  # uses P + Pᵀ = 1
        if np.abs(grad).max() < 1e-13 * k * w.max():
            break
        curvature = w * s * (1 - s)
        laplacian = np.diag(curvature.sum(1)) - curvature  # minus the Hessian
        step = np.linalg.solve(laplacian + np.ones((k, k)) / k, grad)
        base, scale = loglik(r), 1.0
        while loglik(r + scale * step) < base - 1e-13 * abs(base) and scale > 1e-10:
            scale /= 2
        r = r + scale * step
        r -= r.mean()
        if np.abs(r).max() > 50:
            break
    if np.abs(grad).max() < 1e-9 * w.max() * k:
        return r - r.mean()
    raise ValueError("bradley_terry_fit: no maximum-likelihood reward exists for this P (rewards diverge; "
                     "some response wins with probability 1)")
