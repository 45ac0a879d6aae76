"""Fast float64 kernels: loss, gradients, GD and SGD steps via prefix/suffix products.

Weights may carry a leading batch axis (``W_i`` of shape ``(..., d_i, d_{i-1})``): numpy's
broadcasting ``matmul`` then runs a batch of same-shaped instances in one call. The data
``X, Y`` are shared (2-d) or batched (3-d).

The functions below allocate their results (simple, for one-off use). For many steps use
:class:`BatchedGD`: a preallocated workspace that runs GD/SGD in place on a stack of
instances (``step``, ``sgd_step``, ``forward``/``update``, ``gradients``, ``run``); it is
what :func:`boundcheck.model.trajectory.run_gd` uses. Measurements: ``docs/performance.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

try:  # direct BLAS for single instances (scipy is a dependency; guarded all the same)
    from scipy.linalg.blas import dgemm as _dgemm
except ImportError:  # pragma: no cover
    _dgemm = None

from boundcheck.errors import InputError
from boundcheck.model.problem import Problem


def _T(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _factors(prob: Problem, Ws: Sequence[np.ndarray]) -> list[np.ndarray]:
    if prob.kind == "plain":
        return list(Ws)
    return [W + np.eye(W.shape[-1]) for W in Ws]


def _input(prob: Problem, X: np.ndarray) -> np.ndarray:
    return prob.A @ X if prob.kind == "transformed" else X


def _apply_left(prob: Problem, M: np.ndarray) -> np.ndarray:
    if prob.kind == "plain":
        return prob.alpha * M
    if prob.kind == "transformed":
        return prob.B @ M
    return M


def forward(prob: Problem, Ws: Sequence[np.ndarray], X: np.ndarray | None = None) -> np.ndarray:
    """``U = Left F_L ... F_1 X_in`` (columns of X applied right to left: n-wide products)."""
    out = _input(prob, prob.X if X is None else X)
    for F in _factors(prob, Ws):
        out = F @ out
    return _apply_left(prob, out)


def loss(prob: Problem, Ws: Sequence[np.ndarray]) -> np.ndarray | float:
    R = forward(prob, Ws) - prob.Y
    val = 0.5 * prob.loss_scale * np.sum(R * R, axis=(-2, -1))
    return float(val) if np.ndim(val) == 0 else val


def loss_and_gradients(prob: Problem, Ws: Sequence[np.ndarray], X: np.ndarray | None = None,
                       Y: np.ndarray | None = None, scale: float = 1.0
                       ) -> tuple[np.ndarray | float, list[np.ndarray]]:
    """Loss and all layer gradients in 2L + O(1) matrix products.

    Prefix ``P_k = F_k...F_1 X_in`` (d_k x n) and suffix ``S_k = Left F_L...F_{k+1}``
    (d_y x d_k) products; ``grad_i = S_i^T R P_{i-1}^T`` with ``R = c (U - Y)``.
    """
    X = prob.X if X is None else X
    Y = prob.Y if Y is None else Y
    Fs = _factors(prob, Ws)
    P = [_input(prob, X)]
    for F in Fs:
        P.append(F @ P[-1])
    R = _apply_left(prob, P[-1]) - Y
    val = 0.5 * prob.loss_scale * scale * np.sum(R * R, axis=(-2, -1))
    R = (prob.loss_scale * scale) * R
    # Suffix: G = S_k^T R, accumulated from the top: S_L^T R = Left^T R.
    if prob.kind == "plain":
        SR = prob.alpha * R
    elif prob.kind == "transformed":
        SR = prob.B.T @ R
    else:
        SR = R
    grads: list[np.ndarray] = [None] * len(Fs)  # type: ignore[list-item]
    for i in range(len(Fs) - 1, -1, -1):
        grads[i] = SR @ _T(P[i])
        if i:
            SR = _T(Fs[i]) @ SR
    return (float(val) if np.ndim(val) == 0 else val), grads


def gradients(prob: Problem, Ws: Sequence[np.ndarray]) -> list[np.ndarray]:
    return loss_and_gradients(prob, Ws)[1]


def gd_step(prob: Problem, Ws: Sequence[np.ndarray], eta: float) -> list[np.ndarray]:
    """One full-batch GD step; returns new arrays (inputs are not modified)."""
    _, G = loss_and_gradients(prob, Ws)
    return [W - eta * g for W, g in zip(Ws, G, strict=True)]


def sgd_step(prob: Problem, Ws: Sequence[np.ndarray], eta: float, batch: np.ndarray,
             unbiased: bool = True) -> list[np.ndarray]:
    """One minibatch SGD step on the columns ``batch`` of the data.

    With ``unbiased=True`` the minibatch loss is scaled by ``n/|batch|`` so that its
    gradient is an unbiased estimate of the full gradient.
    """
    batch = np.asarray(batch)
    scale = prob.n / len(batch) if unbiased else 1.0
    _, G = loss_and_gradients(prob, Ws, X=prob.X[:, batch], Y=prob.Y[:, batch], scale=scale)
    return [W - eta * g for W, g in zip(Ws, G, strict=True)]


def naive_gradients(prob: Problem, Ws: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Reference gradients that recompute every partial product (O(L^2)); tests only."""
    Fs = _factors(prob, Ws)
    L = len(Fs)

    def prod(lo: int, hi: int, dim: int) -> np.ndarray:  # F_hi ... F_lo, 0-indexed
        out = np.eye(dim)
        for k in range(lo, hi + 1):
            out = Fs[k] @ out
        return out

    U = _apply_left(prob, prod(0, L - 1, Fs[0].shape[-1]) @ _input(prob, prob.X))
    R = prob.loss_scale * (U - prob.Y)
    out = []
    for i in range(L):
        left = _apply_left(prob, prod(i + 1, L - 1, Fs[i].shape[-2]))
        right = prod(0, i - 1, Fs[0].shape[-1]) @ _input(prob, prob.X)
        out.append(left.T @ R @ right.T)
    return out


