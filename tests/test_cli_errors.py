"""Every bad-input case of issue 14's "The command line": exit 2 (or the documented status),
one line on stderr, no traceback, nothing left behind as if complete.

Already covered in tests/test_cli.py (not repeated here): unknown id / paper, bad
--instances/--seed, ``--set nope=1``, ``--set eta=-1`` / ``eta=0`` / ``eta="fast"`` /
``eta=NaN`` and ``--set L_choices=10`` refused before anything runs
(``test_set_is_validated_against_the_parameters``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import boundcheck.cli as cli
from boundcheck.check import registry
from boundcheck.check.harness import run_result
from boundcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert err.startswith("boundcheck: error: ") and err.count("\n") == 1, err
    return err


@pytest.fixture
def no_run(monkeypatch):
    """Fail the test if any result starts running (refusals must come first)."""
    calls: list[str] = []

    def refuse(result, **kw):
        calls.append(result.key)
        raise AssertionError(f"{result.key} ran although the command should be refused")

    monkeypatch.setattr(cli, "run_result", refuse)
    return calls


# ------------------------------------------------------------------------------- --version
def test_version_prints_the_package_version(capsys):
    from boundcheck import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"boundcheck {__version__}"


# ------------------------------------------------------------------------------- recheck
_VALID = {"format": "boundcheck-counterexample/1", "key": "hxp20.claim4_4",
          "id": "hxp20.claim4_4", "variant": "", "seed": "0:1", "backend": "float64",
          "overrides": {}, "instance": {"L": 3}, "violations": []}


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    text = json.dumps(_VALID, indent=1)
    cases = {
        "missing": (None, "no such file"),
        "empty": ("", "is empty"),
        "truncated": (text[: len(text) // 2], "is truncated"),
        "non-json": ("hello, not JSON\n", "is not JSON"),
        "a-list": ("[1, 2]", "holds a JSON list"),
        "other-format": (json.dumps({**_VALID, "format": "x/1"}), "not a boundcheck "
                                                                   "counterexample"),
        "no-key": (json.dumps({k: v for k, v in _VALID.items() if k != "key"}),
                   "no 'key' field"),
        "no-instance": (json.dumps({k: v for k, v in _VALID.items() if k != "instance"}),
                        "no 'instance' field"),
        "overrides-not-object": (json.dumps({**_VALID, "overrides": [1]}),
                                 "'overrides' should be a JSON object"),
        "undecodable-float": (json.dumps({**_VALID, "instance": {"__float__": "zz"}}),
                              "cannot be decoded exactly"),
        "unknown-result": (json.dumps({**_VALID, "key": "hxp20.nope"}), "unknown result key"),
        "wrong-shaped-instance": (json.dumps({**_VALID, "instance": 3}),
                                  "cannot be evaluated by hxp20.claim4_4"),
    }
    out = {}
    for name, (content, why) in cases.items():
        path = tmp / f"{name}.json"
        if content is not None:
            path.write_text(content)
        out[name] = (path, why)
    return out


@pytest.mark.parametrize("case", [
    "missing", "empty", "truncated", "non-json", "a-list", "other-format", "no-key",
    "no-instance", "overrides-not-object", "undecodable-float", "unknown-result",
    "wrong-shaped-instance"])
def test_recheck_of_an_unusable_file_is_one_line_exit_2(tmp_path, capsys, case):
    path, why = _bad_files(tmp_path)[case]
    assert main(["recheck", str(path)]) == 2
    err = _one_line_error(capsys)
    assert why in err and str(path) in err, err


def test_recheck_of_a_directory_is_one_line_exit_2(tmp_path, capsys):
    assert main(["recheck", str(tmp_path)]) == 2
    assert "is a directory" in _one_line_error(capsys)


def test_recheck_of_a_real_truncated_counterexample(tmp_path, capsys):
    r = registry.get("hxp20.claim4_4")
    rep = run_result(r, instances=4, overrides=r.broken, counterexample_dir=tmp_path)
    assert rep.counterexamples, "the broken variant must produce a counterexample file"
    good = Path(rep.counterexamples[0])
    # the intact file re-checks as refuted (exit 1: claim4_4 itself is not an erratum)
    assert main(["recheck", str(good)]) == 1
    assert "refuted" in capsys.readouterr().out
    cut = tmp_path / "cut.json"
    cut.write_text(good.read_text()[: good.stat().st_size * 2 // 3])
    assert main(["recheck", str(cut)]) == 2
    assert "is truncated" in _one_line_error(capsys)


# ---------------------------------------------------------------- output paths, before the run
@pytest.fixture
def readonly_dir(tmp_path):
    """A directory this process cannot write in (chmod 555, or /sys when running as root)."""
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o555)
    try:
        probe = d / "probe"
        probe.write_text("x")
    except OSError:
        yield d
    else:  # root ignores permission bits: use a read-only mount if there is one
        probe.unlink()
        sysfs = Path("/sys")
        if sysfs.is_dir() and not os.access(sysfs, os.W_OK | os.X_OK) or _unwritable(sysfs):
            yield sysfs
        else:
            pytest.skip("no read-only directory available (running as root)")
    finally:
        d.chmod(0o755)


def _unwritable(d: Path) -> bool:
    try:
        (d / ".boundcheck-test-probe").write_text("x")
    except OSError:
        return True
    (d / ".boundcheck-test-probe").unlink()
    return False


def _impossible(tmp_path: Path) -> Path:
    f = tmp_path / "a-file"
    f.write_text("not a directory")
    return f / "below"


def test_check_json_into_an_impossible_path_is_refused_before_the_run(tmp_path, capsys,
                                                                      no_run):
    bad = _impossible(tmp_path) / "out.json"
    assert main(["check", "hxp20.claim4_4", "--quiet", "--json", str(bad),
                 "--counterexamples", str(tmp_path / "cx")]) == 2
    assert "--json" in _one_line_error(capsys) and not no_run
    assert not (tmp_path / "cx").exists()


def test_check_json_naming_a_directory_is_refused(tmp_path, capsys, no_run):
    assert main(["check", "hxp20.claim4_4", "--quiet", "--json", str(tmp_path),
                 "--counterexamples", str(tmp_path / "cx")]) == 2
    assert "is a directory" in _one_line_error(capsys) and not no_run


def test_check_counterexamples_into_an_impossible_path_is_refused(tmp_path, capsys, no_run):
    assert main(["check", "hxp20.claim4_4", "--quiet",
                 "--counterexamples", str(_impossible(tmp_path))]) == 2
    assert "--counterexamples" in _one_line_error(capsys) and not no_run


def test_check_outputs_into_a_readonly_directory_are_refused(readonly_dir, tmp_path, capsys,
                                                             no_run):
    assert main(["check", "hxp20.claim4_4", "--quiet", "--counterexamples",
                 str(readonly_dir / "cx")]) == 2
    assert "cannot write in" in _one_line_error(capsys)
    assert main(["check", "hxp20.claim4_4", "--quiet", "--counterexamples",
                 str(tmp_path / "cx"), "--json", str(readonly_dir / "o.json")]) == 2
    assert "cannot write in" in _one_line_error(capsys)
    assert not no_run and not (readonly_dir / "cx").exists()


def test_audit_out_into_an_impossible_or_readonly_path_is_refused(tmp_path, readonly_dir,
                                                                   capsys, no_run):
    for out in (_impossible(tmp_path), readonly_dir / "audit"):
        assert main(["audit", "--quick", "--paper", "hxp20", "--quiet", "--workers", "1",
                     "--out", str(out)]) == 2
        assert "--out" in _one_line_error(capsys)
    assert not no_run


def test_figure_out_into_an_impossible_path_is_refused(tmp_path, capsys):
    assert main(["figure", "hxp20.fig1", "--quick", "--out", str(_impossible(tmp_path))]) == 2
    assert "--out" in _one_line_error(capsys)


# ------------------------------------------------------------------------------ Ctrl-C in check
def test_check_interrupted_keeps_what_finished_and_says_where(tmp_path, capsys, monkeypatch):
    calls: list[str] = []

    def first_then_interrupt(result, **kw):
        calls.append(result.key)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return run_result(result, **{**kw, "instances": 3})

    monkeypatch.setattr(cli, "run_result", first_then_interrupt)
    out = tmp_path / "out.json"
    code = main(["check", "hxp20.claim4_4", "hxp20.eq1", "--quiet", "--json", str(out),
                 "--counterexamples", str(tmp_path / "cx")])
    assert code == 130
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "hxp20.claim4_4" in captured.out  # the finished result's summary line
    partial = tmp_path / "out.partial.json"
    assert "interrupted: 1 of 2 results finished" in captured.err
    assert str(partial) in captured.err and "not written" in captured.err
    assert not out.exists()  # never a partial file under the complete name
    data = json.loads(partial.read_text())
    assert data["meta"]["complete"] is False and data["meta"]["done"] == 1
    assert [r["key"] for r in data["results"]] == ["hxp20.claim4_4"]


def test_check_interrupted_by_a_real_sigint_exits_130_without_traceback(tmp_path):
    import signal
    import time

    # a symbolic result (instant, ignores --instances), then one with a million instances
    proc = subprocess.Popen(
        [sys.executable, "-m", "boundcheck", "check", "dh19.eq22[symbolic]", "hxp20.claim4_4",
         "--instances", "1000000", "--quiet", "--json", str(tmp_path / "o.json"),
         "--counterexamples", str(tmp_path / "cx")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # the first result finished; the second is running
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert first.startswith("dh19.eq22[symbolic]"), (first, err)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted: 1 of 2 results finished" in err, err
    assert not (tmp_path / "o.json").exists()
    data = json.loads((tmp_path / "o.partial.json").read_text())
    assert data["meta"]["complete"] is False and len(data["results"]) == 1


# ------------------------------------------------------------------------------- broken pipe
def test_broken_pipe_is_quiet(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "boundcheck", "list", "--json"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = proc.stdout.read(64)  # 'boundcheck list --json | head -c 64'
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert head.startswith(b"[")
    assert proc.returncode == 141, err  # 128 + SIGPIPE, as documented in cli.py
    assert err == "", err


# ------------------------------------------------------------------- an erring run, --shrink
def test_a_result_whose_run_errs_prints_the_error_in_its_summary_line(tmp_path, capsys,
                                                                      monkeypatch):
    def wrong_instance(result, **kw):  # a replayed instance the result cannot evaluate
        return run_result(result, **{**kw, "instances": 0, "replay": [("user", 3)]})

    monkeypatch.setattr(cli, "run_result", wrong_instance)
    code = main(["check", "hxp20.claim4_4", "--quiet", "--counterexamples",
                 str(tmp_path / "cx")])
    assert code == 1
    out = capsys.readouterr().out
    line, detail = out.splitlines()[:2]
    assert line.startswith("hxp20.claim4_4") and "error" in line
    assert detail.startswith("  error: ") and "TypeError" in detail, out


def test_shrink_says_when_a_result_has_no_size_or_is_not_refuted(tmp_path, capsys):
    code = main(["check", "dh19.eq22", "--shrink", "--instances", "1", "--quiet",
                 "--counterexamples", str(tmp_path / "cx")])
    assert code == 0  # dh19.eq22 is a registered erratum: its refutation is expected
    out = capsys.readouterr().out
    assert "--shrink: dh19.eq22 has no size to shrink" in out
    assert "--shrink: dh19.eq22[repaired] is holds-numerically, not refuted" in out
    assert not (tmp_path / "cx" / "minimal").exists()


# ------------------------------------------------------------------------ figure, help texts
def test_figure_writes_progress_to_stderr_and_only_paths_to_stdout(tmp_path, capsys):
    assert main(["figure", "hxp20.fig1", "--quick", "--out", str(tmp_path)]) == 0
    cap = capsys.readouterr()
    lines = cap.out.splitlines()
    assert lines and all(Path(p).is_file() for p in lines), cap.out
    assert "fig1:" in cap.err and "files in" in cap.err


def _subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    acts = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(acts[0].choices) if acts else {}


def test_every_option_has_help_and_the_backends_are_listed():
    parser = cli._parser()
    subs = _subparsers(parser)
    assert set(subs) >= {"list", "check", "audit", "store", "recheck", "figure", "falsify"}
    for name, sp in [("", parser), *subs.items()]:
        for act in sp._actions:
            if isinstance(act, argparse._SubParsersAction):
                continue
            assert act.help and act.help != argparse.SUPPRESS, (name, act.dest)
    from boundcheck.arith import backend_names

    for name in ("check", "audit", "recheck"):
        text = subs[name].format_help()
        for be in backend_names():
            assert be in text, (name, be)
    fig = " ".join(subs["figure"].format_help().split())
    assert "seconds" in fig and "medium grid (minutes)" in fig and "about an hour" in fig


# ------------------------------------------------------- counterexample paths, overall progress
def test_counterexample_paths_are_printed(tmp_path, capsys):
    cx = tmp_path / "cx"
    code = main(["check", "hxp20.claim4_4", "--instances", "5", "--set", "upper=1.0",
                 "--quiet", "--counterexamples", str(cx)])
    assert code == 1  # a tightened bound the check refutes: not as expected
    printed = [ln.split(": ", 1)[1] for ln in capsys.readouterr().out.splitlines()
               if ln.startswith("  counterexample: ")]
    assert printed and sorted(printed) == sorted(str(p) for p in cx.glob("*.json"))


def test_several_results_show_an_overall_progress_line(tmp_path, capsys):
    assert main(["check", "dh19.eq22[symbolic]", "hxp20.claim4_4", "--instances", "3",
                 "--counterexamples", str(tmp_path / "cx")]) == 0
    err = capsys.readouterr().err
    assert "[result 1 of 2" in err and "[result 2 of 2" in err and "s left]" in err, err


# ------------------------------------------------------------- unknown backend, not-a-store
def test_unknown_backend_is_refused_before_any_result_runs(tmp_path, capsys, no_run):
    assert main(["check", "hxp20.claim4_4", "hxp20.eq1", "--backend", "nope", "--quiet",
                 "--counterexamples", str(tmp_path / "cx")]) == 2
    err = _one_line_error(capsys)
    assert "unknown backend 'nope'" in err and "ball" in err and not no_run


def test_a_file_that_is_not_a_result_store_is_one_line_exit_2(tmp_path, capsys, no_run):
    bogus = tmp_path / "store.sqlite"
    bogus.write_text("not a database, just text " * 40)
    assert main(["store", "info", str(bogus)]) == 2
    assert "is not a boundcheck result store" in _one_line_error(capsys)
    assert main(["audit", "--quick", "--paper", "hxp20", "--quiet", "--workers", "1",
                 "--out", str(tmp_path / "audit"), "--store", str(bogus)]) == 2
    assert "is not a boundcheck result store" in _one_line_error(capsys) and not no_run
    assert not (tmp_path / "audit" / "results.json").exists()
