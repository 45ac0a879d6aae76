"""The audit report as a static HTML site: ``index.html`` (overview), one page per paper,
``errata.html``; plain HTML with inline CSS, statements as MathML (latex2mathml), pictures
by relative links. No JavaScript, no network: it opens from the file system.

The content model (strengths, coverage, reproduce commands) lives in
:mod:`boundcheck.output.report`, which renders the same content as ``report.md``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from boundcheck.check.harness import Report
from boundcheck.output import report as model
from boundcheck.output.plots import _COLORS

#: Marks the pages boundcheck writes, so that clearing a reused --out removes only those.
GENERATOR = '<meta name="generator" content="boundcheck audit">'
#: The directory of paper figures copied into the site.
FIGURE_DIR = "site-figures"

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d2430;
 background:#f6f7f9;line-height:1.45;font-size:15px}
header{background:#1f3b57;color:#fff;padding:14px 28px}
header a{color:#cfe3ff;margin-right:14px;text-decoration:none}
header h1{margin:0 0 4px 0;font-size:22px}
main{max-width:1180px;margin:0 auto;padding:8px 28px 40px}
h2{border-bottom:2px solid #d5dbe3;padding-bottom:3px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0 14px;background:#fff}
th,td{border:1px solid #d5dbe3;padding:4px 9px;text-align:left;vertical-align:top}
th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;color:#fff;font-weight:600;
 font-size:13px;white-space:nowrap}
.warn{color:#b00020;font-weight:600}
.card{background:#fff;border:1px solid #d5dbe3;border-radius:6px;padding:10px 16px;
 margin:14px 0}
.card h3{margin:2px 0 6px;font-size:17px}
.stmt{background:#fbfbfd;border-left:4px solid #8aa4c2;padding:6px 12px;margin:6px 0;
 overflow-x:auto;font-size:16px}
dl{display:grid;grid-template-columns:190px 1fr;gap:3px 12px;margin:6px 0}
dt{font-weight:600;color:#445}
dd{margin:0;overflow-wrap:anywhere}
code{background:#eef1f5;padding:0 4px;border-radius:3px;font-size:13px}
pre{background:#eef1f5;padding:8px;overflow-x:auto}
.stmt math{margin:5px 0}
.cmp{display:grid;grid-template-columns:minmax(0,1fr);gap:8px;margin:8px 0}
.cmp>div>div{margin-bottom:8px}
.cmp p{margin:4px 0}
.cmp>div{background:#fff;border:1px solid #d5dbe3;border-radius:6px;padding:8px 12px}
.printed{border-top:4px solid #c51b7d!important}
.repaired{border-top:4px solid #1b7837!important}
img{max-width:100%;border:1px solid #d5dbe3;background:#fff}
.muted{color:#667}
.small{font-size:13px}
table.compact td{padding:2px 8px}
"""


