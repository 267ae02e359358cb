"""Checks of the polychromic claims, on the decision layer of REVISION-2 §1.

Every statistic compares two methods on the same seeds (a seed fixes the BC start and the evaluation streams of
every method), so it is a paired difference d_s = metric(a, s) − metric(b, s). Every claim is one-sided ("at
least", "at most", "more"), so it is judged on one-sided 95% bounds, the two ends of the two-sided 90% Student-t
interval of the mean of d_s: a part holds when the bound on the claimed side clears its threshold, fails when the
other bound misses it, and is inconclusive otherwise or with fewer than 5 seeds. A claim of several parts combines
them with ``combine_parts``. No claim here has a control of its own (``negative_control`` is the paper's ablation,
judged as a claim), so no check returns ``invalid``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from benchmarks.records import fmt, paired_values, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import Estimate, combine_parts, decide_claim, has_plateaued, paired_difference
from benchmarks.suites.polychromic.budgets import OVERRIDES
from benchmarks.suites.polychromic.experiments import EXPERIMENT_OF, K_MAX, LABELS, METHODS

# Thresholds (the spec's claims 1–5; the paper states the direction, the margins are the spec's).
COVERAGE_GAP = 0.05
"""Poly-PPO's pass@16 must beat PPO's by at least 5 points (claim 1); d ≡ 1 must not (claim 5)."""
SUCCESS_MARGIN = 0.02
"""Poly-PPO's success (pass@1) may trail PPO's by at most 2 points; also the tolerance per k and for robustness."""
COLLAPSE_TOLERANCE = 0.02
"""PPO's pass@16 "falls to" the start's: it ends at most 2 points above it; Poly's may end at most 2 below it."""
CONFIDENCE = 0.90
"""Two-sided 90% interval = a one-sided 95% bound at each end (every claim is one-sided)."""
PLATEAU_TAIL, PLATEAU_TOLERANCE = 0.25, 0.1
"""PPO has converged when its mean success curve moved ≤ 10% of its travel over the last quarter of training."""
DECIDING_STEPS = OVERRIDES["full"]["total_steps"]
"""Environment steps per method of the deciding budget (``full``); fewer may leave a claim inconclusive."""

# The paper's values: Table 1, FourRooms (reward, success), as transcribed by independent replications.
PAPER_TABLE1 = {"pretrained": (0.469, 0.704), "reinforce": (0.639, 0.896), "ppo": (0.618, 0.892),
                "poly": (0.666, 0.924)}

# An independent pilot's numbers, shown beside ours (never a cut-off).
PILOT = ("pilot (50 configs, saturated start, 2 seeds): pass@16 Poly 0.96–0.98 vs PPO 0.94, pass@1 Poly 0.82–0.85 "
         "vs PPO 0.86–0.88")

fmt_signed = partial(fmt, signed=True, style="f", show_n=True)
"""A paired difference as "+0.123 [+0.100, +0.150] (n=5)"."""
Part = tuple[str, str]
"""(status, reason) of one part of a claim."""


def runs_of(results: Mapping[str, list[RunRecord]], method: str) -> list[RunRecord]:
    """The stored runs of one method's experiment (empty when it has not run)."""
    return list(results.get(EXPERIMENT_OF[method], []))


def paired(results: Mapping[str, list[RunRecord]], a: str, b: str, metric: str) -> Estimate:
    """Mean over shared seeds of metric(a) − metric(b), with its 90% t-interval (one-sided 95% bounds)."""
    seeds, x, y = paired_values(runs_of(results, a), runs_of(results, b), metric)
    if not seeds:
        raise ValueError(f"no seed has both {a} and {b}")
    return paired_difference(x, y, confidence=CONFIDENCE)


def _mean(results: Mapping[str, list[RunRecord]], method: str, metric: str) -> float:
    return float(np.mean(values(runs_of(results, method), metric)))


def _verdict_parts(parts: Mapping[str, Part]) -> tuple[str, dict[str, str], dict[str, str]]:
    """Combined status, the status of each part and the reason of each part."""
    statuses = {name: status for name, (status, _) in parts.items()}
    return combine_parts(list(statuses.values())), statuses, {name: reason for name, (_, reason) in parts.items()}


def _reasons_by_k(ks: Sequence[int], parts: Sequence[Part]) -> str:
    """The reasons of the parts that do not hold, each with the k it applies to ("k=1,2: too few seeds ...")."""
    grouped: dict[str, list[str]] = {}
    for k, (status, reason) in zip(ks, parts):
        if status != "holds":
            grouped.setdefault(reason, []).append(str(k))
    return "; ".join(f"k={','.join(k)}: {reason}" for reason, k in grouped.items()) or "every k holds"


