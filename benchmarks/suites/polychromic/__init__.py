"""Polychromic suite — set-level diversity objectives (Ibn Hamid, Orney, Xu, Finn, Sadigh, 2025, arXiv 2509.25424).

Experiments (``experiments.py``, one per environment and method, paired by seed): ``polychromic/pretrained`` (the
BC start, evaluated), ``polychromic/ppo``, ``polychromic/poly_ppo`` (vines + polychromic set advantages),
``polychromic/poly_ppo_d1`` (negative control, diversity ≡ 1) and ``polychromic/reinforce`` on
MiniGrid-FourRooms-v0, and the same with the prefix ``polychromic/babyai_`` on BabyAI-GoToLocal-v0; every claim is
judged on both. Budgets in ``budgets.py``, checks in ``claims.py``, plots in ``figures.py``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from benchmarks.registry import Claim, RunRecord, Suite, Verdict, claim_factory
from benchmarks.suites.polychromic.claims import (
    CONTROLS,
    check_coverage,
    check_diversity,
    check_negative_control,
    check_robustness,
    check_success,
)
from benchmarks.suites.polychromic.experiments import ENVS, EXPERIMENTS, EXPERIMENTS_OF_ENV
from benchmarks.suites.polychromic.figures import (
    plot_negative_control,
    plot_passk,
    plot_success_curves,
    plot_trajectories,
)

PAPER = "Polychromic objectives (Ibn Hamid et al., 2025)"
_paper_claim = claim_factory(PAPER, CONTROLS)


def _claim(cid: str, source: str, statement: str, methods: Sequence[str],
           check: Callable[[Mapping[str, list[RunRecord]]], Verdict],
           plot: Callable[[Mapping[str, list[RunRecord]], str], None], paper_value: str) -> Claim:
    """A claim on the experiments of ``methods`` in both environments."""
    experiments = tuple(EXPERIMENTS_OF_ENV[env][m] for env in ENVS for m in methods)
    return _paper_claim(cid, source, statement, experiments, check, plot, paper_value)


SUITE = Suite(
    name="polychromic", paper=PAPER, experiments=EXPERIMENTS,
    claims=(
        _claim("polychromic.coverage", "Fig. 2 (pass@k), §5",
               "Where PPO's pass@16 falls below the pre-trained policy's (diversity collapse), Poly-PPO's does "
               "not, and Poly-PPO leaves fewer configurations unsolved in 16 tries than PPO (failure ratio "
               "< 1), on training and unseen configurations, never trailing PPO by > 2 points at any k ≤ 16.",
               ("pretrained", "ppo", "poly"), check_coverage, plot_passk, "Poly-PPO > PPO at every k"),
        _claim("polychromic.success", "Table 1",
               "Poly-PPO's success (pass@1) is at least PPO's minus 2 points.",
               ("pretrained", "ppo", "poly", "reinforce"), check_success, plot_success_curves,
               "success 92.4% vs 89.2% (FourRooms), 80.2% vs 46.2% (BabyAI GoTo)"),
        _claim("polychromic.diversity", "§5, Fig. 3",
               "After fine-tuning Poly-PPO has more distinct region-sets (FourRooms: rooms; GoToLocal: quadrants) "
               "among successful samples (on configurations with two routes) and higher policy entropy than PPO.",
               ("pretrained", "ppo", "poly"), check_diversity, plot_trajectories, "more diverse than PPO"),
        _claim("polychromic.robustness", "§5 (unseen configurations)",
               "On unseen configurations Poly-PPO's success drop is at most PPO's.",
               ("pretrained", "ppo", "poly"), check_robustness, plot_passk, "drop(Poly) ≤ drop(PPO)"),
        _claim("polychromic.negative_control", "ablation",
               "With diversity d ≡ 1 the coverage advantage over PPO disappears.",
               ("pretrained", "ppo", "poly", "poly_d1"), check_negative_control, plot_negative_control,
               "d ≡ 1 ≈ PPO"),
    ),
)
