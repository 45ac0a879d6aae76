"""The ``boundcheck`` command line: list, check, audit, recheck, figure.

Exit status: 0 when every verdict is as expected, 1 when one is not (a refuted result that
is not a registered erratum, an error, a vacuous check), 2 on usage errors (a bad option or
parameter, an unusable input file, an output path that cannot be written: one line on
stderr, no traceback), 130 when interrupted (Ctrl-C; what finished is kept and the message
says where), 141 when stdout is closed early (``boundcheck list | head``: quietly).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from boundcheck.arith import get_backend
from boundcheck.check import registry
from boundcheck.check.counterexample import load_counterexample
from boundcheck.check.examples import record_found, run_options, store_extra
from boundcheck.check.harness import Report, recheck, run_result
from boundcheck.check.params import schema, validate_overrides
from boundcheck.check.sensitivity import attach_threshold
from boundcheck.errors import BoundcheckError
from boundcheck.output.html_report import clear_report_files, write_site
from boundcheck.output.plots import margin_chart
from boundcheck.output.report import summary_line, table, write_json
from boundcheck.version import __version__


class _Progress:
    """Progress on stderr: a rewritten line on a terminal; off a terminal, a line every 10 s
    for results that run longer than that."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last = time.monotonic()
        self.label = ""

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if label != self.label:
            self.label, self.last = label, now
        if not self.tty:
            if now - self.last < 10:
                return
        self.last = now
        msg = f"  {label}: {done}/{total}" if total else f"  {label}"
        if self.tty:
            sys.stderr.write("\r" + msg[:120].ljust(120))
            if done == total and total:
                sys.stderr.write("\r" + " " * 120 + "\r")
        else:
            sys.stderr.write(msg + "\n")
        sys.stderr.flush()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="boundcheck", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"boundcheck {__version__}",
                   help="print the version and exit")
    sub = p.add_subparsers(dest="cmd", required=True)
    backend_help = _backend_help()

    ls = sub.add_parser("list", help="list registered results")
    ls.add_argument("--paper", help="only this paper's results (e.g. hxp20)")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--seed", type=int, default=0,
                        help="base seed of the sampled instances (default 0)")
        sp.add_argument("--backend", default="float64", help=backend_help)
        sp.add_argument("--prec", type=int, default=None, help="precision in bits (ball/mpmath)")
        sp.add_argument("--quiet", action="store_true", help="no progress on stderr")
        _hunt_options(sp)

    ck = sub.add_parser("check", help="check the given results")
    ck.add_argument("ids", nargs="+", metavar="ID",
                    help="catalog id (all its variants, e.g. hxp20.eq6) or registry key "
                         "(one variant, e.g. 'dh19.eq22[repaired]'); see 'boundcheck list'")
    ck.add_argument("--instances", type=int, default=None,
                    help="instances (statistical: initial trials) per result (default: the "
                         "result's own)")
    ck.add_argument("--profile", default="quick", choices=["quick", "full"],
                    help="parameter profile: quick (default, seconds) or full")
    ck.add_argument("--json", dest="json_out", metavar="FILE",
                    help="also write the reports as JSON to FILE")
    ck.add_argument("--counterexamples", default="counterexamples", metavar="DIR",
                    help="where failing instances are stored (default: ./counterexamples)")
    ck.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=JSON",
                    help="override a result parameter, e.g. --set 'L_choices=[10]' (repeatable)")
    ck.add_argument("--shrink", action="store_true",
                    help="for a refuted result, search the smallest instance size that fails")
    ck.add_argument("--threshold", dest="thresholds", action="store_true",
                    help="measure the detection threshold: the smallest tightening of the "
                         "result's constant that the check refutes")
    ck.add_argument("--workers", type=int, default=1, metavar="N",
                    help="local worker processes (default 1)")
    _scheduler_options(ck)
    common(ck)

    au = sub.add_parser("audit", help="check every registered result; write a report")
    au.add_argument("--paper", help="audit only this paper (e.g. hxp20)")
    au.add_argument("--quick", action="store_true", help="quick profile (minutes)")
    au.add_argument("--out", default="audit-out", metavar="DIR",
                    help="report directory: index.html, report.md, results.json, charts, "
                         "counterexamples (default ./audit-out)")
    au.add_argument("--instances", type=int, default=None,
                    help="instances per result (default: each result's own)")
    au.add_argument("--no-thresholds", dest="thresholds", action="store_false",
                    help="skip the detection thresholds (measured by default)")
    au.add_argument("--store", default=None, metavar="PATH",
                    help="result store to resume from (default DIR/store.sqlite)")
    au.add_argument("--fresh", action="store_true", help="ignore the result store")
    au.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                    help="local worker processes (default: all cores)")
    _scheduler_options(au)
    common(au)
    st = sub.add_parser("store", help="show or prune a result store")
    st.add_argument("action", choices=["info", "gc"],
                    help="info: what the store holds; gc: drop records of changed code")
    st.add_argument("path", help="the store file (e.g. audit-out/store.sqlite)")

    rc = sub.add_parser("recheck", help="re-check a stored counterexample file")
    rc.add_argument("file", help="a counterexample JSON file written by check or audit")
    rc.add_argument("--backend", default=None,
                    help="backend to re-check with (default: the one stored in the file); "
                         + backend_help.split("; ", 1)[1])
    rc.add_argument("--prec", type=int, default=None, help="precision in bits (ball/mpmath)")

    fg = sub.add_parser("figure", help="draw a paper figure (PNG + the numbers behind it)")
    fg.add_argument("id", metavar="ID", help="figure id, e.g. hxp20.fig1")
    fg.add_argument("--out", default="figures", metavar="DIR",
                    help="where the PNG and its numbers (JSON/CSV) go (default ./figures)")
    size = fg.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="tiny grid (seconds), for a smoke test; the default is a medium "
                           "grid (minutes)")
    size.add_argument("--full", action="store_true",
                      help="the grid behind docs/figures (about an hour here)")
    _falsify_parser(sub)
    return p


