"""hxp20 §3-4 definitions and exact identities: eqs. (1), (2), the data quantities of §4,
Assumption 4.1, the expansion defining E(t), eqs. (6)-(7) and footnote 3.

Hu, Xiao & Pennington, ICLR 2020. Catalog: ``shared/catalog/hxp20.md`` §1 and §4.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np

from boundcheck.arith.constants import exact_const
from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import kernels, network
from boundcheck.model.init import exact_isometry, initialize
from boundcheck.model.problem import Problem

from . import PAPER

EPS = np.finfo(float).eps


def _no_hypotheses(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return []


def random_plain_instance(rng: np.random.Generator, max_L: int = 4, max_width: int = 4,
                          min_dy: int = 1, n_range: tuple[int, int] = (1, 5)) -> Instance:
    """A random plain problem with Gaussian weights of moderate scale."""
    L = int(rng.integers(2, max_L + 1))
    dims = [int(d) for d in rng.integers(1, max_width + 1, size=L + 1)]
    dims[-1] = max(dims[-1], min_dy)
    n = int(rng.integers(n_range[0], n_range[1] + 1))
    prob = Problem(X=rng.standard_normal((dims[0], n)), Y=rng.standard_normal((dims[-1], n)),
                   dims=tuple(dims), alpha=float(rng.uniform(0.5, 2.0)))
    Ws = initialize("gaussian", rng, dims, sigma=1.0 / np.sqrt(max(dims)))
    return {"problem": prob, "weights": Ws}


def _sample_plain(rng: np.random.Generator, p: Params) -> Instance:
    return random_plain_instance(rng, p["max_L"], p["max_width"], p.get("min_dy", 1),
                                 (p.get("min_n", 1), p.get("max_n", 5)))


# --------------------------------------------------------------------------- eq. (1)
def _eq1_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Output of the engine's model vs the definition alpha * W_L ... W_1 x, column by column."""
    prob: Problem = inst["problem"]
    Ws = [ops.asarray(W) for W in inst["weights"]]
    U = network.forward(ops, prob, Ws)
    full = network.partial_product(ops, Ws, 1, prob.L)
    conds = []
    for k in range(prob.n):
        x = ops.asarray(prob.X[:, [k]])
        # alpha and the factor enter exactly (their float64 product would be pre-rounded)
        f = ops.scale(ops.scalar(prob.alpha) * ops.scalar(p["alpha_factor"]),
                      ops.matmul(full, x))
        e_k = np.zeros((prob.n, 1))
        e_k[k, 0] = 1.0
        u = ops.matmul(U, ops.asarray(e_k))  # column k, exactly (no export to float64)
        diff = ops.fro_norm(ops.sub(u, f))
        conds.append(Condition("||U[:,k] - alpha W_{L:1} x_k||", diff, "<=",
                               ops.scalar(0.0), context=f"k={k}",
                               float_tol=4 * prob.L * max(prob.dims) * EPS
                               * (1 + ops.mid(ops.fro_norm(f)))))
    return conds


register(Result(
    id="hxp20.eq1", title="Deep linear network f(x) = alpha W_L ... W_1 x",
    certifiable=True,  # issue 13: hypotheses/conclusions in ops
    source=Source(PAPER, "§3.2", "eq. (1)"),
    statement=r"f(x;W_1,\dots,W_L)=\alpha W_LW_{L-1}\cdots W_1x",
    kind="definition",
    check=Deterministic(_sample_plain, _no_hypotheses, _eq1_conclusions),
    params={"max_L": 5, "max_width": 4, "alpha_factor": 1.0},
    broken={"alpha_factor": 1.5},
    instances=12,
    notes="Definition checked as: the engine's output equals the direct product, column by "
          "column (float64 rounding allowance 4 L d eps).",
))


