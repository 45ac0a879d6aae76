"""Certified float64 midpoint-radius arithmetic in plain NumPy (backend ``rump``).

A matrix is a :class:`RMat`: a float64 midpoint ``m`` and a float64 radius ``r >= 0``
(``None`` for an exact matrix) and stands for every real matrix ``A`` with
``|A - m| <= r`` entrywise. All arithmetic runs in NumPy's round-to-nearest; radii are made
rigorous with *a priori* error bounds (Rump, BIT 39 (1999) 534-554; Acta Numerica 19
(2010) 287-449; Higham, *Accuracy and Stability*, ch. 3):

* a dot product of length ``k`` computed in any order, with or without FMA, satisfies
  ``|fl(x^T y) - x^T y| <= gamma_k |x|^T |y| + (k+1) eta`` with
  ``gamma_k = k u / (1 - k u)``, ``u = 2^-53`` and ``eta = 2^-1074`` (the underflow term);
* one rounded operation satisfies ``|fl(z) - z| <= u |fl(z)|`` (+ ``eta/2`` for a product
  in the subnormal range);
* the bound's own evaluation is made rigorous in one of two ways. (i) *Inflation factors*
  (products, sums, scaling): the non-negative radius expression ``E`` is evaluated in RN
  as ``S``; with ``p`` roundings along any path ``S >= (1 - gamma_k)(1 - u)^p E' - D``
  (``D`` the underflow deficits, ``eta/2`` per underflowing product times the row/column
  sums it is multiplied with, bounded via ``max|entry|``), and
  ``fl(fl(S G) + A)`` with ``G = 1/((1 - gamma_k)(1 - u)^(p+2))`` (exact rational, rounded
  up) and ``A >= 2 D + ... + eta`` is ``>= E`` (see :func:`_finish`). (ii) *Directed
  rounding emulation* (Kronecker products, norm bounds): every operation on non-negative
  floats is followed by ``nextafter(., +inf)``; since ``fl(z) >= z (1 - u)`` one step up
  is ``>= z``, subnormals included. A non-negative product ``P Q`` computed as
  ``S = fl(P Q)`` is at most ``(S + (k+1) eta) / (1 - gamma_k)``.

Product of balls ``<mA, rA> <mB, rB>``: midpoint ``C = fl(mA mB)``, radius
``|mA| (gamma_k |mB| + rB) + rA (|mB| + rB) + (k+1) eta`` (two non-negative products,
inflated); with an exact side the first or second term simplifies. Scalars are
:class:`flint.arb` balls (see :mod:`boundcheck.arith._ballcore`); spectra use the
Weyl/Ostrowski recipe there.

Assumes IEEE binary64 in round-to-nearest (NumPy's default; nothing here changes it).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
from flint import arb

from boundcheck.arith import _ballcore as bc
from boundcheck.arith import register_backend
from boundcheck.errors import InputError

_INF = np.inf


@cache
def gamma(k: int) -> float:
    """A float ``>= k u / (1 - k u)``."""
    return _float_up(Fraction(k, 2**53) / (1 - Fraction(k, 2**53)))


def _float_up(v: Fraction) -> float:
    f = float(v)
    return f if Fraction(f) >= v else math.nextafter(f, math.inf)


@cache
def inv_one_minus_gamma(k: int) -> float:
    """A float ``>= 1 / (1 - gamma_k)``."""
    return _float_up(1 / (1 - Fraction(gamma(k))))


_UF = Fraction(1, 2**53)


@cache
def inflation(k: int, p: int) -> float:
    """``G >= 1 / ((1 - gamma_k) (1 - u)^(p + 2))``: covers ``p`` RN roundings of a
    non-negative expression, the final multiplication and addition (see :func:`_finish`)."""
    return _float_up(1 / ((1 - Fraction(gamma(k))) * (1 - _UF) ** (p + 2)))


@cache
def gamma_ratio(k: int) -> float:
    """``>= gamma_k / ((1 - gamma_k) (1 - u)^2)``."""
    g = Fraction(gamma(k))
    return _float_up(g / ((1 - g) * (1 - _UF) ** 2))


def _abs_term(x: float) -> float:
    """A float comfortably above ``x >= 0`` (two steps up)."""
    return math.nextafter(math.nextafter(x, math.inf), math.inf)


def _finish(S: np.ndarray, G: float, A: float) -> np.ndarray:
    """``fl(fl(S * G) + A)`` in place: an upper bound of ``E`` whenever
    ``S >= c E' - D`` with ``G >= 1/(c (1-u)^2)`` and ``A >= 2 D + (extra) + eta``.

    Every operation rounds to nearest: ``fl(x y) >= x y (1 - u) - eta/2`` and, for
    non-negative summands, ``fl(x + y) >= (x + y)(1 - u)`` (additions in the subnormal range
    are exact), so ``fl(fl(S G) + A) >= c G (1-u)^2 E' - (stuff) + (1-u)(A - eta/2)``.
    """
    S *= G
    S += A
    return S


def _up(x: np.ndarray) -> np.ndarray:
    """One step up, in place (directed rounding emulation after one RN operation)."""
    return np.nextafter(x, _INF, out=x)


def upper_matmul(P: np.ndarray, Q: np.ndarray, extra: float = 0.0) -> np.ndarray:
    """A float matrix ``>= P Q + extra`` for non-negative ``P, Q`` (``extra >= 0``)."""
    k = P.shape[1]
    S = P @ Q
    S += (k + 1) * bc.ETA + extra  # the constant is exact-ish; the up below covers it
    _up(S)
    S *= inv_one_minus_gamma(k)
    return _up(S)


def _arb_sum_squares(T: np.ndarray) -> arb:
    """``sum T_ij^2`` in Arb balls: exact inputs, no overflow or underflow (Arb's exponents
    are unbounded); used when the float64 sum of squares would leave the float range."""
    total = arb(0)
    for x in np.asarray(T, dtype=np.float64).ravel():
        if x != 0.0:
            a = arb(float(x))
            total += a * a
    return total


def upper_fro(T: np.ndarray) -> arb:
    """An arb point ``>= ||T||_F`` for a non-negative float matrix ``T``."""
    N = T.size
    if N == 0:
        return arb(0)
    if not np.all(np.isfinite(T)):
        return arb.pos_inf()
    s = float(np.sum(T * T))
    if not math.isfinite(s) or s < 1e-290:  # overflow, or squares in the subnormal range
        return arb(bc.hi(_arb_sum_squares(T).sqrt()))
    bound = (bc.to_arb(s) + bc.to_arb(N + 1) * bc.to_arb(bc.ETA)) * bc.to_arb(
        inv_one_minus_gamma(N))
    return arb(bc.hi(bound.sqrt()))


def _quiet(fn):
    """Overflow inside a float64 evaluation is expected and handled (:func:`_sound`)."""
    import functools

    @functools.wraps(fn)
    def wrapped(*args, **kw):
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(*args, **kw)
    return wrapped


def _sound(mid: np.ndarray, rad: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Entries whose midpoint or radius is not finite (an overflow, ``inf - inf``, ``0 * inf``)
    become the unbounded ball ``[0 +- inf]``: they contain every real number, so nothing is
    decided on them and ``ball`` escalates to Arb (whose exponents do not overflow)."""
    bad = ~np.isfinite(mid)
    if rad is not None:
        bad |= ~np.isfinite(rad)
    if not bad.any():
        return mid, rad
    mid = np.where(bad, 0.0, mid)
    rad = np.where(bad, _INF, np.zeros_like(mid) if rad is None else rad)
    return mid, rad


