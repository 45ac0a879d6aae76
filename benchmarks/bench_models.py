"""Problems and competing GD-step implementations for the step-time benchmarks.

Every implementation does the same thing: one full-batch GD step ``W_i -= eta * grad_i``
on the plain model ``f(x) = W_L ... W_1 x`` with loss ``1/2 ||f(X) - Y||_F^2``, for a
batch of same-shaped instances (stacked arrays, leading batch axis) or one instance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from boundcheck.model import kernels
from boundcheck.model.init import haar_isometry
from boundcheck.model.problem import Problem

ETA = 1e-4
# (step, current weights as numpy arrays)
Impl = tuple[Callable[[], object], Callable[[], list[np.ndarray]]]


@dataclass
class Case:
    name: str
    B: int          # instances (0 = one instance, no batch axis)
    L: int
    m: int          # hidden width
    d: int          # input and output width
    n: int          # samples

    @property
    def dims(self) -> tuple[int, ...]:
        return (self.d,) + (self.m,) * (self.L - 1) + (self.d,)

    def flops(self) -> int:
        """Flops of one step: L forward, L gradient and L-1 backward products, per instance."""
        dims = self.dims
        f = sum(2 * dims[i + 1] * dims[i] * self.n for i in range(self.L))
        return (3 * f - 2 * dims[1] * dims[0] * self.n) * max(self.B, 1)

    def weight_bytes(self) -> int:
        dims = self.dims
        return 8 * max(self.B, 1) * sum(dims[i + 1] * dims[i] for i in range(self.L))


SMALL = Case("small", B=64, L=20, m=16, d=8, n=8)
DEEP = Case("deep", B=0, L=100, m=32, d=32, n=32)
WIDE = Case("wide", B=0, L=8, m=512, d=512, n=512)


def make(case: Case, seed: int = 0) -> tuple[Problem, list[np.ndarray]]:
    """Problem with data of unit scale and isometric layers (a stable, well-posed run)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((case.d, case.n)) / np.sqrt(case.n)
    Y = rng.standard_normal((case.d, case.n)) / np.sqrt(case.n)
    prob = Problem(X=X, Y=Y, dims=case.dims)
    dims = case.dims
    if case.B:
        Ws = [np.stack([haar_isometry(rng, dims[i + 1], dims[i]) for _ in range(case.B)])
              for i in range(case.L)]
    else:
        Ws = [haar_isometry(rng, dims[i + 1], dims[i]) for i in range(case.L)]
    return prob, Ws


# ------------------------------------------------------------------ boundcheck
def boundcheck_step(prob: Problem, Ws: list[np.ndarray], blas: bool | None = None
                    ) -> Impl:
    ws = kernels.BatchedGD(prob, Ws)
    if blas is not None:
        ws.blas = blas and ws.blas
    return (lambda: ws.step(ETA)), lambda: ws.Ws


def boundcheck_per_instance_blas(prob: Problem, Ws: list[np.ndarray]
                                 ) -> Impl:
    """A batch run as B single-instance workspaces (direct BLAS dgemm, fused update)."""
    wss = [kernels.BatchedGD(prob, [W[b] for W in Ws]) for b in range(Ws[0].shape[0])]

    def step() -> None:
        for ws in wss:
            ws.step(ETA)

    return step, lambda: [np.stack([ws.Ws[i] for ws in wss]) for i in range(len(Ws))]


def boundcheck_allocating(prob: Problem, Ws: list[np.ndarray]
                          ) -> Impl:
    """The allocating public function ``kernels.gd_step`` (new arrays every step)."""
    state = [list(Ws)]

    def step() -> None:
        state[0] = kernels.gd_step(prob, state[0], ETA)

    return step, lambda: state[0]


