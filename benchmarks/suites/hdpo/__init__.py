"""HDPO suite — Deep RL for inventory networks (Alvo, Russo, Kanoria, 2023, arXiv 2306.11246).

Assembly only: experiments and budgets in ``experiments`` / ``budgets``, checks in ``claims``, plots in
``figures``; the simulator, policies, trainers and pipelines in ``mdps.inventory``.
"""
from __future__ import annotations

from benchmarks.registry import Suite, claim_factory
from benchmarks.suites.hdpo import claims, figures
from benchmarks.suites.hdpo.experiments import EXPERIMENTS

CITATION = "HDPO (Alvo, Russo & Kanoria, 2023)"
claim = claim_factory(CITATION, {"hdpo.lost_sales_near_optimal": (claims.DP_CONTROL,),
                                 "hdpo.backlog_optimal": (claims.SIMULATOR_CONTROL,)})

SUITE = Suite(
    name="hdpo", paper=CITATION, experiments=EXPERIMENTS,
    claims=(
        claim("hdpo.backlog_optimal", "§5.1, Table 2", "Backlogged single store (p ∈ {4,9,19,39}, L ∈ {1,4,7}): "
              "HDPO is within 1% of the optimal base-stock policy (same test paths) and learns a base-stock policy "
              "within ±0.5 of S*.",
              ("hdpo/backlog",), claims.check_backlog, figures.plot_backlog, "< 1%"),
        claim("hdpo.lost_sales_near_optimal", "§5.1, Table 3", "Lost sales, Poisson(5): HDPO within 1% of the DP-"
              "optimal policy (same test paths) on every instance and better than the best capped base-stock policy "
              "(same test paths, grid average).",
              ("hdpo/lost_sales", "hdpo/lost_sales_reference"), claims.check_lost_sales, figures.plot_lost_sales,
              "< 0.5% average"),
        claim("hdpo.beats_reinforce", "§6, Fig. 6",
              "With at least as many simulated periods, REINFORCE's final gap is >= 3× HDPO's (per-seed ratio).",
              ("hdpo/reinforce",), claims.check_reinforce, figures.plot_reinforce, ">= 3×"),
        claim("hdpo.gnn_data_efficiency", "§7, Table 5", "One warehouse, 5 stores: a GNN trained on 16–256 scenarios "
              "is within 1% of one trained on many, while the MLP at those sizes is >= 2% worse than the MLP trained "
              "on many.", ("hdpo/gnn",),
              claims.check_gnn, figures.plot_gnn, "~16× less data"),
        claim("hdpo.serial_echelon", "§5.2",
              "Serial system: HDPO's neural policy is within 1% of the best echelon-stock policy.",
              ("hdpo/serial",), claims.check_serial, figures.plot_serial, "< 1%"),
    ),
)
