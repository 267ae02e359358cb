"""HDPO — Hindsight Differentiable Policy Optimization (Alvo, Russo, Kanoria 2023, §4, Alg. 1).

For a deterministic policy π_θ and sampled demand paths ξ (fixed scenario sets), the loss is the average cost

    J(θ) = (1 / (B·T·S)) Σ_b Σ_t c_t(x_t(θ, ξ_b), π_θ(x_t(θ, ξ_b)), ξ_b),

and its pathwise gradient ∇_θ J is obtained by one backward pass through the whole simulation (min / max /
clip are used as they are, with autograd's subgradients) (paper eq. (4)). Parameters are updated by Adam;
every ``eval_every`` epochs the dev-set cost (warm-up periods excluded) is measured and each model keeps the
parameters of its best dev cost (model selection). M models (seeds × instances) train together; each has its
own scenario sets, initial parameters and minibatch order, all from its own generator. Training stops at an epoch
cap or, with a ``PlateauRule``, for each model at the checkpoint where its best dev cost has plateaued (its
selected parameters and curve end there; the batch runs until every model has stopped).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from mdps.inventory.plateau import PlateauRule

Data = Mapping[str, torch.Tensor]
Rollout = Callable[[nn.Module, Data], torch.Tensor]


@dataclass
class TrainingRun:
    """Learning curves (one row per checkpoint, one column per model) and the selected dev costs."""

    epochs: list[int]
    """Epochs completed at each checkpoint (0 = before training)."""
    simulated_periods: list[int]
    """Scenario-periods simulated in training per model at each checkpoint."""
    dev_cost: torch.Tensor
    """(checkpoints, M) dev cost per period per store (warm-up excluded)."""
    best_dev_cost: torch.Tensor
    """(M,) the dev cost of the selected parameters (loaded into the policy)."""
    stop: torch.Tensor
    """(M,) index of each model's last checkpoint (where its plateau rule triggered, or the epoch cap)."""
    plateaued: torch.Tensor
    """(M,) bools: the plateau rule triggered (False: stopped by the epoch cap)."""

    def curve(self, model: int) -> list[float]:
        """Model ``model``'s dev costs up to its last checkpoint."""
        return self.dev_cost[: int(self.stop[model]) + 1, model].tolist()

    def checkpoints(self, model: int, values: list[int]) -> list[float]:
        """``values`` (e.g. ``epochs`` or ``simulated_periods``) up to model ``model``'s last checkpoint."""
        return [float(v) for v in values[: int(self.stop[model]) + 1]]

    def stop_epoch(self, model: int) -> float:
        """The epoch at which model ``model`` stopped."""
        return float(self.epochs[int(self.stop[model])])


def num_scenarios(data: Data) -> int:
    return next(iter(data.values())).shape[1]


def minibatches(data: Data, batch_size: int, generators: Sequence[torch.Generator]) -> list[dict[str, torch.Tensor]]:
    """One epoch: each model's scenarios in its own random order (from its generator), cut into minibatches."""
    n = num_scenarios(data)
    order = torch.stack([torch.randperm(n, generator=g) for g in generators])
    rows = torch.arange(len(generators))[:, None]
    return [{k: v[rows, order[:, i:i + batch_size]] for k, v in data.items()} for i in range(0, n, batch_size)]


def evaluate(policy: nn.Module, rollout: Rollout, data: Data, warmup: int, stores: int = 1,
             chunk: int = 8192) -> torch.Tensor:
    """(M,) average cost per period per store over periods >= warmup, without gradients."""
    n = num_scenarios(data)
    total = None
    with torch.no_grad():
        for i in range(0, n, chunk):
            costs = rollout(policy, {k: v[:, i:i + chunk] for k, v in data.items()})
            part = costs[..., warmup:].sum(dim=(1, 2))
            total = part if total is None else total + part
    periods = costs.shape[-1] - warmup
    return total / (n * periods * stores)


def evaluate_per_scenario(policy: nn.Module, rollout: Rollout, data: Data, warmup: int, stores: int = 1,
                          chunk: int = 8192) -> torch.Tensor:
    """(M, N) each scenario's average cost per period per store over periods >= warmup, without gradients (the
    scenarios are independent, so their spread gives the standard error of ``evaluate``'s mean)."""
    n = num_scenarios(data)
    parts = []
    with torch.no_grad():
        for i in range(0, n, chunk):
            costs = rollout(policy, {k: v[:, i:i + chunk] for k, v in data.items()})
            parts.append(costs[..., warmup:].mean(dim=-1) / stores)
    return torch.cat(parts, dim=1)


