import json

from boundcheck.cli import main


def test_list_json(capsys):
    assert main(["list", "--paper", "hxp20", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert "hxp20.claim4_4" in {r["id"] for r in rows}


def test_unknown_id_is_usage_error(capsys):
    assert main(["check", "hxp20.nope"]) == 2
    assert "unknown result id" in capsys.readouterr().err


def test_unknown_paper_is_usage_error(capsys):
    assert main(["list", "--paper", "nopaper"]) == 2


def test_check_writes_json(tmp_path, capsys):
    out = tmp_path / "out.json"
    code = main(["check", "hxp20.claim4_4", "--instances", "12", "--json", str(out), "--quiet"])
    assert code == 0
    data = json.loads(out.read_text())
    res = data["results"][0]
    for field in ("id", "verdict", "counts", "tightness", "seeds", "backend"):
        assert field in res
    assert res["verdict"] == "holds-numerically"
    assert res["counts"]["hypotheses_held"] >= 10


def test_counterexample_file_rechecks(tmp_path):
    from boundcheck.check.harness import recheck, run_result
    from boundcheck.check.registry import get

    r = get("hxp20.claim4_4")
    rep = run_result(r, overrides=r.broken, counterexample_dir=tmp_path)
    assert rep.counterexamples
    again = recheck(rep.counterexamples[0])
    assert str(again.verdict) == "refuted"


def test_shrink_finds_smallest_failing_size(tmp_path):
    from boundcheck.check.registry import get
    from boundcheck.check.search import shrink

    r = get("hxp20.claim4_4")
    found = shrink(r, overrides=r.broken, counterexample_dir=tmp_path)
    assert found is not None
    # (1 + rho)^3 <= 1.25 still lets the chain reach (1 + rho)^2 > 1.1 at L = 3.
    assert found.sizes["L_choices"] == 3
    assert found.report.counterexamples
    assert shrink(r) is None  # the printed claim has no counterexample to shrink


def test_bad_numbers_are_usage_errors(capsys):
    assert main(["check", "hxp20.eq1", "--instances", "0"]) == 2
    assert main(["check", "hxp20.eq1", "--seed", "-1"]) == 2
    assert "must be" in capsys.readouterr().err


def test_set_overrides_parameters_and_rejects_unknown(tmp_path, capsys):
    out = tmp_path / "o.json"
    assert main(["check", "hxp20.claim4_4", "--set", "L_choices=[3]", "--set", "m_choices=[4]",
                 "--quiet", "--json", str(out)]) == 0
    rep = json.loads(out.read_text())["results"][0]
    assert rep["details"]["overrides"] == {"L_choices": [3], "m_choices": [4]}
    assert rep["params"]["L_choices"] == [3] and rep["params"]["ec_bound"] == 1.1  # all used
    assert main(["check", "hxp20.claim4_4", "--set", "nope=1"]) == 2
    assert "no parameter" in capsys.readouterr().err


def test_audit_writes_report_json_and_charts(tmp_path):
    out = tmp_path / "audit"
    assert main(["audit", "--quick", "--paper", "hxp20", "--out", str(out), "--quiet",
                 "--instances", "10"]) in (0, 1)
    data = json.loads((out / "results.json").read_text())
    assert data["meta"]["complete"] is True
    assert len(data["results"]) >= 30
    assert (out / "margins-hxp20.png").stat().st_size > 1000
    md = (out / "report.md").read_text()
    assert "margins-hxp20.png" in md and "## hxp20" in md
    assert not (out / "results.partial.json").exists()


def test_set_is_validated_against_the_parameters(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for bad, why in [("eta=-1", "outside its range"), ("eta=0", "outside its range"),
                     ("eta=\"fast\"", "expects number"), ("eta=NaN", "not finite")]:
        assert main(["check", "hxp20.eq6", "--set", bad, "--quiet"]) == 2, bad
        err = capsys.readouterr().err
        assert why in err and err.count("\n") == 1, err
    assert main(["check", "hxp20.claim4_4", "--set", "L_choices=10", "--quiet"]) == 2
    assert "expects a list" in capsys.readouterr().err
    assert main(["check", "hxp20.claim4_4", "--set", "L_choices=[3, \"x\"]", "--quiet"]) == 2
    assert not (tmp_path / "counterexamples").exists()  # refused before anything ran


def test_list_json_shows_parameter_schemas(capsys):
    assert main(["list", "--paper", "hxp20", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    eq6 = next(r for r in rows if r["key"] == "hxp20.eq6")
    assert eq6["parameters"]["eta"]["type"] == "number"
    assert eq6["parameters"]["eta"]["range"] == [0.0, None]
    assert "certifiable" in eq6 and "notes" in eq6
