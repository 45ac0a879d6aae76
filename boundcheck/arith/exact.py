"""Exact backend (sympy rationals and algebraic numbers) for symbolic identities.

Only comparison and export are needed by symbolic checks: their conditions carry sympy
expressions, decided exactly (``simplify(lhs - rhs)`` for equalities, sign for
inequalities). An undecidable comparison is ``None`` (inconclusive), never a guess.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import sympy as sp

from boundcheck.arith import register_backend


class ExactBackend:
    name = "exact"
    certified = True

    def __init__(self, **_: object) -> None:
        pass

    def scalar(self, x: Any) -> Any:
        if isinstance(x, float):
            if not math.isfinite(x):
                return sp.nan  # an overflow or invalid float is never a value
            return sp.Rational(x)  # the double's exact dyadic value, never a guessed fraction
        if isinstance(x, Fraction):
            return sp.Rational(x.numerator, x.denominator)
        return sp.sympify(x)

    def compare(self, lhs: Any, rel: str, rhs: Any, rtol: float = 0.0,
                atol: float = 0.0) -> bool | None:
        diff = sp.simplify(sp.sympify(lhs) - sp.sympify(rhs))
        if diff is sp.nan or getattr(diff, "has", lambda *_: False)(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return None
        if rel == "==":
            if isinstance(diff, sp.MatrixBase):
                return all(sp.simplify(e) == 0 for e in diff)
            if diff == 0:
                return True
            if diff.is_number and diff.is_zero is False:
                return False
            return None
        sign = {"<=": diff.is_nonpositive, "<": diff.is_negative,
                ">=": diff.is_nonnegative, ">": diff.is_positive}[rel]
        return None if sign is None else bool(sign)

    def mid(self, x: Any) -> float:
        try:
            return float(sp.N(sp.sympify(x)))
        except (TypeError, ValueError):
            return float("nan")

    def radius(self, x: Any) -> float:
        return 0.0


register_backend("exact", ExactBackend)
