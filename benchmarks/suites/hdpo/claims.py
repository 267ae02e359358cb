"""HDPO claims: thresholds, the paper's values and pilot values on top, then one check per claim.

Every HDPO claim is one-sided ("within 1%", "at least 3×", "at least 2% worse"), so each statistic gets the
two-sided 90% interval, whose ends are the two one-sided 95% bounds: a claim "at most t" holds when the upper
bound is ≤ t and fails when the lower bound is > t (``decide_claim``); fewer than 5 seeds → inconclusive.
Gaps to an optimum are paired: HDPO's policy and the optimal policy run on the same test paths. Every training
run stops on a plateau test (or its epoch cap); a verdict that more training could reverse is not given from a
run that stopped at its cap (``_unless_plateaued``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from benchmarks.records import fmt, metric_matrix, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import (
    Estimate,
    combine_parts,
    decide_claim,
    mean_interval,
    paired_one_sided_bounds,
)


@dataclass(frozen=True)
class Thresholds:
    gap: float = 0.01
    """Within 1% of the optimum / reference (spec claims 1, 2, 4, 5)."""
    level: float = 0.5
    """|learned base-stock level − S*| <= 0.5 (claim 1)."""
    reinforce_ratio: float = 3.0
    """REINFORCE's final gap >= 3× HDPO's: per-seed log-ratio >= log 3 (claim 3)."""
    mlp_excess: float = 0.02
    """The MLP at the small sizes is >= 2% worse than the MLP at the reference size (claim 4)."""
    dp_table: float = 0.002
    """Control of claim 2: |our DP − the published table| per instance (the table has 3 decimals)."""
    simulator_alpha: float = 0.05
    """Controls of claims 1–2: the simulated cost of the optimal policy agrees with its closed-form / DP cost
    unless the (1 − α/K) interval of the relative difference (standard error from the independent test scenarios)
    excludes 0 (K instances: Bonferroni, so the control fails by chance in at most 5% of correct runs)."""


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
              "has the instance, never hits its order bound, and the simulator's cost of the DP policy agrees with "
              "the DP's average cost (Bonferroni interval over instances)")
SIMULATOR_CONTROL = ("the simulator's cost of the optimal base-stock policy on the test paths agrees with the closed "
                     "form (h + p)·σ_L·φ(z) (Bonferroni interval over instances)")

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


def _unless_plateaued(part: tuple[str, str], plateaued: Sequence[float], reversible: Sequence[str] = ("fails",)
                      ) -> tuple[str, str]:
    """A part's (status, reason), made inconclusive when its status is one that more training could reverse and
    some of the runs it rests on stopped at their epoch cap instead of on the plateau test."""
    status, reason = part
    cut_short = int(np.sum(np.asarray(plateaued) < 0.5))
    if status in reversible and cut_short:
        return "inconclusive", f"{reason}, but {cut_short} of {len(plateaued)} runs stopped before a plateau"
    return status, reason


def simulator_disagreements(runs: Sequence[RunRecord], keys: Sequence[str], known: str) -> list[str]:
    """Instances where the simulated test cost of the optimal policy (``optimal_policy_test_cost/{key}``, per
    seed, with its standard error over the seed's independent test scenarios ``…_se/{key}``) disagrees with its
    independently known cost (``{known}/{key}``): the (1 − α/K) normal interval of the mean relative difference
    over seeds (standard error √Σ se_s² / n, from n × scenarios independent paths) excludes 0."""
    z = stats.norm.ppf(1 - THRESHOLDS.simulator_alpha / (2 * max(len(keys), 1)))
    failures = []
    for key in keys:
        exact = np.asarray(values(runs, f"{known}/{key}"))
        relative = np.asarray(values(runs, f"optimal_policy_test_cost/{key}")) / exact - 1
        se = float(np.sqrt(np.sum((np.asarray(values(runs, f"optimal_policy_test_cost_se/{key}")) / exact) ** 2))
                   / len(exact))
        mean = float(np.mean(relative))
        if abs(mean) > z * se:
            failures.append(f"{key}: simulated {mean * 100:+.2f}% ± {z * se * 100:.2f}% from {known} "
                            f"{np.mean(exact):.4f}")
    return failures


def _training_note(runs: Sequence[RunRecord], keys: Sequence[str]) -> str:
    stops = [r.metrics[f"stop_epoch/{k}"] for r in runs for k in keys if f"stop_epoch/{k}" in r.metrics]
    flags = [r.metrics[f"plateaued/{k}"] for r in runs for k in keys if f"plateaued/{k}" in r.metrics]
    if not flags:
        return "training stops: not recorded"
    return (f"training reached its plateau test in {int(np.sum(flags))} of {len(flags)} runs "
            f"(stop epoch median {np.median(stops):g}, range {min(stops):g}–{max(stops):g})")


def _plateau_flags(runs: Sequence[RunRecord], key: str) -> list[float]:
    return [r.metrics.get(f"plateaued/{key}", 1.0) for r in runs]


def check_backlog(results: Results) -> Verdict:
    """Per instance: HDPO's mean test-cost gap to the optimal base-stock policy on the same test paths at most 1%,
    and mean |learned level − S*| at most 0.5; invalid if the simulator's cost of that policy disagrees with the
    closed form (control)."""
    runs = results["hdpo/backlog"]
    keys = [instance_key(lead, p) for lead, p in instances(runs, "gap")]
    control = simulator_disagreements(runs, keys, "closed_form_cost")
    parts, details, worst = [], {}, None
    for key in keys:
        gap = _one_sided(values(runs, f"gap/{key}"))
        level_error = _one_sided(np.abs(np.subtract(values(runs, f"learned_level/{key}"),
                                                    values(runs, f"closed_form_level/{key}"))))
        flags = _plateau_flags(runs, key)
        (gap_part, gap_reason), (level_part, level_reason) = (
            _unless_plateaued(decide_claim(gap, THRESHOLDS.gap, "below"), flags),
            _unless_plateaued(decide_claim(level_error, THRESHOLDS.level, "below"), flags))
        status = combine_parts([gap_part, level_part])
        parts.append(status)
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "level_error": level_error.value,
                        "level_error_ci": list(level_error.ci),
                        "closed_form_cost": runs[0].metrics[f"closed_form_cost/{key}"],
                        "optimal_policy_test_cost": float(np.mean(values(runs, f"optimal_policy_test_cost/{key}"))),
                        "closed_form_level": runs[0].metrics[f"closed_form_level/{key}"], "part": status,
                        "gap_reason": gap_reason, "level_reason": level_reason}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    key, gap = worst
    failing = [k for k, d in details.items() if d["part"] != "holds"]
    return Verdict(
        claim="hdpo.backlog_optimal", status="invalid" if control else combine_parts(parts),
        statistic=f"test-cost gap to the optimal base-stock policy on the same paths, worst instance ({key}), "
                  "90% interval", value=gap.value, ci=gap.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["backlog"],
        details={**details, "control_failures": control},
        explanation=((f"invalid: control failed ({SIMULATOR_CONTROL}): {'; '.join(control)}. " if control else "")
                     + f"{len(keys)} instances, {len(runs)} seeds; worst gap {key} {_percent(gap)} "
                     f"({details[key]['gap_reason']}); "
                     + "; ".join(f"{k}: gap {d['gap'] * 100:.2f}%, |S−S*| {d['level_error']:.2f}"
                                 for k, d in details.items())
                     + (f"; not holding: {', '.join(failing)}" if failing else "")
                     + f"; {_training_note(runs, keys)}. " + PILOT["backlog"]),
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


def capped_excess(runs: Sequence[RunRecord], keys: Sequence[str]) -> np.ndarray:
    """(seeds, instances) relative excess of HDPO over the best capped base-stock policy run on the same test
    paths: (cost_HDPO − cost_capped) / cost_DP-policy, the DP-optimal policy's cost on those paths as the scale
    (so the instances' excesses are in the same units as their gaps and can be averaged)."""
    return np.array([[(r.metrics[f"test_cost/{k}"] - r.metrics[f"capped_policy_test_cost/{k}"])
                      / r.metrics[f"optimal_policy_test_cost/{k}"] for k in keys] for r in runs])


def check_lost_sales(results: Results) -> Verdict:
    """Two parts. (1) Per instance: HDPO's mean test-cost gap to the DP-optimal policy on the same test paths at
    most 1%. (2) HDPO beats the best capped base-stock policy: per seed, the grid average of HDPO's relative
    excess over the capped policy on the same test paths (``capped_excess``), upper 95% bound below 0; each
    instance's excess is reported (better / tied / worse), not judged — where capped base-stock is itself within
    ~0.1% of the optimum (spec: 0.04–1.45% above), "beats it on every instance" would ask for a difference
    smaller than any budget here resolves. Invalid if the DP is off (published table, order bound) or the
    simulator's cost of the DP policy disagrees with the DP's average cost (control)."""
    runs, references = results["hdpo/lost_sales"], results["hdpo/lost_sales_reference"]
    grid = instances(runs, "test_cost")
    keys = [instance_key(lead, p) for lead, p in grid]
    control = dp_control_failures(runs[0].metrics, grid) + simulator_disagreements(runs, keys, "dp_cost")
    excess = capped_excess(runs, keys)
    parts, details, worst, gaps, sides = [], {}, None, [], {"better": [], "tied": [], "worse": []}
    for (lead, p), key, column in zip(grid, keys, excess.T):
        dp = runs[0].metrics[f"dp_cost/{key}"]
        gap = _one_sided(values(runs, f"gap/{key}"))
        near, near_reason = _unless_plateaued(decide_claim(gap, THRESHOLDS.gap, "below"), _plateau_flags(runs, key))
        versus = _one_sided(column)
        side = "better" if versus.high < 0 else "worse" if versus.low > 0 else "tied"
        sides[side].append(key)
        parts.append(near)
        gaps.append(gap.value)
        capped_gap = np.array(values(runs, f"capped_policy_test_cost/{key}")) / np.array(
            values(runs, f"optimal_policy_test_cost/{key}")) - 1
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "dp": dp, "table": _table_value(lead, p),
                        "dp_policy_test_cost": float(np.mean(values(runs, f"optimal_policy_test_cost/{key}"))),
                        "capped_gap": float(np.mean(capped_gap)),
                        "capped_levels": values(runs, f"capped_policy_level/{key}"),
                        "capped_caps": values(runs, f"capped_policy_cap/{key}"),
                        "base_stock_gap": float(np.mean(values(references, f"base_stock_cost/{key}"))) / dp - 1,
                        "hdpo_minus_capped": versus.value, "hdpo_minus_capped_ci": list(versus.ci),
                        "versus_capped": side, "near_optimal": near, "near_reason": near_reason}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    average = _one_sided(excess.mean(axis=1))
    flags = [f for key in keys for f in _plateau_flags(runs, key)]
    beats, beats_reason = _unless_plateaued(decide_claim(average, 0.0, "below"), flags)
    parts.append(beats)
    key, gap = worst
    status = "invalid" if control else combine_parts(parts)
    sided = "; ".join(f"{name} on {len(ks)} ({', '.join(ks)})" if ks else f"{name} on 0" for name, ks in sides.items())
    return Verdict(
        claim="hdpo.lost_sales_near_optimal", status=status,
        statistic=f"test-cost gap to the DP-optimal policy on the same paths, worst instance ({key}), 90% interval",
        value=gap.value, ci=gap.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["lost_sales"],
        details={**details, "average_gap": float(np.mean(gaps)), "control_failures": control,
                 "beats_capped": beats, "beats_reason": beats_reason, "average_excess_over_capped": average.value,
                 "average_excess_over_capped_ci": list(average.ci)},
        explanation=((f"invalid: control failed ({DP_CONTROL}): {'; '.join(control)}. " if control else "")
                     + f"{len(details)} instances, {len(runs)} seeds; average gap {np.mean(gaps) * 100:.2f}%; worst "
                     f"{key} {_percent(gap)} ({details[key]['near_reason']}); HDPO − best capped base-stock on the "
                     f"same test paths, grid average {_percent(average)} of the DP policy's cost ({beats}: "
                     f"{beats_reason}); per instance HDPO is {sided}; "
                     + "; ".join(f"{k}: HDPO {d['gap'] * 100:+.2f}% (capped {d['capped_gap'] * 100:+.2f}%, "
                                 f"base-stock {d['base_stock_gap'] * 100:+.2f}% of the DP; DP {d['dp']:.3f} vs table "
                                 f"{d['table']}) ({d['near_optimal']}; vs capped {d['versus_capped']})"
                                 for k, d in details.items())
                     + f"; {_training_note(runs, keys)}. " + PILOT["lost_sales"]),
    )


def periods_to_reach(target: float, gaps: Sequence[float], periods: Sequence[float]) -> float | None:
    """The simulated periods at the first checkpoint whose gap is <= ``target`` (None: not within the budget)."""
    reached = [n for g, n in zip(gaps, periods) if g <= target]
    return reached[0] if reached else None


def check_reinforce(results: Results) -> Verdict:
    """Per seed log(gap_REINFORCE / gap_HDPO), both gaps to the optimal base-stock policy on the same test paths
    (same seeds: same initial network, data and minibatches): holds when the lower one-sided 95% bound of the mean
    is >= log 3, fails when the upper one is < log 3. Also: the simulated periods REINFORCE needs to reach HDPO's
    selected dev gap (or "not within budget"); REINFORCE runs to the epoch cap, so never with fewer periods."""
    runs = results["hdpo/reinforce"]
    hdpo, rf = values(runs, "gap/hdpo"), values(runs, "gap/reinforce")
    threshold = math.log(THRESHOLDS.reinforce_ratio)
    hdpo_est, rf_est = mean_interval(hdpo, CONFIDENCE), mean_interval(rf, CONFIDENCE)
    if min(hdpo + rf) > 0:
        ratio = paired_one_sided_bounds(rf, hdpo, confidence=(1 + CONFIDENCE) / 2, log_ratio=True)
        status, reason = _unless_plateaued(decide_claim(ratio, threshold, "above"), _plateau_flags(runs, "hdpo"))
    else:
        ratio = Estimate(math.nan, -math.inf, math.inf, len(runs))
        status, reason = "inconclusive", "a gap is <= 0 (below the paired test's resolution): no log-ratio"
    reach = []
    for r in runs:
        target = min(r.series["dev_gap/hdpo"])
        reach.append(periods_to_reach(target, r.series["dev_gap/reinforce"], r.series["simulated_periods/reinforce"]))
    budget = max(max(r.series["simulated_periods/reinforce"]) for r in runs)
    hdpo_periods = [r.series["simulated_periods/hdpo"][int(np.argmin(r.series["dev_gap/hdpo"]))] for r in runs]
    reached = [n for n in reach if n is not None]
    spread_h, spread_r = (float(np.std(x, ddof=1)) if len(x) > 1 else math.nan for x in (hdpo, rf))
    reach_text = (f"REINFORCE reached HDPO's selected dev gap in {len(reached)} of {len(runs)} seeds"
                  + (f" (median {np.median(reached):.3g} simulated periods per model" if reached else "")
                  + (f", vs HDPO's {np.median(hdpo_periods):.3g})" if reached else "")
                  + (f"; not within the budget of {budget:.3g} periods in {len(runs) - len(reached)}"
                     if len(reached) < len(runs) else ""))
    return Verdict(
        claim="hdpo.beats_reinforce", status=status,
        statistic="mean over seeds of log(gap_REINFORCE / gap_HDPO), one-sided 95% bounds", value=ratio.value,
        ci=ratio.ci, threshold=threshold, paper_value=PAPER["reinforce"],
        details={"hdpo_gap": hdpo_est.value, "hdpo_gap_ci": list(hdpo_est.ci), "reinforce_gap": rf_est.value,
                 "reinforce_gap_ci": list(rf_est.ci), "ratio_of_gaps": math.exp(ratio.value),
                 "ratio_bounds": [math.exp(ratio.low), math.exp(ratio.high)], "reason": reason,
                 "reinforce_periods_to_hdpo_gap": reach, "hdpo_periods_to_its_gap": hdpo_periods,
                 "budget_periods": budget, "spread_hdpo": spread_h, "spread_reinforce": spread_r},
        explanation=(f"{len(runs)} seeds; gaps to the optimal base-stock policy on the same test paths: HDPO "
                     f"{_percent(hdpo_est)}, REINFORCE {_percent(rf_est)}; per-seed gap ratio "
                     f"{math.exp(ratio.value):.2f}× (one-sided 95% bounds [{math.exp(ratio.low):.2f}, "
                     f"{math.exp(ratio.high):.2f}]×, threshold 3×: {reason}); {reach_text}. Seed SD of the gap "
                     f"{spread_r * 100:.2f}% (REINFORCE) vs {spread_h * 100:.2f}% (HDPO), reported, not judged (an "
                     f"SD ratio needs > 10× at 5 seeds to be told from 3×). HDPO stops on its plateau test, "
                     f"REINFORCE runs all epochs."),
    )


def gnn_gaps(runs: Sequence[RunRecord]) -> tuple[list[int], dict[str, dict[int, np.ndarray]]]:
    """Training-set sizes and, per architecture and size, each seed's test cost relative to the same
    architecture trained on the largest size, minus 1 (paired: the same seed's network and test paths)."""
    table = metric_matrix(runs, "test_cost/{arch}/{size:int}")
    sizes = sorted(set(table.field("size")))
    return sizes, {arch: {n: table.column(arch=arch, size=n) / table.column(arch=arch, size=sizes[-1]) - 1
                          for n in sizes} for arch in ("gnn", "mlp")}


def check_gnn(results: Results) -> Verdict:
    """At each small size n: GNN@n at most 1% worse than GNN@reference and MLP@n at least 2% worse than
    MLP@reference (per-seed ratios). A part is not decided in a direction that more training could reverse
    while a run it rests on stopped at its step cap (GNN holds / MLP fails need the reference plateaued;
    GNN fails / MLP holds need the small size plateaued)."""
    runs = results["hdpo/gnn"]
    sizes, gaps = gnn_gaps(runs)
    reference, small = sizes[-1], sizes[:-1]
    parts, details, headline = [], {}, None
    for size in small:
        gnn, mlp = _one_sided(gaps["gnn"][size]), _one_sided(gaps["mlp"][size])
        gnn_part = _unless_plateaued(_unless_plateaued(decide_claim(gnn, THRESHOLDS.gap, "below"), _plateau_flags(
            runs, f"gnn/{reference}"), ("holds",)), _plateau_flags(runs, f"gnn/{size}"))
        mlp_part = _unless_plateaued(_unless_plateaued(decide_claim(mlp, THRESHOLDS.mlp_excess, "above"),
                                                       _plateau_flags(runs, f"mlp/{reference}")),
                                     _plateau_flags(runs, f"mlp/{size}"), ("holds",))
        parts += [gnn_part[0], mlp_part[0]]
        details[str(size)] = {"gnn_gap": gnn.value, "gnn_ci": list(gnn.ci), "mlp_gap": mlp.value,
                              "mlp_ci": list(mlp.ci), "gnn_part": gnn_part[0], "mlp_part": mlp_part[0],
                              "gnn_reason": gnn_part[1], "mlp_reason": mlp_part[1]}
        if headline is None or gnn.value > headline[1].value:
            headline = (size, gnn)
    size, est = headline
    keys = [f"{a}/{n}" for a in ("gnn", "mlp") for n in sizes]
    return Verdict(
        claim="hdpo.gnn_data_efficiency", status=combine_parts(parts),
        statistic=f"GNN trained on {size} vs GNN on {reference}: cost gap (worst small size), 90% interval",
        value=est.value, ci=est.ci, threshold=THRESHOLDS.gap, paper_value=PAPER["gnn"], details=details,
        explanation=(f"{len(runs)} seeds, reference {reference} scenarios, each architecture against itself; "
                     + "; ".join(f"n={k}: GNN {d['gnn_gap'] * 100:+.2f}% ({d['gnn_part']}: {d['gnn_reason']}), "
                                 f"MLP {d['mlp_gap'] * 100:+.2f}% ({d['mlp_part']}: {d['mlp_reason']})"
                                 for k, d in details.items())
                     + f"; {_training_note(runs, keys)}."),
    )


def check_serial(results: Results) -> Verdict:
    """HDPO's mean test-cost gap to the best echelon-stock policy (same test paths) at most 1%. A gap above 1%
    counts as "fails" only if every training run stopped on its plateau test (not at the epoch cap)."""
    runs = results["hdpo/serial"]
    gap = _one_sided(values(runs, "gap"))
    status, reason = _unless_plateaued(decide_claim(gap, THRESHOLDS.gap, "below"), _plateau_flags(runs, "hdpo"))
    echelon = float(np.mean(values(runs, "test_cost/echelon")))
    return Verdict(
        claim="hdpo.serial_echelon", status=status,
        statistic="HDPO test cost / best echelon-stock cost − 1, 90% interval", value=gap.value, ci=gap.ci,
        threshold=THRESHOLDS.gap, paper_value=PAPER["serial"],
        details={"echelon_levels": metric_matrix(runs, "echelon_level/{k:int}").values[0].tolist(),
                 "echelon_cost": echelon, "stop_epochs": [r.metrics.get("stop_epoch/hdpo") for r in runs],
                 "plateaued": _plateau_flags(runs, "hdpo"), "reason": reason},
        explanation=(f"{len(runs)} seeds; HDPO vs best echelon-stock on the same test paths: {_percent(gap)} "
                     f"({reason}; echelon-stock {echelon:.3f} per period, levels found by Nelder–Mead on "
                     f"independent paths; a negative gap would mean the search is not exactly optimal). The MLP "
                     f"(σ × upstream on hand, official parameterisation): {_training_note(runs, ['hdpo'])}; the "
                     f"spec's paper value is < 1%."),
    )
