"""Matplotlib helpers (Agg backend, no screen): learning curves with 95% bands over seeds, and saving figures."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.stats import mean_interval  # noqa: E402


def curve_band(curves: Sequence[Sequence[float]],
               stride: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, mean and 95% interval of the mean over seeds (rows; :func:`benchmarks.stats.mean_interval`: Student-t
    below 20 seeds, BCa from 20) at every ``stride``-th point of equal-length curves. One seed: no band."""
    y = np.asarray(curves, dtype=float)
    x = np.arange(y.shape[1])[::stride]
    estimates = [mean_interval(y[:, i]) for i in x]
    mean = np.array([e.value for e in estimates])
    low = np.array([e.low if np.isfinite(e.low) else e.value for e in estimates])
    high = np.array([e.high if np.isfinite(e.high) else e.value for e in estimates])
    return x, mean, low, high


def plot_curves(path: str, curves: Mapping[str, Sequence[Sequence[float]]], title: str, xlabel: str,
                ylabel: str, logy: bool = False, hlines: Mapping[str, float] | None = None,
                floor: float = 1e-12) -> None:
    """One line per label (mean over seeds) with a shaded 95% CI band; optional dashed reference lines."""
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for label, rows in curves.items():
        length = len(rows[0])
        x, mean, low, high = curve_band(rows, stride=max(1, length // 150))
        if logy:
            mean, low, high = (np.maximum(v, floor) for v in (mean, low, high))
        line, = axis.plot(x, mean, label=f"{label} (n={len(rows)})")
        axis.fill_between(x, low, high, color=line.get_color(), alpha=0.25, linewidth=0)
    for label, value in (hlines or {}).items():
        axis.axhline(value, linestyle="--", color="grey", linewidth=1)
        axis.annotate(label, (0, value), textcoords="offset points", xytext=(4, 3), fontsize=7, color="grey")
    if logy:
        axis.set_yscale("log")
    axis.set_title(title, fontsize=10)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(figure, path)


def save(figure: plt.Figure, path: str) -> None:
    """Save and close a figure, creating the folder."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