# ----------------------------------------------------------------------------- helpers
def esc(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


_UNKNOWN_CMD = re.compile(r">\\[A-Za-z]+<")


def to_mathml(latex: str, display: str = "block") -> str:
    """``latex`` as a MathML ``<math>`` element; the escaped LaTeX in ``<code>`` when the
    conversion fails or leaves a command it does not know (never raises)."""
    try:
        from latex2mathml.converter import convert

        out = convert(latex, display=display)
    except Exception:  # any converter failure degrades to the source text
        out = ""
    if not out.startswith("<math") or _UNKNOWN_CMD.search(out):
        return (f'<code class="latex" title="LaTeX (not rendered as MathML)">{esc(latex)}'
                "</code>")
    return out


def _clauses(latex: str) -> list[str]:
    """Top-level clauses of a statement (split after ``,\\ ``, ``;\\ ``, ``:\\ `` outside
    braces), each keeping its separator."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\":  # a command or an escaped character (\\{, \\,): never a separator
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch in ",;:" and latex.startswith(("\\ ", "\\quad"), i + 1):
            end = i + (3 if latex.startswith("\\ ", i + 1) else 6)
            out.append(latex[start:end])
            start = i = end
            continue
        i += 1
    out.append(latex[start:])
    return [c for c in out if c.strip()]


def statement_html(latex: str, width: int = 95) -> str:
    """A statement as MathML; a long one is broken into lines at its top-level clauses
    (MathML does not wrap), each line its own ``<math>``. Falls back to one element, then
    to the LaTeX source (see :func:`to_mathml`)."""
    if len(latex) > width:
        lines, cur = [], ""
        for clause in _clauses(latex):
            if cur and len(cur) + len(clause) > width:
                lines.append(cur)
                cur = ""
            cur += clause
        lines.append(cur)
        if len(lines) > 1:
            parts = [to_mathml(line) for line in lines]
            if all(p.startswith("<math") for p in parts):
                return "".join(parts)
    return to_mathml(latex)


def badge(verdict: Any) -> str:
    color = _COLORS.get(str(verdict), "#444")
    fg = "#222" if str(verdict) in ("underpowered", "consistent", "inconclusive",
                                    "inconsistent") else "#fff"
    return f'<span class="badge" style="background:{color};color:{fg}">{esc(verdict)}</span>'


def page_name(paper: str) -> str:
    return f"paper-{paper}.html"


def _page(title: str, body: str, nav: Sequence[str]) -> str:
    links = " ".join(f'<a href="{esc(href)}">{esc(label)}</a>' for label, href in
                     [("overview", "index.html"), ("errata", "errata.html")]
                     + [(p, page_name(p)) for p in nav])
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{GENERATOR}'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body><header>"
            f"<h1>{esc(title)}</h1><nav>{links}</nav></header>\n<main>{body}</main>"
            "</body></html>\n")


def _link(path: str | Path, out: Path, label: str | None = None) -> str:
    rel = model._rel(path, out)
    name = label or Path(path).name
    if not (out / rel).exists():
        return f'<span class="muted">{esc(name)} (file missing)</span>'
    return f'<a href="{esc(rel)}">{esc(name)}</a>'


def _evidence(rep: Report) -> str:
    s = model.strength(rep)
    return s.split()[0] if s.split()[0] in ("certified", "float64", "statistical",
                                              "scaling") else "—"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], num: Sequence[int] = (),
           cls: str = "") -> str:
    h = f'<tr>{"".join(f"<th>{esc(c)}</th>" for c in head)}</tr>' if head else ""
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}>{h}{body}</table>"


def _code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


# --------------------------------------------------------------------------- overview
def overview(reports: Sequence[Report], meta: dict, out: Path, catalog: Path | None,
             papers: Sequence[str]) -> str:
    unexpected = [r for r in reports if not r.as_expected]
    parts = [f"<p><b>Reproduce:</b> {_code(model.reproduce_audit(meta, out))}</p>"]
    env = {**model.environment(), **meta}
    wall = env.get("wall_time_s")
    parts.append(_table([], [
        ["finished", esc(env.get("time"))],
        ["profile / seed / backend", esc(f"{env.get('profile')} / {env.get('seed')} / "
                                         f"{env.get('backend')}")],
        ["wall time", esc(f"{wall} s" if wall is not None else "?")
         + esc(f" (sum of result times {sum(r.elapsed for r in reports):.1f} s)")],
        ["versions", esc(", ".join(f"{k} {v}" for k, v in model.versions().items()))],
        ["machine", esc(env.get("platform"))],
        ["catalog", esc(catalog) if catalog is not None else
         '<span class="warn">catalog not found</span>']]))
    parts.append("<h2>Coverage</h2>")
    rows = []
    for cov in model.coverage(reports, catalog, papers):
        reps = [r for r in reports if r.id.split(".")[0] == cov.paper]
        ok = sum(r.as_expected for r in reps)
        name = (f'<a href="{page_name(cov.paper)}">{esc(cov.paper)}</a>' if reps
                else esc(cov.paper))
        rows.append([name, esc(cov.text), str(len(reps)),
                     f"{ok} / {len(reps)}" + ("" if ok == len(reps) else
                                              ' <span class="warn">⚠</span>'),
                     str(sum(r.erratum for r in reps)),
                     esc(f"{sum(r.elapsed for r in reps):.1f} s")])
    parts.append(_table(["paper", "catalog ids registered / catalog ids", "results (variants)",
                         "as expected", "errata", "time"], rows, num=(2, 4, 5)))
    if catalog is None:
        parts.append(f'<p class="warn">catalog not found: coverage against the catalog is not '
                     f"shown (set ${model.CATALOG_ENV} to the catalog directory).</p>")
    parts.append("<h2>Verdicts by strength</h2>")
    rows = [[badge(_verdict_of(s)) + " " + esc(s), str(n), esc(remark)]
            for s, n, remark in model.strength_counts(reports)]
    parts.append(_table(["strength", "results", ""], rows, num=(1,)))
    parts.append(f"<p><b>{len(reports) - len(unexpected)} of {len(reports)}</b> verdicts as "
                 "expected. <code>vacuous</code>, <code>inconclusive</code>, "
                 "<code>underpowered</code> and <code>error</code> never count as passes; an "
                 "erratum variant is expected to be refuted as printed and is shown beside its "
                 "repaired variant.</p>")
    if unexpected:
        parts.append("<h3 class=\"warn\">Not as expected</h3><ul>" + "".join(
            f'<li><a href="{page_name(r.id.split(".")[0])}#{_anchor(r.key)}">{esc(r.key)}</a>: '
            f"{badge(r.verdict)} {esc('; '.join(r.messages[:2]))}</li>" for r in unexpected)
            + "</ul>")
    errata = [r for r in reports if r.erratum]
    parts.append(f'<h2>Errata found: {sum(r.as_expected for r in errata)} '
                 f'of {len(errata)} printed variants refuted</h2>')
    if errata:
        parts.append(_table(["printed statement", "verdict", "repaired variant(s)"], [[
            f'<a href="errata.html#{_anchor(r.key)}">{esc(r.key)}</a>', badge(r.verdict),
            ", ".join(f"{esc(x.key)} {badge(x.verdict)}" for x in reports
                      if x.id == r.id and not x.erratum) or "—"] for r in errata]))
    parts.append(_legend())
    return "".join(parts)


def _verdict_of(strength: str) -> str:
    for v in ("holds-numerically", "inconsistent", "consistent", "refuted", "holds"):
        if v in strength:
            return "holds-numerically" if v == "holds-numerically" else v
    return strength


def _legend() -> str:
    return ("<h2>Legend</h2><ul>"
            "<li><b>certified holds / refuted</b>: decided with enclosures (exact rationals or "
            "interval balls): a certificate. <b>float64</b>: evidence, not a certificate.</li>"
            "<li><b>statistical consistent with n trials</b>: the 99% anytime-valid confidence "
            "sequence on the failure rate lies below the allowed δ after n trials; "
            "<b>underpowered</b>: it still contains δ, or (scaling) the power contrast -- the "
            "same test on a family where the claimed scaling is known to be false -- was not "
            "flagged.</li>"
            "<li><b>tightest margin</b>: the smallest relative slack over all instances, "
            "(rhs − lhs)/|rhs| for ≤ (relative to |lhs| when the bound is 0); a float64 "
            "rounding allowance is never counted as slack.</li>"
            "<li><b>detection threshold</b>: the smallest move of the result's constant toward "
            "a stronger statement that the check refutes (bisection, same seeds); a large "
            "threshold means the instances do not reach the bound.</li></ul>")


def _anchor(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", key)


# ---------------------------------------------------------------------------- per paper
def result_card(rep: Report, res: Any, meta: dict, out: Path, reports: Sequence[Report]) -> str:
    title = f"{rep.key}" + (f": {res.title}" if res else "")
    rows: list[tuple[str, str]] = []
    if res is not None:
        rows.append(("source", esc(f"{res.source} ({res.kind})")))
    flag = "" if rep.as_expected else ' <span class="warn">⚠ not as expected</span>'
    rows += [("verdict", f"{badge(rep.verdict)} {esc(model.strength_text(rep))}{flag}"),
             ("instances", esc(model.instances_text(rep))),
             ("tightest margin", esc(model.margin_text(rep))),
             ("detection threshold", esc(model.threshold_text(rep, res))),
             ("backend", esc(model.backend_note(rep)))]
    rows += [(label, esc(text)) for label, text in model.detail_extras(rep)]
    if rep.erratum:
        rows.append(("erratum", f'printed statement under test; see <a href="errata.html#'
                                f'{_anchor(rep.key)}">the errata page</a>'))
    if res is not None and res.notes:
        rows.append(("notes", esc(res.notes)))
    rows.append(("reproduce", _code(model.reproduce_check(rep, meta))))
    if rep.counterexamples:
        rows.append(("counterexamples", ", ".join(_link(p, out) for p in rep.counterexamples)))
    if rep.details.get("verifiers"):
        rows.append(("standalone verifiers",
                     ", ".join(_link(p, out) for p in rep.details["verifiers"])))
    stmt = (f'<div class="stmt">{statement_html(res.statement)}</div>' if res is not None
            else "")
    dl = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return (f'<section class="card" id="{_anchor(rep.key)}"><h3>{esc(title)}</h3>{stmt}'
            f"<dl>{dl}</dl></section>")


def paper_page(paper: str, reports: Sequence[Report], by_key: dict, meta: dict, out: Path,
               chart: str | None, figures: Sequence[str], cov: model.Coverage | None) -> str:
    reps = [r for r in reports if r.id.split(".")[0] == paper]
    parts = []
    if cov is not None:
        parts.append(f"<p><b>Coverage:</b> {esc(cov.text)}"
                     + (f'; not yet encoded: <span class="muted">{esc(", ".join(cov.missing))}'
                        "</span>" if cov.missing else "")
                     + (f'; registered ids that are not catalog headings: <span class="muted">'
                        f'{esc(", ".join(cov.extra))}</span>' if cov.extra else "") + "</p>")
    parts.append(_table(["result", "source", "verdict", "evidence", "instances",
                         "tightest margin"], [[
        f'<a href="#{_anchor(r.key)}">{esc(r.key)}</a>'
        + (' <span class="muted">(erratum)</span>' if r.erratum else ""),
        f'<span class="small">{esc(by_key[r.key].source if r.key in by_key else "")}</span>',
        badge(r.verdict) + ("" if r.as_expected else ' <span class="warn">⚠</span>'),
        f'<span class="small">{esc(_evidence(r))}</span>',
        f'<span class="small">{esc(model.instances_short(r))}</span>',
        esc(model._short_margin(r))] for r in reps], cls="compact"))
    if chart:
        parts.append(f'<h2>Tightest margins</h2><img src="{esc(chart)}" '
                     f'alt="tightest relative margins of every {esc(paper)} result">')
    for fig in figures:
        parts.append(f'<h2>Figure {esc(Path(fig).stem)}</h2><img src="{esc(fig)}" '
                     f'alt="{esc(Path(fig).stem)}"><p class="muted">Drawn by '
                     f"<code>boundcheck figure</code> (copied from docs/figures; not re-run by "
                     "this audit).</p>")
    parts.append("<h2>Results</h2>")
    parts += [result_card(r, by_key.get(r.key), meta, out, reports) for r in reps]
    return "".join(parts)


# ------------------------------------------------------------------------------- errata
def errata_page(reports: Sequence[Report], by_key: dict, out: Path) -> str:
    errata = [r for r in reports if r.erratum]
    if not errata:
        return "<p>No erratum variant in this audit.</p>"
    parts = [f"<p>{len(errata)} printed statements registered as suspected errata; each is "
             "checked as printed and shown beside its repaired variant.</p>"]
    for r in errata:
        res = by_key.get(r.key)
        fixed = [x for x in reports if x.id == r.id and not x.erratum]
        title = r.key + (f": {res.title}" if res else "")
        where = f"{res.source}" if res else r.id
        kind = model.error_kind(res, reports, r)
        left = (f'<div class="printed"><b>As printed</b> {badge(r.verdict)}'
                f'<div class="stmt">{statement_html(res.statement) if res else ""}</div>'
                f"<p>{esc(model.strength_text(r))}</p></div>")
        right = "".join(
            f'<div class="repaired"><b>{_variant_label(x)}</b> {badge(x.verdict)}'
            f'<div class="stmt">'
            f'{statement_html(by_key[x.key].statement) if x.key in by_key else ""}'
            f"</div><p>{esc(model.strength_text(x))}</p>"
            + (f'<p class="muted">{esc(by_key[x.key].notes)}</p>'
               if x.key in by_key and by_key[x.key].notes else "") + "</div>" for x in fixed) \
            or '<div class="repaired"><b>Repaired</b>: no repaired variant registered</div>'
        viol = [m for m in r.messages if "VIOLATED" in m or "lies above" in m
                or "excludes" in m][:3]
        files = []
        for p in r.counterexamples:
            nums = _violations(p)
            files.append(f"<li>{_link(p, out)}" + (f": {_code(nums[0])}" if nums else "")
                         + "</li>")
        parts.append(
            f'<section class="card" id="{_anchor(r.key)}"><h3>{esc(title)}</h3>'
            f"<p><b>Where:</b> {esc(where)} — <b>{esc(kind)}</b></p>"
            f'<div class="cmp">{left}<div>{right}</div></div>'
            + (f"<p><b>What is wrong, and the fix:</b> {esc(res.notes)}</p>"
               if res and res.notes else "")
            + ("<p><b>The numbers that violate it:</b></p><ul>"
               + "".join(f"<li>{_code(m)}</li>" for m in viol) + "</ul>" if viol else "")
            + (f"<p><b>Counterexample files</b> (re-check with <code>boundcheck recheck "
               f"FILE</code>):</p><ul>{''.join(files)}</ul>" if files else "")
            + (f"<p><b>Standalone verifiers:</b> "
               f"{', '.join(_link(p, out) for p in r.details['verifiers'])}</p>"
               if r.details.get("verifiers") else "")
            + f'<p><a href="{page_name(r.id.split(".")[0])}#{_anchor(r.key)}">full result on '
              f"the paper page</a></p></section>")
    return "".join(parts)


def _variant_label(rep: Report) -> str:
    if "repair" in rep.variant or "fix" in rep.variant:
        return f"Repaired: {esc(rep.variant)}"
    return f"Registered variant: {esc(rep.variant)}"


def _violations(path: str | Path) -> list[str]:
    try:
        return [str(v) for v in json.loads(Path(path).read_text()).get("violations", [])]
    except (OSError, ValueError, AttributeError):
        return []


# ------------------------------------------------------------------------- the site
def clear_report_files(out: str | Path) -> list[Path]:
    """Remove the report files a previous audit wrote into ``out`` (pages carrying the
    boundcheck generator mark, report.md, results*.json, margins-*.png, the copied
    figures), so that a reused --out never mixes old and new. The result store and
    unrelated files stay. Returns what was removed."""
    out = Path(out)
    removed: list[Path] = []
    if not out.is_dir():
        return removed
    for p in out.glob("*.html"):
        try:
            if GENERATOR in p.read_text(encoding="utf-8", errors="replace")[:2000]:
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    for name in ("report.md", "results.json", "results.partial.json"):
        if (out / name).is_file():
            (out / name).unlink()
            removed.append(out / name)
    for p in out.glob("margins-*.png"):
        p.unlink()
        removed.append(p)
    if (out / FIGURE_DIR).is_dir():
        shutil.rmtree(out / FIGURE_DIR)
        removed.append(out / FIGURE_DIR)
    return removed


def prune_counterexamples(out: Path, reports: Sequence[Report]) -> list[Path]:
    """Remove counterexample files (and their verifiers) in ``out/counterexamples`` that no
    report of this audit refers to."""
    cx = out / "counterexamples"
    if not cx.is_dir():
        return []
    keep = {Path(p).resolve() for r in reports for p in
            list(r.counterexamples) + list(r.details.get("verifiers") or [])}
    removed = []
    for p in cx.iterdir():
        if p.is_file() and p.resolve() not in keep and (
                p.name.endswith(".json") or p.name.endswith(".verify.py")):
            p.unlink()
            removed.append(p)
    return removed


def repo_figures(paper: str) -> list[Path]:
    """Paper figures already drawn into the repository's docs/figures (``<paper>-*.png``)."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "figures"
    return sorted(docs.glob(f"{paper}-*.png")) if docs.is_dir() else []


def write_site(out: str | Path, reports: Sequence[Report], meta: dict | None = None,
               results_by_key: dict | None = None, charts: dict[str, str] | None = None,
               catalog_dir: str | Path | None = None,
               figures: dict[str, Sequence[str | Path]] | None = None) -> Path:
    """Write index.html, errata.html, paper-<paper>.html and report.md into ``out``.

    ``charts`` maps a paper to its margin chart (relative to ``out``); ``figures`` maps a
    paper to PNG files to show (default: its figures in docs/figures), copied into
    ``out/site-figures``. Counterexample files no report refers to are removed. Returns the
    path of index.html."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    meta = dict(meta or {})
    by_key = results_by_key or {}
    catalog = model.find_catalog(catalog_dir)
    audited = sorted({r.id.split(".")[0] for r in reports})
    papers = list(audited)
    if meta.get("paper") in (None, "all") and catalog is not None:
        papers = sorted(set(audited) | {p.stem for p in catalog.glob("*.md")
                                        if p.stem.lower() != "readme"})
    meta["papers"] = papers
    prune_counterexamples(out, reports)
    figs: dict[str, list[str]] = {}
    for paper in audited:
        srcs = figures.get(paper, []) if figures is not None else repo_figures(paper)
        for src in srcs:
            src = Path(src)
            if not src.is_file():
                continue
            dest = out / FIGURE_DIR / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.resolve() != dest.resolve():
                shutil.copyfile(src, dest)
            figs.setdefault(paper, []).append(f"{FIGURE_DIR}/{src.name}")
    covs = {c.paper: c for c in model.coverage(reports, catalog, papers)}
    title = "boundcheck audit"
    (out / "index.html").write_text(
        _page(f"{title}: overview", overview(reports, meta, out, catalog, papers), audited),
        encoding="utf-8")
    (out / "errata.html").write_text(
        _page(f"{title}: errata", errata_page(reports, by_key, out), audited),
        encoding="utf-8")
    for paper in audited:
        (out / page_name(paper)).write_text(_page(
            f"{title}: {paper}", paper_page(paper, reports, by_key, meta, out,
                                            (charts or {}).get(paper), figs.get(paper, []),
                                            covs.get(paper)), audited), encoding="utf-8")
    (out / "report.md").write_text(model.markdown(reports, meta, by_key, charts, catalog, out,
                                                  figs), encoding="utf-8")
    return out / "index.html"
