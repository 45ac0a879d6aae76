"""Standalone verifiers of certified refutations run in isolated Python (python -I)."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from boundcheck.check import verifiers
from boundcheck.check.harness import check_instance, recheck, run_result
from boundcheck.check.registry import get
from boundcheck.model import serialize


def _lem17_files(tmp_path):
    rep = run_result(get("acgh19.lem17"), backend="ball", counterexample_dir=tmp_path)
    assert str(rep.verdict) == "refuted" and rep.certified
    scripts = rep.details.get("verifiers", [])
    assert scripts and len(scripts) == len(rep.counterexamples)
    return rep.counterexamples, scripts


def test_lem17_verifiers_confirm_and_reject_tampering(tmp_path):
    files, scripts = _lem17_files(tmp_path)
    for f, s in zip(files, scripts, strict=True):
        assert s == f + ".verify.py"
        src = open(s).read()
        imports = [ln for ln in src.splitlines() if ln.startswith(("import ", "from "))]
        assert imports == ["import json", "import sys", "from fractions import Fraction",
                           "from pathlib import Path"]
        out = verifiers.run_verifier(s)
        assert out.returncode == 0, out.stdout + out.stderr
        assert out.stdout.startswith("VIOLATED")
    # Tamper one file so that the inequality holds (c = 0.81, N = 2, eta = 1, A recomputed
    # as the max of eq. (50)): the verifier must say so and exit nonzero.
    data = json.loads(open(files[0]).read())
    env: dict = {}
    exec("from fractions import Fraction\n" + verifiers.LEM17_BODY, env)
    N, eta, q = 2, Fraction(1), Fraction(9, 10)
    data["instance"].update(N=N, eta="1", q="9/10", A_root=2 * N - 2,
                            A_pow=str(max(env["terms50"](N, eta, q))))
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data))
    out = verifiers.run_verifier(scripts[0], bad)
    assert out.returncode == 1 and out.stdout.startswith("holds"), out.stdout + out.stderr
    # A broken hypothesis (A not the max of eq. (50)) is refused, not judged.
    data["instance"]["A_pow"] = "2"
    bad.write_text(json.dumps(data))
    assert verifiers.run_verifier(scripts[0], bad).returncode == 2


def test_no_verifier_for_float64_or_unknown_keys(tmp_path):
    rep = run_result(get("acgh19.lem17"), backend="float64", counterexample_dir=tmp_path)
    assert "verifiers" not in rep.details
    assert verifiers.script_for("hxp20.eq14", "x.json") is None


# ------------------------------------------------------------------ every certified refutation
def _a3_holding(inst):
    """W_1 = W_2 = I, W_3 = 0 (d = 2, L = 3): D_1 = 0, I + D_2 = 0, alpha = 1, phi = e/sqrt 3
    (1 + 1e-9): steps (ii) and (iii) both hold there."""
    inst.update(Ws=[np.eye(2), np.eye(2), np.zeros((2, 2))], L=3, d=2, Phi=-np.eye(2),
                delta=2.0 ** -40, eps=2.0 ** -40, phi_a3=math.e / math.sqrt(3) * (1 + 1e-9))
    return inst


def _zlg_holding(inst):
    """m = 8, rows of X of norms 2 and 1 (C ||X||_2 ||X||_F / sigma_r^2 = 4.0 > sqrt 2),
    Y orthogonal to them: LHS(4.1) = 2 < RHS = 0.9 * 2 * sqrt(10), so (4.1) fails there."""
    A = np.zeros((8, 2))
    A[:2, :2] = np.eye(2)
    inst.update(A=A, B=2 * A.T, X=np.array([[2.0, 0, 0, 0], [0, 1, 0, 0]]),
                Y=np.array([[0.0, 0, 1, 0], [0, 0, 0, 1]]), m=8)
    return inst


def _set(**kw):
    def f(inst):
        inst.update(kw)
        return inst
    return f


def _scale(name, factor):
    def f(inst):
        inst[name] = inst[name] * factor
        return inst
    return f


#: key -> (instances for the run, [(change of the instance or of the overrides, exit code)]);
#: exit 1: the statement holds on the changed file, 2: a hypothesis fails there.
CASES = {
    "acgh19.lem5": (None, [
        (_set(W=[np.ones((1, 1)), np.ones((1, 1))], nu=2.0 ** -30, M=1 + 2.0 ** -30,
              dims=[1, 1, 1], N=2), 1),
        (_set(M=0.5), 2)]),
    "acgh19.lem10[proof-moment-printed]": (None, [({"cross": -2}, 1), (_set(a=0), 2)]),
    "dh19.eq22": (None, [({"k": 2.0}, 1), (_set(lam=0.01), 2)]),
    "wwm19.lemA_3[stepii-printed]": (None, [(_a3_holding, 1), (_scale("eps", 1e-6), 2)]),
    "wwm19.lemA_3[stepiii-printed]": (None, [(_a3_holding, 1), (_scale("delta", 1e-6), 2)]),
    "wwm19.lemA_6[proof-step]": (None, [
        (_set(Ws=[np.ones((1, 1))] * 3 + [np.zeros((1, 1))], L=4, d=1, Phi=np.full((1, 1), 0.5),
              alpha=1 + 2.0 ** -30, phi=1.0, eta=1e-4, delta=2.0 ** -40, eps=2.0 ** -40), 1),
        (_scale("eta", 10.0), 2)]),
    "wwm19.lem4_4": (None, [(_set(c=Fraction(1), s=Fraction(0)), 1),
                            (_set(s=Fraction(401, 40)), 2)]),
    "wwm19.eqA_4": (1, [(_scale("eta", 0.01), 1), (_scale("eta", 100.0), 2)]),
    "zlg20.sec4_identity[printed-generic-C]": (None, [(_zlg_holding, 1),
                                                      (_scale("X", 1e-3), 2)]),
}


def _changed(path, change, tmp_path):
    raw = json.loads(open(path).read())
    data = serialize.decode(raw)
    if isinstance(change, dict):
        data["overrides"] = change
    else:
        data["instance"] = change(data["instance"])
    out = tmp_path / "changed.json"
    out.write_text(json.dumps(serialize.encode(data)))
    return out


@pytest.mark.parametrize("key", sorted(CASES))
def test_every_certified_refutation_has_a_passing_verifier(key, tmp_path):
    n, changes = CASES[key]
    rep = run_result(get(key), backend="ball", counterexample_dir=tmp_path, instances=n)
    assert str(rep.verdict) == "refuted" and rep.certified, rep.messages[:3]
    assert rep.counterexamples
    assert rep.details.get("verifiers") == [f + ".verify.py" for f in rep.counterexamples]
    for s in rep.details["verifiers"]:
        out = verifiers.run_verifier(s)
        assert out.returncode == 0 and out.stdout.startswith("VIOLATED"), out.stdout + out.stderr
    script = rep.details["verifiers"][0]
    for change, code in changes:
        out = verifiers.run_verifier(script, _changed(rep.counterexamples[0], change, tmp_path))
        assert out.returncode == code, (change, out.stdout + out.stderr)
        assert out.stdout.startswith({1: "holds", 2: "HYPOTHESIS FAILS"}[code]), out.stdout


def _proc1_insertions(inst):
    """The dyadic O_j that acgh19's _proc1_build draws for this instance (same seed)."""
    from boundcheck.model.init import dyadic_orthogonal

    rng = np.random.default_rng(int(1e6 * inst["q"][0]) + 7 * inst["N"])
    return [dyadic_orthogonal(rng, inst["dims"][j + 1]) for j in range(inst["N"] - 1)]


