"""Checks of the Contrastive UCB claims: thresholds (spec / theory), the paper's values, the pilot's values and the
controls on top, then one ``check_*`` per claim. Pilot values are shown beside ours, never used as cut-offs.

Decision rules (REVISION-2 §1): seeds are the unit of replication and a stochastic part needs n ≥ 5 seeds;
rates are judged by :func:`benchmarks.stats.slope_interval` (per-seed log-log slopes, t-interval across seeds);
one-sided parts ("at most", "fewer than") by the one-sided 95% bounds of the mean (or of the paired per-seed
difference where two learners share seeds); "in every seed" parts fail on one violating seed and hold only with
n ≥ 5; solver residuals are exact. A failed control makes the verdict ``invalid``, never ``fails``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from benchmarks.records import fmt, metric_matrix, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import (
    MIN_SEEDS,
    Estimate,
    combine_parts,
    decide_claim,
    mean_interval,
    one_sided_bounds,
    paired_one_sided_bounds,
    slope_interval,
)
from mdps.lowrank.lock_study import LOCK_LEARNERS

THRESHOLDS = {
    "exact_sin_max": 1e-2,             # exact-expectation fit recovers span φ* (Lemma 3.1) ...
    "exact_tv_max": 1e-3,              # ... and P = φ̂ᵀψ̂·P⁻ (solver residuals: exact)
    "slope_band": (-0.6, -0.4),        # N^{-1/2} ± 0.1 for sin θ_max and TV on sampled data (spec)
    "sin_at_1e6_max": 0.25,            # level at N = 1e6 (spec)
    "tv_at_1e6_max": 0.02,
    "random_sin_min": 0.99,            # control: random features do not span φ*
    "oracle_t01_max": 400,             # oracle LSVI-UCB is 0.1-optimal by episode 400 (spec)
    "gap_slope_band": (-0.75, -0.25),  # K^{-1/2} ± 0.25 for the duality gap (Thm 5.3)
    "nash_gap_max": 1e-7,              # the exact Nash LP has gap 0 (solver residual: exact)
}
PAPER = {
    "representation_recovery": "Lemma 3.1 / Thm: rate N^{-1/2}; pilot −0.50 (TV −0.51)",
    "sample_efficiency": "Õ(1/ε²) sample complexity (Thm 4.3); pilot t₀.₁ 609–1400 of K = 3000",
    "onpolicy_failure": "pilot: on-policy never reached at H = 10 in 3000 episodes",
    "markov_game": "Õ(K^{-1/2}) (Thm 5.3); not piloted",
}
PILOT = {
    "slopes": "−0.50, −0.51",
    "at_1e6": "0.14, 0.0134",
    "contrastive_t01": "609–1400",
    "oracle_t01": "112–118",
    "width_h6_m10": "400–500 vs 806–901",
}
CONTROLS = {
    "representation_recovery": ("random simplex features stay far from span φ* (sin θ_max > 0.99 in every seed): "
                                "the subspace distance can tell a wrong representation from the right one",),
    "sample_efficiency": ("β = 0 + ε-greedy (the same learned model without the bonus) never observes the reward "
                          "within K episodes, in every seed: the lock needs directed exploration",),
}
SCOPE = ("The paper's own experiments are Atari-100k with SPR-UCB (an SPR loss); this suite tests the theory on "
         "low-rank MDPs where the true representation is known.")


def learner_order(name: str) -> tuple[int, float]:
    """Report learners in the study's order, UCBVI variants by their bonus constant."""
    base, _, bonus = name.partition("@")
    return LOCK_LEARNERS.index(base) if base in LOCK_LEARNERS else len(LOCK_LEARNERS), float(bonus or 0)


def per_learner(runs: Sequence[RunRecord], metric: str, prefix: str = "") -> dict[str, list[float]]:
    """Learner name → per-seed values (seed order) of ``{prefix}{metric}/<learner>``, in the study's order."""
    table = metric_matrix(runs, f"{prefix}{metric}/{{learner}}")
    columns = {key["learner"]: table.values[:, j].tolist() for j, key in enumerate(table.keys)}
    return {name: columns[name] for name in sorted(columns, key=learner_order)}


