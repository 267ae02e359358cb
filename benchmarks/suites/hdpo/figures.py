"""HDPO figures: gaps per instance (bars with 95% intervals), learning curves, data efficiency."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from benchmarks.plots import save
from benchmarks.records import values
from benchmarks.stats import Estimate, mean_interval
from benchmarks.suites.hdpo.claims import THRESHOLDS, Results, gnn_gaps, instance_key, instances


def _error_bars(estimates: Sequence[Estimate]) -> np.ndarray:
    """(2, n) distances from each value to its interval ends (0 where an end is infinite)."""
    return np.array([[e.value - e.low if np.isfinite(e.low) else 0 for e in estimates],
                     [e.high - e.value if np.isfinite(e.high) else 0 for e in estimates]])


def plot_backlog(results: Results, path: str) -> None:
    import matplotlib.pyplot as plt
    runs = results["hdpo/backlog"]
    keys = [instance_key(lead, p) for lead, p in instances(runs, "gap")]
    est = [mean_interval([g * 100 for g in values(runs, f"gap/{k}")]) for k in keys]
    figure, axis = plt.subplots(figsize=(7.5, 4))
    axis.bar(range(len(keys)), [e.value for e in est], yerr=_error_bars(est), capsize=3)
    axis.axhline(THRESHOLDS.gap * 100, color="grey", linestyle="--", linewidth=1)
    axis.set_xticks(range(len(keys)), keys, rotation=45, fontsize=7)
    axis.set_ylabel("gap to the optimal base-stock policy (%)")
    axis.set_title("HDPO, backlogged single store: test-cost gap on the same paths (mean, 95% t-interval)",
                   fontsize=10)
    save(figure, path)


def plot_lost_sales(results: Results, path: str) -> None:
    import matplotlib.pyplot as plt
    runs = results["hdpo/lost_sales"]
    keys = [instance_key(lead, p) for lead, p in instances(runs, "test_cost")]
    hdpo = [mean_interval([g * 100 for g in values(runs, f"gap/{k}")]) for k in keys]
    capped = [mean_interval([(c / d - 1) * 100 for c, d in zip(values(runs, f"capped_policy_test_cost/{k}"),
                                                                 values(runs, f"optimal_policy_test_cost/{k}"))])
              for k in keys]
    figure, axis = plt.subplots(figsize=(8, 4))
    x = np.arange(len(keys))
    axis.bar(x - 0.2, [e.value for e in hdpo], 0.4, yerr=_error_bars(hdpo), capsize=2,
             label="HDPO (MLP) vs the DP policy, same paths")
    axis.bar(x + 0.2, [e.value for e in capped], 0.4, yerr=_error_bars(capped), capsize=2,
             label="best capped base-stock vs the DP policy, same paths")
    axis.axhline(THRESHOLDS.gap * 100, color="grey", linestyle="--", linewidth=1)
    axis.set_xticks(x, keys, rotation=45, fontsize=7)
    axis.set_ylabel("gap to DP optimum (%)")
    axis.legend(fontsize=8)
    axis.set_title("Lost sales, Poisson(5): gap to the exact DP optimum", fontsize=10)
    save(figure, path)


def _seed_lines(axis, xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]], label: str, color: str,
                floor: float | None = None) -> None:
    """One thin line per seed (curves end where each run stopped, so they differ in length)."""
    for i, (x, y) in enumerate(zip(xs, ys)):
        axis.plot(x, np.maximum(y, floor) if floor is not None else y, color=color, alpha=0.7, linewidth=1,
                  label=f"{label} (n={len(ys)})" if i == 0 else None)


def _finish_curves(figure, axis, path: str, xlabel: str, ylabel: str, title: str) -> None:
    """Log-y learning-curve axes: labels, legend, title; saved."""
    axis.set_yscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.legend(fontsize=8)
    axis.set_title(title, fontsize=10)
    save(figure, path)


def plot_reinforce(results: Results, path: str) -> None:
    import matplotlib.pyplot as plt
    runs = results["hdpo/reinforce"]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for method, label, color in (("hdpo", "HDPO", "C0"), ("reinforce", "REINFORCE", "C1")):
        _seed_lines(axis, [r.series[f"simulated_periods/{method}"] for r in runs],
                    [r.series[f"dev_gap/{method}"] for r in runs], label, color, floor=1e-4)
    axis.set_xscale("symlog", linthresh=1e5)
    _finish_curves(figure, axis, path, "simulated scenario-periods per model",
                   "dev cost gap to the optimal base-stock policy",
                   "HDPO vs REINFORCE: dev gap vs simulated periods (one line per seed)")


def plot_gnn(results: Results, path: str) -> None:
    import matplotlib.pyplot as plt
    sizes, gaps = gnn_gaps(results["hdpo/gnn"])
    figure, axis = plt.subplots(figsize=(6, 4))
    for arch in ("gnn", "mlp"):
        est = [mean_interval(gaps[arch][n] * 100) for n in sizes]
        axis.errorbar(sizes, [e.value for e in est], yerr=_error_bars(est), capsize=3, marker="o",
                      label=arch.upper())
    axis.set_xscale("log")
    axis.axhline(THRESHOLDS.gap * 100, color="grey", linestyle="--", linewidth=1)
    axis.set_xlabel("training scenarios")
    axis.set_ylabel(f"cost vs the same architecture @{sizes[-1]} (%)")
    axis.legend(fontsize=8)
    axis.set_title("One warehouse, 5 stores: data efficiency", fontsize=10)
    save(figure, path)


def plot_serial(results: Results, path: str) -> None:
    import matplotlib.pyplot as plt
    runs = results["hdpo/serial"]
    echelon = float(np.mean(values(runs, "test_cost/echelon")))
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    _seed_lines(axis, [r.series["epochs/hdpo"] for r in runs], [r.series["dev_cost/hdpo"] for r in runs],
                "HDPO dev cost", "C0")
    axis.axhline(echelon, linestyle="--", color="grey", linewidth=1, label=f"echelon-stock (test) {echelon:.2f}")
    _finish_curves(figure, axis, path, "epoch", "cost per period",
                   "Serial chain: HDPO dev cost until its plateau test (one line per seed)")