def test_proc1_literal_verifier(tmp_path):
    """acgh19.proc1[appE_literal]: the file must carry the insertions O_j to be checkable;
    while it does not, no script is written and the template is checked on the file with
    the O_j added (drawn exactly as the result draws them)."""
    key = "acgh19.proc1[appE_literal]"
    rep = run_result(get(key), backend="ball", counterexample_dir=tmp_path)
    assert str(rep.verdict) == "refuted" and rep.certified and rep.counterexamples
    path = rep.counterexamples[0]
    inst = serialize.load(path)["instance"]
    has_o = "O" in inst
    assert bool(rep.details.get("verifiers")) == has_o
    if not has_o:
        path = _changed(path, lambda i: {**i, "O": _proc1_insertions(i)}, tmp_path)
        full = tmp_path / "with_O.json"
        full.write_text(open(path).read())
        path = full
        script = verifiers.write_verifier(path)
    else:
        script = rep.details["verifiers"][0]
    assert script is not None
    out = verifiers.run_verifier(script, path)
    assert out.returncode == 0 and out.stdout.startswith("VIOLATED"), out.stdout + out.stderr
    ident = _changed(path, lambda i: {**i, "O": [np.eye(len(o)) for o in i["O"]]}, tmp_path)
    out = verifiers.run_verifier(script, ident)  # O_j = I: the product is A again
    assert out.returncode == 1 and out.stdout.startswith("holds"), out.stdout + out.stderr


