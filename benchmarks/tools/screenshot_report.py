"""Regenerate docs/figures/report-overview.png and report-paper.png (and report-errata.png).

    python benchmarks/tools/screenshot_report.py                  # audit acgh19 --quick, shoot
    python benchmarks/tools/screenshot_report.py --reuse DIR      # re-render DIR/results.json

Runs ``boundcheck audit --paper acgh19 --quick --out DIR`` (about 1-2 minutes; skipped with
``--reuse``, which rebuilds the site from an existing DIR/results.json with the current
code), then loads the pages in Debian's headless chromium (the same command line as
tests/test_browser.py) and writes the screenshots at 1280 px width.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def shoot(page: Path, png: Path, height: int = 2000) -> None:
    """Screenshot ``page`` with headless chromium into ``png``."""
    subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={png}", f"--window-size=1280,{height}",
                    page.resolve().as_uri()], check=True, capture_output=True, timeout=120)


def crop_from_first_statement(full: Path, png: Path, height: int = 2000) -> None:
    """Crop a tall page screenshot to the result cards: from just above the first statement
    box (its left rule has the unique colour #8aa4c2) down ``height`` pixels."""
    from PIL import Image

    im = Image.open(full).convert("RGB")
    w, h = im.size
    px = im.load()
    top = 0
    for y in range(h):
        if any(px[x, y] == (138, 164, 194) for x in range(0, min(w, 200))):
            top = max(0, y - 70)
            break
    im.crop((0, top, w, min(h, top + height))).save(png)


def rerender(out: Path, paper: str) -> None:
    """Rebuild the site in ``out`` from its results.json with the current code."""
    sys.path.insert(0, str(REPO))
    from boundcheck.check import registry
    from boundcheck.output.html_report import write_site
    from boundcheck.output.plots import margin_chart
    from boundcheck.run.store import report_from_dict

    data = json.loads((out / "results.json").read_text())
    reports = [report_from_dict(d) for d in data["results"]]
    by_key = {r.key: r for r in registry.all_results(paper)}
    charts = {}
    for p in sorted({r.id.split(".")[0] for r in reports}):
        chart = margin_chart([r for r in reports if r.id.startswith(p + ".")],
                             out / f"margins-{p}.png", f"{p}: tightest margins")
        if chart:
            charts[p] = chart.name
    write_site(out, reports, data["meta"], by_key, charts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paper", default="acgh19")
    ap.add_argument("--out", default="/tmp/boundcheck-report-shots", help="audit directory")
    ap.add_argument("--reuse", metavar="DIR", help="re-render an existing audit directory")
    ap.add_argument("--dest", default=str(REPO / "docs" / "figures"))
    args = ap.parse_args()
    if args.reuse:
        out = Path(args.reuse)
        rerender(out, args.paper)
    else:
        out = Path(args.out)
        subprocess.run([sys.executable, "-m", "boundcheck", "audit", "--paper", args.paper,
                        "--quick", "--out", str(out), "--quiet"], cwd=REPO, check=False)
    dest = Path(args.dest)
    dest.mkdir(parents=True, exist_ok=True)
    shoot(out / "index.html", dest / "report-overview.png", 1500)
    full = out / "paper-full.png"
    shoot(out / f"paper-{args.paper}.html", full, 12000)
    crop_from_first_statement(full, dest / "report-paper.png")
    full.unlink()
    shoot(out / "errata.html", dest / "report-errata.png", 2400)
    for name in ("report-overview.png", "report-paper.png", "report-errata.png"):
        print(dest / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
