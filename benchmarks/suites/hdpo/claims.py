"""HDPO claims: thresholds, the paper's values and pilot values on top, then one check per claim.

Every HDPO claim is one-sided ("within 1%", "at least 3×", "at least 2% worse"), so each statistic gets the
two-sided 90% interval, whose ends are the two one-sided 95% bounds: a claim "at most t" holds when the upper
bound is ≤ t and fails when the lower bound is > t (``decide_claim``); fewer than 5 seeds → inconclusive.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import f as f_dist

from benchmarks.records import fmt, metric_matrix, paired_values, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import Estimate, combine_parts, decide_claim, mean_interval, paired_difference


@dataclass(frozen=True)
class Thresholds:
    gap: float = 0.01
    """Within 1% of the optimum / reference (spec claims 1, 2, 4, 5)."""
    level: float = 0.5
    """|learned base-stock level − S*| <= 0.5 (claim 1)."""
    reinforce_ratio: float = 3.0
    """REINFORCE's final gap and seed spread each >= 3× HDPO's (claim 3)."""
    mlp_excess: float = 0.02
    """The MLP at the small sizes is >= 2% worse than the GNN at the reference size (claim 4)."""
    late_improvement: float = 0.01
    """Serial: a training run still gaining more than this over its last quarter was cut short (claim 5)."""
    dp_table: float = 0.002
    """Control of claim 2: |our DP − the published table| per instance (the table has 3 decimals)."""


THRESHOLDS = Thresholds()
CONFIDENCE = 0.90
"""Two-sided level of every interval here: its ends are the one-sided 95% bounds a one-sided claim needs."""
PAPER = {
    "backlog": "< 1% on every instance; learned S within ±0.5",
    "lost_sales": "< 1% everywhere, < 0.5% on average; beats capped base-stock",
    "reinforce": "HDPO far below REINFORCE at equal samples (paper Fig. 6)",
    "gnn": "GNN with 16–256 samples ≈ GNN with 8,192; MLP ≥ 2% worse",
    "serial": "within 1% of echelon-stock (optimal)",
}
"""The paper's statements, as the verdicts quote them."""
LOST_SALES_TABLE = {
    1: (4.041, 5.438, 6.676, 7.836), 2: (4.395, 6.094, 7.664, 9.106),
    3: (4.599, 6.531, 8.363, 10.039), 4: (4.729, 6.836, 8.887, 10.794)}
"""Optimal lost-sales cost per period, Poisson(5), h = 1, rows L, columns p (Zipkin 2008; the spec's table)."""
LOST_SALES_P = (4.0, 9.0, 19.0, 39.0)
"""The columns of ``LOST_SALES_TABLE``."""
PILOT = {
    "backlog": "Spec pilot (official code, 32,768 scenarios): dev 6.2895 vs 6.279 (+0.17%) at epoch 291.",
    "lost_sales": "Spec pilot (official code, 100 epochs): L=4 p=9 +1.6%, L=1 p=9 +0.03%.",
}
"""Pilot runs of the official code (shown beside ours, never used as cut-offs)."""
DP_CONTROL = ("the lost-sales DP reproduces the published optimal costs (Zipkin 2008) within 0.002 where the table "
              "has the instance, and never hits its order bound")

Results = Mapping[str, list[RunRecord]]
INSTANCE = "L{lead:int}_p{p:float}"


def instance_key(lead: int, p: float) -> str:
    """The metric-key suffix of one single-store instance (as the pipelines write it)."""
    return f"L{lead}_p{p:g}"


def instances(runs: Sequence[RunRecord], prefix: str) -> list[tuple[int, float]]:
    """The (L, p) instances that have a ``prefix/L.._p..`` metric, in increasing (L, p)."""
    table = metric_matrix(runs, f"{prefix}/{INSTANCE}")
    return list(zip(table.field("lead"), table.field("p")))


def _percent(e: Estimate) -> str:
    return fmt(e, digits=2, scale=100.0, unit="%", style="f")


def _one_sided(sample: Sequence[float]) -> Estimate:
    return mean_interval(sample, CONFIDENCE)


