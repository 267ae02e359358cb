"""Actor and critic: small MLPs over the observation feature indices.

The feature indices (FourRooms: 52 of 314; GoToLocal: 54 of ``babyai.NUM_FEATURES``) are scattered into a one-hot
(multi-hot) vector and fed to a linear layer (on CPU this is ~2.5× faster to train than the equivalent
``nn.EmbeddingBag`` sum, whose backward is slow). The defaults are FourRooms'.
"""
from __future__ import annotations

import torch
from torch import nn

from mdps.minigrid.envs import FEATURES_PER_OBS, NUM_ACTIONS, NUM_FEATURES


class MLP(nn.Module):
    """features (B, F) int64 → multi-hot (B, num_features) → tanh(linear) → tanh(linear) → linear → (B, outputs)."""

    def __init__(self, outputs: int, hidden: int = 64, num_features: int = NUM_FEATURES) -> None:
        super().__init__()
        self.num_features = num_features
        self.body = nn.Sequential(nn.Linear(num_features, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                  nn.Linear(hidden, outputs))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        multi_hot = torch.zeros(features.shape[0], self.num_features).scatter_(1, features, 1.0)
        return self.body(multi_hot)


class ActorCritic(nn.Module):
    """Separate actor (logits over left/right/forward) and critic (state value) networks."""

    def __init__(self, hidden: int = 64, generator: torch.Generator | None = None, num_features: int = NUM_FEATURES,
                 features_per_obs: int = FEATURES_PER_OBS) -> None:
        super().__init__()
        self.actor = MLP(NUM_ACTIONS, hidden, num_features)
        self.critic = MLP(1, hidden, num_features)
        if generator is not None:  # seed-determined initialisation independent of the global RNG
            with torch.no_grad():
                for parameter in self.parameters():
                    if parameter.dim() > 1:
                        fan_in = features_per_obs if parameter.shape[1] == num_features else parameter.shape[1]
                        bound = 1.0 / fan_in ** 0.5
                        parameter.copy_(torch.empty_like(parameter).uniform_(-bound, bound, generator=generator))
                    else:
                        parameter.zero_()
                self.actor.body[-1].weight.mul_(0.01)

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.actor(features)

    def value(self, features: torch.Tensor) -> torch.Tensor:
        return self.critic(features).squeeze(-1)