def test_recheck_still_reads_files_with_verifiers(tmp_path):
    rep = run_result(get("wwm19.lem4_4"), backend="ball", counterexample_dir=tmp_path)
    assert rep.details["verifiers"]
    again = recheck(rep.counterexamples[0])
    assert str(again.verdict) == "refuted" and again.certified


def test_undecided_is_not_a_verdict():
    env: dict = {}
    exec("from fractions import Fraction\n" + verifiers.PRELUDE + verifiers.COMMON, env)
    with pytest.raises(env["Undecided"]):
        env["refine"](lambda n: None, schedule=(4,))
    tol = Fraction(1, 10**12)  # math.log / math.e are within 1e-15 of the true values
    for z in (Fraction(100), Fraction(1, 3), Fraction(19, 20), Fraction(2)):
        lo, hi = env["log_bounds"](z, 24)
        assert lo - tol < Fraction(math.log(z)) < hi + tol and 0 <= hi - lo < tol
    elo, ehi = env["e_bounds"]()
    assert elo - tol < Fraction(math.e) < ehi + tol and 0 < ehi - elo < tol
    S = [[Fraction(2), Fraction(1)], [Fraction(1), Fraction(2)]]  # eigenvalues 1 and 3
    lo, hi = env["lmin"](S, 40)
    assert lo < 1 <= hi and hi - lo < Fraction(1, 10**9)
    assert not env["pd"]([[Fraction(1), Fraction(2)], [Fraction(2), Fraction(1)]])


# ------------------------------------------------------------ enclosures of a certified holds
def test_certified_holds_records_its_enclosures():
    inst = {"q": 1, "m": 40, "lam": -0.01}
    rep = check_instance("dh19.eq22[repaired]", inst, backend="ball")
    assert str(rep.verdict) == "holds" and rep.certified
    recs = rep.details["enclosures"]
    assert [r["role"] for r in recs] == ["hypothesis", "hypothesis", "conclusion"]
    c = recs[-1]
    assert c["status"] is True and c["rel"] == "<="
    for side in ("lhs", "rhs"):
        assert c[side]["lo"] <= c[side]["hi"] and c[side]["ball"]
    # -(1/2) log(1 - 1/2000) = 2.5006252e-4 lies in the recorded lhs enclosure, below rhs
    assert c["lhs"]["lo"] <= -0.5 * math.log1p(-2 * 0.01 / 40) <= c["lhs"]["hi"]
    assert c["lhs"]["hi"] <= c["rhs"]["lo"]
    assert "enclosures" not in check_instance("dh19.eq22[repaired]", inst).details
    run = run_result(get("dh19.eq22[repaired]"), backend="ball")
    assert all("enclosure" in row for row in run.details["instances"])
