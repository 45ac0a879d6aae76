"""Statistical checks of "for every value" statements test each value on its own (issue 9):
pooled draws let a value where the bound fails hide among values where it holds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.result import Result, Source, Statistical
from boundcheck.check.verdict import Verdict


def _toy(strata: bool) -> Result:
    """Failure probability 0.9 at value 3, 0 at values 0-2; the statement allows 0.3. Pooled
    over the four values the rate is 0.225 < 0.3, so a pooled test passes a false claim."""

    def trial(rng: np.random.Generator, p: dict) -> bool:
        v = int(p["v"]) if "v" in p else int(rng.integers(0, 4))
        return not (v == 3 and rng.random() < 0.9)

    return Result(id="toy.every_value", title="toy", source=Source("toy", "none"),
                  statement="", kind="lemma",
                  check=Statistical(trial, lambda p: 0.3,
                                    strata=(lambda p: [(f"v={v}", {"v": v}) for v in range(4)])
                                    if strata else None),
                  params={"instances": 400})


def test_a_failing_value_is_not_hidden_by_pooling() -> None:
    pooled = run_result(_toy(strata=False))
    assert pooled.verdict == Verdict.CONSISTENT  # the defect the strata fix
    rep = run_result(_toy(strata=True))
    assert rep.verdict == Verdict.INCONSISTENT
    rows = {r["stratum"]: r for r in rep.details["strata"]}
    assert rows["v=3"]["verdict"] == "inconsistent"
    assert all(rows[f"v={v}"]["verdict"] == "consistent" for v in range(3))
    # Bonferroni: four strata at 1 - 0.01/4 each
    assert all(r["confidence"] == pytest.approx(0.9975) for r in rows.values())
    assert "v=3" in rep.messages[0]


def test_strata_draw_independent_streams_and_are_reproducible() -> None:
    a = run_result(_toy(strata=True), seed=3)
    b = run_result(_toy(strata=True), seed=3)
    assert a.details["strata"] == b.details["strata"]
    fails = [r["failures"] for r in a.details["strata"]]
    assert fails[:3] == [0, 0, 0] and fails[3] > 0


def test_lem10_printed_s_squared_holds_per_value_and_s_to_the_one_is_caught() -> None:
    """acgh19.lem10: a threshold with s instead of s^2 passed when s was pooled over
    [0.1, 10] (the rate stays below 4/9 on average); per value of s it fails at s = 10."""
    res = get("acgh19.lem10")
    assert run_result(res).verdict == Verdict.CONSISTENT
    rep = run_result(res, overrides={"s_exponent": 1})
    assert rep.verdict == Verdict.INCONSISTENT
    bad = [r["stratum"] for r in rep.details["strata"] if r["verdict"] == "inconsistent"]
    assert bad and all("s=10" in b for b in bad)  # s < 1 makes s^1 the weaker threshold


def test_lem11_constant_below_the_width_one_polynomial_is_not_passed() -> None:
    """acgh19.lem11 with C0 = 0.3: false for the width-1 polynomial (empirical ratio ~0.34 at
    eps = 0.1), passed by the pooled test; per polynomial it is never `consistent`."""
    res = get("acgh19.lem11")
    assert run_result(res).verdict == Verdict.CONSISTENT
    rep = run_result(res, overrides={"C0": 0.3})
    assert rep.verdict in (Verdict.INCONSISTENT, Verdict.UNDERPOWERED)
    worst = max(rep.details["strata"], key=lambda r: r["interval"][1] / r["delta"])
    assert worst["stratum"] == "widths=1"


def test_strata_returning_nothing_is_an_error() -> None:
    res = _toy(strata=True)
    empty = dataclasses.replace(res, check=dataclasses.replace(res.check,
                                                               strata=lambda p: []))
    rep = run_result(empty)  # a crashing check is reported, not raised
    assert rep.verdict == Verdict.ERROR
    assert any("no strata" in m for m in rep.messages)
