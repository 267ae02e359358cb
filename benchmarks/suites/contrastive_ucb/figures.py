"""Figures of the Contrastive UCB suite: recovery rates vs N, the lock's learning curves, the game's duality gap."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from benchmarks.plots import save
from benchmarks.records import metric_matrix
from benchmarks.registry import RunRecord
from benchmarks.suites.contrastive_ucb.claims import best_ucbvi, learner_order

LEARNER_LABELS = {
    "contrastive_ucb": "Contrastive UCB (tied, one-step-random)",
    "contrastive_free": "Contrastive UCB (free tables, one-step-random)",
    "contrastive_onpolicy": "Contrastive UCB (tied, on-policy)",
    "no_bonus": "β=0, one-step-random (tied)",
    "greedy": "β=0 greedy, ε=0 (tied)",
    "egreedy": "β=0 + ε-greedy (tied)",
    "oracle": "oracle LSVI-UCB (φ*)",
    "random_features": "LSVI-UCB (random features)",
    "ucbvi": "tabular UCBVI (tuned c)",
}


def plot_representation(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """sin θ_max and TV vs N (log-log), NCE vs SVD / empirical, per seed."""
    import matplotlib.pyplot as plt

    runs = results["contrastive_ucb/representation"]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for i, r in enumerate(runs):
        n = r.series["sample_sizes"]
        labels = ({"sin": "NCE (exact negatives)", "svd_sin": "rank-d SVD", "random": "random features",
                   "tv": "NCE P̂ = φ̂ᵀψ̂·P⁻", "empirical_tv": "empirical P"} if i == 0 else {})
        axes[0].loglog(n, r.series["sin"], "o-", color="C0", alpha=0.7, label=labels.get("sin"))
        axes[0].loglog(n, r.series["svd_sin"], "s--", color="C1", alpha=0.7, label=labels.get("svd_sin"))
        axes[0].axhline(r.metrics["random_sin"], color="C2", ls=":", label=labels.get("random"))
        axes[1].loglog(n, r.series["tv"], "o-", color="C0", alpha=0.7, label=labels.get("tv"))
        axes[1].loglog(n, r.series["empirical_tv"], "s--", color="C3", alpha=0.7, label=labels.get("empirical_tv"))
    n = np.asarray(runs[0].series["sample_sizes"])
    ref = runs[0].series["sin"][-1] * np.sqrt(n[-1] / n)
    axes[0].loglog(n, ref, color="grey", lw=0.8, label="∝ N^{-1/2}")
    axes[0].set(title="subspace distance sin θ_max", xlabel="N transitions")
    axes[1].set(title="mean TV(P̂, P)", xlabel="N transitions")
    for axis in axes:
        axis.grid(alpha=0.3, which="both")
        axis.legend(fontsize=7)
    save(figure, path)


def plot_lock(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Suboptimality of π_k vs episode (mean over seeds, t₀.₁ marked) and cumulative regret (log-log)."""
    import matplotlib.pyplot as plt

    runs = results["contrastive_ucb/lock"]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    names = sorted(metric_matrix(runs, "subopt/{learner}", source="series").field("learner"), key=learner_order)
    ucbvi_name = best_ucbvi(runs)[0] if any(n.startswith("ucbvi@") for n in names) else None
    t01 = metric_matrix(runs, "t01/{learner}")
    slopes = metric_matrix(runs, "regret_slope/{learner}")
    for j, name in enumerate(n for n in names if not n.startswith("ucbvi@") or n == ucbvi_name):
        curves = np.asarray([r.series[f"subopt/{name}"] for r in runs])
        label = LEARNER_LABELS.get(name.split("@")[0], name) + (f" ({name})" if "@" in name else "")
        k = np.arange(1, curves.shape[1] + 1)
        line, = axes[0].plot(k, curves.mean(0), color=f"C{j}", lw=1, label=label)
        mean_t01 = np.mean(t01.column(learner=name))
        if mean_t01 < curves.shape[1]:
            axes[0].axvline(mean_t01, color=line.get_color(), ls=":", lw=1)
        axes[1].loglog(k, np.maximum(np.cumsum(curves, -1).mean(0), 1e-3), color=f"C{j}",
                       label=f"{label}: slope {np.mean(slopes.column(learner=name)):.2f}")
    axes[0].axhline(0.1, color="grey", ls="--", lw=0.8)
    axes[0].set(title="V* − V^{π_k} (mean over seeds; dotted: mean t₀.₁)", xlabel="episode k", ylabel="suboptimality")
    axes[1].set(title="cumulative policy regret (second-half slopes)", xlabel="episode k")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=6)
    save(figure, path)


def plot_game(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Episode-averaged duality gap (1/K)·Σ_k gap_k vs K (log-log) per seed, with a K^{−1/2} reference; the last
    iterate's gap dotted."""
    import matplotlib.pyplot as plt

    runs = results["contrastive_ucb/game"]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for i, r in enumerate(runs):
        line, = axis.loglog(r.series["checkpoints"], r.series["gap"], "o-", alpha=0.7, label=f"seed {r.seed}")
        if "last_gap" in r.series:
            axis.loglog(r.series["checkpoints"], np.maximum(r.series["last_gap"], 1e-6), ":", color=line.get_color(),
                        alpha=0.5, label="last iterate (dotted)" if i == 0 else None)
    k = np.asarray(runs[0].series["checkpoints"])
    axis.loglog(k, np.mean([r.series["gap"][0] for r in runs]) * np.sqrt(k[0] / k), color="grey", ls="--",
                label="∝ K^{-1/2}")
    axis.set(title="episode-averaged duality gap of the CCE-marginal policies", xlabel="episodes K",
             ylabel="(1/K) Σ_k (V^{†,ν_k} − V^{π_k,†})")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=6, ncol=2)
    save(figure, path)
