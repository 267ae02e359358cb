"""The tabular CPL experiments as library pipelines: one MDP, one nested preference dataset, every fit at every N.

Each sweep takes a numpy generator (the caller owns the seeding) and returns :class:`Curves`: scalar metrics and
series over the sweep's grid (numbers of pairs N, or conservative weights λ).

- :func:`discounted_sweep`: random discounted MDP, segments from uniform starts under uniform behaviour. At every N
  (the first N pairs of one dataset): CPL on sampled regret labels (Eq. 5, 7), CPL on reward-model labels (Eq. 1),
  CPL on hard regret labels, RLHF (Bradley–Terry r̂, then exact soft value iteration) and SFT on preferred segments.
- :func:`finite_horizon_sweep`: finite-horizon MDP, whole-episode segments; time-indexed CPL vs RLHF with a
  stationary r̂ and finite-horizon soft value iteration; KL weighted by the data's state law d_h.
- :func:`conservative_sweep`: conservative CPL (Eq. 8, logit S⁺ − λS⁻) at every λ under full coverage and under
  partial coverage (action 0 never taken, and bad, in some states).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bandits.solvers import kl
from mdps.tabular.cpl import fit_bt_reward_table, fit_cpl_table, sft_table
from mdps.tabular.cpl_asymptotics import predicted_kl
from mdps.tabular.mdp import (
    TabularMDP,
    log_softmax,
    random_mdp,
    soft_policy_evaluation,
    soft_value_iteration,
    state_occupancy,
)
from mdps.tabular.segments import (
    contrastive_design,
    masked_uniform_behaviour,
    preference_labels,
    regret_labelled_pairs,
    segment_features,
    segment_pairs,
    segment_scores,
)


class Curves(NamedTuple):
    """What a sweep returns: scalar metrics and named series over its grid."""

    metrics: dict[str, float]
    series: dict[str, list[float]]


def correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two tables, flattened."""
    return float(np.corrcoef(np.ravel(x), np.ravel(y))[0, 1])


def policy_entropy(policy: np.ndarray) -> np.ndarray:
    """H(π(·|s)) = −Σ_a π(a|s)·log π(a|s) per row (0·log 0 = 0)."""
    return -np.sum(policy * np.log(np.maximum(policy, 1e-300)), -1)


