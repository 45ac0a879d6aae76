"""Counterexample search and shrinking to a minimal instance.

Results expose their instance sizes as ``*_choices`` parameters (lists of ints, e.g.
``L_choices``, ``m_choices``); the sampler draws from them. Shrinking pins every such
parameter to one value and tries size combinations in increasing order (by the product of
the values, then lexicographically) until one is refuted: the first hit is the smallest
instance size at which the statement fails, with its seed and counterexample file.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from boundcheck.check.harness import Report, run_result
from boundcheck.check.result import Deterministic, Params, Result
from boundcheck.check.verdict import Verdict


@dataclass
class Shrunk:
    sizes: dict[str, int]
    report: Report
    tried_sizes: int


def size_parameters(result: Result, profile: str = "quick", overrides: Params | None = None
                    ) -> dict[str, list[int]]:
    params = result.resolve_params(profile, overrides)
    return {k: sorted(int(v) for v in vals) for k, vals in params.items()
            if k.endswith("_choices") and isinstance(vals, list | tuple)
            and all(isinstance(v, int) for v in vals)}


def shrink(result: Result, overrides: Params | None = None, seed: int = 0,
           instances_per_size: int = 20, profile: str = "quick",
           counterexample_dir: str | Path | None = None) -> Shrunk | None:
    """The smallest size combination at which ``result`` (with ``overrides``) is refuted."""
    if not isinstance(result.check, Deterministic):
        raise TypeError(f"{result.key}: only deterministic results can be shrunk")
    sizes = size_parameters(result, profile, overrides)
    keys = sorted(sizes)
    combos = sorted(itertools.product(*(sizes[k] for k in keys)),
                    key=lambda c: (math.prod(c), c))
    for n_tried, combo in enumerate(combos, start=1):
        pinned = {**(overrides or {}), **{k: [v] for k, v in zip(keys, combo, strict=True)}}
        rep = run_result(result, instances=instances_per_size, seed=seed, profile=profile,
                         overrides=pinned, counterexample_dir=counterexample_dir)
        if rep.verdict is Verdict.REFUTED:
            return Shrunk(dict(zip(keys, combo, strict=True)), rep, n_tried)
    return None