class RMat:
    """Midpoint-radius float64 matrix; ``rad is None`` means exact. Caches ``|mid|``.

    Entries that are not finite are stored as unbounded balls (see :func:`_sound`)."""

    __slots__ = ("mid", "rad", "_abs", "_amax")

    def __init__(self, mid: np.ndarray, rad: np.ndarray | None = None) -> None:
        self.mid, self.rad = _sound(mid, rad)
        self._abs = None
        self._amax = None

    @classmethod
    def _checked(cls, mid: np.ndarray, rad: np.ndarray | None) -> RMat:
        """Construct without the :func:`_sound` pass: only for a ``mid`` and ``rad`` whose
        entries the caller has checked to be all finite (``_sound`` is then the identity)."""
        self = cls.__new__(cls)
        self.mid, self.rad, self._abs, self._amax = mid, rad, None, None
        return self

    @property
    def shape(self) -> tuple[int, int]:
        return self.mid.shape

    @property
    def absmid(self) -> np.ndarray:
        if self._abs is None:
            self._abs = np.abs(self.mid)
        return self._abs

    @property
    def amax(self) -> float:
        """``max |mid|`` (0 for an empty matrix)."""
        if self._amax is None:
            self._amax = float(self.absmid.max(initial=0.0))
        return self._amax

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        r = 0.0 if self.rad is None else float(self.rad.max(initial=0.0))
        return f"RMat(shape={self.mid.shape}, max_rad={r:.3g})"

    def __array__(self, *args: object, **kw: object) -> np.ndarray:
        raise TypeError("a certified ball matrix (RMat) does not convert to a NumPy array "
                        "implicitly; use the backend vocabulary, or ops.to_numpy(A) for its "
                        "(uncertified) midpoint")


