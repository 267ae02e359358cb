"""Stored runs as numbers: records → a seeds × keys matrix selected by a key pattern, and one number formatter.

Metric keys carry their coordinates (``final_kl/copg``, ``gap/L4_p39``, ``test_cost/gnn/256``). Instead of
string surgery in every check, a check names the pattern once::

    table = metric_matrix(runs, "gap/L{lead:int}_p{p:int}")
    table.seeds          # [0, 1, 2, ...]
    table.keys           # [{"lead": 1, "p": 4}, ...]   (sorted by the parsed values)
    table.values         # (seeds, keys) float array, NaN where a seed lacks a key
    table.column(lead=4, p=39)

Fields are ``{name}`` (any text without "/"), ``{name:int}`` or ``{name:float}``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.registry import RunRecord
from benchmarks.stats import Estimate

_FIELD = re.compile(r"\{(\w+)(?::(int|float|str))?\}")
_PATTERNS = {"int": r"-?\d+", "float": r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", "str": r"[^/]+", None: r"[^/]+"}
_CASTS = {"int": int, "float": float, "str": str, None: str}


def compile_pattern(pattern: str) -> tuple[re.Pattern[str], dict[str, Any]]:
    """A regex for ``pattern`` and the cast of each of its named fields."""
    parts, casts, last = [], {}, 0
    for match in _FIELD.finditer(pattern):
        parts.append(re.escape(pattern[last:match.start()]))
        name, kind = match.group(1), match.group(2)
        if name in casts:
            raise ValueError(f"field {name!r} appears twice in pattern {pattern!r}")
        parts.append(f"(?P<{name}>{_PATTERNS[kind]})")
        casts[name] = _CASTS[kind]
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts) + r"\Z"), casts


def parse_keys(keys: Iterable[str], pattern: str) -> dict[str, dict[str, Any]]:
    """Every key matching ``pattern`` → its parsed fields, in the order of the parsed values."""
    regex, casts = compile_pattern(pattern)
    found = {}
    for key in keys:
        match = regex.match(key)
        if match:
            found[key] = {name: casts[name](text) for name, text in match.groupdict().items()}
    return dict(sorted(found.items(), key=lambda item: tuple(item[1].values())))


@dataclass(frozen=True)
class MetricMatrix:
    """Metric values of several seeds at several keys: ``values[i, j]`` is seed ``seeds[i]`` at ``keys[j]``."""

    seeds: list[int]
    names: list[str]
    keys: list[dict[str, Any]]
    values: np.ndarray

    def field(self, name: str) -> list[Any]:
        """The value of one pattern field for every column."""
        return [key[name] for key in self.keys]

    def column(self, **fields: Any) -> np.ndarray:
        """The per-seed values of the one column whose fields equal ``fields``."""
        hits = [j for j, key in enumerate(self.keys) if all(key.get(k) == v for k, v in fields.items())]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} columns match {fields} (have {self.keys})")
        return self.values[:, hits[0]]

    def by(self, name: str) -> dict[Any, np.ndarray]:
        """Columns keyed by one field (the pattern must have that field as its only varying one)."""
        return {key[name]: self.values[:, j] for j, key in enumerate(self.keys)}


def metric_matrix(runs: Sequence[RunRecord], pattern: str, source: str = "metrics") -> MetricMatrix:
    """The seeds × keys matrix of every metric (or, with ``source="series"``, the last point of every series)
    whose key matches ``pattern``; seeds in increasing order, keys in the order of their parsed fields."""
    ordered = sorted(runs, key=lambda r: r.seed)
    all_keys: dict[str, None] = {}
    for run in ordered:
        all_keys.update(dict.fromkeys(getattr(run, source)))
    parsed = parse_keys(all_keys, pattern)
    values = np.full((len(ordered), len(parsed)), np.nan)
    for i, run in enumerate(ordered):
        table = getattr(run, source)
        for j, key in enumerate(parsed):
            if key in table:
                item = table[key]
                values[i, j] = float(item[-1] if source == "series" else item)
    return MetricMatrix([r.seed for r in ordered], list(parsed), list(parsed.values()), values)


def by_seed(runs: Sequence[RunRecord]) -> dict[int, RunRecord]:
    """Runs keyed by seed."""
    return {r.seed: r for r in runs}


def values(runs: Sequence[RunRecord], key: str) -> list[float]:
    """One metric of every run, in seed order."""
    return [float(r.metrics[key]) for r in sorted(runs, key=lambda r: r.seed)]


def paired_values(a: Sequence[RunRecord], b: Sequence[RunRecord], key_a: str, key_b: str | None = None
                  ) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Seeds present in both ``a`` and ``b`` and the two metrics on them, in seed order."""
    ra, rb = by_seed(a), by_seed(b)
    seeds = sorted(set(ra) & set(rb))
    return (seeds, np.array([ra[s].metrics[key_a] for s in seeds], dtype=float),
            np.array([rb[s].metrics[key_b or key_a] for s in seeds], dtype=float))


def fmt_number(x: float | None, digits: int = 3, signed: bool = False, scale: float = 1.0, unit: str = "",
               style: str = "g") -> str:
    """One number as text: ``style`` "g" (significant digits) or "f" (fixed decimals); ±inf and NaN spelled."""
    if x is None:
        return "–"
    x = float(x) * scale
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return ("+" if x > 0 else "−") + "∞"
    sign = "+" if signed else ""
    return f"{x:{sign}.{digits}{style}}{unit}"


def fmt(e: Estimate, digits: int = 3, signed: bool = False, scale: float = 1.0, unit: str = "", style: str = "g",
        show_n: bool = False) -> str:
    """An estimate as "value [low, high]" (the single number formatter of every check)."""
    number = dict(digits=digits, signed=signed, scale=scale, style=style)
    text = (f"{fmt_number(e.value, unit=unit, **number)} "
            f"[{fmt_number(e.low, **number)}, {fmt_number(e.high, **number)}]")
    return text + (f" (n={e.n})" if show_n else "")


def fmt_mapping(values: Mapping[str, float], digits: int = 3) -> str:
    """``{"a": 0.1234, ...}`` as "a 0.123, ..."."""
    return ", ".join(f"{k} {fmt_number(v, digits)}" for k, v in values.items())