# ---------------------------------------------------------------------------------------
# In-place, preallocated GD/SGD on a batch of same-shaped instances
# ---------------------------------------------------------------------------------------
#
# Implementation chosen by measurement (docs/performance.md): numpy's stacked ``matmul``
# with ``out=`` for batches (one call runs all instances; einsum was 15x slower, a numba
# loop kernel 1.8-3.5x slower), and, for a single instance with small layers, direct BLAS
# ``dgemm`` on transposed (Fortran-ordered) views, which fuses ``W -= eta * grad`` into
# the product (``beta = 1``) and saves numpy's per-call overhead (1.3-1.8x on L=100,
# m=32). From m*m*n > 2^18 (64^3) on, numpy's ``matmul`` was as fast single-threaded and
# 1.15-1.5x faster with 2 BLAS threads, so large layers take the numpy path.
_BLAS_MAX = 2**18

def _batch_shape(Ws: Sequence[np.ndarray]) -> tuple[int, ...]:
    shapes = {tuple(np.shape(W)[:-2]) for W in Ws}
    if len(shapes) != 1:
        raise InputError(f"every W_i must carry the same leading batch shape, got {shapes}")
    return shapes.pop()


class BatchedGD:
    """Full-batch GD and minibatch SGD for a stack of same-shaped instances, in place.

    ``Ws`` is a list of ``L`` arrays ``W_i`` of shape ``(*batch, d_i, d_{i-1})`` (an empty
    ``batch`` is one instance), or one array ``(L, *batch, m, m)`` when every layer is
    ``m x m``. The weights are copied once, into :attr:`stack` (``(L, *batch, m, m)``) when
    all layers have the same shape, else into per-layer arrays; :attr:`Ws` lists the live
    arrays, which every :meth:`step` updates in place.

    A step costs ``3L - 1`` (batched) matrix products -- prefix products
    ``P_k = F_k..F_1 X_in`` kept, suffix products ``(S_k^T R)^T`` accumulated from the top,
    each gradient subtracted as soon as it is formed -- and allocates nothing of the size of
    the weights: prefix products, two suffix buffers per width and one gradient buffer per
    layer shape are allocated once (per minibatch size). The step size is folded into the
    residual, so the product that forms the gradient already carries ``eta * loss_scale``.

    ``eta`` may be a scalar or an array of shape ``batch`` (one step size per instance).
    ``X``/``Y`` default to the problem's data; either may carry the batch shape in front.

    ``checkpoint=s`` keeps only every ``s``-th prefix product and recomputes the others
    segment by segment during the backward pass (the same products, so the same bits):
    prefix memory ``L/s + s`` instead of ``L`` matrices, about ``L`` more products a step.
    ``"auto"`` picks ``s = ceil(sqrt(L))`` when the prefix products would exceed half the
    weights and 8 MiB, else keeps them all (the default, ``None``).
    """

    def __init__(self, prob: Problem, Ws: Sequence[np.ndarray] | np.ndarray,
                 X: np.ndarray | None = None, Y: np.ndarray | None = None,
                 checkpoint: int | str | None = None) -> None:
        if isinstance(Ws, np.ndarray):
            Ws = list(Ws)
        prob.check_weights(Ws)
        self.prob = prob
        self.L = prob.L
        self.batch_shape = _batch_shape(Ws)
        shapes = [tuple(np.shape(W)[-2:]) for W in Ws]
        if len(set(shapes)) == 1:
            self.stack: np.ndarray | None = np.empty((self.L, *self.batch_shape, *shapes[0]))
            for i, W in enumerate(Ws):
                self.stack[i] = W
            self.Ws: list[np.ndarray] = list(self.stack)
        else:
            self.stack = None
            self.Ws = [np.array(W, dtype=np.float64, order="C", copy=True) for W in Ws]
        X = prob.X if X is None else np.asarray(X, dtype=np.float64)
        Y = prob.Y if Y is None else np.asarray(Y, dtype=np.float64)
        if X.shape[-1] != Y.shape[-1]:
            raise InputError(f"X has {X.shape[-1]} columns but Y has {Y.shape[-1]}")
        for name, a in (("X", X), ("Y", Y)):
            if a.ndim > 2 and a.shape[:-2] != self.batch_shape:
                raise InputError(f"{name} carries batch shape {a.shape[:-2]} but the weights "
                                 f"carry {self.batch_shape}")
        self.Y = np.ascontiguousarray(Y)
        self.Xin = np.ascontiguousarray(_input(prob, X))
        # single instance, shared data, small products: BLAS dgemm path (see the note above)
        small = max(W.shape[-1] * W.shape[-2] for W in self.Ws) * self.n <= _BLAS_MAX
        self.blas = (self.batch_shape == () and self.Xin.ndim == 2 and small
                     and _dgemm is not None)
        if checkpoint == "auto":
            pref = 8 * int(np.prod(self.batch_shape)) * sum(prob.dims[1:-1]) * self.n
            wbytes = sum(W.nbytes for W in self.Ws)
            checkpoint = (int(np.ceil(np.sqrt(self.L)))
                          if pref > max(wbytes / 2, 8 * 2**20) and self.L > 3 else None)
        if checkpoint is not None and (not isinstance(checkpoint, int) or checkpoint < 2):
            raise InputError(f"checkpoint must be None, 'auto' or an integer >= 2, "
                             f"got {checkpoint!r}")
        self.checkpoint: int | None = checkpoint
        self._bufs: dict[int, dict] = {}
        self._fresh: int | None = None   # columns of the forward pass the buffers now hold
        self._coef: float = 1.0

    @property
    def n(self) -> int:
        return self.Xin.shape[-1]

    # ------------------------------------------------------------------ buffers
    def _buffers(self, k: int) -> dict:
        """Workspaces for ``k`` data columns, allocated on first use."""
        if k in self._bufs:
            return self._bufs[k]
        b, dims, L, s = self.batch_shape, self.prob.dims, self.L, self.checkpoint
        alloc: list[np.ndarray] = []

        def new(shape: tuple[int, ...]) -> np.ndarray:
            alloc.append(np.empty(shape))
            return alloc[-1]

        recompute: dict[int, int] = {}
        if s is None:
            P: list[np.ndarray | None] = [None] + [new((*b, dims[i], k)) for i in range(1, L)]
        else:   # P_i of a checkpoint (i % s == 0) owns its buffer; the others share slots
            slot = {j: new((*b, max(dims[i] for i in range(j, L, s)), k))
                    for j in range(1, min(s, L))}
            P = [None] + [new((*b, dims[i], k)) if i % s == 0 else slot[i % s][..., :dims[i], :]
                          for i in range(1, L)]
            last_seg = ((L - 1) // s) * s
            recompute = {a + s - 1: a for a in range(0, last_seg, s)}
        ST = {d: (new((*b, k, d)), new((*b, k, d))) for d in set(dims[1:])}
        G: dict[tuple[int, ...], np.ndarray] = {}
        for W in self.Ws:
            if W.shape[-2:] not in G:
                G[W.shape[-2:]] = new(W.shape)
        # per layer i (0-based): W_i, its gradient buffer and the transposed view the
        # product writes into, the suffix buffer holding (S_i^T R)^T and the one below it
        plan = [(self.Ws[i], G[self.Ws[i].shape[-2:]], _T(G[self.Ws[i].shape[-2:]]),
                 ST[dims[i + 1]][(i + 1) % 2], ST[dims[i]][i % 2] if i else None)
                for i in range(L)]
        top = new((*b, dims[-1], k)) if self.prob.kind == "transformed" else None
        R = new((*b, self.prob.d_y, k))
        last = top if top is not None else R
        # the BLAS path works on transposed (Fortran-ordered) views: made once here
        outsT = [p.T for p in P[1:]] + [last.T]
        planT = [(W.T, ST_.T, nxt.T if nxt is not None else None, p.T if p is not None else None)
                 for (W, _, _, ST_, nxt), p in zip(plan, P, strict=True)]
        self._bufs[k] = {"P": P, "ST": ST, "G": G, "plan": plan, "top": top, "R": R,
                         "outsT": outsT, "planT": planT, "recompute": recompute,
                         "alloc": alloc}
        return self._bufs[k]

    def nbytes(self) -> int:
        """Bytes held: weights plus every workspace allocated so far."""
        tot = sum(W.nbytes for W in self.Ws)
        for bufs in self._bufs.values():
            tot += sum(a.nbytes for a in bufs["alloc"])
        return tot

    def _prefix(self, bufs: dict, lo: int, hi: int) -> None:
        """Recompute ``P_{j+1}`` for ``lo <= j < hi`` exactly as :meth:`forward` does."""
        P, res = bufs["P"], self.prob.kind != "plain"
        for j in range(lo, hi):
            if self.blas:
                _dgemm(1.0, P[j].T, self.Ws[j].T, 0.0, P[j + 1].T, 0, 0, 1)
            else:
                np.matmul(self.Ws[j], P[j], out=P[j + 1])
            if res:
                np.add(P[j + 1], P[j], out=P[j + 1])

    # ------------------------------------------------------------------ passes
    def forward(self, cols: np.ndarray | None = None, scale: float = 1.0) -> np.ndarray | float:
        """Prefix products and residual at the current weights; returns the loss.

        ``cols`` restricts the data to those columns (a minibatch); ``scale`` multiplies
        the loss (``n/|batch|`` for the unbiased minibatch estimate).
        """
        prob, Ws = self.prob, self.Ws
        if cols is None:
            Xin, Y = self.Xin, self.Y
        else:
            Xin, Y = np.ascontiguousarray(self.Xin[..., cols]), self.Y[..., cols]
        k = Xin.shape[-1]
        bufs = self._buffers(k)
        P, R = bufs["P"], bufs["R"]
        P[0] = Xin
        res = prob.kind != "plain"
        last = bufs["top"] if prob.kind == "transformed" else R
        outs = P[1:] + [last]
        if self.blas:
            dgemm, planT, outsT = _dgemm, bufs["planT"], bufs["outsT"]
            # out^T = P_i^T W_i^T on Fortran-ordered views
            dgemm(1.0, Xin.T, planT[0][0], 0.0, outsT[0], 0, 0, 1)
            if res:
                np.add(outs[0], Xin, out=outs[0])
            for i in range(1, self.L):
                dgemm(1.0, planT[i][3], planT[i][0], 0.0, outsT[i], 0, 0, 1)
                if res:
                    np.add(outs[i], P[i], out=outs[i])
        else:
            matmul = np.matmul
            for i in range(self.L):
                matmul(Ws[i], P[i], out=outs[i])
                if res:
                    np.add(outs[i], P[i], out=outs[i])
        if prob.kind == "transformed":
            np.matmul(prob.B, last, out=R)
        elif prob.alpha != 1.0:
            np.multiply(R, prob.alpha, out=R)
        np.subtract(R, Y, out=R)
        self._coef = prob.loss_scale * scale
        self._fresh = k
        if R.ndim == 2:
            return 0.5 * self._coef * float(np.vdot(R, R))
        return 0.5 * self._coef * np.einsum("...ij,...ij->...", R, R)

    def _top(self, bufs: dict, coef: float | np.ndarray) -> np.ndarray:
        """``(S_L^T R)^T * coef`` (that is ``R^T Left``) into the top suffix buffer."""
        prob = self.prob
        R = bufs["R"]
        ST = bufs["plan"][-1][3]
        if prob.kind == "transformed":
            np.matmul(_T(R), prob.B, out=ST)
            np.multiply(ST, coef, out=ST)
        else:
            c = coef * prob.alpha if prob.kind == "plain" else coef
            np.multiply(_T(R), c, out=ST)
        return ST

    def _eta(self, eta: float | np.ndarray) -> float | np.ndarray:
        e = np.asarray(eta, dtype=np.float64)
        if e.ndim == 0:
            return float(e)
        if e.shape != self.batch_shape:
            raise InputError(f"eta has shape {e.shape}; expected a scalar or {self.batch_shape}")
        return e[..., None, None]

    def update(self, eta: float | np.ndarray) -> None:
        """Backward pass and in-place ``W_i -= eta * grad_i``, after :meth:`forward`."""
        if self._fresh is None:
            raise RuntimeError("update() needs forward() at the current weights first")
        bufs = self._bufs[self._fresh]
        self._fresh = None
        P, plan, res = bufs["P"], bufs["plan"], self.prob.kind != "plain"
        ST = self._top(bufs, self._coef * self._eta(eta))
        if self.blas:
            dgemm, planT, rec = _dgemm, bufs["planT"], bufs["recompute"]
            for i in range(self.L - 1, 0, -1):
                if i in rec:
                    self._prefix(bufs, rec[i], i)
                WT, STT, nxtT, PT = planT[i]
                # nxt = ST W_i (+ ST), i.e. nxt^T = W_i^T ST^T, with the old W_i
                dgemm(1.0, WT, STT, 0.0, nxtT, 0, 0, 1)
                if res:
                    _, _, _, ST, nxt = plan[i]
                    np.add(nxt, ST, out=nxt)
                # W_i^T -= P_i ST (= eta * grad_i^T), fused into the product: beta = 1
                dgemm(-1.0, PT, STT, 1.0, WT, 1, 1, 1)
            dgemm(-1.0, P[0].T, planT[0][1], 1.0, planT[0][0], 1, 1, 1)
            return
        matmul, subtract, rec = np.matmul, np.subtract, bufs["recompute"]
        for i in range(self.L - 1, -1, -1):
            if i in rec:
                self._prefix(bufs, rec[i], i)
            W, G, GT, ST, nxt = plan[i]
            matmul(P[i], ST, out=GT)                 # eta * grad_i, written transposed
            if i:
                matmul(ST, W, out=nxt)               # (S_{i-1}^T R)^T = (S_i^T R)^T F_i
                if res:
                    np.add(nxt, ST, out=nxt)
            subtract(W, G, out=W)

    def step(self, eta: float | np.ndarray) -> np.ndarray | float:
        """One full-batch GD step in place; returns the loss at the iterate before it."""
        val = self.forward()
        self.update(eta)
        return val

    def sgd_step(self, eta: float | np.ndarray, batch: np.ndarray, unbiased: bool = True
                 ) -> np.ndarray | float:
        """One minibatch SGD step on the data columns ``batch`` (the same for every instance).

        Returns the minibatch loss (scaled by ``n/|batch|`` when ``unbiased``) before it.
        """
        batch = np.asarray(batch)
        scale = self.n / len(batch) if unbiased else 1.0
        val = self.forward(cols=batch, scale=scale)
        self.update(eta)
        return val

    def gradients(self) -> tuple[np.ndarray | float, list[np.ndarray]]:
        """Loss and all layer gradients at the current weights (new arrays; no update)."""
        val = self.forward()
        bufs = self._bufs[self._fresh]
        self._fresh = None
        P, plan, res = bufs["P"], bufs["plan"], self.prob.kind != "plain"
        ST = self._top(bufs, self._coef)
        out: list[np.ndarray] = [None] * self.L  # type: ignore[list-item]
        for i in range(self.L - 1, -1, -1):
            if i in bufs["recompute"]:
                self._prefix(bufs, bufs["recompute"][i], i)
            W, _, _, ST, nxt = plan[i]
            g = np.empty(W.shape)
            np.matmul(P[i], ST, out=_T(g))
            out[i] = g
            if i:
                np.matmul(ST, W, out=nxt)
                if res:
                    np.add(nxt, ST, out=nxt)
        return val, out

    def run(self, eta: float | np.ndarray, steps: int) -> np.ndarray:
        """``steps`` GD steps; the losses of iterates ``0..steps``, shape ``(steps+1, *batch)``."""
        losses = np.empty((steps + 1, *self.batch_shape))
        for t in range(steps):
            losses[t] = self.step(eta)
        losses[steps] = self.forward()
        self._fresh = None
        return losses


GDWorkspace = BatchedGD
