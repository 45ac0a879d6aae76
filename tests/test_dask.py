"""Distributed execution on a real dask scheduler and worker processes (issue 15).

The fixture starts ``python -m dask scheduler`` and two ``python -m dask worker
--nthreads 1`` processes on localhost (a free port, each in its own process group, killed
in the finalizer). The CLI runs as a subprocess in a scratch folder with the worktree on
PYTHONPATH, exactly as a user would run it against a cluster; its ``results.json`` (or
``--json`` output) is compared with a local run of the same command, counterexample files
included. One test kills the worker that is running the longest result mid-run and checks
the run still completes with identical results (dask reschedules the lost chunk).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: A quick cross-section of acgh19: certified and float64 deterministic results, registered
#: errata with counterexample files, statistical results, and claim3, the longest quick
#: result (seconds), which the lost-worker test kills a worker under.
IDS = ["acgh19.lem17", "acgh19.proc1", "acgh19.lem5", "acgh19.eq1", "acgh19.thm1",
       "acgh19.thm2", "acgh19.claim2", "acgh19.lem13", "acgh19.claim3"]
LONG = "acgh19.claim3"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []

    def _start(self, *argv: str, log: str) -> subprocess.Popen:
        fh = open(self.tmp / log, "w")  # noqa: SIM115 - closed with the process group
        p = subprocess.Popen([sys.executable, "-m", "dask", *argv], cwd=self.tmp, env=_env(),
                             stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        fh.close()
        self.procs.append(p)
        return p

    def start(self, n_workers: int = 2) -> None:
        self._start("scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                    "--no-dashboard", log="scheduler.log")
        for i in range(n_workers):
            self.workers.append(self._start(
                "worker", self.address, "--nthreads", "1", "--nworkers", "1",
                "--no-dashboard", "--host", "127.0.0.1", "--death-timeout", "60",
                "--name", f"w{i}", log=f"worker{i}.log"))
        from distributed import Client

        deadline = time.monotonic() + 90
        while True:
            try:
                self.client = Client(self.address, timeout="5s")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self.client.wait_for_workers(n_workers, timeout=90)

    def kill_group(self, p: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(p.pid, sig)  # the nanny and its worker process
        except ProcessLookupError:
            pass

    def close(self) -> None:
        if getattr(self, "client", None) is not None:
            self.client.close()
        for p in reversed(self.procs):
            if p.poll() is None:
                self.kill_group(p, signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill_group(p, signal.SIGKILL)
                p.wait(timeout=10)
            self.kill_group(p, signal.SIGKILL)  # stragglers left in the group


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("distributed")
    c = Cluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        c.start(2)
        yield c
    finally:
        c.close()


def _cli(cwd: Path, *argv: str) -> subprocess.Popen:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "boundcheck", *argv, "--quiet"], cwd=cwd,
                            env=_env(), stdout=open(cwd / "stdout.log", "w"),  # noqa: SIM115
                            stderr=subprocess.STDOUT)


def _rows(path: Path) -> list[dict]:
    rows = json.loads(path.read_text())["results"]
    for row in rows:
        row.pop("elapsed_s")  # wall time differs between runs by nature
    return rows


def _files(cx: Path) -> dict[str, bytes]:
    return {str(p.relative_to(cx)): p.read_bytes() for p in sorted(cx.rglob("*"))
            if p.is_file()}


def _check(cwd: Path, *extra: str) -> subprocess.Popen:
    return _cli(cwd, "check", *IDS, "--json", "out.json", "--counterexamples", "cx", *extra)


@pytest.fixture(scope="module")
def local_ref(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("local")
    assert _check(cwd).wait(timeout=600) == 0, (cwd / "stdout.log").read_text()
    return cwd


def _same_as_local(cwd: Path, ref: Path) -> None:
    a, b = _rows(ref / "out.json"), _rows(cwd / "out.json")
    assert [r["key"] for r in a] == [r["key"] for r in b]
    assert a == b  # verdicts, counts, margins, seeds, counterexample paths, thresholds
    refuted = [r for r in a if r["verdict"] == "refuted"]
    assert refuted and all(r["counterexamples"] for r in refuted)
    assert _files(cwd / "cx") == _files(ref / "cx") != {}


def test_dask_check_matches_local_run(cluster: Cluster, local_ref: Path, tmp_path: Path
                                      ) -> None:
    proc = _check(tmp_path, "--scheduler", cluster.address, "--chunk", "2")
    assert proc.wait(timeout=600) == 0, (tmp_path / "stdout.log").read_text()
    _same_as_local(tmp_path, local_ref)
    out = json.loads((tmp_path / "out.json").read_text())
    assert len(out["results"]) == sum(1 for _ in _rows(local_ref / "out.json"))


def _processing_long(cluster: Cluster, proc: subprocess.Popen, timeout: float = 300
                     ) -> str | None:
    """The address of the worker running the chunk that holds LONG (None if missed)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        for addr, keys in cluster.client.processing().items():
            if any(str(k).endswith("-" + LONG) for k in keys):
                return addr
        time.sleep(0.05)
    return None


