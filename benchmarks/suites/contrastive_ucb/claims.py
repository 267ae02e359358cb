"""Checks of the Contrastive UCB claims: thresholds (spec / theory), the paper's values and the pilot's values on top,
then one ``check_*`` per claim. Pilot values are shown beside ours, never used as cut-offs.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from benchmarks.records import fmt, metric_matrix, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import combine, decide, mean_ci
from mdps.lowrank.lock_study import LOCK_LEARNERS

THRESHOLDS = {
    "exact_sin_max": 1e-2,            # exact-expectation fit recovers span φ* (Lemma 3.1) ...
    "exact_tv_max": 1e-3,             # ... and P = φ̂ᵀψ̂·P⁻
    "slope_band": (-0.6, -0.4),       # N^{-1/2} ± 0.1 for sin θ_max and TV on sampled data
    "sin_at_1e6_max": 0.25,           # every seed at N = 1e6 (spec)
    "tv_at_1e6_max": 0.02,
    "random_sin_min": 0.99,           # random features do not span φ*
    "oracle_t01_max": 400,            # oracle LSVI-UCB is 0.1-optimal by episode 400 (spec)
    "gap_slope_band": (-0.75, -0.25),  # K^{-1/2} ± 0.25 for the duality gap (Thm 5.3)
    "nash_gap_max": 1e-7,             # the exact Nash LP has gap 0
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
SCOPE = ("The paper's own experiments are Atari-100k with SPR-UCB (an SPR loss); this suite tests the theory on "
         "low-rank MDPs where the true representation is known.")


def learner_order(name: str) -> tuple[int, float]:
    """Report learners in the study's order, UCBVI variants by their bonus constant."""
    base, _, bonus = name.partition("@")
    return LOCK_LEARNERS.index(base) if base in LOCK_LEARNERS else len(LOCK_LEARNERS), float(bonus or 0)


def _per_learner(runs: Sequence[RunRecord], metric: str, prefix: str = "") -> dict[str, list[float]]:
    """Learner name → per-seed values of ``{prefix}{metric}/<learner>``, in the study's learner order."""
    table = metric_matrix(runs, f"{prefix}{metric}/{{learner}}")
    columns = {key["learner"]: table.values[:, j].tolist() for j, key in enumerate(table.keys)}
    return {name: columns[name] for name in sorted(columns, key=learner_order)}


def best_ucbvi(runs: Sequence[RunRecord], prefix: str = "") -> tuple[str, list[float]]:
    """The UCBVI bonus constant with the lowest mean t₀.₁ (tuned in UCBVI's favour) and its per-seed t₀.₁."""
    ucbvi = {k: v for k, v in _per_learner(runs, "t01", prefix).items() if k.startswith("ucbvi@")}
    best = min(ucbvi, key=lambda k: np.mean(ucbvi[k]))
    return best, ucbvi[best]


