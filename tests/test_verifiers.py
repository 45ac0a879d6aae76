"""Standalone verifiers of certified refutations run in isolated Python (python -I)."""

import json
from fractions import Fraction

from boundcheck.check import verifiers
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get


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
