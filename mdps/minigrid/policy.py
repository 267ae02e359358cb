"""Actor and critic: small MLPs over the 52 observation feature indices.

The first layer is a sum-embedding (``nn.EmbeddingBag(mode="sum")``), which equals a linear layer applied to
the one-hot encoding of the observation, at the cost of 52 lookups instead of a 314-wide matmul.
"""
from __future__ import annotations

import torch
from torch import nn

from mdps.minigrid.envs import NUM_ACTIONS, NUM_FEATURES


class MLP(nn.Module):
    """features (B, 52) int64 → tanh(embed-sum + b) → tanh(linear) → linear → (B, outputs)."""

    def __init__(self, outputs: int, hidden: int = 64) -> None:
        super().__init__()
        self.embed = nn.EmbeddingBag(NUM_FEATURES, hidden, mode="sum")
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.body = nn.Sequential(nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, outputs))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.body(self.embed(features) + self.bias)


class ActorCritic(nn.Module):
    """Separate actor (logits over left/right/forward) and critic (state value) networks."""

    def __init__(self, hidden: int = 64, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.actor = MLP(NUM_ACTIONS, hidden)
        self.critic = MLP(1, hidden)
        if generator is not None:  # seed-determined initialisation independent of the global RNG
            with torch.no_grad():
                for parameter in self.parameters():
                    if parameter.dim() > 1:
                        bound = 1.0 / parameter.shape[1] ** 0.5
                        parameter.copy_(torch.empty_like(parameter).uniform_(-bound, bound, generator=generator))
                    else:
                        parameter.zero_()
                self.actor.body[-1].weight.mul_(0.01)

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.actor(features)

    def value(self, features: torch.Tensor) -> torch.Tensor:
        return self.critic(features).squeeze(-1)
