"""Validated enclosures of gradient flow ``dW_l/dt = -grad_l R(W)`` (issue 13).

The gradient-flow field of a deep linear network is polynomial in the weights, so the
Taylor coefficients of the solution are computed exactly in Arb ball arithmetic
(python-flint ``arb_series``, truncated power series) by Picard iteration on series
(``x_{j+1} = f_j(x) / (j+1)``: iteration ``j`` fixes coefficient ``j``). One step
``[t_k, t_k + h]``:

1. *a-priori enclosure*: a box ``B`` with ``X_k + [0, h] f(B) ⊆ interior(B)`` (first-order
   Picard-Lindelöf test; inflate and retry, halve ``h`` on failure). Then every solution
   from ``X_k`` stays in ``X_k + [0, h] f(B) ⊆ B`` on the step.
2. *Taylor part* ``T(x) = sum_{j<K} c_j(x) h^j`` from the state, and the Lagrange remainder
   ``c_K(B) [0,h]^K`` (the K-th coefficient of the solution through any state of ``B``
   encloses ``x^{(K)}(xi) / K!``).
3. *propagation without wrapping*: in dimension one the flow map is monotone, so the two
   endpoints of ``X_k`` are propagated as points (:func:`enclose_scalar`). In dimension
   ``n`` the state is kept as ``m_k + A_k r_k`` (Lohner's QR method): the mean-value form
   ``phi(x) ∈ T(m) + c_K(B) h^K + DT(X) A r`` with the Jacobian ``DT(X)`` of the Taylor map
   enclosed by forward-mode differentiation of the series (:class:`_Jet`), ``A_{k+1}`` the
   orthogonal factor of ``mid(DT A_k)`` and ``r_{k+1}`` its rigorously inverted image.

Statements "for all t" are decided on each step's *Taylor model* of an observable
``g(W(t))``: ``g(t_k + tau) ∈ sum_{j<m} g_j(X_k) tau^j + g_m(B) tau^m`` for ``tau ∈ [0, h]``
(:meth:`FlowEnclosure.observable_steps`), so a bound that is tight at ``t = 0`` (e.g.
``e^{2t} R(t) <= R(0)`` from ZAS, whose first derivative vanishes there) is still decided
when the low-order coefficients are exact zeros.

Initial states, targets and data enter exactly (float64 entries are dyadic rationals;
``Fraction`` inputs become Arb balls). A step that cannot be validated (no a-priori box
down to ``h_min``, a non-finite ball) stops the enclosure: :attr:`FlowEnclosure.complete` is
False and every query beyond the validated horizon returns an infinite ball (never a
value).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, arb_mat, arb_series, ctx

Num = Any
INF = arb("0 +/- inf")


def _arb(x: Any) -> arb:
    if isinstance(x, arb):
        return x
    if isinstance(x, Fraction):
        return arb(x.numerator) / x.denominator
    if isinstance(x, int | np.integer):
        return arb(int(x))
    f = float(x)
    if not math.isfinite(f):
        raise ValueError("flow enclosure inputs must be finite")
    return arb(f)  # exact: a double is a dyadic rational


class _Prec:
    """Set Arb's working precision and the series length cap (restored on exit)."""

    def __init__(self, prec: int, cap: int) -> None:
        self.prec, self.cap = prec, cap

    def __enter__(self) -> None:
        self.old = (ctx.prec, ctx.cap)
        ctx.prec = max(ctx.prec, self.prec)
        ctx.cap = max(ctx.cap, self.cap)

    def __exit__(self, *exc: object) -> None:
        ctx.prec, ctx.cap = self.old


def _coeffs(s: arb_series, n: int) -> list[arb]:
    """The first n coefficients of a series of length >= n (trailing exact zeros kept)."""
    if s.prec < n:
        raise RuntimeError(f"series of length {s.prec} where {n} coefficients are needed")
    c = list(s.coeffs())[:n]
    return c + [arb(0)] * (n - len(c))


def _finite(x: arb) -> bool:
    return x.is_finite()


def _trunc(s: arb_series, n: int) -> arb_series:
    return arb_series(s.coeffs()[:n], prec=n)


def _horner(coeffs: Sequence[arb], tau: arb) -> arb:
    acc = arb(0)
    for c in reversed(coeffs):
        acc = acc * tau + c
    return acc