# --------------------------------------------------------------------------- eq. (2)
def _eq2_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """The engine's loss (``network.loss``, the vocabulary form of ``kernels.loss``) against
    the printed sum ``1/2 sum_k ||alpha W_{L:1} x_k - y_k||^2``, column by column, all in
    ``ops`` (an exact identity: certified backends decide it exactly, float64 with an
    allowance)."""
    prob: Problem = inst["problem"]
    Ws = [ops.asarray(W) for W in inst["weights"]]
    engine = network.loss(ops, prob, Ws)
    full = network.partial_product(ops, Ws, 1, prob.L)
    alpha = ops.scalar(prob.alpha)
    total = ops.scalar(0)
    for k in range(prob.n):
        fk = ops.scale(alpha, ops.matmul(full, ops.asarray(prob.X[:, [k]])))
        r = ops.fro_norm(ops.sub(fk, ops.asarray(prob.Y[:, [k]])))
        total = total + ops.scalar(Fraction(1, 2)) * r * r
    if p["normalization"] == "mean":  # the pitfall the catalog warns about (1/n)
        total = total / ops.scalar(prob.n)
    return [Condition("loss(engine) = 1/2 sum_k ||f(x_k) - y_k||^2", engine, "==", total,
                      rtol=0.0, float_tol=1e-12 * (1 + abs(ops.mid(total))))]


register(Result(
    id="hxp20.eq2", title="Objective: 1/2 sum of squared errors (no 1/n)",
    source=Source(PAPER, "§3.2", "eq. (2)"),
    statement=r"\ell=\tfrac12\sum_{k=1}^n\|f(x_k)-y_k\|^2=\tfrac12\|\alpha W_{L:1}X-Y\|_F^2",
    kind="definition",
    check=Deterministic(_sample_plain, _no_hypotheses, _eq2_conclusions),
    certifiable=True,  # issue 13: engine loss and printed sum both in ops
    params={"max_L": 4, "max_width": 4, "min_n": 2, "max_n": 6, "normalization": "sum"},
    broken={"normalization": "mean"},
    instances=12,
    notes="The broken variant is the 1/n-normalized MSE the catalog warns silently rescales eta.",
))


# --------------------------------------------------------------------------- def 4.1
def _def4_1_sample(rng: np.random.Generator, p: Params) -> Instance:
    d_x = int(rng.integers(1, 6))
    n = int(rng.integers(1, 7))
    r = int(rng.integers(1, min(d_x, n) + 1))
    # Exact dyadic instances (certified and float64 alike): an exact isometry times 2 (the
    # equality case r~ = r holds exactly on the stored doubles), or a product of 14-bit
    # dyadic factors, computed exactly in float64 (so rank X = r exactly, a.s.).
    if rng.random() < 0.5:  # isotropic: equality case r~ = r
        return {"X": 2.0 * exact_isometry(rng, d_x, r), "rank": r}
    B = np.round(rng.standard_normal((d_x, r)) * 1024) / 1024
    C = np.round(rng.standard_normal((r, n)) * 1024) / 1024
    return {"X": B @ C, "rank": r}


def _def4_1_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    X = ops.asarray(inst["X"])
    fro = ops.fro_norm(X)
    stable_rank = fro * fro / (ops.spec_norm(X) * ops.spec_norm(X))
    return [Condition("footnote 2: stable rank <= rank", stable_rank, "<=",
                      ops.scalar(p["rank_factor"] * inst["rank"]),
                      float_tol=64 * EPS * inst["rank"])]


register(Result(
    id="hxp20.def4_1", title="Data quantities W*, l*, r, kappa, stable rank (with footnote 2)",
    certifiable=True,  # issue 13: hypotheses/conclusions in ops
    source=Source(PAPER, "§4, footnote 2", "Def. of r, kappa, r~"),
    statement=r"\tilde r=\|X\|_F^2/\|X\|^2\le r=\operatorname{rank}X",
    kind="definition",
    check=Deterministic(_def4_1_sample, _no_hypotheses, _def4_1_conclusions),
    params={"rank_factor": 1.0},
    broken={"rank_factor": 0.5},
    instances=16,
))


