"""Parallel execution of an audit's results on local cores (issue 15).

Each task runs one result in a worker process started with the ``spawn`` method; the
workers inherit ``OMP_NUM_THREADS=1`` (and the OpenBLAS/MKL equivalents), set before they
import numpy, so BLAS stays single-threaded and worker counts do not compete. A result's
instances are seeded from (seed, result, instance) alone, so the reports do not depend on
the number of workers or the order in which they finish. Finished reports are handed to
``on_done`` in completion order (the caller streams them into the store).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)  # the audit process died (e.g. SIGKILL): do not outlive it


def _init_worker() -> None:
    import threading

    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    try:  # numpy is already imported by now; threadpoolctl can still pin it
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass  # the environment variables set before spawn already did it


def _lookup(key: str) -> Any:
    from boundcheck.check import registry

    (result,) = registry.lookup(key) if "[" in key else [
        r for r in registry.all_results(None) if r.key == key]
    return result


def _run_one(key: str, args: argparse.Namespace, profile: str, cx_dir: str,
             overrides: dict, instance_range: tuple[int, int] | None = None) -> Any:
    """One result, with its threshold when asked for; with ``instance_range``, one instance
    slice of a deterministic result (its threshold is then measured in a task of its own)."""
    import time

    from boundcheck.check.examples import run_options
    from boundcheck.check.harness import run_result
    from boundcheck.check.sensitivity import attach_threshold

    t0 = time.perf_counter()
    result = _lookup(key)
    rep = run_result(result, instances=args.instances, seed=args.seed, backend=args.backend,
                     profile=profile, counterexample_dir=Path(cx_dir),
                     backend_options={"prec": args.prec} if getattr(args, "prec", None) else {},
                     overrides=overrides or None, instance_range=instance_range,
                     **run_options(key, args))
    if getattr(args, "thresholds", False) and instance_range is None:
        attach_threshold(result, rep, seed=args.seed, profile=profile, instances=args.instances,
                         overridden=bool(overrides))
    rep.wall_s = time.perf_counter() - t0  # check + threshold; not part of the report
    return rep


def _run_threshold(key: str, args: argparse.Namespace, profile: str) -> Any:
    """The detection threshold of a sliced result, measured in its own task."""
    import time

    from boundcheck.check.sensitivity import measure_threshold

    t0 = time.perf_counter()
    th = measure_threshold(_lookup(key), seed=args.seed, profile=profile,
                           instances=args.instances)
    return th, time.perf_counter() - t0


#: a deterministic result whose last run took at least this long (s) is split into
#: instance slices, about SLICE_TARGET_S each, at most two per worker
SLICE_MIN_S = 8.0
SLICE_TARGET_S = 4.0


def plan_slices(n_instances: int, wall: float | None, workers: int) -> list[tuple[int, int]]:
    """Instance ranges for one deterministic result of ``n_instances`` whose last run took
    ``wall`` seconds (``None``: never timed, not split). One range means no split."""
    if wall is None or workers < 2 or n_instances < 2 or wall < SLICE_MIN_S:
        return [(0, n_instances)]
    k = min(n_instances, 2 * workers, max(2, math.ceil(wall / SLICE_TARGET_S)))
    edges = [round(j * n_instances / k) for j in range(k + 1)]
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def longest_first(todo: Sequence[int], keys: Sequence[str], timings: dict[str, float]
                  ) -> list[int]:
    """Order work for list scheduling: results never timed first (in the given order: they
    may be long), then by the last measured wall time, longest first -- so that a long
    result does not start last and leave the other workers idle. Only the order of
    submission changes; every report is the same and lands in its own place."""
    unknown = [i for i in todo if keys[i] not in timings]
    known = sorted((i for i in todo if keys[i] in timings), key=lambda i: -timings[keys[i]])
    return unknown + known


def _instances(result: Any, args: argparse.Namespace, profile: str, overrides: dict) -> int:
    params = result.resolve_params(profile, overrides or None)
    return int(args.instances if args.instances is not None
               else params.get("instances", result.instances))


def run_parallel(results: Sequence[Any], args: argparse.Namespace, profile: str,
                 cx_dir: Path, overrides: dict, workers: int,
                 on_done: Callable[[int, Any], None],
                 timings: dict[str, float] | None = None) -> None:
    """Run ``results`` on ``workers`` processes; call ``on_done(index, report)`` as each ends.

    A deterministic result known (``timings``: last wall time per key) to take long is
    split into instance slices (:func:`plan_slices`) that run on several workers, its
    threshold in a task of its own; the slices are merged
    (:func:`~boundcheck.check.harness.merge_slices`) into the report one run would give."""
    from boundcheck.check.harness import merge_slices
    from boundcheck.check.sensitivity import record_threshold, wants_threshold

    saved = {v: os.environ.get(v) for v in _BLAS_VARS}
    os.environ.update({v: "1" for v in _BLAS_VARS})
    timings = timings or {}
    try:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                 initializer=_init_worker) as pool:
            futs: dict[Any, tuple[int, str]] = {}
            pending: dict[int, dict[str, Any]] = {}
            for i, r in enumerate(results):
                ranges = ([(0, 1)] if r.check_type != "deterministic" else
                          plan_slices(_instances(r, args, profile, overrides),
                                      timings.get(r.key), workers))
                if len(ranges) == 1:
                    futs[pool.submit(_run_one, r.key, args, profile, str(cx_dir),
                                     overrides)] = (i, "whole")
                    continue
                thr = bool(getattr(args, "thresholds", False)) and wants_threshold(
                    r, bool(overrides))
                pending[i] = {"parts": [], "left": len(ranges) + thr, "th": None,
                              "thr": thr, "wall": 0.0}
                if thr:
                    futs[pool.submit(_run_threshold, r.key, args, profile)] = (i, "threshold")
                for lo, hi in ranges:
                    futs[pool.submit(_run_one, r.key, args, profile, str(cx_dir),
                                     overrides, (lo, hi))] = (i, "slice")
            try:
                for fut in as_completed(futs):
                    i, kind = futs[fut]
                    if kind == "whole":
                        on_done(i, fut.result())
                        continue
                    job = pending[i]
                    if kind == "threshold":
                        job["th"], wall = fut.result()
                    else:
                        part = fut.result()
                        job["parts"].append(part)
                        wall = part.wall_s
                    job["wall"] += wall
                    job["left"] -= 1
                    if job["left"] == 0:
                        rep = merge_slices(job["parts"])
                        if job["thr"]:
                            record_threshold(results[i], rep, job["th"])
                        rep.wall_s = job["wall"]  # the result's total cost, for scheduling
                        del pending[i]
                        on_done(i, rep)
            except BaseException:
                for f in futs:
                    f.cancel()
                raise
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old


class RunProgress:
    """The progress line of a parallel or distributed run: result k of N, instances done,
    elapsed, time left (estimated from the results computed so far in this run; results
    taken from the store count as done but not towards the rate)."""

    def __init__(self, total: int, reused: int, enabled: bool = True,
                 stream: Any = None) -> None:
        import sys
        import time

        self.total, self.reused, self.done, self.instances = total, reused, reused, 0
        self.enabled, self.stream = enabled, stream if stream is not None else sys.stderr
        self.clock = time.monotonic
        self.t0 = self.clock()

    def line(self) -> str:
        el = self.clock() - self.t0
        computed = self.done - self.reused
        left = el / computed * (self.total - self.done) if computed else float("nan")
        store = f", {self.reused} from the store" if self.reused else ""
        return (f"  [result {self.done} of {self.total}{store}; {self.instances} instances "
                f"done; {el:.0f} s elapsed, ~{left:.0f} s left]")

    def __call__(self, report: Any) -> None:
        self.done += 1
        counts = getattr(report, "counts", None) or {}
        self.instances += int(counts.get("tried", 0) or 0)
        if self.enabled:
            print(self.line(), file=self.stream, flush=True)
