"""The registry of encoded results. Papers arrive as plugins.

A paper is any importable module or package named by an entry point in the group
``boundcheck.papers`` (the entry point's name is the paper id, its value the module)::

    [project.entry-points."boundcheck.papers"]
    mypaper = "mypaper_checks"

On first use the registry imports each such module and, for a package, every submodule whose
name does not start with ``_``; importing them calls :func:`register`. boundcheck's own papers
are registered the same way, from its ``pyproject.toml``. See ``examples/plugin``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from importlib.metadata import entry_points

from boundcheck.check.result import Result
from boundcheck.errors import InputError

_RESULTS: dict[str, Result] = {}
_LOADED = False
ENTRY_POINT_GROUP = "boundcheck.papers"


def register(*results: Result) -> None:
    for r in results:
        if r.key in _RESULTS:
            raise ValueError(f"result {r.key} registered twice")
        _RESULTS[r.key] = r


def paper_modules() -> dict[str, str]:
    """Paper id -> module name, from the ``boundcheck.papers`` entry points."""
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _import_tree(name: str) -> None:
    mod = importlib.import_module(name)
    path = getattr(mod, "__path__", None)
    if path is None:
        return
    for info in sorted(pkgutil.walk_packages(path, prefix=f"{name}."), key=lambda i: i.name):
        if not any(part.startswith("_") for part in info.name[len(name) + 1 :].split(".")):
            importlib.import_module(info.name)


def load_papers() -> None:
    """Import every paper plugin and its public submodules (idempotent)."""
    global _LOADED
    if _LOADED:
        return
    modules = paper_modules()
    if not modules:
        raise InputError(
            f"no paper plugins found in the entry-point group {ENTRY_POINT_GROUP!r}; "
            "install boundcheck (python3 -m pip install -e .) so its papers are registered"
        )
    for paper in sorted(modules):
        try:
            _import_tree(modules[paper])
        except ModuleNotFoundError as exc:
            if exc.name is None or not modules[paper].startswith(exc.name):
                raise InputError(
                    f"paper plugin {paper!r} ({modules[paper]}) failed to import: {exc}"
                ) from exc
            # a stale entry point (its package is gone): say so and audit the rest
            print(f"boundcheck: warning: paper plugin {paper!r} names {modules[paper]!r}, "
                  "which is not installed; skipped", file=sys.stderr)
        except ImportError as exc:
            raise InputError(
                f"paper plugin {paper!r} ({modules[paper]}) failed to import: {exc}"
            ) from exc
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
