"""Headline ratios measured round-robin (a check on the pytest-benchmark session).

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/interleaved.py [rounds]

pytest-benchmark times one case after the other, so a load change on a shared machine
between two cases skews their ratio. Here every round times each implementation once
(a block of calls of about 20 ms), so load hits all of them alike; medians and minima
over rounds, ratios to boundcheck.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bench_models as bm  # noqa: E402


def timed(fns: dict, rounds: int) -> dict[str, tuple[float, float]]:
    reps = {}
    for k, f in fns.items():
        f()
        t0 = time.perf_counter()
        f()
        reps[k] = max(1, int(0.02 / max(time.perf_counter() - t0, 1e-7)))
    res: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            t0 = time.perf_counter()
            for _ in range(reps[k]):
                f()
            res[k].append((time.perf_counter() - t0) / reps[k])
    return {k: (float(np.median(v)), float(np.min(v))) for k, v in res.items()}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    A = np.random.default_rng(0).standard_normal((1024, 1024))
    for case, impls in ((bm.SMALL, ["boundcheck", "torch-autograd", "torch-one-at-a-time",
                                    "numpy-naive"]),
                        (bm.DEEP, ["boundcheck", "torch-autograd"]),
                        (bm.WIDE, ["boundcheck", "torch-autograd"])):
        table = {"boundcheck": lambda p, W: bm.boundcheck_step(p, W),
                 "torch-autograd": bm.torch_batched,
                 "torch-one-at-a-time": bm.torch_one_at_a_time,
                 "numpy-naive": bm.naive_numpy_step}
        fns = {}
        for name in impls:
            if name.startswith("torch") and not have_torch:
                continue
            prob, Ws = bm.make(case)
            fns[name] = table[name](prob, Ws)[0]
        fns["A @ B (n=1024)"] = lambda: A @ A
        res = timed(fns, rounds if case is not bm.WIDE else max(5, rounds // 2))
        base_med, base_min = res["boundcheck"]
        mm_med, mm_min = res.pop("A @ B (n=1024)")
        print(f"\n{case.name}: B={case.B} L={case.L} m={case.m} d={case.d} n={case.n}; "
              f"dense matmul {2 * 1024**3 / mm_med / 1e9:.1f} GFLOP/s (median), "
              f"{2 * 1024**3 / mm_min / 1e9:.1f} (best)\n")
        print("| implementation | median | min | ÷ boundcheck (median) | ÷ boundcheck (min) "
              "| GFLOP/s (median) | % of matmul rate |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for k, (med, mn) in sorted(res.items(), key=lambda kv: kv[1][0]):
            gf = case.flops() / med / 1e9
            eff = 100 * gf / (2 * 1024**3 / mm_med / 1e9)
            print(f"| {k} | {med * 1e6:.0f} µs | {mn * 1e6:.0f} µs | {med / base_med:.2f} | "
                  f"{mn / base_min:.2f} | {gf:.1f} | {eff:.0f}% |")


if __name__ == "__main__":
    main()
