"""Optimistic planners for finite-horizon (low-rank) MDPs, batched over seeds.

Each planner computes an optimistic Q by backward induction from V_H = 0, clipped to [0, H − h]:

- learned features (Contrastive UCB, Qiu et al. 2022, Eq. 4.1–4.2): with P̂_h = φ̂ᵀψ̂·P⁻,
      Q_h(s,a) = min{ r_h(s,a) + P̂_h V_{h+1}(s,a) + β‖φ̂_h(s,a)‖_{Λ_h⁻¹}, H − h },  Λ_h = Σ_τ φ̂φ̂ᵀ + λI;
- given features (LSVI-UCB, Jin et al. 2020, with φ* or random features),
      w_h = Λ_h⁻¹ Σ_τ φ(s_τ,a_τ) V_{h+1}(s′_τ),  Q_h = min{ r_h + φᵀw_h + β‖φ‖_{Λ_h⁻¹}, H − h };
- ``tabular`` (UCBVI-style), Q_h = min{ r_h + P̂_emp V_{h+1} + c·(H − h)/√N_h(s,a), H − h } (H − h if unvisited).

The reward is known (as in the theory); the bonus is dropped at the last step, where V_H ≡ 0 makes the model
error term zero.
"""
from __future__ import annotations

import numpy as np


def elliptical_bonus(features: np.ndarray, counts_sa: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    """‖φ(s,a)‖_{Λ_h⁻¹} with Λ_h = λI + Σ_{s,a} N_h(s,a) φφᵀ (Eq. 4.2); features (B,H,S,A,d), counts (B,H,S,A).
    Returns the bonus widths (B, H, S, A) and Λ_h⁻¹ (B, H, d, d)."""
    dim = features.shape[-1]
    gram = np.einsum("bhsa,bhsad,bhsae->bhde", counts_sa, features, features) + ridge * np.eye(dim)
    inverse = np.linalg.inv(gram)
    return np.sqrt(np.maximum(np.einsum("bhsad,bhde,bhsae->bhsa", features, inverse, features), 0.0)), inverse


def tabular_q(bonus: float, reward: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """UCBVI's optimistic Q (B, H, S, A) from counts N_h(s,a,s′) (B, H, S, A, S) with bonus constant c."""
    batch, horizon, num_states, num_actions, _ = counts.shape
    remaining = (horizon - np.arange(horizon)).astype(float)[:, None, None]  # H − h per level
    use_bonus = (np.arange(horizon) < horizon - 1).astype(float)[:, None, None]
    counts_sa = counts.sum(-1)
    visits = np.maximum(counts_sa, 1.0)
    empirical = counts / visits[..., None]
    widths = bonus * remaining / np.sqrt(visits)
    q = np.zeros((batch, horizon, num_states, num_actions))
    value_next = np.zeros((batch, num_states))
    for h in range(horizon - 1, -1, -1):
        q_h = reward[:, h] + np.einsum("bsat,bt->bsa", empirical[:, h], value_next) + use_bonus[h] * widths[:, h]
        q_h = np.where(counts_sa[:, h] > 0, q_h, remaining[h])
        q[:, h] = np.minimum(q_h, remaining[h])
        value_next = q[:, h].max(-1)
    return q


def feature_q(bonus: float, reward: np.ndarray, counts: np.ndarray, phi: np.ndarray, model: np.ndarray | None,
              ridge: float) -> np.ndarray:
    """Optimistic Q (B, H, S, A) with features φ (B, H, S, A, d): Contrastive UCB's backup through the learned
    model P̂ (B, H, S, A, S) when ``model`` is given, LSVI-UCB's least-squares backup when it is None."""
    batch, horizon, num_states, num_actions, _ = counts.shape
    remaining = (horizon - np.arange(horizon)).astype(float)[:, None, None]  # H − h per level
    use_bonus = (np.arange(horizon) < horizon - 1).astype(float)[:, None, None]
    widths, inverse = elliptical_bonus(phi, counts.sum(-1), ridge)
    q = np.zeros((batch, horizon, num_states, num_actions))
    value_next = np.zeros((batch, num_states))
    for h in range(horizon - 1, -1, -1):
        if model is not None:
            backup = np.einsum("bsat,bt->bsa", model[:, h], value_next)
        else:
            target = np.einsum("bsat,bt->bsa", counts[:, h], value_next)
            weights = np.einsum("bde,bsad,bsa->be", inverse[:, h], phi[:, h], target)
            backup = np.einsum("bsad,bd->bsa", phi[:, h], weights)
        q_h = reward[:, h] + backup + bonus * use_bonus[h] * widths[:, h]
        q[:, h] = np.clip(q_h, 0.0, remaining[h])
        value_next = q[:, h].max(-1)
    return q