def check_backlog(results: Results) -> Verdict:
    """Per instance: mean gap to the closed form at most 1% and mean |learned level − S*| at most 0.5."""
    runs = results["hdpo/backlog"]
    parts, details, worst = [], {}, None
    for lead, p in instances(runs, "gap"):
        key = instance_key(lead, p)
        gap = _one_sided(values(runs, f"gap/{key}"))
        level_error = _one_sided(np.abs(np.subtract(values(runs, f"learned_level/{key}"),
                                                    values(runs, f"closed_form_level/{key}"))))
        same = mean_interval(values(runs, f"gap_same_paths/{key}"), CONFIDENCE)
        (gap_part, gap_reason), (level_part, level_reason) = (decide_claim(gap, THRESHOLDS.gap, "below"),
                                                              decide_claim(level_error, THRESHOLDS.level, "below"))
        status = combine_parts([gap_part, level_part])
        parts.append(status)
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "gap_vs_S*_same_paths": same.value,
                        "level_error": level_error.value, "level_error_ci": list(level_error.ci),
                        "closed_form_cost": runs[0].metrics[f"closed_form_cost/{key}"],
                        "closed_form_level": runs[0].metrics[f"closed_form_level/{key}"], "part": status,
                        "gap_reason": gap_reason, "level_reason": level_reason}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    key, gap = worst
    failing = [k for k, d in details.items() if d["part"] != "holds"]
    return Verdict(
        claim="hdpo.backlog_optimal", status=combine_parts(parts),
        statistic=f"test-cost gap to the optimum, worst instance ({key}), 90% interval", value=gap.value,
        ci=gap.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["backlog"], details=details,
        explanation=(f"{len(details)} instances, {len(runs)} seeds; worst gap {key} {_percent(gap)} "
                     f"({details[key]['gap_reason']}); "
                     + "; ".join(f"{k}: gap {d['gap'] * 100:.2f}%, |S−S*| {d['level_error']:.2f}"
                                 for k, d in details.items())
                     + (f"; not holding: {', '.join(failing)}" if failing else "") + ". " + PILOT["backlog"]),
    )


def _table_value(lead: int, p: float) -> float | None:
    return LOST_SALES_TABLE[lead][LOST_SALES_P.index(p)] if lead in LOST_SALES_TABLE and p in LOST_SALES_P else None


def dp_control_failures(reference: Mapping[str, float], keys: Sequence[tuple[int, float]]) -> list[str]:
    """Instances where the DP reference is not trustworthy: it hit its order bound, or it differs from the
    published table by more than ``THRESHOLDS.dp_table``."""
    failures = []
    for lead, p in keys:
        key = instance_key(lead, p)
        table = _table_value(lead, p)
        if reference[f"dp_bound_hit/{key}"] != 0.0:
            failures.append(f"{key}: DP hit its order bound")
        elif table is not None and abs(reference[f"dp_cost/{key}"] - table) > THRESHOLDS.dp_table:
            failures.append(f"{key}: DP {reference[f'dp_cost/{key}']:.4f} vs table {table}")
    return failures


def check_lost_sales(results: Results) -> Verdict:
    """Per instance: HDPO's mean gap to the DP optimum at most 1%, and HDPO's cost below the best capped
    base-stock's (both stochastic: seed s of HDPO against seed s of the search, per-seed differences, so the
    search's own noise is in the interval); invalid if the DP itself is off (control)."""
    runs, references = results["hdpo/lost_sales"], results["hdpo/lost_sales_reference"]
    ref = references[0].metrics  # the DP values (deterministic, the same on every reference seed)
    keys = instances(runs, "test_cost")
    control = dp_control_failures(ref, keys)
    parts, details, worst, gaps = [], {}, None, []
    for lead, p in keys:
        key = instance_key(lead, p)
        dp = ref[f"dp_cost/{key}"]
        gap = _one_sided([c / dp - 1 for c in values(runs, f"test_cost/{key}")])
        _, hdpo, capped = paired_values(runs, references, f"test_cost/{key}", f"capped_cost/{key}")
        excess = paired_difference(hdpo, capped, confidence=CONFIDENCE)
        (near, near_reason), (beats, beats_reason) = (decide_claim(gap, THRESHOLDS.gap, "below"),
                                                      decide_claim(excess, 0.0, "below"))
        parts += [near, beats]
        gaps.append(gap.value)
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "dp": dp, "table": _table_value(lead, p),
                        "capped_gap": float(np.mean(values(references, f"capped_cost/{key}"))) / dp - 1,
                        "base_stock_gap": float(np.mean(values(references, f"base_stock_cost/{key}"))) / dp - 1,
                        "hdpo_minus_capped": excess.value, "hdpo_minus_capped_ci": list(excess.ci),
                        "near_optimal": near, "beats_capped": beats, "near_reason": near_reason,
                        "beats_reason": beats_reason}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    key, gap = worst
    status = "invalid" if control else combine_parts(parts)
    return Verdict(
        claim="hdpo.lost_sales_near_optimal", status=status,
        statistic=f"test-cost gap to the DP optimum, worst instance ({key}), 90% interval", value=gap.value,
        ci=gap.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["lost_sales"],
        details={**details, "average_gap": float(np.mean(gaps)), "control_failures": control},
        explanation=((f"invalid: control failed ({DP_CONTROL}): {'; '.join(control)}. " if control else "")
                     + f"{len(details)} instances, {len(runs)} seeds ({len(references)} of the capped search); "
                     f"average gap {np.mean(gaps) * 100:.2f}%; "
                     + "; ".join(f"{k}: HDPO {d['gap'] * 100:+.2f}% (capped {d['capped_gap'] * 100:+.2f}%, "
                                 f"base-stock {d['base_stock_gap'] * 100:+.2f}%; DP {d['dp']:.3f} vs table "
                                 f"{d['table']}) ({d['near_optimal']}/{d['beats_capped']})"
                                 for k, d in details.items())
                     + ". " + PILOT["lost_sales"]),
    )


