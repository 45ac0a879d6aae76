"""The model, its loss and gradients written once against the backend vocabulary.

These run on any backend (float64, certified balls, mpmath). A backend MAY offer fused
versions of whole operations (``fused_gd_step(prob, Ws, eta)``, ``fused_loss(prob, Ws)``,
returning the same types as the generic code, or ``NotImplemented`` to decline an input);
``rump`` does for the plain model (:mod:`boundcheck.certify.fastcert`). The fast float64 path is
:mod:`boundcheck.model.kernels`; tests keep the two in agreement. Layers are 1-indexed in the
docstrings (``W_1..W_L``) and 0-indexed in the lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boundcheck.model.problem import Problem


def factors(ops: Any, prob: Problem, Ws: Sequence[Any]) -> list[Any]:
    """``F_i = W_i`` (plain) or ``I + W_i`` (residual kinds)."""
    if prob.kind == "plain":
        return list(Ws)
    return [ops.add(ops.eye(prob.dims[i]), W) for i, W in enumerate(Ws)]


def _left(ops: Any, prob: Problem) -> Any:
    """The fixed left factor: ``alpha I`` (plain), ``I`` (residual) or ``B``."""
    if prob.kind == "plain":
        return ops.scale(ops.scalar(prob.alpha), ops.eye(prob.dims[-1]))
    if prob.kind == "residual":
        return ops.eye(prob.dims[-1])
    return ops.asarray(prob.B)


def _input(ops: Any, prob: Problem) -> Any:
    X = ops.asarray(prob.X)
    return ops.matmul(ops.asarray(prob.A), X) if prob.kind == "transformed" else X


def partial_product(ops: Any, Ws: Sequence[Any], i: int, j: int, dim_i: int | None = None) -> Any:
    """``W_{j:i} = W_j ... W_i`` (1-indexed, inclusive); the identity when ``j = i - 1``."""
    if j < i:
        if j != i - 1 or dim_i is None:
            raise ValueError(f"empty product W_{{{j}:{i}}} needs j = i-1 and its dimension")
        return ops.eye(dim_i)
    out = Ws[i - 1]
    for k in range(i + 1, j + 1):
        out = ops.matmul(Ws[k - 1], out)
    return out


def prefix_outputs(ops: Any, prob: Problem, Fs: Sequence[Any]) -> list[Any]:
    """``P_k = F_k ... F_1 X_in`` for k = 0..L (``P_0 = X_in``)."""
    P = [_input(ops, prob)]
    for F in Fs:
        P.append(ops.matmul(F, P[-1]))
    return P


def suffix_maps(ops: Any, prob: Problem, Fs: Sequence[Any]) -> list[Any]:
    """``S_k = Left F_L ... F_{k+1}`` for k = 0..L (``S_L = Left``)."""
    S = [_left(ops, prob)]
    for F in reversed(Fs):
        S.append(ops.matmul(S[-1], F))
    return S[::-1]


def forward(ops: Any, prob: Problem, Ws: Sequence[Any]) -> Any:
    """Network output on the data, ``U = Left F_L ... F_1 X_in``."""
    P = prefix_outputs(ops, prob, factors(ops, prob, Ws))
    return ops.matmul(_left(ops, prob), P[-1])


def _fused(ops: Any, name: str, *args: Any) -> Any:
    """A backend's optional fused operation ``name`` (``NotImplemented`` when it has none or
    it declines these inputs; the caller then composes the generic vocabulary)."""
    fn = getattr(ops, name, None)
    return NotImplemented if fn is None else fn(*args)


def loss(ops: Any, prob: Problem, Ws: Sequence[Any]) -> Any:
    out = _fused(ops, "fused_loss", prob, Ws)
    if out is not NotImplemented:
        return out
    R = ops.sub(forward(ops, prob, Ws), ops.asarray(prob.Y))
    nrm = ops.fro_norm(R)
    # loss_scale enters exactly and is halved in the backend (never ``loss_scale / 2`` in
    # float64, which underflows for a subnormal scale)
    return ops.scalar(prob.loss_scale) / ops.scalar(2) * nrm * nrm


def gradients(ops: Any, prob: Problem, Ws: Sequence[Any]) -> list[Any]:
    """All ``dl/dW_i = loss_scale * S_i^T (U - Y) P_{i-1}^T`` in O(L) products."""
    Fs = factors(ops, prob, Ws)
    P = prefix_outputs(ops, prob, Fs)
    S = suffix_maps(ops, prob, Fs)
    R = ops.sub(ops.matmul(S[-1], P[-1]), ops.asarray(prob.Y))
    if prob.loss_scale != 1.0:
        R = ops.scale(ops.scalar(prob.loss_scale), R)
    return [ops.matmul(ops.matmul(ops.transpose(S[i]), R), ops.transpose(P[i - 1]))
            for i in range(1, prob.L + 1)]


def gd_step(ops: Any, prob: Problem, Ws: Sequence[Any], eta: Any) -> list[Any]:
    """One full-batch GD step ``W_i - eta * dl/dW_i`` (all layers simultaneously)."""
    out = _fused(ops, "fused_gd_step", prob, Ws, eta)
    if out is not NotImplemented:
        return out
    G = gradients(ops, prob, Ws)
    e = ops.scalar(eta)
    return [ops.sub(W, ops.scale(e, g)) for W, g in zip(Ws, G, strict=True)]


def P_matrix(ops: Any, prob: Problem, Ws: Sequence[Any]) -> Any:
    """hxp20 eq. (7): ``sum_i (P_{i-1}^T P_{i-1}) kron (S_i S_i^T)`` for the plain model.

    With ``Left = alpha I`` this is ``alpha^2 sum_i (W_{i-1:1}X)^T(W_{i-1:1}X) kron
    W_{L:i+1} W_{L:i+1}^T`` (column-major vec).
    """
    Fs = factors(ops, prob, Ws)
    P = prefix_outputs(ops, prob, Fs)
    S = suffix_maps(ops, prob, Fs)
    total = None
    for i in range(1, prob.L + 1):
        term = ops.kron(ops.matmul(ops.transpose(P[i - 1]), P[i - 1]),
                        ops.matmul(S[i], ops.transpose(S[i])))
        total = term if total is None else ops.add(total, term)
    return total


def E_term(ops: Any, prob: Problem, Ws: Sequence[Any], eta: Any) -> Any:
    """hxp20 §4.1: ``E = W_{L:1}(t+1) - W_{L:1}(t) + eta sum_i W_{L:i+1} grad_i W_{i-1:1}``."""
    G = gradients(ops, prob, Ws)
    e = ops.scalar(eta)
    new = gd_step(ops, prob, Ws, eta)
    L = prob.L
    first = None
    for i in range(1, L + 1):
        left = partial_product(ops, Ws, i + 1, L, dim_i=prob.dims[L])
        right = partial_product(ops, Ws, 1, i - 1, dim_i=prob.dims[0])
        term = ops.matmul(ops.matmul(left, G[i - 1]), right)
        first = term if first is None else ops.add(first, term)
    return ops.add(ops.sub(partial_product(ops, new, 1, L), partial_product(ops, Ws, 1, L)),
                   ops.scale(e, first))