def _check_finite(a: np.ndarray) -> np.ndarray:
    if not np.isfinite(a).all():
        raise InputError("certified backends need finite inputs; got NaN or inf entries")
    return a


#: the fused operations apply only when the underflow bound is this small relative to the
#: results (otherwise the generic per-operation path is used)
_B_NEGLIGIBLE = 2.0**-40

_FASTCERT: Any = None


def _fastcert() -> Any:
    """:mod:`boundcheck.arith.stacked` (imported late: it imports this module)."""
    global _FASTCERT
    if _FASTCERT is None:
        from boundcheck.arith import stacked
        _FASTCERT = stacked
    return _FASTCERT


def _exact_float(x: Any) -> float | None:
    """``x`` as a finite float when it is exactly one (float, int, Fraction, exact arb);
    otherwise ``None`` (e.g. an arb ball of nonzero radius, a rational like 1/3)."""
    try:
        if isinstance(x, float | np.floating):
            f = float(x)
        elif isinstance(x, int | np.integer) and not isinstance(x, bool):
            f = float(x)
            if int(f) != int(x):
                return None
        elif isinstance(x, Fraction):
            f = float(x)
            if Fraction(f) != x:
                return None
        elif isinstance(x, arb):
            if not (x.is_exact() and x.is_finite()):
                return None
            f = float(x.mid())
            if not (math.isfinite(f) and arb(f) == x):
                return None
        else:
            return None
    except (OverflowError, ValueError):
        return None
    return f if math.isfinite(f) else None


