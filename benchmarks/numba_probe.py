"""Throwaway measurement: a fused numba kernel against BatchedGD (numba is NOT a dependency).

Run in a scratch venv that has numba (same numpy), from the repository root:

    python -m venv /tmp/nbvenv && /tmp/nbvenv/bin/pip install numba numpy scipy
    OPENBLAS_NUM_THREADS=1 /tmp/nbvenv/bin/python benchmarks/numba_probe.py

Plain model with all widths m (d = m), shared X; one GD step per call; medians of
interleaved rounds. The kernel is the same O(L) algorithm written as loops (prefix
products kept, suffix accumulated, the update fused into the gradient loop), serial and
with ``prange`` over the batch.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def cmp(fns, rounds=30, number=1):
    res = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            res[k].append((time.perf_counter() - t0) / number)
    return {k: (float(np.median(v)), float(np.min(v))) for k, v in res.items()}


def show(res):
    base = min(m for m, _ in res.values())
    for k, (med, mn) in res.items():
        print(f"  {k:20s} median {med * 1e6:9.1f} us  min {mn * 1e6:9.1f} us  "
              f"x{med / base:.2f}")


def make_kernel(parallel):
    from numba import njit, prange

    @njit(parallel=parallel, cache=False)
    def step(W, X, Y, eta, P, S, S2):
        L, B, m, _ = W.shape
        n = X.shape[1]
        for b in prange(B):
            for i in range(m):
                for c in range(n):
                    P[b, 0, i, c] = X[i, c]
            for k in range(L):
                for i in range(m):
                    for c in range(n):
                        P[b, k + 1, i, c] = 0.0
                    for j in range(m):
                        w = W[k, b, i, j]
                        for c in range(n):
                            P[b, k + 1, i, c] += w * P[b, k, j, c]
            # S = eta*(P_L - Y)  (m x n)
            for i in range(m):
                for c in range(n):
                    S[b, i, c] = eta * (P[b, L, i, c] - Y[i, c])
            for k in range(L - 1, -1, -1):
                if k > 0:
                    # S2 = W_k^T S
                    for j in range(m):
                        for c in range(n):
                            S2[b, j, c] = 0.0
                    for i in range(m):
                        for j in range(m):
                            w = W[k, b, i, j]
                            for c in range(n):
                                S2[b, j, c] += w * S[b, i, c]
                # W_k -= S P_k^T
                for i in range(m):
                    for j in range(m):
                        acc = 0.0
                        for c in range(n):
                            acc += S[b, i, c] * P[b, k, j, c]
                        W[k, b, i, j] -= acc
                if k > 0:
                    for j in range(m):
                        for c in range(n):
                            S[b, j, c] = S2[b, j, c]
    return step

def main() -> None:
    import numba

    from boundcheck.kernels import BatchedGD
    from boundcheck.problem import Problem

    rng = np.random.default_rng(0)
    for B, L, m, n in [(64, 20, 16, 8), (1, 100, 32, 32)]:
        X = rng.standard_normal((m, n)) / np.sqrt(n)
        Y = rng.standard_normal((m, n)) / np.sqrt(n)
        W0 = np.eye(m) + 0.01 * rng.standard_normal((L, B, m, m))
        prob = Problem(X=X, Y=Y, dims=(m,) * (L + 1))
        start = W0 if B > 1 else W0[:, 0]
        P = np.empty((B, L + 1, m, n))
        S = np.empty((B, m, n))
        S2 = np.empty((B, m, n))
        serial, par = make_kernel(False), make_kernel(True)
        Wn, Wp, ws = W0.copy(), W0.copy(), BatchedGD(prob, start)
        for _ in range(3):
            serial(Wn, X, Y, 1e-4, P, S, S2)
            par(Wp, X, Y, 1e-4, P, S, S2)
            ws.step(1e-4)
        print(f"B={B} L={L} m={m} n={n} numba threads={numba.get_num_threads()}; max |diff| "
              f"{np.max(np.abs(Wn.reshape(ws.stack.shape) - ws.stack)):.1e}")
        show(cmp({"numpy BatchedGD": lambda ws=ws: ws.step(1e-6),
                  "numba serial": lambda k=serial, W=Wn, a=(X, Y, 1e-6, P, S, S2): k(W, *a),
                  "numba prange": lambda k=par, W=Wp, a=(X, Y, 1e-6, P, S, S2): k(W, *a)},
                 rounds=60, number=5))


if __name__ == "__main__":
    main()