def best_ucbvi(runs: Sequence[RunRecord], prefix: str = "") -> tuple[str, list[float]]:
    """The UCBVI bonus constant with the lowest mean t₀.₁ (tuned in UCBVI's favour) and its per-seed t₀.₁."""
    ucbvi = {k: v for k, v in per_learner(runs, "t01", prefix).items() if k.startswith("ucbvi@")}
    best = min(ucbvi, key=lambda k: np.mean(ucbvi[k]))
    return best, ucbvi[best]


def every_seed(ok: Sequence[bool], what: str) -> tuple[str, str]:
    """An "in every seed" part: fails on one violating seed; holds when all n ≥ 5 seeds satisfy it."""
    bad = len(ok) - int(sum(ok))
    if bad:
        return "fails", f"{bad} of {len(ok)} seeds violate: {what}"
    if len(ok) < MIN_SEEDS:
        return "inconclusive", f"too few seeds (n={len(ok)} < {MIN_SEEDS}) for: {what}"
    return "holds", f"all {len(ok)} seeds: {what}"


def in_band(estimate: Estimate, band: tuple[float, float]) -> tuple[str, str]:
    """A two-sided interval inside [low, high] holds; one entirely outside it fails."""
    above, why_above = decide_claim(estimate, band[0], "above")
    below, why_below = decide_claim(estimate, band[1], "below")
    return combine_parts([above, below]), f"{why_above}; {why_below}"


def control(ok: bool, what: str) -> tuple[str, str]:
    """A control: holds, or makes the verdict invalid."""
    return ("holds", f"control passed: {what}") if ok else ("invalid", f"control failed: {what}")


def _record(parts: dict[str, str], reasons: dict[str, str], name: str, decision: tuple[str, str]) -> None:
    """Store one part's (status, reason)."""
    parts[name], reasons[name] = decision


