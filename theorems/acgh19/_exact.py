"""Exact scalar arithmetic for the acgh19 failure examples (App. D.6-D.7).

Claim 4's construction (eq. 50) sets ``A = max{sqrt(eta N), 2/(eta(1-c)c^{(N-1)/N}), 2000,
20/eta, (20 10^{2N-1}/eta^{2N})^{1/(2N-2)}}``. With rational ``eta`` and ``c = q^N``
(rational ``q``) every term raised to the power ``n = 2N-2`` is rational, so
``A = P^{1/n}`` with rational ``P``. All GD iterates are then polynomials in ``A`` with
rational coefficients, i.e. elements of ``Q[x]/(x^n - P)``; :class:`QA` implements that ring
exactly (python-flint ``fmpq`` coefficients). The root is first reduced until ``x^n - P``
is irreducible (Capelli), so a nonzero element has a nonzero value and its sign is decided
by arb ball evaluation at growing precision: comparisons, ties included (the equality
``eta B(1)^{2N-1} = 20 C(1)`` of Lemma 17's base case), are decided exactly.

Conditions hand the backend order-exact floats (:func:`ordered_ratio`): a float that
compares with 1.0 exactly as the exact ratio does, so float64 and the exact backend decide
the same way and no rounding can flip a verdict.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from flint import arb, ctx, fmpq, fmpz

Q = fmpq


def to_q(x: Any) -> fmpq:
    """Parse ``'p/q'`` strings, ints, Fractions and fmpq into fmpq (floats refused)."""
    if isinstance(x, fmpq):
        return x
    if isinstance(x, float):
        raise TypeError("exact quantities must not be floats")
    if isinstance(x, str | int):
        fr = Fraction(x)
    elif isinstance(x, Fraction):
        fr = x
    else:
        fr = Fraction(str(x))
    return fmpq(fr.numerator, fr.denominator)


def q_str(x: fmpq) -> str:
    return f"{x.p}/{x.q}" if x.q != 1 else f"{x.p}"


def _exact_root(x: fmpz, k: int) -> fmpz | None:
    if x < 0:
        return None
    r = fmpz(x).root(k)
    for cand in (r - 1, r, r + 1):
        if cand >= 0 and cand ** k == x:
            return cand
    return None


def reduce_root(P: fmpq, n: int) -> tuple[fmpq, int]:
    """Write ``P^{1/n}`` as ``P'^{1/n'}`` with ``x^{n'} - P'`` irreducible over Q."""
    if P <= 0:
        raise ValueError("P must be positive")
    changed = True
    while changed and n > 1:
        changed = False
        for k in range(n, 1, -1):
            if n % k:
                continue
            rp, rq = _exact_root(P.p, k), _exact_root(P.q, k)
            if rp is not None and rq is not None:
                P, n, changed = fmpq(rp, rq), n // k, True
                break
    return P, n


class Field:
    """The ring ``Q[x]/(x^n - P)`` with ``x = P^{1/n} > 0`` (a field after reduction)."""

    def __init__(self, P: Any, n: int) -> None:
        self.P, self.n = reduce_root(to_q(P), int(n))

    def const(self, v: Any) -> QA:
        c = [fmpq(0)] * self.n
        c[0] = to_q(v)
        return QA(self, c)

    def gen(self) -> QA:
        """The generator ``A = P^{1/n}``."""
        if self.n == 1:
            return QA(self, [self.P])
        c = [fmpq(0)] * self.n
        c[1] = fmpq(1)
        return QA(self, c)

    def gen_inv(self) -> QA:
        """``1/A = A^{n-1}/P``."""
        if self.n == 1:
            return QA(self, [1 / self.P])
        c = [fmpq(0)] * self.n
        c[self.n - 1] = 1 / self.P
        return QA(self, c)

    def arb_gen(self) -> arb:
        return arb(self.P) if self.n == 1 else arb(self.P).root(self.n)


class QA:
    __slots__ = ("F", "c")

    def __init__(self, F: Field, coeffs: list[fmpq]) -> None:
        self.F, self.c = F, coeffs

    def _lift(self, o: Any) -> QA:
        return o if isinstance(o, QA) else self.F.const(o)

    def __add__(self, o: Any) -> QA:
        o = self._lift(o)
        return QA(self.F, [a + b for a, b in zip(self.c, o.c, strict=True)])

    __radd__ = __add__

    def __sub__(self, o: Any) -> QA:
        o = self._lift(o)
        return QA(self.F, [a - b for a, b in zip(self.c, o.c, strict=True)])

    def __rsub__(self, o: Any) -> QA:
        return self._lift(o) - self

    def __neg__(self) -> QA:
        return QA(self.F, [-a for a in self.c])

    def __mul__(self, o: Any) -> QA:
        if not isinstance(o, QA):
            s = to_q(o)
            return QA(self.F, [a * s for a in self.c])
        n, P = self.F.n, self.F.P
        out = [fmpq(0)] * n
        for i, a in enumerate(self.c):
            if a == 0:
                continue
            for j, b in enumerate(o.c):
                if b == 0:
                    continue
                k = i + j
                if k >= n:
                    out[k - n] += a * b * P
                else:
                    out[k] += a * b
        return QA(self.F, out)

    __rmul__ = __mul__

    def __pow__(self, e: int) -> QA:
        result, base = self.F.const(1), self
        while e:
            if e & 1:
                result = result * base
            base = base * base
            e >>= 1
        return result

    def is_zero(self) -> bool:
        return all(a == 0 for a in self.c)

    def to_arb(self, prec: int) -> arb:
        old = ctx.prec
        ctx.prec = prec
        try:
            A = self.F.arb_gen()
            v, p = arb(0), arb(1)
            for a in self.c:
                if a != 0:
                    v += arb(a) * p
                p *= A
            return v
        finally:
            ctx.prec = old

    def sign(self) -> int:
        """Exact sign (nonzero elements have nonzero value: the modulus is irreducible)."""
        if self.is_zero():
            return 0
        prec = 128
        while True:
            v = self.to_arb(prec)
            if v > 0:
                return 1
            if v < 0:
                return -1
            prec *= 2
            if prec > 1 << 22:  # pragma: no cover - impossible for a nonzero element
                raise ArithmeticError("sign undecided")

    def __abs__(self) -> QA:
        return -self if self.sign() < 0 else self

    def approx(self) -> float:
        return arb_to_float(self.to_arb(256))


def arb_to_float(v: arb) -> float:
    old = ctx.prec
    ctx.prec = 256
    try:
        m = v.mid()
        if abs(m) > arb("1e300"):
            return math.inf if m > 0 else -math.inf
        if m != 0 and abs(m) < arb("1e-300"):
            return 0.0
        return float(m)
    finally:
        ctx.prec = old


def ordered_ratio(approx: float, sign_of_diff: int) -> float:
    """A float close to ``X/Y`` that compares with 1.0 exactly as ``X/Y`` does.

    ``sign_of_diff`` is the exact sign of ``X - Y`` (``Y > 0``).
    """
    if sign_of_diff == 0:
        return 1.0
    if sign_of_diff > 0:
        return approx if approx > 1.0 else math.nextafter(1.0, math.inf)
    return approx if approx < 1.0 else math.nextafter(1.0, -math.inf)


def ratio(X: QA, Y: QA) -> tuple[float, int, float, float]:
    """``(ordered float of X/Y, exact sign of X - Y, approx X, approx Y)`` for ``Y > 0``."""
    if Y.sign() <= 0:
        raise ValueError("ratio needs a positive denominator")
    s = (X - Y).sign()
    xa, ya = X.to_arb(256), Y.to_arb(256)
    return ordered_ratio(arb_to_float(xa / ya), s), s, arb_to_float(xa), arb_to_float(ya)


def fmt(x: float) -> str:
    return f"{x:.6g}"
