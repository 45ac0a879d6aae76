"""Validated gradient-flow enclosures on [0, 4] at the issue-13 target sizes.

* scalar reduction T3 from ZAS (c = 2): L = 10, 100, 1000;
* full matrix flow from ZAS: (L, d) = (5, 2) and (20, 1) (L d^2 = 20).

``python -m pytest benchmarks/bench_flow_enclosure.py --benchmark-only`` (pytest-benchmark,
one round each), or ``python benchmarks/bench_flow_enclosure.py [--quick]`` to print wall
time, steps and the achieved relative radius ``max rad / max(1, |mid|)`` of the final state.
Target: relative radius <= 1e-8.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boundcheck.certify.flow_enclosure import (  # noqa: E402
    FlowEnclosure,
    enclose_flow,
    enclose_scalar_zas,
    relative_radius,
)
from boundcheck.model import residual as rs  # noqa: E402

T_END = 4.0
SCALAR = [10, 100, 1000]
MATRIX = [(5, 2), (20, 1)]


def scalar_case(L: int) -> FlowEnclosure:
    return enclose_scalar_zas(2.0, L, T_END, order=12)


def matrix_case(L: int, d: int) -> FlowEnclosure:
    Phi = np.round(np.random.default_rng(1).standard_normal((d, d)), 3)
    return enclose_flow(rs.zas_init(L, d), Phi, T_END, order=16)


@pytest.mark.parametrize("L", SCALAR)
def test_scalar(benchmark, L: int) -> None:
    enc = benchmark.pedantic(scalar_case, args=(L,), rounds=1, iterations=1)
    assert enc.complete and relative_radius(enc.final) <= 1e-8


@pytest.mark.parametrize(("L", "d"), MATRIX)
def test_matrix(benchmark, L: int, d: int) -> None:
    enc = benchmark.pedantic(matrix_case, args=(L, d), rounds=1, iterations=1)
    assert enc.complete and relative_radius(enc.final) <= 1e-8


def _report(name: str, fn, *args) -> None:
    t = time.perf_counter()
    enc = fn(*args)
    wall = time.perf_counter() - t
    print(f"{name:<22} complete={enc.complete!s:<5} steps={len(enc.steps):>6} "
          f"wall={wall:8.2f}s  rel.radius={relative_radius(enc.final):.2e}", flush=True)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for L in SCALAR[:2] if quick else SCALAR:
        _report(f"scalar L={L}", scalar_case, L)
    for L, d in MATRIX[1:] if quick else MATRIX:
        _report(f"matrix L={L}, d={d}", matrix_case, L, d)
