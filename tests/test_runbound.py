"""Run bounds (issue 13): a rigorous one-sided bound from a certified run decides a condition
only in its sound direction, and the taint audit admits it only there."""

from __future__ import annotations

import math
from fractions import Fraction

from boundcheck.arith import get_backend
from boundcheck.certify.runbound import RunBound, bound_condition, sound_outcome
from boundcheck.certify.taint import audit_result
from boundcheck.check.result import Deterministic, Result, Source
from boundcheck.check.verdict import Condition, evaluate


def test_bound_condition_decides_only_in_the_sound_direction() -> None:
    ops = get_backend("ball")
    one = ops.scalar(1)
    assert evaluate(bound_condition(ops, "x<=1", "<=", one, hi=0.9, lo=0.8), ops).status is True
    assert evaluate(bound_condition(ops, "x<=1", "<=", one, hi=1.2, lo=1.1), ops).status is False
    # an upper bound above the rhs proves nothing: undecided, never refuted
    assert evaluate(bound_condition(ops, "x<=1", "<=", one, hi=1.2), ops).status is None
    assert evaluate(bound_condition(ops, "x<=1", "<=", one, hi=1.2, lo=0.9), ops).status is None
    assert evaluate(bound_condition(ops, "x>=1", ">=", one, lo=1.1, hi=2.0), ops).status is True
    assert evaluate(bound_condition(ops, "x>=1", ">=", one, hi=0.5), ops).status is False
    assert evaluate(bound_condition(ops, "x>=1", ">=", one, lo=0.5), ops).status is None
    # float64 compares the point value it is given
    f = get_backend("float64")
    assert evaluate(bound_condition(f, "x<=1", "<=", 1.0, hi=1.2, point=1.2), f).status is False


def test_sound_outcome_table() -> None:
    assert sound_outcome("up", True, "<=", True) and not sound_outcome("up", True, "<=", False)
    assert sound_outcome("up", True, ">=", False) and not sound_outcome("up", True, ">=", True)
    assert sound_outcome("down", False, "<=", True)  # rhs lower bound: lhs <= lb <= x
    assert not sound_outcome("up", True, "==", True) and sound_outcome("down", True, "<", None)


def _toy(concl) -> Result:
    return Result(id="toy.runbound", title="toy", source=Source("toy", "-"), statement="-",
                  kind="claim", check=Deterministic(lambda rng, p: {"x": 1.0},
                                                    lambda i, o, p: [], concl),
                  params={}, instances=1, certifiable=True)


def test_audit_admits_run_bounds_only_as_sound_condition_sides() -> None:
    ub = 0.7000000000000001  # a float no instance or parameter holds

    def good(inst, ops, p):
        return [bound_condition(ops, "x <= 1", "<=", ops.scalar(1), hi=ub)]

    def unsound(inst, ops, p):  # an upper bound above 1/2 "refuting" x <= 1/2
        return [Condition("x <= 1/2", ops.scalar(RunBound(ub, "up")), "<=",
                          ops.scalar(Fraction(1, 2)))]

    def arithmetic(inst, ops, p):  # the bound vanishes into arithmetic: direction unknown
        return [Condition("-x <= 0", -ops.scalar(RunBound(ub, "up")), "<=", ops.scalar(0))]

    def plain(inst, ops, p):  # the same float without the marker is taint
        return [Condition("x <= 1", ops.scalar(ub), "<=", ops.scalar(1))]

    assert audit_result(_toy(good), instances=1) == []
    assert [w for w, _, _ in audit_result(_toy(unsound), instances=1)] == [
        "run bound, unsound direction"]
    assert [w for w, _, _ in audit_result(_toy(arithmetic), instances=1)] == [
        "run bound in arithmetic"]
    assert [w for w, _, _ in audit_result(_toy(plain), instances=1)] == ["scalar"]
    assert math.isclose(RunBound(ub, "up"), ub) and RunBound(ub, "down").side == "down"
