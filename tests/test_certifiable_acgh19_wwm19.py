"""Results made certifiable in issue 13 (acgh19 / wwm19 / zlg20 share): each is decided under
``--backend ball`` with certified arithmetic only, gives the float64 verdict, computes inside
the vocabulary (taint audit), and its broken variant is still rejected under ball."""

from __future__ import annotations

import pytest

from boundcheck.certify.taint import audit_result
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get

CERTIFIED_ARITH = ("rump-", "arb-", "exact-")

#: key -> (instances, overrides) for a quick certified run
CASES = {
    "acgh19.def1": (4, {}),
    "acgh19.rem_resnet": (8, {}),
    "acgh19.eq27_28": (12, {}),
    "acgh19.eq29_32": (6, {}),
    "acgh19.lem10[proof-moment-repaired]": (6, {}),
    "wwm19.eq4_6": (3, {}),
    "wwm19.rem4_3": (1, {"steps": 200}),
    "zlg20.eqA_11": (6, {}),
}


def _certified_only(rep) -> None:
    arith = rep.details.get("arithmetic") or {}
    assert arith, rep.details
    assert all(k.startswith(CERTIFIED_ARITH) for k in arith), arith


@pytest.mark.parametrize("key", sorted(CASES))
def test_certifiable_and_holds_under_ball(key: str) -> None:
    res = get(key)
    assert res.certifiable
    n, over = CASES[key]
    rep = run_result(res, backend="ball", instances=n, overrides=over)
    assert rep.verdict.value == "holds", rep.verdict
    _certified_only(rep)
    f64 = run_result(res, backend="float64", instances=n, overrides=over)
    assert f64.verdict.value == "holds-numerically", f64.verdict


@pytest.mark.parametrize("key", sorted(k for k in CASES if k != "wwm19.eq4_6"))
def test_taint_audit_clean(key: str) -> None:
    n, over = CASES[key]
    res = get(key)
    if over:
        res = res.with_variant(res.variant, params={**res.params, **over})
    assert audit_result(res, instances=1) == []


def test_eq4_6_audit_only_sees_certified_run_bounds() -> None:
    """eq4_6's left-hand sides are the upward-rounded enclosures of the shadowed run (floats
    by construction); the audit must see nothing else."""
    import numpy as np

    from boundcheck.check.harness import instance_rng
    from theorems.wwm19._cert import zas_run

    res = get("wwm19.eq4_6")
    params = res.resolve_params("quick", None)
    inst = res.check.sample(instance_rng(res.key, 0, 0), params)
    run = zas_run(np.asarray(inst["Phi"]), inst["L"], inst["eta"], inst["steps"])
    found = audit_result(res, instances=1)
    assert {x for _, x, _ in found} <= {run["E_max"], run["D_max"]}, found


@pytest.mark.parametrize("key,over,n", [
    ("acgh19.rem_resnet", {"radius": 0.75}, 16),
    ("acgh19.def1", {"root_offset": 1}, 3),
    ("acgh19.eq27_28", {"eta_const": 200.0}, 40),
    ("acgh19.eq29_32", {"precond": 1.5}, 4),
    ("zlg20.eqA_11", {"factor": 1e-3}, 6),
    ("acgh19.lem10[proof-moment-repaired]", {"cross": "-1"}, 4),
])
def test_broken_variants_refuted_under_ball(key: str, over: dict, n: int) -> None:
    rep = run_result(get(key), backend="ball", instances=n, overrides=over)
    assert rep.verdict.value == "refuted", rep.verdict
    _certified_only(rep)


def test_eq4_6_broken_threshold_refuted_from_lower_bounds() -> None:
    """eq4_6 once had only upper bounds of its run maxima, and an upper bound above a
    (broken) threshold proves nothing, so this was `inconclusive`. It now tracks lower bounds
    too (``certify.runbound.bound_condition``), which refute it, certified;
    ``tests/test_runbound.py`` pins that an upper bound alone never refutes."""
    rep = run_result(get("wwm19.eq4_6"), backend="ball", instances=3, overrides={"c2": 1e-4})
    assert rep.verdict.value == "refuted", rep.verdict
    _certified_only(rep)
    f64 = run_result(get("wwm19.eq4_6"), backend="float64", instances=3,
                     overrides={"c2": 1e-4})
    assert f64.verdict.value == "refuted"


def test_lem10_printed_moment_is_a_certified_refutation() -> None:
    """The printed cross term -ab (erratum) is refuted in exact rationals under ball."""
    res = get("acgh19.lem10[proof-moment-printed]")
    assert res.certifiable and res.erratum
    rep = run_result(res, backend="ball", instances=4)
    assert rep.verdict.value == "refuted", rep.verdict
    _certified_only(rep)
    assert audit_result(res, instances=1) == []
