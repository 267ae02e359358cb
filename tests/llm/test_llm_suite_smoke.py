"""The llm suite end to end at the smoke budget (tiny random model) through the CLI, inline, into a tmp store."""
from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch

from benchmarks.cli import main
from benchmarks.seeding import numpy_rng, torch_generator
from benchmarks.suites.llm.experiments import (
    GPU_SCALE,
    KChoiceConfig,
    NashMDConfig,
    RewardOrderingConfig,
    SameEstimatorsConfig,
)
from llm_bridge.pipelines.gpu_scale import gpu_scale
from llm_bridge.pipelines.settings import GpuScaleSettings


def test_smoke_verify_produces_all_verdicts(tmp_path, capsys):
    store = tmp_path / "llm.sqlite"
    code = main(["verify", "llm", "--budget", "smoke", "--store", str(store), "--executor", "inline", "--json"])
    verdicts = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [v["claim"] for v in verdicts] == ["llm.same_estimators", "llm.k_choice_fixed_point",
                                              "llm.reward_ordering", "llm.nash_md_pg", "llm.gpu_scale",
                                              "llm.kl_gradient_estimators"]
    by_id = {v["claim"]: v for v in verdicts}
    assert by_id["llm.same_estimators"]["verdict"] == "holds"  # an identity: holds even on the tiny model
    for v in verdicts[1:4]:
        assert v["verdict"] in ("holds", "fails", "inconclusive", "invalid")
        assert {"statistic", "value", "ci", "threshold", "paper_value", "details"} <= set(v)
    assert by_id["llm.gpu_scale"]["verdict"] in ("not run", "holds", "fails", "inconclusive")


@pytest.mark.parametrize("cls, field, value", [
    (SameEstimatorsConfig, "beta", 0.0), (KChoiceConfig, "mu", (0.5, 0.5)), (KChoiceConfig, "num_prompts", 13),
    (KChoiceConfig, "shift_check_steps", 1000), (KChoiceConfig, "device", "tpu"), (KChoiceConfig, "train", "adapters"),
    (RewardOrderingConfig, "samples_per_prompt", 1), (RewardOrderingConfig, "betas", ()),
    (NashMDConfig, "betas", (1.5,)), (NashMDConfig, "tau", -1.0), (KChoiceConfig, "pairs", "some"),
    (KChoiceConfig, "plateau_window", 0),
])
def test_bad_configs_raise(cls, field, value):
    with pytest.raises(ValueError):
        cls(**{field: value})


def test_cli_rejects_bad_values_with_exit_2(tmp_path):
    assert main(["run", "llm/k_choice", "--budget", "smoke", "--set", "beta=-1", "--store",
                 str(tmp_path / "s.sqlite"), "--executor", "inline"]) == 2
    assert main(["run", "llm/k_choice", "--budget", "smoke", "--set", "train=adapters", "--store",
                 str(tmp_path / "s.sqlite"), "--executor", "inline"]) == 2


def test_gpu_code_path_runs_on_the_cpu_in_bfloat16():
    """The CUDA experiment's code (bfloat16 weights, its 64-pair batches and 64-sequence throughput batch) on the
    CPU with the tiny model: device and dtype are config fields, and nothing in the path needs CUDA."""
    config = dataclasses.replace(GPU_SCALE.config("smoke"), device="cpu")
    assert (config.dtype, config.batch_pairs, config.throughput_batch) == ("bfloat16", 64, 64)
    settings = GpuScaleSettings.of(config)
    lm = settings.load()
    assert lm.dtype == torch.bfloat16 and next(lm.model.parameters()).dtype == torch.bfloat16
    outcome = gpu_scale(lm, settings, numpy_rng(0, "data"), numpy_rng(0, "throughput"), torch_generator(0, "lora_init"))
    assert outcome.metrics["gpu_available"] == 0.0 and outcome.metrics["timing/logprob_tokens_per_s"] > 0
    assert all(math.isfinite(v) for v in outcome.metrics.values())
    assert outcome.metrics["final_kl/copg"] >= 0
