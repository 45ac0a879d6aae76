"""Problem instances: dimensions, data and model kind, validated on construction.

Model kinds (weights ``W_1..W_L``, ``W_i`` of shape ``d_i x d_{i-1}``):

* ``plain``        ``f(x) = alpha * W_L ... W_1 x``
* ``residual``     ``f(x) = (I + W_L) ... (I + W_1) x`` (all widths equal)
* ``transformed``  ``f(x) = B (I + W_L) ... (I + W_1) A x`` with fixed ``A`` (D x d_x) and
  ``B`` (d_y x D); the ``W_i`` are D x D.

The loss is ``loss_scale/2 * ||f(X) - Y||_F^2``; ``loss_scale=1`` is the papers' usual
``1/2 * sum_k ||f(x_k) - y_k||^2`` (no 1/n). A target ``Phi`` (acgh19's whitened loss
``1/2 ||W_{N:1} - Phi||_F^2``) is the special case ``X = I``, ``Y = Phi``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from boundcheck.errors import InputError

KINDS = ("plain", "residual", "transformed")


def _finite_matrix(name: str, a: object) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2:
        raise InputError(f"{name} must be a 2-d matrix, got an array of shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InputError(f"{name} contains {bad} NaN or infinite entries")
    return arr


@dataclass(frozen=True, eq=False)
class Problem:
    X: np.ndarray
    Y: np.ndarray
    dims: tuple[int, ...]
    kind: str = "plain"
    alpha: float = 1.0
    A: np.ndarray | None = None
    B: np.ndarray | None = None
    loss_scale: float = 1.0
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"unknown model kind {self.kind!r}; expected one of {KINDS}")
        dims = tuple(int(d) for d in self.dims)
        object.__setattr__(self, "dims", dims)
        if len(dims) < 2:
            raise InputError(f"dims must list d_0..d_L with L >= 1, got {dims}")
        if any(d < 1 for d in dims):
            raise InputError(f"every width must be positive, got dims={dims}")
        X = _finite_matrix("X", self.X)
        Y = _finite_matrix("Y", self.Y)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        if X.shape[1] != Y.shape[1]:
            raise InputError(
                f"X has {X.shape[1]} samples (columns) but Y has {Y.shape[1]}; they must match"
            )
        if not (np.isfinite(self.alpha) and self.alpha > 0):
            raise InputError(f"alpha must be a positive finite number, got {self.alpha}")
        if not (np.isfinite(self.loss_scale) and self.loss_scale > 0):
            raise InputError(f"loss_scale must be positive and finite, got {self.loss_scale}")
        if self.kind == "transformed":
            if self.A is None or self.B is None:
                raise InputError("model kind 'transformed' needs both fixed transforms A and B")
            A = _finite_matrix("A", self.A)
            Bm = _finite_matrix("B", self.B)
            object.__setattr__(self, "A", A)
            object.__setattr__(self, "B", Bm)
            D = dims[0]
            if any(d != D for d in dims):
                raise InputError(f"transformed model needs all widths equal to D, got dims={dims}")
            if A.shape != (D, X.shape[0]):
                raise InputError(f"A must be D x d_x = {D} x {X.shape[0]}, got {A.shape}")
            if Bm.shape != (Y.shape[0], D):
                raise InputError(f"B must be d_y x D = {Y.shape[0]} x {D}, got {Bm.shape}")
        else:
            if self.A is not None or self.B is not None:
                raise InputError(f"fixed transforms A, B are only for kind 'transformed', "
                                 f"not {self.kind!r}")
            if X.shape[0] != dims[0]:
                raise InputError(f"X has {X.shape[0]} rows but d_0 = {dims[0]}")
            if Y.shape[0] != dims[-1]:
                raise InputError(f"Y has {Y.shape[0]} rows but d_L = {dims[-1]}")
            if self.kind == "residual" and any(d != dims[0] for d in dims):
                raise InputError(f"residual model needs all widths equal, got dims={dims}")

    # ------------------------------------------------------------------ shape facts
    @property
    def L(self) -> int:
        return len(self.dims) - 1

    @property
    def n(self) -> int:
        return self.X.shape[1]

    @property
    def d_x(self) -> int:
        return self.X.shape[0]

    @property
    def d_y(self) -> int:
        return self.Y.shape[0]

    def weight_shapes(self) -> list[tuple[int, int]]:
        return [(self.dims[i + 1], self.dims[i]) for i in range(self.L)]

    def check_weights(self, Ws: Sequence[np.ndarray]) -> None:
        """Raise :class:`InputError` unless ``Ws`` fits this problem (batched stacks allowed)."""
        if len(Ws) != self.L:
            raise InputError(f"expected {self.L} weight matrices, got {len(Ws)}")
        for i, (W, shp) in enumerate(zip(Ws, self.weight_shapes(), strict=True), start=1):
            if tuple(np.shape(W)[-2:]) != shp:
                raise InputError(f"W_{i} has shape {np.shape(W)[-2:]}, expected {shp}")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def for_target(cls, Phi: np.ndarray, dims: Sequence[int], **kw: object) -> Problem:
        """The whitened problem ``1/2 ||W_{L:1} - Phi||_F^2`` (X = I, Y = Phi)."""
        Phi = _finite_matrix("Phi", Phi)
        return cls(X=np.eye(Phi.shape[1]), Y=Phi, dims=tuple(dims), **kw)

    def with_data(self, X: np.ndarray, Y: np.ndarray) -> Problem:
        return Problem(X=X, Y=Y, dims=self.dims, kind=self.kind, alpha=self.alpha, A=self.A,
                       B=self.B, loss_scale=self.loss_scale, meta=dict(self.meta))


def require_full_column_rank(X: np.ndarray, name: str = "X", rtol: float | None = None) -> int:
    """Return rank(X); raise :class:`InputError` when X lacks full column rank."""
    s = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False)
    rel = rtol if rtol is not None else max(X.shape) * np.finfo(float).eps
    tol = rel * (s[0] if s.size else 0.0)
    r = int(np.sum(s > tol))
    if r < X.shape[1]:
        raise InputError(
            f"{name} ({X.shape[0]}x{X.shape[1]}) is rank-deficient: rank {r} < {X.shape[1]} "
            f"columns; full column rank is required (reduce it with Assumption 4.1 first)"
        )
    return r


def check_step_size(eta: float) -> float:
    eta = float(eta)
    if not (np.isfinite(eta) and eta > 0):
        raise InputError(f"step size eta must be positive and finite, got {eta}")
    return eta