def _backend_help() -> str:
    try:
        from boundcheck.arith import backend_names

        names = ", ".join(backend_names())
    except Exception:  # pragma: no cover - help must never fail
        names = "float64, ball"
    return ("number backend: float64 (default) or ball (certified); registered backends: "
            f"{names}")


def _scheduler_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="run on a dask.distributed scheduler (e.g. tcp://host:8786), or "
                         "'local' for a LocalCluster of --workers processes")
    sp.add_argument("--chunk", type=int, default=None, metavar="K",
                    help="results per dask task (default: ~8 chunks per worker, at most 4)")


def _nonnegative(args: argparse.Namespace) -> None:
    if getattr(args, "instances", None) is not None and args.instances < 1:
        raise BoundcheckError(f"--instances must be at least 1, got {args.instances}")
    if getattr(args, "seed", 0) < 0:
        raise BoundcheckError(f"--seed must be non-negative, got {args.seed}")
    if getattr(args, "hunt", 0) < 0:
        raise BoundcheckError(f"--hunt must be a non-negative budget, got {args.hunt}")
    if getattr(args, "prec", None) is not None and args.prec < 16:
        raise BoundcheckError(f"--prec must be at least 16 bits, got {args.prec}")


def _backend_options(args: argparse.Namespace) -> dict:
    return {"prec": args.prec} if getattr(args, "prec", None) else {}


