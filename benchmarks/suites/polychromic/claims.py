"""Checks of the polychromic claims. Every statistic is a difference between two methods on the same seeds
(the same BC start and the same evaluation samples), so each is paired by seed."""
from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np

from benchmarks.records import fmt, paired_values, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import Estimate, combine, decide, has_plateaued, mean_ci
from benchmarks.suites.polychromic.experiments import EXPERIMENT_OF, K_MAX, LABELS, METHODS

# Thresholds (the spec's claims 1–4).
COVERAGE_GAP = 0.05
"""Poly-PPO's pass@16 must beat PPO's by at least 5 points."""
SUCCESS_MARGIN = 0.02
"""Poly-PPO's success (pass@1) may trail PPO's by at most 2 points; also the tolerance per k and for robustness."""
COLLAPSE_TOLERANCE = 0.02
"""PPO's pass@16 "falls to" the start's: it ends at most 2 points above it."""

# The paper's values: Table 1, FourRooms (reward, success), as transcribed by independent replications.
PAPER_TABLE1 = {"pretrained": (0.469, 0.704), "reinforce": (0.639, 0.896), "ppo": (0.618, 0.892),
                "poly": (0.666, 0.924)}

# An independent pilot's numbers, shown beside ours (never a cut-off).
PILOT = ("pilot (50 configs, saturated start, 2 seeds): pass@16 Poly 0.96–0.98 vs PPO 0.94, pass@1 Poly 0.82–0.85 "
         "vs PPO 0.86–0.88")

fmt_signed = partial(fmt, signed=True, style="f", show_n=True)
"""A paired difference as "+0.123 [+0.100, +0.150] (n=5)"."""


def runs_of(results: Mapping[str, list[RunRecord]], method: str) -> list[RunRecord]:
    """The stored runs of one method's experiment (empty when it has not run)."""
    return list(results.get(EXPERIMENT_OF[method], []))


def _paired(results: Mapping[str, list[RunRecord]], a: str, b: str, metric: str, metric_b: str | None = None
            ) -> Estimate:
    """Mean over shared seeds of metric(a) − metric(b), with a bootstrap CI."""
    seeds, x, y = paired_values(runs_of(results, a), runs_of(results, b), metric, metric_b)
    if not seeds:
        raise ValueError(f"no seed has both {a} and {b}")
    return mean_ci(x - y)


def _mean(results: Mapping[str, list[RunRecord]], method: str, metric: str) -> float:
    return float(np.mean(values(runs_of(results, method), metric)))


def _budget_note(results: Mapping[str, list[RunRecord]]) -> str:
    runs = runs_of(results, "ppo")
    steps = int(runs[0].metrics.get("env_steps", 0)) if runs else 0
    return f"{steps:,} env steps per method"


def _ppo_converged(results: Mapping[str, list[RunRecord]]) -> bool:
    """PPO's seed-mean success curve moved by ≤ 10% of its total travel over the last quarter of training."""
    curves = [r.series["curve/success"] for r in runs_of(results, "ppo")]
    return has_plateaued(np.mean(curves, axis=0), tail_fraction=0.25, relative_tolerance=0.1)


