"""HDPO claims: thresholds, the paper's values and pilot values on top, then one check per claim."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import f as f_dist

from benchmarks.records import fmt, metric_matrix, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import Estimate, combine, decide, mean_ci


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


THRESHOLDS = Thresholds()
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

Results = Mapping[str, list[RunRecord]]
INSTANCE = "L{lead:int}_p{p:float}"


def instance_key(lead: int, p: float) -> str:
    """The metric-key suffix of one single-store instance (as the pipelines write it)."""
    return f"L{lead}_p{p:g}"


def _percent(e: Estimate) -> str:
    return fmt(e, digits=2, scale=100.0, unit="%", style="f")


def instances(runs: Sequence[RunRecord], prefix: str) -> list[tuple[int, float]]:
    table = metric_matrix(runs, f"{prefix}/{INSTANCE}")
    return list(zip(table.field("lead"), table.field("p")))


def check_backlog(results: Results) -> Verdict:
    """Per instance: mean gap to the closed form below 1% (CI) and |learned level − S*| <= 0.5 (CI)."""
    runs = results["hdpo/backlog"]
    parts, details, worst = [], {}, None
    for lead, p in instances(runs, "gap"):
        key = instance_key(lead, p)
        gap = mean_ci(values(runs, f"gap/{key}"))
        level_error = mean_ci(np.abs(np.subtract(values(runs, f"learned_level/{key}"),
                                                 values(runs, f"closed_form_level/{key}"))))
        same = mean_ci(values(runs, f"gap_same_paths/{key}"))
        status = combine([decide(gap, THRESHOLDS.gap, "below"), decide(level_error, THRESHOLDS.level, "below")])
        parts.append(status)
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "gap_vs_S*_same_paths": same.value,
                        "level_error": level_error.value, "level_error_ci": list(level_error.ci),
                        "closed_form_cost": runs[0].metrics[f"closed_form_cost/{key}"],
                        "closed_form_level": runs[0].metrics[f"closed_form_level/{key}"], "part": status}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    key, gap = worst
    failing = [k for k, d in details.items() if d["part"] != "holds"]
    return Verdict(
        claim="hdpo.backlog_optimal", status=combine(parts),
        statistic=f"test-cost gap to the optimum, worst instance ({key})", value=gap.value, ci=gap.ci,
        threshold=THRESHOLDS.gap, paper_value=PAPER["backlog"], details=details,
        explanation=(f"{len(details)} instances, {len(runs)} seeds; worst gap {key} {_percent(gap)}; "
                     + "; ".join(f"{k}: gap {d['gap'] * 100:.2f}%, |S−S*| {d['level_error']:.2f}"
                                 for k, d in details.items())
                     + (f"; not holding: {', '.join(failing)}" if failing else "") + ". " + PILOT["backlog"]),
    )


def _table_value(lead: int, p: float) -> float | None:
    return LOST_SALES_TABLE[lead][LOST_SALES_P.index(p)] if lead in LOST_SALES_TABLE and p in LOST_SALES_P else None


def check_lost_sales(results: Results) -> Verdict:
    """Per instance: HDPO within 1% of the DP optimum (CI) and below the best capped base-stock's cost (CI)."""
    runs, ref = results["hdpo/lost_sales"], results["hdpo/lost_sales_reference"][0].metrics
    parts, details, worst, gaps = [], {}, None, []
    for lead, p in instances(runs, "test_cost"):
        key = instance_key(lead, p)
        dp, capped = ref[f"dp_cost/{key}"], ref[f"capped_cost/{key}"]
        costs = values(runs, f"test_cost/{key}")
        gap = mean_ci([c / dp - 1 for c in costs])
        cost = mean_ci(costs)
        near, beats = decide(gap, THRESHOLDS.gap, "below"), decide(cost, capped, "below")
        parts += [near, beats]
        gaps.append(gap.value)
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "dp": dp, "table": _table_value(lead, p),
                        "capped_gap": capped / dp - 1, "base_stock_gap": ref[f"base_stock_cost/{key}"] / dp - 1,
                        "near_optimal": near, "beats_capped": beats}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    key, gap = worst
    return Verdict(
        claim="hdpo.lost_sales_near_optimal", status=combine(parts),
        statistic=f"test-cost gap to the DP optimum, worst instance ({key})", value=gap.value, ci=gap.ci,
        threshold=THRESHOLDS.gap, paper_value=PAPER["lost_sales"],
        details={**details, "average_gap": float(np.mean(gaps))},
        explanation=(f"{len(details)} instances, {len(runs)} seeds; average gap {np.mean(gaps) * 100:.2f}%; "
                     + "; ".join(f"{k}: HDPO {d['gap'] * 100:+.2f}% (capped {d['capped_gap'] * 100:+.2f}%, "
                                 f"base-stock {d['base_stock_gap'] * 100:+.2f}%; DP {d['dp']:.3f} vs table "
                                 f"{d['table']}) ({d['near_optimal']}/{d['beats_capped']})"
                                 for k, d in details.items())
                     + ". " + PILOT["lost_sales"]),
    )


