"""The example database: the hardest instance found so far for each result (issue 16).

One SQLite file (standard library) holding, per result key, the instance with the most
negative (or smallest) relative margin any hunt or falsifier run has found, with where it
came from. ``boundcheck audit --examples PATH`` (and ``--hunt``, which writes
``OUT/examples.sqlite``) replays these instances first, before the sampler's draws, so the
suite remembers its best attacks. Only hunts and ``falsify`` write to it; a plain audit
only reads, so an audit stays reproducible from its command and the file.

Instances are stored with :mod:`boundcheck.model.serialize` (exact: floats as hex, Fractions
as num/den), so a replayed instance is bit-identical to the one found.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from boundcheck.errors import InputError
from boundcheck.model import serialize

_SCHEMA = """
CREATE TABLE IF NOT EXISTS examples (
    key TEXT PRIMARY KEY,
    score REAL NOT NULL,
    condition TEXT NOT NULL,
    source TEXT NOT NULL,
    instance TEXT NOT NULL,
    found_at REAL NOT NULL
)"""


class ExampleDB:
    """Hardest instance per result key; safe for one writer and many readers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
            with self._db:
                self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(f"cannot open example database {self.path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ExampleDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, key: str) -> tuple[Any, float, str, str] | None:
        """(instance, score, condition, source) stored for ``key``, or None."""
        row = self._db.execute("SELECT instance, score, condition, source FROM examples "
                               "WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return serialize.decode(json.loads(row[0])), float(row[1]), row[2], row[3]

    def offer(self, key: str, instance: Any, score: float, condition: str,
              source: str) -> bool:
        """Keep ``instance`` if it is harder (smaller score) than the stored one."""
        if instance is None or not score == score:  # NaN never enters
            return False
        text = json.dumps(serialize.encode(instance))
        with self._db:  # one transaction: a kill leaves the old row or the new one
            row = self._db.execute("SELECT score FROM examples WHERE key = ?",
                                   (key,)).fetchone()
            if row is not None and row[0] <= score:
                return False
            self._db.execute("INSERT OR REPLACE INTO examples VALUES (?, ?, ?, ?, ?, ?)",
                             (key, float(score), condition, source, text, time.time()))
        return True

    def drop(self, key: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM examples WHERE key = ?", (key,))

    def rows(self) -> list[dict[str, Any]]:
        cur = self._db.execute("SELECT key, score, condition, source, found_at FROM examples "
                               "ORDER BY key")
        return [dict(key=k, score=s, condition=c, source=src, found_at=f)
                for k, s, c, src, f in cur.fetchall()]

    def digest(self, key: str) -> str | None:
        """A short content hash of the stored instance (for result-store keys)."""
        import hashlib

        row = self._db.execute("SELECT instance FROM examples WHERE key = ?",
                               (key,)).fetchone()
        return None if row is None else hashlib.sha256(row[0].encode()).hexdigest()[:16]


def replay_for(path: str | Path | None, key: str) -> list[tuple[str, Any]]:
    """The stored example for ``key`` as a replay list for ``run_result`` (empty if none or
    if there is no database at ``path``)."""
    if path is None or not Path(path).exists():
        return []
    with ExampleDB(path) as db:
        got = db.get(key)
    return [] if got is None else [(f"db[{got[3]}]", got[0])]


def digest_for(path: str | Path | None, key: str) -> str | None:
    if path is None or not Path(path).exists():
        return None
    with ExampleDB(path) as db:
        return db.digest(key)


def run_options(key: str, args: Any) -> dict[str, Any]:
    """``run_result`` keyword arguments for the example replay and hunt options of a command
    line (``--examples PATH``, ``--hunt N``)."""
    return {"replay": replay_for(getattr(args, "examples", None), key),
            "hunt_budget": int(getattr(args, "hunt", 0) or 0)}


def store_extra(key: str, args: Any) -> dict[str, Any]:
    """What of the replay/hunt options must enter a result-store key."""
    out: dict[str, Any] = {}
    if getattr(args, "hunt", 0):
        out["hunt"] = int(args.hunt)
    digest = digest_for(getattr(args, "examples", None), key)
    if digest is not None:
        out["example"] = digest
    return out


def record_found(args: Any, rep: Any) -> bool:
    """After a hunting run, keep the report's hardest case in the example database."""
    path = getattr(args, "examples", None)
    if not getattr(args, "hunt", 0) or path is None or rep.found is None:
        return False
    inst, score, condition, source = rep.found
    with ExampleDB(path) as db:
        try:
            return db.offer(rep.key, inst, score, condition, f"{source} (audit seed "
                            f"{getattr(args, 'seed', 0)})")
        except TypeError:
            return False
