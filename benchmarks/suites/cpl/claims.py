"""The cpl suite's claim checks. Thresholds (from the spec and the theory) first, then pilot values (an independent
implementation; shown beside ours, never used as cut-offs), then one ``check_*`` per claim."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from benchmarks.records import fmt, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import Estimate, combine, decide, loglog_slope, mean_ci

# --- thresholds -------------------------------------------------------------------------------------------------
CONSISTENCY_KL = 0.01
CONSISTENCY_AT = 100_000
SLOPE_RANGE = (-1.3, -0.8)
WRONG_MODEL_FLOOR = 0.05
PLATEAU_RATIO = 0.5          # KL falls by less than 2× per decade (a consistent estimator falls ~10×)
LAST_DECADE_SLOPE = -0.5     # log-log slope over the last decade: above = plateau, below = still falling
UNSEEN_MASS = 1e-3
HARD_KL = 1.0
HARD_FLAT = (0.5, 2.0)
NONINFERIORITY_MARGIN = 0.05

# --- the paper's values (its own scale differs: MetaWorld, see the spec) ------------------------------------------
PAPER = {"minigrid_scale": "MetaWorld: CPL ≥ SFT and ≈/≥ P-IQL on most of 6 tasks"}

# --- pilot values (independent implementation, S = 20, A = 4, 3 seeds) --------------------------------------------
PILOT = {
    "consistency": "pilot: 0.94 (1e3), 0.076 (1e4), 0.0068 (1e5), 0.00067 (1e6); slope −1.07",
    "wrong_model_bias": "pilot: 0.265 (1e4), 0.162 (1e5), 0.153 (1e6); ~10× KL of softmax(r/α)",
    "reward_learns_advantage": "pilot: corr(r̂, A*) 0.996 (1e5) vs corr(A*, r) ≈ 0.81; FH RLHF 0.033 → 0.023, "
                               "CPL 0.052 → 0.0038",
    "conservative_tradeoff": "pilot: λ=1 KL 0.0068, 0.95 ≈ 0.05, 0.75 0.38, 0.5 0.60; unseen mass λ=1 up to 0.47, "
                             "λ=0.95 ≤ 1e-12",
    "hard_labels": "pilot: 15.4 (1e5), 15.6 (1e6), entropy ~1e-9",
}


def series_matrix(runs: Sequence[RunRecord], name: str) -> np.ndarray:
    """(seeds, points) array of a stored series, seeds in increasing order."""
    return np.array([r.series[name] for r in sorted(runs, key=lambda r: r.seed)], dtype=float)


def pair_grid(runs: Sequence[RunRecord]) -> np.ndarray:
    """The N grid (numbers of pairs) of a sweep."""
    return np.asarray(runs[0].series["pairs"], dtype=float)


def _decade_index(pairs: np.ndarray) -> int | None:
    """Index of the largest N ≤ N_max/10 (the start of the last decade), or None when the grid spans less."""
    below = np.nonzero(pairs <= pairs[-1] / 10 * (1 + 1e-9))[0]
    return int(below[-1]) if below.size else None


def _per_seed_slopes(pairs: np.ndarray, curves: np.ndarray, start: int = 0) -> list[float]:
    """Least-squares log-log slope of each seed's curve over pairs[start:]."""
    lx = np.log(pairs[start:])
    return [float(np.polyfit(lx, np.log(np.maximum(v[start:], 1e-300)), 1)[0]) for v in curves]


def _within(e: Estimate, low: float, high: float) -> str:
    """holds if the CI lies inside [low, high], fails if it lies wholly outside, else inconclusive."""
    if e.n < 3:
        return "inconclusive"
    if low <= e.low and e.high <= high:
        return "holds"
    if e.high < low or e.low > high:
        return "fails"
    return "inconclusive"


