"""CoPG figures: the paper's Fig. 1 with the β sweep, Thm 1 on random instances, and the gradient identities."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats as scipy_stats

from bandits.copg.offline_training import ALL_OFFLINE_METHODS, OFFLINE_METHODS
from benchmarks.plots import curve_band, plt, save  # plots.py selects the Agg backend
from benchmarks.registry import RunRecord
from benchmarks.stats import mean_interval
from benchmarks.suites.copg.claims import METHOD_LABELS, THRESHOLDS

FLOOR = 1e-16
"""Regrets at or below float64 round-off are drawn at this floor on log axes."""


def _band(axis, rows: Sequence[Sequence[float]], label: str, logy: bool = True, floor: float = FLOOR) -> None:
    x, mean, low, high = curve_band(rows, stride=max(1, len(rows[0]) // 150))
    if logy:
        mean, low, high = (np.maximum(v, floor) for v in (mean, low, high))
    line, = axis.plot(x, mean, label=f"{label} (n={len(rows)})")
    axis.fill_between(x, low, high, color=line.get_color(), alpha=0.25, linewidth=0)


def _finish(figure, axes, path: str) -> None:
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    save(figure, path)


def _beta_sweep_panel(axis, sweep: Sequence[RunRecord], key: str) -> None:
    """Mean ± 95% interval (Student-t) over seeds of the series ``key/<method>`` against β, one line per method."""
    betas = sweep[0].series["beta"]
    for m in ALL_OFFLINE_METHODS:
        table = np.array([r.series[f"{key}/{m}"] for r in sweep])
        estimates = [mean_interval(table[:, j]) for j in range(len(betas))]
        mean = np.maximum([e.value for e in estimates], FLOOR)
        low = np.maximum([e.low if np.isfinite(e.low) else e.value for e in estimates], FLOOR)
        high = np.maximum([e.high if np.isfinite(e.high) else e.value for e in estimates], FLOOR)
        line, = axis.plot(betas, mean, marker="o", label=METHOD_LABELS[m])
        axis.fill_between(betas, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def plot_baselines_and_beta_sweep(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Fig. 1 (regret vs epoch) and the β sweep: final regret and KL(π‖π_ref) of each method vs β."""
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    toy = results["copg/toy_bandit"]
    for m in OFFLINE_METHODS:
        _band(axes[0], [r.series[f"regret/{m}"] for r in toy], METHOD_LABELS[m])
    axes[0].axhline(toy[0].metrics["reference_regret"], linestyle="--", color="grey", linewidth=1)
    axes[0].set(yscale="log", xlabel="epoch", ylabel="regret J(π*) − J(π)", title="paper Fig. 1 (dashed: π_ref)")
    sweep = results["copg/beta_sweep"]
    betas = sweep[0].series["beta"]
    _beta_sweep_panel(axes[1], sweep, "final_regret")
    _beta_sweep_panel(axes[2], sweep, "kl_ref")
    axes[1].plot(betas, sweep[0].series["reference_regret"], "k--", linewidth=1, label="π_ref")
    axes[2].plot(betas, sweep[0].series["kl_ref/optimum"], "k--", linewidth=1, label="π*")
    axes[1].set(xscale="log", yscale="log", xlabel="β", ylabel="final regret (floor 1e-16)",
                title=f"β sweep ({len(sweep)} seeds)")
    axes[2].set(xscale="log", yscale="log", xlabel="β", ylabel="KL(π‖π_ref)", title="β sweep: distance to π_ref")
    _finish(figure, axes, path)


