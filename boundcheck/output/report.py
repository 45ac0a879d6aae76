"""Audit reports: a verdict table for the terminal, ``results.json`` and ``report.md``."""

from __future__ import annotations

import json
import platform
import time
from collections import Counter
from collections.abc import Sequence
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


def markdown(reports: Sequence[Report], meta: dict | None = None,
             results_by_key: dict | None = None, charts: dict[str, str] | None = None) -> str:
    meta = meta or {}
    counts = Counter(str(r.verdict) for r in reports)
    unexpected = [r for r in reports if not r.as_expected]
    lines = ["# boundcheck audit report", ""]
    for k, v in {**environment(), **meta}.items():
        lines.append(f"- **{k}**: {v}")
    lines += ["", "## Summary", "",
              "| verdict | results |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(counts.items())]
    lines += ["", f"{len(reports) - len(unexpected)} of {len(reports)} verdicts as expected. "
              "`vacuous` and `inconclusive` never count as passes; an erratum is expected to "
              "be `refuted` (or `inconsistent`) as printed and is shown beside its repaired "
              "variant.", ""]
    lines += ["### Legend", "",
              "- **holds**: certified by enclosures; **holds-numerically**: float64 only; "
              "**refuted**: a counterexample (certified when the backend is); "
              "**consistent / inconsistent**: the interval lies wholly below / above the "
              "allowed value (statistical checks use a 99% anytime-valid confidence sequence, "
              "drawing trials until it separates); **underpowered**: the interval still "
              "contains it; **vacuous**, **inconclusive**, **underpowered**, **error** are "
              "never passes.",
              "- **tightest rel. margin**: the smallest relative slack over all instances, "
              "(rhs − lhs)/|rhs| for ≤, (lhs − rhs)/|rhs| for ≥, (tol − |lhs − rhs|)/|rhs| "
              "for =; relative to |lhs| when the bound is 0. A float64 rounding allowance "
              "is never counted as slack (certified backends never use one).",
              "- **detection threshold**: the smallest relative move of the result's "
              "constant toward a stronger statement that the check refutes (bisection, same "
              "seeds); large thresholds mean the instances do not reach the bound.", ""]
    if unexpected:
        lines += ["### Not as expected", ""]
        lines += [f"- `{r.key}`: **{r.verdict}** — {'; '.join(r.messages[:2])}" for r in unexpected]
        lines.append("")
    errata = [r for r in reports if r.erratum]
    if errata:
        lines += ["## Errata (printed statements under test)", "",
                  "| result | printed verdict | repaired variant | verdict |", "|---|---|---|---|"]
        for r in errata:
            rep_v = [x for x in reports if x.id == r.id and not x.erratum]
            lines.append(f"| `{r.key}` | {r.verdict} | "
                         f"{', '.join('`' + x.key + '`' for x in rep_v) or '—'} | "
                         f"{', '.join(str(x.verdict) for x in rep_v) or '—'} |")
        lines.append("")
    by_paper: dict[str, list[Report]] = {}
    for r in reports:
        by_paper.setdefault(r.id.split(".")[0], []).append(r)
    for paper, reps in by_paper.items():
        lines += [f"## {paper}", ""]
        if charts and paper in charts:
            lines += [f"![tightest margins, {paper}]({charts[paper]})", ""]
        lines += [
                  "| result | source | check | verdict | met hyp / tried | refuted | "
                  "tightest rel. margin | backend | time (s) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in reps:
            src = ""
            if results_by_key and r.key in results_by_key:
                src = str(results_by_key[r.key].source)
            c = r.counts
            if r.check_type == "statistical":
                met = f"{c.get('failures', 0)} fail / {c.get('trials', 0)}"
            else:
                met = f"{c.get('hypotheses_held', 0)} / {c.get('tried', 0)}"
            if r.check_type == "statistical":
                up = r.tightness.get("failure_rate_upper")
                tight = f"fail-rate CI ≤ {_fmt(up)} (δ={_fmt(r.tightness.get('delta'))})"
            else:
                tight = r.tightness.get("min_relative_margin")
            mark = "" if r.as_expected else " ⚠"
            lines.append(f"| `{r.key}` | {src} | {r.check_type} | **{r.verdict}**{mark} | {met} |"
                         f" {c.get('refuted', 0)} | {_fmt(tight)} | {r.backend} |"
                         f" {r.elapsed:.2f} |")
        lines.append("")
        for r in reps:
            extra = []
            if r.tightness.get("message"):
                extra.append(f"tightest: `{r.tightness['message']}`")
            if r.check_type == "statistical":
                d = r.details
                extra.append(f"failure rate {_fmt(d.get('failure_rate'))}, "
                             f"{_fmt(d.get('confidence'))} CI {d.get('interval')}, "
                             f"delta {_fmt(d.get('delta'))}, trials {d.get('trials')}")
            for k in ("fit", "fits", "empirical_constant", "slack"):
                if k in r.details:
                    extra.append(f"{k}: `{json.dumps(r.details[k], default=str)[:400]}`")
            th = r.details.get("detection_threshold")
            if th:
                ref = th.get("refuted_at")
                way = ("of the way to the broken variant" if th.get("mode") == "fraction"
                       else "stronger")
                text = (f"{th['param']} broken value not refuted" if ref is None else
                        f"{th['param']} {100 * ref:.3g}% {way} is refuted, "
                        f"{100 * th['held_at']:.3g}% is not")
                if th.get("note"):
                    text += f" — {th['note']}"
                extra.append("detection threshold: " + text)
            if r.counterexamples:
                extra.append("counterexamples: " + ", ".join(f"`{p}`" for p in r.counterexamples))
            if r.messages and not r.as_expected:
                extra.append("messages: " + " / ".join(r.messages[:3]))
            if extra:
                lines.append(f"- `{r.key}`: " + "; ".join(extra))
        lines.append("")
    return "\n".join(lines)