def spread_ratio_interval(ratio: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact interval of a ratio of standard deviations of two normal samples of size n (F distribution):
    ratio / √F_q(n−1, n−1) … ratio · √F_q(n−1, n−1), q = (1 + confidence)/2."""
    dof = n - 1
    if dof < 1:
        return (0.0, math.inf)
    quantile = math.sqrt(f_dist.ppf((1 + confidence) / 2, dof, dof))
    return (ratio / quantile, ratio * quantile)


def check_reinforce(results: Results) -> Verdict:
    """Same seeds for both methods (same initial network, data and minibatches), so the gap part is paired:
    per seed d = gap_REINFORCE − 3·gap_HDPO, claim "mean d ≥ 0". Spread part: REINFORCE's seed SD ≥ 3× HDPO's
    (F-based interval of the SD ratio)."""
    runs = results["hdpo/reinforce"]
    hdpo, rf = values(runs, "gap/hdpo"), values(runs, "gap/reinforce")
    ratio = THRESHOLDS.reinforce_ratio
    excess = paired_difference(rf, [ratio * g for g in hdpo], confidence=CONFIDENCE)
    gap_status, gap_reason = decide_claim(excess, 0.0, "above")
    hdpo_est, rf_est = mean_interval(hdpo, CONFIDENCE), mean_interval(rf, CONFIDENCE)
    ddof = 1 if len(runs) > 1 else 0
    spread_h, spread_r = float(np.std(hdpo, ddof=ddof)), float(np.std(rf, ddof=ddof))
    spread_ratio = spread_r / max(spread_h, 1e-9)
    spread_ci = spread_ratio_interval(spread_ratio, len(runs))
    spread_status, spread_reason = decide_claim(Estimate(spread_ratio, *spread_ci, len(runs)), ratio, "above")
    means_ratio = rf_est.value / hdpo_est.value if hdpo_est.value > 0 else math.inf
    return Verdict(
        claim="hdpo.beats_reinforce", status=combine_parts([gap_status, spread_status]),
        statistic="REINFORCE final gap − 3 × HDPO final gap (paired over seeds), 90% interval",
        value=excess.value, ci=excess.ci, threshold=0.0, paper_value=PAPER["reinforce"],
        details={"hdpo_gap": hdpo_est.value, "hdpo_gap_ci": list(hdpo_est.ci), "reinforce_gap": rf_est.value,
                 "reinforce_gap_ci": list(rf_est.ci), "ratio_of_mean_gaps": means_ratio, "spread_hdpo": spread_h,
                 "spread_reinforce": spread_r, "spread_ratio": spread_ratio, "spread_ratio_ci": list(spread_ci),
                 "gap_part": gap_status, "gap_reason": gap_reason, "spread_part": spread_status,
                 "spread_reason": spread_reason},
        explanation=(f"{len(runs)} seeds; HDPO gap {_percent(hdpo_est)}, REINFORCE gap {_percent(rf_est)} "
                     f"(ratio of means {means_ratio:.1f}); paired gap_R − 3·gap_H {_percent(excess)} "
                     f"({gap_status}: {gap_reason}); seed std {spread_r * 100:.2f}% vs {spread_h * 100:.2f}% "
                     f"(ratio {spread_ratio:.1f}, F-based 90% interval [{spread_ci[0]:.2f}, {spread_ci[1]:.2f}], "
                     f"{spread_status}). Spec: the paper reports REINFORCE far behind HDPO; at this small budget our "
                     "REINFORCE (same network, batch-mean baseline) gets closer than that."),
    )


def gnn_gaps(runs: Sequence[RunRecord]) -> tuple[list[int], dict[str, dict[int, np.ndarray]]]:
    """Training-set sizes and, per architecture and size, each seed's test cost relative to the GNN trained on
    the largest size, minus 1 (paired: the same seed's network and test paths)."""
    table = metric_matrix(runs, "test_cost/{arch}/{size:int}")
    sizes = sorted(set(table.field("size")))
    reference = table.column(arch="gnn", size=sizes[-1])
    return sizes, {arch: {n: table.column(arch=arch, size=n) / reference - 1 for n in sizes}
                   for arch in ("gnn", "mlp")}


def check_gnn(results: Results) -> Verdict:
    """At each small size: GNN at most 1% worse than GNN@reference and MLP at least 2% worse (per-seed ratios)."""
    runs = results["hdpo/gnn"]
    sizes, gaps = gnn_gaps(runs)
    reference, small = sizes[-1], sizes[:-1]
    parts, details, headline = [], {}, None
    for size in small:
        gnn, mlp = _one_sided(gaps["gnn"][size]), _one_sided(gaps["mlp"][size])
        (gnn_part, gnn_reason), (mlp_part, mlp_reason) = (decide_claim(gnn, THRESHOLDS.gap, "below"),
                                                          decide_claim(mlp, THRESHOLDS.mlp_excess, "above"))
        parts += [gnn_part, mlp_part]
        details[str(size)] = {"gnn_gap": gnn.value, "gnn_ci": list(gnn.ci), "mlp_gap": mlp.value,
                              "mlp_ci": list(mlp.ci), "gnn_part": gnn_part, "mlp_part": mlp_part,
                              "gnn_reason": gnn_reason, "mlp_reason": mlp_reason}
        if headline is None or gnn.value > headline[1].value:
            headline = (size, gnn)
    mlp_ref = _one_sided(gaps["mlp"][reference])
    details["mlp_at_reference"] = {"gap": mlp_ref.value, "ci": list(mlp_ref.ci)}
    size, est = headline
    return Verdict(
        claim="hdpo.gnn_data_efficiency", status=combine_parts(parts),
        statistic=f"GNN trained on {size} vs GNN on {reference}: cost gap (worst small size), 90% interval",
        value=est.value, ci=est.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["gnn"], details=details,
        explanation=(f"{len(runs)} seeds, reference {reference} scenarios; "
                     + "; ".join(f"n={k}: GNN {d['gnn_gap'] * 100:+.2f}% ({d['gnn_part']}), MLP "
                                 f"{d['mlp_gap'] * 100:+.2f}% ({d['mlp_part']})"
                                 for k, d in details.items() if k != "mlp_at_reference")
                     + f"; MLP at {reference}: {mlp_ref.value * 100:+.2f}% vs GNN; worst GNN gap n={size}: "
                     + details[str(size)]["gnn_reason"] + "."),
    )


def late_improvement(dev_cost: Sequence[float], tail_fraction: float = 0.25) -> float:
    """Relative drop of the best-so-far dev cost over the last ``tail_fraction`` of training
    (best before the tail / best at the end − 1): how much training was still gaining when it stopped."""
    best = np.minimum.accumulate(np.asarray(dev_cost, dtype=float))
    tail_start = int(np.floor((1 - tail_fraction) * (len(best) - 1)))
    return float(best[tail_start] / best[-1] - 1.0)


def check_serial(results: Results) -> Verdict:
    """HDPO's mean test-cost gap to the best echelon-stock policy (same test paths) at most 1%. A gap above 1%
    counts as "fails" only if training had stopped gaining (best dev cost improved by less than 1% over the last
    quarter of the epochs); otherwise the budget was too small to decide and the verdict is inconclusive."""
    runs = results["hdpo/serial"]
    gap = _one_sided(values(runs, "gap"))
    status, reason = decide_claim(gap, THRESHOLDS.gap, "below")
    late = [late_improvement(r.series["dev_cost"]) for r in runs if "dev_cost" in r.series]
    still_improving = bool(late) and float(np.mean(late)) > THRESHOLDS.late_improvement
    if status == "fails" and still_improving:
        status, reason = "inconclusive", f"{reason}, but training was still improving"
    echelon = float(np.mean(values(runs, "test_cost/echelon")))
    return Verdict(
        claim="hdpo.serial_echelon", status=status,
        statistic="HDPO test cost / best echelon-stock cost − 1, 90% interval", value=gap.value, ci=gap.ci,
        threshold=THRESHOLDS.gap, paper_value=PAPER["serial"],
        details={"echelon_levels": metric_matrix(runs, "echelon_level/{k:int}").values[0].tolist(),
                 "echelon_cost": echelon, "late_improvement": float(np.mean(late)) if late else None,
                 "reason": reason},
        explanation=(f"{len(runs)} seeds; HDPO vs best echelon-stock on the same test paths: {_percent(gap)} "
                     f"({reason}; echelon-stock {echelon:.3f} per period, levels found by Nelder–Mead on "
                     f"independent paths; a negative gap would mean the search is not exactly optimal). The MLP "
                     f"(σ × upstream on hand, official parameterisation): best dev cost improved by "
                     f"{100 * float(np.mean(late)) if late else float('nan'):.2f}% over the last quarter of training "
                     f"({'still improving: budget too small to decide' if still_improving else 'converged'}); "
                     f"the spec's paper value is < 1%."),
    )