def check_representation(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Exact fit: sin θ_max < 1e-2, TV < 1e-3 in every seed. Sampled data: mean log-log slopes (per-seed fits over
    N ≥ 1e5) of sin θ_max and TV within [−0.6, −0.4]; every seed sin θ(1e6) < 0.25, TV(1e6) < 0.02; random
    features sin θ > 0.99."""
    runs = results["contrastive_ucb/representation"]
    band = THRESHOLDS["slope_band"]
    exact_sin, exact_tv = max(values(runs, "exact_sin")), max(values(runs, "exact_tv"))
    exact_ok = exact_sin < THRESHOLDS["exact_sin_max"] and exact_tv < THRESHOLDS["exact_tv_max"]
    parts = {"exact_fit": "holds" if exact_ok else "fails"}
    details: dict = {"exact_sin_max": exact_sin, "exact_tv_max": exact_tv, "seeds": len(runs)}
    estimates = {}
    if "slope_sin" in runs[0].metrics:
        for key in ("slope_sin", "slope_tv"):
            estimates[key] = mean_ci(values(runs, key))
            parts[key] = combine([decide(estimates[key], band[0], "above"), decide(estimates[key], band[1], "below")])
            details[key] = {"mean": estimates[key].value, "ci": list(estimates[key].ci), "per_seed": values(runs, key)}
    else:
        parts["slopes"] = "inconclusive"
    sin_at = metric_matrix(runs, "sin@{n:float}")
    if 1e6 in sin_at.field("n"):
        sin6 = sin_at.column(n=1e6).tolist()
        tv6 = metric_matrix(runs, "tv@{n:float}").column(n=1e6).tolist()
        below = max(sin6) < THRESHOLDS["sin_at_1e6_max"] and max(tv6) < THRESHOLDS["tv_at_1e6_max"]
        parts["at_1e6"] = "holds" if below else "fails"
        details.update({"sin_at_1e6": sin6, "tv_at_1e6": tv6})
    random_sin = values(runs, "random_sin")
    parts["random_features"] = "holds" if min(random_sin) > THRESHOLDS["random_sin_min"] else "fails"
    details.update({"random_sin": random_sin, "parts": parts,
                    "svd_sin_at_largest_N": [r.series["svd_sin"][-1] for r in runs],
                    "mean_fit_seconds": float(np.mean(values(runs, "mean_fit_seconds")))})
    slope = estimates.get("slope_sin")
    explanation = (
        f"exact expectations: max sin θ = {exact_sin:.2e}, max TV = {exact_tv:.2e} ({parts['exact_fit']}); "
        + ("; ".join(f"{k.replace('_', ' ')} {fmt(e)} ({parts[k]} vs [{band[0]}, {band[1]}])"
                     for k, e in estimates.items()) or "too few N ≥ 1e5 for slopes")
        + (f"; at N = 1e6 sin θ ≤ {max(details['sin_at_1e6']):.3g}, TV ≤ {max(details['tv_at_1e6']):.3g} "
           f"({parts['at_1e6']}; pilot {PILOT['at_1e6']})" if "at_1e6" in parts else "")
        + f"; random features sin θ ≥ {min(random_sin):.3f} ({parts['random_features']}); rank-d SVD of the "
          f"empirical P at the largest N: sin θ = {np.mean(details['svd_sin_at_largest_N']):.3g}; "
          f"pilot slopes {PILOT['slopes']}; {len(runs)} seeds. {SCOPE}")
    return Verdict(
        claim="contrastive_ucb.representation_recovery", status=combine(list(parts.values())),
        statistic="log-log slope of sin θ_max(span φ̂, span φ*) vs N (mean over seeds)",
        value=None if slope is None else slope.value, ci=None if slope is None else slope.ci,
        threshold=band[1], paper_value=PAPER["representation_recovery"], details=details, explanation=explanation)


def _width_comparison(wide: Sequence[RunRecord], parts: dict, details: dict) -> list[str]:
    """Contrastive UCB vs tuned UCBVI at each lock width m (paired per-seed differences of t₀.₁); the widest m
    decides ``beats_ucbvi_at_widest``. Fills ``parts`` and ``details``; returns one sentence per width."""
    widths = sorted(wide[0].config["widths"])
    text = []
    for m in widths:
        name, t_ucbvi = best_ucbvi(wide, f"m{m}/")
        t_con = values(wide, f"m{m}/t01/contrastive_ucb")
        diff = mean_ci([c - u for c, u in zip(t_con, t_ucbvi)])
        details[f"width_m{m}"] = {"contrastive": t_con, "ucbvi": t_ucbvi, "ucbvi_tuned": name,
                                  "difference": {"mean": diff.value, "ci": list(diff.ci)}}
        text.append(f"m = {m}: Contrastive UCB {np.mean(t_con):.0f} vs {name} {np.mean(t_ucbvi):.0f} "
                    f"(difference {fmt(diff)})")
        if m == widths[-1]:
            parts["beats_ucbvi_at_widest"] = decide(diff, 0.0, "below")
    return text


def check_sample_efficiency(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Decided by t₀.₁ (episodes until π_k is 0.1-optimal; K if never), with the spec's parts: the control
    β = 0 + ε-greedy never observes the reward (the lock is hard without directed exploration; uniformly random
    actions expect K·A^{−H} successes, reported); oracle LSVI-UCB's mean CI below 400; Contrastive UCB reaches in
    every seed; at the widest lock of lock_width Contrastive UCB needs fewer episodes than tuned UCBVI (paired
    difference CI below 0)."""
    runs, wide = results["contrastive_ucb/lock"], results["contrastive_ucb/lock_width"]
    config = runs[0].config
    episodes = config["episodes"]
    t01 = _per_learner(runs, "t01")
    contrastive, oracle = mean_ci(t01["contrastive_ucb"]), mean_ci(t01["oracle"])
    random_successes = episodes * float(config["num_actions"]) ** -config["horizon"]
    seen = _per_learner(runs, "rewards_seen")
    parts = {
        "egreedy_never_sees_reward": ("inconclusive" if "egreedy" not in seen
                                      else "holds" if max(seen["egreedy"]) == 0 else "fails"),
        "oracle_fast": decide(oracle, THRESHOLDS["oracle_t01_max"], "below"),
        "contrastive_reaches": ("holds" if max(t01["contrastive_ucb"]) < episodes else "fails")
        if contrastive.n >= 3 else "inconclusive",
    }
    details: dict = {"K": episodes, "seeds": len(runs), "expected_random_successes": random_successes,
                     "t01": t01, "regret_slope": _per_learner(runs, "regret_slope"), "rewards_seen": seen}
    ucbvi_name, ucbvi_t = best_ucbvi(runs)
    details["ucbvi_tuned_H10"] = ucbvi_name
    width_text = _width_comparison(wide, parts, details)
    details["parts"] = parts
    egreedy = t01.get("egreedy")
    control_alone = (parts["egreedy_never_sees_reward"] == "fails"
                     and all(v == "holds" for k, v in parts.items() if k != "egreedy_never_sees_reward"))
    explanation = (
        f"H = {config['horizon']}, m = {config['obs_per_latent']}, K = {episodes}: "
        f"Contrastive UCB t₀.₁ {fmt(contrastive)} per seed {t01['contrastive_ucb']} "
        f"({parts['contrastive_reaches']}; pilot {PILOT['contrastive_t01']}; refits every {config['refit_every']} "
        f"episodes, so t₀.₁ falls on refit episodes); oracle LSVI-UCB {fmt(oracle)} ({parts['oracle_fast']} vs "
        f"< {THRESHOLDS['oracle_t01_max']}; pilot {PILOT['oracle_t01']}); tuned UCBVI ({ucbvi_name}) "
        f"{np.mean(ucbvi_t):.0f} at this width; LSVI-UCB with random features "
        f"{np.mean(t01.get('random_features', [np.nan])):.0f}; uniformly random actions expect "
        f"{random_successes:.1e} successes in K episodes. "
        + (f"Control: β = 0 + ε-greedy (same learned model, known reward) observed the reward in "
           f"{seen['egreedy']} episodes and reached t₀.₁ {egreedy} "
           f"({parts['egreedy_never_sees_reward']}; the spec expects it never to see the reward). "
           if egreedy else "")
        + ("This claim fails on its control alone: the lock, as built, does not need the bonus — a learner "
           "without it opens it too — so these runs cannot credit Contrastive UCB's sample efficiency to its "
           "exploration bonus. " if control_alone else "")
        + "Second-half regret slopes "
        + ", ".join(f"{n} {np.mean(v):.2f}" for n, v in details["regret_slope"].items())
        + f". Lock at H = {wide[0].config['horizon']}: " + "; ".join(width_text)
        + f" ({parts.get('beats_ucbvi_at_widest', 'not run')}; pilot at H = 6, m = 10: {PILOT['width_h6_m10']}). "
        + SCOPE)
    return Verdict(
        claim="contrastive_ucb.sample_efficiency", status=combine(list(parts.values())),
        statistic="Contrastive UCB episodes to a 0.1-optimal policy (t₀.₁, mean over seeds)",
        value=contrastive.value, ci=contrastive.ci, threshold=float(episodes),
        paper_value=PAPER["sample_efficiency"], details=details, explanation=explanation)


def check_onpolicy_failure(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """The pilot's findings on what fails without one-step-random collection: purely on-policy Contrastive UCB
    never reaches a 0.1-optimal policy within K at H = 10 (t₀.₁ = K, censored, in every seed), while oracle
    LSVI-UCB reaches (t₀.₁ < K in every seed)."""
    runs = results["contrastive_ucb/lock"]
    episodes = runs[0].config["episodes"]
    t01, seen = _per_learner(runs, "t01"), _per_learner(runs, "rewards_seen")
    onpolicy, oracle = mean_ci(t01["contrastive_onpolicy"]), t01["oracle"]
    parts = {"onpolicy_never_reaches": decide(onpolicy, episodes - 0.5, "above"),
             "oracle_reaches": ("holds" if max(oracle) < episodes else "fails") if len(oracle) >= 3 else "inconclusive"}
    details = {"t01_onpolicy": t01["contrastive_onpolicy"], "t01_oracle": oracle,
               "rewards_seen_onpolicy": seen["contrastive_onpolicy"], "K": episodes}
    if "egreedy" in seen:
        details.update({"rewards_seen_egreedy": seen["egreedy"], "t01_egreedy": t01["egreedy"]})
    details["parts"] = parts
    comparison = (f"; for comparison (judged in sample_efficiency), β = 0 + ε-greedy "
                  f"(ε = {runs[0].config['epsilon']}): t₀.₁ {details['t01_egreedy']}, "
                  f"reward in {details['rewards_seen_egreedy']} episodes"
                  if "t01_egreedy" in details else "")
    return Verdict(
        claim="contrastive_ucb.onpolicy_failure", status=combine(list(parts.values())),
        statistic="on-policy Contrastive UCB t₀.₁ (K = never; mean over seeds)", value=onpolicy.value,
        ci=onpolicy.ci, threshold=episodes - 0.5, paper_value=PAPER["onpolicy_failure"], details=details,
        explanation=(f"on-policy collection: t₀.₁ {fmt(onpolicy)} of K = {episodes} per seed "
                     f"{details['t01_onpolicy']} (reward collected in {details['rewards_seen_onpolicy']} episodes; "
                     f"{parts['onpolicy_never_reaches']})" + comparison
                     + f"; oracle LSVI-UCB (on-policy) t₀.₁ {oracle} ({parts['oracle_reaches']}). The pilot's "
                     f"failures do not reproduce here: with the reward known to the planner, exact negatives, cold "
                     f"restarts and tied features, both open the lock at about the same t₀.₁ as Contrastive UCB, so "
                     f"in this lock neither the bonus nor the one-step-random step is what makes the difference "
                     f"(mechanism not isolated; a likely one is the learned model's predictions for untried (s,a) "
                     f"plus, for ε-greedy, about one random action per episode). A finding of the pilot, not a claim "
                     f"of the paper. {SCOPE}"))


def check_markov_game(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """The duality gap of the output policies falls like K^{−1/2}: the mean per-seed log-log slope of the gap vs K
    lies in [−0.75, −0.25] (K^{−1/2} ± 0.25), and the exact Nash LP has gap 0."""
    runs = results["contrastive_ucb/game"]
    band = THRESHOLDS["gap_slope_band"]
    slope = mean_ci(values(runs, "gap_slope"))
    nash_gap = max(values(runs, "nash_gap"))
    parts = {"slope_band": combine([decide(slope, band[0], "above"), decide(slope, band[1], "below")]),
             "nash_lp_exact": "holds" if nash_gap < THRESHOLDS["nash_gap_max"] else "fails"}
    first, final, uniform = values(runs, "first_gap"), values(runs, "final_gap"), values(runs, "uniform_gap")
    return Verdict(
        claim="contrastive_ucb.markov_game", status=combine(list(parts.values())),
        statistic="log-log slope of the duality gap vs K (mean over seeds)", value=slope.value, ci=slope.ci,
        threshold=-0.5, paper_value=PAPER["markov_game"],
        details={"per_seed_slope": values(runs, "gap_slope"), "first_gap": first, "final_gap": final,
                 "uniform_gap": uniform, "nash_gap_max": nash_gap, "parts": parts, "band": list(band)},
        explanation=(f"gap slope {fmt(slope)} ({parts['slope_band']} vs band {list(band)} around −1/2); "
                     f"gap {np.mean(first):.3g} at K = {runs[0].series['checkpoints'][0]:.0f} → {np.mean(final):.3g} "
                     f"at K = {runs[0].series['checkpoints'][-1]:.0f} (uniform policies: {np.mean(uniform):.3g}); "
                     f"exact Nash by LP has gap ≤ {nash_gap:.1e}. Not piloted. {SCOPE}"))