# --------------------------------------------------------------------------- Assumption 4.1
def reduce_data(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Assumption 4.1's reduction: ``(X~, W*, l*)`` with ``X~ = Q_r Sigma_r``, W* = Y X^+."""
    Q, s, _ = np.linalg.svd(X, full_matrices=False)
    r = int(np.sum(s > max(X.shape) * EPS * s[0]))
    Xt = Q[:, :r] * s[:r]
    Wstar = Y @ np.linalg.pinv(X)
    lstar = 0.5 * float(np.sum((Wstar @ X - Y) ** 2))
    return Xt, Wstar, lstar


def _asm4_1_sample(rng: np.random.Generator, p: Params) -> Instance:
    d_x, d_y = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    n = int(rng.integers(d_x + 1, d_x + 4))  # n > d_x: generally not realizable, l* > 0
    m, L = int(rng.integers(max(d_x, d_y), 6)), int(rng.integers(2, 4))
    X = rng.standard_normal((d_x, n))
    if rng.random() < 0.5:  # rank-deficient X
        X[-1] = X[0]
    Y = rng.standard_normal((d_y, n))
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    Ws = initialize("gaussian", rng, dims, sigma=1.0 / np.sqrt(m))
    return {"X": X, "Y": Y, "dims": dims, "weights": Ws, "eta": 0.01}


def _asm4_1_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    X, Y, Ws = inst["X"], inst["Y"], inst["weights"]
    Xt, Wstar, lstar = reduce_data(X, Y)
    full = Problem(X=X, Y=Y, dims=inst["dims"])
    red = Problem(X=Xt, Y=Wstar @ Xt, dims=inst["dims"])
    conds = []
    A, B = list(Ws), list(Ws)
    for t in range(p["steps"]):
        lf, lr = kernels.loss(full, A), kernels.loss(red, B)
        conds.append(Condition("l(X,Y) = l(X~, W*X~) + l*", ops.scalar(lf), "==",
                               ops.scalar(lr) + ops.scalar(p["lstar_factor"]) * ops.scalar(lstar),
                               context=f"t={t}",
                               float_tol=1e-11 * (1 + abs(lf))))
        A, B = kernels.gd_step(full, A, inst["eta"]), kernels.gd_step(red, B, inst["eta"])
        dev = max(np.linalg.norm(a - b) / (1 + np.linalg.norm(a)) for a, b in zip(A, B,
                                                                                  strict=True))
        conds.append(Condition("GD iterates coincide", ops.scalar(dev), "<=", ops.scalar(0.0),
                               context=f"t={t + 1}", float_tol=1e-11))
    return conds


register(Result(
    id="hxp20.asm4_1", title="WLOG reduction to full-rank X and realizable Y",
    source=Source(PAPER, "§4, Assumption 4.1", "(justified by Du & Hu 2019, App. B)"),
    statement=r"\tfrac12\|MX-Y\|_F^2=\tfrac12\|(M-W^*)\tilde X\|_F^2+\ell^*,\ "
              r"\tilde X\tilde X^\top=XX^\top",
    kind="assumption",
    check=Deterministic(_asm4_1_sample, _no_hypotheses, _asm4_1_conclusions),
    params={"steps": 5, "lstar_factor": 1.0},
    broken={"lstar_factor": 0.0},
    instances=12,
    notes="Checked on n > d_x data (l* > 0) and on rank-deficient X: losses differ by l* and "
          "the GD trajectories coincide to roundoff.",
))


# --------------------------------------------------------------------------- E(t) expansion
def E_by_subsets(Ws: list[np.ndarray], G: list[np.ndarray], eta: float) -> np.ndarray:
    """``sum_{|S|>=2} (-eta)^{|S|} prod_{k=L..1} M_k^S`` (M_k = G_k if k in S else W_k)."""
    L = len(Ws)
    total = np.zeros((Ws[-1].shape[0], Ws[0].shape[1]))
    for size in range(2, L + 1):
        for S in itertools.combinations(range(L), size):
            prod = np.eye(Ws[0].shape[1])
            for k in range(L):
                prod = (G[k] if k in S else Ws[k]) @ prod
            total += (-eta) ** size * prod
    return total


def E_by_subsets_ops(ops: Any, Ws: list[Any], G: list[Any], eta: Any) -> Any:
    """:func:`E_by_subsets` in the backend vocabulary (``eta`` an exact int/Fraction/float)."""
    L = len(Ws)
    rows, cols = ops.shape(Ws[-1])[0], ops.shape(Ws[0])[1]
    total = ops.zeros(rows, cols)
    minus_eta = ops.scalar(0) - ops.scalar(eta)
    for size in range(2, L + 1):
        coef = ops.scalar(1)
        for _ in range(size):
            coef = coef * minus_eta
        for S in itertools.combinations(range(L), size):
            prod = ops.eye(cols)
            for k in range(L):
                prod = ops.matmul(G[k] if k in S else Ws[k], prod)
            total = ops.add(total, ops.scale(coef, prod))
    return total


def _eq_expand_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Everything in ``ops``: E(t) from the engine against the explicit subset sum (an exact
    identity on the stored doubles, decided exactly by the fmpq step), and the ratio
    ``||E(eta)|| / ||E(eta/2)||`` with ``eta/2`` an exact rational (``exact_const``)."""
    prob = inst["problem"]
    Ws = [ops.asarray(W) for W in inst["weights"]]
    eta = exact_const(p["eta"])
    G = network.gradients(ops, prob, Ws)
    E = network.E_term(ops, prob, Ws, eta)
    Es = E_by_subsets_ops(ops, Ws, G, eta)
    E_half = network.E_term(ops, prob, Ws, eta / 2)
    nE = ops.fro_norm(E)
    ratio = nE / ops.fro_norm(E_half)
    lo, hi = p["ratio_band"]
    return [
        Condition("E(t) = sum over |S|>=2 of the product expansion",
                  ops.fro_norm(ops.sub(E, Es)), "<=", ops.scalar(0),
                  float_tol=1e-9 * (1 + ops.mid(nE))),
        Condition("||E(eta)|| / ||E(eta/2)|| >= lower (second order)", ratio,
                  ">=", ops.scalar(exact_const(lo))),
        Condition("||E(eta)|| / ||E(eta/2)|| <= upper (second order)", ratio,
                  "<=", ops.scalar(exact_const(hi))),
    ]


register(Result(
    id="hxp20.eq_expand", title="Expansion of the product update; definition of U(t), E(t)",
    certifiable=True,  # issue 13: conditions in ops, identity decided exactly
    source=Source(PAPER, "§4.1", "display before eq. (6)"),
    statement=r"W_{L:1}(t+1)=W_{L:1}(t)-\eta\sum_iW_{L:i+1}\nabla_iW_{i-1:1}+E(t)",
    kind="identity",
    check=Deterministic(_sample_plain, _no_hypotheses, _eq_expand_conclusions),
    params={"max_L": 4, "max_width": 3, "eta": 1e-3, "ratio_band": [3.5, 4.5]},
    broken={"ratio_band": [1.8, 2.2]},  # claiming E is first order in eta
    instances=12,
    notes="E(t) from the engine equals the explicit subset sum; halving eta divides ||E|| by "
          "about 4 (second order).",
))


# --------------------------------------------------------------------------- eq. (6), (7)
def vec(M: np.ndarray) -> np.ndarray:
    """Column-major vectorization, as in the paper."""
    return np.asarray(M).reshape(-1, order="F")


def vec_ops(ops: Any, M: Any) -> Any:
    """Column-major ``vec(M)`` in the vocabulary: ``sum_j e_j kron (M e_j)`` (exact: unit
    vectors and block placement only)."""
    rows, cols = ops.shape(M)
    total = None
    for j in range(cols):
        e = np.zeros((cols, 1))
        e[j, 0] = 1.0
        ej = ops.asarray(e)
        term = ops.kron(ej, ops.matmul(M, ej))
        total = term if total is None else ops.add(total, term)
    return total


def _eq6_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Eq. (6) in ``ops``: U(t), U(t+1) (one GD step in the vocabulary), P(t) and E(t) from
    the engine's vocabulary forms; an exact identity on the stored doubles (decided exactly
    by the fmpq step), float64 with a rounding allowance."""
    prob, Ws = inst["problem"], [ops.asarray(W) for W in inst["weights"]]
    eta = p["eta"]
    U = network.forward(ops, prob, Ws)
    U1 = network.forward(ops, prob, network.gd_step(ops, prob, Ws, eta))
    P = network.P_matrix(ops, prob, Ws)
    E = network.E_term(ops, prob, Ws, eta)
    coef = ops.scalar(0) - ops.scalar(p["P_sign"]) * ops.scalar(eta)
    rhs = ops.add(ops.scale(coef, ops.matmul(P, vec_ops(ops, ops.sub(U, ops.asarray(prob.Y))))),
                  ops.scale(ops.scalar(prob.alpha),
                            vec_ops(ops, ops.matmul(E, ops.asarray(prob.X)))))
    lhs = vec_ops(ops, ops.sub(U1, U))
    err = ops.fro_norm(ops.sub(lhs, rhs))
    scale = ops.mid(ops.fro_norm(lhs))
    return [Condition("vec(U(t+1)-U(t)) = -eta P vec(U-Y) + alpha vec(E X)",
                      err, "<=", ops.scalar(0), float_tol=1e-9 * (1 + scale))]


register(Result(
    id="hxp20.eq6", title="Output dynamics",
    certifiable=True,  # issue 13: conditions in ops, identity decided exactly
    source=Source(PAPER, "§4.1", "eq. (6)"),
    statement=r"\operatorname{vec}(U(t+1)-U(t))=-\eta P(t)\operatorname{vec}(U(t)-Y)"
              r"+\alpha\operatorname{vec}(E(t)X)",
    kind="identity",
    check=Deterministic(_sample_plain, _no_hypotheses, _eq6_conclusions),
    params={"max_L": 4, "max_width": 4, "eta": 0.05, "P_sign": 1.0},
    broken={"P_sign": -1.0},
    instances=12,
))


def _eq7_sample(rng: np.random.Generator, p: Params) -> Instance:
    """Sizes, data, a Haar init ``V0`` (float64's check) and a perturbed ``Vt``; then, drawn
    last so the float64 instance is unchanged, an exactly isometric dyadic init ``V0_exact``
    of the same sizes, which certified backends check for the closed form of P(0)."""
    L = int(rng.integers(2, 6))
    d_y = int(rng.integers(2, 4))
    d_x = int(rng.integers(1, 4))
    m = int(rng.integers(max(d_x, d_y), 7))
    n = int(rng.integers(1, 4))
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    prob = Problem(X=rng.standard_normal((d_x, n)), Y=rng.standard_normal((d_y, n)),
                   dims=dims, alpha=float(np.sqrt(m / d_y)))
    V0 = initialize("orthogonal", rng, dims, normalized=True)
    Vt = [V + 0.3 * rng.standard_normal(V.shape) / np.sqrt(m) for V in V0]
    V0e = initialize("orthogonal", rng, dims, normalized=True, exact=True)
    return {"problem": prob, "V0": V0, "Vt": Vt, "V0_exact": V0e}


def _P_W_units(ops: Any, prob: Problem, Vs: list[Any]) -> Any:
    """``P`` in W units, ``alpha^2/m * sum_i (...)``, with ``alpha^2 = m/d_y`` entering as the
    exact rational (the stored ``alpha = sqrt(m/d_y)`` is a rounded double; ``P`` is linear
    in ``alpha^2``, so the engine's ``P_matrix`` runs at ``alpha = 1``)."""
    m = prob.dims[1]
    P1 = network.P_matrix(ops, dataclasses.replace(prob, alpha=1.0), Vs)
    return ops.scale(ops.scalar(Fraction(m, prob.d_y)) / ops.scalar(m), P1)


def _eq7_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """P(t) is PSD at arbitrary weights; P(0) = (L/d_y) X^T X kron I at orthogonal init.

    In V units ``alpha = sqrt(m/d_y)`` so that ``alpha V_{L:1} = W_{L:1}/sqrt(m^{L-1} d_y)``.
    All in ``ops``; certified backends check the closed form at the exact dyadic isometric
    init ``V0_exact`` (a Haar init is not exactly orthogonal in float64), float64 at Haar.
    """
    prob: Problem = inst["problem"]
    exact = getattr(ops, "certified", False) and "V0_exact" in inst
    V0 = [ops.asarray(v) for v in inst["V0_exact" if exact else "V0"]]
    Pt = _P_W_units(ops, prob, [ops.asarray(v) for v in inst["Vt"]])
    P0 = _P_W_units(ops, prob, V0)
    X = ops.asarray(prob.X)
    closed = ops.scale(ops.scalar(exact_const(p["p0_factor"])) * ops.scalar(Fraction(prob.L,
                                                                                   prob.d_y)),
                       ops.kron(ops.matmul(ops.transpose(X), X), ops.eye(prob.d_y)))
    scale = ops.mid(ops.fro_norm(closed))
    return [
        Condition("lambda_min(P(t)) >= 0", ops.eigvalsh_min(Pt), ">=", ops.scalar(0),
                  float_tol=1e-12 * (1 + ops.mid(ops.fro_norm(Pt)))),
        Condition("P(0) = (L/d_y) X^T X kron I", ops.fro_norm(ops.sub(P0, closed)),
                  "<=", ops.scalar(0), float_tol=1e-12 * prob.L * (1 + scale),
                  context="exact dyadic init" if exact else "Haar init"),
    ]


register(Result(
    id="hxp20.eq7", title="The PSD matrix P(t); closed form at orthogonal init",
    certifiable=True,  # issue 13: in ops; closed form at an exact dyadic init
    source=Source(PAPER, "§4.1", "eq. (7)"),
    statement=r"P=\alpha^2\sum_i[(W_{i-1:1}X)^\top(W_{i-1:1}X)]\otimes[W_{L:i+1}W_{L:i+1}^\top]"
              r"\succeq0,\quad P(0)=\tfrac L{d_y}X^\top X\otimes I_{d_y}",
    kind="definition",
    check=Deterministic(_eq7_sample, _no_hypotheses, _eq7_conclusions),
    params={"p0_factor": 1.0},
    broken={"p0_factor": 1.0 / 2.0},
    instances=12,
    notes="The closed form of P(0) is derived in the catalog (sym5) from eq. (8), not printed. "
          "float64 checks it at a Haar init (to roundoff); certified backends (--backend ball) "
          "at an exactly isometric dyadic init of the same sizes (drawn last; X, Vt and the "
          "sizes are the float64 ones), with alpha^2 = m/d_y as the exact rational.",
))


# --------------------------------------------------------------------------- footnote 3
def _fn3_sample(rng: np.random.Generator, p: Params) -> Instance:
    a, b = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    A = rng.standard_normal((a, a))
    B = rng.standard_normal((b, b))
    return {"A": A + A.T, "B": B + B.T}


def _matrix_powers(ops: Any, M: Any, k: int) -> list[Any]:
    """``[M^0, M^1, ..., M^k]`` in the vocabulary."""
    out = [ops.eye(ops.shape(M)[0])]
    for _ in range(k):
        out.append(ops.matmul(M, out[-1]))
    return out


def _fn3_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """The multiset equality through power sums, all in ``ops``: two multisets of N reals are
    equal iff their power sums ``p_k``, k = 1..N, agree (Newton's identities), and
    ``p_k({lambda_i mu_j}) = tr(A^k) tr(B^k)`` (``{lambda_i + mu_j}``, the broken variant:
    ``sum_l C(k,l) tr(A^l) tr(B^{k-l})``). Exact identities on the stored doubles, decided
    exactly by the fmpq step; float64 with a rounding allowance."""
    A, B = ops.asarray(inst["A"]), ops.asarray(inst["B"])
    N = ops.shape(A)[0] * ops.shape(B)[0]
    K = ops.kron(A, B)
    pa, pb, pk = (_matrix_powers(ops, M, N) for M in (A, B, K))
    ta, tb = [ops.trace(M) for M in pa], [ops.trace(M) for M in pb]
    fa, fb = ops.mid(ops.fro_norm(A)), ops.mid(ops.fro_norm(B))
    conds = []
    for k in range(1, N + 1):
        if p["combine"] == "sum":
            pred = ops.scalar(0)
            for j in range(k + 1):
                pred = pred + ops.scalar(math.comb(k, j)) * ta[j] * tb[k - j]
            size = (N + fa + fb) ** k
        else:
            pred = ta[k] * tb[k]
            size = (fa * fb) ** k
        conds.append(Condition("p_k(spec(A kron B)) = p_k({lambda_i(A) lambda_j(B)})",
                               ops.trace(pk[k]), "==", pred, rtol=0.0, context=f"k={k}",
                               float_tol=1e-11 * N * k * (1 + size)))
    return conds


register(Result(
    id="hxp20.fn3", title="Eigenvalues of Kronecker products",
    certifiable=True,  # issue 13: power sums (traces) in ops, decided exactly
    source=Source(PAPER, "§4.1, footnote 3", ""),
    statement=r"\operatorname{spec}(A\otimes B)=\{\lambda_i(A)\lambda_j(B)\}\ "
              r"\text{for symmetric }A,B",
    kind="fact",
    check=Deterministic(_fn3_sample, _no_hypotheses, _fn3_conclusions),
    params={"combine": "product"},
    broken={"combine": "sum"},
    instances=16,
))