def _coeff(s: Any, j: int) -> arb:
    if not isinstance(s, arb_series):
        return _arb(s) if j == 0 else arb(0)
    return _coeffs(s, j + 1)[j]


class _Jet:
    """A truncated series with first-order tangents: ``v + sum_i eps_i dv[i]``."""

    __slots__ = ("dv", "v")

    def __init__(self, v: arb_series, dv: list[arb_series] | None) -> None:
        self.v, self.dv = v, dv

    def __add__(self, o: Any) -> _Jet:
        if isinstance(o, _Jet):
            if self.dv is None:
                return _Jet(self.v + o.v, o.dv)
            if o.dv is None:
                return _Jet(self.v + o.v, self.dv)
            return _Jet(self.v + o.v, [a + b for a, b in zip(self.dv, o.dv, strict=True)])
        return _Jet(self.v + o, self.dv)

    __radd__ = __add__

    def __neg__(self) -> _Jet:
        return _Jet(-self.v, None if self.dv is None else [-a for a in self.dv])

    def __sub__(self, o: Any) -> _Jet:
        return self + (-o)

    def __rsub__(self, o: Any) -> _Jet:
        return (-self) + o

    def __mul__(self, o: Any) -> _Jet:
        if isinstance(o, _Jet):
            if self.dv is None and o.dv is None:
                dv = None
            elif self.dv is None:
                dv = [self.v * b for b in o.dv]
            elif o.dv is None:
                dv = [a * o.v for a in self.dv]
            else:
                dv = [self.v * b + a * o.v for a, b in zip(self.dv, o.dv, strict=True)]
            return _Jet(self.v * o.v, dv)
        return _Jet(self.v * o, None if self.dv is None else [a * o for a in self.dv])

    __rmul__ = __mul__

    def integral(self) -> _Jet:
        return _Jet(self.v.integral(), None if self.dv is None else
                    [a.integral() for a in self.dv])

    def trunc(self, n: int) -> _Jet:
        return _Jet(_trunc(self.v, n), None if self.dv is None else
                    [_trunc(a, n) for a in self.dv])


# ----------------------------------------------------------------------- the fields
Field = Callable[[list[Num]], list[Num]]


def _mm(A: list[list[Num]] | None, B: list[list[Num]] | None) -> list[list[Num]] | None:
    """Matrix product on nested lists of generic numbers; None stands for the identity."""
    if A is None:
        return B
    if B is None:
        return A
    n, k, m = len(A), len(B), len(B[0])
    out = []
    for i in range(n):
        row = []
        for j in range(m):
            acc = None
            for q in range(k):
                a, b = A[i][q], B[q][j]
                if isinstance(a, int) and a == 0 or isinstance(b, int) and b == 0:
                    continue
                t = a * b
                acc = t if acc is None else acc + t
            row.append(0 if acc is None else acc)
        out.append(row)
    return out


def _tr(A: list[list[Num]] | None) -> list[list[Num]] | None:
    return None if A is None else [list(r) for r in zip(*A, strict=True)]