def check_consistency(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Thm 1: KL(π*‖π_CPL) < 0.01 at N = 10⁵ and a log-log slope of KL vs N in [−1.3, −0.8]."""
    runs = results["cpl/discounted"]
    pairs, kl = pair_grid(runs), series_matrix(runs, "kl/cpl")
    slopes = mean_ci(_per_seed_slopes(pairs, kl)) if pairs.size >= 3 else None
    pooled = loglog_slope(pairs, kl.mean(0)) if pairs.size >= 3 else None
    at = np.nonzero(pairs == CONSISTENCY_AT)[0]
    if at.size == 0 or slopes is None:
        return Verdict("cpl.consistency", "inconclusive", "KL(π*‖π_CPL) at N = 1e5", None, None, CONSISTENCY_KL,
                       "0.0068 (pilot)", explanation=f"budget too small: the N grid {pairs.tolist()} lacks 1e5 or "
                                                     "has fewer than 3 points")
    kl_at = mean_ci(kl[:, at[0]])
    gap = mean_ci(series_matrix(runs, "value_gap/cpl")[:, at[0]])
    parts = [decide(kl_at, CONSISTENCY_KL, "below"), _within(slopes, *SLOPE_RANGE)]
    curve = {int(n): float(v) for n, v in zip(pairs, kl.mean(0))}
    return Verdict(
        claim="cpl.consistency", status=combine(parts), statistic="KL(π*‖π_CPL) at N = 1e5 (mean over seeds)",
        value=kl_at.value, ci=kl_at.ci, threshold=CONSISTENCY_KL,
        paper_value=PILOT["consistency"],
        details={"kl_by_pairs": curve, "slope_per_seed_mean": slopes.value, "slope_ci": list(slopes.ci),
                 "slope_range": list(SLOPE_RANGE), "slope_of_seed_mean_curve": pooled.value,
                 "value_gap_at_1e5": gap.value, "value_gap_ci": list(gap.ci), "parts": parts, "seeds": kl_at.n},
        explanation=(f"KL at 1e5 {fmt(kl_at)} ({parts[0]} vs < {CONSISTENCY_KL}); log-log slope of KL vs N "
                     f"{fmt(slopes)} over N = {int(pairs[0])}..{int(pairs[-1])} ({parts[1]} vs within "
                     f"{list(SLOPE_RANGE)}); pilot 0.0068 and −1.07. Soft-value gap at 1e5 {fmt(gap)} "
                     "(= α(I−γP_π)⁻¹KL(π‖π*), reported, not counted as a second confirmation); "
                     f"{kl_at.n} seeds"),
    )


def check_wrong_model_bias(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Reward-model labels fed to CPL plateau: KL at N_max ≥ 0.05 and KL(N_max)/KL(N_max/10) > 0.5 (a consistent
    estimator falls ~10× per decade)."""
    runs = results["cpl/discounted"]
    pairs, kl = pair_grid(runs), series_matrix(runs, "kl/cpl_reward_labels")
    start = _decade_index(pairs)
    final = mean_ci(kl[:, -1])
    softmax_r = mean_ci(values(runs, "kl_softmax_reward"))
    if start is None:
        return Verdict("cpl.wrong_model_bias", "inconclusive", "KL(π*‖π_CPL) on reward labels at N_max",
                       final.value, final.ci, WRONG_MODEL_FLOOR, "0.162 (1e5), 0.153 (1e6)",
                       explanation="budget too small: the N grid spans less than a decade")
    ratio = mean_ci(kl[:, -1] / kl[:, start])
    consistent_ratio = mean_ci(series_matrix(runs, "kl/cpl")[:, -1] / series_matrix(runs, "kl/cpl")[:, start])
    parts = [decide(final, WRONG_MODEL_FLOOR, "above"), decide(ratio, PLATEAU_RATIO, "above")]
    within_noise = ratio.low <= 1.0 <= ratio.high
    return Verdict(
        claim="cpl.wrong_model_bias", status=combine(parts),
        statistic=f"KL(π*‖π_CPL) with reward-model labels at N = {int(pairs[-1]):.0e}",
        value=final.value, ci=final.ci, threshold=WRONG_MODEL_FLOOR,
        paper_value=PILOT["wrong_model_bias"],
        details={"ratio_last_decade": ratio.value, "ratio_ci": list(ratio.ci), "ratio_threshold": PLATEAU_RATIO,
                 "ratio_ci_contains_1": within_noise, "regret_labels_ratio": consistent_ratio.value,
                 "kl_softmax_r_over_alpha": softmax_r.value,
                 "kl_by_pairs": {int(n): float(v) for n, v in zip(pairs, kl.mean(0))}, "parts": parts},
        explanation=(f"KL at N = {int(pairs[-1])}: {fmt(final)} ({parts[0]} vs ≥ {WRONG_MODEL_FLOOR}); "
                     f"KL({int(pairs[-1])})/KL({int(pairs[start])}) = {fmt(ratio)} ({parts[1]} vs > "
                     f"{PLATEAU_RATIO}; {'contains' if within_noise else 'excludes'} 1, i.e. "
                     f"{'within noise of a plateau' if within_noise else 'still creeping towards its floor'}) "
                     f"while regret labels give {consistent_ratio.value:.3g} over the same decade; KL of "
                     f"softmax(r/α) = {softmax_r.value:.3g} ({final.value / softmax_r.value:.1f}× smaller than "
                     f"CPL's); pilot 0.162 → 0.153 (1e5 → 1e6); {final.n} seeds"),
    )


def check_reward_learns_advantage(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """RLHF on regret labels learns r̂ ≈ A* (corr(r̂, A*) > corr(r̂, r)); discounted: RLHF is consistent (reported);
    finite horizon with sparse transitions: stationary-r̂ RLHF plateaus while time-indexed CPL keeps falling,
    and CPL's KL < RLHF's at the largest N."""
    disc = results["cpl/discounted"]
    corr_adv = series_matrix(disc, "corr_advantage/rlhf")[:, -1]
    corr_r = series_matrix(disc, "corr_reward/rlhf")[:, -1]
    corr_gap = mean_ci(corr_adv - corr_r)
    rlhf_disc = mean_ci(series_matrix(disc, "kl/rlhf")[:, -1])
    fh = results["cpl/finite_horizon"]
    pairs = pair_grid(fh)
    kl_cpl, kl_rlhf = series_matrix(fh, "kl/cpl"), series_matrix(fh, "kl/rlhf")
    gap = mean_ci(kl_rlhf[:, -1] - kl_cpl[:, -1])
    start = _decade_index(pairs)
    parts = [decide(corr_gap, 0.0, "above"), decide(gap, 0.0, "above")]
    details: dict = {"corr_advantage_at_max": float(corr_adv.mean()), "corr_reward_at_max": float(corr_r.mean()),
                     "corr_A_r_itself": float(np.mean(values(disc, "corr_advantage_reward"))),
                     "discounted_rlhf_kl_at_max": rlhf_disc.value, "discounted_rlhf_kl_ci": list(rlhf_disc.ci),
                     "fh_kl_cpl": {int(n): float(v) for n, v in zip(pairs, kl_cpl.mean(0))},
                     "fh_kl_rlhf": {int(n): float(v) for n, v in zip(pairs, kl_rlhf.mean(0))},
                     "fh_rlhf_kl_last_step_at_max": float(series_matrix(fh, "kl_last_step/rlhf")[:, -1].mean())}
    slope_text = "the N grid spans less than a decade (plateau not tested)"
    if start is None or pairs.size - start < 2:
        parts.append("inconclusive")
    else:
        s_cpl = mean_ci(_per_seed_slopes(pairs, kl_cpl, start))
        s_rlhf = mean_ci(_per_seed_slopes(pairs, kl_rlhf, start))
        parts += [decide(s_cpl, LAST_DECADE_SLOPE, "below"), decide(s_rlhf, LAST_DECADE_SLOPE, "above")]
        details.update({"last_decade_slope_cpl": s_cpl.value, "last_decade_slope_cpl_ci": list(s_cpl.ci),
                        "last_decade_slope_rlhf": s_rlhf.value, "last_decade_slope_rlhf_ci": list(s_rlhf.ci)})
        slope_text = (f"last-decade log-log slopes: CPL {fmt(s_cpl)} ({parts[2]} vs < {LAST_DECADE_SLOPE}), "
                      f"RLHF {fmt(s_rlhf)} ({parts[3]} vs > {LAST_DECADE_SLOPE}, i.e. a plateau)")
    if "cpl/finite_horizon_dense" in results and results["cpl/finite_horizon_dense"]:
        dense = results["cpl/finite_horizon_dense"]
        details["dense_control_kl_cpl_at_max"] = float(series_matrix(dense, "kl/cpl")[:, -1].mean())
        details["dense_control_kl_rlhf_at_max"] = float(series_matrix(dense, "kl/rlhf")[:, -1].mean())
    details["parts"] = parts
    return Verdict(
        claim="cpl.reward_learns_advantage", status=combine(parts),
        statistic=f"finite horizon, N = {int(pairs[-1]):.0e}: KL_RLHF − KL_CPL (mean over seeds)",
        value=gap.value, ci=gap.ci, threshold=0.0,
        paper_value=PILOT["reward_learns_advantage"],
        details=details,
        explanation=(f"discounted (N = {int(pair_grid(disc)[-1])}): corr(r̂, A*) {corr_adv.mean():.4f} vs corr(r̂, r) "
                     f"{corr_r.mean():.4f}, difference {fmt(corr_gap)} ({parts[0]}); there RLHF is consistent "
                     f"(soft VI on A* returns π*): KL {fmt(rlhf_disc)}, so the paper's argument does not bite. "
                     f"Finite horizon (sparse P, H = 5, stationary r̂): KL_RLHF − KL_CPL at N = {int(pairs[-1])} "
                     f"{fmt(gap)} ({parts[1]}; CPL {kl_cpl[:, -1].mean():.4g}, RLHF {kl_rlhf[:, -1].mean():.4g}); "
                     + slope_text + (f"; dense-P control: CPL {details['dense_control_kl_cpl_at_max']:.4g}, "
                                     f"RLHF {details['dense_control_kl_rlhf_at_max']:.4g}"
                                     if "dense_control_kl_cpl_at_max" in details else "")
                     + f"; {gap.n} seeds"),
    )


def check_conservative_tradeoff(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """λ = 0.95 keeps unseen-action mass < 1e-3 in every state while λ = 1 does not; full-coverage KL rises
    monotonically as λ falls (every adjacent paired difference has a CI above 0)."""
    runs = results["cpl/conservative"]
    lambdas = [float(v) for v in runs[0].series["lambda"]]
    unseen = series_matrix(runs, "unseen_mass_max/partial")
    kl_full = series_matrix(runs, "kl/full")
    kl_unmasked = series_matrix(runs, "kl_unmasked_states/partial")
    parts, details = [], {"lambdas": lambdas, "kl_full": kl_full.mean(0).tolist(),
                          "kl_partial_unmasked_states": kl_unmasked.mean(0).tolist(),
                          "unseen_mass_max": unseen.max(0).tolist(),
                          "optimal_mass_on_unseen": max(values(runs, "optimal_mass_on_unseen"))}
    text = []
    if 0.95 in lambdas and 1.0 in lambdas:
        conservative = mean_ci(unseen[:, lambdas.index(0.95)])
        plain = mean_ci(unseen[:, lambdas.index(1.0)])
        parts += [decide(conservative, UNSEEN_MASS, "below"), decide(plain, UNSEEN_MASS, "above")]
        text.append(f"max unseen-action mass: λ=0.95 {fmt(conservative)} ({parts[0]} vs < {UNSEEN_MASS:g}), "
                    f"λ=1 {fmt(plain)} ({parts[1]} vs > {UNSEEN_MASS:g})")
    else:
        conservative = None
        parts.append("inconclusive")
        text.append("λ grid lacks 0.95 or 1")
    steps = []
    for i in range(len(lambdas) - 1):
        diff = mean_ci(kl_full[:, i + 1] - kl_full[:, i])
        steps.append(decide(diff, 0.0, "above"))
    parts.append(combine(steps) if steps else "inconclusive")
    details["monotone_steps"] = steps
    details["parts"] = parts
    text.append("full-coverage KL by λ " + ", ".join(f"{lam:g}: {v:.3g}" for lam, v in zip(lambdas, kl_full.mean(0)))
                + f" (each step up: {steps}) ")
    value = conservative.value if conservative else None
    return Verdict(
        claim="cpl.conservative_tradeoff", status=combine(parts),
        statistic="λ = 0.95, partial coverage: max mass on the never-taken action (mean over seeds)",
        value=value, ci=conservative.ci if conservative else None, threshold=UNSEEN_MASS,
        paper_value=PILOT["conservative_tradeoff"],
        details=details, explanation="; ".join(text) + f"; {len(runs)} seeds",
    )


def check_hard_labels(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Deterministic labels: KL(π*‖π_CPL) > 1 at N_max and flat in N (KL(N_max)/KL(N_max/10) within [0.5, 2])."""
    runs = results["cpl/discounted"]
    pairs, kl = pair_grid(runs), series_matrix(runs, "kl/cpl_hard")
    final = mean_ci(kl[:, -1])
    entropy = float(series_matrix(runs, "entropy/cpl_hard")[:, -1].mean())
    start = _decade_index(pairs)
    parts = [decide(final, HARD_KL, "above")]
    ratio = mean_ci(kl[:, -1] / kl[:, start]) if start is not None else None
    parts.append(_within(ratio, *HARD_FLAT) if ratio else "inconclusive")
    return Verdict(
        claim="cpl.hard_labels", status=combine(parts),
        statistic=f"KL(π*‖π_CPL) with hard labels at N = {int(pairs[-1]):.0e}", value=final.value, ci=final.ci,
        threshold=HARD_KL, paper_value=PILOT["hard_labels"],
        details={"ratio_last_decade": ratio.value if ratio else None, "ratio_ci": list(ratio.ci) if ratio else None,
                 "flat_range": list(HARD_FLAT), "mean_entropy_at_max": entropy,
                 "kl_by_pairs": {int(n): float(v) for n, v in zip(pairs, kl.mean(0))}, "parts": parts},
        explanation=(f"KL at N = {int(pairs[-1])}: {fmt(final)} ({parts[0]} vs > {HARD_KL}); "
                     + (f"KL({int(pairs[-1])})/KL({int(pairs[start])}) = {fmt(ratio)} ({parts[1]} vs within "
                        f"{list(HARD_FLAT)}); " if ratio else "grid spans less than a decade; ")
                     + f"mean policy entropy {entropy:.3g} nats (π* is stochastic: the bias is the labels', "
                       f"not noise); pilot 15.4 → 15.6; {final.n} seeds"),
    )


def check_minigrid_scale(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Neural CPL's success rate is at least SFT's and RLHF + offline RL's: paired differences with a CI
    above −0.05 (non-inferiority margin); superiority is reported when the CI is above 0."""
    runs = results["cpl/minigrid"]
    success = {m: np.array(values(runs, f"success/{m}")) for m in
               ("cpl", "sft", "rlhf", "oracle", "behaviour", "rl_on_true_advantage")}
    returns = {m: float(np.mean(values(runs, f"return/{m}"))) for m in success}
    cpl = mean_ci(success["cpl"])
    diffs = {m: mean_ci(success["cpl"] - success[m]) for m in ("sft", "rlhf")}
    parts = [decide(d, -NONINFERIORITY_MARGIN, "above") for d in diffs.values()]
    superior = {m: d.low > 0 for m, d in diffs.items()}
    means = {m: float(v.mean()) for m, v in success.items()}
    return Verdict(
        claim="cpl.minigrid_scale", status=combine(parts), statistic="CPL success rate (exact, mean over layouts)",
        value=cpl.value, ci=cpl.ci, threshold=-NONINFERIORITY_MARGIN,
        paper_value=PAPER["minigrid_scale"],
        details={"success": means, "return": returns,
                 "cpl_minus": {m: {"mean": d.value, "ci": list(d.ci), "superior": superior[m]}
                               for m, d in diffs.items()},
                 "corr_rhat_advantage": float(np.mean(values(runs, "corr_advantage/rlhf"))),
                 "parts": parts},
        explanation=(f"success: CPL {fmt(cpl)}, SFT {means['sft']:.3f}, RLHF+offline RL {means['rlhf']:.3f}, "
                     f"noisy expert {means['behaviour']:.3f}, π* {means['oracle']:.3f}; CPL − SFT "
                     f"{fmt(diffs['sft'])} ({parts[0]}), CPL − RLHF {fmt(diffs['rlhf'])} ({parts[1]}) vs CI above "
                     f"−{NONINFERIORITY_MARGIN}; Minigrid return CPL {returns['cpl']:.3f}, SFT {returns['sft']:.3f}, "
                     f"RLHF {returns['rlhf']:.3f}. RLHF's r̂ correlates "
                     f"{np.mean(values(runs, 'corr_advantage/rlhf')):.2f} with A* on seen pairs; the "
                     f"same offline RL on the true A* succeeds {means['rl_on_true_advantage']:.3f}"
                     + (" (so RLHF's shortfall comes from r̂'s errors, amplified over ~1/(1−γ) steps, not from the "
                        "planner)" if means["rl_on_true_advantage"] > 0.9 else " (the data's coverage is too thin "
                                                                                "for the planner at this budget)")
                     + f"; {cpl.n} layouts"),
    )