def _snapshot(policy: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in policy.parameters()]


def _keep_best(best: list[torch.Tensor], policy: nn.Module, improved: torch.Tensor) -> None:
    for b, p in zip(best, policy.parameters()):
        mask = improved.reshape((-1,) + (1,) * (p.dim() - 1))
        b.copy_(torch.where(mask, p.detach(), b))


def hdpo_loss(policy: nn.Module, rollout: Rollout, batch: Data, stores: int = 1) -> torch.Tensor:
    """Σ over models of each model's mean cost per period per store (every period, as the official code)."""
    costs = rollout(policy, batch)
    return costs.sum() / (costs.shape[1] * costs.shape[2] * stores)


def train_epoch(policy: nn.Module, rollout: Rollout, train: Data, optimizer: torch.optim.Optimizer,
                batch_size: int, generators: Sequence[torch.Generator], stores: int = 1,
                loss_fn: Callable[[nn.Module, Data], torch.Tensor] | None = None) -> None:
    """One pass over the training scenarios: per minibatch, one simulation, one backward pass, one Adam step."""
    for batch in minibatches(train, batch_size, generators):
        optimizer.zero_grad(set_to_none=True)
        loss = hdpo_loss(policy, rollout, batch, stores) if loss_fn is None else loss_fn(policy, batch)
        loss.backward()
        optimizer.step()


def train_hdpo(policy: nn.Module, rollout: Rollout, train: Data, dev: Data, generators: Sequence[torch.Generator],
               epochs: int, batch_size: int, lr: float, dev_warmup: int, eval_every: int = 1,
               stores: int = 1, loss_fn: Callable[[nn.Module, Data], torch.Tensor] | None = None,
               plateau: PlateauRule | None = None) -> TrainingRun:
    """Train ``policy`` in place with Adam on the pathwise gradient; load each model's best-dev parameters.

    ``rollout(policy, batch) -> costs (M, B, T)``; the training loss averages every period (as the official
    code does); ``loss_fn`` overrides the loss (REINFORCE reuses this loop with its surrogate loss). ``epochs``
    is the cap; with ``plateau`` a model stops at the checkpoint where the rule triggers (later parameters are
    never selected) and the loop ends when every model has stopped.
    """
    if epochs < 0 or batch_size < 1 or eval_every < 1 or not lr > 0:
        raise ValueError(f"bad training settings: epochs={epochs}, batch_size={batch_size}, lr={lr}, "
                         f"eval_every={eval_every}")
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    n, periods = num_scenarios(train), train["demand"].shape[-1]
    batch_size = min(batch_size, n)
    dev_now = evaluate(policy, rollout, dev, dev_warmup, stores)
    best_cost, best_params = dev_now.clone(), _snapshot(policy)
    epochs_done, simulated, curve, best_curve = [0], [0], [dev_now], [best_cost.clone()]
    active = torch.ones_like(best_cost, dtype=torch.bool)
    plateaued = torch.zeros_like(active)
    stop = torch.zeros(best_cost.shape, dtype=torch.long)
    for epoch in range(1, epochs + 1):
        train_epoch(policy, rollout, train, optimizer, batch_size, generators, stores, loss_fn)
        if epoch % eval_every == 0 or epoch == epochs:
            dev_now = evaluate(policy, rollout, dev, dev_warmup, stores)
            improved = (dev_now < best_cost) & active
            best_cost = torch.where(improved, dev_now, best_cost)
            _keep_best(best_params, policy, improved)
            epochs_done.append(epoch)
            simulated.append(epoch * n * periods)
            curve.append(dev_now)
            best_curve.append(best_cost.clone())
            stop = torch.where(active, len(curve) - 1, stop)
            if plateau is not None:
                newly = plateau.reached(torch.stack(best_curve)) & active
                plateaued |= newly
                active &= ~newly
                if not active.any():
                    break
    with torch.no_grad():
        for p, b in zip(policy.parameters(), best_params):
            p.copy_(b)
    return TrainingRun(epochs_done, simulated, torch.stack(curve), best_cost, stop, plateaued)
