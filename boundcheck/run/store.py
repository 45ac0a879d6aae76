"""Content-addressed result store (issue 15): one SQLite file of finished reports.

Each record is keyed by a hash of everything a report depends on: the result key, a hash of
the code (:func:`code_hash`: the engine's sources and the paper package's), the
resolved parameters, seed, profile, backend (and its options), instance count and the
numpy/flint versions. The value is ``Report.to_dict()``; :func:`report_from_dict` rebuilds
the Report so that ``write_json`` produces the same ``results.json``. Writes are single
transactions in WAL mode, so a killed process leaves the file consistent; a record whose
code hash differs from the current code is never looked up (its key differs) and
``gc`` deletes it.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from boundcheck.check.harness import Report
from boundcheck.check.verdict import Verdict
from boundcheck.version import __version__

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    key TEXT PRIMARY KEY,
    result_key TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    report TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS timings (
    result_key TEXT NOT NULL,
    profile TEXT NOT NULL,
    backend TEXT NOT NULL,
    wall_s REAL NOT NULL,
    PRIMARY KEY (result_key, profile, backend)
)"""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _callables(obj: Any, depth: int = 0) -> list[Any]:
    """The functions a check object holds (its sample/hypotheses/conclusion/run fields),
    looking through ``functools.partial`` and one level of nested check objects."""
    out: list[Any] = []
    fields = getattr(obj, "__dataclass_fields__", None)
    values = [getattr(obj, f) for f in fields] if fields else list(vars(obj).values()) \
        if hasattr(obj, "__dict__") else []
    for v in values:
        v = getattr(v, "func", v)  # functools.partial
        if inspect.isfunction(v) or inspect.ismethod(v):
            out.append(v)
        elif depth < 1 and getattr(v, "__dataclass_fields__", None):
            out.extend(_callables(v, depth + 1))
    return out


def _package_files(module_name: str) -> list[Path]:
    """Every ``.py`` file of the package directory holding ``module_name`` (so helpers a
    result imports from its paper's other modules are covered)."""
    mod = sys.modules.get(module_name)
    f = getattr(mod, "__file__", None)
    return sorted(Path(f).parent.glob("*.py")) if f else []


_FILE_SHA: dict[Path, str] = {}


def _file_sha(path: Path) -> str:
    if path not in _FILE_SHA:
        _FILE_SHA[path] = _sha(path.read_text(errors="replace"))
    return _FILE_SHA[path]


@functools.lru_cache(maxsize=1)
def engine_hash() -> str:
    """Hash of the boundcheck version and of every source file of the engine package: an
    engine change (a backend, the harness) invalidates every stored record."""
    root = Path(__file__).resolve().parents[1]
    files = sorted(root.rglob("*.py"))
    return _sha(__version__ + "".join(f"{f.relative_to(root)}:{_file_sha(f)}" for f in files))


def code_hash(result: Any) -> str:
    """Hash of the code a result's report depends on: the engine (:func:`engine_hash`) and
    every source file of the package(s) defining the functions of ``result.check`` (the
    paper's modules). The module of the check *object* is the engine's ``Deterministic`` /
    ``Scaling`` class, not the paper: hashing that alone made every result's hash equal."""
    fns = _callables(result.check)
    names = sorted({getattr(fn, "__module__", "?") for fn in fns})
    files = sorted({f for n in names for f in _package_files(n)})
    if not files:  # no source found: never equal across processes by accident
        return _sha(f"{engine_hash()}\n{result.key}\n{result.check!r}")
    parts = [engine_hash(), *names, *(f"{f.name}:{_file_sha(f)}" for f in files)]
    return _sha("\n".join(parts))


def _lib_versions() -> dict[str, str]:
    import numpy

    try:
        import flint

        fl = getattr(flint, "__version__", "?")
    except ImportError:
        fl = "absent"
    return {"numpy": numpy.__version__, "flint": fl, "python": sys.version.split()[0]}


