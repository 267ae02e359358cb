"""LLM figures: learning curves over seeds, one per claim."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from benchmarks.plots import plot_curves, plt, save
from benchmarks.records import values
from benchmarks.registry import RunRecord
from benchmarks.suites.llm.claims import THRESHOLDS
from llm_bridge.pipelines.k_choice import K_CHOICE_RUNS, PairRun
from llm_bridge.pipelines.nash_md_pg import beta_key
from llm_bridge.train import OFFLINE_PREFERENCE_METHODS

METHOD_LABELS = {"copg": "CoPG", "ipo": "IPO (τ=β)", "pg": "PG b=0"}
"""Legend names of the methods (``bandits.objectives`` names) in the K-choice figure."""


def run_label(run: PairRun) -> str:
    """"CoPG", "PG b=0 (R+shift)", ..."""
    return METHOD_LABELS[run.method] + (" (R+shift)" if run.shifted else "")


def held_at_plateau(curves: list[list[float]]) -> list[list[float]]:
    """Curves of runs that stopped at their plateau, each held at its last value up to the longest one."""
    length = max(len(c) for c in curves)
    return [list(c) + [c[-1]] * (length - len(c)) for c in curves]


def plot_k_choice(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["llm/k_choice"]
    curves = {run_label(run): held_at_plateau([r.series[f"kl/{run.name}"] for r in runs]) for run in K_CHOICE_RUNS
              if not run.invariance_check}
    plot_curves(path, curves, f"K-choice on {runs[0].config.get('model')}: KL(π*_K‖π_θ,K)",
                f"evaluation (every {runs[0].config.get('eval_every')} steps)", "KL", logy=True,
                hlines={f"{THRESHOLDS.copg_final_kl:g}": THRESHOLDS.copg_final_kl})


def plot_reward_ordering(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Reward–KL frontiers: per method, the mean over seeds of (KL, reward) at each β, from π_ref's point."""
    runs = results["llm/reward_ordering"]
    betas = [beta_key(b) for b in runs[0].config["betas"]]
    ref = float(np.mean(values(runs, "ref_heldout_reward")))
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for m in OFFLINE_PREFERENCE_METHODS:
        kls = [0.0] + [float(np.mean(values(runs, f"heldout_kl/{m}/{b}"))) for b in betas]
        rewards = [ref] + [float(np.mean(values(runs, f"heldout_reward/{m}/{b}"))) for b in betas]
        axis.plot(kls, rewards, marker="o", label=f"{m.upper()} (n={len(runs)})")
    axis.set_title("Arithmetic reward: reward–KL frontier over β (own samples)", fontsize=10)
    axis.set_xlabel("KL(π‖π_ref) (sequence level)")
    axis.set_ylabel("held-out reward")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(figure, path)


def plot_nash_md(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["llm/nash_md_pg"]
    betas = [beta_key(b) for b in runs[0].config["betas"]]
    curves = {f"β={b}": [r.series[f"win_vs_ref/{b}"] for r in runs] for b in betas}
    plot_curves(path, curves, "Nash-MD-PG on rock–paper–scissors: win-rate vs π_ref",
                f"evaluation (every {runs[0].config.get('eval_every')} steps)", "P(π ≻ π_ref)", hlines={"½": 0.5})


def plot_kl_gradients(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Exact-gradient Nash-MD-PG with each KL-gradient estimator: KL(π̂‖π_t) to softmax(log μ + P π^β/τ)."""
    runs = results["llm/kl_gradients_tabular"]
    names = [k.removeprefix("fixed_point_kl/") for k in runs[0].series if k.startswith("fixed_point_kl/")]
    curves = {name: [r.series[f"fixed_point_kl/{name}"] for r in runs] for name in names}
    plot_curves(path, curves, "Nash-MD-PG per KL-gradient estimator: distance to its predicted fixed point",
                f"record (of {runs[0].config.get('steps')} exact-gradient steps)", "KL(π̂‖π_t)", logy=True,
                floor=1e-17)
