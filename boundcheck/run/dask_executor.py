"""Scale-out of an audit on a ``dask.distributed`` cluster (issue 15).

The same contract as :func:`boundcheck.run.executor.run_parallel`: the results are run
remotely and ``on_done(index, report)`` is called on the client as each one finishes, so the
caller streams finished reports into its result store and an interrupted distributed run
resumes like a local one.

* **Chunks.** A task runs a *chunk* of consecutive results (:func:`make_chunks`), so that
  the scheduler round trip (measured by ``benchmarks/tools/audit_scaling.py``) is paid once
  per chunk, while keeping several chunks per worker for load balance. Instances of one
  result are not split: the harness runs a result's instances in one loop (the escalation
  chain and the tightest-margin bookkeeping are shared across them), so a result is the
  smallest unit of work.
* **Lost workers.** A chunk on a worker that dies is rescheduled by the dask scheduler on
  another worker (up to ``distributed.scheduler.allowed-failures`` times); only that chunk
  is recomputed. Chunks already returned are in the client's store.
* **Same verdicts.** Instances are seeded from (seed, result, instance) alone, so the
  reports do not depend on which worker ran them. Each chunk checks that the worker's code
  hashes to what the client keyed the store with (:func:`boundcheck.run.store.code_hash`);
  a worker running other code is an error, never a silently different result.
* **Counterexamples** are written by the worker into a temporary folder and shipped back
  with the reports; the client writes them under its own counterexample folder, so a run on
  remote machines leaves the same files (and the same paths in ``results.json``) as a local
  run.
* **BLAS** stays single-threaded: the dask nanny sets ``OMP_NUM_THREADS=1`` and its
  OpenBLAS/MKL equivalents before it starts a worker (``distributed.nanny.pre-spawn-environ``);
  for ``--scheduler local`` the variables are also set before the cluster is spawned.

dask is imported lazily: without it, :func:`require` raises a one-line
:class:`~boundcheck.errors.BoundcheckError` that names the extra to install.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boundcheck.errors import BoundcheckError
from boundcheck.run.executor import _BLAS_VARS, _run_one

INSTALL_HINT = "pip install 'boundcheck[dask]'"

#: Chunks per worker aimed at (load balance) and the largest chunk (latency of streaming).
CHUNKS_PER_WORKER = 8
MAX_CHUNK = 4


def require() -> None:
    """Raise a one-line error when ``dask.distributed`` cannot be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise BoundcheckError(f"--scheduler needs dask.distributed, which is not importable "
                              f"({exc}); {INSTALL_HINT}") from None


def make_chunks(n: int, workers: int, size: int | None = None) -> list[list[int]]:
    """Split ``range(n)`` into consecutive chunks: ``size`` each when given, otherwise
    about ``CHUNKS_PER_WORKER`` chunks per worker and at most ``MAX_CHUNK`` results each."""
    if n <= 0:
        return []
    if size is None:
        size = min(MAX_CHUNK, max(1, math.ceil(n / (CHUNKS_PER_WORKER * max(1, workers)))))
    size = max(1, int(size))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


@dataclass
class ChunkOut:
    """What a chunk sends back: the reports, counterexample files, and timings."""

    reports: list[Any]
    files: dict[str, bytes] = field(default_factory=dict)
    compute_s: float = 0.0
    worker: str = ""
    pid: int = 0


@dataclass
class DaskStats:
    """Per-run figures the caller may record (workers, chunks, timings)."""

    scheduler: str = ""
    workers: int = 0
    chunks: int = 0
    chunk_size: int = 0
    wall_s: float = 0.0
    compute_s: float = 0.0
    per_worker: dict[str, int] = field(default_factory=dict)

    def as_meta(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler, "dask_workers": self.workers,
                "chunks": self.chunks, "chunk_size": self.chunk_size,
                "chunk_compute_s": round(self.compute_s, 2)}


class CodeMismatch(RuntimeError):
    """A worker's code for a result hashes differently from the client's."""


