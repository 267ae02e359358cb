"""CPL suite — Contrastive Preference Learning (Hejna et al., ICLR 2024, arXiv 2310.13639).

Experiments in ``experiments``, budgets in ``budgets``, checks in ``claims``, figures in ``figures``; the library
code is in ``mdps.tabular`` (MDPs, segments, CPL fits, the tabular sweeps) and ``mdps.minigrid`` (FourRooms as a
tabular MDP, the neural learners and the Minigrid pipeline).
"""
from __future__ import annotations

from benchmarks.registry import Suite, claim_factory
from benchmarks.suites.cpl import claims, figures
from benchmarks.suites.cpl.experiments import EXPERIMENTS

PAPER_NAME = "CPL (Hejna et al., ICLR 2024)"
_claim = claim_factory(PAPER_NAME, claims.CONTROLS)


SUITE = Suite(
    name="cpl", paper=PAPER_NAME, experiments=EXPERIMENTS,
    claims=(
        _claim("cpl.consistency", "Thm 1",
               "With regret-model labels and full coverage, CPL's policy converges to π*: KL → 0 at rate 1/N, at "
               "the level tr(F⁻¹H)/2N that CPL's Fisher information predicts.",
               ("cpl/discounted",), claims.check_consistency, figures.plot_consistency,
               "KL 0.0068 at 1e5, slope −1.07 (pilot)"),
        _claim("cpl.wrong_model_bias", "§3 (regret vs reward model)",
               "Labels from the reward model fed to CPL give a biased policy: its KL plateaus far above "
               "regret-label CPL's at the same N.",
               ("cpl/discounted",), claims.check_wrong_model_bias, figures.plot_wrong_model,
               "KL 0.162 (1e5) → 0.153 (1e6), ~10× softmax(r/α)'s (pilot)"),
        _claim("cpl.reward_learns_advantage", "§3.1 / App. A", "Reward-based RLHF on regret labels learns r̂ ≈ A*; "
               "consistent in the discounted case, but a stationary r̂ fails with a finite horizon where π*_h "
               "depends on h, while time-indexed CPL keeps improving.",
               ("cpl/discounted", "cpl/finite_horizon", "cpl/finite_horizon_dense"),
               claims.check_reward_learns_advantage, figures.plot_reward_learns_advantage,
               "corr 0.996; FH RLHF 0.023 vs CPL 0.0038 (pilot)"),
        _claim("cpl.conservative_tradeoff", "Eq. 8 (conservative CPL)", "λ < 1 trades bias under full coverage for "
               "safety under partial coverage (no mass on never-taken actions).", ("cpl/conservative",),
               claims.check_conservative_tradeoff, figures.plot_conservative,
               "λ=0.95: unseen mass ≤ 1e-12, KL ≈ 0.05 (pilot)"),
        _claim("cpl.hard_labels", "official code (deterministic labels)",
               "With deterministic labels CPL converges to a near-deterministic policy (max-action probability → 1), "
               "unlike π* and soft-label CPL.",
               ("cpl/discounted",), claims.check_hard_labels, figures.plot_hard_labels,
               "KL 15.4 (1e5), 15.6 (1e6), entropy ~1e-9 (pilot)"),
        _claim("cpl.minigrid_scale", "§5 (MetaWorld, Minigrid form)",
               "A neural CPL policy trained only on preference-labelled segments succeeds at least as often as SFT "
               "on preferred segments and as reward-based RLHF (Bradley–Terry r̂ + P-IQL-like one-step offline RL).",
               ("cpl/minigrid",), claims.check_minigrid_scale, figures.plot_minigrid, "CPL ≥ SFT, P-IQL (MetaWorld)"),
    ),
)
