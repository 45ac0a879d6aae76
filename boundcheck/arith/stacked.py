"""Stacked a-priori-bounded float64 kernels for the plain model's GD step and forward pass.

Shared by the fast certified one-step check (:mod:`boundcheck.certify.fastcert`) and the
``rump`` backend's fused operations; they live in the arithmetic layer because ``rump``
uses them.

For a GD step of the plain model from an EXACT float64 state (``W``, ``X``, ``Y``, ``alpha``,
``c``, ``eta`` all taken as the real numbers they store), every quantity is a sum of products
of inputs. The classic running-error lemma (Higham, *Accuracy and Stability*, §3.1-3.5;
Rump, Acta Numerica 2010, §3) gives, for any expression computed in round-to-nearest
without division, in any summation order and with or without FMA,

    |fl(e) - e| <= gamma_n * abs(e) + (underflow term),

where ``abs(e)`` is the same expression evaluated on ``|inputs|`` with every ``-`` turned
into ``+`` (so it is computed by running the SAME code on absolute values), and ``n`` is the
rounding depth: a sum adds 1 to the larger depth, a product adds the depths plus 1, a
length-``k`` dot product adds at most ``k``. For the step (layer widths ``d_0..d_L``, ``n``
samples) every output has depth ``<= N = 2 sum_j d_j + n + 8``. The computed ``abs`` value
``A`` satisfies ``abs(e) <= (A + B)/(1 - gamma_N)``, so ``gamma_N/(1 - gamma_N) (A + B) + B``
bounds the error, evaluated with :func:`boundcheck.arith.rump._finish` (inflation factors
covering its own rounding). ``B`` bounds underflow: each of the at most ``T`` product nodes
of an expression tree contributes ``eta/2`` times a co-factor product, itself at most the
expression evaluated on ``max(|input|, 1)``; both are bounded by a product over the factors
of ``(dims + 1) * max(max|entry|, 1)``, squared (negligible unless entries reach ~1e140).
Every weight matrix's factor is bounded by the one of the largest weight entry (one maximum
over all layers: a larger, hence still valid, ``B``).

**Ball inputs** (weights ``W`` with ``|W - m| <= r``, used by the ``rump`` backend's fused
operations and for the loss over the new ball): for a polynomial ``e`` of the weights with
abs-polynomial ``F``, ``|e(W) - e(m)| <= F(|m| + r) - F(|m|)`` (expand monomial by monomial;
every term of the difference contains a factor of ``W - m``). So the same code runs once
more on ``|m| + r`` (the leaf additions add 1 to the depth), and the radius is
``up(F(|m|+r)) - down(F(|m|)) + gamma_N/(1-gamma_N)(A + B) + B``, every operation rounded
to nearest and stepped outward with ``nextafter`` (directed-rounding emulation).

**Batching.** The midpoint, absolute-value and ``|m| + r`` evaluations run as the entries
``k = 0, 1(, 2)`` of one stacked computation (weights ``(k, d_out, d_in)``, data ``[X, |X|]``,
``[Y, -|Y|]``, step ``-eta`` for the midpoint entry and ``+|eta|`` for the others), so each
product is one batched ``np.matmul``. Every entry of a batched product is a dot product
computed in round-to-nearest in some order, possibly with FMA: exactly what the error
analysis above assumes, so batching changes no bound.

Overflow: a non-finite midpoint or radius is never a value -- :class:`RMat` turns it into
an unbounded ball, the loss bounds become infinite/NaN and the descent is undecided.

Cost: one stacked step (2 entries) and one stacked forward pass (3 entries); radii are of
order ``gamma_N * abs`` -- looser than Arb (~1e-8 at L=10, m=16 where ``prod ||abs(V_k)||``
is large) but ample to certify descent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import numpy as np

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import _finish, gamma, gamma_ratio, inv_one_minus_gamma

_INF = np.inf
_nextafter = np.nextafter


def _up(x: np.ndarray) -> np.ndarray:
    """One step up, in place (after one RN operation: an upper bound)."""
    return _nextafter(x, _INF, out=x)


def _dn(x: np.ndarray) -> np.ndarray:
    """One step down, in place (after one RN operation: a lower bound)."""
    return _nextafter(x, -_INF, out=x)


@cache
def inv_one_plus_gamma_down(k: int) -> float:
    """A float ``<= 1 / (1 + gamma_k)``."""
    v = 1 / (1 + Fraction(gamma(k)))
    f = float(v)
    return f if Fraction(f) <= v else math.nextafter(f, -math.inf)


# ------------------------------------------------------------------ flat layouts
@cache
def layout(dims: tuple[int, ...]) -> tuple[tuple[tuple[int, int, int, int], ...], int]:
    """Offsets of the layers ``W_i`` (``d_i x d_{i-1}``) in one flat vector, and its length."""
    out, o = [], 0
    for i in range(len(dims) - 1):
        r, c = dims[i + 1], dims[i]
        out.append((o, o + r * c, r, c))
        o += r * c
    return tuple(out), o


def pack(mats: Sequence[np.ndarray], out: np.ndarray) -> np.ndarray:
    """Copy the layers into the flat vector ``out`` (row-major, layer after layer)."""
    return np.concatenate([np.asarray(M).ravel() for M in mats], out=out)


def views(buf: np.ndarray, lay: tuple[tuple[int, int, int, int], ...]) -> list[np.ndarray]:
    """Per-layer views ``(..., d_i, d_{i-1})`` of a flat (or stacked flat) buffer.

    Splitting the contiguous last axis never copies, so writes through a view land in
    ``buf`` (tests check it)."""
    lead = buf.shape[:-1]
    return [buf[..., a:b].reshape(lead + (r, c)) for a, b, r, c in lay]


# ------------------------------------------------------------------ underflow bound
def underflow_bound(wmax: float, n_w: int, others: Sequence[float], dims: Sequence[int],
                    scalars: Sequence[float]) -> float:
    """``B`` of the module docstring with one maximum ``wmax`` for all ``n_w`` weight
    matrices (each factor ``D max(max|W_i|, 1) <= D max(wmax, 1)``) and the maxima of the
    other matrix inputs (data). ``inf`` when the bound leaves the float range."""
    D = float(max(dims) + 1)
    try:
        f = (D * max(wmax, 1.0)) ** n_w
        for m in others:
            f *= D * max(m, 1.0)
        for s in scalars:
            f *= max(abs(s), 1.0) + 1.0
        val = (f * f) * 4.0 * bc.ETA * 2.0**60  # 2^60 absorbs the rounding of f itself
    except OverflowError:
        return math.inf
    return math.nextafter(val, math.inf) if math.isfinite(val) else math.inf


# ------------------------------------------------------------------ stacked kernels
def _stack_weights(m: np.ndarray, r: np.ndarray | None) -> np.ndarray:
    """``[m, |m|]`` or ``[m, |m|, |m| + r]`` as a ``(k, total)`` buffer."""
    k = 2 if r is None else 3
    S = np.empty((k, m.shape[0]))
    S[0] = m
    np.abs(m, out=S[1])
    if r is not None:
        np.add(S[1], r, out=S[2])
    return S


def _stack_data(X: np.ndarray, k: int, neg: bool) -> tuple[np.ndarray, float]:
    """``[X, |X|, ...]`` (``neg``: ``[X, -|X|, ...]``), shape ``(k, rows, cols)``, and
    ``max |X|``."""
    S = np.empty((k,) + X.shape)
    S[0] = X
    A = S[1]
    np.abs(X, out=A)
    amax = float(A.max(initial=0.0))
    if neg:
        np.negative(A, out=A)
    if k == 3:
        S[2] = A
    return S, amax


def step_depth(dims: Sequence[int], n: int) -> int:
    return 2 * sum(dims) + n + 8


def forward_depth(dims: Sequence[int]) -> int:
    # the chain adds sum_{j<L} d_j, alpha 1, the rounded leaves |m| + r 1 per layer
    return sum(dims[:-1]) + (len(dims) - 1) + 4


def _ball_radius(S: np.ndarray, B: float, k: int, gidx: int) -> np.ndarray:
    """Radius of the stacked results ``S`` (rows: midpoint, abs, [abs on |m|+r]), fresh.

    Exact inputs (``k = 2``): ``gamma/(1-gamma) (A + B) + B`` via :func:`_finish`. Ball inputs
    (``k = 3``): ``[up F(|m|+r) - down F(|m|)] + gamma/(1-gamma)(A + B) + B`` with
    ``F(|m|+r) <= (H + B)/(1 - gamma')`` (``gamma'`` one level deeper) and
    ``F(|m|) >= (A - B)/(1 + gamma)``; every RN operation is followed by one step outward.
    """
    A = S[1]
    if k == 2:
        return _finish(A.copy(), gamma_ratio(gidx), 4 * (B + bc.ETA))
    hiH = _up(np.add(S[2], B))
    _up(np.multiply(hiH, inv_one_minus_gamma(gidx + 1), out=hiH))
    loA = _dn(np.subtract(A, B))
    _dn(np.multiply(loA, inv_one_plus_gamma_down(gidx), out=loA))
    rad = _up(np.subtract(hiH, loA, out=hiH))
    err = _up(np.add(A, B))
    _up(np.multiply(err, gamma_ratio(gidx), out=err))
    _up(np.add(rad, err, out=rad))
    return _up(np.add(rad, B, out=rad))


@dataclass
class StepStack:
    """One stacked GD step: flat new midpoints and radii (possibly non-finite), the stacked
    residuals ``R`` (``k, d_L, n``) at the inputs, and the underflow bound ``B``."""
    mid: np.ndarray
    rad: np.ndarray
    R: np.ndarray
    B: float
    amax_abs: float   # max of the abs evaluation of the new weights (for the B test)


def step_stack(dims: tuple[int, ...], X: np.ndarray, Y: np.ndarray, a: float, c: float,
               eta: float, m: np.ndarray, r: np.ndarray | None) -> StepStack:
    """Enclosure of ``W - eta c a S^T (a P_L - Y) P^T`` (the plain GD step, all layers) for
    every ``W`` with ``|W - m| <= r`` (``r=None``: exact), ``m``/``r`` flat (:func:`layout`).

    The scalars ``a, c, eta`` and the data are exact floats. Midpoint and absolute-value
    evaluations (and ``|m| + r``) run as one batch (module docstring)."""
    lay, total = layout(dims)
    k = 2 if r is None else 3
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        Wst = _stack_weights(m, r)
        Wv = views(Wst, lay)
        Xs, xmax = _stack_data(X, k, False)
        Ys, ymax = _stack_data(Y, k, True)
        P = [Xs]
        for W in Wv:
            P.append(np.matmul(W, P[-1]))
        R = np.multiply(P[-1], a)
        R -= Ys                       # entry 0: a P - Y; others: a |P| + |Y|
        s = (eta * a) * c             # two rounded scalar products (counted in the depth)
        sv = np.full((k, 1, 1), abs(s))
        sv[0] = -s
        SR = R * sv
        out = np.empty((k, total))
        Ov = views(out, lay)
        for i in range(len(Wv) - 1, -1, -1):
            np.matmul(SR, P[i].swapaxes(-1, -2), out=Ov[i])
            if i:
                SR = np.matmul(Wv[i].swapaxes(-1, -2), SR)
        out += Wst                    # W - eta G (midpoint), |W| + |eta G| (abs entries)
        wmax = float(Wst[k - 1].max(initial=0.0))
        B = underflow_bound(wmax, len(lay), [xmax, ymax], dims, [a, c, eta])
        rad = _ball_radius(out, B, k, step_depth(dims, X.shape[1]))
        amax = float(out[1].max(initial=0.0))
    return StepStack(mid=out[0], rad=rad, R=R, B=B, amax_abs=amax)


def forward_residual(dims: tuple[int, ...], X: np.ndarray, Y: np.ndarray, a: float,
                     m: np.ndarray, r: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
    """``Rm`` and ``rho >= 0`` with ``|a W_L..W_1 X - Y - Rm| <= rho`` for every ``W`` with
    ``|W - m| <= r`` (flat ``m``, ``r``; ``r=None``: exact); also the underflow bound."""
    lay, _ = layout(dims)
    k = 2 if r is None else 3
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        Wst = _stack_weights(m, r)
        out, xmax = _stack_data(X, k, False)
        for W in views(Wst, lay):
            out = np.matmul(W, out)
        out *= a
        wmax = float(Wst[k - 1].max(initial=0.0))
        Bf = underflow_bound(wmax, len(lay), [xmax], dims, [a])
        flat = out.reshape(k, -1)
        gi = forward_depth(dims)
        if k == 2:
            rho = _up(np.add(flat[1], Bf))
            _up(np.multiply(rho, gamma_ratio(gi), out=rho))
            _up(np.add(rho, Bf, out=rho))
        else:
            rho = _ball_radius(flat, Bf, 3, gi)
        Rm = out[0] - Y  # one more rounding: <= u |Rm| (exact in the subnormal range)
        rho = rho.reshape(Rm.shape)
        e = _up(np.abs(Rm) * bc.U)
        _up(np.add(rho, e, out=rho))
        _up(np.add(rho, bc.ETA, out=rho))
    return Rm, rho, Bf


def sumsq_bounds(Rm: np.ndarray, rho: np.ndarray) -> tuple[float, float]:
    """Bounds of ``||R||_F^2`` over ``|R - Rm| <= rho`` (``Rm`` exact, ``rho >= 0``).

    A length-``N`` sum of squares of non-negative floats satisfies
    ``|fl(s) - s| <= gamma_N s + (N+1) eta``; every other operation is stepped outward."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        aR = np.abs(Rm)
        hi_ = _up(aR + rho)
        lo_ = _dn(aR - rho)
        np.maximum(lo_, 0.0, out=lo_)
        N = Rm.size
        s_hi = float(np.vdot(hi_, hi_))  # a length-N dot product, any order / FMA
        s_lo = float(np.vdot(lo_, lo_))
    slack = (N + 1) * bc.ETA  # exact: a small multiple of the smallest subnormal
    up = math.nextafter(math.nextafter(s_hi + slack, math.inf) * inv_one_minus_gamma(N),
                        math.inf)
    dn = math.nextafter(math.nextafter(s_lo - slack, -math.inf) * inv_one_plus_gamma_down(N),
                        -math.inf)
    return max(dn, 0.0), up


def _loss_bounds(Rm: np.ndarray, rho: np.ndarray, c: float) -> tuple[float, float]:
    """Bounds of ``c/2 ||R||^2`` over ``|R - Rm| <= rho`` (``Rm`` exact, ``rho >= 0``)."""
    s_lo, s_hi = sumsq_bounds(Rm, rho)
    half = 0.5 * c  # exact unless c is subnormal: step outward
    half_hi, half_lo = math.nextafter(half, math.inf), max(math.nextafter(half, -math.inf), 0.0)
    return (max(0.0, math.nextafter(half_lo * s_lo, -math.inf)),
            math.nextafter(half_hi * s_hi, math.inf))


def all_finite(*arrays: np.ndarray) -> bool:
    """Whether every entry is finite: a sum is finite only if all its summands are (an
    overflowing sum of finite entries answers ``False``: conservative)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return all(math.isfinite(float(a.sum())) for a in arrays)