def _kill_worker_at(cluster: Cluster, addr: str) -> subprocess.Popen:
    pid = cluster.client.run(os.getpid, workers=[addr])[addr]
    (victim,) = [p for p in cluster.workers if p.poll() is None and os.getpgid(pid) == p.pid]
    cluster.kill_group(victim)
    victim.wait(timeout=30)
    return victim


def test_lost_worker_chunk_is_rerun(cluster: Cluster, local_ref: Path, tmp_path: Path) -> None:
    """Kill (SIGKILL, nanny and worker) the worker running claim3: the run completes on
    the remaining worker with the same results. Runs last: it leaves one worker."""
    proc = _check(tmp_path, "--scheduler", cluster.address, "--chunk", "1")
    addr = _processing_long(cluster, proc)
    assert addr is not None, "claim3 was never seen running on a worker"
    _kill_worker_at(cluster, addr)
    assert proc.poll() is None, "the run ended before the worker was killed"
    assert proc.wait(timeout=600) == 0, (tmp_path / "stdout.log").read_text()
    assert addr not in cluster.client.scheduler_info(n_workers=-1)["workers"]
    _same_as_local(tmp_path, local_ref)


def test_scheduler_without_dask_is_a_one_line_usage_error(monkeypatch, capsys) -> None:
    from boundcheck.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import raises ImportError
    assert main(["check", "acgh19.eq1", "--scheduler", "tcp://127.0.0.1:1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'boundcheck[dask]'" in err


def test_chunks_cover_every_result_once() -> None:
    from boundcheck.run.dask_executor import CHUNKS_PER_WORKER, MAX_CHUNK, make_chunks

    for n in (0, 1, 7, 46, 162):
        for w in (1, 2, 32):
            chunks = make_chunks(n, w)
            assert [i for c in chunks for i in c] == list(range(n))
            assert all(1 <= len(c) <= MAX_CHUNK for c in chunks)
            if n >= CHUNKS_PER_WORKER * w * MAX_CHUNK:
                assert len(chunks) >= CHUNKS_PER_WORKER * w
    assert [len(c) for c in make_chunks(5, 1, size=2)] == [2, 2, 1]


def _records(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(db, timeout=5)
        n = con.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        con.close()
        return n
    except sqlite3.OperationalError:
        return 0


# --- slow: the whole quick-profile audit of a paper, as issue 15 states it -------------

def _audit(cwd: Path, *extra: str) -> subprocess.Popen:
    return _cli(cwd, "audit", "--quick", "--paper", "acgh19", "--out", "out", *extra)


@pytest.mark.slow
def test_dask_audit_matches_local_audit_and_survives_a_lost_worker(tmp_path: Path) -> None:
    """``audit --quick --paper acgh19`` on a scheduler and two workers started here: the
    same results.json rows as a local audit; again with the worker running claim3 killed;
    and a SIGINT-interrupted distributed audit resumed to the same rows."""
    pytest.importorskip("distributed")
    ref = tmp_path / "local"
    assert _audit(ref, "--workers", "1").wait(timeout=900) == 0
    c = Cluster(tmp_path / "cluster")
    (tmp_path / "cluster").mkdir()
    try:
        c.start(2)
        plain = tmp_path / "dask"
        assert _audit(plain, "--scheduler", c.address).wait(timeout=900) == 0
        assert _rows(plain / "out" / "results.json") == _rows(ref / "out" / "results.json")
        meta = json.loads((plain / "out" / "results.json").read_text())["meta"]
        assert meta["dask_workers"] == 2 and meta["chunks"] >= 2
        killed = tmp_path / "killed"
        proc = _audit(killed, "--scheduler", c.address, "--chunk", "1")
        addr = _processing_long(c, proc, timeout=600)
        assert addr is not None
        _kill_worker_at(c, addr)
        assert proc.wait(timeout=900) == 0
        assert _rows(killed / "out" / "results.json") == _rows(ref / "out" / "results.json")
        # a distributed run interrupted by SIGINT resumes from the store it streamed into
        cut = tmp_path / "sigint"
        proc = _audit(cut, "--scheduler", c.address)
        db = cut / "out" / "store.sqlite"
        deadline = time.monotonic() + 600
        while _records(db) < 10 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, "the audit ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 130
        assert 10 <= _records(db) < len(_rows(ref / "out" / "results.json"))
        assert not (cut / "out" / "results.json").exists()
        assert _audit(cut, "--scheduler", c.address).wait(timeout=900) == 0
        assert _rows(cut / "out" / "results.json") == _rows(ref / "out" / "results.json")
    finally:
        c.close()


def test_worker_with_other_code_is_refused() -> None:
    """A chunk whose result hashes differently on the worker raises instead of running."""
    from boundcheck.check import registry
    from boundcheck.run.dask_executor import CodeMismatch, _run_chunk
    from boundcheck.run.store import code_hash

    r = registry.lookup("acgh19.eq14")[0]
    opts = {"instances": 2, "seed": 0, "backend": "float64", "prec": None,
            "thresholds": False}
    out = _run_chunk([r.key], opts, "quick", {}, [code_hash(r)])
    assert [rep.key for rep in out.reports] == [r.key] and out.compute_s > 0
    with pytest.raises(CodeMismatch):
        _run_chunk([r.key], opts, "quick", {}, ["0" * 64])
