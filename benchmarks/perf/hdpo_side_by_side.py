"""HDPO training speed beside the official code (github MatiasAlvo/Neural_inventory_control), paired.

Both train the official default one-store instance (backlogged, Normal(5, 1.6) clipped, h = 1, p = 9, L = 4,
32,768 scenarios × 50 periods, batch 8,192, MLP [32, 32, 32] ELU, Adam 3e-3) with one torch thread; a round runs
``--epochs`` training epochs of each (dev evaluation excluded) in a fresh process, alternating official → ours, and
records each epoch's CPU seconds (``time.process_time``: robust to other load on the machine). The first epoch of
each process is warm-up and dropped. Printed: per round the two medians and their ratio, then the median ratio.

The official checkout needs its own environment (``torch``, ``numpy``, ``pandas``, ``pyyaml``, ``gymnasium``,
``matplotlib``); nothing of its code is copied here — it is imported from ``--official`` in a subprocess::

    python benchmarks/perf/hdpo_side_by_side.py --official /path/to/Neural_inventory_control \\
        --official-python /path/to/venv/bin/python --rounds 6 --epochs 4
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

OFFICIAL = """
import sys, time, yaml, torch
from collections import defaultdict
torch.set_num_threads(1)
from trainer import DataLoader, DatasetCreator, NeuralNetworkCreator, PolicyLoss, Scenario, Simulator, Trainer
setting = yaml.safe_load(open('config_files/settings/one_store_backlogged.yml'))
hyper = yaml.safe_load(open('config_files/policies_and_hyperparams/vanilla_one_store.yml'))
data, problem = setting['params_by_dataset'], setting['problem_params']
observation = defaultdict(lambda: None, setting['observation_params'])
scenario = Scenario(periods=max(data['train']['periods'], data['dev']['periods']), problem_params=problem,
                    store_params=setting['store_params'], warehouse_params=None, echelon_params=None,
                    num_samples=data['train']['n_samples'] + data['dev']['n_samples'],
                    observation_params=observation, seeds=setting['seeds'])
train, _ = DatasetCreator().create_datasets(scenario, split=True, by_sample_indexes=True,
                                            sample_index_for_split=data['dev']['n_samples'])
loader = DataLoader(train, batch_size=data['train']['batch_size'], shuffle=True)
model = NeuralNetworkCreator().create_neural_network(scenario, hyper['nn_params'], device='cpu')
optimizer = torch.optim.Adam(model.parameters(), lr=hyper['optimizer_params']['learning_rate'])
simulator, trainer = Simulator(device='cpu'), Trainer(device='cpu')
for _ in range(int(sys.argv[1])):
    start = time.process_time()
    trainer.do_one_epoch(optimizer, loader, PolicyLoss(), simulator, model, data['train']['periods'], problem,
                         observation, train=True, ignore_periods=data['train']['ignore_periods'])
    print(time.process_time() - start, flush=True)
"""

OURS = """
import sys, time, torch
torch.set_num_threads(1)
from mdps.inventory.demand import DemandSpec, sample_demand
from mdps.inventory.hdpo import train_epoch
from mdps.inventory.policies import StoreMLPPolicy
from mdps.inventory.store_bptt import simulate_stores_mlp
g = torch.Generator().manual_seed(0)
train = {"demand": sample_demand(DemandSpec(), 32768, 1, 50, g)[None],
         "state": torch.rand(1, 32768, 1, 4, generator=g) * 5.0}
policy = StoreMLPPolicy([g], 1, 4, (32, 32, 32), torch.tensor([5.0]))
h, p = torch.tensor(1.0), torch.tensor(9.0)
rollout = lambda pol, b: simulate_stores_mlp(pol, b["demand"], b["state"], h, p, False)
optimizer = torch.optim.Adam(policy.parameters(), lr=3e-3)
for _ in range(int(sys.argv[1])):
    start = time.process_time()
    train_epoch(policy, rollout, train, optimizer, 8192, [g])
    print(time.process_time() - start, flush=True)
"""


def _epoch_seconds(python: str, code: str, cwd: Path, epochs: int) -> float:
    """Median CPU seconds per epoch of one fresh process, its first (warm-up) epoch dropped."""
    out = subprocess.run([python, "-c", code, str(epochs)], cwd=cwd, check=True, capture_output=True, text=True)
    times = [float(line) for line in out.stdout.split()]
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=Path, required=True, help="checkout of the official code")
    parser.add_argument("--official-python", default=sys.executable, help="python of the official code's env")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per process (the first is dropped)")
    args = parser.parse_args()
    if not (args.official / "trainer.py").is_file():
        sys.exit(f"error: {args.official} has no trainer.py (not a checkout of the official code)")
    if args.epochs < 2:
        sys.exit("error: --epochs must be >= 2 (the first epoch is warm-up)")
    root = Path(__file__).resolve().parents[2]
    ratios = []
    for r in range(args.rounds):
        official = _epoch_seconds(args.official_python, OFFICIAL, args.official, args.epochs)
        ours = _epoch_seconds(sys.executable, OURS, root, args.epochs)
        ratios.append(official / ours)
        print(f"round {r + 1}: official {official:.3f} s/epoch, ours {ours:.3f} s/epoch, ratio {ratios[-1]:.2f}",
              flush=True)
    print(f"median ratio official/ours over {args.rounds} rounds: {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}–{max(ratios):.2f})")


if __name__ == "__main__":
    main()
