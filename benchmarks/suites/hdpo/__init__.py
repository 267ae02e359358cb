"""HDPO suite — Deep RL for inventory networks (Alvo, Russo, Kanoria, 2023, arXiv 2306.11246).

Assembly only: experiments and budgets in ``experiments`` / ``budgets``, checks in ``claims``, plots in
``figures``; the simulator, policies, trainers and pipelines in ``mdps.inventory``.
"""
from __future__ import annotations

from benchmarks.registry import Claim, Suite
from benchmarks.suites.hdpo.claims import (
    DP_CONTROL,
    check_backlog,
    check_gnn,
    check_lost_sales,
    check_reinforce,
    check_serial,
)
from benchmarks.suites.hdpo.experiments import EXPERIMENTS
from benchmarks.suites.hdpo.figures import plot_backlog, plot_gnn, plot_lost_sales, plot_reinforce, plot_serial

CITATION = "HDPO (Alvo, Russo & Kanoria, 2023)"

SUITE = Suite(
    name="hdpo", paper=CITATION, experiments=EXPERIMENTS,
    claims=(
        Claim(id="hdpo.backlog_optimal", paper=CITATION, source="§5.1, Table 2",
              statement="Backlogged single store (p ∈ {4,9,19,39}, L ∈ {1,4,7}): HDPO is within 1% of the "
                        "closed-form optimum and learns a base-stock policy within ±0.5 of S*.",
              experiments=("hdpo/backlog",), check=check_backlog, paper_value="< 1%", plot=plot_backlog),
        Claim(id="hdpo.lost_sales_near_optimal", paper=CITATION, source="§5.1, Table 3",
              statement="Lost sales, Poisson(5): HDPO within 1% of the DP optimum on every instance and better "
                        "than the best capped base-stock policy.",
              experiments=("hdpo/lost_sales", "hdpo/lost_sales_reference"), check=check_lost_sales,
              paper_value="< 0.5% average", plot=plot_lost_sales, controls=(DP_CONTROL,)),
        Claim(id="hdpo.beats_reinforce", paper=CITATION, source="§6, Fig. 6",
              statement="At equal simulated periods REINFORCE's final gap and seed spread are each >= 3× HDPO's.",
              experiments=("hdpo/reinforce",), check=check_reinforce, paper_value=">= 3×", plot=plot_reinforce),
        Claim(id="hdpo.gnn_data_efficiency", paper=CITATION, source="§7, Table 5",
              statement="One warehouse, 5 stores: a GNN trained on 16–256 scenarios is within 1% of one trained "
                        "on many, while the MLP at the same sizes is >= 2% worse.",
              experiments=("hdpo/gnn",), check=check_gnn, paper_value="~16× less data", plot=plot_gnn),
        Claim(id="hdpo.serial_echelon", paper=CITATION, source="§5.2",
              statement="Serial system: HDPO's neural policy is within 1% of the best echelon-stock policy.",
              experiments=("hdpo/serial",), check=check_serial, paper_value="< 1%", plot=plot_serial),
    ),
)
