"""The only place that turns (seed, stream name) into random generators.

A run's randomness is a function of its seed and a named stream ("data", "init", "eval", ...), never of which
other seeds share its task or of the order runs happen in. Streams are independent: the numpy generator is
``default_rng([seed, stream_id(stream)])`` (a SeedSequence over both words) and the torch generator is seeded
with 63 bits drawn from the same SeedSequence.

    rng = numpy_rng(seed, "instances")
    gens = torch_generators(seeds, "init")      # one per seed, in the order of ``seeds``
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch


def stream_id(stream: str) -> int:
    """A stable 32-bit number for a stream name (sha256 of its UTF-8 bytes)."""
    if not stream:
        raise ValueError("a stream needs a non-empty name")
    return int.from_bytes(hashlib.sha256(stream.encode()).digest()[:4], "little")


def _check_seed(seed: int) -> int:
    value = int(seed)
    if value < 0:
        raise ValueError(f"seeds are non-negative integers, got {seed}")
    return value


def seed_sequence(seed: int, stream: str) -> np.random.SeedSequence:
    """The SeedSequence behind (seed, stream)."""
    return np.random.SeedSequence([_check_seed(seed), stream_id(stream)])


def numpy_rng(seed: int, stream: str) -> np.random.Generator:
    """numpy Generator for (seed, stream)."""
    return np.random.default_rng(seed_sequence(seed, stream))


def torch_seed(seed: int, stream: str) -> int:
    """A 63-bit integer seed for torch, derived from (seed, stream)."""
    return int(seed_sequence(seed, stream).generate_state(1, np.uint64)[0] >> np.uint64(1))


def torch_generator(seed: int, stream: str, device: str | torch.device = "cpu") -> torch.Generator:
    """torch Generator for (seed, stream) on ``device``."""
    return torch.Generator(device=device).manual_seed(torch_seed(seed, stream))


def numpy_rngs(seeds: Sequence[int], stream: str) -> list[np.random.Generator]:
    """One numpy Generator per seed, in the order of ``seeds``."""
    return [numpy_rng(s, stream) for s in seeds]


def torch_generators(seeds: Sequence[int], stream: str, device: str | torch.device = "cpu") -> list[torch.Generator]:
    """One torch Generator per seed, in the order of ``seeds``."""
    return [torch_generator(s, stream, device) for s in seeds]