def discounted_sweep(rng: np.random.Generator, fisher_rng: np.random.Generator, *, num_states: int,
                     num_actions: int, concentration: float, gamma: float, alpha: float, segment_length: int,
                     pair_counts: tuple[int, ...], max_iter: int, grad_tol: float, fisher_pairs: int) -> Curves:
    """KL(π*‖π) of CPL, CPL on reward labels, CPL on hard labels, RLHF and SFT at every N; CPL's soft-value gap,
    the first-order prediction of CPL's KL (:mod:`mdps.tabular.cpl_asymptotics`, Fisher information from
    ``fisher_pairs`` fresh pairs drawn with ``fisher_rng``), every CPL fit's final max |∇L|, the mean max-action
    probability at the visited states of CPL, hard-label CPL and π*, the hard-label policy's entropy and
    corr(r̂, A*), corr(r̂, r) of RLHF. Metrics: each series' last point (``name@max``), KL(π*‖softmax(r/α)),
    corr(A*, r), KL(π*‖uniform) and tr(F_u⁻¹H_u)."""
    s_count, a_count = num_states, num_actions
    mdp = random_mdp(rng, s_count, a_count, gamma, concentration)
    opt = soft_value_iteration(mdp, alpha)
    behaviour = masked_uniform_behaviour(s_count, a_count)
    seg_a, seg_b = segment_pairs(mdp, behaviour, pair_counts[-1], segment_length, rng)
    adv_a, adv_b = segment_scores(seg_a, opt.advantage, gamma), segment_scores(seg_b, opt.advantage, gamma)
    labels = {"regret": preference_labels(adv_a, adv_b, rng),
              "reward": preference_labels(segment_scores(seg_a, mdp.rewards, gamma),
                                          segment_scores(seg_b, mdp.rewards, gamma), rng),
              "hard": preference_labels(adv_a, adv_b, rng, mode="hard")}
    x_a, x_b = (segment_features(s, s_count, a_count, gamma) for s in (seg_a, seg_b))
    c_a, c_b = (segment_features(s, s_count, a_count, gamma, discounted=False) for s in (seg_a, seg_b))
    series: dict[str, list[float]] = {"pairs": [float(n) for n in pair_counts]}

    def add(name: str, value: float) -> None:
        series.setdefault(name, []).append(float(value))

    for n in pair_counts:
        fits = {}
        for method, label in (("cpl", "regret"), ("cpl_reward_labels", "reward"), ("cpl_hard", "hard")):
            log_pi, info = fit_cpl_table(contrastive_design(x_a[:n], x_b[:n], labels[label][:n]), a_count, alpha,
                                         max_iter=max_iter, grad_tol=grad_tol)
            fits[method] = np.exp(log_pi)
            add(f"grad_norm/{method}", info.grad_norm)
        r_hat, _ = fit_bt_reward_table(contrastive_design(x_a[:n], x_b[:n], labels["regret"][:n]), max_iter=max_iter,
                                       grad_tol=grad_tol)
        r_hat = r_hat.reshape(s_count, a_count)
        fits["rlhf"] = soft_value_iteration(TabularMDP(mdp.transitions, r_hat, gamma, mdp.start), alpha).policy
        y = labels["regret"][:n, None].astype(float)
        preferred_counts = np.asarray((c_a[:n].multiply(y) + c_b[:n].multiply(1 - y)).sum(0)).ravel()
        fits["sft"] = sft_table(preferred_counts, a_count)
        for method, pi in fits.items():
            add(f"kl/{method}", kl(opt.policy, pi).mean())
        visited = np.asarray((c_a[:n] + c_b[:n]).sum(0)).reshape(s_count, a_count).sum(-1) > 0
        for method, pi in (("cpl", fits["cpl"]), ("cpl_hard", fits["cpl_hard"]), ("optimal", opt.policy)):
            add(f"max_prob/{method}", pi[visited].max(-1).mean())
        add("value_gap/cpl", np.mean(opt.v - soft_policy_evaluation(mdp, fits["cpl"], alpha)))
        add("entropy/cpl_hard", np.mean(policy_entropy(fits["cpl_hard"])))
        add("corr_advantage/rlhf", correlation(r_hat, opt.advantage))
        add("corr_reward/rlhf", correlation(r_hat, mdp.rewards))
    fresh_a, fresh_b = segment_pairs(mdp, behaviour, fisher_pairs, segment_length, fisher_rng)
    predicted = predicted_kl((fresh_a.states, fresh_a.actions, fresh_b.states, fresh_b.actions), opt.policy, alpha,
                             gamma, np.asarray(pair_counts))
    series["kl_predicted/cpl"] = predicted.tolist()
    softmax_r = np.exp(log_softmax(mdp.rewards, alpha))
    metrics = {"kl_softmax_reward": float(kl(opt.policy, softmax_r).mean()),
               "corr_advantage_reward": correlation(opt.advantage, mdp.rewards),
               "kl_uniform": float(kl(opt.policy, behaviour).mean()),
               "fisher_kl_trace": float(2 * pair_counts[-1] * predicted[-1]), "grad_tol": grad_tol}
    metrics.update({f"{name}@max": values[-1] for name, values in series.items() if name != "pairs"})
    return Curves(metrics, series)


