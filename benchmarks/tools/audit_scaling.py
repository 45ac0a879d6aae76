"""Audit scaling (issue 15): wall time and peak memory of an audit at 1 and 2 local workers
side by side, the resume overhead, a run on a local Dask cluster, the per-chunk overhead,
and a projection to 32 workers.

    python benchmarks/tools/audit_scaling.py [--paper P] [--profile quick|full]
        [--dask-workers 3] [--json audit_scaling.json] [--md audit_scaling.md]

Every audit runs as a subprocess of this script (``python -m boundcheck audit``, the
worktree first on PYTHONPATH) in its own scratch folder with ``--out out``, so that the
results can be compared byte for byte. Peak memory is the ``ru_maxrss`` of that subprocess
and its reaped descendants (``os.wait4``: the per-child form of
``getrusage(RUSAGE_CHILDREN)``), i.e. the largest single process -- the peak per worker.

Runs: (1) ``--workers 1`` and (2) ``--workers 2``, each into an empty store; (3) the
``--workers 2`` command again on its now complete store (resume overhead); (3b)
``--workers 2`` into a store holding only run (1)'s timings (a re-audit after a code
change: no record is reused, long results start first and the long deterministic ones
run in instance slices); (4)
``--scheduler local --workers K`` (a LocalCluster of K single-threaded worker processes).
The per-chunk overhead is the round trip of an empty chunk on a LocalCluster (one at a
time, and a burst of many at once). The 32-worker figure is a *projection*: the chunks of
a 32-worker run (same chunking rule as ``dask_executor.make_chunks``) are list-scheduled in
submission order onto 32 workers, each chunk costing the sum of its results' wall times
from run (1) plus the measured per-chunk overhead, plus the fixed cost of run (1) (start,
imports, report); the same model at 2 workers is printed beside the measured run to show
how far it can be trusted.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def run_audit(cwd: Path, paper: str | None, profile: str, *extra: str) -> dict:
    cwd.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "boundcheck", "audit", "--out", "out", "--quiet", *extra]
    if paper:
        cmd += ["--paper", paper]
    if profile == "quick":
        cmd.append("--quick")
    t0 = time.monotonic()
    with open(cwd / "log.txt", "w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=_env(), stdout=log, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    res = cwd / "out" / "results.json"
    data = json.loads(res.read_text()) if res.exists() else {"meta": {}, "results": []}
    return {"cmd": " ".join(cmd[2:]), "rc": proc.returncode, "wall_s": wall,
            "peak_rss_mb": ru.ru_maxrss / 1024, "meta": data["meta"],
            "rows": data["results"], "results": len(data["results"])}


def seed_timings(src: Path, dst: Path) -> None:
    """A new store at ``dst`` holding only the timings table of ``src``."""
    import sqlite3

    from boundcheck.run.store import ResultStore

    dst.parent.mkdir(parents=True, exist_ok=True)
    st = ResultStore(dst)
    with sqlite3.connect(src) as db:
        for key, prof, be, wall in db.execute("SELECT * FROM timings"):
            st.put_timing(key, prof, be, wall)
    st.close()


def comparable(rows: list[dict]) -> list[dict]:
    """The rows without wall times (``elapsed_s`` at any depth: per result, per hunt)."""
    def strip(x: object) -> object:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "elapsed_s"}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return [strip(r) for r in rows]


def chunk_overhead(workers: int, n: int = 200) -> dict:
    """Round trip of an empty chunk (no results) on a LocalCluster of ``workers``."""
    from distributed import Client, LocalCluster

    from boundcheck.run.dask_executor import _run_chunk

    opts = {"instances": None, "seed": 0, "backend": "float64", "prec": None,
            "thresholds": False}
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(_run_chunk, [], opts, "quick", {}, [], pure=False).result()  # warm
        seq = []
        for i in range(n // 4):
            t = time.perf_counter()
            client.submit(_run_chunk, [], opts, "quick", {}, [], key=f"s{i}",
                          pure=False).result()
            seq.append(time.perf_counter() - t)
        t = time.perf_counter()
        futs = [client.submit(_run_chunk, [], opts, "quick", {}, [], key=f"b{i}", pure=False)
                for i in range(n)]
        client.gather(futs)
        burst = time.perf_counter() - t
    return {"workers": workers, "round_trip_median_ms": 1e3 * statistics.median(seq),
            "round_trip_max_ms": 1e3 * max(seq), "burst_chunks": n,
            "burst_per_chunk_ms": 1e3 * burst / n}


def simulate(walls: list[float], workers: int, overhead_s: float, fixed_s: float) -> float:
    """List-schedule the chunks of a ``workers`` run in submission order (see module doc)."""
    from boundcheck.run.dask_executor import make_chunks

    chunks = make_chunks(len(walls), workers)
    free = [0.0] * workers
    heapq.heapify(free)
    end = 0.0
    for c in chunks:
        start = heapq.heappop(free)
        stop = start + overhead_s + sum(walls[i] for i in c)
        end = max(end, stop)
        heapq.heappush(free, stop)
    return fixed_s + end


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paper", default=None)
    ap.add_argument("--profile", default="quick", choices=["quick", "full"])
    ap.add_argument("--dask-workers", type=int, default=3)
    ap.add_argument("--scratch", default=None)
    ap.add_argument("--json", default="audit_scaling.json")
    ap.add_argument("--md", default="audit_scaling.md")
    a = ap.parse_args()
    scratch = Path(a.scratch or tempfile.mkdtemp(prefix="audit-scaling-"))
    if scratch.exists():
        shutil.rmtree(scratch)
    t_start = time.time()
    load0 = os.getloadavg()
    runs = {}
    runs["w1"] = run_audit(scratch / "w1", a.paper, a.profile, "--workers", "1")
    runs["w2"] = run_audit(scratch / "w2", a.paper, a.profile, "--workers", "2")
    runs["resume"] = run_audit(scratch / "w2", a.paper, a.profile, "--workers", "2")
    # the usual second audit after a code change: no record reusable, the timings known
    # (longest first, long deterministic results split into instance slices)
    seed_timings(scratch / "w1" / "out" / "store.sqlite",
                 scratch / "w2warm" / "out" / "store.sqlite")
    runs["w2warm"] = run_audit(scratch / "w2warm", a.paper, a.profile, "--workers", "2")
    k = a.dask_workers
    runs["dask"] = run_audit(scratch / "dask", a.paper, a.profile, "--scheduler", "local",
                             "--workers", str(k))
    over = chunk_overhead(k)
    load1 = os.getloadavg()

    ref = comparable(runs["w1"]["rows"])
    same = {name: comparable(r["rows"]) == ref for name, r in runs.items()}
    order = [row["key"] for row in runs["w1"]["rows"]]
    walls_map = runs["w1"]["meta"].get("result_wall_s", {})
    walls = [float(walls_map.get(key, 0.0)) for key in order]
    fixed = max(0.0, runs["w1"]["wall_s"] - sum(walls))
    per_chunk = over["burst_per_chunk_ms"] / 1e3 * k  # a worker's share of a burst
    per_chunk = max(per_chunk, over["round_trip_median_ms"] / 1e3)
    model = {w: simulate(walls, w, per_chunk, fixed) for w in (1, 2, k, 32)}
    w1, w2 = runs["w1"]["wall_s"], runs["w2"]["wall_s"]
    out = {
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_before": load0, "loadavg_after": load1,
                    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_start))},
        "paper": a.paper or "all", "profile": a.profile,
        "runs": {n: {key: v for key, v in r.items() if key != "rows"} for n, r in runs.items()},
        "identical_to_w1": same, "speedup_w2": w1 / w2,
        "speedup_w2_warm": w1 / runs["w2warm"]["wall_s"],
        "resume_fraction": runs["resume"]["wall_s"] / w2,
        "chunk_overhead": over, "per_chunk_overhead_s": per_chunk,
        "sum_result_wall_w1_s": sum(walls), "fixed_s": fixed,
        "longest_result": max(zip(walls, order, strict=True)) if walls else None,
        "model_wall_s": model,
    }
    Path(a.json).write_text(json.dumps(out, indent=1, default=str))
    md = table(out, k)
    Path(a.md).write_text(md)
    print(md)
    return 0 if all(r["rc"] == 0 for r in runs.values()) and all(same.values()) else 1


def table(o: dict, k: int) -> str:
    r = o["runs"]
    m = o["model_wall_s"]
    d = r["dask"]["meta"]
    lines = [
        f"{o['paper']} papers, {o['profile']} profile, {r['w1']['results']} results; "
        f"{o['machine']['nproc']} cores shared with other jobs (load average "
        f"{o['machine']['loadavg_before'][0]:.1f} before, "
        f"{o['machine']['loadavg_after'][0]:.1f} after); started "
        f"{o['machine']['started']}.",
        "",
        "| run | wall time (s) | peak RSS per process (MB) | same results as 1 worker |",
        "|---|---:|---:|---|",
    ]
    names = {"w1": "local, --workers 1", "w2": "local, --workers 2",
             "resume": "resume: --workers 2 again on its complete store",
             "w2warm": "--workers 2 into a store holding only run 1's timings (a re-audit "
                       "after a code change: longest first, long results in slices)",
             "dask": f"Dask LocalCluster, {k} worker processes ({d.get('chunks')} chunks of "
                     f"<= {d.get('chunk_size')})"}
    for n, label in names.items():
        lines.append(f"| {label} | {r[n]['wall_s']:.1f} | {r[n]['peak_rss_mb']:.0f} | "
                     f"{'yes' if o['identical_to_w1'][n] else 'NO'} |")
    ov = o["chunk_overhead"]
    lr = o["longest_result"]
    lines += [
        "",
        f"- speed-up at 2 workers: {o['speedup_w2']:.2f}x "
        f"(target >= 1.8x); {o['speedup_w2_warm']:.2f}x with the timings known",
        f"- resume overhead: {100 * o['resume_fraction']:.1f}% of the first run (target <= 5%)",
        f"- per-chunk overhead (empty chunk on a {ov['workers']}-worker LocalCluster): round "
        f"trip {ov['round_trip_median_ms']:.1f} ms median ({ov['round_trip_max_ms']:.1f} ms "
        f"max); burst of {ov['burst_chunks']}: {ov['burst_per_chunk_ms']:.2f} ms per chunk "
        f"of scheduler time; the model charges {1e3 * o['per_chunk_overhead_s']:.1f} ms per "
        f"chunk",
        f"- sum of per-result wall times at 1 worker {o['sum_result_wall_w1_s']:.1f} s, fixed "
        f"cost (start, imports, report, charts) {o['fixed_s']:.1f} s, longest result "
        f"{lr[1]} {lr[0]:.1f} s" if lr else "",
        "",
        "| workers | modelled wall (s) | measured (s) |",
        "|---:|---:|---:|",
        f"| 1 | {m[1]:.1f} | {r['w1']['wall_s']:.1f} |",
        f"| 2 | {m[2]:.1f} | {r['w2']['wall_s']:.1f} (local) |",
        f"| {k} | {m[k]:.1f} | {r['dask']['wall_s']:.1f} (Dask, {k} processes on "
        f"{o['machine']['nproc']} cores) |",
        f"| 32 | {m[32]:.1f} | projection |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
