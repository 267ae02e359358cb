"""Speed of the random-instance sweep: one batched tensor program over 50 instances × 5 seeds × 4 methods,
versus Python loops doing the same work (same data, same epochs, identical results): one instance at a time
(each call still batched over seeds and methods), and one (instance, seed) at a time.

Run with `make bench`; the ratios of the means are the speed-ups of batching (target ≥ 10×).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bandits.copg.offline_training import train_offline_batched
from bandits.problems import BanditBatch, PairDataset, random_instances, sample_pairs_batched

NUM_INSTANCES, SEEDS, PAIRS, BATCH, EPOCHS = 50, 5, 2048, 256, 2
"""The quick budget's sweep shape (50 instances × 5 seeds, 2048 pairs, minibatch 256), two of its 100 epochs."""


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Time what the executors run: one torch thread per worker process."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _setup():
    inst = random_instances(NUM_INSTANCES, np.random.default_rng(0))
    data = sample_pairs_batched(inst.bandits, inst.mu1, inst.mu2, PAIRS, _generators())
    return inst.bandits, data


def _generators():
    return [torch.Generator().manual_seed(s) for s in range(SEEDS)]


def _batched(bandits: BanditBatch, data: PairDataset):
    return train_offline_batched(bandits, data, _generators(), epochs=EPOCHS, batch_size=BATCH, lr=3e-2)


def _per_instance_loop(bandits: BanditBatch, data: PairDataset):
    runs = []
    for i in range(bandits.num_instances):
        one = BanditBatch(bandits.rewards[i:i + 1], bandits.ref_probs[i:i + 1], bandits.beta[i:i + 1],
                          bandits.mask[i:i + 1])
        part = PairDataset(data.first[:, i:i + 1], data.second[:, i:i + 1], data.first_wins[:, i:i + 1])
        runs.append(train_offline_batched(one, part, _generators(), epochs=EPOCHS, batch_size=BATCH, lr=3e-2))
    return runs


def _per_instance_and_seed_loop(bandits: BanditBatch, data: PairDataset):
    runs = []
    for i in range(bandits.num_instances):
        one = BanditBatch(bandits.rewards[i:i + 1], bandits.ref_probs[i:i + 1], bandits.beta[i:i + 1],
                          bandits.mask[i:i + 1])
        for s, generator in enumerate(_generators()):
            part = PairDataset(data.first[s:s + 1, i:i + 1], data.second[s:s + 1, i:i + 1],
                               data.first_wins[s:s + 1, i:i + 1])
            runs.append(train_offline_batched(one, part, [generator], epochs=EPOCHS, batch_size=BATCH, lr=3e-2))
    return runs


def test_random_sweep_batched(benchmark):
    bandits, data = _setup()
    run = benchmark(_batched, bandits, data)
    assert run.regret["copg"].shape == (SEEDS, NUM_INSTANCES, EPOCHS + 1)


def test_random_sweep_per_instance_loop(benchmark):
    bandits, data = _setup()
    runs = benchmark.pedantic(_per_instance_loop, args=(bandits, data), rounds=3, iterations=1)
    assert len(runs) == NUM_INSTANCES


def test_random_sweep_per_instance_and_seed_loop(benchmark):
    bandits, data = _setup()
    runs = benchmark.pedantic(_per_instance_and_seed_loop, args=(bandits, data), rounds=1, iterations=1)
    assert len(runs) == NUM_INSTANCES * SEEDS


def main() -> None:
    """Drift-robust ratio: batched, loop, batched, … in one process; the loop's time over the mean of the batched
    runs on either side, per pair. ``python benchmarks/perf/test_copg_batched_sweep.py [pairs]``."""
    import statistics
    import sys
    import time

    torch.set_num_threads(1)
    bandits, data = _setup()
    _batched(bandits, data), _per_instance_loop(bandits, data)  # warm-up

    def timed(fn) -> float:
        start = time.perf_counter()
        fn(bandits, data)
        return time.perf_counter() - start

    ratios, batched, loops = [], [], []
    for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 9):
        before, loop, after = timed(_batched), timed(_per_instance_loop), timed(_batched)
        ratios.append(loop / ((before + after) / 2))
        batched += [before, after]
        loops.append(loop)
    print(f"batched median {statistics.median(batched):.3f} s, per-instance loop median "
          f"{statistics.median(loops):.3f} s, paired ratio median {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
