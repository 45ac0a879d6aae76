"""Hunting (issue 16): the audit's ``--hunt`` judges the falsifier's tightest instance with the
result's own backend, the example database remembers it and replays it at later audits,
and a confirmed violation is shrunk in structure (sizes) before its numbers."""

import json

import pytest

from boundcheck.check import registry
from boundcheck.check.examples import ExampleDB, replay_for
from boundcheck.check.falsify import falsify, size_params
from boundcheck.check.harness import recheck, run_result
from boundcheck.check.result import Deterministic, Result, Source
from boundcheck.check.verdict import Condition, Verdict
from boundcheck.cli import main


def _sample(rng, p):
    n = int(rng.choice(p["n_choices"]))
    return {"a": rng.standard_normal((1, n)), "b": rng.standard_normal((n, 1))}


def _hyp(inst, ops, p):
    return [Condition("||a|| <= 10", ops.fro_norm(ops.asarray(inst["a"])), "<=",
                      ops.scalar(10))]


def _concl(inst, ops, p):
    a, b = ops.asarray(inst["a"]), ops.asarray(inst["b"])
    c = ops.scalar(p["c_num"]) / ops.scalar(p["c_den"])
    return [Condition("|a.b| <= c ||a|| ||b||", ops.fro_norm(ops.matmul(a, b)), "<=",
                      c * ops.fro_norm(a) * ops.fro_norm(b))]


def _result(c_num: int) -> Result:
    """Cauchy-Schwarz with the constant c = c_num/100 (true for c >= 1; a planted error below
    1, reached only where a and b align, which random directions in R^n rarely do)."""
    return Result(
        id="huntpaper.cauchy_schwarz", title="Cauchy-Schwarz, constant c_num/c_den",
        source=Source("huntpaper", "fixture"), statement=r"|a\cdot b| \le c\|a\|\|b\|",
        kind="inequality", check=Deterministic(_sample, _hyp, _concl),
        params={"c_num": c_num, "c_den": 100, "n_choices": [8, 16, 32, 64]},
        variant=f"c{c_num}", certifiable=True, instances=40)


@pytest.fixture
def planted():
    registry.load_papers()
    res = _result(90)
    registry.register(res)
    yield res
    registry._RESULTS.pop(res.key)


def test_sampler_alone_misses_the_planted_constant(planted):
    rep = run_result(planted, backend="ball")
    assert rep.verdict is Verdict.HOLDS  # 40 random draws never align within 10 %


def test_hunt_refutes_with_the_results_own_certified_backend(planted, tmp_path):
    rep = run_result(planted, backend="ball", hunt_budget=400, counterexample_dir=tmp_path)
    assert rep.verdict is Verdict.REFUTED and rep.certified
    assert rep.details["hunt"]["tightest_score"] < 0
    assert rep.details["replayed"] == ["hunt"]
    assert any(s.startswith("hunt:") for s in rep.seeds)
    assert recheck(rep.counterexamples[0], backend="ball").verdict is Verdict.REFUTED


def test_hunt_on_a_true_statement_does_not_refute(tmp_path):
    registry.load_papers()
    res = _result(100)
    registry.register(res)
    try:
        rep = run_result(res, backend="ball", hunt_budget=300)
        assert rep.verdict is Verdict.HOLDS, rep.messages
        assert rep.found is not None and rep.found[1] >= 0
    finally:
        registry._RESULTS.pop(res.key)


def test_falsify_shrinks_structure_then_numbers_and_records_the_example(planted, tmp_path):
    assert size_params(planted.resolve_params()) == ["n_choices"]
    rep = falsify(planted, budget=400, seed=0, out=tmp_path)
    assert rep.refuted and rep.certified
    assert any("structural shrink: n_choices -> [8]" in m for m in rep.messages)
    data = json.loads(open(rep.counterexample).read())
    assert data["overrides"] == {"n_choices": [8]}
    assert len(data["instance"]["a"]["__ndarray__"]) == 8  # a 1x8 counterexample
    assert recheck(rep.counterexample, backend="ball").verdict is Verdict.REFUTED
    with ExampleDB(tmp_path / "examples.sqlite") as db:
        inst, score, cond, source = db.get(planted.key)
    assert score < 0 and "falsify" in source


def test_example_db_keeps_the_hardest_and_is_replayed(planted, tmp_path):
    path = tmp_path / "ex.sqlite"
    hard = {"a": [[1.0, 2.0]], "b": [[1.0], [2.0]]}  # aligned: |a.b| = ||a|| ||b||
    import numpy as np
    hard = {k: np.array(v) for k, v in hard.items()}
    with ExampleDB(path) as db:
        assert db.offer(planted.key, hard, -0.03, "aligned", "hand")
        assert not db.offer(planted.key, {"a": np.ones((1, 2))}, 0.5, "weaker", "later")
        assert db.rows()[0]["condition"] == "aligned"
    replay = replay_for(path, planted.key)
    assert len(replay) == 1 and replay[0][0] == "db[hand]"
    rep = run_result(planted, backend="ball", replay=replay)
    assert rep.verdict is Verdict.REFUTED and rep.seeds == ["db[hand]:0"]


def test_audit_hunt_cli_records_and_a_plain_audit_replays(planted, tmp_path, capsys):
    out = tmp_path / "a"
    argv = ["audit", "--paper", "huntpaper", "--quick", "--out", str(out), "--workers", "1",
            "--no-thresholds", "--backend", "ball", "--quiet"]
    assert main(argv + ["--hunt", "400"]) == 1  # the planted statement is not an erratum
    res = json.loads((out / "results.json").read_text())["results"][0]
    assert res["verdict"] == "refuted" and res["details"]["hunt"]["budget"] == 400
    assert (out / "examples.sqlite").exists()
    out2 = tmp_path / "b"
    argv2 = ["audit", "--paper", "huntpaper", "--quick", "--out", str(out2), "--workers",
             "1", "--no-thresholds", "--backend", "ball", "--quiet",
             "--examples", str(out / "examples.sqlite")]
    assert main(argv2) == 1  # no hunt: the remembered instance alone refutes it
    res2 = json.loads((out2 / "results.json").read_text())["results"][0]
    assert res2["verdict"] == "refuted" and res2["details"]["replayed"][0].startswith("db[")


def test_negative_hunt_budget_is_refused(capsys):
    assert main(["audit", "--quick", "--hunt", "-1"]) == 2
    assert "--hunt" in capsys.readouterr().err


def test_unsearchable_and_non_deterministic_results_are_refused(capsys):
    assert main(["falsify", "hxp20.asm5_1", "--budget", "5"]) == 2
    assert "not searchable" in capsys.readouterr().err
    assert main(["falsify", "hxp20.thm4_1", "--budget", "5"]) == 2
    assert "only deterministic" in capsys.readouterr().err
    rep = run_result(registry.get("hxp20.asm5_1"), hunt_budget=50)
    assert rep.verdict is Verdict.HOLDS_NUMERICALLY and "skipped" in rep.details["hunt"]
