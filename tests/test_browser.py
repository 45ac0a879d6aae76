"""The audit report in a real headless browser (Debian's chromium).

A tiny audit (a handful of fast acgh19 results, errata with their repaired variants, a
statistical and an exact result) runs through the real ``audit`` command; each page is then
loaded in ``chromium --headless=new``:

* the unmodified page must log nothing on the console (``--enable-logging=stderr``);
* a probe copy of the page (the same file plus a measuring script, in the same directory so
  relative links behave the same) reports, after layout, every ``<math>`` element's box, the
  position of each fraction's numerator against its denominator (MathML laid out as
  mathematics, not as a run of text), and every image's decoded width;
* every local ``<a href>`` resolves to an existing file (and its ``#fragment`` to an id);
* a screenshot is taken.

Without chromium the tests skip, unless ``BOUNDCHECK_REQUIRE_BROWSER=1`` (set by .ci/run):
then they fail.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]

_PROBE = """<script>
window.addEventListener("load", () => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.top, r.width, r.height]; };
  const out = {
    math: [...document.querySelectorAll("math")].map(box),
    fracs: [...document.querySelectorAll("mfrac")].map(f =>
      [f.children[0].getBoundingClientRect().bottom, f.children[1].getBoundingClientRect().top]),
    imgs: [...document.images].map(i => [i.getAttribute("src"), i.complete, i.naturalWidth]),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    ids: [...document.querySelectorAll("[id]")].map(e => e.id),
  };
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
</script>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("BOUNDCHECK_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed but BOUNDCHECK_REQUIRE_BROWSER=1 "
                        "(apt-get install chromium)")
        pytest.skip("chromium not installed (set BOUNDCHECK_REQUIRE_BROWSER=1 to require it)")
    return CHROMIUM


def _run(chromium: str, *args: str, timeout: int = 90) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, *FLAGS, *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def _console(chromium: str, page: Path) -> list[str]:
    proc = _run(chromium, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
                "--dump-dom", page.resolve().as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "</html>" in proc.stdout
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def _probe(chromium: str, page: Path) -> dict:
    copy = page.with_name(f"probe-{page.name}")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                    encoding="utf-8")
    try:
        proc = _run(chromium, "--virtual-time-budget=5000", "--dump-dom", copy.resolve().as_uri())
    finally:
        copy.unlink()
    m = re.search(r'data-probe="([^"]*)"', proc.stdout)
    assert m, f"the probe did not run: {proc.stderr[-1500:]}"
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    from boundcheck import cli
    from boundcheck.check import registry

    keys = ["acgh19.eq1", "acgh19.proc1", "acgh19.proc1[appE_literal]",
            "acgh19.proc1[appE_repaired]", "acgh19.lem10", "acgh19.lem10[proof-moment-printed]",
            "acgh19.lem10[proof-moment-repaired]", "acgh19.rem_fn4"]
    results = [registry.get(k) for k in keys]
    original = registry.all_results
    registry.all_results = lambda paper=None: results
    out = tmp_path_factory.mktemp("browser") / "audit"
    try:
        code = cli.main(["audit", "--quick", "--out", str(out), "--quiet", "--fresh",
                         "--workers", "1"])
    finally:
        registry.all_results = original
    assert code == 0
    return out


def test_the_probe_detects_what_it_should(chromium, tmp_path):
    """The checks below can fail: a console message, a missing image and MathML laid out as
    a fraction are all seen."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="missing.png"><math><mfrac><mi>a</mi>'
                    '<mi>b</mi></mfrac></math><script>console.error("boom")</script>'
                    "</body></html>")
    assert any("boom" in line for line in _console(chromium, page))
    probe = _probe(chromium, page)
    assert probe["imgs"] == [["missing.png", True, 0]]
    (num_bottom, den_top), = probe["fracs"]
    assert num_bottom <= den_top


def test_every_page_renders_in_chromium(chromium, audited):
    pages = sorted(audited.glob("*.html"))
    assert {p.name for p in pages} == {"index.html", "errata.html", "paper-acgh19.html"}
    math_seen = 0
    ids: dict[Path, list[str]] = {}
    links: dict[Path, list[str]] = {}
    for page in pages:
        assert _console(chromium, page) == [], page.name
        probe = _probe(chromium, page)
        source = page.read_text(encoding="utf-8")
        assert len(probe["math"]) == source.count("<math "), page.name  # survived parsing
        for _top, width, height in probe["math"]:
            assert width > 0 and height > 0, page.name
        for num_bottom, den_top in probe["fracs"]:
            assert num_bottom <= den_top + 1, page.name  # numerator above denominator
        math_seen += len(re.findall(r'<div class="stmt"><math ', source))
        for src, complete, width in probe["imgs"]:
            assert complete and width > 0, (page.name, src)
        ids[page.resolve()] = probe["ids"]
        links[page] = probe["links"]
    for page, hrefs in links.items():
        for href in hrefs:
            url = urlparse(href)
            assert url.scheme == "file", (page.name, href)  # nothing on the network
            target = Path(unquote(url.path))
            if target.name == f"probe-{page.name}":  # a link within the page itself
                target = page
            assert target.exists(), (page.name, href)
            if url.fragment and target.suffix == ".html":
                assert unquote(url.fragment) in ids[target.resolve()], (page.name, href)
    # one per result on the paper page but acgh19.rem_fn4, whose statement has an undefined
    # command (\RightarrowW) and is shown as LaTeX source; on the errata page 2 errata x 3
    # variants (printed, repaired)
    assert math_seen == 7 + 2 * 3
    assert any(h.endswith("paper-acgh19.html") for h in links[audited / "index.html"])
    paper = (audited / "paper-acgh19.html").read_text()
    assert 'src="margins-acgh19.png"' in paper
    assert any("/counterexamples/" in h for h in links[audited / "paper-acgh19.html"])


def test_screenshots(chromium, audited, tmp_path):
    for page in ("index.html", "paper-acgh19.html", "errata.html"):
        png = tmp_path / f"{page}.png"
        proc = _run(chromium, f"--screenshot={png}", "--window-size=1280,2000",
                    (audited / page).resolve().as_uri())
        assert proc.returncode == 0, proc.stderr[-1500:]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
