"""Exact rational backend ``fmpq`` that decides ties (the last step of ``ball``'s escalation).

A float64 input is a dyadic rational, so when a comparison straddles at every Arb precision
(``ball`` has tried 128 ... 1024 bits) it may be an *exact* tie -- e.g. a triangle or
submultiplicativity inequality that holds with equality for rank-one factors. This backend
re-evaluates the instance in exact arithmetic wherever the vocabulary allows it:

* matrices are :class:`flint.fmpq_mat` (exact); an input that is not exact (a ball with a
  radius) or an operation with an irrational factor turns the result into an Arb matrix at
  ``prec`` bits (:class:`ArbBackend` does the arithmetic), so the backend degrades to
  high-precision balls and never to a guess;
* scalars are :class:`QSurd`: finite sums ``sum_k c_k sqrt(q_k)`` with rational ``c_k`` and
  positive rational radicands whose pairwise ratios are not squares of rationals. Such
  square roots are linearly independent over Q (Besicovitch 1940), so a ``QSurd`` is zero
  iff all its coefficients are zero, and otherwise its sign is decided by Arb enclosures at
  increasing precision (which must terminate for a nonzero number; capped at
  ``sign_max_prec`` bits, then undecided). ``+ - *`` and ``sqrt`` of a rational stay exact;
  ``/`` by a single term stays exact; anything else becomes an Arb ball;
* spectra are exact where the Gram matrix allows it (1x1, diagonal, rank <= 1, rank
  deficient for ``sigma_min``); otherwise an Arb enclosure of the exact Gram matrix's
  eigenvalues (``acb_mat.eig(multiple=True)``, each eigenvalue inside its ball), falling back
  to the Weyl recipe of :mod:`boundcheck.arith._ballcore`.

A comparison between two exact scalars is decided exactly (``==`` is True for an exact tie);
a comparison involving an Arb ball is :func:`boundcheck.arith._ballcore.compare`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from flint import acb_mat, arb, arb_mat, ctx, fmpq, fmpq_mat, fmpz

from boundcheck.arith import _ballcore as bc
from boundcheck.arith import register_backend
from boundcheck.arith.arb import ArbBackend
from boundcheck.arith.rump import RMat

#: at most this many independent surds per scalar; beyond it the value becomes a ball
MAX_TERMS = 12


# ----------------------------------------------------------------------------- rationals
def to_fmpq(x: Any) -> fmpq | None:
    """The exact rational value of ``x``, or None when ``x`` is not an exact finite number."""
    if isinstance(x, fmpq):
        return x
    if isinstance(x, bool):
        return fmpq(int(x))
    if isinstance(x, int | np.integer | fmpz):
        return fmpq(int(x))
    if isinstance(x, float | np.floating):
        f = float(x)
        if not math.isfinite(f):
            return None
        a, b = f.as_integer_ratio()
        return fmpq(a, b)
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    if isinstance(x, QSurd):
        return x.rational()
    if isinstance(x, arb):
        if x.is_exact() and x.is_finite():
            m, e = x.mid().man_exp()
            e = int(e)
            return fmpq(int(m) * 2**e) if e >= 0 else fmpq(int(m), 2**(-e))
        return None
    if isinstance(x, np.ndarray) and x.size == 1:
        return to_fmpq(x.reshape(()).item())
    return None


def _square_root_q(q: fmpq) -> fmpq | None:
    """``sqrt(q)`` when it is rational, else None (``q >= 0``)."""
    p, d = q.p, q.q
    if p < 0:
        return None
    if fmpz(p).is_square() and fmpz(d).is_square():
        return fmpq(fmpz(p).isqrt(), fmpz(d).isqrt())
    return None


# ----------------------------------------------------------------------------- scalars
class QSurd:
    """An exact real ``sum_k c_k sqrt(q_k)`` (see the module docstring); immutable."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[fmpq, fmpq]) -> None:
        self.terms = {q: c for q, c in terms.items() if c != 0}

    @staticmethod
    def rat(x: Any) -> QSurd:
        v = to_fmpq(x)
        if v is None:
            raise TypeError(f"not an exact rational: {x!r}")
        return QSurd({fmpq(1): v})

    @staticmethod
    def sqrt_of(q: fmpq) -> QSurd:
        if q < 0:
            raise ValueError("square root of a negative rational")
        r = _square_root_q(q)
        if r is not None:
            return QSurd({fmpq(1): r})
        return QSurd({q: fmpq(1)})

    # -- structure
    def rational(self) -> fmpq | None:
        if not self.terms:
            return fmpq(0)
        if len(self.terms) == 1 and fmpq(1) in self.terms:
            return self.terms[fmpq(1)]
        return None

    def is_zero(self) -> bool:
        return not self.terms

    def single(self) -> tuple[fmpq, fmpq] | None:
        """``(c, q)`` when the value is ``c sqrt(q)`` (one term)."""
        if len(self.terms) == 1:
            (q, c), = self.terms.items()
            return c, q
        if not self.terms:
            return fmpq(0), fmpq(1)
        return None

    def to_arb(self, prec: int | None = None) -> arb:
        old = ctx.prec
        if prec is not None:
            ctx.prec = prec
        try:
            total = arb(0)
            for q, c in self.terms.items():
                t = arb(c)
                if q != 1:
                    t = t * arb(q).sqrt()
                total += t
            return total
        finally:
            ctx.prec = old

    def sign(self, max_prec: int = 1 << 15) -> int | None:
        """Exact sign: 0 iff every coefficient is 0 (linear independence); otherwise from
        enclosures at increasing precision (None only if ``max_prec`` does not suffice)."""
        if not self.terms:
            return 0
        s = self.single()
        if s is not None:
            return 1 if s[0] > 0 else -1
        if all(c > 0 for c in self.terms.values()):
            return 1
        if all(c < 0 for c in self.terms.values()):
            return -1
        prec = max(ctx.prec, 128)
        while prec <= max_prec:
            v = self.to_arb(prec)
            if v > 0:
                return 1
            if v < 0:
                return -1
            prec *= 2
        return None

    # -- arithmetic
    @staticmethod
    def _merge(terms: dict[fmpq, fmpq], q: fmpq, c: fmpq) -> None:
        if c == 0:
            return
        if q in terms:
            terms[q] += c
            return
        for k in list(terms):
            r = _square_root_q(q / k)
            if r is not None:
                terms[k] += c * r
                return
        terms[q] = c

    def _combine(self, other: Any, sign: int) -> Any:
        o = _as_exact(other)
        if o is None:
            return NotImplemented if not isinstance(other, arb) else self.to_arb() + sign * other
        terms = dict(self.terms)
        for q, c in o.terms.items():
            QSurd._merge(terms, q, sign * c)
        out = QSurd(terms)
        return out if len(out.terms) <= MAX_TERMS else out.to_arb()

    def __add__(self, other: Any) -> Any:
        return self._combine(other, 1)

    def __radd__(self, other: Any) -> Any:
        return self._combine(other, 1)

    def __sub__(self, other: Any) -> Any:
        return self._combine(other, -1)

    def __rsub__(self, other: Any) -> Any:
        return (-self)._combine(other, 1)

    def __neg__(self) -> QSurd:
        return QSurd({q: -c for q, c in self.terms.items()})

    def __mul__(self, other: Any) -> Any:
        o = _as_exact(other)
        if o is None:
            return NotImplemented if not isinstance(other, arb) else self.to_arb() * other
        if len(self.terms) * len(o.terms) > 4 * MAX_TERMS:
            return self.to_arb() * o.to_arb()
        terms: dict[fmpq, fmpq] = {}
        for q1, c1 in self.terms.items():
            for q2, c2 in o.terms.items():
                if q1 == q2:
                    QSurd._merge(terms, fmpq(1), c1 * c2 * q1)
                    continue
                prod = q1 * q2
                r = _square_root_q(prod)
                if r is not None:
                    QSurd._merge(terms, fmpq(1), c1 * c2 * r)
                else:
                    QSurd._merge(terms, prod, c1 * c2)
        out = QSurd(terms)
        return out if len(out.terms) <= MAX_TERMS else out.to_arb()

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        o = _as_exact(other)
        if o is None:
            return NotImplemented if not isinstance(other, arb) else self.to_arb() / other
        if _same(self, o) and not o.is_zero():
            return QSurd.rat(1)
        s = o.single()
        if s is None or s[0] == 0:
            return self.to_arb() / o.to_arb()  # arb division by zero gives an unbounded ball
        c, q = s
        # x / (c sqrt q) = x sqrt(q) / (c q)
        return self * QSurd({q: 1 / (c * q)}) if q != 1 else self * QSurd({fmpq(1): 1 / c})

    def __rtruediv__(self, other: Any) -> Any:
        o = _as_exact(other)
        if o is None:
            return NotImplemented if not isinstance(other, arb) else other / self.to_arb()
        return o / self

    def __pow__(self, n: Any) -> Any:
        if isinstance(n, int | np.integer) and not isinstance(n, bool):
            n = int(n)
            if n < 0:
                return QSurd.rat(1) / (self ** (-n))
            out: Any = QSurd.rat(1)
            base: Any = self
            while n:
                if n & 1:
                    out = out * base
                n >>= 1
                if n:
                    base = base * base
            return out
        return NotImplemented

    def __abs__(self) -> Any:
        s = self.sign()
        if s is None:
            return abs(self.to_arb())
        return -self if s < 0 else self

    def __float__(self) -> float:
        return float(self.to_arb(128).mid())

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        parts = [f"{c}" if q == 1 else f"{c}*sqrt({q})" for q, c in self.terms.items()]
        return "QSurd(" + (" + ".join(parts) or "0") + ")"