@dataclass
class MatrixFlow:
    """Gradient flow of ``R = s/2 ||W_L ... W_1 X - Y||_F^2`` (``X = None``: whitened, X = I),
    weights ``W_i`` of shape ``dims[i] x dims[i-1]``; state = the entries of ``W_1..W_L``
    row-major, concatenated."""

    dims: tuple[int, ...]
    Y: list[list[arb]]
    X: list[list[arb]] | None = None
    scale: arb = field(default_factory=lambda: arb(1))

    @classmethod
    def whitened(cls, Phi: Any, dims: Sequence[int]) -> MatrixFlow:
        P = np.asarray(Phi, dtype=object)
        return cls(tuple(int(d) for d in dims), [[_arb(x) for x in row] for row in P])

    @classmethod
    def data(cls, X: Any, Y: Any, dims: Sequence[int], scale: Any = 1) -> MatrixFlow:
        Xo, Yo = np.asarray(X, dtype=object), np.asarray(Y, dtype=object)
        return cls(tuple(int(d) for d in dims), [[_arb(x) for x in r] for r in Yo],
                   [[_arb(x) for x in r] for r in Xo], _arb(scale))

    @property
    def L(self) -> int:
        return len(self.dims) - 1

    @property
    def size(self) -> int:
        return sum(self.dims[i] * self.dims[i - 1] for i in range(1, len(self.dims)))

    def unpack(self, z: Sequence[Num]) -> list[list[list[Num]]]:
        out, k = [], 0
        for i in range(1, len(self.dims)):
            r, c = self.dims[i], self.dims[i - 1]
            out.append([list(z[k + a * c: k + (a + 1) * c]) for a in range(r)])
            k += r * c
        return out

    def loss_and_grads(self, z: Sequence[Num]) -> tuple[Num, list[list[list[Num]]]]:
        Ws = self.unpack(z)
        L = len(Ws)
        P: list[Any] = [self.X]  # P[i] = W_i ... W_1 X
        for W in Ws:
            P.append(_mm(W, P[-1]))
        E = [[P[-1][i][j] - self.Y[i][j] for j in range(len(self.Y[0]))]
             for i in range(len(self.Y))]
        R = 0
        for row in E:
            for e in row:
                R = R + e * e
        R = R * (self.scale / 2)
        M = [[e * self.scale for e in row] for row in E]
        MX = _mm(M, _tr(self.X)) if self.X is not None else M  # d_L x d_0
        grads: list[Any] = [None] * L
        S: Any = None  # W_L ... W_{l+1}
        for l in range(L - 1, -1, -1):  # layer l+1 (0-based l)
            Pl = _prefix_noX(Ws, l)
            left = _mm(_tr(S), MX)
            grads[l] = _mm(left, _tr(Pl)) if Pl is not None else left
            S = _mm(S, Ws[l])
        return R, grads

    def field(self, z: Sequence[Num]) -> list[Num]:
        _, G = self.loss_and_grads(z)
        return [-g for Gm in G for row in Gm for g in row]

    def observables(self, z: Sequence[Num]) -> dict[str, Num]:
        """``R``, ``||grad R||^2``, ``||grad_L R||^2``, ``sum_{l<L} ||grad_l R||^2`` and (whitened
        square problems) ``gap44 = ||grad_L R||^2 - 2R`` written as ``tr(E (P^T P - I) E^T)``
        with ``P = W_{L-1}...W_1`` -- the same number, but with the cancellation done
        exactly (zero coefficients stay exact zeros), so bounds tight at ZAS are decidable."""
        R, G = self.loss_and_grads(z)
        g2, gL = 0, 0
        for i, Gm in enumerate(G):
            for row in Gm:
                for g in row:
                    g2 = g2 + g * g
                    if i == len(G) - 1:
                        gL = gL + g * g
        out = {"R": R, "grad2": g2, "gradL2": gL}
        low = 0
        for Gm in G[:-1]:
            for row in Gm:
                for g in row:
                    low = low + g * g
        out["grad_lower2"] = low
        if self.X is None and self.dims[0] == self.dims[-2]:  # whitened: scale 1
            Ws = self.unpack(z)
            P = _prefix_noX(Ws, len(Ws) - 1)
            PtP = _mm(_tr(P), P)
            gap = 0
            if PtP is not None:
                n0 = self.dims[0]
                M = [[PtP[i][j] - (1 if i == j else 0) for j in range(n0)] for i in range(n0)]
                Wl = Ws[-1]
                WP = _mm(Wl, P)
                E = [[WP[i][j] - self.Y[i][j] for j in range(n0)]
                     for i in range(len(self.Y))]
                EM = _mm(E, M)
                for i in range(len(E)):
                    for j in range(n0):
                        gap = gap + EM[i][j] * E[i][j]
                out["M"] = M
            out["gap44"] = gap
        return out


def _prefix_noX(Ws: list[list[list[Num]]], l: int) -> list[list[Num]] | None:
    """W_l ... W_1 (0-based: the product of Ws[:l]); None for l = 0 (identity)."""
    P = None
    for W in Ws[:l]:
        P = _mm(W, P)
    return P


