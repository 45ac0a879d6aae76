"""Detection thresholds (boundcheck.check.sensitivity): the smallest tightening refuted."""

from __future__ import annotations

from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.sensitivity import (
    FLOOR,
    attach_threshold,
    detection_threshold,
    numeric_constant,
)


def test_threshold_brackets_the_smallest_refuted_move() -> None:
    r = get("hxp20.eq15")
    th = detection_threshold(r, seed=0)
    assert th is not None and th.param == "ec_bound"
    assert th.refuted_at is not None
    assert 0 < th.held_at < th.refuted_at <= 0.02  # catches a ~0.4% stronger constant
    assert th.runs >= 5


def test_identity_checks_catch_any_move() -> None:
    th = detection_threshold(get("hxp20.eq3"), seed=0)
    assert th is not None and th.refuted_at is not None and th.refuted_at <= FLOOR


def test_only_one_continuous_constant_is_moved() -> None:
    from dataclasses import replace

    r = get("hxp20.eq15")
    assert numeric_constant(r) is not None
    assert numeric_constant(replace(r, broken={"ec_bound": 1.3, "upper": 1.0})) is None
    assert numeric_constant(replace(r, broken={"ec_bound": True})) is None


def test_list_valued_constants_get_a_fraction_threshold() -> None:
    from boundcheck.check.sensitivity import fraction_threshold

    r = get("hxp20.eq_expand")  # ratio_band [3.5, 4.5] -> broken [1.8, 2.2]
    assert numeric_constant(r) is None
    th = fraction_threshold(r, seed=0)
    assert th is not None and th.mode == "fraction" and th.refuted_at is not None
    assert 0 < th.held_at < th.refuted_at < 1
    assert "of the way" in th.describe()


def test_a_result_without_a_continuous_constant_says_why_it_has_no_threshold() -> None:
    res = get("hxp20.eq2")  # broken variant: normalization "mean" (structural)
    rep = run_result(res, instances=3)
    attach_threshold(res, rep, instances=3)
    assert "detection_threshold" not in rep.details
    note = rep.details["detection_threshold_note"]
    assert "no continuous printed constant" in note and "normalization='mean'" in note
