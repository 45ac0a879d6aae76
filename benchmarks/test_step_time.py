"""GD step time: boundcheck's kernels against what users would otherwise run.

Run all cases in ONE session so that the ratios hold on a noisy machine::

    python -m pytest benchmarks/ --benchmark-only --benchmark-json=bench.json
    python benchmarks/tools/report.py bench.json        # tables + docs/figures/step_time.png

PyTorch cases need the optional extra (``pip install ".[bench-torch]"``) and skip
without it. Every implementation is first checked to take the same step as
``boundcheck.model.kernels.gd_step`` (relative 1e-10) before it is timed.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from bench_models import (
    DEEP,
    ETA,
    SMALL,
    WIDE,
    Case,
    boundcheck_allocating,
    boundcheck_per_instance_blas,
    boundcheck_step,
    einsum_step,
    make,
    naive_numpy_step,
    torch_batched,
    torch_one_at_a_time,
)

from boundcheck.model import kernels

TORCH_REASON = "PyTorch not installed: pip install '.[bench-torch]' (torch==2.13.0)"

IMPLS = {
    "boundcheck": lambda p, W: boundcheck_step(p, W),
    "boundcheck-numpy-matmul": lambda p, W: boundcheck_step(p, W, blas=False),
    "boundcheck-per-instance-blas": boundcheck_per_instance_blas,
    "boundcheck-gd_step-allocating": boundcheck_allocating,
    "numpy-einsum": einsum_step,
    "numpy-naive": naive_numpy_step,
    "torch-autograd": torch_batched,
    "torch-one-at-a-time": torch_one_at_a_time,
}


def _impl(name: str):
    if name.startswith("torch"):
        torch = pytest.importorskip("torch", reason=TORCH_REASON)
        torch.manual_seed(0)
    return IMPLS[name]


def _check_same_step(case: Case, name: str) -> None:
    prob, Ws = make(case)
    ref = kernels.gd_step(prob, Ws, ETA)
    step, weights = _impl(name)(prob, Ws)
    step()
    for a, b in zip(weights(), ref, strict=True):
        assert np.linalg.norm(np.asarray(a) - b) <= 1e-10 * np.linalg.norm(b), name


def _run(benchmark, case: Case, name: str, group: str, target: float = 0.02) -> None:
    _check_same_step(case, name)
    prob, Ws = make(case)
    step, _ = _impl(name)(prob, Ws)
    step()
    t0 = time.perf_counter()
    step()
    t1 = max(time.perf_counter() - t0, 1e-6)
    iterations = max(1, int(target / t1))
    rounds = int(min(60, max(5, 1.5 / (t1 * iterations))))
    benchmark.group = group
    benchmark.extra_info.update(case=case.name, impl=name, B=case.B, L=case.L, m=case.m,
                                d=case.d, n=case.n, flops=case.flops())
    benchmark.pedantic(step, rounds=rounds, iterations=iterations, warmup_rounds=1)


# ------------------------------------------------------------------ the three regimes
@pytest.mark.parametrize("name", ["boundcheck", "torch-autograd", "torch-one-at-a-time",
                                  "numpy-naive", "boundcheck-gd_step-allocating",
                                  "numpy-einsum", "boundcheck-per-instance-blas"])
def test_small_batched(benchmark, name):
    _run(benchmark, SMALL, name, "small: 64 instances, L=20, m=16, d=8, n=8")


@pytest.mark.parametrize("name", ["boundcheck", "torch-autograd", "numpy-naive",
                                  "boundcheck-gd_step-allocating", "boundcheck-numpy-matmul",
                                  "numpy-einsum"])
def test_deep(benchmark, name):
    _run(benchmark, DEEP, name, "deep: 1 instance, L=100, m=d=n=32")


@pytest.mark.parametrize("name", ["boundcheck", "torch-autograd", "numpy-naive",
                                  "boundcheck-gd_step-allocating", "boundcheck-numpy-matmul"])
def test_wide(benchmark, name):
    _run(benchmark, WIDE, name, "wide: 1 instance, L=8, m=d=n=512", target=0.0)


def test_dense_matmul_rate(benchmark):
    """The machine's dense matmul rate, ``A @ B`` at n = 1024 (numpy, float64)."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((1024, 1024)), rng.standard_normal((1024, 1024))
    benchmark.group = "dense matmul: A @ B, n=1024"
    benchmark.extra_info.update(case="matmul1024", impl="numpy A@B", flops=2 * 1024**3)
    benchmark.pedantic(lambda: A @ B, rounds=15, iterations=1, warmup_rounds=1)


# ------------------------------------------------------------------ sweeps for the plot
DEPTHS = [4, 8, 16, 32, 64, 128]
WIDTHS = [16, 32, 64, 128, 256, 512]


@pytest.mark.parametrize("name", ["boundcheck", "torch-autograd"])
@pytest.mark.parametrize("L", DEPTHS)
def test_sweep_depth(benchmark, name, L):
    _run(benchmark, Case(f"depth-L{L}", B=0, L=L, m=32, d=32, n=32), name,
         "sweep depth: 1 instance, m=d=n=32", target=0.01)


@pytest.mark.parametrize("name", ["boundcheck", "torch-autograd"])
@pytest.mark.parametrize("m", WIDTHS)
def test_sweep_width(benchmark, name, m):
    _run(benchmark, Case(f"width-m{m}", B=0, L=8, m=m, d=m, n=m), name,
         "sweep width: 1 instance, L=8, d=n=m", target=0.01)
