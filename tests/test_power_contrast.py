"""Power contrasts of scaling checks (issue 9): the same test run on a family where the
claimed scaling is known to be false (or true) must be flagged, or the verdict is
``underpowered``."""

from __future__ import annotations

import numpy as np
import pytest

from boundcheck.check.harness import run_result
from boundcheck.check.result import Result, Scaling, ScalingOutcome, Source
from boundcheck.check.verdict import Condition, Verdict, power_contrast


def _cond(x: float) -> Condition:
    return Condition("slope <= 1", x, "<=", 1.0)


def test_reject_contrast_flags_a_violated_family() -> None:
    c = power_contrast("L^2", [_cond(2.0)], "reject")
    assert c.contrast == "reject" and c.rel == "<" and c.lhs < 0


def test_reject_contrast_not_flagged_when_the_family_passes() -> None:
    c = power_contrast("L^0.9", [_cond(0.9)], "reject")
    assert c.lhs > 0  # the condition "< 0" then fails


def test_accept_contrast() -> None:
    assert power_contrast("L^0.5", [_cond(0.5)], "accept").lhs >= 0
    assert power_contrast("L^2", [_cond(2.0)], "accept").lhs < 0


def test_undecided_family_is_neither() -> None:
    c = power_contrast("nan", [_cond(float("nan"))], "reject")
    assert np.isnan(c.lhs)


def test_bad_expect_is_an_error() -> None:
    with pytest.raises(ValueError):
        power_contrast("x", [_cond(0.0)], "maybe")


def _toy(main: float, family: float, expect: str) -> Result:
    def run(rng, p, say):
        return ScalingOutcome([_cond(main), power_contrast("toy family", [_cond(family)],
                                                           expect)])
    return Result(id="toy.contrast", title="toy", source=Source("toy", "-"), statement="-",
                  kind="claim", check=Scaling(run))


@pytest.mark.parametrize("main,family,expect,verdict", [
    (0.5, 2.0, "reject", Verdict.CONSISTENT),      # passes, contrast rejected: a real pass
    (0.5, 0.9, "reject", Verdict.UNDERPOWERED),    # passes, but so does the wrong family
    (2.0, 0.9, "reject", Verdict.INCONSISTENT),    # fails: the lenient contrast is moot
    (2.0, 0.5, "accept", Verdict.INCONSISTENT),    # fails, and a true family passes
    (2.0, 2.0, "accept", Verdict.UNDERPOWERED),    # fails, but so does a true family
    (0.5, 2.0, "accept", Verdict.CONSISTENT),      # passes: the strict contrast is moot
])
def test_harness_judges_the_contrast(main: float, family: float, expect: str,
                                     verdict: Verdict) -> None:
    rep = run_result(_toy(main, family, expect))
    assert rep.verdict is verdict
    assert rep.details["power_contrast"][0]["kind"] == expect


SCALING_WITH_CONTRAST = ["dh19.prop6_4", "dh19.rem4_rate", "dh19.thm4_1", "wwm19.eq4_7",
                         "wwm19.eq4_7[repaired]", "wwm19.cor4_3",
                         "zlg20.cor3_7", "zlg20.cor3_9[printed-eta-order]",
                         "zlg20.thm3_1[empirical-constants]", "hxp20.fn1",
                         "hxp20.factA1_proj", "hxp20.fig2", "dh19.eq9"]


@pytest.mark.parametrize("key", SCALING_WITH_CONTRAST)
def test_scaling_results_show_a_flagged_contrast(key: str) -> None:
    from boundcheck.check.registry import get

    rep = run_result(get(key))
    pcs = rep.details["power_contrast"]
    assert pcs and all(pc["flagged"] is True for pc in pcs), pcs
    assert rep.verdict is not Verdict.UNDERPOWERED


def test_every_scaling_result_carries_a_power_contrast() -> None:
    """Static: every registered Scaling result's outcome has at least one contrast (checked
    on the results run above and by name for the rest: run each once)."""
    from boundcheck.check.registry import all_results

    missing = []
    for r in all_results():
        if isinstance(r.check, Scaling):
            rep = run_result(r)
            if not rep.details.get("power_contrast"):
                missing.append(r.key)
    assert missing == []