@dataclass
class ScalarZAS:
    """The exact 1-D reduction of the L-layer scalar flow from ZAS (wwm19 T3):
    ``w_1 = ... = w_{L-1} = a``, ``w_L = b``, ``a^2 = 1 + b^2`` (``D_{L-1} = -1`` is
    invariant, ``a > 0``), ``b' = -(b q - c) q`` with ``q = (1 + b^2)^{(L-1)/2}``;
    ``R = (b q - c)^2 / 2``, ``||grad R||^2 = 2 R (1+b^2)^{L-2} (1 + L b^2)``."""

    L: int
    c: arb

    def _q(self, b: Num, e: Fraction) -> Num:
        return _pow(1 + b * b, e)

    def field(self, z: Sequence[Num]) -> list[Num]:
        b = z[0]
        q = self._q(b, Fraction(self.L - 1, 2))
        return [-((b * q - self.c) * q)]

    def observables(self, z: Sequence[Num]) -> dict[str, Num]:
        b = z[0]
        q = self._q(b, Fraction(self.L - 1, 2))
        e = b * q - self.c
        R = e * e / 2
        rate = self._q(b, Fraction(self.L - 2)) * (1 + self.L * b * b)
        return {"R": R, "grad2": 2 * R * rate, "rate": rate}


def _pow(u: Num, e: Fraction) -> Num:
    """``u^e`` for an integer or half-integer ``e`` (u's constant term > 0), exact for
    integer ``e`` and ``sqrt(u)^(2e)`` otherwise; works on arb and arb_series."""
    if e < 0:
        v = _pow(u, -e)
        return v.inv() if isinstance(v, arb_series) else 1 / v
    if e.denominator == 1:
        return 1 if e == 0 else u ** int(e)
    return u.sqrt() ** int(2 * e)


# ----------------------------------------------------------------------- Taylor series
def taylor(f: Field, x0: Sequence[Num], n: int) -> list[Any]:
    """Coefficients 0..n-1 of the solution of ``x' = f(x)``, ``x(0) = x0`` (series of length
    n; entries of x0 are arb balls or :class:`_Jet` of constants)."""
    def lift(v: Num, k: int) -> Any:
        return v.trunc(k) if isinstance(v, _Jet) else arb_series([v], prec=k)

    x = [lift(v, 1) for v in x0]
    for j in range(1, n):
        fx = f([xi.trunc(j) if isinstance(xi, _Jet) else _trunc(xi, j) for xi in x])
        x = [(_lift_const(v, j + 1) + (fi if not isinstance(fi, int) else
                                        arb_series([fi], prec=j)).integral())
             for v, fi in zip(x0, fx, strict=True)]
    return x


def _lift_const(v: Num, k: int) -> Any:
    if isinstance(v, _Jet):
        return v.trunc(k)
    return arb_series([v], prec=k)


def _jets(X: Sequence[arb]) -> list[_Jet]:
    n = len(X)
    return [_Jet(arb_series([X[i]], prec=1),
                 [arb_series([1 if i == j else 0], prec=1) for j in range(n)])
            for i in range(n)]


# ----------------------------------------------------------------------- enclosure
@dataclass
class Step:
    t0: arb
    h: arb
    X: list[arb]  # enclosure of the state at t0
    cX: list[list[arb]]  # Taylor coefficients (0..K-1) of the solution from the box X
    cB: list[list[arb]]  # coefficients 0..K from the a-priori box B
    B: list[arb]

    @property
    def interval(self) -> arb:
        return self.t0 + arb(0.5) * self.h + arb(0, 1) * (arb(0.5) * self.h)


