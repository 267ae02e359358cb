"""Seed isolation (REVISION-2 §1): a seed's results do not depend on which other seeds share its task.

For every registered experiment (every built-in suite, plus CLAIMBENCH_PLUGINS; CLAIMBENCH_SUITES restricts them)
at the smoke budget: run seed 1 alone, then seeds (0, 1, 2) in one call of ``experiment.run``, and compare seed 1's
metrics and series. They must be bit-identical, except keys under ``timing/`` (wall-clock measurements, not
results; skipped) and experiments that declare ``seed_isolation_rtol`` (a batched float32 kernel whose rounding
depends on the batch shape), compared within that relative tolerance. Select one suite with ``-k <suite>``.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pytest

from benchmarks.registry import Experiment, Result, SuiteLoadError, load_suite, suite_modules

SEED = 1
BATCH = (0, 1, 2)
TIMING_PREFIX = "timing/"


def _experiments() -> list[Any]:
    """One pytest param per registered experiment; a suite that fails to import becomes one failing param."""
    params = []
    for module in suite_modules():
        try:
            suite = load_suite(module)
        except SuiteLoadError as error:
            params.append(pytest.param(None, str(error), id=module))
            continue
        params += [pytest.param(e, None, id=e.name) for e in suite.experiments]
    return params


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One torch thread, as in the executors' workers (and kind to a shared machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _differences(alone: Mapping[str, Any], batched: Mapping[str, Any], rtol: float, what: str) -> Iterator[str]:
    """Human-readable differences between two metric or series dicts, ``timing/`` keys skipped."""
    keys_alone = {k for k in alone if not k.startswith(TIMING_PREFIX)}
    keys_batched = {k for k in batched if not k.startswith(TIMING_PREFIX)}
    if keys_alone != keys_batched:
        yield f"{what} keys differ: only alone {sorted(keys_alone - keys_batched)}, " \
              f"only batched {sorted(keys_batched - keys_alone)}"
    for key in sorted(keys_alone & keys_batched):
        a, b = alone[key], batched[key]
        try:
            x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        except (TypeError, ValueError):  # not numeric (e.g. nested or text): compare as data
            if a != b:
                yield f"{what} {key!r}: {a!r} alone vs {b!r} batched"
            continue
        if x.shape != y.shape:
            yield f"{what} {key!r}: shape {x.shape} alone vs {y.shape} batched"
            continue
        same = np.isclose(x, y, rtol=rtol, atol=0.0, equal_nan=True) if rtol > 0 else \
            (x == y) | (np.isnan(x) & np.isnan(y))
        if not np.all(same):
            index = np.unravel_index(np.argmax(~same), x.shape) if x.ndim else ()
            first, second = float(x[index]), float(y[index])
            relative = abs(first - second) / max(abs(first), abs(second)) if first != second else 0.0
            where = f"[{', '.join(map(str, index))}]" if x.ndim else ""
            yield (f"{what} {key!r}{where}: {first!r} alone vs {second!r} batched (relative {relative:.1e}, "
                   f"{int(np.sum(~same))} of {x.size} differ; tolerance {rtol:g})")


def compare(alone: Result, batched: Result, rtol: float) -> list[str]:
    """Every difference between seed s's result alone and in a batch (empty: isolated)."""
    return [*_differences(alone.metrics, batched.metrics, rtol, "metric"),
            *_differences(alone.series, batched.series, rtol, "series")]


@pytest.mark.parametrize("experiment, load_error", _experiments())
def test_seed_alone_equals_seed_in_a_batch(experiment: Experiment | None, load_error: str | None):
    if experiment is None:
        pytest.fail(load_error)
    assert 0.0 <= experiment.seed_isolation_rtol <= 1e-3, "seed_isolation_rtol is for float rounding only"
    config = experiment.config("smoke")
    (alone,) = experiment.run(config, (SEED,))
    batched = experiment.run(config, BATCH)
    assert len(batched) == len(BATCH)
    problems = compare(alone, batched[BATCH.index(SEED)], experiment.seed_isolation_rtol)
    assert not problems, f"{experiment.name}: seed {SEED} alone vs in {BATCH}:\n" + "\n".join(problems[:12])


def test_compare_skips_timing_and_applies_the_tolerance():
    a = Result({"x": 1.0, "timing/wall_s": 3.0}, {"c": [1.0, 2.0], "timing/steps": [1.0]})
    b = Result({"x": 1.0 + 1e-9, "timing/wall_s": 9.0}, {"c": [1.0, 2.0], "timing/steps": [5.0]})
    assert compare(a, a, 0.0) == []
    assert compare(a, b, 1e-6) == []
    (problem,) = compare(a, b, 0.0)
    assert problem.startswith("metric 'x'") and "relative 1.0e-09" in problem
    c = Result({"x": 1.0, "y": float("nan")}, {"c": [1.0, 2.5]})
    d = Result({"x": 1.0, "y": float("nan")}, {"c": [1.0, 2.0]})
    problems = compare(c, d, 0.0)
    assert len(problems) == 1 and "series 'c'[1]" in problems[0]
    assert compare(Result({"x": 1.0}), Result({"z": 1.0}), 0.0)[0].startswith("metric keys differ")