def _run_chunk(keys: Sequence[str], opts: dict, profile: str, overrides: dict,
               hashes: Sequence[str]) -> ChunkOut:
    """Worker side: run the results ``keys`` in order (counterexamples into a temp dir)."""
    from boundcheck.check import registry
    from boundcheck.run.store import code_hash

    t0 = time.perf_counter()
    args = argparse.Namespace(**opts)
    reports: list[Any] = []
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="boundcheck-cx-") as tmp:
        for key, want in zip(keys, hashes, strict=True):
            (result,) = registry.lookup(key) if "[" in key else [
                r for r in registry.all_results(None) if r.key == key]
            if want and code_hash(result) != want:
                raise CodeMismatch(f"worker {os.uname().nodename} pid {os.getpid()} has other "
                                   f"code for {key} than the client (start the workers from "
                                   f"the same boundcheck checkout and version)")
            reports.append(_run_one(key, args, profile, tmp, overrides))
        for p in Path(tmp).rglob("*"):
            if p.is_file():
                files[str(p.relative_to(tmp))] = p.read_bytes()
        for rep in reports:
            _relocate(rep, tmp, "\0CX\0")
    try:
        from distributed import get_worker

        addr = get_worker().address
    except (ImportError, ValueError):
        addr = ""
    return ChunkOut(reports, files, time.perf_counter() - t0, addr, os.getpid())


def _relocate(rep: Any, old: str, new: str) -> None:
    """Rewrite counterexample/verifier paths under ``old`` to lie under ``new``."""
    def move(s: str) -> str:
        return new + s[len(old):] if s.startswith(old) else s

    rep.counterexamples = [move(s) for s in rep.counterexamples]
    if "verifiers" in rep.details:
        rep.details["verifiers"] = [move(s) for s in rep.details["verifiers"]]


def _deliver(out: ChunkOut, cx_dir: Path) -> None:
    """Client side: write a chunk's counterexample files and point its reports at them."""
    for rel, data in out.files.items():
        dest = cx_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    for rep in out.reports:
        _relocate(rep, "\0CX\0", str(cx_dir))


def _options(args: argparse.Namespace) -> dict:
    return {"instances": args.instances, "seed": args.seed, "backend": args.backend,
            "prec": getattr(args, "prec", None),
            "thresholds": bool(getattr(args, "thresholds", False))}


def connect(scheduler: str, workers: int) -> tuple[Any, Any]:
    """A ``Client`` for ``scheduler`` (``local``: a new LocalCluster of ``workers``
    single-threaded processes) and the cluster to close afterwards (or None)."""
    require()
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="30s"), None
    except OSError as exc:
        raise BoundcheckError(f"cannot reach dask scheduler {scheduler}: {exc}") from None


def run_dask(results: Sequence[Any], args: argparse.Namespace, profile: str, cx_dir: Path,
             overrides: dict, workers: int, on_done: Callable[[int, Any], None], *,
             scheduler: str = "local", chunk: int | None = None,
             stats: DaskStats | None = None) -> None:
    """Run ``results`` on a dask cluster in chunks; ``on_done(index, report)`` per result
    as its chunk returns (completion order). ``workers`` sizes a ``local`` cluster."""
    from boundcheck.run.store import code_hash

    saved = {v: os.environ.get(v) for v in _BLAS_VARS}
    os.environ.update({v: "1" for v in _BLAS_VARS})  # inherited by a LocalCluster's spawn
    stats = stats if stats is not None else DaskStats()
    t0 = time.monotonic()
    try:
        client, cluster = connect(scheduler, workers)
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old
    futs: dict[Any, list[int]] = {}
    try:
        from distributed import as_completed

        client.wait_for_workers(1, timeout=120)
        nw = len(client.scheduler_info(n_workers=-1)["workers"])
        chunks = make_chunks(len(results), nw, chunk)
        stats.scheduler = "local" if cluster is not None else scheduler
        stats.workers, stats.chunks = nw, len(chunks)
        stats.chunk_size = max((len(c) for c in chunks), default=0)
        opts, run = _options(args), uuid.uuid4().hex[:8]
        for c, idx in enumerate(chunks):
            keys = [results[i].key for i in idx]
            fut = client.submit(_run_chunk, keys, opts, profile, overrides or {},
                                [code_hash(results[i]) for i in idx],
                                key=f"boundcheck-{run}-{c:04d}-{keys[0]}", pure=False)
            futs[fut] = idx
        for fut in as_completed(list(futs)):
            try:
                out: ChunkOut = fut.result()
            except CodeMismatch as exc:
                raise BoundcheckError(str(exc)) from None
            _deliver(out, cx_dir)
            stats.compute_s += out.compute_s
            stats.per_worker[out.worker] = stats.per_worker.get(out.worker, 0) + 1
            for i, rep in zip(futs[fut], out.reports, strict=True):
                on_done(i, rep)
    except BaseException:
        if futs:
            client.cancel(list(futs))
        raise
    finally:
        stats.wall_s = time.monotonic() - t0
        client.close()
        if cluster is not None:
            cluster.close()
