"""HDPO simulator speed: scenario-periods per second on one minibatch of the official one-store instance
(backlogged, Normal(5, 1.6), L = 4, MLP [32, 32, 32] ELU, batch 8,192 × 50 periods), forward + backward with
the hand-written backward pass (``store_bptt``, what HDPO trains with) and with autograd through the generic
simulator (the reference it is tested against)."""
from __future__ import annotations

import pytest
import torch

from mdps.inventory.demand import DemandSpec, sample_demand
from mdps.inventory.hdpo import hdpo_loss
from mdps.inventory.policies import StoreMLPPolicy
from mdps.inventory.simulator import simulate_stores
from mdps.inventory.store_bptt import simulate_stores_mlp

BATCH, PERIODS, LEAD_TIME = 8192, 50, 4


def _setup(simulate=simulate_stores_mlp):
    g = torch.Generator().manual_seed(0)
    batch = {"demand": sample_demand(DemandSpec(), BATCH, 1, PERIODS, g)[None],
             "state": torch.rand(1, BATCH, 1, LEAD_TIME, generator=g) * 5.0}
    policy = StoreMLPPolicy([g], 1, LEAD_TIME, (32, 32, 32), torch.tensor([5.0]))
    h, p = torch.tensor(1.0), torch.tensor(9.0)
    rollout = lambda pol, b: simulate(pol, b["demand"], b["state"], h, p, False)  # noqa: E731
    return policy, rollout, batch


@pytest.mark.parametrize("simulate", [simulate_stores_mlp, simulate_stores], ids=["handwritten_bptt", "autograd"])
def test_hdpo_forward_backward_speed(benchmark, simulate):
    policy, rollout, batch = _setup(simulate)

    def step():
        policy.zero_grad(set_to_none=True)
        hdpo_loss(policy, rollout, batch).backward()

    benchmark(step)
    benchmark.extra_info["scenario_periods_per_step"] = BATCH * PERIODS
    if benchmark.stats is not None:
        benchmark.extra_info["scenario_periods_per_s"] = BATCH * PERIODS / benchmark.stats.stats.mean
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in policy.parameters())


def test_hdpo_forward_only_speed(benchmark):
    policy, rollout, batch = _setup()

    def forward():
        with torch.no_grad():
            return rollout(policy, batch)

    costs = benchmark(forward)
    if benchmark.stats is not None:
        benchmark.extra_info["scenario_periods_per_s"] = BATCH * PERIODS / benchmark.stats.stats.mean
    assert costs.shape == (1, BATCH, PERIODS)


def main() -> None:
    """Side-by-side helper: train on the official default instance (32,768 train scenarios, batch 8,192, 50
    periods, dev 32,768 × 100 with 60 warm-up, Adam 3e-3) and print seconds per epoch and the dev cost at the
    epochs the spec's anchor quotes. ``python benchmarks/perf/test_hdpo_speed.py --epochs 300 --device cpu``."""
    import argparse
    import time

    from mdps.inventory.hdpo import evaluate, train_epoch

    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    spec = DemandSpec()
    make = lambda n, t: {"demand": sample_demand(spec, n, 1, t, g)[None].to(args.device),  # noqa: E731
                         "state": (torch.rand(1, n, 1, LEAD_TIME, generator=g) * 5.0).to(args.device)}
    train, dev = make(32768, PERIODS), make(32768, 100)
    policy = StoreMLPPolicy([g], 1, LEAD_TIME, (32, 32, 32), torch.tensor([5.0])).to(args.device)
    h, p = torch.tensor(1.0, device=args.device), torch.tensor(9.0, device=args.device)
    rollout = lambda pol, b: simulate_stores_mlp(pol, b["demand"], b["state"], h, p, False)  # noqa: E731
    optimizer = torch.optim.Adam(policy.parameters(), lr=3e-3)
    train_time = 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_epoch(policy, rollout, train, optimizer, 8192, [g])
        if args.device != "cpu":
            torch.cuda.synchronize()
        train_time += time.perf_counter() - start
        if epoch in (1, 11, 51, 101, 201, 291, args.epochs):
            start = time.perf_counter()
            cost = float(evaluate(policy, rollout, dev, 60)[0])
            forward = 32768 * 100 / (time.perf_counter() - start)
            print(f"epoch {epoch}: dev cost {cost:.4f}, {train_time / epoch:.3f} s/epoch, "
                  f"forward {forward:.3g} scenario-periods/s", flush=True)


if __name__ == "__main__":
    main()
