"""The cpl suite's figures: one ``plot_*`` per claim."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from benchmarks.plots import save
from benchmarks.records import values
from benchmarks.registry import RunRecord
from benchmarks.stats import mean_interval
from benchmarks.suites.cpl.claims import UNSEEN_MASS, pair_grid, series_matrix


def _loglog(axis, pairs: np.ndarray, curves: np.ndarray, label: str) -> None:
    """Mean curve over seeds (rows of ``curves``) with its 95% t-band, log-log."""
    mean = curves.mean(0)
    band = [mean_interval(curves[:, j]) for j in range(curves.shape[1])]
    low = np.array([b.low if np.isfinite(b.low) else m for b, m in zip(band, mean)])
    high = np.array([b.high if np.isfinite(b.high) else m for b, m in zip(band, mean)])
    line, = axis.plot(pairs, np.maximum(mean, 1e-300), marker="o", label=f"{label} (n={curves.shape[0]})")
    axis.fill_between(pairs, np.maximum(low, 1e-300), np.maximum(high, 1e-300), color=line.get_color(), alpha=0.2)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.grid(alpha=0.3, which="both")


def _labelled(axis, title: str, xlabel: str, ylabel: str, **settings) -> None:
    """Title, axis labels (and any other ``axis.set`` settings) and the legend of one panel."""
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel, **settings)
    axis.legend(fontsize=8)


def _figure(ncols: int = 1):
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(6.4 * ncols, 4.2), squeeze=False)


def plot_consistency(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/discounted"]
    pairs = pair_grid(runs)
    figure, axes = _figure(2)
    for name, label in (("kl/cpl", "CPL"), ("kl/rlhf", "RLHF (BT r̂ + soft VI)"), ("kl/sft", "SFT")):
        _loglog(axes[0, 0], pairs, series_matrix(runs, name), label)
    axes[0, 0].plot(pairs, series_matrix(runs, "kl_predicted/cpl").mean(0), "k--", linewidth=1,
                    label="first-order prediction tr(F⁻¹H)/2N")
    _labelled(axes[0, 0], "KL(π*‖π) vs N (random MDPs, regret labels)", "pairs N", "KL")
    _loglog(axes[0, 1], pairs, series_matrix(runs, "value_gap/cpl"), "CPL soft-value gap")
    _labelled(axes[0, 1], "mean soft-value gap V* − V^π_CPL", "pairs N", "gap")
    save(figure, path)


def plot_wrong_model(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/discounted"]
    pairs = pair_grid(runs)
    figure, axes = _figure()
    _loglog(axes[0, 0], pairs, series_matrix(runs, "kl/cpl"), "CPL, regret labels")
    _loglog(axes[0, 0], pairs, series_matrix(runs, "kl/cpl_reward_labels"), "CPL, reward-model labels")
    axes[0, 0].axhline(np.mean(values(runs, "kl_softmax_reward")), color="grey", linestyle="--",
                       label="softmax(r/α)")
    _labelled(axes[0, 0], "CPL with the wrong preference model plateaus", "pairs N", "KL(π*‖π)")
    save(figure, path)


def plot_reward_learns_advantage(results: Mapping[str, list[RunRecord]], path: str) -> None:
    disc, fh = results["cpl/discounted"], results["cpl/finite_horizon"]
    figure, axes = _figure(2)
    axis = axes[0, 0]
    pairs = pair_grid(disc)
    for name, label in (("corr_advantage/rlhf", "corr(r̂, A*)"), ("corr_reward/rlhf", "corr(r̂, r)")):
        axis.plot(pairs, series_matrix(disc, name).mean(0), marker="o", label=label)
    axis.axhline(np.mean(values(disc, "corr_advantage_reward")), color="grey", linestyle="--",
                 label="corr(A*, r)")
    axis.set_xscale("log")
    _labelled(axis, "RLHF on regret labels: r̂ tracks A*", "pairs N", "correlation")
    axis.grid(alpha=0.3)
    pairs = pair_grid(fh)
    _loglog(axes[0, 1], pairs, series_matrix(fh, "kl/cpl"), "CPL (time-indexed)")
    _loglog(axes[0, 1], pairs, series_matrix(fh, "kl/rlhf"), "RLHF (stationary r̂)")
    _labelled(axes[0, 1], "finite horizon H=5, Dirichlet(0.1)", "pairs N", "occupancy-weighted KL")
    save(figure, path)


def plot_conservative(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/conservative"]
    lambdas = np.asarray(runs[0].series["lambda"])
    figure, axes = _figure(2)
    for name, label in (("kl/full", "full coverage"), ("kl_unmasked_states/partial", "partial, unmasked states")):
        axes[0, 0].plot(lambdas, series_matrix(runs, name).mean(0), marker="o", label=label)
    _labelled(axes[0, 0], "KL(π*‖π_CPL) vs λ", "λ", "KL", yscale="log")
    axes[0, 0].grid(alpha=0.3)
    unseen = series_matrix(runs, "unseen_mass_max/partial")
    axes[0, 1].plot(lambdas, np.maximum(unseen.max(0), 1e-300), marker="o", label="max over seeds and states")
    axes[0, 1].axhline(UNSEEN_MASS, color="grey", linestyle="--", label=f"{UNSEEN_MASS:g}")
    _labelled(axes[0, 1], "partial coverage: mass on the never-taken action", "λ", "π(a₀|s)", yscale="log")
    axes[0, 1].grid(alpha=0.3)
    save(figure, path)


def plot_hard_labels(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/discounted"]
    pairs = pair_grid(runs)
    figure, axes = _figure(2)
    _loglog(axes[0, 0], pairs, series_matrix(runs, "kl/cpl_hard"), "CPL, hard labels")
    _loglog(axes[0, 0], pairs, series_matrix(runs, "kl/cpl"), "CPL, sampled labels")
    _labelled(axes[0, 0], "hard (official-code) labels: a bias, not noise", "pairs N", "KL(π*‖π)")
    for name, label in (("cpl_hard", "CPL, hard labels"), ("cpl", "CPL, sampled labels"), ("optimal", "π*")):
        axes[0, 1].plot(pairs, series_matrix(runs, f"max_prob/{name}").mean(0), marker="o", label=label)
    axes[0, 1].set_xscale("log")
    _labelled(axes[0, 1], "mean max-action probability at visited states", "pairs N", "max_a π(a|s)")
    save(figure, path)


def plot_minigrid(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/minigrid"]
    names = ("oracle", "cpl", "sft", "rlhf", "behaviour")
    labels = ("π*", "CPL", "SFT", "RLHF (BT + one-step RL)", "noisy expert")
    figure, axes = _figure(2)
    for axis, metric in zip(axes[0], ("success", "return")):
        estimates = [mean_interval(values(runs, f"{metric}/{m}")) for m in names]
        means = np.array([e.value for e in estimates])
        low = np.array([e.low if np.isfinite(e.low) else e.value for e in estimates])
        high = np.array([e.high if np.isfinite(e.high) else e.value for e in estimates])
        axis.bar(labels, means, yerr=[means - low, high - means], capsize=4, color="tab:blue", alpha=0.7)
        axis.set(title=f"MiniGrid-FourRooms: {metric} (95% CI over {len(runs)} layouts)", ylim=(0, 1.05))
        axis.tick_params(axis="x", labelsize=8)
        axis.grid(alpha=0.3, axis="y")
    save(figure, path)

