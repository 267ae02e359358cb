"""Figures of the polychromic suite: pass@k curves and success over training (both environments), distinct routes on
one FourRooms layout."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from benchmarks.plots import plot_curves, save
from benchmarks.records import metric_matrix
from benchmarks.registry import RunRecord
from benchmarks.stats import mean_interval
from benchmarks.suites.polychromic.experiments import (
    ENV_LABELS,
    ENVS,
    EXPERIMENTS_OF_ENV,
    K_MAX,
    LABELS,
    METHODS,
)
from mdps.minigrid.envs import GRID_SIZE, FourRooms, LayoutTable


def _present(results: Mapping[str, list[RunRecord]], methods: Sequence[str], env: str = "fourrooms") -> list[str]:
    return [m for m in methods if results.get(EXPERIMENTS_OF_ENV[env][m])]


def _envs(results: Mapping[str, list[RunRecord]], methods: Sequence[str]) -> list[str]:
    return [env for env in ENVS if _present(results, methods, env)] or ["fourrooms"]


def plot_passk(results: Mapping[str, list[RunRecord]], path: str, methods: Sequence[str] = METHODS) -> None:
    """pass@k, k = 1..16, mean over seeds with a 95% t-interval band, one line per method, one panel per
    environment."""
    import matplotlib.pyplot as plt

    envs = _envs(results, methods)
    figure, axes = plt.subplots(1, len(envs), figsize=(6.4 * len(envs), 4.2), squeeze=False)
    for axis, env in zip(axes[0], envs):
        _passk_panel(axis, results, methods, env)
    save(figure, path)


def _passk_panel(axis, results: Mapping[str, list[RunRecord]], methods: Sequence[str], env: str) -> None:
    for m in _present(results, methods, env):
        table = metric_matrix(results[EXPERIMENTS_OF_ENV[env][m]], "pass@{k:int}")
        k, rows = np.array(table.field("k")), table.values
        estimates = [mean_interval(rows[:, j]) for j in range(len(k))]
        mean = np.array([e.value for e in estimates])
        low = np.array([e.low if np.isfinite(e.low) else e.value for e in estimates])
        high = np.array([e.high if np.isfinite(e.high) else e.value for e in estimates])
        line, = axis.plot(k, mean, marker="o", markersize=3, label=f"{LABELS[m]} (n={len(rows)})")
        axis.fill_between(k, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    axis.set_xscale("log", base=2)
    axis.set_xlabel("k")
    axis.set_ylabel("pass@k (unbiased)")
    axis.set_title(f"{ENV_LABELS[env]}, 200 training configurations: pass@k (k ≤ {K_MAX}) after fine-tuning",
                   fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)


def plot_negative_control(results: Mapping[str, list[RunRecord]], path: str) -> None:
    plot_passk(results, path, ("pretrained", "ppo", "poly", "poly_d1"))


def plot_success_curves(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Success (curve evaluations) over training, mean ± CI over seeds."""
    methods = ("ppo", "poly", "poly_d1", "reinforce")
    curves = {f"{ENV_LABELS[env]}: {LABELS[m]}": [r.series["curve/success"]
                                                   for r in results[EXPERIMENTS_OF_ENV[env][m]]]
              for env in _envs(results, methods) for m in _present(results, methods, env)}
    plot_curves(path, curves, "Success over training (x: evaluation index, equal env steps)",
                "evaluation point (evenly spaced in env steps)", "success")


def plot_trajectories(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Rendered grid of one FourRooms configuration with the distinct successful routes of PPO and Poly-PPO (lowest
    seed)."""
    import matplotlib.pyplot as plt

    methods = _present(results, ("pretrained", "ppo", "poly"))
    figure, axes = plt.subplots(1, len(methods), figsize=(3.4 * len(methods), 4.0))
    for axis, m in zip(np.atleast_1d(axes), methods):
        record = min(results[EXPERIMENTS_OF_ENV["fourrooms"][m]], key=lambda r: r.seed)
        config = int(record.series["picture/config"][0])
        table = LayoutTable.build(FourRooms(record.config.get("env_id", "MiniGrid-FourRooms-v0")), (config,))
        axis.imshow(np.where(table.cells[0].T == 2, 0.15, 1.0), cmap="gray", vmin=0, vmax=1)
        (gx, gy), (sx, sy, _) = table.goals[0], table.starts[0]
        axis.scatter([gx], [gy], marker="s", s=80, color="green", zorder=3)
        axis.scatter([sx], [sy], marker="o", s=60, color="red", zorder=3)
        x, y, ids = (np.asarray(record.series[k]) for k in ("picture/x", "picture/y", "picture/id"))
        for i in np.unique(ids):
            jitter = (i - 1.5) * 0.08
            axis.plot(x[ids == i] + jitter, y[ids == i] + jitter, linewidth=1.6, alpha=0.85)
        axis.set_title(f"{LABELS[m]}: {len(np.unique(ids))} distinct\nroom-sets (config {config}, seed "
                       f"{record.seed})", fontsize=8)
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_xlim(-0.5, GRID_SIZE - 0.5)
        axis.set_ylim(GRID_SIZE - 0.5, -0.5)
    save(figure, path)
