"""Audit reports: a verdict table for the terminal, ``results.json`` and ``report.md``."""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boundcheck.check.harness import Report


def _fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return "" if x is None else str(x)


def summary_line(rep: Report) -> str:
    c = rep.counts
    if rep.check_type == "statistical":
        d = rep.details
        iv = d.get("interval", [None, None])
        counts = (f"failures {c.get('failures', 0)}/{c.get('trials', 0)}, "
                  f"CI [{_fmt(iv[0])}, {_fmt(iv[1])}] vs delta {_fmt(d.get('delta'))}")
    elif rep.check_type in ("deterministic",):
        counts = (f"{c.get('hypotheses_held', 0)}/{c.get('tried', 0)} met hyp, "
                  f"{c.get('refuted', 0)} refuted, {c.get('inconclusive', 0)} inconcl.")
    else:
        counts = f"{c.get('conclusions_held', 0)}/{c.get('tried', 0)} conditions"
    tight = rep.tightness.get("min_relative_margin")
    tight_s = f"rel.margin {_fmt(tight)}" if tight is not None else ""
    flag = "" if rep.as_expected else "  <-- NOT AS EXPECTED"
    err = " (erratum)" if rep.erratum else ""
    return f"{rep.key:<34} {str(rep.verdict):<18} {counts:<52} {tight_s}{err}{flag}"


def table(reports: Sequence[Report]) -> str:
    head = f"{'result':<34} {'verdict':<18} {'counts':<52} tightness"
    return "\n".join([head, "-" * len(head)] + [summary_line(r) for r in reports])