@dataclass
class FlowEnclosure:
    """Validated enclosure of a flow on ``[0, t_end]`` (module docstring)."""

    system: Any
    t_end: arb
    steps: list[Step]
    final: list[arb]
    complete: bool
    message: str = ""
    order: int = 20
    elapsed: float = 0.0
    prec: int = 128

    @property
    def t_reached(self) -> arb:
        if not self.steps:
            return arb(0)
        s = self.steps[-1]
        return s.t0 + s.h  # the end of the last validated step

    def _step_for(self, t: arb) -> int | None:
        for k, s in enumerate(self.steps):
            if t >= s.t0 and t <= s.t0 + s.h:
                return k
        return None

    def state_at(self, t: Any) -> list[arb]:
        """Enclosure of the state at time ``t`` (infinite past the validated horizon)."""
        t = _arb(t)
        k = self._step_for(t)
        n = len(self.final)
        if k is None:
            return [INF] * n
        s = self.steps[k]
        return self._eval(s, t - s.t0)

    def _eval(self, s: Step, tau: arb) -> list[arb]:
        K = len(s.cX[0])
        return [_horner(s.cX[i], tau) + s.cB[i][K] * tau ** K for i in range(len(s.X))]

    def state_over(self, ta: Any, tb: Any) -> list[arb]:
        """Enclosure of ``{x(t) : t in [ta, tb]}`` (hull of the step enclosures)."""
        ta, tb = _arb(ta), _arb(tb)
        out: list[arb] | None = None
        covered = False
        for s in self.steps:
            lo, hi = s.t0, s.t0 + s.h
            if hi < ta or lo > tb:
                continue
            a = ta - s.t0 if ta > lo else arb(0)
            b = tb - s.t0 if tb < hi else s.h
            tau = (a + b) / 2 + arb(0, 1) * ((b - a) / 2)
            v = self._eval(s, tau)
            out = v if out is None else [x.union(y) for x, y in zip(out, v, strict=True)]
            if hi >= tb:
                covered = True
        if out is None or not covered:
            return [INF] * len(self.final)
        return out

    def observable_steps(self, fn: Callable[[list[arb_series], arb_series], arb_series],
                         order: int = 3) -> list[tuple[arb, list[arb], arb]]:
        """Per step ``(h, [g_0 .. g_{m-1}] from X_k, g_m from B)`` of ``g(t) = fn(x(t), t)``
        (``fn`` maps the state series and the time series ``t_k + tau`` to a series):
        ``g(t_k + tau) ∈ sum_j g_j tau^j + g_m tau^m`` for every ``tau ∈ [0, h]``."""
        m = order
        out = []
        with _Prec(self.prec, m + 8):
            out = self._observable_steps(fn, m)
        return out

    def _observable_steps(self, fn: Callable[[list[arb_series], arb_series], arb_series],
                          m: int) -> list[tuple[arb, list[arb], arb]]:
        out = []
        for s in self.steps:
            xs = [arb_series(c[:m], prec=m) for c in s.cX]
            ts = arb_series([s.t0, 1], prec=m)
            gx = fn(xs, ts)
            xb = [arb_series(c[: m + 1], prec=m + 1) for c in s.cB]
            tb = arb_series([s.interval, 1], prec=m + 1)
            gb = fn(xb, tb)
            out.append((s.h, [_coeff(gx, j) for j in range(m)], _coeff(gb, m)))
        return out

    def step_bounds(self, fn: Callable[[list[arb_series], arb_series], arb_series],
                    order: int = 8, pieces: int = 4) -> list[dict[str, arb]]:
        """Per step: exact-point bounds ``inf_lo <= inf g <= inf_hi`` and ``sup_lo <= sup g <=
        sup_hi`` over the step interval, and the start value ``g(t_k)`` (a ball). The step is
        cut into ``pieces``: on ``[0, b]`` the Taylor model is bounded by the nested recursion
        (:func:`_sup_bound`, exact low-order zeros stay decisive); on ``[a, b]``, ``a > 0``, the
        polynomial part is re-expanded at ``a`` and the remainder ``g_m [a, b]^m`` added."""
        out = []
        with _Prec(self.prec, order + 8):
            for h, gs, gm in self.observable_steps(fn, order):
                m = len(gs)
                sup_hi = _sup_bound(gs, gm, h / pieces)
                inf_lo = -_sup_bound([-g for g in gs], -gm, h / pieces)
                vals = [gs[0]]
                for i in range(1, pieces + 1):
                    a = h * i / pieces
                    vals.append(_horner(gs, a) + gm * a ** m)
                    if i == pieces:
                        break
                    q = [sum((arb(math.comb(j, r)) * gs[j] * a ** (j - r)
                              for j in range(r, m)), arb(0)) for r in range(m)]
                    w = h / pieces
                    tau = a + w / 2 + arb(0, 1) * (w / 2)
                    rem = gm * tau ** m
                    sup_hi = max(sup_hi, arb((_sup_bound(q[:-1], q[-1], w)
                                              + arb(rem.upper())).upper()))
                    inf_lo = min(inf_lo, arb((-_sup_bound([-x for x in q[:-1]], -q[-1], w)
                                              + arb(rem.lower())).lower()))
                out.append({"sup_hi": sup_hi, "inf_lo": inf_lo,
                            "sup_lo": max(arb(e.lower()) for e in vals),
                            "inf_hi": min(arb(e.upper()) for e in vals), "start": gs[0]})
        return out

    def extremes(self, fn: Callable[[list[arb_series], arb_series], arb_series],
                 order: int = 8, nonincreasing: Sequence[bool] | None = None
                 ) -> dict[str, Any]:
        """Balls enclosing ``min`` and ``max`` of ``g(t) = fn(x(t), t)`` over ``[0, t_end]``
        (infinite if the enclosure is incomplete). ``nonincreasing[k]``: g is known (certified
        by the caller) to be non-increasing on step k; then its sup there is ``g(t_k)``, and on
        the leading run of such steps it is ``g(0)``."""
        with _Prec(self.prec, order + 8):
            return self._extremes(fn, order, nonincreasing)

    def _extremes(self, fn: Callable[[list[arb_series], arb_series], arb_series],
                  order: int, nonincreasing: Sequence[bool] | None) -> dict[str, Any]:
        sb = self.step_bounds(fn, order)
        if not self.complete or not sb:
            return {"min": INF, "max": INF, "complete": False, "steps": sb}
        prefix = True
        for k, b in enumerate(sb):
            if nonincreasing is not None and nonincreasing[k]:
                ref = sb[0]["start"] if prefix else b["start"]
                b["sup_hi"] = min(b["sup_hi"], arb(ref.upper()))
            else:
                prefix = False
        mn = _between(min(b["inf_lo"] for b in sb), min(b["inf_hi"] for b in sb))
        mx = _between(max(b["sup_lo"] for b in sb), max(b["sup_hi"] for b in sb))
        kmin = min(range(len(sb)), key=lambda k: float(sb[k]["inf_lo"].mid()))
        return {"min": mn, "max": mx, "complete": True, "steps": sb,
                "argmin_t": float(self.steps[kmin].t0.mid())}


