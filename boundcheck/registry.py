"""The registry of encoded results; paper modules in ``theorems`` register on import."""

from __future__ import annotations

import importlib
import pkgutil

from boundcheck.errors import InputError
from boundcheck.result import Result

_RESULTS: dict[str, Result] = {}
_LOADED = False
PAPER_PACKAGE = "theorems"


def register(*results: Result) -> None:
    for r in results:
        if r.key in _RESULTS:
            raise ValueError(f"result {r.key} registered twice")
        _RESULTS[r.key] = r


def load_papers() -> None:
    """Import every module of the paper package and its sub-packages (idempotent)."""
    global _LOADED
    if _LOADED:
        return
    pkg = importlib.import_module(PAPER_PACKAGE)
    mods = pkgutil.walk_packages(pkg.__path__, prefix=f"{PAPER_PACKAGE}.")
    for info in sorted(mods, key=lambda i: i.name):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            importlib.import_module(info.name)
    _LOADED = True


def all_results(paper: str | None = None) -> list[Result]:
    load_papers()
    rs = list(_RESULTS.values())
    if paper is not None:
        papers = sorted({r.paper for r in rs})
        if paper not in papers:
            raise InputError(f"unknown paper {paper!r}; registered papers: {', '.join(papers)}")
        rs = [r for r in rs if r.paper == paper]
    return rs


def lookup(name: str) -> list[Result]:
    """All variants of catalog id ``name``, or the one result with registry key ``name``."""
    load_papers()
    if name in _RESULTS and "[" in name:
        return [_RESULTS[name]]
    found = [r for r in _RESULTS.values() if r.id == name]
    if not found:
        close = [k for k in _RESULTS if name.split(".")[-1] in k][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"unknown result id {name!r}{hint} (see 'boundcheck list')")
    return found


def get(key: str) -> Result:
    load_papers()
    try:
        return _RESULTS[key]
    except KeyError:
        raise InputError(f"unknown result key {key!r}") from None
