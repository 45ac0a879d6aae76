"""Conditions (lhs, relation, rhs) and the three-valued verdicts they evaluate to.

A condition never yields a bare bool: :func:`evaluate` returns a :class:`Outcome` with the
margin, the ratio and a self-explaining message (DESIGN.md, principle 6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    HOLDS = "holds"  # certified by enclosures
    HOLDS_NUMERICALLY = "holds-numerically"  # float64 only
    REFUTED = "refuted"  # a counterexample (certified when the backend is)
    CONSISTENT = "consistent"  # statistical / scaling, claim inside the interval
    INCONSISTENT = "inconsistent"
    UNDERPOWERED = "underpowered"  # the interval contains the allowed value: undecided
    VACUOUS = "vacuous"  # no instance met the hypotheses
    INCONCLUSIVE = "inconclusive"  # an enclosure straddles the comparison
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


#: Verdicts that count as a pass when a result is expected to hold.
PASSING = frozenset({Verdict.HOLDS, Verdict.HOLDS_NUMERICALLY, Verdict.CONSISTENT})

RELATIONS = ("<=", "<", ">=", ">", "==")


@dataclass(frozen=True)
class Condition:
    """A named inequality ``lhs rel rhs``; lhs and rhs are backend scalars.

    For ``==`` the comparison is ``|lhs - rhs| <= atol + rtol*|rhs|``; ``atol``/``rtol``
    belong to the statement (e.g. "equal up to 1e-12"), never to convenience.

    ``float_tol`` is a rounding allowance that only *non-certified* backends apply (added to
    ``atol``, and to the right-hand side of inequalities). It must come from an error
    analysis of the float64 computation (e.g. ``n * L * eps`` for a product of L matrices);
    certified backends ignore it and decide from their enclosures alone.
    """

    name: str
    lhs: Any
    rel: str
    rhs: Any
    context: str = ""
    rtol: float = 0.0
    atol: float = 0.0
    float_tol: float = 0.0
    #: ``"reject"``/``"accept"`` for a scaling check's power contrast (:func:`power_contrast`),
    #: which the harness judges apart from the conclusions; ``""`` for an ordinary condition.
    contrast: str = ""

    def __post_init__(self) -> None:
        if self.contrast not in ("", "reject", "accept"):
            raise ValueError(f"contrast must be '', 'reject' or 'accept', got {self.contrast!r}")
        if self.rel not in RELATIONS:
            raise ValueError(f"relation {self.rel!r} is not one of {RELATIONS}")


@dataclass
class Outcome:
    """The evaluation of one condition: ``status`` is True, False or None (undecided)."""

    name: str
    status: bool | None
    lhs: float
    rhs: float
    rel: str
    margin: float  # signed slack, positive when the condition holds
    ratio: float  # lhs / rhs (nan when rhs == 0)
    certified: bool
    context: str = ""
    extra: dict = field(default_factory=dict)
    #: the float64 rounding allowance the decision used (0 on certified backends)
    allowance: float = 0.0
    #: certified backends only: the enclosures of both sides that decided the condition,
    #: ``{"lhs": {...}, "rhs": {...}}`` (see :func:`enclosure`); None otherwise
    enclosure: dict | None = None

    @property
    def relative_margin(self) -> float:
        """The slack relative to the bound: ``(rhs - lhs)/|rhs|`` for ``<=``/``<``,
        ``(lhs - rhs)/|rhs|`` for ``>=``/``>``, ``(tol - |lhs - rhs|)/|rhs|`` for ``==``.

        When the bound is 0 (``x <= 0``, an identity's residual) no relative scale exists:
        the margin is then relative to ``|lhs|`` (-1: violated by all of lhs; 0: exact) and
        :attr:`margin_scale` says so. The float64 rounding allowance is never part of the
        margin: it is reported apart as :attr:`allowance`."""
        scale = abs(self.rhs) if self.rhs != 0 else abs(self.lhs)
        if scale == 0 or not math.isfinite(scale):
            return 0.0 if self.margin == 0 else math.copysign(math.inf, self.margin)
        return self.margin / scale

    @property
    def margin_scale(self) -> str:
        return "|rhs|" if self.rhs != 0 else "|lhs| (bound is 0)"

    def message(self) -> str:
        word = {True: "holds", False: "VIOLATED", None: "undecided"}[self.status]
        ctx = f" [{self.context}]" if self.context else ""
        return (
            f"{self.name}: lhs={self.lhs:.6g} {self.rel} rhs={self.rhs:.6g} {word}"
            f" (margin={self.margin:.3g}){ctx}"
        )

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "lhs": _json_float(self.lhs),
            "rel": self.rel,
            "rhs": _json_float(self.rhs),
            "margin": _json_float(self.margin),
            "ratio": _json_float(self.ratio),
            "certified": self.certified,
            "context": self.context,
            "relative_margin": _json_float(self.relative_margin),
            "margin_scale": self.margin_scale,
            "allowance": _json_float(self.allowance),
            **({"enclosure": self.enclosure} if self.enclosure is not None else {}),
        }


def _json_float(x: float) -> float | str:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


def enclosure(x: Any, backend: Any) -> dict[str, Any]:
    """What a certified backend knows of ``x``: ``lo <= x <= hi`` as outward-rounded floats
    and ``ball``, Arb's decimal ball (guaranteed to contain the value); for a symbolic
    (sympy) value its exact text instead."""
    try:
        from boundcheck.arith import _ballcore as bc

        a = bc.to_arb(x)
    except (ImportError, TypeError):
        mid = backend.mid(x)
        return {"exact": str(x)[:400], "mid": _json_float(float(mid))}
    return {"lo": _json_float(bc.lo(a)), "hi": _json_float(bc.hi(a)), "ball": a.str()}


def evaluate(cond: Condition, backend: Any) -> Outcome:
    """Evaluate ``cond`` with ``backend.compare``; the backend decides certification."""
    atol = cond.atol if backend.certified else cond.atol + cond.float_tol
    raw = backend.compare(cond.lhs, cond.rel, cond.rhs, rtol=cond.rtol, atol=atol)
    status = None if raw is None else bool(raw)  # numpy bools are not `False`
    lhs = backend.mid(cond.lhs)
    rhs = backend.mid(cond.rhs)
    # The margin is the statement's own slack (its atol/rtol included); the rounding
    # allowance float_tol decides ties on float64 but never counts as slack.
    if cond.rel in ("<=", "<"):
        margin = rhs + cond.atol - lhs
    elif cond.rel in (">=", ">"):
        margin = lhs - (rhs - cond.atol)
    else:
        margin = cond.atol + cond.rtol * abs(rhs) - abs(lhs - rhs)
    ratio = lhs / rhs if rhs != 0 else math.nan
    return Outcome(
        name=cond.name,
        status=status,
        lhs=float(lhs),
        rhs=float(rhs),
        rel=cond.rel,
        margin=float(margin),
        ratio=float(ratio),
        certified=bool(backend.certified),
        context=cond.context,
        allowance=float(atol - cond.atol),
        enclosure={"lhs": enclosure(cond.lhs, backend), "rhs": enclosure(cond.rhs, backend)}
        if backend.certified else None,
    )


def combine(outcomes: list[Outcome]) -> bool | None:
    """All hold -> True; any violated -> False; otherwise None."""
    if any(o.status is False for o in outcomes):
        return False
    if any(o.status is None for o in outcomes):
        return None
    return True


def power_contrast(family: str, conditions: list[Condition], expect: str = "reject",
                   known: str = "") -> Condition:
    """The power contrast of a scaling check: the *same* conditions, computed on an instance
    family where the check's conclusion is known to be false (``expect="reject"``: at least
    one of them must be violated) or known to be true (``"accept"``: all must hold), as one
    condition of the result: the family's tightest relative margin must be negative
    (reject) or non-negative (accept). A check whose contrast is not flagged cannot tell the
    scaling it claims from the alternative, and says so by failing this condition. Contrast
    families are float64 data; an undecided condition counts as neither (NaN margin)."""
    from boundcheck.arith import get_backend

    if expect not in ("reject", "accept"):
        raise ValueError(f"expect must be 'reject' or 'accept', got {expect!r}")
    f64 = get_backend("float64")
    outs = [evaluate(c, f64) for c in conditions]
    if any(o.status is None for o in outs) or not outs:
        worst = math.nan
    else:
        worst = min(o.relative_margin for o in outs)
    bad = sum(o.status is False for o in outs)
    ctx = (f"{known}; " if known else "") + f"{bad} of {len(outs)} violated"
    if expect == "reject":
        return Condition(f"power contrast: the same test rejects {family} (its tightest "
                         "relative margin < 0)", worst, "<", 0.0, ctx, contrast="reject")
    return Condition(f"power contrast: the same test accepts {family} (its tightest relative "
                     "margin >= 0)", worst, ">=", 0.0, ctx, contrast="accept")
