"""Coverage of certified arithmetic (issue 13): which results are ``certifiable``, and that
those compute inside the vocabulary (no float64 value reaches a certified condition).

The taint audit (:mod:`boundcheck.certify.taint`) wraps the backend and records every
float entering ``scalar``/``asarray``/``power``/``scale``/``sqrt``/``log``/``exp`` that is
not one of the instance's stored inputs or the result's parameters -- a number computed by
the paper module in float64 first (the pattern of issue 9's ``1.0 + shift``).
"""

from __future__ import annotations

import pytest

from boundcheck.certify.taint import audit_result
from boundcheck.check.harness import run_result
from boundcheck.check.registry import all_results, get
from boundcheck.check.result import Deterministic, Result, Source
from boundcheck.check.verdict import Condition, Verdict

PAPERS = ("hxp20", "acgh19", "dh19", "wwm19", "zlg20")
#: floors of certifiable deterministic results per paper (measured: see docs/certified.md)
FLOORS = {"hxp20": 30, "acgh19": 27, "dh19": 32, "wwm19": 28, "zlg20": 32}
#: slow samplers (> 1 s per instance) audited only in the slow run
SLOW = {"dh19.claim7_3", "dh19.eqF", "dh19.eq19", "dh19.eq7_3_contr", "dh19.eq7_3_eig", "dh19.eq14",
        "acgh19.thm1", "acgh19.lem1", "hxp20.claim4_4"}

#: certifiable results the taint audit flags (strict xfail: a fix makes the test fail until
#: the key is removed here). Empty since issue 13's wwm19/zlg20 pass: printed constants enter
#: exactly, shadowing-run bounds enter as RunBound through certify.runbound.bound_condition
KNOWN_TAINT: set[str] = set()


def _certifiable() -> list[Result]:
    return [r for r in all_results() if isinstance(r.check, Deterministic) and r.certifiable
            and r.key.split(".")[0] in PAPERS]


@pytest.mark.parametrize("paper", PAPERS)
def test_certifiable_floor(paper: str) -> None:
    keys = [r.key for r in _certifiable() if r.key.startswith(paper + ".")]
    assert len(keys) >= FLOORS[paper], keys


def _audit_ids(slow: bool) -> list:
    return [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason="known taint"))
            if k in KNOWN_TAINT else k
            for k in sorted(r.key for r in _certifiable() if (r.key in SLOW) == slow)]


@pytest.mark.parametrize("key", _audit_ids(slow=False))
def test_certifiable_results_compute_in_the_vocabulary(key: str) -> None:
    assert audit_result(get(key), instances=1) == []


@pytest.mark.slow
@pytest.mark.parametrize("key", _audit_ids(slow=True))
def test_certifiable_results_compute_in_the_vocabulary_slow(key: str) -> None:
    assert audit_result(get(key), instances=1) == []


def _toy(concl) -> Result:
    return Result(id="toy.taint", title="toy", source=Source("toy", "-"), statement="-",
                  kind="claim", check=Deterministic(lambda rng, p: {"x": 0.1}, lambda i, o, p: [],
                                                    concl),
                  params={"a": 0.7}, broken={"a": 0.0}, instances=1, certifiable=True)


def test_audit_catches_a_pre_rounded_constant() -> None:
    def bad(inst, ops, p):  # p["a"] * inst["x"] computed in float64 first
        return [Condition("x a <= 1", ops.scalar(p["a"] * inst["x"]), "<=", ops.scalar(1))]

    def good(inst, ops, p):
        return [Condition("x a <= 1", ops.scalar(p["a"]) * ops.scalar(inst["x"]), "<=",
                          ops.scalar(1))]

    found = audit_result(_toy(bad), instances=1)
    assert found and found[0][1] == 0.7 * 0.1
    assert audit_result(_toy(good), instances=1) == []


@pytest.mark.parametrize("key", ["hxp20.def4_1", "hxp20.eq1", "hxp20.eq2", "acgh19.lem4",
                                 "dh19.eq8", "dh19.eqU", "hxp20.ineqA3_prodpert",
                                 "acgh19.proc1", "acgh19.lem5[repaired]"])
def test_converted_results_hold_under_ball(key: str) -> None:
    """Converted identity/inequality checks are decided by certified arithmetic (exact ties by
    the fmpq step), not left inconclusive, on their first quick instances."""
    rep = run_result(get(key), backend="ball", instances=4)
    assert rep.verdict is Verdict.HOLDS, rep.messages[:2]
    assert rep.certified and rep.counts["inconclusive"] == 0


@pytest.mark.parametrize("key", ["acgh19.proc1[appE_literal]", "acgh19.lem5"])
def test_printed_errata_are_refuted_by_certified_arithmetic(key: str) -> None:
    """Two printed statements the audit refutes are now refuted under ball, not float64."""
    rep = run_result(get(key), backend="ball", instances=6)
    assert rep.verdict is Verdict.REFUTED and rep.certified
    assert "certification" not in rep.details  # not the float64 fallback
