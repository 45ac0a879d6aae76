"""Verdict bookkeeping of the harness: vacuous vs inconclusive vs holds."""

from boundcheck.check.harness import run_result
from boundcheck.check.result import Deterministic, Result, Source
from boundcheck.check.verdict import Condition, Verdict


def _toy(hyp_value: float, certifiable: bool = False) -> Result:
    return Result(id="toy.h", title="toy", source=Source("toy", "§0"), statement="",
                  kind="identity", certifiable=certifiable, broken={}, instances=5,
                  check=Deterministic(
                      lambda rng, p: {},
                      lambda inst, ops, p: [Condition("h", ops.scalar(hyp_value), "<=",
                                                      ops.scalar(1.0))],
                      lambda inst, ops, p: [Condition("c", ops.scalar(0.0), "<=",
                                                      ops.scalar(1.0))]))


def test_no_instance_meeting_hypotheses_is_vacuous():
    assert run_result(_toy(2.0)).verdict is Verdict.VACUOUS


def test_undecided_hypotheses_are_inconclusive_not_vacuous():
    assert run_result(_toy(float("nan"))).verdict is Verdict.INCONCLUSIVE


def test_non_certifiable_result_runs_in_float64_under_ball():
    rep = run_result(_toy(0.5), backend="ball")
    assert rep.verdict is Verdict.HOLDS_NUMERICALLY and rep.backend == "float64"
    assert "not certifiable" in rep.messages[0]
    assert run_result(_toy(0.5, certifiable=True), backend="ball").verdict is Verdict.HOLDS


def test_margin_chart_keeps_tiny_margins_and_statistical_results(tmp_path):
    import pytest

    from boundcheck.check.harness import Report
    from boundcheck.check.verdict import Verdict
    from boundcheck.output import plots

    def rep(key, verdict, **tight):
        return Report(id=key, key=key, variant="printed", erratum=False,
                      check_type="statistical" if "delta" in tight else "deterministic",
                      verdict=verdict, backend="float64", certified=False, tightness=tight)

    reps = [rep("a.tiny", Verdict.HOLDS_NUMERICALLY, min_relative_margin=3e-14),
            rep("a.zero", Verdict.HOLDS_NUMERICALLY, min_relative_margin=0.0),
            rep("a.stat", Verdict.CONSISTENT, failure_rate_upper=0.02, delta=0.05)]
    assert [plots._margin(r) for r in reps] == [3e-14, 0.0, pytest.approx(0.6)]
    assert plots.margin_chart(reps, tmp_path / "m.png", "t").exists()