def budget_note(results: Mapping[str, list[RunRecord]]) -> str:
    """The steps behind the verdict, and a warning when they are below the deciding budget."""
    runs = runs_of(results, "ppo")
    steps = int(runs[0].metrics.get("env_steps", 0)) if runs else 0
    note = f"{steps:,} env steps per method"
    if steps < DECIDING_STEPS:
        note += f" (below the deciding budget `full`, {DECIDING_STEPS:,}: a verdict here may stay inconclusive)"
    return note


def ppo_converged(results: Mapping[str, list[RunRecord]]) -> bool:
    """PPO's seed-mean success curve has plateaued (see PLATEAU_TAIL, PLATEAU_TOLERANCE)."""
    curves = [r.series["curve/success"] for r in runs_of(results, "ppo")]
    return has_plateaued(np.mean(curves, axis=0), tail_fraction=PLATEAU_TAIL, relative_tolerance=PLATEAU_TOLERANCE)


def check_coverage(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 1: Poly pass@k ≥ PPO's − 2 points at every k, ≥ +5 points at k = 16; PPO's pass@16 falls to (within
    2 points of) or below the start's while Poly's does not fall below it."""
    gap16 = paired(results, "poly", "ppo", "pass@16")
    per_k = {k: paired(results, "poly", "ppo", f"pass@{k}") for k in range(1, K_MAX + 1)}
    ppo_rise = paired(results, "ppo", "pretrained", "pass@16")
    poly_rise = paired(results, "poly", "pretrained", "pass@16")
    converged = ppo_converged(results)
    collapse = decide_claim(ppo_rise, COLLAPSE_TOLERANCE, "below")
    if collapse[0] == "fails" and not converged:  # PPO still improving: too early to say its pass@16 will not fall
        collapse = ("inconclusive", collapse[1] + ", but PPO's success curve has not plateaued")
    per_k_parts = [decide_claim(e, -SUCCESS_MARGIN, "above") for e in per_k.values()]
    status, parts, reasons = _verdict_parts({
        "gap@16 ≥ 0.05": decide_claim(gap16, COVERAGE_GAP, "above"),
        "gap@k ≥ −0.02 ∀k": (combine_parts([s for s, _ in per_k_parts]), _reasons_by_k(per_k, per_k_parts)),
        "PPO pass@16 − start ≤ +0.02": collapse,
        "Poly pass@16 − start ≥ −0.02": decide_claim(poly_rise, -COLLAPSE_TOLERANCE, "above")})
    means = {m: [round(_mean(results, m, f"pass@{k}"), 3) for k in (1, 4, 16)] for m in ("pretrained", "ppo", "poly")}
    return Verdict(
        claim="polychromic.coverage", status=status,
        statistic="pass@16(Poly-PPO) − pass@16(PPO), paired by seed (90% t-interval: one-sided 95% bounds)",
        value=gap16.value, ci=gap16.ci, threshold=COVERAGE_GAP,
        paper_value="Poly-PPO above PPO at every k; PPO's pass@k falls below the start's",
        details={"parts": parts, "reasons": reasons,
                 "gap_by_k": {k: [e.value, e.low, e.high] for k, e in per_k.items()},
                 "ppo_pass16_minus_start": [ppo_rise.value, *ppo_rise.ci],
                 "poly_pass16_minus_start": [poly_rise.value, *poly_rise.ci],
                 "mean_pass@1,4,16": means, "ppo_success_plateaued": converged},
        explanation=(f"gap@16 {fmt_signed(gap16)}; min over k of gap {min(e.value for e in per_k.values()):+.3f}; "
                     f"PPO pass@16 − start {fmt_signed(ppo_rise)}; Poly pass@16 − start {fmt_signed(poly_rise)}; "
                     f"pass@1/4/16 start {means['pretrained']}, PPO {means['ppo']}, Poly {means['poly']}; parts {parts}"
                     + ("" if converged else "; PPO's success curve has not plateaued, so the budget is too small to "
                        "see a diversity collapse (that part cannot fail yet)")
                     + ("" if collapse[0] != "fails" else
                        f"; PPO's pass@16 rose instead of collapsing (the paper's mechanism did not appear), which "
                        f"leaves at most {1 - means['ppo'][2]:.3f} of headroom for the +{COVERAGE_GAP} gap at k = 16")
                     + f"; {budget_note(results)}. {PILOT}."),
    )


def check_success(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 2: Poly-PPO's pass@1 (= expected success) ≥ PPO's − 2 points."""
    gap = paired(results, "poly", "ppo", "pass@1")
    status, reason = decide_claim(gap, -SUCCESS_MARGIN, "above")
    table = {m: {"reward": _mean(results, m, "reward"), "success": _mean(results, m, "success"),
                 "paper_reward_success": PAPER_TABLE1.get(m)} for m in METHODS if runs_of(results, m)}
    return Verdict(
        claim="polychromic.success", status=status,
        statistic="pass@1(Poly-PPO) − pass@1(PPO), paired by seed (90% t-interval: one-sided 95% bounds)",
        value=gap.value, ci=gap.ci, threshold=-SUCCESS_MARGIN,
        paper_value="success Poly 92.4% vs PPO 89.2% (Table 1, FourRooms)",
        details={"reason": reason, "table1": table},
        explanation=(f"gap {fmt_signed(gap)} vs threshold −0.02 ({reason}); {budget_note(results)}. {PILOT}.\n\n"
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
    rooms = paired(results, "poly", "ppo", "distinct_rooms_success")
    rooms_all = paired(results, "poly", "ppo", "distinct_rooms")
    entropy = paired(results, "poly", "ppo", "entropy")
    status, parts, reasons = _verdict_parts({"distinct room-sets (successful)": decide_claim(rooms, 0.0, "above"),
                                             "entropy": decide_claim(entropy, 0.0, "above")})
    return Verdict(
        claim="polychromic.diversity", status=status,
        statistic="distinct room-sets among successful samples, Poly-PPO − PPO, paired by seed (90% t-interval)",
        value=rooms.value, ci=rooms.ci, threshold=0.0, paper_value="Poly-PPO more diverse than PPO (paper Fig. 3 / §5)",
        details={"parts": parts, "reasons": reasons, "distinct_rooms_all": [rooms_all.value, *rooms_all.ci],
                 "entropy": [entropy.value, *entropy.ci],
                 "means": {m: {k: _mean(results, m, k) for k in ("distinct_rooms", "distinct_rooms_success",
                                                                  "entropy")}
                           for m in ("pretrained", "ppo", "poly") if runs_of(results, m)}},
        explanation=(f"successful room-sets {fmt_signed(rooms)}; all samples {fmt_signed(rooms_all)}; entropy "
                     f"{fmt_signed(entropy)} nats; parts {parts}; ~1.1–1.5 successful room-sets are expected by "
                     f"construction (agent and goal often share a room); {budget_note(results)}."),
    )


def check_robustness(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 4: success drop (training → unseen configurations) of Poly-PPO ≤ PPO's (+2 points tolerance)."""
    diff = paired(results, "poly", "ppo", "success_drop")
    status, reason = decide_claim(diff, SUCCESS_MARGIN, "below")
    present = [m for m in METHODS if runs_of(results, m)]
    return Verdict(
        claim="polychromic.robustness", status=status,
        statistic="success drop (train − unseen), Poly-PPO − PPO, paired by seed (90% t-interval)",
        value=diff.value, ci=diff.ci, threshold=SUCCESS_MARGIN,
        paper_value="Poly-PPO generalises at least as well as PPO (§5)",
        details={"reason": reason, **{m: {"train": _mean(results, m, "train_success_1seed"),
                                          "unseen": _mean(results, m, "unseen_success")} for m in present}},
        explanation=(f"drop difference {fmt_signed(diff)} vs threshold +0.02 ({reason}); unseen success "
                     + ", ".join(f"{LABELS[m]} {_mean(results, m, 'unseen_success'):.3f}" for m in present)
                     + f"; {budget_note(results)}."),
    )


def check_negative_control(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Claim 5: with d ≡ 1 the coverage advantage disappears: pass@16(d≡1) − pass@16(PPO) < 0.05, and the
    advantage is caused by d: pass@16(Poly) − pass@16(d≡1) > 0.

    Known defect (issue #21): when PPO's pass@16 is within 0.05 of 1 the first part holds whatever d≡1 does, and
    the second can only fail if d≡1 beats Poly-PPO, so a d≡1 run that matches Poly-PPO reads inconclusive, not
    fails."""
    control = paired(results, "poly_d1", "ppo", "pass@16")
    caused = paired(results, "poly", "poly_d1", "pass@16")
    status, parts, reasons = _verdict_parts({"d≡1 gap < 0.05": decide_claim(control, COVERAGE_GAP, "below"),
                                             "Poly − d≡1 > 0": decide_claim(caused, 0.0, "above")})
    ppo_headroom = 1 - _mean(results, "ppo", "pass@16")
    return Verdict(
        claim="polychromic.negative_control", status=status,
        statistic="pass@16(Poly-PPO d≡1) − pass@16(PPO), paired by seed (90% t-interval)",
        value=control.value, ci=control.ci, threshold=COVERAGE_GAP, paper_value="d ≡ 1 behaves like PPO",
        details={"parts": parts, "reasons": reasons, "poly_minus_d1": [caused.value, *caused.ci],
                 "ppo_pass16_headroom": ppo_headroom},
        explanation=(f"d≡1 − PPO {fmt_signed(control)}; Poly − d≡1 {fmt_signed(caused)}; parts {parts}; the "
                     f"control is only informative if Poly-PPO has a coverage advantage (claim 1)"
                     + ("" if ppo_headroom >= COVERAGE_GAP else
                        f"; PPO's pass@16 leaves {ppo_headroom:.3f} < {COVERAGE_GAP} of headroom, so the first part "
                        f"cannot fail (known defect, issue #21)")
                     + f"; {budget_note(results)}."),
    )
