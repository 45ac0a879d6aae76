"""Papers are plugins: a package outside ``theorems/`` is discovered through the
``boundcheck.papers`` entry-point group and audited, with no change to boundcheck.

The template in ``examples/plugin`` is "installed" into a temporary site directory the way
pip lays out a package (the module plus a ``*.dist-info`` with ``entry_points.txt`` read from
the template's own ``pyproject.toml``), then the CLI is run in a subprocess that sees it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "plugin"


def _install_template(site: Path) -> None:
    meta = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())
    project = meta["project"]
    for mod in meta["tool"]["setuptools"]["py-modules"]:
        shutil.copy(TEMPLATE / f"{mod}.py", site / f"{mod}.py")
    dist = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    eps = project["entry-points"]
    lines = [f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in table.items())
             for group, table in eps.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines))


def _run(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "boundcheck", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    _install_template(site)
    return site


def test_plugin_is_listed(plugin_site: Path) -> None:
    out = _run(plugin_site, "list", "--paper", "example", "--json")
    assert out.returncode == 0, out.stderr
    ids = [r["id"] for r in json.loads(out.stdout)]
    assert ids == ["example.submult"]
    everything = _run(plugin_site, "list", "--json")
    papers = {r["id"].split(".")[0] for r in json.loads(everything.stdout)}
    assert {"example", "hxp20", "acgh19", "dh19"} <= papers


def test_plugin_is_checked_and_audited(plugin_site: Path, tmp_path: Path) -> None:
    ok = _run(plugin_site, "check", "example.submult", "--backend", "ball")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "holds" in ok.stdout
    audit = _run(plugin_site, "audit", "--paper", "example", "--quick", "--out", str(tmp_path))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    rows = results["results"] if isinstance(results, dict) else results
    assert {r["id"] for r in rows} == {"example.submult"}


def test_plugin_check_can_fail(plugin_site: Path) -> None:
    """The template's result is a real check: halving its constant is refuted."""
    bad = _run(plugin_site, "check", "example.submult", "--set", "c=0.5")
    assert bad.returncode == 1
    assert "refuted" in bad.stdout


def test_without_plugins_the_registry_says_what_to_do(tmp_path: Path) -> None:
    code = ("import importlib.metadata as m, boundcheck.check.registry as r\n"
            "m.entry_points = lambda group=None: []\n"
            "r.entry_points = m.entry_points\n"
            "try:\n    r.load_papers()\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert "InputError" in out.stdout and "pip install" in out.stdout


def test_a_stale_plugin_is_skipped_with_a_warning(tmp_path: Path) -> None:
    dist = tmp_path / "gone_paper-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: gone-paper\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[boundcheck.papers]\ngone = gone_paper_module\n")
    out = _run(tmp_path, "list", "--paper", "hxp20")
    assert out.returncode == 0, out.stderr
    assert "gone_paper_module" in out.stderr and "skipped" in out.stderr