def _between(lo: arb, hi: arb) -> arb:
    """The ball ``[lo.lower(), hi.upper()]``."""
    a, b = arb(lo.lower()), arb(hi.upper())
    if not (a.is_finite() and b.is_finite()):
        return INF
    return a.union(b)


def _sup_bound(gs: list[arb], gm: arb, h: arb) -> arb:
    """Upper bound (exact arb point) of ``sup_{tau in [0,h]} sum_j gs_j tau^j + gm tau^m``:
    ``S_m = gm^+``, ``S_j = g_j^+ + h max(0, S_{j+1})`` (each term t^j a = t^{j} (a + t ...))."""
    S = arb(gm.upper())
    for g in reversed(gs):
        S = arb(g.upper()) + arb(h.upper()) * (S if S > 0 else arb(0))
        S = arb(S.upper())
    return S


def _apriori(f: Field, X: list[arb], h: arb, tries: int = 12) -> list[arb] | None:
    """A box B with ``X + [0,h] f(B) ⊆ interior(B)``; returns the tighter ``X + [0,h] f(B)``."""
    H = arb(0.5) * h + arb(0, 1) * (arb(0.5) * h)
    B = [x + H * v for x, v in zip(X, f(X), strict=True)]
    for _ in range(tries):
        B = [arb(b.mid(), b.rad() * 2 + abs(b.mid()) * arb(2) ** -90 + arb(2) ** -200)
             for b in B]
        N = [x + H * v for x, v in zip(X, f(B), strict=True)]
        if not all(_finite(v) for v in N):
            return None
        if all(b.contains_interior(v) for b, v in zip(B, N, strict=True)):
            return N
        B = [b.union(v) for b, v in zip(B, N, strict=True)]
    return None


def _nice(h: float) -> float:
    """Round a step down to 24 significant bits (time sums then stay exact)."""
    if h <= 0:
        return 0.0
    e = math.floor(math.log2(h))
    q = 2.0 ** (e - 23)
    return math.floor(h / q) * q


def _norm_coeffs(c: list[list[arb]], j: int) -> float:
    return max(abs(float(ci[j].mid())) + float(ci[j].rad()) for ci in c)