# ------------------------------------------------------------------ numpy alternatives
def einsum_step(prob: Problem, Ws: list[np.ndarray]
                ) -> Impl:
    """The same O(L) algorithm, in place, with ``np.einsum(..., out=)`` for every product."""
    Ws = [W.copy() for W in Ws]
    b = Ws[0].shape[:-2]
    X, Y = prob.X, prob.Y
    n = X.shape[1]
    P = [X] + [np.empty((*b, W.shape[-2], n)) for W in Ws]
    G = [np.empty(W.shape) for W in Ws]
    S = [np.empty((*b, W.shape[-2], n)) for W in Ws]
    lead = "z" if b else ""

    def step() -> None:
        for i, W in enumerate(Ws):
            p = lead if i else ""
            np.einsum(f"{lead}ij,{p}jk->{lead}ik", W, P[i], out=P[i + 1])
        np.subtract(P[-1], Y, out=S[-1])
        S[-1] *= ETA
        for i in range(len(Ws) - 1, -1, -1):
            p = lead if i else ""
            np.einsum(f"{lead}ik,{p}jk->{lead}ij", S[i], P[i], out=G[i])
            if i:
                np.einsum(f"{lead}ji,{lead}jk->{lead}ik", Ws[i], S[i], out=S[i - 1])
            Ws[i] -= G[i]

    return step, lambda: Ws


def naive_numpy_step(prob: Problem, Ws: list[np.ndarray]
                     ) -> Impl:
    """What one writes first: every gradient from freshly recomputed partial products,
    ``grad_i = (W_L..W_{i+1})^T R (W_{i-1}..W_1 X)^T`` -- O(L^2) products a step."""
    Ws = [W.copy() for W in Ws]
    X, Y = prob.X, prob.Y
    T = lambda a: np.swapaxes(a, -1, -2)

    def step() -> None:
        out = X
        for W in Ws:
            out = W @ out
        R = out - Y
        grads = []
        for i in range(len(Ws)):
            left = np.eye(Ws[-1].shape[-2])
            for k in range(len(Ws) - 1, i, -1):
                left = left @ Ws[k]
            right = X
            for k in range(i):
                right = Ws[k] @ right
            grads.append(T(left) @ R @ T(right))
        for W, g in zip(Ws, grads, strict=True):
            W -= ETA * g

    return step, lambda: Ws


# ------------------------------------------------------------------ PyTorch (optional)
def torch_batched(prob: Problem, Ws: list[np.ndarray]
                  ) -> Impl:
    """PyTorch autograd on CPU float64, the batch as stacked tensors (``bmm``)."""
    import torch

    tW = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in Ws]
    X = torch.tensor(prob.X, dtype=torch.float64)
    Y = torch.tensor(prob.Y, dtype=torch.float64)
    batched = Ws[0].ndim == 3

    def step() -> None:
        out = X.expand(Ws[0].shape[0], *X.shape) if batched else X
        for W in tW:
            out = torch.bmm(W, out) if batched else W @ out
        loss = 0.5 * ((out - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            for W in tW:
                W.add_(W.grad, alpha=-ETA)
                W.grad = None

    return step, lambda: [W.detach().numpy() for W in tW]


def torch_one_at_a_time(prob: Problem, Ws: list[np.ndarray]
                        ) -> Impl:
    """PyTorch autograd, one instance after the other (a Python loop over the batch)."""
    import torch

    B = Ws[0].shape[0]
    tWs = [[torch.tensor(W[b], dtype=torch.float64, requires_grad=True) for W in Ws]
           for b in range(B)]
    X = torch.tensor(prob.X, dtype=torch.float64)
    Y = torch.tensor(prob.Y, dtype=torch.float64)

    def step() -> None:
        for tW in tWs:
            out = X
            for W in tW:
                out = W @ out
            loss = 0.5 * ((out - Y) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                for W in tW:
                    W.add_(W.grad, alpha=-ETA)
                    W.grad = None

    return step, lambda: [torch.stack([tW[i] for tW in tWs]).detach().numpy()
                          for i in range(len(Ws))]