def finite_horizon_sweep(rng: np.random.Generator, *, num_states: int, num_actions: int, concentration: float,
                         gamma: float, alpha: float, horizon: int, segment_length: int, pair_counts: tuple[int, ...],
                         max_iter: int) -> Curves:
    """Time-indexed CPL vs stationary-r̂ RLHF at every N on regret labels. KL is the data-weighted
    Σ_s d_h(s)·KL(π*_h‖π_h) averaged over h (``kl/*``) and at the last step (``kl_last_step/*``). Metrics: each
    series' last point and KL(π*_{H−1}‖π*_0) on d_{H−1} (how much π*_h depends on h)."""
    s_count, a_count, h_max = num_states, num_actions, horizon
    mdp = random_mdp(rng, s_count, a_count, gamma, concentration, horizon=h_max)
    opt = soft_value_iteration(mdp, alpha)
    behaviour = masked_uniform_behaviour(s_count, a_count)
    occupancy = state_occupancy(mdp, behaviour)
    seg_a, seg_b, labels = regret_labelled_pairs(mdp, opt.advantage, behaviour, pair_counts[-1], segment_length,
                                                 gamma, rng)
    xt_a, xt_b = (segment_features(s, s_count, a_count, gamma, time_indexed=True, horizon=h_max)
                  for s in (seg_a, seg_b))
    x_a, x_b = (segment_features(s, s_count, a_count, gamma) for s in (seg_a, seg_b))
    series: dict[str, list[float]] = {"pairs": [float(n) for n in pair_counts]}

    def weighted_kl(pi: np.ndarray) -> np.ndarray:
        return np.sum(occupancy * kl(opt.policy, pi), -1)  # per h

    for n in pair_counts:
        log_pi, _ = fit_cpl_table(contrastive_design(xt_a[:n], xt_b[:n], labels[:n]), a_count, alpha,
                                  max_iter=max_iter)
        cpl_kl = weighted_kl(np.exp(log_pi).reshape(h_max, s_count, a_count))
        r_hat, _ = fit_bt_reward_table(contrastive_design(x_a[:n], x_b[:n], labels[:n]), max_iter=max_iter)
        r_hat = r_hat.reshape(s_count, a_count)
        rlhf = soft_value_iteration(TabularMDP(mdp.transitions, r_hat, gamma, mdp.start, h_max), alpha).policy
        rlhf_kl = weighted_kl(rlhf)
        for name, value in (("kl/cpl", cpl_kl.mean()), ("kl/rlhf", rlhf_kl.mean()),
                            ("kl_last_step/cpl", cpl_kl[-1]), ("kl_last_step/rlhf", rlhf_kl[-1]),
                            ("corr_advantage/rlhf", correlation(r_hat, opt.advantage.mean(0)))):
            series.setdefault(name, []).append(float(value))
    metrics = {f"{k}@max": v[-1] for k, v in series.items() if k != "pairs"}
    metrics["kl_pi_last_vs_first_step"] = float(np.sum(occupancy[-1] * kl(opt.policy[-1], opt.policy[0])))
    return Curves(metrics, series)


def conservative_sweep(rng: np.random.Generator, *, num_states: int, num_actions: int, gamma: float, alpha: float,
                       segment_length: int, num_pairs: int, lambdas: tuple[float, ...], masked_states: int,
                       masked_reward: float, max_iter: int) -> Curves:
    """Conservative CPL at every λ on the same pairs, under full coverage (uniform behaviour) and partial coverage
    (action 0 never taken and paying ``masked_reward`` in the first ``masked_states`` states). Series over λ:
    ``kl/full``, ``kl/partial``, the largest mass on a never-taken action and the KL on the other states."""
    s_count, a_count = num_states, num_actions
    base = random_mdp(rng, s_count, a_count, gamma)
    masked = np.zeros((s_count, a_count), dtype=bool)
    masked[:masked_states, 0] = True
    partial_rewards = np.where(masked, masked_reward, base.rewards)
    regimes = {"full": (base, masked_uniform_behaviour(s_count, a_count)),
               "partial": (TabularMDP(base.transitions, partial_rewards, gamma, base.start),
                           masked_uniform_behaviour(s_count, a_count, masked))}
    metrics: dict[str, float] = {}
    series: dict[str, list[float]] = {"lambda": list(map(float, lambdas))}
    for regime, (mdp, behaviour) in regimes.items():
        opt = soft_value_iteration(mdp, alpha)
        seg_a, seg_b, labels = regret_labelled_pairs(mdp, opt.advantage, behaviour, num_pairs, segment_length, gamma,
                                                     rng)
        x_a, x_b = (segment_features(s, s_count, a_count, gamma) for s in (seg_a, seg_b))
        if regime == "partial":
            metrics["optimal_mass_on_unseen"] = float(opt.policy[masked].max())
        for lam in lambdas:
            log_pi, _ = fit_cpl_table(contrastive_design(x_a, x_b, labels, lam), a_count, alpha, max_iter=max_iter)
            pi = np.exp(log_pi)
            divergence = kl(opt.policy, pi)
            series.setdefault(f"kl/{regime}", []).append(float(divergence.mean()))
            if regime == "partial":
                series.setdefault("unseen_mass_max/partial", []).append(float(pi[masked].max()))
                series.setdefault("kl_unmasked_states/partial", []).append(
                    float(divergence[masked_states:].mean()) if masked_states < s_count else 0.0)
    for name, values in series.items():
        if name != "lambda":
            metrics.update({f"{name}@{lam:g}": v for lam, v in zip(lambdas, values)})
    return Curves(metrics, series)
