"""A report does not depend on what ran before it in the same process (issue 15: identical
results for any number of workers and any schedule)."""

from __future__ import annotations

import json

import mpmath
import numpy as np
from flint import ctx

from boundcheck.arith.state import default_numeric_state
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get

#: results whose reports changed when an earlier result in the same worker had raised the
#: Arb or mpmath precision (found comparing a 2-worker audit with a 1-worker one)
KEYS = ["dh19.eq13", "hxp20.lem5_5[plateau-algebra]", "acgh19.claim4",
        "acgh19.thm2[phase1-descent]"]


def _text(rep: object) -> str:
    d = rep.to_dict()
    d.pop("elapsed_s")
    return json.dumps(d, sort_keys=True, default=str)


def test_a_raised_precision_left_behind_does_not_change_a_report() -> None:
    for key in KEYS:
        res = get(key)
        clean = _text(run_result(res, instances=3))
        ctx.prec, mpmath.mp.prec = 300, 300
        np.seterr(all="ignore")
        try:
            dirty = _text(run_result(res, instances=3))
            assert (ctx.prec, mpmath.mp.prec) == (300, 300)  # the caller's settings come back
            assert np.geterr()["over"] == "ignore"
        finally:
            ctx.prec, mpmath.mp.prec = 53, 53
            np.seterr(divide="warn", over="warn", under="ignore", invalid="warn")
        assert dirty == clean, key


def test_default_numeric_state_restores_on_error() -> None:
    ctx.prec = 200
    try:
        try:
            with default_numeric_state():
                assert ctx.prec == 53 and mpmath.mp.prec == 53
                raise RuntimeError
        except RuntimeError:
            pass
        assert ctx.prec == 200
    finally:
        ctx.prec = 53