def plot_fixed_point(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Final regret per random instance (mean over seeds) for each method, and the exact optimisation's KL."""
    runs = results["copg/random_instances"]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    reference = np.array(runs[0].series["reference_regret"])
    order = np.argsort(reference)
    for m in OFFLINE_METHODS:
        final = np.mean([r.series[f"final_regret/{m}"] for r in runs], axis=0)
        axes[0].scatter(np.arange(len(order)), np.maximum(final[order], FLOOR), s=12, label=METHOD_LABELS[m])
    axes[0].plot(np.arange(len(order)), reference[order], "k--", linewidth=1, label="π_ref")
    axes[0].set(yscale="log", xlabel="instance (sorted by regret of π_ref)",
                ylabel="final regret, mean over seeds (floor 1e-16)",
                title=f"{len(order)} random instances, {len(runs)} seeds, sampled data")
    axes[1].scatter(runs[0].series["num_actions"], np.maximum(runs[0].series["exact_kl"], 1e-20), s=12)
    toy_exact = results["copg/exact_fixed_point"][0].metrics["kl_optimum_to_copg"]
    axes[1].scatter([3], [max(toy_exact, 1e-20)], marker="*", s=80, color="C3", label="paper bandit")
    axes[1].axhline(THRESHOLDS.exact_kl, linestyle="--", color="grey", linewidth=1,
                    label=f"threshold {THRESHOLDS.exact_kl:g}")
    axes[1].set(yscale="log", xlabel="K", ylabel="KL(π*‖π_CoPG) (floor 1e-20)", title="exact-gradient optimum vs π*")
    _finish(figure, axes, path)


def plot_unbiased(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Histogram of the z-scores (Monte-Carlo mean vs exact gradient) against N(0, 1)."""
    runs = results["copg/gradient_identities"]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for key, label in (("z/copg", "CoPG vs 2∇J"), ("z/pg", "on-policy PG vs ∇J")):
        z = np.concatenate([r.series[key] for r in runs])
        axis.hist(z, bins=40, density=True, alpha=0.5, label=f"{label} ({z.size} coords)")
    grid = np.linspace(-4.5, 4.5, 200)
    axis.plot(grid, scipy_stats.norm.pdf(grid), "k-", linewidth=1, label="N(0, 1)")
    axis.set(xlabel="z = (MC mean − exact)/(sd/√n)", ylabel="density", title="Prop. 1: on-policy CoPG is unbiased")
    _finish(figure, [axis], path)


def _identity_scatter(path: str, x: np.ndarray, y: np.ndarray, xlabel: str, ylabel: str, title: str,
                      log: bool = False) -> None:
    figure, axis = plt.subplots(figsize=(5.2, 4.6))
    axis.scatter(x, y, s=8 if log else 6)
    low, high = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    if log:
        low, high = float(x.min()), float(x.max())
    axis.plot([low, high], [low, high], "k--", linewidth=1, label="y = x")
    axis.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if log:
        axis.set(xscale="log", yscale="log")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(figure, path)


def _series(runs: Sequence[RunRecord], key: str) -> np.ndarray:
    return np.concatenate([r.series[key] for r in runs])


def plot_rloo(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Prop. 2: CoPG vs RLOO (k = 2) per-sample gradient coordinates."""
    runs = results["copg/gradient_identities"]
    x, y = _series(runs, "rloo/rloo"), _series(runs, "rloo/copg")
    _identity_scatter(path, x, y, "RLOO (k=2) gradient coordinate", "CoPG gradient coordinate",
                      f"Prop. 2, max |diff| = {np.abs(x - y).max():.1e}")


def plot_ipo(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Prop. 3: the CoPG ascent direction (R = ±1/4) vs β/2 times the IPO descent direction."""
    runs = results["copg/gradient_identities"]
    x, y = _series(runs, "ipo/half_beta_ipo"), _series(runs, "ipo/copg")
    _identity_scatter(path, x, y, "(β/2) × IPO descent direction coordinate", "CoPG ascent coordinate (R = ±1/4)",
                      f"Prop. 3, max |diff| = {np.abs(x - y).max():.1e}")


def plot_baseline_identity(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Eq. 16: the measured bias of the other constant baselines vs the predicted 2(E_μR^π_β − b)(μ − π)."""
    runs = results["copg/gradient_identities"]
    x, y = _series(runs, "bias/predicted"), _series(runs, "bias/measured")
    worst = max(r.metrics["identity_error"] for r in runs)
    _identity_scatter(path, x, y, "predicted ‖2(E_μR^π_β − b)(μ − π)‖", "measured bias ‖∇ − CoPG gradient‖",
                      f"Eq. 16: other baselines are biased\nidentity error ≤ {worst:.1e}", log=True)
