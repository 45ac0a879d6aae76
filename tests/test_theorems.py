"""The theorem suite: one test item per registered result (and per variant).

* ``test_verdict``     -- the quick profile gives the expected verdict (a pass for a result
  expected to hold; ``refuted``/``inconsistent`` for a registered erratum);
* ``test_nonvacuous``  -- at least 10 instances (or trials) met the hypotheses;
* ``test_sensitivity`` -- the deliberately broken variant (``Result.broken``) is rejected.
"""

from __future__ import annotations

import pytest

from boundcheck.check.harness import CONFIRMS_ERRATUM, run_result
from boundcheck.check.registry import all_results
from boundcheck.check.result import Scaling, Symbolic
from boundcheck.check.verdict import PASSING, Verdict

RESULTS = all_results()
KEYS = [r.key for r in RESULTS]
_cache: dict[str, object] = {}


def _quick(result):
    if result.key not in _cache:
        _cache[result.key] = run_result(result, profile="quick")
    return _cache[result.key]


@pytest.mark.parametrize("result", RESULTS, ids=KEYS)
def test_verdict(result):
    rep = _quick(result)
    detail = f"{rep.key}: {rep.verdict}; {rep.messages[:3]}"
    if result.erratum:
        assert rep.verdict in CONFIRMS_ERRATUM, detail
    else:
        assert rep.verdict in PASSING, detail


@pytest.mark.parametrize("result", RESULTS, ids=KEYS)
def test_nonvacuous(result):
    rep = _quick(result)
    if isinstance(result.check, Symbolic):
        assert rep.counts["tried"] >= 1
    elif isinstance(result.check, Scaling):
        assert rep.counts["tried"] >= 1, "a scaling check must test at least one fit"
        if "trials" in rep.details:
            assert rep.details["trials"] >= 10, rep.details
    else:
        assert rep.counts.get("hypotheses_held", 0) >= 10, rep.counts
    assert rep.verdict is not Verdict.VACUOUS


SENSITIVE = [r for r in RESULTS if not r.erratum]


@pytest.mark.parametrize("result", SENSITIVE, ids=[r.key for r in SENSITIVE])
def test_sensitivity(result):
    assert result.broken, f"{result.key} declares no deliberately broken variant"
    rep = run_result(result, profile="quick", overrides=result.broken)
    assert rep.verdict in CONFIRMS_ERRATUM, (
        f"broken variant {result.broken} of {result.key} was not rejected: {rep.verdict}")