def check_representation(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Control: random features sin θ_max > 0.99 in every seed (else invalid). Exact fit (solver residual): sin θ_max
    < 1e-2 and TV < 1e-3 in every seed. Sampled data: the per-seed log-log slopes of sin θ_max and of TV vs N over
    N ≥ ``slope_from`` have a t-interval inside [−0.6, −0.4]; at N = 1e6 the one-sided bounds of mean sin θ_max
    and mean TV against 0.25 and 0.02."""
    runs = sorted(results["contrastive_ucb/representation"], key=lambda r: r.seed)
    band = THRESHOLDS["slope_band"]
    parts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    random_sin = values(runs, "random_sin")
    random_far = min(random_sin) > THRESHOLDS["random_sin_min"]
    _record(parts, reasons, "control_random_features",
            control(random_far, f"random features min sin θ = {min(random_sin):.3f}"))
    exact_sin, exact_tv = max(values(runs, "exact_sin")), max(values(runs, "exact_tv"))
    exact_ok = exact_sin < THRESHOLDS["exact_sin_max"] and exact_tv < THRESHOLDS["exact_tv_max"]
    _record(parts, reasons, "exact_fit", ("holds" if exact_ok else "fails",
                                          f"max sin θ {exact_sin:.2e}, max TV {exact_tv:.2e} (exact)"))
    sizes = np.asarray(runs[0].series["sample_sizes"])
    used = sizes >= runs[0].config["slope_from"]
    slopes: dict[str, Estimate] = {}
    if used.sum() >= 3:
        for what in ("sin", "tv"):
            slopes[what] = slope_interval(sizes[used], [np.asarray(r.series[what])[used] for r in runs])
            _record(parts, reasons, f"slope_{what}", in_band(slopes[what], band))
    else:
        _record(parts, reasons, "slopes", ("inconclusive", "fewer than 3 sample sizes N ≥ slope_from"))
    level: dict[str, Estimate] = {}
    if 1e6 in metric_matrix(runs, "sin@{n:float}").field("n"):
        for what in ("sin", "tv"):
            level[what] = one_sided_bounds(metric_matrix(runs, f"{what}@{{n:float}}").column(n=1e6))
            _record(parts, reasons, f"{what}_at_1e6",
                    decide_claim(level[what], THRESHOLDS[f"{what}_at_1e6_max"], "below"))
    status = combine_parts(list(parts.values()))
    svd_sin = [r.series["svd_sin"][-1] for r in runs]
    details = {"seeds": len(runs), "parts": parts, "reasons": reasons, "exact_sin_max": exact_sin,
               "exact_tv_max": exact_tv, "random_sin": random_sin, "svd_sin_at_largest_N": svd_sin,
               **{f"slope_{k}": {"mean": e.value, "ci": list(e.ci), "per_seed": values(runs, f"slope_{k}")}
                  for k, e in slopes.items() if f"slope_{k}" in runs[0].metrics},
               **{f"{k}_at_1e6": {"mean": e.value, "bounds": list(e.ci)} for k, e in level.items()}}
    explanation = (
        ("INVALID: the control failed (random features come close to span φ*), so sin θ_max cannot judge "
         "recovery here. " if status == "invalid" else "")
        + f"exact expectations: max sin θ = {exact_sin:.2e}, max TV = {exact_tv:.2e} ({parts['exact_fit']}); "
        + ("; ".join(f"slope of {k} {fmt(e)} ({parts[f'slope_{k}']} vs [{band[0]}, {band[1]}])"
                     for k, e in slopes.items()) or "too few N ≥ slope_from for slopes")
        + "".join(f"; at N = 1e6 mean {k} {fmt(e)} (one-sided bounds; {parts[f'{k}_at_1e6']} vs "
                  f"{THRESHOLDS[f'{k}_at_1e6_max']})" for k, e in level.items())
        + (f" (pilot {PILOT['at_1e6']})" if level else "")
        + f"; control: random features sin θ ≥ {min(random_sin):.3f} ({parts['control_random_features']}); "
          f"rank-d SVD of the empirical P at the largest N: sin θ = {np.mean(svd_sin):.3g}; pilot slopes "
          f"{PILOT['slopes']}; {len(runs)} seeds. {SCOPE}")
    slope = slopes.get("sin")
    return Verdict(
        claim="contrastive_ucb.representation_recovery", status=status,
        statistic="log-log slope of sin θ_max(span φ̂, span φ*) vs N (per-seed fits, t-interval over seeds)",
        value=None if slope is None else slope.value, ci=None if slope is None else slope.ci,
        threshold=band[1], paper_value=PAPER["representation_recovery"], details=details, explanation=explanation)


def _width_comparison(wide: Sequence[RunRecord], parts: dict, reasons: dict, details: dict) -> list[str]:
    """Contrastive UCB vs tuned UCBVI at each lock width m: one-sided bounds of the paired per-seed difference of
    t₀.₁ (the learners share seeds); the widest m decides ``beats_ucbvi_at_widest``. Returns one sentence per m."""
    widths = sorted(wide[0].config["widths"])
    text = []
    for m in widths:
        name, t_ucbvi = best_ucbvi(wide, f"m{m}/")
        t_con = values(wide, f"m{m}/t01/contrastive_ucb")
        diff = paired_one_sided_bounds(t_con, t_ucbvi)
        details[f"width_m{m}"] = {"contrastive": t_con, "ucbvi": t_ucbvi, "ucbvi_tuned": name,
                                  "difference": {"mean": diff.value, "bounds": list(diff.ci)}}
        text.append(f"m = {m}: Contrastive UCB {np.mean(t_con):.0f} vs {name} {np.mean(t_ucbvi):.0f} "
                    f"(paired difference {fmt(diff)})")
        if m == widths[-1]:
            _record(parts, reasons, "beats_ucbvi_at_widest", decide_claim(diff, 0.0, "below"))
    return text


def check_sample_efficiency(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Decided by t₀.₁ (episodes until π_k is 0.1-optimal; K if never). Control: β = 0 + ε-greedy never observes
    the reward in any seed (else invalid: the lock does not need the bonus). Parts: oracle LSVI-UCB's mean t₀.₁ at
    most 400 (one-sided bounds); Contrastive UCB reaches before K in every seed; at the widest lock of lock_width
    Contrastive UCB needs fewer episodes than tuned UCBVI (one-sided bounds of the paired difference)."""
    runs = sorted(results["contrastive_ucb/lock"], key=lambda r: r.seed)
    wide = sorted(results["contrastive_ucb/lock_width"], key=lambda r: r.seed)
    config = runs[0].config
    episodes = config["episodes"]
    t01, seen = per_learner(runs, "t01"), per_learner(runs, "rewards_seen")
    parts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    if "egreedy" in seen:
        _record(parts, reasons, "control_egreedy_never_sees_reward",
                control(max(seen["egreedy"]) == 0, f"β = 0 + ε-greedy saw the reward in {seen['egreedy']} episodes"))
    else:
        _record(parts, reasons, "control_egreedy_never_sees_reward", ("inconclusive", "control not run"))
    oracle = one_sided_bounds(t01["oracle"])
    _record(parts, reasons, "oracle_fast", decide_claim(oracle, THRESHOLDS["oracle_t01_max"], "below"))
    _record(parts, reasons, "contrastive_reaches",
            every_seed([t < episodes for t in t01["contrastive_ucb"]], f"Contrastive UCB t₀.₁ < K = {episodes}"))
    random_successes = episodes * float(config["num_actions"]) ** -config["horizon"]
    details: dict = {"K": episodes, "seeds": len(runs), "expected_random_successes": random_successes,
                     "t01": t01, "regret_slope": per_learner(runs, "regret_slope"), "rewards_seen": seen}
    ucbvi_name, ucbvi_t = best_ucbvi(runs)
    details["ucbvi_tuned_H10"] = ucbvi_name
    width_text = _width_comparison(wide, parts, reasons, details)
    status = combine_parts(list(parts.values()))
    details.update({"parts": parts, "reasons": reasons})
    contrastive = mean_interval(t01["contrastive_ucb"])
    explanation = (
        ("INVALID: the control failed — β = 0 + ε-greedy (same learned model, no bonus) observed the reward in "
         f"{seen['egreedy']} episodes and reached t₀.₁ {t01['egreedy']}, so the lock as built does not need the "
         "bonus and these runs cannot credit Contrastive UCB's sample efficiency to its exploration bonus "
         "(a lock that needs it: issue #19). " if parts["control_egreedy_never_sees_reward"] == "invalid" else "")
        + f"H = {config['horizon']}, m = {config['obs_per_latent']}, K = {episodes}: "
        f"Contrastive UCB t₀.₁ {fmt(contrastive)} per seed {t01['contrastive_ucb']} "
        f"({parts['contrastive_reaches']}; pilot {PILOT['contrastive_t01']}; refits every {config['refit_every']} "
        f"episodes, so t₀.₁ falls on refit episodes); oracle LSVI-UCB {fmt(oracle)} (one-sided bounds; "
        f"{parts['oracle_fast']} vs ≤ {THRESHOLDS['oracle_t01_max']}; pilot {PILOT['oracle_t01']}); tuned UCBVI "
        f"({ucbvi_name}) {np.mean(ucbvi_t):.0f} at this width; LSVI-UCB with random features "
        f"{np.mean(t01.get('random_features', [np.nan])):.0f}; uniformly random actions expect "
        f"{random_successes:.1e} successes in K episodes. Second-half regret slopes "
        + ", ".join(f"{n} {np.mean(v):.2f}" for n, v in details["regret_slope"].items())
        + f". Lock at H = {wide[0].config['horizon']}: " + "; ".join(width_text)
        + f" ({parts.get('beats_ucbvi_at_widest', 'not run')}; pilot at H = 6, m = 10: {PILOT['width_h6_m10']}). "
        + SCOPE)
    return Verdict(
        claim="contrastive_ucb.sample_efficiency", status=status,
        statistic="Contrastive UCB episodes to a 0.1-optimal policy (t₀.₁, mean over seeds, t-interval)",
        value=contrastive.value, ci=contrastive.ci, threshold=float(episodes),
        paper_value=PAPER["sample_efficiency"], details=details, explanation=explanation)


def check_onpolicy_failure(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """The pilot's finding on what fails without one-step-random collection: purely on-policy Contrastive UCB
    never reaches a 0.1-optimal policy within K at H = 10 (mean t₀.₁, censored at K: lower bound ≥ K − ½), while
    oracle LSVI-UCB reaches before K in every seed."""
    runs = sorted(results["contrastive_ucb/lock"], key=lambda r: r.seed)
    episodes = runs[0].config["episodes"]
    t01, seen = per_learner(runs, "t01"), per_learner(runs, "rewards_seen")
    onpolicy = one_sided_bounds(t01["contrastive_onpolicy"])
    parts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    _record(parts, reasons, "onpolicy_never_reaches", decide_claim(onpolicy, episodes - 0.5, "above"))
    _record(parts, reasons, "oracle_reaches",
            every_seed([t < episodes for t in t01["oracle"]], f"oracle LSVI-UCB t₀.₁ < K = {episodes}"))
    details = {"t01_onpolicy": t01["contrastive_onpolicy"], "t01_oracle": t01["oracle"],
               "rewards_seen_onpolicy": seen["contrastive_onpolicy"], "K": episodes, "parts": parts,
               "reasons": reasons}
    comparison = ""
    if "egreedy" in seen:
        details.update({"rewards_seen_egreedy": seen["egreedy"], "t01_egreedy": t01["egreedy"]})
        comparison = (f"; for comparison (judged in sample_efficiency), β = 0 + ε-greedy "
                      f"(ε = {runs[0].config['epsilon']}): t₀.₁ {t01['egreedy']}, reward in {seen['egreedy']} episodes")
    return Verdict(
        claim="contrastive_ucb.onpolicy_failure", status=combine_parts(list(parts.values())),
        statistic="on-policy Contrastive UCB t₀.₁ (K = never; mean over seeds, one-sided bounds)",
        value=onpolicy.value, ci=onpolicy.ci, threshold=episodes - 0.5, paper_value=PAPER["onpolicy_failure"],
        details=details,
        explanation=(f"on-policy collection: t₀.₁ {fmt(onpolicy)} of K = {episodes} per seed "
                     f"{t01['contrastive_onpolicy']} (reward collected in {seen['contrastive_onpolicy']} episodes; "
                     f"{parts['onpolicy_never_reaches']})" + comparison
                     + f"; oracle LSVI-UCB (on-policy) t₀.₁ {t01['oracle']} ({parts['oracle_reaches']}). Where the "
                     f"pilot's failure does not reproduce, the likely mechanism (not isolated) is the learned model's "
                     f"predictions for untried (s,a) with the reward known to the planner, exact negatives, cold "
                     f"restarts and tied features. A finding of the pilot, not a claim of the paper. {SCOPE}"))


def check_markov_game(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """The duality gap of the output policies falls like K^{−1/2}: the t-interval over seeds of the per-seed
    log-log slopes of the gap vs K lies inside [−0.75, −0.25] (K^{−1/2} ± 0.25); the exact Nash LP has gap 0."""
    runs = sorted(results["contrastive_ucb/game"], key=lambda r: r.seed)
    band = THRESHOLDS["gap_slope_band"]
    slope = slope_interval(runs[0].series["checkpoints"], [r.series["gap"] for r in runs])
    nash_gap = max(values(runs, "nash_gap"))
    parts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    _record(parts, reasons, "slope_band", in_band(slope, band))
    _record(parts, reasons, "nash_lp_exact", ("holds" if nash_gap < THRESHOLDS["nash_gap_max"] else "fails",
                                              f"max gap of the exact Nash LP {nash_gap:.1e} (exact)"))
    first, final, uniform = values(runs, "first_gap"), values(runs, "final_gap"), values(runs, "uniform_gap")
    checkpoints = runs[0].series["checkpoints"]
    return Verdict(
        claim="contrastive_ucb.markov_game", status=combine_parts(list(parts.values())),
        statistic="log-log slope of the duality gap vs K (per-seed fits, t-interval over seeds)", value=slope.value,
        ci=slope.ci, threshold=-0.5, paper_value=PAPER["markov_game"],
        details={"per_seed_slope": values(runs, "gap_slope"), "first_gap": first, "final_gap": final,
                 "uniform_gap": uniform, "nash_gap_max": nash_gap, "parts": parts, "reasons": reasons,
                 "band": list(band)},
        explanation=(f"gap slope {fmt(slope)} ({parts['slope_band']} vs band {list(band)} around −1/2; "
                     f"{reasons['slope_band']}); gap {np.mean(first):.3g} at K = {checkpoints[0]:.0f} → "
                     f"{np.mean(final):.3g} at K = {checkpoints[-1]:.0f} (uniform policies: {np.mean(uniform):.3g}); "
                     f"exact Nash by LP has gap ≤ {nash_gap:.1e}; {len(runs)} seeds. Not piloted. {SCOPE}"))
