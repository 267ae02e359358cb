"""LLM figures: learning curves over seeds, one per claim."""
from __future__ import annotations

from collections.abc import Mapping

from benchmarks.plots import plot_curves
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


def plot_k_choice(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["llm/k_choice"]
    curves = {run_label(run): [r.series[f"kl/{run.name}"] for r in runs] for run in K_CHOICE_RUNS
              if not run.invariance_check}
    plot_curves(path, curves, f"K-choice on {runs[0].config.get('model')}: KL(π*_K‖π_θ,K)",
                f"evaluation (every {runs[0].config.get('eval_every')} steps)", "KL", logy=True,
                hlines={f"{THRESHOLDS.copg_final_kl:g}": THRESHOLDS.copg_final_kl})


def plot_reward_ordering(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["llm/reward_ordering"]
    curves = {m.upper(): [r.series[f"heldout_reward/{m}"] for r in runs] for m in OFFLINE_PREFERENCE_METHODS}
    plot_curves(path, curves, "Arithmetic reward: held-out reward (SNIS)",
                f"evaluation (every {runs[0].config.get('eval_every')} steps)", "reward")


def plot_nash_md(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["llm/nash_md_pg"]
    betas = [beta_key(b) for b in runs[0].config["betas"]]
    curves = {f"β={b}": [r.series[f"win_vs_ref/{b}"] for r in runs] for b in betas}
    plot_curves(path, curves, "Nash-MD-PG on rock–paper–scissors: win-rate vs π_ref",
                f"evaluation (every {runs[0].config.get('eval_every')} steps)", "P(π ≻ π_ref)", hlines={"½": 0.5})