def _overrides(sets: Sequence[str]) -> dict:
    out = {}
    for item in sets:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BoundcheckError(f"--set expects KEY=JSON, got {item!r}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw  # a bare string
    return out


def _check(results: Sequence, args: argparse.Namespace, profile: str, cx_dir: Path,
           on_report=None, store=None) -> list[Report]:
    prog = _Progress(not args.quiet)
    reports: list[Report] = []
    overrides = _overrides(getattr(args, "sets", []))
    for r in results:  # refuse bad overrides before anything runs
        validate_overrides(r, overrides, profile)
    get_backend(args.backend, **_backend_options(args))  # and an unknown backend
    workers = getattr(args, "workers", None) or 1
    if getattr(args, "scheduler", None):
        from boundcheck.run.dask_executor import require

        require()  # one-line error (exit 2) before anything runs when dask is missing
    if getattr(args, "scheduler", None) or (workers > 1 and len(results) > 1):
        return _check_parallel(results, args, profile, cx_dir, overrides, store, workers,
                               on_report)
    args.exec_meta = {"workers": 1, "result_wall_s": {}}
    overall = None
    if len(results) > 1:  # result k of N, elapsed, time left
        from boundcheck.run.executor import RunProgress

        overall = RunProgress(len(results), 0, not args.quiet)
    for r in results:
        skey = _store_key(r, args, profile, overrides) if store is not None else None
        rep = store.get(skey) if store is not None else None
        if rep is None:
            t_r = time.monotonic()
            rep = run_result(r, instances=args.instances, seed=args.seed,
                             backend=args.backend, profile=profile, progress=prog,
                             counterexample_dir=cx_dir, backend_options=_backend_options(args),
                             overrides=overrides or None, **run_options(r.key, args))
            if getattr(args, "thresholds", False):
                _add_threshold(r, rep, args, profile)
            args.exec_meta["result_wall_s"][r.key] = round(time.monotonic() - t_r, 3)
            if store is not None:
                store.put(skey, r, rep)
                store.put_timing(r.key, profile, args.backend,
                                 args.exec_meta["result_wall_s"][r.key])
            record_found(args, rep)
        reports.append(rep)
        print(_summary(rep), flush=True)
        if overall is not None:
            overall(rep)
        if on_report:
            on_report(reports)
    return reports


def _check_parallel(results: Sequence, args: argparse.Namespace, profile: str, cx_dir: Path,
                    overrides: dict, store, workers: int, on_report=None) -> list[Report]:
    from boundcheck.run.executor import RunProgress, longest_first, run_parallel

    keys = [_store_key(r, args, profile, overrides) if store is not None else None
            for r in results]
    reports: list = [store.get(k) if store is not None else None for k in keys]
    todo = [i for i, rep in enumerate(reports) if rep is None]
    timings = store.timings(profile, args.backend) if store is not None else {}
    if store is not None and workers > 1:
        todo = longest_first(todo, [r.key for r in results], timings)
    progress = RunProgress(len(results), len(results) - len(todo), not args.quiet)

    def finished(j: int, rep: Report) -> None:
        i = todo[j]
        reports[i] = rep
        if store is not None:
            store.put(keys[i], results[i], rep)
            store.put_timing(rep.key, profile, args.backend, getattr(rep, "wall_s",
                                                                     rep.elapsed))
        record_found(args, rep)
        print(_summary(rep), flush=True)
        progress(rep)
        if on_report:
            on_report([r for r in reports if r is not None])
        walls[rep.key] = round(getattr(rep, "wall_s", rep.elapsed), 3)

    walls: dict[str, float] = {}
    args.exec_meta = {"workers": workers, "result_wall_s": walls}
    if todo and getattr(args, "scheduler", None):
        from boundcheck.run.dask_executor import DaskStats, run_dask

        stats = DaskStats()
        try:
            run_dask([results[i] for i in todo], args, profile, cx_dir, overrides, workers,
                     finished, scheduler=args.scheduler, chunk=args.chunk, stats=stats)
        finally:
            args.exec_meta = {"workers": stats.workers, **stats.as_meta(),
                              "result_wall_s": walls}
    elif todo:
        run_parallel([results[i] for i in todo], args, profile, cx_dir, overrides,
                     workers, finished, timings=timings)
    return reports


def _store_key(result, args: argparse.Namespace, profile: str, overrides: dict) -> str:
    from boundcheck.run.store import record_key

    return record_key(result, params=result.resolve_params(profile, overrides or None),
                      seed=args.seed, profile=profile, backend=args.backend,
                      instances=args.instances, backend_options=_backend_options(args),
                      extra={"thresholds": bool(getattr(args, "thresholds", False)),
                             **store_extra(result.key, args)})


def _summary(rep: Report) -> str:
    """The report's summary line; a run that erred also shows its error's message, and the
    counterexample files (and standalone verifiers) written are named."""
    line = summary_line(rep)
    if str(rep.verdict) == "error" and rep.messages:
        msg = " ".join(str(rep.messages[-1]).split())
        line += f"\n  error: {msg[:300]}"
    for label, files in (("counterexample", rep.counterexamples),
                         ("verifier", rep.details.get("verifiers") or [])):
        for f in files:
            line += f"\n  {label}: {f}"
    return line


def _add_threshold(result, rep: Report, args: argparse.Namespace, profile: str) -> None:
    attach_threshold(result, rep, seed=args.seed, profile=profile, instances=args.instances,
                     overridden=bool(getattr(args, "sets", None)))


def cmd_list(args: argparse.Namespace) -> int:
    rs = registry.all_results(args.paper)
    rows = [{"id": r.id, "key": r.key, "variant": r.variant, "kind": r.kind,
             "check_type": r.check_type, "source": str(r.source), "title": r.title,
             "erratum": r.erratum, "certifiable": r.certifiable,
             "profiles": sorted({"quick", *r.profiles}), "notes": r.notes,
             "parameters": schema(r)} for r in rs]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for row in rows:
            print(f"{row['key']:<34} {row['kind']:<12} {row['check_type']:<14} {row['source']}")
        print(f"{len(rows)} results")
    return 0


def _writable_dir(path: Path, option: str, shown: Path | None = None) -> None:
    """Refuse (InputError) a directory that cannot be created or written, before any run.

    Creates nothing: the nearest existing ancestor must be a directory in which a file can
    be created (probed with a temporary file, so it is right for root and read-only mounts).
    """
    path = Path(path)
    shown = shown or path
    if path.exists() and not path.is_dir():
        raise BoundcheckError(f"{option} {shown}: {path} exists and is not a directory")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise BoundcheckError(f"{option} {shown}: cannot create it, {probe} is not a "
                              f"directory")
    try:
        fd, name = tempfile.mkstemp(dir=probe, prefix=".boundcheck-probe-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise BoundcheckError(f"{option} {shown}: cannot write in {probe} "
                              f"({exc.strerror or exc})") from None


def _writable_file(path: Path, option: str) -> None:
    path = Path(path)
    if path.is_dir():
        raise BoundcheckError(f"{option} {path}: is a directory, expected a file name")
    _writable_dir(path.parent, option, shown=path)


def cmd_check(args: argparse.Namespace) -> int:
    results = [r for name in args.ids for r in registry.lookup(name)]
    cx_dir = Path(args.counterexamples)
    _writable_dir(cx_dir, "--counterexamples")  # refused before anything runs
    if args.json_out:
        _writable_file(Path(args.json_out), "--json")
    done: list[Report] = []

    def keep(reps: list[Report]) -> None:
        done[:] = reps

    try:
        reports = _check(results, args, args.profile, cx_dir, on_report=keep)
    except KeyboardInterrupt:
        return _interrupted_check(args, results, done, cx_dir)
    if args.shrink:
        _shrink(args, results, reports)
    if args.json_out:
        write_json(reports, args.json_out, {"command": "check", "seed": args.seed})
    return 0 if all(r.as_expected for r in reports) else 1


def _interrupted_check(args: argparse.Namespace, results: Sequence, done: list[Report],
                       cx_dir: Path) -> int:
    """Ctrl-C during check: keep the finished reports (never as a complete file), say where."""
    kept = [f"{len(done)} of {len(results)} results finished (their lines above)"]
    if args.json_out and done:
        partial = Path(args.json_out).with_suffix(".partial.json")
        write_json(done, partial, {"command": "check", "seed": args.seed, "complete": False,
                                   "done": len(done), "total": len(results)})
        kept.append(f"their reports in {partial} (marked incomplete; {args.json_out} not "
                    f"written)")
    files = [f for rep in done for f in rep.counterexamples]
    if files:
        kept.append(f"{len(files)} counterexample file(s) in {cx_dir}/")
    print(f"\ninterrupted: {'; '.join(kept)}", file=sys.stderr)
    return 130


def _shrink(args: argparse.Namespace, results: Sequence, reports: Sequence[Report]) -> None:
    from boundcheck.check.search import shrink, size_parameters
    from boundcheck.check.verdict import Verdict

    overrides = _overrides(args.sets)
    for r, rep in zip(results, reports, strict=True):
        if rep.verdict is not Verdict.REFUTED:
            print(f"  --shrink: {r.key} is {rep.verdict}, not refuted: nothing to shrink")
            continue
        if rep.check_type != "deterministic":
            print(f"  --shrink: {r.key} is a {rep.check_type} result: only deterministic "
                  f"results are shrunk")
            continue
        if not size_parameters(r, args.profile, overrides or None):
            print(f"  --shrink: {r.key} has no size to shrink (no list-of-int *_choices "
                  f"parameter); its counterexamples are as sampled")
            continue
        found = shrink(r, overrides=overrides or None, seed=args.seed, profile=args.profile,
                       counterexample_dir=Path(args.counterexamples) / "minimal")
        if found:
            rep.details["minimal"] = {"sizes": found.sizes, "seeds": found.report.seeds[:3],
                                      "files": found.report.counterexamples}
            print(f"  minimal failing sizes for {r.key}: {found.sizes} "
                  f"(seed {found.report.seeds[0]}; {found.report.counterexamples[:1]})")
        else:
            print(f"  --shrink: no size combination of {r.key} is refuted at 20 instances "
                  f"each")


def cmd_audit(args: argparse.Namespace) -> int:
    results = registry.all_results(args.paper)
    out = Path(args.out)
    _writable_dir(out, "--out")  # refused before anything runs
    if args.store and not args.fresh:
        _writable_file(Path(args.store), "--store")
    if args.examples:
        _writable_file(Path(args.examples), "--examples")
    out.mkdir(parents=True, exist_ok=True)
    clear_report_files(out)  # a reused --out never mixes old and new report files
    profile = "quick" if args.quick else "full"
    meta = {"command": "audit", "profile": profile, "seed": args.seed,
            "backend": args.backend, "paper": args.paper or "all"}
    by_key = {r.key: r for r in results}
    partial = out / "results.partial.json"
    if args.hunt and args.examples is None:
        args.examples = str(out / "examples.sqlite")

    def save_partial(reps: list[Report]) -> None:
        write_json(reps, partial, {**meta, "complete": False,
                                   "done": len(reps), "total": len(results)})

    t0 = time.monotonic()
    reports: list[Report] = []
    print(f"auditing {len(results)} results ({profile} profile) -> {out}/", flush=True)
    store = None
    try:
        if not args.fresh:
            store = _open_store(args.store or out / "store.sqlite")
        reports = _check(results, args, profile, out / "counterexamples",
                         on_report=save_partial, store=store)
    except KeyboardInterrupt:
        kept = [str(partial)] if partial.exists() else []
        if store is not None:
            kept.append(f"the result store {store.path} (run the same command to resume)")
        print(f"\ninterrupted: finished results kept in {' and '.join(kept) or 'nothing'}",
              file=sys.stderr)
        return 130
    meta["wall_time_s"] = round(time.monotonic() - t0, 1)
    meta.update(getattr(args, "exec_meta", {}))
    meta["complete"] = True
    write_json(reports, out / "results.json", meta)
    charts = {}
    for paper in sorted({r.id.split(".")[0] for r in reports}):
        chart = margin_chart([r for r in reports if r.id.startswith(paper + ".")],
                             out / f"margins-{paper}.png", f"{paper}: tightest margins")
        if chart:
            charts[paper] = chart.name
    write_site(out, reports, {**meta, "instances": args.instances,
                              "thresholds": args.thresholds}, by_key, charts)  # + report.md
    partial.unlink(missing_ok=True)
    bad = [r for r in reports if not r.as_expected]
    print(f"\n{len(reports) - len(bad)}/{len(reports)} as expected in {meta['wall_time_s']} s; "
          f"report: {out / 'index.html'} and {out / 'report.md'}")
    return 0 if not bad else 1


def _open_store(path: str | Path):
    """The result store at ``path``; a file that is not one is a one-line error."""
    import sqlite3

    from boundcheck.run.store import ResultStore

    try:
        return ResultStore(path)
    except sqlite3.DatabaseError as exc:
        raise BoundcheckError(f"{path} is not a boundcheck result store ({exc})") from None


def cmd_store(args: argparse.Namespace) -> int:
    from boundcheck.run.store import code_hash

    if not Path(args.path).exists():
        raise BoundcheckError(f"no result store at {args.path}")
    st = _open_store(args.path)
    if args.action == "gc":
        removed = st.gc({r.key: code_hash(r) for r in registry.all_results(None)})
        print(f"removed {removed} stale records")
    print(json.dumps(st.info(), indent=1))
    st.close()
    return 0


def cmd_recheck(args: argparse.Namespace) -> int:
    cx = load_counterexample(args.file)  # InputError (exit 2) for an unusable file
    try:
        registry.get(cx.key)
    except BoundcheckError as exc:
        raise BoundcheckError(f"{args.file}: {exc}") from None
    try:
        rep = recheck(args.file, backend=args.backend, backend_options=_backend_options(args))
    except BoundcheckError:
        raise
    except Exception as exc:  # the file parses but its instance does not fit its result
        msg = " ".join(str(exc).split())[:200]
        raise BoundcheckError(f"{args.file}: its instance cannot be evaluated by {cx.key} "
                              f"({type(exc).__name__}: {msg})") from None
    print(table([rep]))
    for m in rep.messages:
        print("  " + m)
    return 0 if rep.as_expected else 1


def cmd_figure(args: argparse.Namespace) -> int:
    from boundcheck.output import figures

    t0 = time.monotonic()
    size = "quick" if args.quick else "full" if args.full else "medium"
    _writable_dir(Path(args.out), "--out")
    with contextlib.redirect_stdout(sys.stderr):  # progress to stderr; stdout: the paths
        paths = figures.draw(args.id, args.out, size=size)
    for path in paths:
        print(path)
    print(f"{args.id}: {len(paths)} files in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


def _hunt_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--hunt", type=int, default=0, metavar="N",
                    help="before sampling each deterministic result, run a targeted search "
                         "(replayed draws, then a (1+1)-ES in choice space) of N "
                         "float64 evaluations for its tightest instance and judge that "
                         "instance too (audit records it in DIR/examples.sqlite)")
    sp.add_argument("--examples", default=None, metavar="PATH",
                    help="example database: its hardest stored instance of each result is "
                         "replayed first (written by --hunt and by falsify)")


def _falsify_parser(sub: argparse._SubParsersAction) -> None:
    fz = sub.add_parser("falsify", help="targeted counterexample search vs random sampling")
    fz.add_argument("id", metavar="ID", help="a deterministic result's registry key")
    fz.add_argument("--budget", type=int, default=2000, help="evaluations per method")
    fz.add_argument("--seed", type=int, default=0, help="seed of both searches (default 0)")
    fz.add_argument("--out", default="falsify-out", metavar="DIR",
                    help="where a confirmed counterexample is written")
    fz.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=JSON",
                    help="override a result parameter, e.g. --set adversarial_modes=false "
                         "(the sampler's generic distribution only; repeatable)")