def _spread_ratio_interval(ratio: float, n: int) -> tuple[float, float]:
    """Exact 95% interval of a ratio of standard deviations of two normal samples of size n:
    ratio / √F_{0.975}(n−1, n−1) … ratio · √F_{0.975}(n−1, n−1)."""
    dof = n - 1
    if dof < 1:
        return (0.0, math.inf)
    quantile = math.sqrt(f_dist.ppf(0.975, dof, dof))
    return (ratio / quantile, ratio * quantile)


def check_reinforce(results: Results) -> Verdict:
    """REINFORCE's mean final gap and its seed spread are each >= 3× HDPO's."""
    runs = results["hdpo/reinforce"]
    hdpo = [max(g, 1e-6) for g in values(runs, "gap/hdpo")]
    rf = values(runs, "gap/reinforce")
    hdpo_est, rf_est = mean_ci(hdpo), mean_ci(rf)
    ratio = mean_ci([g / max(hdpo_est.high, 1e-6) for g in rf])  # conservative: vs the upper end of HDPO's CI
    gap_status = decide(ratio, THRESHOLDS.reinforce_ratio, "above")
    ddof = 1 if len(runs) > 1 else 0
    spread_h, spread_r = float(np.std(hdpo, ddof=ddof)), float(np.std(rf, ddof=ddof))
    spread_ratio = spread_r / max(spread_h, 1e-9)
    spread_ci = _spread_ratio_interval(spread_ratio, len(runs))
    spread_status = decide(Estimate(spread_ratio, *spread_ci, len(runs)), THRESHOLDS.reinforce_ratio, "above")
    return Verdict(
        claim="hdpo.beats_reinforce", status=combine([gap_status, spread_status]),
        statistic="REINFORCE final gap / HDPO final gap (upper CI end)", value=ratio.value, ci=ratio.ci,
        threshold=THRESHOLDS.reinforce_ratio, paper_value=PAPER["reinforce"],
        details={"hdpo_gap": hdpo_est.value, "hdpo_gap_ci": list(hdpo_est.ci), "reinforce_gap": rf_est.value,
                 "reinforce_gap_ci": list(rf_est.ci), "spread_hdpo": spread_h, "spread_reinforce": spread_r,
                 "spread_ratio": spread_ratio, "spread_ratio_ci": list(spread_ci), "gap_part": gap_status,
                 "spread_part": spread_status},
        explanation=(f"{len(runs)} seeds; HDPO gap {_percent(hdpo_est)}, REINFORCE gap {_percent(rf_est)}; gap ratio "
                     f"{ratio.value:.1f} ({gap_status}); seed std {spread_r * 100:.2f}% vs {spread_h * 100:.2f}% "
                     f"(ratio {spread_ratio:.1f}, F-based 95% CI [{spread_ci[0]:.2f}, {spread_ci[1]:.2f}], "
                     f"{spread_status}). Spec: the paper reports REINFORCE far behind HDPO; at this small budget our "
                     "REINFORCE (same network, batch-mean baseline) gets closer than that."),
    )


def gnn_gaps(runs: Sequence[RunRecord]) -> tuple[list[int], dict[str, dict[int, np.ndarray]]]:
    """Training-set sizes and, per architecture and size, each seed's test cost relative to the GNN trained on
    the largest size, minus 1."""
    table = metric_matrix(runs, "test_cost/{arch}/{size:int}")
    sizes = sorted(set(table.field("size")))
    reference = table.column(arch="gnn", size=sizes[-1])
    return sizes, {arch: {n: table.column(arch=arch, size=n) / reference - 1 for n in sizes}
                   for arch in ("gnn", "mlp")}