def _choose_h(c: list[list[arb]], scale: float, tol: float, K: int) -> float:
    hs = []
    for j in (K - 2, K - 1):
        nj = _norm_coeffs(c, j)
        if nj > 0:
            hs.append((tol * scale / nj) ** (1.0 / j))
    # scale-free cap (a radius-of-convergence estimate): near an attractor the coefficients
    # are tiny against the absolute tolerance, but lambda h must stay O(1) for the Taylor
    # models of observables
    n1 = _norm_coeffs(c, 1)
    if n1 > 0:
        for j in range(2, K):
            nj = _norm_coeffs(c, j)
            if nj > 0:
                hs.append(0.5 * (n1 / nj) ** (1.0 / (j - 1)))
    return 0.9 * min(hs) if hs else 1.0


def enclose(system: Any, x0: Sequence[Any], t_end: Any, order: int = 20, prec: int = 128,
            tol: float = 1e-18, h_max: float = 1.0, h_min: float = 1e-7,
            max_steps: int = 100000, time_limit: float = 600.0, jet_order: int = 10
            ) -> FlowEnclosure:
    """Validated enclosure of ``x' = system.field(x)`` from the exact ``x0`` on
    ``[0, t_end]``. One-dimensional systems use endpoint propagation (monotone flow map),
    others Lohner's QR method (module docstring); ``jet_order``: the Taylor orders whose
    Jacobian enters the mean-value form (the higher ones are enclosed on the box)."""
    with _Prec(prec, order + 8):
        enc = _enclose(system, [_arb(v) for v in x0], _arb(t_end), order, tol, h_max,
                       h_min, max_steps, time_limit, jet_order)
    enc.prec = prec
    return enc


def _enclose(system: Any, x0: list[arb], t_end: arb, K: int, tol: float, h_max: float,
             h_min: float, max_steps: int, time_limit: float, jet_order: int
             ) -> FlowEnclosure:
    f = system.field
    n = len(x0)
    start = time.perf_counter()
    steps: list[Step] = []
    t = arb(0)
    one_d = n == 1
    lo, hi = arb(x0[0].lower()), arb(x0[0].upper())  # exact endpoints (1-D)
    # n-D: x = m + A r with m an exact point; the initial radius goes into r
    m = [arb(v.mid()) for v in x0]
    A = arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
    r = arb_mat(n, 1, [v - mi for v, mi in zip(x0, m, strict=True)])
    X = list(x0)
    msg, ok = "", True
    while t < t_end:
        if len(steps) >= max_steps or time.perf_counter() - start > time_limit:
            ok, msg = False, f"step/time budget exhausted at t={float(t.mid()):.6g}"
            break
        # coefficients at the exact point m: the mean-value form expands about m
        pt = [lo] if one_d else m
        cm = [_coeffs(s, K) for s in taylor(f, pt, K)]
        scale = max(1.0, max(abs(float(v.mid())) for v in X))
        rem_t = float((t_end - t).mid())
        h = min(h_max, _choose_h(cm, scale, tol, K), rem_t)
        B = None
        while h >= h_min:
            if h >= 0.999 * rem_t:
                hb = t_end - t  # the last step ends exactly at t_end
            else:
                h = _nice(h)
                hb = arb(h)
            B = _apriori(f, X, hb)
            if B is not None:
                break
            h = h / 2
        if B is None:
            ok, msg = False, f"no a-priori enclosure down to h={h_min:g} at t={float(t.mid()):.6g}"
            break
        cB = [_coeffs(s, K + 1) for s in taylor(f, B, K + 1)]
        remK = [c[K] * hb ** K for c in cB]
        if one_d:
            ends = []
            for e in (lo, hi):
                ce = cm[0] if e is lo or e == lo else _coeffs(taylor(f, [e], K)[0], K)
                ends.append(_horner(ce, hb) + remK[0])
            new = [arb(ends[0].lower()).union(arb(ends[1].upper()))]
            # the box coefficients (for queries inside the step)
            cX = [_coeffs(s, K) for s in taylor(f, X, K)]
            lo, hi = arb(ends[0].lower()), arb(ends[1].upper())
        else:
            cX = [_coeffs(s, K) for s in taylor(f, X, K)]
            # T = T_lo + T_hi: the mean-value form on T_lo (orders < KJ, Jacobian by jets),
            # T_hi (orders KJ..K-1) enclosed directly on the box X (its width is
            # O(r (lambda h)^KJ / KJ!), negligible), plus the Lagrange remainder
            KJ = min(K, jet_order)
            hp = hb ** KJ
            y = [_horner(c[:KJ], hb) + hp * _horner(cx[KJ:], hb) + ri
                 for c, cx, ri in zip(cm, cX, remK, strict=True)]
            # Jacobian over a box containing both X and m (the mean-value segments)
            jets = taylor(f, _jets([x.union(mi) for x, mi in zip(X, m, strict=True)]), KJ)
            J = arb_mat(n, n)
            for a in range(n):
                for b in range(n):
                    d = jets[a].dv[b] if jets[a].dv is not None else None
                    J[a, b] = _horner(_coeffs(d, KJ), hb) if d is not None else arb(0)
            C = J * A
            mnew = [arb(v.mid()) for v in y]
            Cm = np.array([[float(C[i, j].mid()) for j in range(n)] for i in range(n)])
            rr = np.array([float(r[j, 0].rad()) + abs(float(r[j, 0].mid())) for j in range(n)])
            perm = np.argsort(-(np.linalg.norm(Cm, axis=0) * (rr + 1e-300)), kind="stable")
            Q = np.linalg.qr(Cm[:, perm])[0]
            Qa = arb_mat(n, n, Q.ravel().tolist())
            try:
                Qi = Qa.inv()
            except ZeroDivisionError:
                ok, msg = False, "singular transformation"
                break
            dy = arb_mat(n, 1, [yi - mi for yi, mi in zip(y, mnew, strict=True)])
            r = (Qi * C) * r + Qi * dy
            A = Qa
            m = mnew
            Ar = A * r
            new = [m[i] + Ar[i, 0] for i in range(n)]
        if not all(_finite(v) for v in new):
            ok, msg = False, f"non-finite enclosure at t={float(t.mid()):.6g}"
            break
        steps.append(Step(t, hb, X, cX, cB, B))
        t = t + hb
        X = new
    return FlowEnclosure(system, t_end, steps, X if ok else [INF] * n, ok and t >= t_end,
                         msg, K, time.perf_counter() - start)


