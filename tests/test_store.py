"""Result store and resume (issue 15)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from boundcheck.check import registry
from boundcheck.check.harness import run_result
from boundcheck.check.verdict import Verdict
from boundcheck.output.report import write_json
from boundcheck.run.store import ResultStore, code_hash, record_key, report_from_dict

ROOT = Path(__file__).resolve().parents[1]


def _comparable(path: Path) -> list[dict]:
    """results.json without wall times (elapsed differs between runs by nature)."""
    rows = json.loads(path.read_text())["results"]
    for row in rows:
        row.pop("elapsed_s")
    return rows


def _one_result():
    return registry.all_results("hxp20")[0]


def test_report_round_trips_through_the_store(tmp_path: Path) -> None:
    r = _one_result()
    rep = run_result(r, instances=2, seed=0, profile="quick")
    key = record_key(r, params=r.resolve_params("quick"), seed=0, profile="quick",
                     backend="float64", instances=2)
    st = ResultStore(tmp_path / "s.sqlite")
    assert st.get(key) is None
    st.put(key, r, rep)
    back = st.get(key)
    assert back is not None and back.verdict is rep.verdict
    write_json([rep], tmp_path / "a.json")
    write_json([back], tmp_path / "b.json")
    a, b = (json.loads((tmp_path / n).read_text())["results"] for n in ("a.json", "b.json"))
    assert a == b
    assert st.info()["records"] == 1
    assert report_from_dict(rep.to_dict()).to_dict() == rep.to_dict()


def test_code_hash_follows_the_paper_source(tmp_path: Path, monkeypatch) -> None:
    """The hash covers the module that defines a result's functions (and its package), not
    the engine class of its check object: editing a theorem module invalidates its records
    (regression: every result once hashed to the same value)."""
    import importlib

    from boundcheck.check.result import Deterministic, Result, Source
    from boundcheck.run import store

    a, b = registry.get("hxp20.eq1"), registry.get("dh19.eq1")
    assert code_hash(a) != code_hash(b)
    pkg = tmp_path / "hashpaper"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    mod = pkg / "defs.py"
    mod.write_text("def sample(rng, p):\n    return {}\n\n"
                   "def hyp(i, ops, p):\n    return []\n\n"
                   "def concl(i, ops, p):\n    return []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    defs = importlib.import_module("hashpaper.defs")
    r = Result(id="zz.hash", title="t", source=Source("zz", "s"), statement="s",
               kind="lemma", check=Deterministic(defs.sample, defs.hyp, defs.concl))
    h0 = code_hash(r)
    assert code_hash(r) == h0
    (pkg / "helpers.py").write_text("C = 1\n")  # a sibling helper module changes too
    store._FILE_SHA.clear()
    h1 = code_hash(r)
    assert h1 != h0
    mod.write_text(mod.read_text().replace("return []", "return [ ]", 1))
    store._FILE_SHA.clear()
    assert code_hash(r) not in (h0, h1)


def test_key_changes_with_every_input_and_gc_drops_stale_code(tmp_path: Path) -> None:
    r = _one_result()
    base = dict(params=r.resolve_params("quick"), seed=0, profile="quick",
                backend="float64", instances=2)
    k0 = record_key(r, **base)
    assert record_key(r, **base) == k0
    for change in ({"seed": 1}, {"profile": "full"}, {"backend": "arb"}, {"instances": 3},
                   {"params": {**base["params"], "zz": 1}}):
        assert record_key(r, **{**base, **change}) != k0
    st = ResultStore(tmp_path / "s.sqlite")
    rep = run_result(r, instances=2, seed=0, profile="quick")
    st.put(k0, r, rep)
    assert st.gc({r.key: code_hash(r)}) == 0
    assert st.gc({r.key: "different code"}) == 1
    assert st.get(k0) is None
    assert rep.verdict in set(Verdict)


def _audit(out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "boundcheck", "audit", "--paper", "hxp20", "--quick",
           "--no-thresholds", "--out", str(out), *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _records(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(db, timeout=5)
        n = con.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        con.close()
        return n
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_audit_resumes_to_identical_results(tmp_path: Path, sig: int) -> None:
    ref = tmp_path / "ref"
    assert _audit(ref, "--fresh").wait(timeout=600) == 0
    out = tmp_path / "run"
    proc = _audit(out)
    db = out / "store.sqlite"
    deadline = time.monotonic() + 600
    while _records(db) < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "audit finished before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=60)
    done = _records(db)
    assert 10 <= done < len(registry.all_results("hxp20"))
    assert not (out / "results.json").exists()
    assert _audit(out).wait(timeout=600) == 0
    assert _comparable(out / "results.json") == _comparable(ref / "results.json")


@pytest.mark.slow
def test_worker_count_does_not_change_results(tmp_path: Path) -> None:
    for w in ("1", "2"):
        assert _audit(tmp_path / w, "--fresh", "--workers", w).wait(timeout=900) == 0
    assert _comparable(tmp_path / "1" / "results.json") == _comparable(
        tmp_path / "2" / "results.json")


def test_key_is_the_same_in_another_process_for_function_params(tmp_path: Path) -> None:
    """A parameter that is a function (dh19's ``ell_of``) keys by its qualified name: its
    repr holds a memory address, so before this every run of such a result was a store
    miss (dh19.eq14, eqF, claim7_3, eq7_3_eig, eq7_3_contr recomputed on every resume)."""
    code = ("from boundcheck.check.registry import get; from boundcheck.run.store import "
            "record_key; r = get('dh19.eq14'); print(record_key(r, params=r.resolve_params("
            "'quick'), seed=0, profile='quick', backend='float64', instances=None))")
    keys = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)}
    assert len(keys) == 1 and len(next(iter(keys))) > 10
    from boundcheck.check.harness import _jsonable

    r = registry.get("dh19.eq14")
    assert "0x" not in json.dumps(_jsonable(r.resolve_params("quick")))


def test_longest_first_orders_untimed_then_by_wall_time() -> None:
    from boundcheck.run.executor import longest_first

    keys = ["a", "b", "c", "d", "e"]
    order = longest_first([0, 1, 2, 4], keys, {"a": 1.0, "c": 30.0, "e": 5.0, "d": 99.0})
    assert order == [1, 2, 4, 0]  # b never timed; d is not to be done


def test_store_keeps_timings_per_profile_and_backend(tmp_path) -> None:
    from boundcheck.run.store import ResultStore

    st = ResultStore(tmp_path / "s.sqlite")
    st.put_timing("x.a", "quick", "float64", 2.5)
    st.put_timing("x.a", "quick", "float64", 3.5)
    st.put_timing("x.a", "full", "float64", 40.0)
    assert st.timings("quick", "float64") == {"x.a": 3.5}
    assert st.timings("full", "ball") == {}
    st.close()


def test_no_wall_time_enters_a_verdict_message() -> None:
    """Results must be identical for any number of workers and across resumes: a wall time
    formatted into a condition's message (as wwm19's run certificates once did, "0.58s")
    makes two identical runs differ. Wall times belong in ``elapsed_s`` fields only."""
    import re

    root = Path(__file__).resolve().parents[1] / "theorems"
    pat = re.compile(r"\{[^{}]*elapsed[^{}]*\}")
    bad = [f"{p.relative_to(root.parent)}:{i}" for p in sorted(root.rglob("*.py"))
           for i, line in enumerate(p.read_text().splitlines(), 1) if pat.search(line)]
    assert not bad, bad
