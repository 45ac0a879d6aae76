"""One-sided certified bounds from a shadowing run, entering a condition (issue 13).

A certified run (:mod:`boundcheck.certify.fastshadow`, a paper's own shadowing loop) ends in
floats that are *rigorous one-sided bounds* of an exact quantity of the run, e.g. an
upward-rounded ``hi >= max_t ||D_l(t)||_2`` or a downward-rounded ``lo <= min_t`` of a ratio.
Such a float was computed in float64, but with directed rounding: it may decide a certified
condition, yet only in the direction it bounds. ``hi <= rhs`` proves ``x <= rhs``; ``hi >
rhs`` proves nothing (only a lower bound above ``rhs`` refutes).

:class:`RunBound` marks such a float with its side (``"up"``: >= the exact quantity,
``"down"``: <= it). :func:`bound_condition` is the one way a result turns an enclosure
``lo <= x <= hi`` (either side may be missing) into the condition ``x rel rhs``: under a
certified backend it returns the condition on the bound that decides in the sound direction
(``hi`` proving ``x <= rhs``, ``lo`` refuting it; mirrored for ``>=``), and a NaN left-hand
side (undecided: inconclusive, escalated) when neither does. Non-certified backends compare
``point`` (what the float64 path always compared) or, without it, take the same decision.

The taint audit (:mod:`boundcheck.certify.taint`) admits a :class:`RunBound` entering
``ops.scalar`` only as a side of a returned condition (or of the ``ops.compare`` that chose
it), and only when that condition's decision is in the bound's sound direction; a run
bound used inside further arithmetic, or deciding the other way, is reported like any
float computed outside the vocabulary.
"""

from __future__ import annotations

import math
from typing import Any

from boundcheck.check.verdict import Condition

SIDES = ("up", "down")


class RunBound(float):
    """A float proved (by a certified run, with directed rounding) to bound an exact
    quantity from above (``side="up"``) or below (``side="down"``)."""

    side: str

    def __new__(cls, value: float, side: str) -> RunBound:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        obj = super().__new__(cls, float(value))
        obj.side = side
        return obj

    def __repr__(self) -> str:
        return f"RunBound({float(self)!r}, {self.side!r})"

    def __reduce__(self) -> tuple:
        return (RunBound, (float(self), self.side))


def sound_outcome(side: str, on_lhs: bool, rel: str, status: bool | None) -> bool:
    """Whether deciding ``lhs rel rhs`` as ``status`` is sound when one side is a run bound
    of ``side`` (on the left if ``on_lhs``): an upper bound may only establish that the
    quantity is small (``ub <= r`` true, or ``ub >= r`` false), a lower bound that it is
    large. Undecided (None) is always sound."""
    if status is None:
        return True
    if rel not in ("<", "<=", ">", ">="):
        return False  # an equality is never decided by a one-sided bound
    says_small = (rel in ("<", "<=")) == bool(status)  # "the left-hand side is the smaller"
    if not on_lhs:
        says_small = not says_small
    return says_small if side == "up" else not says_small


def bound_condition(ops: Any, name: str, rel: str, rhs: Any, *, hi: float | None = None,
                    lo: float | None = None, point: float | None = None,
                    context: str = "") -> Condition:
    """``x rel rhs`` for an exact quantity ``x`` a certified run enclosed in ``[lo, hi]``
    (module docstring). ``hi``/``lo`` are rigorous upper/lower bounds (either may be None);
    ``point`` is what a non-certified backend compares (default: the certified rule)."""
    if rel not in ("<", "<=", ">", ">="):
        raise ValueError(f"a run bound decides an inequality, not {rel!r}")
    if not getattr(ops, "certified", False) and point is not None:
        return Condition(name, ops.scalar(float(point)), rel, rhs, context)
    le = rel in ("<", "<=")
    # (value, side, the comparison outcome that is a sound decision)
    tries = [(hi, "up", True), (lo, "down", False)] if le else \
        [(lo, "down", True), (hi, "up", False)]
    for value, side, want in tries:
        if value is None or not math.isfinite(float(value)):
            continue
        s = ops.scalar(RunBound(value, side))
        if ops.compare(s, rel, rhs) is want:
            return Condition(name, s, rel, rhs, context)
    enc = f"[{'-inf' if lo is None else f'{float(lo):.6g}'}, " \
          f"{'inf' if hi is None else f'{float(hi):.6g}'}]"
    return Condition(name, ops.scalar(math.nan), rel, rhs,
                     context + f"; run enclosure {enc} does not decide")


__all__ = ["RunBound", "bound_condition", "sound_outcome"]