# ----------------------------------------------------------------------- entry points
def enclose_flow(Ws0: Sequence[Any], Phi: Any, t_end: Any, X: Any = None, Y: Any = None,
                 **kw: Any) -> FlowEnclosure:
    """Enclosure of gradient flow of ``1/2 ||W_L...W_1 - Phi||_F^2`` (or, with data
    ``X, Y``, of ``1/2 ||W_L...W_1 X - Y||_F^2``) from the exact weights ``Ws0``."""
    Ws0 = [np.asarray(W, dtype=object) if not isinstance(W, np.ndarray) else W for W in Ws0]
    dims = [Ws0[0].shape[1]] + [W.shape[0] for W in Ws0]
    if X is None:
        sysm = MatrixFlow.whitened(Phi, dims)
    else:
        sysm = MatrixFlow.data(X, Y, dims)
    z0 = [x for W in Ws0 for x in np.asarray(W, dtype=object).ravel().tolist()]
    return enclose(sysm, z0, t_end, **kw)


def enclose_scalar_zas(c: Any, L: int, t_end: Any, **kw: Any) -> FlowEnclosure:
    """Enclosure of the exact 1-D reduction of the scalar L-layer flow from ZAS
    (:class:`ScalarZAS`): state ``b = w_L``, ``b(0) = 0``."""
    return enclose(ScalarZAS(int(L), _arb(c)), [0], t_end, **kw)


def relative_radius(v: Sequence[arb]) -> float:
    """``max_i rad(v_i) / max(1, max_i |mid(v_i)|)`` as a float (for reports)."""
    s = max(1.0, max(abs(float(x.mid())) for x in v))
    return max(float(x.rad()) for x in v) / s


__all__ = ["FlowEnclosure", "MatrixFlow", "ScalarZAS", "Step", "enclose", "enclose_flow",
           "enclose_scalar_zas", "relative_radius", "taylor"]