class RumpBackend(bc.CachedSpectra):
    """Certified float64 midpoint-radius backend (see module docstring)."""

    name = "rump"
    certified = True

    def __init__(self, prec: int | None = None, scalar_prec: int = bc.SCALAR_PREC,
                 sigma_method: str = "weyl", fused: bool = True, **_: object) -> None:
        # fused=False: no fused_gd_step / fused_loss (the generic per-operation path; its
        # radii are tighter, ~1e5x at L=10, m=16, and it is slower: docs/performance.md)
        self.fused = bool(fused)
        self.scalar_prec = int(scalar_prec)
        self.sigma_method = sigma_method
        self._spec_cache: dict[tuple[str, int], tuple[Any, Any]] = {}

    @property
    def label(self) -> str:
        return "rump-float64"

    # ------------------------------------------------------------------ construction
    def asarray(self, a: Any) -> RMat:
        if isinstance(a, RMat):
            return a
        if hasattr(a, "entries") and hasattr(a, "nrows"):  # an arb_mat
            r, c = a.nrows(), a.ncols()
            ents = a.entries()
            mid = np.array([bc.scalar_mid(x) for x in ents], dtype=np.float64).reshape(r, c)
            rad = np.array([bc.hi(abs(x - arb(float(m)))) for x, m in
                            zip(ents, mid.ravel(), strict=True)]).reshape(r, c)
            return RMat(_check_finite(mid), rad)
        arr = np.array(a, dtype=np.float64)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(arr.shape[0], -1)
        return RMat._checked(_check_finite(arr), None)  # finite: _sound is the identity

    def scalar(self, x: Any) -> arb:
        bc.set_prec(max(self.scalar_prec, 53))
        if isinstance(x, float | np.floating) and not math.isfinite(float(x)):
            # a float64 inf/NaN is an overflow or an invalid operation, never a value
            return arb.nan()
        return bc.to_arb(x)

    def eye(self, n: int) -> RMat:
        return RMat(np.eye(n), None)

    def zeros(self, rows: int, cols: int) -> RMat:
        return RMat(np.zeros((rows, cols)), None)

    # ------------------------------------------------------------------ algebra
    @_quiet
    def matmul(self, a: RMat, b: RMat) -> RMat:
        """Ball product; radius evaluated in RN and inflated (see module docstring).

        With ``S`` the computed non-negative radius expression and ``p`` roundings along
        any path, ``fl(fl(S G) + A)`` with ``G = inflation(k, p)`` bounds the exact
        expression; ``A`` collects the underflow terms (multiples of ``eta``), including
        ``eta/2`` per underflowing product amplified by the row sums it is multiplied with.
        """
        a, b = self.asarray(a), self.asarray(b)
        mA, rA, mB, rB = a.mid, a.rad, b.mid, b.rad
        k = mA.shape[1]
        C = mA @ mB
        aA, aB = a.absmid, b.absmid
        eta = bc.ETA
        if rA is None and rB is None:
            # |C - mA mB| <= gamma_k |mA||mB| + (k+1) eta and |mA||mB| <= (S + (k+1) eta)
            # / (1 - gamma_k) with S = fl(|mA||mB|).
            S = aA @ aB
            return RMat(C, _finish(S, gamma_ratio(k), _abs_term((4 * k + 8) * eta)))
        g = gamma(k)
        if rB is None:
            # E = (gamma |mA| + rA) |mB| + (k+1) eta; gamma|mA| may underflow (eta/2 each,
            # times column sums of |mB| <= k max|mB|).
            T = aA * g
            T += rA
            S = T @ aB
            D = eta * (0.5 * k * b.amax + 2 * k + 2)
            return RMat(C, _finish(S, inflation(k, 2), _abs_term(3 * D + (2 * k + 4) * eta)))
        if rA is None:
            # E = |mA| (gamma |mB| + rB) + (k+1) eta
            Q = aB * g
            Q += rB
            S = aA @ Q
            D = eta * (0.5 * k * a.amax + 2 * k + 2)
            return RMat(C, _finish(S, inflation(k, 2), _abs_term(3 * D + (2 * k + 4) * eta)))
        # E = |mA| (gamma |mB| + rB) + rA (|mB| + rB) + (k+1) eta
        Q = aB * g
        Q += rB
        Z = aB + rB
        S = aA @ Q
        S += rA @ Z
        D = eta * (0.5 * k * a.amax + 3 * k + 3)
        return RMat(C, _finish(S, inflation(k, 3), _abs_term(3 * D + (2 * k + 4) * eta)))

    @_quiet
    def _addsub(self, a: RMat, b: RMat, sign: int) -> RMat:
        """Radius ``u |C| + rA + rB`` (the RN error of one addition is ``<= u |fl(x)|``)."""
        a, b = self.asarray(a), self.asarray(b)
        C = a.mid + b.mid if sign > 0 else a.mid - b.mid
        S = np.abs(C)
        S *= bc.U  # exact unless it underflows (deficit <= eta/2)
        for r in (a.rad, b.rad):
            if r is not None:
                S += r
        return RMat(C, _finish(S, inflation(1, 2), 4 * bc.ETA))

    def add(self, a: RMat, b: RMat) -> RMat:
        return self._addsub(a, b, 1)

    def sub(self, a: RMat, b: RMat) -> RMat:
        return self._addsub(a, b, -1)

    def _scalar_midrad(self, s: Any) -> tuple[float, float]:
        x = bc.to_arb(s)
        if x.is_nan() or not x.is_finite():
            return 0.0, _INF  # an unknown scalar: every entry of the product is unbounded
        m = float(x.mid())
        r = bc.hi(abs(x - arb(m))) if not (x.is_exact() and arb(m) == x) else 0.0
        return m, r

    @_quiet
    def scale(self, s: Any, a: RMat) -> RMat:
        """Radius ``u|C| + eta/2 + |sm| rA + sr (|mA| + rA)``, evaluated in RN and inflated
        (at most 4 roundings per entry, at most 3 underflowing products)."""
        a = self.asarray(a)
        sm, sr = self._scalar_midrad(s)
        C = sm * a.mid
        S = np.abs(C)
        S *= bc.U
        if a.rad is not None:
            S += a.rad * abs(sm)
        if sr > 0:
            T = a.absmid if a.rad is None else a.absmid + a.rad
            S += T * sr
        return RMat(C, _finish(S, inflation(1, 4), 8 * bc.ETA))

    def transpose(self, a: RMat) -> RMat:
        a = self.asarray(a)
        return RMat(a.mid.T, None if a.rad is None else a.rad.T)

    @_quiet
    def kron(self, a: RMat, b: RMat) -> RMat:
        a, b = self.asarray(a), self.asarray(b)
        C = np.kron(a.mid, b.mid)
        rad = np.abs(C)
        rad *= bc.U
        _up(rad)
        rad += bc.ETA
        _up(rad)
        aA, aB = np.abs(a.mid), np.abs(b.mid)
        if b.rad is not None:
            rad += _up(np.kron(aA, b.rad))
            _up(rad)
        if a.rad is not None:
            Bb = aB if b.rad is None else _up(aB + b.rad)
            rad += _up(np.kron(a.rad, Bb))
            _up(rad)
        return RMat(C, rad)

    def shape(self, a: RMat) -> tuple[int, int]:
        return self.asarray(a).shape

    # ------------------------------------------------------------------ fused operations
    # Optional vocabulary (see :mod:`boundcheck.model.network`): the whole plain-model GD step
    # and loss with the expression-level a priori bounds of :mod:`boundcheck.arith.stacked`
    # (stacked kernels shared with the fast certified check). ``NotImplemented`` sends the
    # caller to the generic composition of ops: other model kinds, a scalar that is not an
    # exact float, unbounded input balls, a non-finite result, or an underflow bound ``B``
    # that is not negligible (deep or huge/tiny-magnitude instances, where the per-operation
    # bounds of the generic path are tighter).
    def _fused_inputs(self, prob: Any, Ws: Any) -> tuple[Any, ...] | None:
        if prob.kind != "plain" or len(Ws) != prob.L:
            return None
        a, c = _exact_float(prob.alpha), _exact_float(prob.loss_scale)
        if a is None or c is None:
            return None
        fc = _fastcert()
        mats = [W if isinstance(W, RMat) else self.asarray(W) for W in Ws]
        dims = prob.dims
        for i, M in enumerate(mats):
            if M.mid.shape != (dims[i + 1], dims[i]):
                return None
        lay, total = fc.layout(dims)
        m = np.concatenate([M.mid.ravel() for M in mats], out=np.empty(total))
        if all(M.rad is None for M in mats):
            r = None
        else:
            r = fc.pack([np.zeros(M.mid.shape) if M.rad is None else M.rad for M in mats],
                        np.empty(total))
            if not fc.all_finite(r):
                return None
        return fc, lay, a, c, m, r

    def fused_gd_step(self, prob: Any, Ws: Any, eta: Any) -> list[RMat] | Any:
        """``network.gd_step`` for the plain model in one stacked a-priori-bounded pass."""
        e = _exact_float(eta) if self.fused else None
        got = None if e is None else self._fused_inputs(prob, Ws)
        if got is None:
            return NotImplemented
        fc, lay, a, c, m, r = got
        st = fc.step_stack(prob.dims, prob.X, prob.Y, a, c, e, m, r)
        if not (fc.all_finite(st.mid, st.rad) and st.B <= _B_NEGLIGIBLE * st.amax_abs):
            return NotImplemented
        return [RMat._checked(M, R)
                for M, R in zip(fc.views(st.mid, lay), fc.views(st.rad, lay), strict=True)]

    def fused_loss(self, prob: Any, Ws: Any) -> arb | Any:
        """``network.loss`` for the plain model: an enclosure of ``c/2 ||R||^2`` from the
        stacked forward pass; ``loss_scale`` enters exactly (arb), never halved in float64."""
        got = self._fused_inputs(prob, Ws) if self.fused else None
        if got is None:
            return NotImplemented
        fc, _, a, c, m, r = got
        Rm, rho, Bf = fc.forward_residual(prob.dims, prob.X, prob.Y, a, m, r)
        if not fc.all_finite(Rm, rho):
            return NotImplemented
        s_lo, s_hi = fc.sumsq_bounds(Rm, rho)
        if not (math.isfinite(s_hi) and Bf <= _B_NEGLIGIBLE * math.sqrt(s_lo)):
            return NotImplemented
        bc.set_prec(max(self.scalar_prec, 53))
        return bc.to_arb(c) / 2 * bc.from_bounds(s_lo, s_hi)

    # ------------------------------------------------------------------ norms, spectra
    @_quiet
    def fro_norm(self, a: RMat) -> arb:
        a = self.asarray(a)
        bc.set_prec(max(self.scalar_prec, 53))
        N = a.mid.size
        if N == 0:
            return arb(0)
        s = float(np.sum(a.mid * a.mid))
        if math.isfinite(s):
            g = bc.to_arb(gamma(N))
            slack = bc.to_arb(N + 1) * bc.to_arb(bc.ETA)
            lo_ = (bc.to_arb(s) - slack) / (1 + g)
            hi_ = (bc.to_arb(s) + slack) / (1 - g)
            T = bc.from_bounds(lo_, hi_).nonnegative_part()
        else:  # the float64 sum overflowed: it is not a value; sum in Arb instead
            T = _arb_sum_squares(a.mid)
        out = T.sqrt()
        if a.rad is not None:
            r = bc.hi(upper_fro(a.rad))
            if not math.isfinite(r):
                return arb(0, _INF)  # an unbounded entry: the norm is unknown
            out = out + arb(0, r)
        return out.nonnegative_part()

    def mid_array(self, a: RMat) -> np.ndarray:
        return self.asarray(a).mid

    def diag_split(self, B: RMat) -> tuple[np.ndarray, arb]:
        """Diagonal midpoints and an upper bound of ``||B - diag(mid)||_F``."""
        B = self.asarray(B)
        d = np.diag(B.mid).copy()
        T = np.abs(B.mid)
        k = min(T.shape)
        T[np.arange(k), np.arange(k)] = 0.0
        if B.rad is not None:
            T += B.rad
            _up(T)
        return d, upper_fro(T)

    def _spectrum_prec(self) -> None:
        bc.set_prec(max(self.scalar_prec, 53))

    # ------------------------------------------------------------------ extras
    def trace(self, a: Any) -> arb:
        """Exact-set enclosure of the trace (sum of the diagonal)."""
        A = self.asarray(a)
        bc.set_prec(max(self.scalar_prec, 53))
        total = arb(0)
        for i in range(min(A.shape)):
            total += arb(float(A.mid[i, i]))
            if A.rad is not None:
                total += arb(0, float(A.rad[i, i]))
        return total

    def entry(self, a: Any, i: int, j: int) -> arb:
        A = self.asarray(a)
        r = 0.0 if A.rad is None else float(A.rad[i, j])
        return bc.ball(float(A.mid[i, j]), r)

    # ------------------------------------------------------------------ scalar functions
    def sqrt(self, x: Any) -> arb:
        return bc.to_arb(x).sqrt()

    def log(self, x: Any) -> arb:
        return bc.to_arb(x).log()

    def exp(self, x: Any) -> arb:
        return bc.to_arb(x).exp()

    def gamma_ratio(self, x: Any, h: Any) -> arb:
        """``Gamma(x + h) / Gamma(x)`` for ``x > 0``, ``x + h > 0`` (issue 13, hxp20.ineq_gamma): an
        enclosure from Arb's Gamma at the scalar precision."""
        bc.set_prec(max(self.scalar_prec, 53))
        a, b = bc.to_arb(x), bc.to_arb(h)
        return (a + b).gamma() / a.gamma()

    def power(self, x: Any, p: Any) -> arb:
        return power(x, p)

    # ------------------------------------------------------------------ comparison, export
    def compare(self, lhs: Any, rel: str, rhs: Any, rtol: float = 0.0,
                atol: float = 0.0) -> bool | None:
        return bc.compare(lhs, rel, rhs, rtol=rtol, atol=atol)

    def mid(self, x: Any) -> float:
        return bc.scalar_mid(x)

    def radius(self, x: Any) -> float:
        return bc.scalar_rad(x)

    def to_numpy(self, a: Any) -> np.ndarray:
        return self.asarray(a).mid.copy()

    def max_radius(self, a: Any) -> float:
        A = self.asarray(a)
        return 0.0 if A.rad is None else float(A.rad.max(initial=0.0))

    # ----------------------------------------------------- special functions (issue 13)
    def lgamma(self, x: Any) -> arb:
        """``log Gamma(x)`` enclosed by Arb (``x > 0``; a ball reaching a pole is not finite)."""
        return bc.to_arb(x).lgamma()

    def gamma_upper_reg(self, s: Any, z: Any) -> arb:
        """Regularized upper incomplete gamma ``Q(s, z)``, enclosed by Arb."""
        return bc.to_arb(z).gamma_upper(bc.to_arb(s), regularized=1)


def power(x: Any, p: Any) -> arb:
    """``x ** p`` on balls; integer exponents (incl. integer-valued floats) are exact powers."""
    xb = bc.to_arb(x)
    if isinstance(p, int | np.integer) or (isinstance(p, float) and float(p).is_integer()
                                            and abs(p) < 2**31):
        n = int(p)
        return xb ** n if n >= 0 else 1 / (xb ** (-n))
    pb = bc.to_arb(p)
    if pb.is_exact() and pb.is_integer() and abs(float(pb.mid())) < 2**31:
        n = int(float(pb.mid()))
        return xb ** n if n >= 0 else 1 / (xb ** (-n))
    return xb ** pb


register_backend("rump", RumpBackend)
