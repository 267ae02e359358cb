"""Nash-MD figures: KL vs t with Thm 1's bound, constant-η floors, RPS simplex trajectories, RLHF vs Nash
exploitability, Nash-MD-PG bias vs β."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bandits.nash_md.dynamics import simplex_coordinates
from bandits.nash_md.last_iterate import GAME_NAMES, value_tag
from benchmarks.plots import save
from benchmarks.records import values
from benchmarks.registry import RunRecord
from benchmarks.stats import mean_interval
from benchmarks.suites.nash_md.claims import PILOT

FLOOR = 1e-16
"""Curves are drawn clipped to this on log axes (exact zeros happen at round-off)."""


def plot_last_iterate(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Left: KL(π*_τ‖π_t) vs t+1 (log-log) for the shipped games and the random games' max at the middle τ, with
    the 8/(τ²(t+1)) bound. Right: the rate study at the smallest τ: the worst game's KL per seed for Nash-MD, the
    constant-η control and τ = 0 self-play, with the bound."""
    import matplotlib.pyplot as plt

    runs = results["nash_md/last_iterate"]
    taus = runs[0].config["taus"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    tau = sorted(taus)[len(taus) // 2]
    t = np.asarray(runs[0].series["steps"]) + 1
    for name in GAME_NAMES:
        left.plot(t, np.maximum(runs[0].series[f"kl/{name}/tau{value_tag(tau)}"], FLOOR), label=name)
    worst = np.max([r.series[f"kl_random_max/tau{value_tag(tau)}"] for r in runs], axis=0)
    left.plot(t, np.maximum(worst, FLOOR), linestyle=":", label=f"random games (max, {len(runs)} seeds)")
    left.plot(t, 8 / (tau**2 * t), "k--", label="bound 8/(τ²(t+1))")
    left.set_title(f"Nash-MD, η_t = 2/(τ(t+2)), τ = {tau:g}", fontsize=10)
    small = min(taus)
    t = np.asarray(runs[0].series["rate/steps"]) + 1
    styles = (("rate/kl_worst", "Nash-MD", "C0"), ("rate/kl_constant_eta", "constant η (control)", "C3"))
    for key, label, color in styles:
        for i, run in enumerate(runs):
            right.plot(t, np.maximum(run.series[f"{key}/tau{value_tag(small)}"], FLOOR), color=color, linewidth=0.8,
                       label=label if i == 0 else None)
    for i, run in enumerate(runs):
        right.plot(t, np.maximum(run.series["rate/kl_self_play"], FLOOR), color="C2", linewidth=0.8,
                   label="τ = 0 self-play (control; KL to the Nash)" if i == 0 else None)
    right.plot(t, 8 / (small**2 * t), "k--", label="bound 8/(τ²(t+1))")
    right.set_title(f"rate study: worst of {runs[0].config['rate_games']} games per seed, τ = {small:g}",
                    fontsize=10)
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("t + 1")
        axis.set_ylabel("KL(π*_τ ‖ π_t)")
        axis.set_ylim(1e-14, None)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    save(figure, path)


def plot_constant_step(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Left: KL(π*_τ‖π_t) vs t on RPS for each constant η. Right: floor vs η for the shipped games, 2η/τ line."""
    import matplotlib.pyplot as plt

    runs = results["nash_md/constant_step"]
    etas = np.asarray(runs[0].config["etas"])
    tau = runs[0].config["tau"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    steps = runs[0].series["steps"]
    for eta in etas:
        left.plot(steps, np.maximum(runs[0].series[f"kl/rock_paper_scissors/eta{value_tag(eta)}"], FLOOR),
                  label=f"η = {eta:g}")
    left.set_yscale("log")
    left.set_title(f"RPS, constant η, τ = {tau:g}", fontsize=10)
    left.set_xlabel("t")
    left.set_ylabel("KL(π*_τ ‖ π_t)")
    left.legend(fontsize=8)
    for name in GAME_NAMES:
        right.plot(etas, [runs[0].metrics[f"floor/{name}/eta{value_tag(e)}"] for e in etas], "o-", label=name)
    right.plot(etas, 2 * etas / tau, "k--", label="2η/τ")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_title("KL floor vs η", fontsize=10)
    right.set_xlabel("η")
    right.legend(fontsize=7)
    for axis in (left, right):
        axis.grid(alpha=0.3)
    save(figure, path)


def plot_cycling(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Simplex trajectories on RPS (seed with the lowest id): MWU last iterate and average, Nash-MD, OMD."""
    import matplotlib.pyplot as plt

    run = min(results["nash_md/cycling"], key=lambda r: r.seed)
    figure, axis = plt.subplots(figsize=(5.6, 5.2))
    corners = simplex_coordinates(np.eye(3))
    axis.plot(*np.vstack([corners, corners[:1]]).T, color="black", linewidth=0.8)
    for label, (x, y) in zip(("rock", "paper", "scissors"), corners):
        axis.annotate(label, (x, y), textcoords="offset points", xytext=(-10, -12 if y == 0 else 4), fontsize=8)
    styles = {"mwu_last": ("MWU τ=0, last iterate", 0.6), "mwu_average": ("MWU τ=0, average", 1.5),
              "nash_md": ("Nash-MD", 1.5), "omd": ("OMD", 1.0)}
    for name, (label, width) in styles.items():
        probs = np.stack([run.series[f"traj/{name}/p{y}"] for y in range(3)], axis=-1)
        xy = simplex_coordinates(probs)
        axis.plot(xy[:, 0], xy[:, 1], linewidth=width, label=label)
    axis.plot(*simplex_coordinates(np.full(3, 1 / 3)), "k*", markersize=10, label="Nash (uniform)")
    axis.plot(*simplex_coordinates(np.asarray(run.series["regularised_nash"])), "kP", markersize=8,
              label=f"π*_τ (τ = {run.config['tau']}, μ = {tuple(run.config['mu'])})")
    axis.set_aspect("equal")
    axis.axis("off")
    axis.set_title(f"Rock-paper-scissors trajectories (seed {run.seed})", fontsize=10)
    axis.legend(fontsize=7, loc="upper right")
    save(figure, path)


def plot_rlhf_vs_nash(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Exploitability vs ε: BT-RLHF (measured) against ½·w1 = (1/3 − ε)/2, and the Nash's (≈ 0)."""
    import matplotlib.pyplot as plt

    runs = results["nash_md/rlhf_vs_nash"]
    eps = np.array(values(runs, "epsilon") + [0.1])
    rlhf = values(runs, "rlhf_exploitability") + [runs[0].metrics["eps0.1/rlhf_exploitability"]]
    nash = values(runs, "nash_exploitability") + [runs[0].metrics["eps0.1/nash_exploitability"]]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    grid = np.linspace(0, 1 / 3, 50)
    axis.plot(grid, (1 / 3 - grid) / 2, "k--", linewidth=1, label="½·w1 = (1/3 − ε)/2")
    axis.plot(eps, rlhf, "o", label="BT-RLHF policy (y1)")
    axis.plot(eps, nash, "s", label="Nash (LP)")
    axis.set_xlabel("ε (rater-population skew)")
    axis.set_ylabel("exploitability max_y P(y ≻ π) − ½")
    axis.set_title("§3.2 rater population: RLHF is exploitable, the Nash is not", fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(figure, path)


def plot_pg_bias(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Bias KL(π*_τ‖π_θ) vs β: sampled runs (mean and 95% CI over seeds) and the predicted fixed point."""
    import matplotlib.pyplot as plt

    runs = results["nash_md/pg_bias"]
    betas = np.asarray(runs[0].config["betas"])
    est = [mean_interval(values(runs, f"kl_to_nash/beta{value_tag(b)}")) for b in betas]
    predicted = [runs[0].metrics[f"predicted_bias/beta{value_tag(b)}"] for b in betas]
    floor = 1e-7
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    mean = np.array([max(e.value, floor) for e in est])
    low = np.array([max(e.low if np.isfinite(e.low) else e.value, floor) for e in est])
    high = np.array([max(e.high if np.isfinite(e.high) else e.value, floor) for e in est])
    axis.errorbar(betas, mean, yerr=[mean - low, high - mean], fmt="o", capsize=3,
                  label=f"sampled Nash-MD-PG (n={len(runs)} seeds)")
    axis.plot(betas, np.maximum(predicted, floor), "k--", label="predicted KL(π*_τ ‖ softmax(log μ + Pπ^β/τ))")
    axis.plot(list(PILOT.pg_bias), list(PILOT.pg_bias.values()), "x", color="grey", label="spec pilot")
    axis.set_yscale("log")
    axis.set_xlabel("mixture β")
    axis.set_ylabel("KL(π*_τ ‖ π_θ) at the end")
    axis.set_title(f"Nash-MD-PG bias vs β ({runs[0].config['game']}, τ = {runs[0].config['tau']})", fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(figure, path)
