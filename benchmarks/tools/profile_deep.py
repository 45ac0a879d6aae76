"""What bounds the deep regime (one instance, L=100, m=d=n=32): a breakdown.

    OPENBLAS_NUM_THREADS=1 python benchmarks/profile_deep.py

Times, interleaved round by round (medians, so load changes hit all rows alike):
the full ``BatchedGD.step``; the same 3L-1 ``dgemm`` calls on the same buffers with no
other work; one 32^3 ``dgemm`` and one 32^3 ``np.matmul``; and ``A @ B`` at n=1024.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy.linalg.blas import dgemm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_models import DEEP, make  # noqa: E402

from boundcheck.model import kernels  # noqa: E402


def main(rounds: int = 40) -> None:
    prob, Ws = make(DEEP)
    ws = kernels.BatchedGD(prob, Ws)
    ws.step(1e-4)
    bufs = ws._bufs[DEEP.n]
    P, plan = bufs["P"], bufs["plan"]
    P0 = ws.Xin
    L = DEEP.L

    outs = P[1:] + [bufs["R"]]

    def bare() -> None:   # the same BLAS calls, nothing else
        for i in range(L):
            dgemm(1.0, (P0 if i == 0 else P[i]).T, ws.Ws[i].T, 0.0, outs[i].T, overwrite_c=1)
        for i in range(L - 1, -1, -1):
            W, G, _, ST, nxt = plan[i]
            if i:
                dgemm(1.0, W.T, ST.T, 0.0, nxt.T, overwrite_c=1)
            dgemm(1.0, (P0 if i == 0 else P[i]).T, ST.T, 0.0, G.T, trans_a=1, trans_b=1,
                  overwrite_c=1)

    a = np.asfortranarray(np.random.default_rng(0).random((32, 32)))
    b, c = a.copy(order="F"), a.copy(order="F")
    ac, bc, cc = np.ascontiguousarray(a), np.ascontiguousarray(b), np.empty((32, 32))
    A = np.random.default_rng(1).random((1024, 1024))
    Bm = A.copy()

    def one_dgemm() -> None:
        for _ in range(300):
            dgemm(1.0, a, b, 0.0, c, overwrite_c=1)

    def one_matmul() -> None:
        for _ in range(300):
            np.matmul(ac, bc, out=cc)

    fns = {"BatchedGD.step (deep)": (lambda: ws.step(1e-9), 1),
           "its 299 dgemm calls, bare": (bare, 1),
           "dgemm 32^3 (x300)": (one_dgemm, 300),
           "np.matmul 32^3 (x300)": (one_matmul, 300),
           "A @ B, n=1024": (lambda: A @ Bm, 1)}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, (f, _) in fns.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    med = {k: float(np.median(v)) for k, v in times.items()}
    rate = 2 * 1024**3 / med["A @ B, n=1024"] / 1e9
    flops = DEEP.flops()
    print(f"dense matmul rate (n=1024): {rate:.1f} GFLOP/s")
    print("| what | median | GFLOP/s |")
    print("|---|---:|---:|")
    print(f"| BatchedGD.step, L=100, m=32 | {med['BatchedGD.step (deep)'] * 1e6:.0f} µs | "
          f"{flops / med['BatchedGD.step (deep)'] / 1e9:.1f} |")
    bare_t = med["its 299 dgemm calls, bare"]
    print(f"| the step's 299 dgemm calls alone | {bare_t * 1e6:.0f} µs | "
          f"{flops / bare_t / 1e9:.1f} |")
    for k in ("dgemm 32^3 (x300)", "np.matmul 32^3 (x300)"):
        t = med[k] / 300
        print(f"| one {k.split(' (')[0]} | {t * 1e6:.2f} µs | {2 * 32**3 / t / 1e9:.1f} |")
    print(f"| 299 products of 32^3 at the n=1024 rate | {flops / rate / 1e3:.0f} µs "
          f"| {rate:.1f} |")


if __name__ == "__main__":
    main()
