"""``python -m benchmarks.suites.llm --gpu``: claims 4–5 on a CUDA machine (bfloat16), verdicts printed.

The throughput, memory and K-choice runs of ``llm/gpu_scale`` at its quick budget, then Nash-MD-PG on CUDA in
bfloat16 with 120 steps; no store is written.
"""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, replace

from benchmarks.registry import RunRecord
from benchmarks.suites.llm.claims import check_gpu_scale, check_nash_md_pg
from benchmarks.suites.llm.experiments import GPU_SCALE, NASH_MD_PG, run_gpu_scale, run_nash_md_pg

SEEDS = tuple(range(GPU_SCALE.budgets["quick"].seeds))


def gpu_main() -> None:
    """The GPU script: throughput + the k-choice claim on CUDA in bfloat16, then the Nash-MD-PG verdict on CUDA."""
    started = time.perf_counter()
    config = GPU_SCALE.config("quick")
    results = run_gpu_scale(config, SEEDS)
    records = [RunRecord("llm/gpu_scale", s, asdict(config), r.metrics, r.series) for s, r in zip(SEEDS, results)]
    for r in records:
        print({k: round(v, 4) for k, v in r.metrics.items() if not k.startswith("seconds_per_step")})
    verdict = check_gpu_scale({"llm/gpu_scale": records})
    print(verdict.status, verdict.explanation)
    nash_config = replace(NASH_MD_PG.config("quick"), device="cuda", dtype="bfloat16", steps=120)
    nash = run_nash_md_pg(nash_config, SEEDS)
    nash_records = [RunRecord("llm/nash_md_pg", s, asdict(nash_config), r.metrics, r.series)
                    for s, r in zip(SEEDS, nash)]
    verdict = check_nash_md_pg({"llm/nash_md_pg": nash_records})
    print("llm.nash_md_pg (cuda, bfloat16):", verdict.status, verdict.explanation)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    if "--gpu" in sys.argv:
        gpu_main()
    else:
        print("usage: python -m benchmarks.suites.llm --gpu   (CUDA + bfloat16 check of claims 4–5)")
