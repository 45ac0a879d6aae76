"""Certified verdicts never use the float64 tie allowance; Clopper-Pearson against scipy's
beta quantiles; margin signs of every relation (issue 9)."""

from __future__ import annotations

import pytest

from boundcheck.arith import get_backend
from boundcheck.check import verdict as vmod
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Condition, Verdict, evaluate


class _Recorder:
    """A certified backend wrapper recording the allowance it is asked to apply."""

    def __init__(self, inner, certified: bool) -> None:
        self.inner, self.certified, self.atols = inner, certified, []

    def compare(self, lhs, rel, rhs, rtol=0.0, atol=0.0):
        self.atols.append(atol)
        return self.inner.compare(lhs, rel, rhs, rtol=rtol, atol=atol)

    def mid(self, x):
        return self.inner.mid(x)


@pytest.mark.parametrize("name", ["rump", "arb", "ball"])
def test_certified_backends_never_receive_float_tol(name):
    be = _Recorder(get_backend(name), certified=True)
    x = be.inner.scalar(1) + be.inner.scalar(2) ** -60  # 1 + 2^-60 > 1
    c = Condition("x <= 1", x, "<=", be.inner.scalar(1), atol=0.0, float_tol=1e-9)
    out = evaluate(c, be)
    assert be.atols == [0.0]
    assert out.status is False  # the allowance would have made this True
    f = _Recorder(get_backend("float64"), certified=False)
    evaluate(Condition("x <= 1", 1.0, "<=", 1.0, float_tol=1e-9), f)
    assert f.atols == [1e-9]


def test_planted_float_tol_on_certified_backend_is_caught(monkeypatch):
    """Plant the bug (certified backends applying float_tol): hxp20.eq14, whose certified
    truth is inconclusive, then wrongly 'holds'. The real code must not say holds."""
    res = get("hxp20.eq14")
    # without ball's exact-rational last step (which decides eq14's ties exactly) the
    # certified truth on these instances is inconclusive
    opts = {"exact_ties": False}
    honest = run_result(res, instances=6, backend="ball", backend_options=opts)
    assert honest.verdict is not Verdict.HOLDS

    orig = vmod.evaluate

    def planted(cond, backend):
        cond = Condition(cond.name, cond.lhs, cond.rel, cond.rhs, rtol=cond.rtol,
                         atol=cond.atol + cond.float_tol, float_tol=0.0,
                         context=cond.context)
        return orig(cond, backend)

    import boundcheck.check.harness as hmod
    monkeypatch.setattr(vmod, "evaluate", planted)
    if hasattr(hmod, "evaluate"):
        monkeypatch.setattr(hmod, "evaluate", planted)
    mutant = run_result(res, instances=6, backend="ball", backend_options=opts)
    # the plant changes the verdict, so the honest check above can fail
    assert mutant.verdict is not honest.verdict