class QRoot:
    """An exact real ``c sqrt(v)``: ``c`` rational, ``v > 0`` a :class:`QSurd` that is not a
    rational (e.g. a singular value ``sqrt(lambda)`` of a 2x2 Gram matrix). Products of
    roots and with surds stay exact; sums become balls; comparisons square exactly."""

    __slots__ = ("c", "v")

    def __init__(self, c: fmpq, v: QSurd) -> None:
        self.c, self.v = c, v

    def to_arb(self, prec: int | None = None) -> arb:
        old = ctx.prec
        if prec is not None:
            ctx.prec = prec
        try:
            return arb(self.c) * self.v.to_arb().sqrt()
        finally:
            ctx.prec = old

    def sign(self, max_prec: int = 1 << 15) -> int:
        return 0 if self.c == 0 else (1 if self.c > 0 else -1)

    def square(self) -> QSurd:
        return QSurd({fmpq(1): self.c * self.c}) * self.v

    def __neg__(self) -> QRoot:
        return QRoot(-self.c, self.v)

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, QRoot):
            c = self.c * other.c
            if _same(self.v, other.v):
                return QSurd({fmpq(1): c}) * self.v
            prod = self.v * other.v
            if not isinstance(prod, QSurd):  # too many terms: a ball
                return self.to_arb() * other.to_arb()
            return _root_of(prod, c)
        o = _as_exact(other)
        if o is None:
            return NotImplemented if not isinstance(other, arb) else self.to_arb() * other
        r = o.rational()
        if r is not None:
            return QRoot(self.c * r, self.v)
        sg = o.sign()
        prod = self.v * (o * o) if sg is not None else None
        if not isinstance(prod, QSurd):
            return self.to_arb() * o.to_arb()
        return _root_of(prod, self.c * sg)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        if isinstance(other, QRoot):  # a / b = a b / b^2
            num = self * other
            den = other.square()
            return num / den if isinstance(num, QSurd | QRoot) else num / den.to_arb()
        o = _as_exact(other)
        if o is not None and o.rational() is not None and o.rational() != 0:
            return QRoot(self.c / o.rational(), self.v)
        return self.to_arb() / bc.to_arb(other)

    def __rtruediv__(self, other: Any) -> Any:
        return bc.to_arb(other) / self.to_arb()

    def _sum(self, other: Any, sign: int) -> Any:
        o = _as_exact(other)
        if o is not None and o.is_zero():
            return self
        if isinstance(other, QRoot) and _same(self.v, other.v):
            return QRoot(self.c + sign * other.c, self.v)
        return self.to_arb() + sign * bc.to_arb(other)

    def __add__(self, other: Any) -> Any:
        return self._sum(other, 1)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return self._sum(other, -1)

    def __rsub__(self, other: Any) -> Any:
        return (-self)._sum(other, 1)

    def __pow__(self, n: Any) -> Any:
        if isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 0:
            n = int(n)
            sq = self.square() ** (n // 2)  # (c sqrt v)^n = (c^2 v)^(n // 2) (c sqrt v)^(n % 2)
            return sq * self if n % 2 else sq
        return NotImplemented

    def __abs__(self) -> QRoot:
        return QRoot(abs(self.c), self.v)

    def __float__(self) -> float:
        return float(self.to_arb(128).mid())


def _same(a: QSurd, b: QSurd) -> bool:
    return a.terms == b.terms


def _root_of(v: QSurd, c: Any) -> Any:
    """``c sqrt(v)`` for an exact ``v >= 0``, as a surd when ``v`` is rational."""
    c = to_fmpq(c)
    r = v.rational()
    if r is not None:
        return QSurd.sqrt_of(r) * QSurd.rat(c)
    return QRoot(c, v)


def exact_sign(x: Any, max_prec: int = 1 << 15) -> int | None:
    """Sign of an exact value ``x - y`` style expression; None when not exact/undecided."""
    if isinstance(x, QSurd | QRoot):
        return x.sign(max_prec)
    return None


def _exact_diff_sign(a: Any, b: Any, max_prec: int) -> int | None:
    """Exact sign of ``a - b`` for exact scalars (surds and roots), None otherwise."""
    if isinstance(a, QRoot) or isinstance(b, QRoot):
        sa = a.sign(max_prec) if isinstance(a, QSurd | QRoot) else None
        sb = b.sign(max_prec) if isinstance(b, QSurd | QRoot) else None
        if sa is None or sb is None:
            return None
        if sa != sb:
            return (sa > sb) - (sa < sb)
        if sa == 0:
            return 0
        a2 = a.square() if isinstance(a, QRoot) else a * a
        b2 = b.square() if isinstance(b, QRoot) else b * b
        d = a2 - b2
        if not isinstance(d, QSurd):
            return None
        s2 = d.sign(max_prec)
        return None if s2 is None else s2 * sa  # |a| vs |b|, same signs
    d = a - b
    return d.sign(max_prec) if isinstance(d, QSurd) else None


def _as_exact(x: Any) -> QSurd | None:
    if isinstance(x, QSurd):
        return x
    v = to_fmpq(x)
    return None if v is None else QSurd({fmpq(1): v})


# ----------------------------------------------------------------------------- backend
class QExactBackend:
    """Exact rationals and surds where possible, Arb balls at ``prec`` bits elsewhere."""

    name = "fmpq"
    certified = True

    def __init__(self, prec: int | None = None, sign_max_prec: int = 1 << 15,
                 eig_prec: int = 256, sigma_method: str = "weyl", **_: object) -> None:
        self.prec = int(prec) if prec else 2048
        self.sign_max_prec = int(sign_max_prec)
        #: precision of eigenvalue enclosures of exact Gram matrices that are not decided
        #: exactly (radius ~2^-eig_prec relative; 256 bits costs ~10 ms at 16 x 16)
        self.eig_prec = int(eig_prec)
        self._arb = ArbBackend(prec=self.prec, sigma_method=sigma_method)
        self._cache: dict[tuple[str, int], tuple[Any, Any]] = {}

    @property
    def label(self) -> str:
        return "exact-fmpq"

    def escalate(self) -> Any:
        # issue 13 (dh19.eq10): an eigenvalue enclosure of an exact matrix may straddle at
        # 256 bits (clusters near 0); retry with eig_prec 512, then 1024, then stop.
        if self.eig_prec >= 1024:
            return None
        return QExactBackend(prec=self.prec, sign_max_prec=self.sign_max_prec,
                             eig_prec=2 * self.eig_prec, sigma_method=self._arb.sigma_method)

    # ------------------------------------------------------------------ helpers
    def _p(self) -> None:
        bc.set_prec(self.prec)

    @staticmethod
    def _is_q(a: Any) -> bool:
        return isinstance(a, fmpq_mat)

    def _ball(self, a: Any) -> arb_mat:
        self._p()
        if isinstance(a, fmpq_mat):
            return arb_mat(a)
        return self._arb.asarray(a)

    def _sc(self, x: Any) -> Any:
        """A scalar as QSurd when exact, else an arb ball."""
        if isinstance(x, QSurd):
            return x
        v = to_fmpq(x)
        if v is not None:
            return QSurd({fmpq(1): v})
        self._p()
        return bc.to_arb(x)

    # ------------------------------------------------------------------ construction
    def asarray(self, a: Any) -> Any:
        if isinstance(a, fmpq_mat | arb_mat):
            if isinstance(a, arb_mat) and all(x.is_exact() for x in a.entries()):
                return fmpq_mat(a.nrows(), a.ncols(), [to_fmpq(x) for x in a.entries()])
            return a
        if isinstance(a, RMat):
            if a.rad is None or not np.any(a.rad):
                return self.asarray(a.mid)
            return self._arb.asarray(a)
        arr = np.array(a, dtype=np.float64)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(arr.shape[0], -1)
        if not np.all(np.isfinite(arr)):
            from boundcheck.errors import InputError
            raise InputError("certified backends need finite inputs; got NaN or inf entries")
        return fmpq_mat(arr.shape[0], arr.shape[1],
                        [fmpq(*float(x).as_integer_ratio()) for x in arr.ravel().tolist()])

    def scalar(self, x: Any) -> Any:
        if isinstance(x, float | np.floating) and not math.isfinite(float(x)):
            return arb.nan()
        return self._sc(x)

    def eye(self, n: int) -> fmpq_mat:
        M = fmpq_mat(n, n)
        for i in range(n):
            M[i, i] = 1
        return M

    def zeros(self, rows: int, cols: int) -> fmpq_mat:
        return fmpq_mat(rows, cols)

    # ------------------------------------------------------------------ algebra
    def _bin(self, a: Any, b: Any, op: Any) -> Any:
        A, B = self.asarray(a), self.asarray(b)
        if self._is_q(A) and self._is_q(B):
            return op(A, B)
        return op(self._ball(A), self._ball(B))

    def matmul(self, a: Any, b: Any) -> Any:
        return self._bin(a, b, lambda x, y: x * y)

    def add(self, a: Any, b: Any) -> Any:
        return self._bin(a, b, lambda x, y: x + y)

    def sub(self, a: Any, b: Any) -> Any:
        return self._bin(a, b, lambda x, y: x - y)

    def scale(self, s: Any, a: Any) -> Any:
        A = self.asarray(a)
        v = to_fmpq(s)
        if v is not None and self._is_q(A):
            return A * v
        sv = self._sc(s)
        self._p()
        sb = sv.to_arb(self.prec) if isinstance(sv, QSurd) else sv
        return self._ball(A) * sb

    def transpose(self, a: Any) -> Any:
        return self.asarray(a).transpose()

    def kron(self, a: Any, b: Any) -> Any:
        A, B = self.asarray(a), self.asarray(b)
        if not (self._is_q(A) and self._is_q(B)):
            return self._arb.kron(self._ball(A), self._ball(B))
        r1, c1, r2, c2 = A.nrows(), A.ncols(), B.nrows(), B.ncols()
        out = fmpq_mat(r1 * r2, c1 * c2)
        for i1 in range(r1):
            for j1 in range(c1):
                x = A[i1, j1]
                if x == 0:
                    continue
                for i2 in range(r2):
                    for j2 in range(c2):
                        out[i1 * r2 + i2, j1 * c2 + j2] = x * B[i2, j2]
        return out

    def shape(self, a: Any) -> tuple[int, int]:
        A = self.asarray(a)
        return (A.nrows(), A.ncols())

    # ------------------------------------------------------------------ norms
    def fro_norm(self, a: Any) -> Any:
        A = self.asarray(a)
        if not self._is_q(A):
            return self._arb.fro_norm(A)
        total = fmpq(0)
        for x in A.entries():
            total += x * x
        return QSurd.sqrt_of(total)

    # ------------------------------------------------------------------ spectra
    def _gram(self, A: fmpq_mat) -> fmpq_mat:
        r, c = A.nrows(), A.ncols()
        At = A.transpose()
        return At * A if c <= r else A * At

    @staticmethod
    def _is_diagonal(G: fmpq_mat) -> bool:
        n = G.nrows()
        return all(G[i, j] == 0 for i in range(n) for j in range(n) if i != j)

    def _eig_ball(self, S: fmpq_mat) -> tuple[arb, arb]:
        """Enclosures of ``(lambda_min, lambda_max)`` of the exact symmetric ``S``."""
        bc.set_prec(self.eig_prec)
        try:
            E = acb_mat(arb_mat(S)).eig(multiple=True, nonstop=True)
        except Exception:  # pragma: no cover - defensive: fall back to the Weyl recipe
            E = []
        reals = [e.real for e in E]
        if reals and all(x.is_finite() for x in reals):
            # each eigenvalue lies in its ball (multiplicities counted): the extremes lie
            # between the extremes of the lower and of the upper ends
            out = _extreme(reals, minimum=True), _extreme(reals, minimum=False)
            self._p()
            return out
        self._p()
        return bc.eig_extremes(self._arb, arb_mat(S))

    def _sym_extremes(self, S: fmpq_mat) -> tuple[Any, Any]:
        """Exact ``(lambda_min, lambda_max)`` of symmetric ``S`` when cheap, else balls."""
        n = S.nrows()
        if n == 0:
            return QSurd.rat(0), QSurd.rat(0)
        if n == 1:
            v = QSurd.rat(S[0, 0])
            return v, v
        if self._is_diagonal(S):
            d = [S[i, i] for i in range(n)]
            return QSurd.rat(min(d)), QSurd.rat(max(d))
        if n == 2:  # lambda = (a+d)/2 -+ sqrt(((a-d)/2)^2 + b^2), b != 0 here
            a, b, d = S[0, 0], S[0, 1], S[1, 1]
            half = QSurd.rat((a + d) / 2)
            r = QSurd.sqrt_of(((a - d) / 2) ** 2 + b * b)
            return half - r, half + r
        rank = S.rank()
        if rank <= 1:  # S = lambda v v^T: the other eigenvalues are 0
            tr = sum((S[i, i] for i in range(n)), fmpq(0))
            return QSurd.rat(min(tr, fmpq(0))), QSurd.rat(max(tr, fmpq(0)))
        lmin, lmax = self._eig_ball(S)
        if rank < n and psd_singular(S):  # issue 13 (dh19): exact 0 = lambda_min
            lmin = QSurd.rat(0)
        return lmin, lmax

    def _cached(self, kind: str, a: Any, fn: Any) -> tuple[Any, Any]:
        key = (kind, id(a))
        hit = self._cache.get(key)
        if hit is not None and hit[0] is a:
            return hit[1]
        val = fn(a)
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[key] = (a, val)
        return val

    def _sv(self, a: Any) -> tuple[Any, Any]:
        return self._cached("sv", a, self._sv_raw)

    def _sv_raw(self, a: Any) -> tuple[Any, Any]:
        A = self.asarray(a)
        if not self._is_q(A):
            return bc.singular_extremes(self._arb, A)
        k = min(A.nrows(), A.ncols())
        if k == 0:
            return QSurd.rat(0), QSurd.rat(0)
        G = self._gram(A)
        if k > 1 and G.rank() < k:
            lmin: Any = QSurd.rat(0)
            lmax = self._sym_extremes(G)[1]
        else:
            lmin, lmax = self._sym_extremes(G)
        # eigenvalues of a Gram matrix are >= 0: clip enclosures (not exact values) at 0
        lmin, lmax = (x.nonnegative_part() if isinstance(x, arb) else x for x in (lmin, lmax))
        return self.sqrt(lmax), self.sqrt(lmin)

    def spec_norm(self, a: Any) -> Any:
        return self._sv(a)[0]

    def sigma_max(self, a: Any) -> Any:
        return self._sv(a)[0]

    def sigma_min(self, a: Any) -> Any:
        return self._sv(a)[1]

    def _eig(self, a: Any) -> tuple[Any, Any]:
        return self._cached("eig", a, self._eig_raw)

    def _eig_raw(self, a: Any) -> tuple[Any, Any]:
        A = self.asarray(a)
        if not self._is_q(A):
            return bc.eig_extremes(self._arb, A)
        S = (A + A.transpose()) * fmpq(1, 2)
        return self._sym_extremes(S)

    def eigvalsh_min(self, a: Any) -> Any:
        return self._eig(a)[0]

    def eigvalsh_max(self, a: Any) -> Any:
        return self._eig(a)[1]

    # ------------------------------------------------------------------ extras
    def trace(self, a: Any) -> Any:
        A = self.asarray(a)
        if not self._is_q(A):
            return self._arb.trace(A)
        return QSurd.rat(sum((A[i, i] for i in range(min(A.nrows(), A.ncols()))), fmpq(0)))

    def entry(self, a: Any, i: int, j: int) -> Any:
        A = self.asarray(a)
        return QSurd.rat(A[i, j]) if self._is_q(A) else A[i, j]

    def mid_array(self, a: Any) -> np.ndarray:
        A = self.asarray(a)
        if self._is_q(A):
            return np.array([float(Fraction(int(x.p), int(x.q))) for x in A.entries()],
                            dtype=np.float64).reshape(A.nrows(), A.ncols())
        return self._arb.mid_array(A)

    # ------------------------------------------------------------------ scalar functions
    def sqrt(self, x: Any) -> Any:
        v = self._sc(x)
        if isinstance(v, QSurd):
            q = v.rational()
            if q is not None and q >= 0:
                return QSurd.sqrt_of(q)
            if q is None and v.sign(self.sign_max_prec) == 1:
                return QRoot(fmpq(1), v)
            v = v.to_arb(self.prec)
        self._p()
        return bc.to_arb(v).sqrt()

    def log(self, x: Any) -> Any:
        v = self._sc(x)
        if isinstance(v, QSurd):
            if v.rational() == 1:
                return QSurd.rat(0)
            v = v.to_arb(self.prec)
        self._p()
        return v.log()

    def exp(self, x: Any) -> Any:
        v = self._sc(x)
        if isinstance(v, QSurd):
            if v.is_zero():
                return QSurd.rat(1)
            v = v.to_arb(self.prec)
        self._p()
        return v.exp()

    def gamma_ratio(self, x: Any, h: Any) -> Any:
        """``Gamma(x + h) / Gamma(x)`` for ``x > 0``, ``x + h > 0`` (issue 13, hxp20.ineq_gamma): an
        Arb enclosure (irrational in general), from exact or ball arguments."""
        a, b = self._sc(x), self._sc(h)
        self._p()
        a = a.to_arb(self.prec) if isinstance(a, QSurd | QRoot) else bc.to_arb(a)
        b = b.to_arb(self.prec) if isinstance(b, QSurd | QRoot) else bc.to_arb(b)
        return (a + b).gamma() / a.gamma()

    def power(self, x: Any, p: Any) -> Any:
        v = self._sc(x)
        pq = to_fmpq(p)
        if isinstance(v, QSurd) and pq is not None:
            if pq.q == 1 and abs(int(pq.p)) < 4096:
                return v ** int(pq.p)
            if pq.q == 2 and abs(int(pq.p)) < 4096:
                r = self.sqrt(v)
                return r ** int(pq.p) if isinstance(r, QSurd) else bc.to_arb(r) ** int(pq.p)
        self._p()
        vb = v.to_arb(self.prec) if isinstance(v, QSurd) else v
        pb = p.to_arb(self.prec) if isinstance(p, QSurd) else p
        from boundcheck.arith.rump import power
        return power(vb, pb)

    # ------------------------------------------------------------------ comparison, export
    def compare(self, lhs: Any, rel: str, rhs: Any, rtol: float = 0.0,
                atol: float = 0.0) -> bool | None:
        if isinstance(lhs, QRoot) or isinstance(rhs, QRoot):
            a0 = lhs if isinstance(lhs, QRoot) else _as_exact(lhs)
            b0 = rhs if isinstance(rhs, QRoot) else _as_exact(rhs)
            if a0 is not None and b0 is not None and not atol and not rtol:
                sg = _exact_diff_sign(a0, b0, self.sign_max_prec)
                if sg is not None:
                    return {"<=": sg <= 0, "<": sg < 0, ">=": sg >= 0, ">": sg > 0,
                            "==": sg == 0}[rel]
            return self._ball_compare(lhs, rel, rhs, rtol, atol)
        a, b = _as_exact(lhs), _as_exact(rhs)
        ta, tr = to_fmpq(atol), to_fmpq(rtol)
        if a is not None and b is not None and ta is not None and tr is not None:
            if rel == "==":
                d = abs(a - b)
                tol = QSurd.rat(ta) + QSurd.rat(tr) * abs(b)
                if not (isinstance(d, QSurd) and isinstance(tol, QSurd)):
                    return self._ball_compare(lhs, rel, rhs, rtol, atol)
                s = (d - tol)
                sg = s.sign(self.sign_max_prec) if isinstance(s, QSurd) else None
                return None if sg is None else sg <= 0
            if rel in ("<=", "<"):
                d = a - b - QSurd.rat(ta)
            elif rel in (">=", ">"):
                d = a - b + QSurd.rat(ta)
            else:
                raise ValueError(f"unknown relation {rel!r}")
            if not isinstance(d, QSurd):
                return self._ball_compare(lhs, rel, rhs, rtol, atol)
            sg = d.sign(self.sign_max_prec)
            if sg is None:
                return None
            return {"<=": sg <= 0, "<": sg < 0, ">=": sg >= 0, ">": sg > 0}[rel]
        return self._ball_compare(lhs, rel, rhs, rtol, atol)

    def _ball_compare(self, lhs: Any, rel: str, rhs: Any, rtol: float, atol: float
                      ) -> bool | None:
        self._p()
        return bc.compare(self._arbify(lhs), rel, self._arbify(rhs), rtol=rtol, atol=atol)

    def _arbify(self, x: Any) -> arb:
        if isinstance(x, QSurd | QRoot):
            return x.to_arb(self.prec)
        return bc.to_arb(x)

    def mid(self, x: Any) -> float:
        return bc.scalar_mid(self._arbify(x))

    def radius(self, x: Any) -> float:
        return 0.0 if isinstance(x, QSurd | QRoot) else bc.scalar_rad(x)

    def to_numpy(self, a: Any) -> np.ndarray:
        return self.mid_array(a)

    def max_radius(self, a: Any) -> float:
        A = self.asarray(a)
        return 0.0 if self._is_q(A) else self._arb.max_radius(A)

    # ----------------------------------------------------- special functions (issue 13)
    def _ball_of(self, x: Any) -> arb:
        v = x if isinstance(x, QRoot) else self._sc(x)
        if isinstance(v, QSurd | QRoot):
            v = v.to_arb(self.prec)
        self._p()
        return v

    def lgamma(self, x: Any) -> Any:
        """``log Gamma(x)``: exact 0 at x = 1, 2; otherwise an Arb ball at ``prec`` bits."""
        v = self._sc(x)
        if isinstance(v, QSurd) and v.rational() in (1, 2):
            return QSurd.rat(0)
        return self._ball_of(x).lgamma()

    def gamma_upper_reg(self, s: Any, z: Any) -> Any:
        """Regularized upper incomplete gamma ``Q(s, z)``: an Arb ball at ``prec`` bits."""
        sv, zv = self._ball_of(s), self._ball_of(z)
        return zv.gamma_upper(sv, regularized=1)


def _extreme(balls: list[arb], minimum: bool) -> arb:
    """Enclosure of ``min`` (or ``max``) of numbers each known to lie in its ball."""
    los = [b - b.rad() for b in balls]
    his = [b + b.rad() for b in balls]
    pick = min if minimum else max
    lo_ = los[0]
    hi_ = his[0]
    for x, y in zip(los[1:], his[1:], strict=True):
        lo_ = _arb_pick(lo_, x, pick)
        hi_ = _arb_pick(hi_, y, pick)
    return lo_.union(hi_)


def _arb_pick(a: arb, b: arb, pick: Any) -> arb:
    """``min``/``max`` of two arb numbers as a ball containing the true min/max."""
    if pick is min:
        if a <= b:
            return a
        if b <= a:
            return b
    else:
        if a >= b:
            return a
        if b >= a:
            return b
    return a.union(b)


register_backend("fmpq", QExactBackend)


def psd_singular(S: fmpq_mat) -> bool:
    """True iff the exact symmetric ``S`` is positive semidefinite and singular (then
    ``lambda_min(S) = 0`` exactly).

    ``det(xI - S) = x^k q(x)`` with ``q(0) != 0``; a symmetric matrix has only real
    eigenvalues, and for a polynomial whose roots are all real Descartes' rule of signs is
    exact: the number of positive roots of ``q`` equals the number of sign changes of its
    coefficients. So ``S`` is PSD iff ``q`` (degree ``n - k``) has ``n - k`` sign changes.
    """
    n = S.nrows()
    coeffs = [fmpq(c) for c in S.charpoly().coeffs()]  # lowest degree first
    k = 0
    while k < len(coeffs) and coeffs[k] == 0:
        k += 1
    if k == 0 or k > n:
        return False
    q = [c for c in coeffs[k:] if c != 0]  # zeros do not change the count
    changes = sum(1 for a, b in zip(q, q[1:], strict=False) if (a > 0) != (b > 0))
    return changes == n - k


def is_psd(S: fmpq_mat) -> bool:
    """True iff the exact symmetric ``S`` is positive semidefinite (same charpoly sign test
    as :func:`psd_singular`: ``det(xI - S) = x^k q(x)``, PSD iff the nonzero coefficients
    of ``q`` alternate in sign, ``n - k`` changes). ``ValueError`` if ``S`` is not symmetric."""
    n = S.nrows()
    if S.ncols() != n or S != S.transpose():
        raise ValueError("is_psd: not a symmetric square matrix")
    if n == 0:
        return True
    coeffs = [fmpq(c) for c in S.charpoly().coeffs()]
    k = 0
    while coeffs[k] == 0:
        k += 1
    q = [c for c in coeffs[k:] if c != 0]
    return sum(1 for a, b in zip(q, q[1:], strict=False) if (a > 0) != (b > 0)) == n - k
