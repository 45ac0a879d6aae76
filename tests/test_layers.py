"""The engine's layers import only downward (DESIGN.md, "Layout").

Every ``import``/``from … import`` in ``boundcheck/`` — at module level or inside a function —
is parsed, and the imported module's layer must not be above the importer's. Run alone with
``python -m pytest tests/test_layers.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "boundcheck"

#: Bottom to top. A module's layer is its subpackage (or the top-level module's name).
LAYERS = ["errors", "arith", "model", "check", "certify", "run", "output", "cli"]
TOP = {"cli", "api", "__init__", "__main__"}  # the package surface sits on everything


def layer_of(module: str) -> int:
    parts = module.split(".")
    assert parts[0] == "boundcheck"
    if len(parts) == 1:
        return LAYERS.index("cli")
    head = parts[1]
    if head == "version":
        return 0  # the version string sits with the exception types at the bottom
    if head in TOP:
        return LAYERS.index("cli")
    assert head in LAYERS, f"boundcheck.{head} belongs to no layer; add it to LAYERS"
    return LAYERS.index(head)


def imports(path: Path) -> list[tuple[int, str]]:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    pkg = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            if name == "boundcheck":  # from boundcheck import model, check, ...
                found += [(node.lineno, f"boundcheck.{a.name}") for a in node.names]
    return [(ln, n) for ln, n in found if n == "boundcheck" or n.startswith("boundcheck.")]


def modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    for path in modules():
        rel = path.relative_to(ROOT.parent).with_suffix("")
        layer_of(".".join(rel.parts))


def test_imports_point_downward() -> None:
    bad = []
    for path in modules():
        rel = path.relative_to(ROOT.parent).with_suffix("")
        mine = layer_of(".".join(rel.parts))
        for line, name in imports(path):
            if name == "boundcheck" and mine != LAYERS.index("cli"):
                bad.append(f"{path.relative_to(ROOT.parent)}:{line} imports the package root")
            elif name != "boundcheck" and layer_of(name) > mine:
                bad.append(f"{path.relative_to(ROOT.parent)}:{line} ({LAYERS[mine]}) imports "
                           f"{name} ({LAYERS[layer_of(name)]})")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The test can fail: a planted upward import is reported."""
    planted = tmp_path / "boundcheck" / "model" / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("from boundcheck.output.report import markdown\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path / "boundcheck"
    try:
        names = imports(planted)
        assert names == [(1, "boundcheck.output.report")]
        assert layer_of(names[0][1]) > layer_of("boundcheck.model.planted")
    finally:
        ROOT = saved


def test_no_paper_imports_another_papers_helpers() -> None:
    """A paper module imports the engine and its own package, never another paper's."""
    papers = ROOT.parent / "theorems"
    bad = []
    for path in sorted(papers.rglob("*.py")):
        rel = path.relative_to(papers)
        if len(rel.parts) < 2:
            continue
        own = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if parts[0] == "theorems" and len(parts) > 1 and parts[1] != own:
                    bad.append(f"theorems/{rel}:{node.lineno} imports {name}")
    assert not bad, "cross-paper imports:\n" + "\n".join(bad)