def check_coverage(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 1: Poly pass@k ≥ PPO's − 2 points at every k, ≥ +5 points at k = 16; PPO's pass@16 falls to (within
    2 points of) or below the start's while Poly's does not fall below it."""
    gap16 = _paired(results, "poly", "ppo", "pass@16")
    per_k = {k: _paired(results, "poly", "ppo", f"pass@{k}") for k in range(1, K_MAX + 1)}
    ppo_drop = _paired(results, "ppo", "pretrained", "pass@16")
    poly_drop = _paired(results, "poly", "pretrained", "pass@16")
    collapse = decide(ppo_drop, COLLAPSE_TOLERANCE, "below")
    converged = _ppo_converged(results)
    if collapse == "fails" and not converged:
        collapse = "inconclusive"  # PPO still improving: too early to say its pass@16 will not fall
    parts = {"gap@16 ≥ 0.05": decide(gap16, COVERAGE_GAP, "above"),
             "gap@k ≥ −0.02 ∀k": combine([decide(e, -SUCCESS_MARGIN, "above") for e in per_k.values()]),
             "PPO pass@16 − start ≤ +0.02": collapse,
             "Poly pass@16 − start ≥ −0.02": decide(poly_drop, -COLLAPSE_TOLERANCE, "above")}
    means = {m: [round(_mean(results, m, f"pass@{k}"), 3) for k in (1, 4, 16)] for m in ("pretrained", "ppo", "poly")}
    return Verdict(
        claim="polychromic.coverage", status=combine(list(parts.values())),
        statistic="pass@16(Poly-PPO) − pass@16(PPO), paired by seed", value=gap16.value, ci=gap16.ci,
        threshold=COVERAGE_GAP, paper_value="Poly-PPO above PPO at every k; PPO's pass@k falls below the start's",
        details={"parts": parts, "gap_by_k": {k: [e.value, e.low, e.high] for k, e in per_k.items()},
                 "ppo_pass16_minus_start": [ppo_drop.value, *ppo_drop.ci],
                 "poly_pass16_minus_start": [poly_drop.value, *poly_drop.ci],
                 "mean_pass@1,4,16": means, "ppo_success_plateaued": converged},
        explanation=(f"gap@16 {fmt_signed(gap16)}; min over k of gap {min(e.value for e in per_k.values()):+.3f}; "
                     f"PPO pass@16 − start {fmt_signed(ppo_drop)}; Poly pass@16 − start {fmt_signed(poly_drop)}; "
                     f"pass@1/4/16 start {means['pretrained']}, PPO {means['ppo']}, Poly {means['poly']}; parts {parts}"
                     + ("" if converged else "; PPO's success curve has not plateaued, so the budget is too small to "
                        "see a diversity collapse (that part cannot fail yet)")
                     + ("" if collapse != "fails" else
                        f"; PPO's pass@16 rose instead of collapsing (the paper's mechanism did not appear), which "
                        f"leaves at most {1 - means['ppo'][2]:.3f} of headroom for the +{COVERAGE_GAP} gap at k = 16")
                     + f"; {_budget_note(results)}. {PILOT}."),
    )


def check_success(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 2: Poly-PPO's pass@1 (= expected success) ≥ PPO's − 2 points."""
    gap = _paired(results, "poly", "ppo", "pass@1")
    table = {m: {"reward": _mean(results, m, "reward"), "success": _mean(results, m, "success"),
                 "paper_reward_success": PAPER_TABLE1.get(m)} for m in METHODS if runs_of(results, m)}
    return Verdict(
        claim="polychromic.success", status=decide(gap, -SUCCESS_MARGIN, "above"),
        statistic="pass@1(Poly-PPO) − pass@1(PPO), paired by seed", value=gap.value, ci=gap.ci,
        threshold=-SUCCESS_MARGIN, paper_value="success Poly 92.4% vs PPO 89.2% (Table 1, FourRooms)",
        details={"table1": table},
        explanation=(f"gap {fmt_signed(gap)} vs threshold −0.02; {_budget_note(results)}. {PILOT}.\n\n"
                     + table1_markdown(table)),
    )


def table1_markdown(table: Mapping[str, Mapping[str, Any]]) -> str:
    """Our mean reward and success (pass@1) per method beside the paper's Table 1 (FourRooms), as markdown."""
    lines = ["| method | reward (ours) | success (ours) | reward (paper) | success (paper) |",
             "|---|---|---|---|---|"]
    for method, row in table.items():
        paper = row["paper_reward_success"]
        paper_cells = f"{paper[0]:.3f} | {paper[1]:.3f}" if paper else "– | –"
        lines.append(f"| {LABELS[method]} | {row['reward']:.3f} | {row['success']:.3f} | {paper_cells} |")
    return "\n".join(lines) + ("\n\nThe paper fine-tunes a different start (its pre-trained policy already succeeds "
                               "70% of the time); ours starts at pass@1 ≈ 0.28 so that coverage has headroom (spec).")


def check_diversity(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 3: more distinct room-sets among successful samples and higher policy entropy than PPO."""
    rooms = _paired(results, "poly", "ppo", "distinct_rooms_success")
    rooms_all = _paired(results, "poly", "ppo", "distinct_rooms")
    entropy = _paired(results, "poly", "ppo", "entropy")
    parts = {"distinct room-sets (successful)": decide(rooms, 0.0, "above"),
             "entropy": decide(entropy, 0.0, "above")}
    return Verdict(
        claim="polychromic.diversity", status=combine(list(parts.values())),
        statistic="distinct room-sets among successful samples, Poly-PPO − PPO", value=rooms.value, ci=rooms.ci,
        threshold=0.0, paper_value="Poly-PPO more diverse than PPO (paper Fig. 3 / §5)",
        details={"parts": parts, "distinct_rooms_all": [rooms_all.value, *rooms_all.ci],
                 "entropy": [entropy.value, *entropy.ci],
                 "means": {m: {k: _mean(results, m, k) for k in ("distinct_rooms", "distinct_rooms_success",
                                                                  "entropy")}
                           for m in ("pretrained", "ppo", "poly")}},
        explanation=(f"successful room-sets {fmt_signed(rooms)}; all samples {fmt_signed(rooms_all)}; entropy "
                     f"{fmt_signed(entropy)} nats; ~1.1–1.5 successful room-sets are expected by construction "
                     f"(agent and goal often share a room); {_budget_note(results)}."),
    )


def check_robustness(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 4: success drop (training → unseen configurations) of Poly-PPO ≤ PPO's (+2 points tolerance)."""
    diff = _paired(results, "poly", "ppo", "success_drop")
    present = [m for m in METHODS if runs_of(results, m)]
    return Verdict(
        claim="polychromic.robustness", status=decide(diff, SUCCESS_MARGIN, "below"),
        statistic="success drop (train − unseen), Poly-PPO − PPO", value=diff.value, ci=diff.ci,
        threshold=SUCCESS_MARGIN, paper_value="Poly-PPO generalises at least as well as PPO (§5)",
        details={m: {"train": _mean(results, m, "train_success_1seed"), "unseen": _mean(results, m, "unseen_success")}
                 for m in present},
        explanation=(f"drop difference {fmt_signed(diff)} vs threshold +0.02; unseen success "
                     + ", ".join(f"{LABELS[m]} {_mean(results, m, 'unseen_success'):.3f}" for m in present)
                     + f"; {_budget_note(results)}."),
    )


def check_negative_control(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 5: with d ≡ 1 the coverage advantage disappears: pass@16(d≡1) − pass@16(PPO) < 0.05, and the
    advantage is caused by d: pass@16(Poly) − pass@16(d≡1) > 0."""
    control = _paired(results, "poly_d1", "ppo", "pass@16")
    caused = _paired(results, "poly", "poly_d1", "pass@16")
    parts = {"d≡1 gap < 0.05": decide(control, COVERAGE_GAP, "below"), "Poly − d≡1 > 0": decide(caused, 0.0, "above")}
    return Verdict(
        claim="polychromic.negative_control", status=combine(list(parts.values())),
        statistic="pass@16(Poly-PPO d≡1) − pass@16(PPO)", value=control.value, ci=control.ci,
        threshold=COVERAGE_GAP, paper_value="d ≡ 1 behaves like PPO",
        details={"parts": parts, "poly_minus_d1": [caused.value, *caused.ci]},
        explanation=(f"d≡1 − PPO {fmt_signed(control)}; Poly − d≡1 {fmt_signed(caused)}; parts {parts}; the "
                     f"control is only informative if Poly-PPO has a coverage advantage (claim 1); "
                     f"{_budget_note(results)}."),
    )
