"""What each llm pipeline needs to run, validated once (one-line ValueErrors naming the bad value).

No defaults here: the caller (e.g. a benchmark config) owns them and builds the settings with
``Settings.of(config)``, which reads the like-named attributes of any object that has them. Every pipeline's
settings extend :class:`ModelSettings` (which model, where, and which weights train).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

import torch

from bandits.validation import check_full_support, check_positive, check_probabilities
from llm_bridge.logprobs import SequenceBatch
from llm_bridge.models import DTYPES, LoadedModel, check_model_spec, load_model
from llm_bridge.tasks import CATEGORIES, RPS_PROMPTS
from llm_bridge.train import TRAIN_MODES, PoolPolicy

S = TypeVar("S", bound="ModelSettings")
PAIR_MODES = ("sampled", "expected")


def _check_positive(settings: object, *names: str) -> None:
    for name in names:
        check_positive(name, getattr(settings, name))


@dataclass(frozen=True)
class ModelSettings:
    """The model (a spec of :func:`llm_bridge.models.load_model`), its device and dtype, and the training mode
    (full, LoRA of rank ``lora_rank``, or the last ``last_k`` blocks + final norm with cached inputs)."""

    model: str
    device: str
    dtype: str
    train: str
    last_k: int
    lora_rank: int

    @classmethod
    def of(cls: type[S], source: Any) -> S:
        """The settings read off the like-named attributes of ``source``."""
        return cls(**{f.name: getattr(source, f.name) for f in dataclasses.fields(cls)})

    def __post_init__(self) -> None:
        check_model_spec(self.model)
        if not (self.device == "cpu" or self.device.startswith("cuda")):
            raise ValueError(f"device must be cpu or cuda[:N], got {self.device!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.train not in TRAIN_MODES:
            raise ValueError(f"train must be one of {', '.join(TRAIN_MODES)}, got {self.train!r}")
        for name in ("last_k", "lora_rank"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    def load(self) -> LoadedModel:
        """A fresh copy of the model (loaded once per process)."""
        return load_model(self.model, self.device, self.dtype)

    def policy(self, lm: LoadedModel, pool: SequenceBatch, lora_init: torch.Generator | None = None) -> PoolPolicy:
        """``lm`` made trainable on ``pool`` in this training mode (π_ref = the initial weights); ``lora_init``
        draws the LoRA A matrices (lora mode)."""
        return PoolPolicy(lm, pool, self.train, self.last_k, self.lora_rank, generator=lora_init)


@dataclass(frozen=True)
class SameEstimatorsSettings(ModelSettings):
    """Random K-choice pairs on ``num_prompts`` prompts, weights perturbed by N(0, ``perturb``²), β = τ."""

    num_prompts: int
    num_pairs: int
    beta: float
    perturb: float

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive(self, "num_prompts", "num_pairs", "beta", "perturb")


@dataclass(frozen=True)
class KChoiceSettings(ModelSettings):
    """The K-choice task: R ~ U[0, ``reward_high``], pairs from a fixed μ (``pairs``: sampled, ``batch_pairs`` per
    step, or their exact expectation), Adam with clipping until a plateau (``plateau_window`` evaluations,
    ``plateau_tolerance`` in ln KL) or ``steps``."""

    num_prompts: int
    reward_high: float
    beta: float
    shift: float
    mu: tuple[float, ...]
    steps: int
    shift_check_steps: int
    batch_pairs: int
    lr: float
    clip: float
    eval_every: int
    pairs: str
    plateau_window: int
    plateau_tolerance: float

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive(self, "num_prompts", "reward_high", "beta", "steps", "shift_check_steps", "batch_pairs",
                        "lr", "clip", "eval_every", "plateau_window", "plateau_tolerance")
        if self.pairs not in PAIR_MODES:
            raise ValueError(f"pairs must be one of {', '.join(PAIR_MODES)}, got {self.pairs!r}")
        if self.num_prompts > len(CATEGORIES):
            raise ValueError(f"num_prompts must be <= {len(CATEGORIES)}, got {self.num_prompts}")
        check_full_support("mu", check_probabilities("mu", self.mu, size=len(CATEGORIES[0][1])))
        if self.shift_check_steps > self.steps:
            raise ValueError(f"shift_check_steps ({self.shift_check_steps}) must be <= steps ({self.steps})")


@dataclass(frozen=True)
class GpuScaleSettings(KChoiceSettings):
    """The K-choice runs plus a log-prob throughput measurement on batches of ``throughput_batch`` sequences."""

    throughput_batch: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive(self, "throughput_batch")


@dataclass(frozen=True)
class RewardOrderingSettings(ModelSettings):
    """The arithmetic reward: reference samples per training prompt, offline pairs within a prompt, every method at
    every β of ``betas`` (τ = β), ``eval_samples`` own samples per held-out prompt for the reward–KL frontier."""

    num_train_prompts: int
    num_heldout_prompts: int
    samples_per_prompt: int
    eval_samples: int
    max_new_tokens: int
    temperature: float
    betas: tuple[float, ...]
    steps: int
    batch_pairs: int
    lr: float
    clip: float

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive(self, "num_train_prompts", "num_heldout_prompts", "samples_per_prompt", "eval_samples",
                        "max_new_tokens", "temperature", "steps", "batch_pairs", "lr", "clip")
        if not self.betas or any(not b > 0 for b in self.betas):
            raise ValueError(f"betas must be a non-empty tuple of values > 0, got {self.betas}")
        if self.samples_per_prompt < 2:
            raise ValueError(f"samples_per_prompt must be >= 2 (pairs), got {self.samples_per_prompt}")
        if self.num_train_prompts + self.num_heldout_prompts > 81:
            raise ValueError("num_train_prompts + num_heldout_prompts must be <= 81")


@dataclass(frozen=True)
class NashMDSettings(ModelSettings):
    """Nash-MD-PG on rock–paper–scissors: mixtures β, regularisation τ, on-policy samples per prompt; the KL term
    exact over the K moves (``exact_kl``) or sampled."""

    num_prompts: int
    betas: tuple[float, ...]
    tau: float
    steps: int
    samples_per_prompt: int
    lr: float
    clip: float
    eval_every: int
    exact_kl: bool

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive(self, "num_prompts", "tau", "steps", "samples_per_prompt", "lr", "clip", "eval_every")
        if self.num_prompts > len(RPS_PROMPTS):
            raise ValueError(f"num_prompts must be <= {len(RPS_PROMPTS)}, got {self.num_prompts}")
        if not self.betas or any(not 0.0 <= b <= 1.0 for b in self.betas):
            raise ValueError(f"betas must be a non-empty tuple in [0, 1], got {self.betas}")

