"""Reading a stored counterexample file (written by :func:`~boundcheck.check.harness.run_result`).

:func:`load_counterexample` is the one call that turns such a file into its parts, or raises
an :class:`~boundcheck.errors.InputError` whose one-line message says what is wrong with the
file (missing, empty, truncated, not JSON, not a counterexample, a field missing or of the
wrong type). It never lets a ``json``/``KeyError``/``OSError`` traceback through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boundcheck.errors import InputError
from boundcheck.model import serialize

#: The format tag every counterexample file carries.
FORMAT = "boundcheck-counterexample/1"

#: Required fields and the JSON types they must have.
_FIELDS: dict[str, type | tuple[type, ...]] = {
    "key": str, "seed": str, "backend": str, "overrides": dict}


@dataclass
class Counterexample:
    """A counterexample file's contents, decoded exactly (floats bit for bit)."""

    path: Path
    key: str
    id: str
    variant: str
    seed: str
    backend: str
    overrides: dict[str, Any]
    instance: Any
    violations: list[str] = field(default_factory=list)


def load_counterexample(path: str | Path) -> Counterexample:
    """Load and validate a counterexample file; raise InputError saying why it is unusable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a counterexample file")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it ({type(exc).__name__}: {exc})") from None
    if not text.strip():
        raise InputError(f"{path} is empty, not a counterexample file")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        what = ("truncated" if _unclosed(text) else "malformed JSON") \
            if text.lstrip()[:1] in "{[" else "not JSON"
        raise InputError(f"{path} is {what}: invalid JSON at line {exc.lineno} column "
                         f"{exc.colno} ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path} holds a JSON {type(raw).__name__}, not a counterexample "
                         f"object")
    if raw.get("format") != FORMAT:
        raise InputError(f"{path} is not a boundcheck counterexample file (format "
                         f"{raw.get('format')!r}, expected {FORMAT!r})")
    for name, typ in _FIELDS.items():
        if name not in raw:
            raise InputError(f"{path}: the counterexample has no {name!r} field")
        if not isinstance(raw[name], typ):
            raise InputError(f"{path}: field {name!r} should be a JSON "
                             f"{'object' if typ is dict else 'string'}, got "
                             f"{type(raw[name]).__name__}")
    if "instance" not in raw or raw["instance"] is None:
        raise InputError(f"{path}: the counterexample has no 'instance' field")
    try:
        data = serialize.decode(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: a stored value cannot be decoded exactly "
                         f"({type(exc).__name__}: {exc})") from None
    return Counterexample(path=path, key=data["key"], id=str(data.get("id", data["key"])),
                          variant=str(data.get("variant", "")), seed=data["seed"],
                          backend=data["backend"], overrides=data["overrides"],
                          instance=data["instance"],
                          violations=list(data.get("violations") or []))


def _unclosed(text: str) -> bool:
    """Whether JSON text ends inside a string or with brackets left open (cut short)."""
    depth, in_str, esc = 0, False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return in_str or depth > 0