def environment() -> dict[str, str]:
    import numpy

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "machine": platform.machine(), "platform": platform.platform(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def write_json(reports: Sequence[Report], path: str | Path, meta: dict | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": {**environment(), **(meta or {})},
               "results": [r.to_dict() for r in reports]}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(path)
    return path


# ------------------------------------------------------------------ the report's content
# Shared by report.md (below) and the HTML site (html_report.py): one model, two renderings.

#: Verdict strength categories in the order the overview lists them.
STRENGTHS = ("certified holds", "certified refuted", "float64 holds-numerically",
             "float64 refuted", "statistical consistent", "statistical inconsistent",
             "scaling consistent", "scaling inconsistent", "underpowered", "inconclusive",
             "vacuous", "error")

#: Environment variable naming the catalog directory (``<paper>.md`` files).
CATALOG_ENV = "BOUNDCHECK_CATALOG"


def fmt_num(x: Any, digits: int = 3) -> str:
    """A number at reading precision: 3 significant digits, ints and strings unchanged."""
    if isinstance(x, bool) or x is None:
        return "" if x is None else str(x)
    if isinstance(x, float):
        if x != x:
            return "NaN"
        return f"{x:.{digits}g}"
    return str(x)


def fmt_interval(value: Any, lo: Any, hi: Any) -> str:
    """``0.48 [0.45, 0.51]``."""
    return f"{fmt_num(value)} [{fmt_num(lo)}, {fmt_num(hi)}]"


def fmt_obj(obj: Any, limit: int = 600) -> str:
    """A compact rendering of nested details: floats at 3 digits; ``x`` with ``x_ci``
    becomes ``x v [lo, hi]``."""
    def go(o: Any) -> str:
        if isinstance(o, dict):
            parts = []
            for k, v in o.items():
                if k.endswith("_ci") and k[:-3] in o:
                    continue
                ci = o.get(f"{k}_ci")
                if isinstance(ci, (list, tuple)) and len(ci) == 2:
                    parts.append(f"{k} {fmt_interval(v, ci[0], ci[1])}")
                else:
                    parts.append(f"{k}: {go(v)}")
            return "{" + ", ".join(parts) + "}"
        if isinstance(o, (list, tuple)):
            return "[" + ", ".join(go(v) for v in o) + "]"
        return fmt_num(o)
    text = go(obj)
    return text if len(text) <= limit else text[:limit] + " …"


def strength(rep: Report) -> str:
    """The verdict with the strength of the evidence behind it (one of :data:`STRENGTHS`)."""
    v = str(rep.verdict)
    if v == "holds":
        return "certified holds"
    if v == "refuted":
        return "certified refuted" if rep.certified else "float64 refuted"
    if v == "holds-numerically":
        return "float64 holds-numerically"
    if v in ("consistent", "inconsistent"):
        kind = "statistical" if rep.check_type == "statistical" else "scaling"
        return f"{kind} {v}"
    return v


def strength_text(rep: Report) -> str:
    """One sentence on how strong the verdict is."""
    s = strength(rep)
    arith = rep.details.get("arithmetic") or {}
    how = ", ".join(f"{k} ×{n}" for k, n in arith.items()) if isinstance(arith, dict) else ""
    if s == "certified holds":
        return f"certified ({rep.backend} backend{'; ' + how if how else ''})"
    if s == "certified refuted":
        return f"certified counterexample ({rep.backend} backend{'; ' + how if how else ''})"
    if s == "float64 holds-numerically":
        return "holds in float64 only: evidence, not a certificate"
    if s == "float64 refuted":
        return ("counterexample found in float64, not certified (re-check its file with "
                "'boundcheck recheck FILE --backend ball'; certification needs a certifiable "
                "result)")
    if rep.check_type == "statistical" and s.startswith("statistical"):
        d = rep.details
        conf = d.get("confidence")
        conf_s = f"{conf:.0%}" if isinstance(conf, float) else "?"
        word = "consistent with" if s.endswith("consistent") and "incon" not in s else \
            "inconsistent after"
        return (f"statistical: {word} {d.get('trials', '?')} trials ({conf_s} anytime-valid "
                f"confidence sequence against δ = {fmt_num(d.get('delta'))})")
    if s.startswith("scaling"):
        return "scaling fit " + s.split()[1] + " with the printed rate (float64 fit, intervals)"
    return {"underpowered": "undecided: the interval still contains the allowed value "
                            "(not a pass)",
            "inconclusive": "undecided: an enclosure straddles the comparison (not a pass)",
            "vacuous": "no instance met the hypotheses (not a pass)",
            "error": "the check crashed (not a pass)"}.get(s, s)


def strength_counts(reports: Sequence[Report]) -> list[tuple[str, int, str]]:
    """(category, count, remark) for every category, zeros included."""
    c = Counter(strength(r) for r in reports)
    out = []
    for s in STRENGTHS:
        remark = ""
        if s.startswith("statistical"):
            trials = [int(r.details.get("trials") or 0) for r in reports if strength(r) == s]
            if trials:
                lo, hi = min(trials), max(trials)
                remark = f"n = {lo} trials" if lo == hi else f"n = {lo}–{hi} trials"
        out.append((s, c.get(s, 0), remark))
    return out


def find_catalog(catalog_dir: str | Path | None = None) -> Path | None:
    """The catalog directory: the argument, else ``$BOUNDCHECK_CATALOG``, else
    ``../shared/catalog`` beside the repository (or the working directory)."""
    if catalog_dir is not None:
        p = Path(catalog_dir)
        return p if p.is_dir() else None
    env = os.environ.get(CATALOG_ENV)
    if env:
        return Path(env) if Path(env).is_dir() else None
    repo = Path(__file__).resolve().parents[2]
    for cand in (repo.parent / "shared" / "catalog", Path.cwd().parent / "shared" / "catalog",
                 Path.cwd() / "shared" / "catalog"):
        if cand.is_dir():
            return cand
    return None


def catalog_ids(paper: str, catalog: Path | None) -> list[str] | None:
    """Ids from the headings ``### <paper>.<id>`` of ``<catalog>/<paper>.md`` (None when the
    file is absent)."""
    if catalog is None or not (catalog / f"{paper}.md").is_file():
        return None
    pat = re.compile(rf"^###\s+({re.escape(paper)}\.[A-Za-z0-9_]+)")
    ids: list[str] = []
    for line in (catalog / f"{paper}.md").read_text(encoding="utf-8").splitlines():
        m = pat.match(line)
        if m and m.group(1) not in ids:
            ids.append(m.group(1))
    return ids


@dataclass
class Coverage:
    paper: str
    catalog: list[str] | None  # None: catalog not found
    registered: list[str]  # ids audited in this report
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # audited ids not in the catalog

    @property
    def text(self) -> str:
        if self.catalog is None:
            return f"{len(self.registered)} ids (catalog not found)"
        n = len(self.catalog)
        got = n - len(self.missing)
        pct = f" ({100 * got / n:.0f}%)" if n else ""
        return f"{got} / {n} catalog ids{pct}"


def coverage(reports: Sequence[Report], catalog: Path | None,
             papers: Sequence[str] | None = None) -> list[Coverage]:
    """Per paper: catalog ids registered (audited here) / catalog ids. ``papers`` lists the
    papers to show (default: the audited ones)."""
    audited = sorted({r.id.split(".")[0] for r in reports})
    out = []
    for paper in papers or audited:
        reg = sorted({r.id for r in reports if r.id.split(".")[0] == paper})
        cat = catalog_ids(paper, catalog)
        cov = Coverage(paper, cat, reg)
        if cat is not None:
            cov.missing = [i for i in cat if i not in reg]
            cov.extra = [i for i in reg if i not in cat]
        out.append(cov)
    return out


def reproduce_check(rep: Report, meta: dict) -> str:
    """The command that re-runs one result as this audit did."""
    cmd = ["boundcheck", "check", rep.key, "--seed", str(meta.get("seed", 0)),
           "--profile", str(meta.get("profile", "quick")),
           "--backend", str(meta.get("backend", rep.backend))]
    if meta.get("instances"):
        cmd += ["--instances", str(meta["instances"])]
    for k, v in (rep.details.get("overrides") or {}).items():
        cmd += ["--set", f"{k}={json.dumps(v)}"]
    return shlex.join(cmd)


def reproduce_audit(meta: dict, out: str | Path) -> str:
    """The command that reproduces the whole audit."""
    if meta.get("reproduce"):
        return str(meta["reproduce"])
    cmd = ["boundcheck", "audit"]
    if meta.get("paper") not in (None, "all"):
        cmd += ["--paper", str(meta["paper"])]
    if meta.get("profile") == "quick":
        cmd.append("--quick")
    cmd += ["--seed", str(meta.get("seed", 0)), "--backend", str(meta.get("backend", "float64"))]
    if meta.get("instances"):
        cmd += ["--instances", str(meta["instances"])]
    if meta.get("thresholds") is False:
        cmd.append("--no-thresholds")
    cmd += ["--out", str(out)]
    return shlex.join(cmd)


def versions() -> dict[str, str]:
    """Versions of boundcheck and the libraries a verdict depends on."""
    from importlib import metadata

    from boundcheck.version import __version__

    out = {"boundcheck": __version__, "python": platform.python_version()}
    for name in ("numpy", "scipy", "mpmath", "python-flint", "sympy", "latex2mathml",
                 "matplotlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def threshold_text(rep: Report, result: Any = None) -> str:
    """The measured detection threshold, or why there is none."""
    th = rep.details.get("detection_threshold")
    if not th:
        if rep.erratum:
            return "not measured (erratum variant: expected to be refuted as printed)"
        if rep.check_type != "deterministic":
            return (f"not measured for {rep.check_type} checks (their power shows in the "
                    "interval/fit against the printed value)")
        if result is not None and getattr(result, "broken", None) is None:
            return "not measured (no broken variant registered for this result)"
        return ("not measured (thresholds skipped, the result did not pass, or its broken "
                "variant is not a move of a numeric constant)")
    from boundcheck.check.sensitivity import Threshold

    try:
        text = Threshold(**th).describe()
    except (TypeError, ValueError):
        text = fmt_obj(th)
    if th.get("note"):
        text += f" ({th['note']})"
    return text


def instances_text(rep: Report) -> str:
    c = rep.counts
    if rep.check_type == "statistical":
        skipped = c.get("hypotheses_failed", 0)
        return (f"{c.get('trials', 0)} trials met the hypotheses"
                f"{f' ({skipped} draws did not)' if skipped else ''}; "
                f"{c.get('failures', 0)} failures")
    if rep.check_type in ("scaling", "symbolic"):
        return f"{c.get('conclusions_held', 0)} of {c.get('tried', 0)} conditions held"
    und = c.get("hypotheses_undecided", 0)
    return (f"{c.get('hypotheses_held', 0)} of {c.get('tried', 0)} instances met the hypotheses"
            f"{f', {und} undecided' if und else ''}; {c.get('refuted', 0)} refuted, "
            f"{c.get('inconclusive', 0)} inconclusive")


def instances_short(rep: Report) -> str:
    c = rep.counts
    if rep.check_type == "statistical":
        return f"{c.get('failures', 0)} fail / {c.get('trials', 0)} trials"
    if rep.check_type in ("scaling", "symbolic"):
        return f"{c.get('conclusions_held', 0)}/{c.get('tried', 0)} conditions"
    ref = c.get("refuted", 0)
    return (f"{c.get('hypotheses_held', 0)}/{c.get('tried', 0)} met hyp."
            + (f", {ref} refuted" if ref else ""))


def margin_text(rep: Report) -> str:
    t = rep.tightness
    if rep.check_type == "statistical":
        d = rep.details
        iv = d.get("interval") or [t.get("failure_rate_lower"), t.get("failure_rate_upper")]
        return (f"failure rate {fmt_interval(d.get('failure_rate'), iv[0], iv[1])} vs allowed "
                f"δ = {fmt_num(t.get('delta'))}")
    m = t.get("min_relative_margin")
    if m is None:
        return "none (no decided conclusion)"
    where = t.get("where", "")
    scale = t.get("margin_scale")
    rel = f"relative to {scale}" if scale else "relative"
    note = ""
    allowance = t.get("allowance")
    if isinstance(m, float) and m < 0 and str(rep.verdict) in (
            "holds", "holds-numerically", "consistent"):
        note = (f" [negative but within the float64 rounding allowance {fmt_num(allowance)},"
                " which is never counted as slack]" if isinstance(allowance, float)
                and allowance > 0 else " [negative but within the statement's tolerance]")
    return (f"{fmt_num(m)} ({rel}) at instance {where}{note}: {t.get('message', '')}"
            if where not in ("fit", "symbolic") else f"{fmt_num(m)} ({rel}){note}: "
            f"{t.get('message', '')}")


def backend_note(rep: Report) -> str:
    notes = [m for m in rep.messages if "not certifiable" in m]
    if notes:
        return notes[0]
    if rep.details.get("certification"):
        return str(rep.details["certification"])
    if rep.certified:
        return f"checked with the certified {rep.backend} backend"
    return f"checked in {rep.backend} (not a certified backend)"


def error_kind(result: Any, reports: Sequence[Report], rep: Report) -> str:
    """Whether an erratum sits in a statement or only in a proof step."""
    repaired = [x for x in reports if x.id == rep.id and not x.erratum]
    in_proof = result is not None and (
        result.kind == "proof-step" or "proof" in result.source.section.lower()
        or "proof" in result.title.lower())
    if in_proof:
        if repaired and all(x.as_expected for x in repaired):
            return "proof step refuted, conclusion holds (the repaired step passes)"
        return "error in a proof step"
    return "error in the printed statement"


def detail_extras(rep: Report) -> list[tuple[str, str]]:
    """(label, text) rows for fits, constants, equality cases and verdict messages."""
    rows = []
    for k in ("fit", "fits", "empirical_constant", "slack", "equality_case", "strata_rule",
              "detection_threshold_note"):
        if k in rep.details and rep.details[k] is not None:
            rows.append((k.replace("_", " "), fmt_obj(rep.details[k])))
    if rep.messages and not rep.as_expected or str(rep.verdict) in (
            "refuted", "inconsistent", "underpowered", "error", "inconclusive"):
        msgs = [m for m in rep.messages if "not certifiable" not in m][:3]
        if msgs:
            rows.append(("messages", " / ".join(msgs)))
    return rows


# ------------------------------------------------------------------------------ Markdown
def _md_math(latex: str) -> str:
    return f"$`{latex}`$" if "`" not in latex else f"`{latex}`"


def markdown(reports: Sequence[Report], meta: dict | None = None,
             results_by_key: dict | None = None, charts: dict[str, str] | None = None,
             catalog: Path | None = None, out: str | Path = "audit-out",
             figures: dict[str, list[str]] | None = None) -> str:
    """report.md: the same content as the HTML site (overview, errata, one section per
    paper and result)."""
    meta = meta or {}
    by_key = results_by_key or {}
    unexpected = [r for r in reports if not r.as_expected]
    lines = ["# boundcheck audit report", "",
             f"Reproduce: `{reproduce_audit(meta, out)}`", ""]
    env = {**environment(), **meta}
    for k in ("time", "profile", "seed", "backend", "paper", "wall_time_s", "platform"):
        if k in env:
            lines.append(f"- **{k.replace('_s', ' (s)').replace('_', ' ')}**: {env[k]}")
    lines.append("- **versions**: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    lines += ["", "## Coverage", "", "| paper | coverage | results (variants) | as expected |",
              "|---|---|---|---|"]
    cat_found = catalog is not None
    for cov in coverage(reports, catalog, meta.get("papers")):
        reps = [r for r in reports if r.id.split(".")[0] == cov.paper]
        ok = sum(r.as_expected for r in reps)
        lines.append(f"| {cov.paper} | {cov.text} | {len(reps)} | {ok} / {len(reps)} |")
    if not cat_found:
        lines += ["", "catalog not found: coverage against the catalog is not shown (set "
                  f"${CATALOG_ENV} to the catalog directory)."]
    lines += ["", "## Verdicts by strength", "", "| strength | results | |", "|---|---|---|"]
    lines += [f"| {s} | {n} | {remark} |" for s, n, remark in strength_counts(reports)]
    lines += ["", f"{len(reports) - len(unexpected)} of {len(reports)} verdicts as expected. "
              "`vacuous`, `inconclusive`, `underpowered` and `error` never count as passes; "
              "an erratum is expected to be `refuted` (or `inconsistent`) as printed and is "
              "shown beside its repaired variant.", ""]
    lines += ["### Legend", "",
              "- **certified holds / refuted**: decided with enclosures (exact rationals or "
              "balls); **float64**: evidence, not a certificate; **statistical**: a 99% "
              "anytime-valid confidence sequence on the failure rate, drawn until it "
              "separates from δ; **underpowered**: it still contains δ, or (scaling) the "
              "power contrast -- the same test on a family where the claimed scaling is "
              "known to be false -- was not flagged.",
              "- **tightest margin**: the smallest relative slack over all instances, "
              "(rhs − lhs)/|rhs| for ≤ (relative to |lhs| when the bound is 0); a float64 "
              "rounding allowance is never counted as slack.",
              "- **detection threshold**: the smallest move of the result's constant toward a "
              "stronger statement that the check refutes (bisection, same seeds).", ""]
    if unexpected:
        lines += ["### Not as expected", ""]
        lines += [f"- `{r.key}`: **{r.verdict}** — {'; '.join(r.messages[:2])}"
                  for r in unexpected]
        lines.append("")
    errata = [r for r in reports if r.erratum]
    lines += ["## Errata (printed statements under test)", ""]
    if not errata:
        lines += ["No erratum variant in this audit.", ""]
    for r in errata:
        res = by_key.get(r.key)
        fixed = [x for x in reports if x.id == r.id and not x.erratum]
        lines += [f"### {r.key}: {res.title if res else ''}", "",
                  f"- **where**: {res.source if res else r.id}; "
                  f"{error_kind(res, reports, r)}",
                  f"- **printed**: {_md_math(res.statement) if res else ''} — **{r.verdict}** "
                  f"({strength_text(r)})"]
        for x in fixed:
            xr = by_key.get(x.key)
            lines.append(f"- **repaired `{x.key}`**: {_md_math(xr.statement) if xr else ''} — "
                         f"**{x.verdict}** ({strength_text(x)})")
        if not fixed:
            lines.append("- **repaired**: no repaired variant registered")
        if res and res.notes:
            lines.append(f"- **what is wrong, suggested fix**: {res.notes}")
        viol = [m for m in r.messages if "VIOLATED" in m or "lies above" in m][:3]
        if viol:
            lines.append("- **counterexample numbers**: " + " / ".join(f"`{m}`" for m in viol))
        if r.counterexamples:
            lines.append("- **counterexample files**: " + ", ".join(
                f"[{Path(p).name}]({_rel(p, out)})" for p in r.counterexamples))
        lines.append("")
    by_paper: dict[str, list[Report]] = {}
    for r in reports:
        by_paper.setdefault(r.id.split(".")[0], []).append(r)
    for paper, reps in by_paper.items():
        lines += [f"## {paper}", ""]
        if charts and paper in charts:
            lines += [f"![tightest margins, {paper}]({charts[paper]})", ""]
        for fig in (figures or {}).get(paper, []):
            lines += [f"![{Path(fig).stem}]({fig})", ""]
        lines += ["| result | source | verdict | strength | instances | tightest margin |",
                  "|---|---|---|---|---|---|"]
        for r in reps:
            res = by_key.get(r.key)
            mark = "" if r.as_expected else " ⚠"
            lines.append(f"| `{r.key}` | {res.source if res else ''} | **{r.verdict}**{mark} | "
                         f"{strength(r)} | {instances_short(r)} | "
                         f"{_short_margin(r)} |")
        lines.append("")
        for r in reps:
            res = by_key.get(r.key)
            lines += [f"### {r.key}" + (f": {res.title}" if res else ""), ""]
            if res:
                lines.append(f"- **statement**: {_md_math(res.statement)}")
                lines.append(f"- **source**: {res.source} ({res.kind})")
            lines += [f"- **verdict**: **{r.verdict}** — {strength_text(r)}"
                      + ("" if r.as_expected else " ⚠ not as expected"),
                      f"- **instances**: {instances_text(r)}",
                      f"- **tightest margin**: {margin_text(r)}",
                      f"- **detection threshold**: {threshold_text(r, res)}",
                      f"- **backend**: {backend_note(r)}"]
            for label, text in detail_extras(r):
                lines.append(f"- **{label}**: {text}")
            if res and res.notes:
                lines.append(f"- **notes**: {res.notes}")
            lines.append(f"- **reproduce**: `{reproduce_check(r, meta)}`")
            if r.counterexamples:
                lines.append("- **counterexamples**: " + ", ".join(
                    f"[{Path(p).name}]({_rel(p, out)})" for p in r.counterexamples))
            if r.details.get("verifiers"):
                lines.append("- **standalone verifiers**: " + ", ".join(
                    f"[{Path(p).name}]({_rel(p, out)})" for p in r.details["verifiers"]))
            lines.append("")
    return "\n".join(lines)


def _short_margin(r: Report) -> str:
    if r.check_type == "statistical":
        t = r.tightness
        return (f"rate ≤ {fmt_num(t.get('failure_rate_upper'))} vs δ = "
                f"{fmt_num(t.get('delta'))}")
    return fmt_num(r.tightness.get("min_relative_margin")) or "—"


def _rel(path: str | Path, out: str | Path) -> str:
    """``path`` relative to the report directory, with forward slashes."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(out).resolve())).as_posix()
    except ValueError:  # another drive
        return Path(path).resolve().as_uri()