def record_key(result: Any, *, params: dict, seed: int, profile: str, backend: str,
               instances: int | None, backend_options: dict | None = None,
               extra: dict | None = None) -> str:
    """The content key of one result run (see module docstring)."""
    payload = {"result": result.key, "code": code_hash(result), "params": params,
               "seed": seed, "profile": profile, "backend": backend,
               "backend_options": backend_options or {}, "instances": instances,
               "libs": _lib_versions(), "extra": extra or {}}
    return _sha(json.dumps(payload, sort_keys=True, default=_stable))


def _stable(obj: Any) -> Any:
    """A process-independent JSON stand-in for what ``json`` cannot encode: a function by
    its qualified name (its ``repr`` holds a memory address, which made every run a store
    miss), an array by its dtype, shape and bytes (a ``repr`` elides large arrays), else
    ``repr``."""
    if callable(obj) and hasattr(obj, "__qualname__"):
        return f"{getattr(obj, '__module__', '?')}.{obj.__qualname__}"
    if hasattr(obj, "tobytes") and hasattr(obj, "shape"):
        return {"array": str(getattr(obj, "dtype", "")), "shape": list(obj.shape),
                "sha256": hashlib.sha256(obj.tobytes()).hexdigest()}
    return repr(obj)


def report_from_dict(d: dict[str, Any]) -> Report:
    """Inverse of ``Report.to_dict`` (the JSON form is already what results.json holds)."""
    return Report(id=d["id"], key=d["key"], variant=d["variant"], erratum=d["erratum"],
                  check_type=d["check_type"], verdict=Verdict(d["verdict"]),
                  backend=d["backend"], certified=d["certified"], counts=d["counts"],
                  tightness=d["tightness"], seeds=d["seeds"], details=d["details"],
                  counterexamples=d["counterexamples"], messages=d["messages"],
                  params=d["params"], elapsed=d["elapsed_s"])


class ResultStore:
    """One SQLite file of finished reports, keyed by :func:`record_key`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        with self.db:
            self.db.executescript(_SCHEMA)

    def get(self, key: str) -> Report | None:
        row = self.db.execute("SELECT report FROM records WHERE key=?", (key,)).fetchone()
        return report_from_dict(json.loads(row[0])) if row else None

    def put(self, key: str, result: Any, report: Report) -> None:
        text = json.dumps(report.to_dict(), sort_keys=True)
        with self.db:  # one transaction
            self.db.execute("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?)",
                            (key, report.key, code_hash(result), text, time.time()))

    def put_timing(self, result_key: str, profile: str, backend: str, wall_s: float) -> None:
        """The last measured wall time of a result (kept across code changes: it only orders
        work, longest first, and never decides what is reused)."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO timings VALUES (?,?,?,?)",
                            (result_key, profile, backend, float(wall_s)))

    def timings(self, profile: str, backend: str) -> dict[str, float]:
        rows = self.db.execute("SELECT result_key, wall_s FROM timings WHERE profile=? AND "
                               "backend=?", (profile, backend)).fetchall()
        return dict(rows)

    def info(self) -> dict[str, Any]:
        n = self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        per = self.db.execute("SELECT result_key, COUNT(*) FROM records GROUP BY result_key"
                              ).fetchall()
        return {"path": str(self.path), "records": n, "results": len(per),
                "bytes": self.path.stat().st_size if self.path.exists() else 0}

    def gc(self, current: dict[str, str]) -> int:
        """Delete records whose code hash differs from ``current[result_key]`` (or whose
        result is no longer registered); return how many were deleted."""
        rows = self.db.execute("SELECT key, result_key, code_hash FROM records").fetchall()
        stale = [(k,) for k, rk, ch in rows if current.get(rk) != ch]
        with self.db:
            self.db.executemany("DELETE FROM records WHERE key=?", stale)
        self.db.execute("VACUUM")
        return len(stale)

    def close(self) -> None:
        self.db.close()
