"""A template paper plugin: one result, registered on import.

Copy this file and ``pyproject.toml`` into a repository of your own, rename the paper, and
encode your results the same way (``docs/encoding.md`` walks through a real one). The module
uses only boundcheck's public API: results as data, conditions in the backend vocabulary
``ops``, so the same code runs in float64 and in certified ball arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition

PAPER = "example"


def _sample(rng: np.random.Generator, p: Params) -> Instance:
    m, k, n = (int(x) for x in rng.integers(2, p["max_dim"] + 1, size=3))
    scale = 2.0 ** int(rng.integers(-8, 9))
    return {"A": scale * rng.standard_normal((m, k)), "B": rng.standard_normal((k, n))}


def _conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    A, B = ops.asarray(inst["A"]), ops.asarray(inst["B"])
    lhs = ops.fro_norm(ops.matmul(A, B))
    rhs = ops.scalar(p["c"]) * ops.fro_norm(A) * ops.fro_norm(B)
    return [Condition("||AB||_F <= c ||A||_F ||B||_F", lhs, "<=", rhs)]


register(Result(
    id="example.submult",
    title="Submultiplicativity of the Frobenius norm",
    source=Source(PAPER, "§1", "eq. (1)"),
    statement=r"\|AB\|_F \le \|A\|_F\,\|B\|_F",
    kind="inequality",
    check=Deterministic(_sample, lambda i, o, p: [], _conclusions),
    params={"max_dim": 4, "c": 1.0},
    broken={"c": 0.5},
    instances=20,
    certifiable=True,
    notes="Template plugin result (examples/plugin). Equality needs rank-one products; "
          "k >= 2 Gaussian factors keep the check decidable.",
))