def check_gnn(results: Results) -> Verdict:
    """At each small size: GNN within 1% of GNN@reference (CI) and MLP >= 2% worse than GNN@reference (CI)."""
    runs = results["hdpo/gnn"]
    sizes, gaps = gnn_gaps(runs)
    reference, small = sizes[-1], sizes[:-1]
    parts, details, headline = [], {}, None
    for size in small:
        gnn, mlp = mean_ci(gaps["gnn"][size]), mean_ci(gaps["mlp"][size])
        gnn_part, mlp_part = decide(gnn, THRESHOLDS.gap, "below"), decide(mlp, THRESHOLDS.mlp_excess, "above")
        parts += [gnn_part, mlp_part]
        details[str(size)] = {"gnn_gap": gnn.value, "gnn_ci": list(gnn.ci), "mlp_gap": mlp.value,
                              "mlp_ci": list(mlp.ci), "gnn_part": gnn_part, "mlp_part": mlp_part}
        if headline is None or gnn.value > headline[1].value:
            headline = (size, gnn)
    mlp_ref = mean_ci(gaps["mlp"][reference])
    details["mlp_at_reference"] = {"gap": mlp_ref.value, "ci": list(mlp_ref.ci)}
    size, est = headline
    return Verdict(
        claim="hdpo.gnn_data_efficiency", status=combine(parts),
        statistic=f"GNN trained on {size} vs GNN on {reference}: cost gap (worst small size)", value=est.value,
        ci=est.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["gnn"], details=details,
        explanation=(f"{len(runs)} seeds, reference {reference} scenarios; "
                     + "; ".join(f"n={k}: GNN {d['gnn_gap'] * 100:+.2f}% ({d['gnn_part']}), MLP "
                                 f"{d['mlp_gap'] * 100:+.2f}% ({d['mlp_part']})"
                                 for k, d in details.items() if k != "mlp_at_reference")
                     + f"; MLP at {reference}: {mlp_ref.value * 100:+.2f}% vs GNN."),
    )


def late_improvement(dev_cost: Sequence[float], tail_fraction: float = 0.25) -> float:
    """Relative drop of the best-so-far dev cost over the last ``tail_fraction`` of training
    (best before the tail / best at the end − 1): how much training was still gaining when it stopped."""
    best = np.minimum.accumulate(np.asarray(dev_cost, dtype=float))
    tail_start = int(np.floor((1 - tail_fraction) * (len(best) - 1)))
    return float(best[tail_start] / best[-1] - 1.0)


def check_serial(results: Results) -> Verdict:
    """HDPO's test cost within 1% of the best echelon-stock policy. A gap above 1% counts as "fails" only if
    training had stopped gaining (best dev cost improved by less than the 1% tolerance over the last quarter of
    the epochs); otherwise the budget was too small to decide and the verdict is inconclusive."""
    runs = results["hdpo/serial"]
    gap = mean_ci(values(runs, "gap"))
    status = decide(gap, THRESHOLDS.gap, "below")
    late = [late_improvement(r.series["dev_cost"]) for r in runs if "dev_cost" in r.series]
    still_improving = bool(late) and float(np.mean(late)) > THRESHOLDS.late_improvement
    if status == "fails" and still_improving:
        status = "inconclusive"
    echelon = float(np.mean(values(runs, "test_cost/echelon")))
    return Verdict(
        claim="hdpo.serial_echelon", status=status, statistic="HDPO test cost / best echelon-stock cost − 1",
        value=gap.value, ci=gap.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["serial"],
        details={"echelon_levels": metric_matrix(runs, "echelon_level/{k:int}").values[0].tolist(),
                 "echelon_cost": echelon},
        explanation=(f"{len(runs)} seeds; HDPO vs best echelon-stock on the same test paths: {_percent(gap)} "
                     f"(echelon-stock {echelon:.3f} per period, levels found by Nelder–Mead on independent paths; "
                     f"a negative gap would mean the search is not exactly optimal). The MLP (σ × upstream on hand, "
                     f"official parameterisation): best dev cost improved by "
                     f"{100 * float(np.mean(late)) if late else float('nan'):.2f}% over the last quarter of training "
                     f"({'still improving: budget too small to decide' if still_improving else 'converged'}); "
                     f"the spec's paper value is < 1%."),
    )
