"""The CoPG paper's gradient identities, checked on random instances and a random policy π = softmax(θ):

- Prop. 1 (on-policy CoPG is unbiased): with y, y′ ∼ π, E[−∇ℓ(y, y′)] = 2∇J(π), by Monte Carlo (z-score of each
  coordinate's mean against the exact 2∇J from autograd on J); on-policy PG on the same samples has mean ∇J;
- Prop. 2 (RLOO): with on-policy pairs, −∇ℓ(y, y′) equals the RLOO (k = 2) gradient on R^π_β sample by sample
  (sum convention; twice the 1/k-mean convention);
- Prop. 3 (IPO): with R(y_w) = 1/4, R(y_l) = −1/4 the CoPG ascent direction is β/2 times the IPO (τ = β) descent
  direction, pair by pair;
- Eq. 16 (baseline identity): with μ1 = μ2 = μ, E[−∇ℓ] = 2·E_μ[(R^π_β − E_μR^π_β)·∇ln π] exactly, and any other
  constant baseline b adds the bias 2(E_μR^π_β − b)·E_μ[∇_θ ln π] = 2(E_μR^π_β − b)·(μ − π).

Every gradient is taken by autograd through the estimators of :mod:`bandits.objectives`
(:mod:`bandits.copg.gradient_checks`), so these checks test the code that trains.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from scipy import stats
from torch import Tensor

from bandits.copg import gradient_checks as gc
from bandits.copg.offline_training import masked_log_probs
from bandits.outcome import SeedOutcome
from bandits.problems import BanditBatch, RandomInstances

SERIES_POINTS = 400
"""Gradient coordinates kept per scatter series (the figures' y = x plots)."""


def z_scores(total: Tensor, total_sq: Tensor, n: int, target: Tensor) -> Tensor:
    """(mean − target)/(sd/√n) per coordinate, from the running sums Σx and Σx² of n samples."""
    mean = total / n
    var = (total_sq - n * mean * mean) / (n - 1)
    return (mean - target) / (var.clamp_min(1e-300).sqrt() / n ** 0.5)


def relative_error(a: Tensor, b: Tensor) -> float:
    """max |a − b| / max(1, max |b|)."""
    return float((a - b).abs().max() / max(1.0, float(b.abs().max())))


def _unbiasedness(theta: Tensor, bandits: BanditBatch, pi: Tensor, exact: Tensor, generator: torch.Generator,
                  mc_samples: int, chunk: int) -> dict[str, Tensor]:
    """Prop. 1: z-scores over the real coordinates of the Monte-Carlo means of the on-policy CoPG ascent direction
    against 2∇J (``copg``) and against the wrong target ∇J (``copg_factor1``, the test's power), and of on-policy
    PG against ∇J (``pg``); ``mc_samples`` pairs y, y′ ∼ π, ``chunk`` per autograd call."""
    sums = {k: torch.zeros_like(theta) for k in ("copg", "copg_sq", "pg", "pg_sq")}
    done = 0
    while done < mc_samples:
        n = min(chunk, mc_samples - done)
        y1 = torch.multinomial(pi, n, replacement=True, generator=generator)
        y2 = torch.multinomial(pi, n, replacement=True, generator=generator)
        copg = gc.copg_pair_gradients(theta, bandits, y1, y2)
        pg = gc.pg_sample_gradients(theta, bandits, y1)
        sums["copg"] += copg.sum(1)
        sums["copg_sq"] += copg.pow(2).sum(1)
        sums["pg"] += pg.sum(1)
        sums["pg_sq"] += pg.pow(2).sum(1)
        done += n
    mask = bandits.mask
    return {"copg": z_scores(sums["copg"], sums["copg_sq"], mc_samples, 2 * exact)[mask],
            "copg_factor1": z_scores(sums["copg"], sums["copg_sq"], mc_samples, exact)[mask],
            "pg": z_scores(sums["pg"], sums["pg_sq"], mc_samples, exact)[mask]}


def _rloo(theta: Tensor, bandits: BanditBatch, pi: Tensor, generator: torch.Generator,
          num_pairs: int) -> dict[str, Tensor]:
    """Prop. 2: per on-policy pair, CoPG (both surrogates) and RLOO (k = 2, sum and 1/k-mean conventions)."""
    pairs = torch.multinomial(pi, 2 * num_pairs, replacement=True, generator=generator).reshape(-1, num_pairs, 2)
    first, second = pairs[..., 0], pairs[..., 1]
    return {"squared": gc.copg_pair_gradients(theta, bandits, first, second, "squared"),
            "stopgrad": gc.copg_pair_gradients(theta, bandits, first, second, "stopgrad"),
            "rloo": gc.rloo_group_gradients(theta, bandits, pairs),
            "rloo_mean": gc.rloo_group_gradients(theta, bandits, pairs, "mean")}


def _ipo(theta: Tensor, bandits: BanditBatch, mu1: Tensor, mu2: Tensor, generator: torch.Generator,
         num_pairs: int) -> dict[str, Tensor]:
    """Prop. 3: offline pairs (y_w ∼ μ1, y_l ∼ μ2) relabelled R(y_w) = 1/4, R(y_l) = −1/4; the CoPG ascent
    directions (both surrogates), the IPO descent direction, the projection ratio ⟨CoPG, IPO⟩/‖IPO‖² over β/2
    and the cosine (pairs with y_w = y_l, where both gradients vanish, left out of the last two)."""
    winner = torch.multinomial(mu1, num_pairs, replacement=True, generator=generator)
    loser = torch.multinomial(mu2, num_pairs, replacement=True, generator=generator)
    quarter = torch.full(winner.shape, 0.25, dtype=torch.float64)
    ascent = {sur: gc.copg_pair_gradients(theta, bandits, winner, loser, sur, rewards=(quarter, -quarter))
              for sur in ("squared", "stopgrad")}
    ipo_descent = -gc.ipo_pair_gradients(theta, bandits, winner, loser)
    half_beta = bandits.beta[:, None, None] / 2
    nonzero = ipo_descent.pow(2).sum(-1) > 1e-24
    ratio = (ascent["squared"] * ipo_descent).sum(-1) / ipo_descent.pow(2).sum(-1).clamp_min(1e-300)
    return {**ascent, "half_beta_ipo": half_beta * ipo_descent,
            "ratio_over_half_beta": (ratio / half_beta[..., 0])[nonzero],
            "cosine": torch.nn.functional.cosine_similarity(ascent["squared"], ipo_descent, dim=-1)[nonzero]}


def _baselines(theta: Tensor, bandits: BanditBatch, mu: Tensor, pi: Tensor) -> dict[str, object]:
    """Eq. 16 with μ1 = μ2 = μ, exact expectations: the identity's error, and for the constant baselines b = 0,
    b = J(π) = E_π R^π_β and b = E_μ R the measured bias norms, the predicted 2(E_μR^π_β − b)·(μ − π) norms and
    the worst relative mismatch between the two; ``scale`` is max |E[−∇ℓ]| (an identity between zeros would
    decide nothing)."""
    population = gc.expected_copg_gradient(theta, bandits, mu, mu)
    right_baseline = gc.mean_regularized_reward(theta, bandits, mu)
    identity = gc.expected_baseline_pg_gradient(theta, bandits, mu, right_baseline)
    value_pi = gc.mean_regularized_reward(theta, bandits, pi)  # E_π R^π_β = J(π)
    others = (torch.zeros_like(right_baseline), value_pi, (mu * bandits.rewards).sum(-1))
    bias_norms, predicted_norms, formula_errors = [], [], []
    for baseline in others:
        bias = gc.expected_baseline_pg_gradient(theta, bandits, mu, baseline) - population
        predicted = 2 * (right_baseline - baseline)[:, None] * (mu - pi)  # 2(E_μR^π_β − b)·E_μ[∇_θ ln π]
        bias_norms += bias.norm(dim=-1).tolist()
        predicted_norms += predicted.norm(dim=-1).tolist()
        formula_errors.append(relative_error(bias, predicted))
    return {"identity_error": relative_error(identity, population), "scale": float(population.abs().max()),
            "bias_norms": bias_norms,
            "predicted_norms": predicted_norms, "formula_error": max(formula_errors)}


def identity_checks(instances: RandomInstances, policy: torch.Generator, samples: torch.Generator,
                    logit_scale: float = 1.0, mc_samples: int = 20_000, num_pairs: int = 256,
                    chunk: int = 5_000) -> SeedOutcome:
    """Prop. 1–3 and Eq. 16 on one batch of instances and a random π = softmax(θ), θ ∼ N(0, logit_scale²) drawn
    from ``policy``; every sample (Monte-Carlo pairs, on-policy pairs, offline pairs) from ``samples``.
    ``gradient_scale/<identity>`` is the largest |coordinate| of the compared gradients: the identities are
    informative only where it is well above round-off."""
    bandits, mask = instances.bandits, instances.bandits.mask
    theta = logit_scale * torch.randn(bandits.rewards.shape, generator=policy, dtype=torch.float64)
    pi = masked_log_probs(theta, mask).exp()
    exact = gc.objective_gradient(theta, bandits)  # ∇J, (I, K)
    z = _unbiasedness(theta, bandits, pi, exact, samples, mc_samples, chunk)
    z99 = stats.norm.ppf(0.995)
    rloo = _rloo(theta, bandits, pi, samples, num_pairs)
    ipo = _ipo(theta, bandits, instances.mu1, instances.mu2, samples, num_pairs)
    eq16 = _baselines(theta, bandits, instances.mu1, pi)

    def real(grads: Tensor) -> Tensor:  # the real actions' coordinates of per-sample gradients (I, N, K)
        return grads[mask[:, None, :].expand_as(grads)]

    metrics = {
        "num_coordinates": float(mask.sum()),
        "max_abs_z/copg": float(z["copg"].abs().max()),
        "max_abs_z_factor1/copg": float(z["copg_factor1"].abs().max()),
        "max_abs_z/pg": float(z["pg"].abs().max()),
        "outside_99/copg": float((z["copg"].abs() > z99).sum()),
        "outside_99/pg": float((z["pg"].abs() > z99).sum()),
        "rloo_error/squared": relative_error(rloo["squared"], rloo["rloo"]),
        "rloo_error/stopgrad": relative_error(rloo["stopgrad"], rloo["rloo"]),
        "rloo_error/mean_times_2": relative_error(rloo["squared"], 2 * rloo["rloo_mean"]),
        "ipo_error/squared": relative_error(ipo["squared"], ipo["half_beta_ipo"]),
        "ipo_error/stopgrad": relative_error(ipo["stopgrad"], ipo["half_beta_ipo"]),
        "ipo_ratio_deviation": float((ipo["ratio_over_half_beta"] - 1).abs().max()),
        "ipo_mean_ratio_over_half_beta": float(ipo["ratio_over_half_beta"].mean()),
        "ipo_min_cosine": float(ipo["cosine"].min()),
        "identity_error": eq16["identity_error"],
        "min_bias_norm": float(min(eq16["bias_norms"])),
        "bias_formula_error": float(eq16["formula_error"]),
        "gradient_scale/rloo": float(rloo["rloo"].abs().max()),
        "gradient_scale/ipo": float(ipo["half_beta_ipo"].abs().max()),
        "gradient_scale/eq16": eq16["scale"],
    }
    keep = SERIES_POINTS
    series = {"z/copg": z["copg"].tolist(), "z/pg": z["pg"].tolist(),
              "rloo/copg": real(rloo["squared"])[:keep].tolist(), "rloo/rloo": real(rloo["rloo"])[:keep].tolist(),
              "ipo/copg": real(ipo["squared"])[:keep].tolist(),
              "ipo/half_beta_ipo": real(ipo["half_beta_ipo"])[:keep].tolist(),
              "bias/measured": eq16["bias_norms"], "bias/predicted": eq16["predicted_norms"]}
    return SeedOutcome(metrics, series)


def identity_checks_per_seed(instances: Sequence[RandomInstances], policy: Sequence[torch.Generator],
                             samples: Sequence[torch.Generator], logit_scale: float = 1.0, mc_samples: int = 20_000,
                             num_pairs: int = 256, chunk: int = 5_000) -> list[SeedOutcome]:
    """:func:`identity_checks` for each seed's own draw of instances and its own generators (seeds are independent
    draws; each is one batched program over its instances), in the seeds' order."""
    if not len(instances) == len(policy) == len(samples):
        raise ValueError(f"need one instance draw and one generator of each kind per seed, got {len(instances)}, "
                         f"{len(policy)}, {len(samples)}")
    return [identity_checks(draw, pol, smp, logit_scale, mc_samples, num_pairs, chunk)
            for draw, pol, smp in zip(instances, policy, samples)]