def cmd_falsify(args: argparse.Namespace) -> int:
    """Falsifier vs random sampling at the same budget; exit 1 on an unexpected refutation."""
    from boundcheck.check.falsify import falsify

    if args.budget < 1:
        raise BoundcheckError(f"--budget must be at least 1, got {args.budget}")
    result = registry.get(args.id)
    t0 = time.monotonic()
    rep = falsify(result, budget=args.budget, seed=args.seed, out=args.out,
                  overrides=_overrides(args.sets) or None)
    for name, b in (("random", rep.random), ("falsifier", rep.falsifier)):
        first = f", first violation at eval {b.evals_to_violation}" if b.evals_to_violation \
            else ""
        print(f"{name:>9}: tightest margin {b.score:.6g} at {b.condition}{first}")
    inst = rep.falsifier.instance if rep.falsifier.score <= rep.random.score \
        else rep.random.instance
    print(f"tightest instance: {_describe(inst)}")
    for m in rep.messages:
        print("  " + m)
    if rep.refuted:
        cert = "certified" if rep.certified else "float64 only (not certifiable)"
        bits = f", {rep.mantissa_bits}-bit mantissas" if rep.mantissa_bits else ""
        print(f"REFUTED ({cert}{bits}): {rep.counterexample}")
    print(f"{rep.key}: budget {rep.budget} x 2 in {time.monotonic() - t0:.1f} s",
          file=sys.stderr)
    return 1 if rep.refuted and not result.erratum else 0


def _describe(inst: object) -> str:
    if isinstance(inst, dict):
        return "{" + ", ".join(f"{k}: {_describe(v)}" for k, v in inst.items()) + "}"
    if isinstance(inst, list):
        return f"[{len(inst)} items]" if len(inst) > 4 else \
            "[" + ", ".join(_describe(v) for v in inst) + "]"
    if hasattr(inst, "shape"):
        return f"array{tuple(inst.shape)}"
    return f"{inst:.6g}" if isinstance(inst, float) else repr(inst)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        _nonnegative(args)
        return {"list": cmd_list, "check": cmd_check, "audit": cmd_audit, "store": cmd_store,
                "recheck": cmd_recheck, "figure": cmd_figure,
                "falsify": cmd_falsify}[args.cmd](args)
    except BoundcheckError as exc:
        print(f"boundcheck: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # 'boundcheck list | head': the reader left; stop quietly
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:  # a file system refusal met after the checks (disk full, ...)
        where = f" {exc.filename}" if exc.filename else ""
        print(f"boundcheck: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


if __name__ == "__main__":
    sys.exit(main())
