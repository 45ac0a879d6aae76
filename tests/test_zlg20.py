"""zlg20-specific tests: certification path, adversarial tightness, SGD runner, errata."""

from __future__ import annotations

import math

import numpy as np

from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Verdict
from theorems.zlg20 import _cert, gd, sgd
from theorems.zlg20._common import C_THM31, modid_instance, np_lstar


def test_lemA1_adversarial_point_is_tight() -> None:
    """At W_l = -(0.5/L) I with A^TA = I, BB^T = a^2 I, XX^T = s^2 I the ratio in (a) is
    e (1 - 0.5/L)^{2L-2}: a constant 2.1 e^-1 (instead of 2 e^-1) must be refuted at L=100."""
    rep = run_result(get("zlg20.lemA_1"), overrides={"lower_coef": 2.1, "L_choices": [100]},
                     instances=6)
    assert rep.verdict is Verdict.REFUTED
    ratio = math.e * (1 - 0.5 / 100) ** 198
    assert 1.0 < ratio < 2.1 / 2


def test_certified_gd_run_and_budget() -> None:
    from boundcheck.arith.arb import ArbBackend

    rng = np.random.default_rng(3)
    inst = modid_instance(rng, 1, 1, 4, 2, 2.0, noise=0.3, scales=[1.0])
    inst["form"] = "C1"
    inst["eta"] = gd._eta(inst, "C1", gd._PARAMS)
    q = gd._base(inst, ArbBackend(prec=128))
    from flint import arb

    from boundcheck.arith import _ballcore as bc

    lam = arb(bc.hi(q["lamA"] * q["lamB"] * q["Xn"]))
    run = _cert.certified_gd(inst, inst["eta"], q["rho"], q["D0"], q["Rstar"], lam, 5000,
                             1e-12)
    assert run["completed"] and run["e_final"] < 1e-12 and run["worst_rate"] <= 1.0
    assert run["min_descent"] >= 1.0 and run["unresolved"] == 0
    short = _cert.certified_gd(inst, inst["eta"], q["rho"], q["D0"], q["Rstar"], lam, 10,
                               1e-12)
    assert not short["completed"]


def test_thm31_unfinished_run_is_inconclusive_under_ball() -> None:
    rep = run_result(get("zlg20.thm3_1"), backend="ball", instances=1,
                     overrides={"steps_max": 20, "L_choices": [1]})
    assert rep.verdict is Verdict.INCONCLUSIVE


def test_modid_threshold_alpha_star() -> None:
    rng = np.random.default_rng(0)
    inst = modid_instance(rng, 2, 1, 4, 1, 1.0)
    X, Y = inst["X"], inst["Y"]
    s = np.linalg.svd(X, compute_uv=False)
    d0 = 0.5 * np.sum(Y * Y) - np_lstar(X, Y)
    assert math.isclose(inst["alpha"], C_THM31 * s[0] / s[-1] ** 2 * math.sqrt(d0))


def test_sgd_runner_counts_overflow_as_failure() -> None:
    rng = np.random.default_rng(1)
    p = dict(sgd._P38, eta_factor=1e6, runs=4, T=50)
    fails, runs = sgd._trial38("printed")(rng, p)
    assert runs == 4 and fails == 4


def test_errata_confirmed() -> None:
    assert run_result(get("zlg20.eqA_16[printed-log(delta/T)]")).verdict is Verdict.REFUTED
    assert run_result(get("zlg20.sec4_identity[printed-generic-C]")).verdict is Verdict.REFUTED
