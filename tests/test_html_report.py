"""The HTML audit report on a small synthetic results set (fast, no browser): math
elements, links that resolve, counts, coverage against a catalog, the reused --out."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from boundcheck.check.harness import Report
from boundcheck.check.result import Deterministic, Result, Source
from boundcheck.check.verdict import Verdict
from boundcheck.output import html_report, report

_DET = Deterministic(sample=lambda rng, p: {}, hypotheses=lambda i, o, p: [],
                     conclusions=lambda i, o, p: [])


def _result(key: str, statement: str, erratum: bool = False, kind: str = "lemma",
            section: str = "Sec. 2", notes: str = "") -> Result:
    id_, _, variant = key.partition("[")
    return Result(id=id_, title=f"title of {key}", source=Source("toy", section, "eq. (3)"),
                  statement=statement, kind=kind, check=_DET, erratum=erratum,
                  variant=variant.rstrip("]") or "printed", notes=notes or f"notes of {key}")


def _rep(key: str, verdict: Verdict, check_type: str = "deterministic", certified=False,
         erratum=False, **kw) -> Report:
    id_, _, variant = key.partition("[")
    return Report(id=id_, key=key, variant=variant.rstrip("]") or "printed", erratum=erratum,
                  check_type=check_type, verdict=verdict,
                  backend="ball" if certified else "float64", certified=certified, **kw)


def _det_counts(held: int, refuted: int = 0) -> dict:
    return dict(tried=held + 1, hypotheses_held=held, hypotheses_failed=1,
                conclusions_held=held - refuted, refuted=refuted, inconclusive=0, errors=0)


@pytest.fixture()
def site(tmp_path: Path) -> dict:
    out = tmp_path / "out"
    cx = out / "counterexamples"
    cx.mkdir(parents=True)
    cx_file = cx / "toy.c-0_1.json"
    cx_file.write_text(json.dumps({"format": "boundcheck-counterexample/1", "key": "toy.c",
                                   "violations": ["x <= 1: lhs=1.5 <= rhs=1 VIOLATED"]}))
    stale = cx / "toy.old-0_0.json"  # left by an earlier audit: no report refers to it
    stale.write_text("{}")
    results = [
        _result("toy.a", r"\|W\|_F^2\le\tfrac12\sigma_{\min}(A)"),
        _result("toy.b", r"a<b\ \&\ c>d"),
        _result("toy.c", r"x\le1", erratum=True, kind="proof-step", section="proof of Lemma 2",
                notes="the printed constant 1 should be 2"),
        _result("toy.c[repaired]", r"x\le2"),
        _result("toy.d", r"\Pr[X>t]\le\delta"),
        _result("toy.e", r"\Pr[Y>t]\le\delta"),
        _result("toy.f", r"y\RightarrowW"),  # an unknown command: shown as LaTeX source
        _result("toy.g", r"z=0"),
        _result("toy.h", r"w\ge0"),
    ]
    margin = dict(min_relative_margin=0.481234567, where="0:3",
                  message="x <= 1: lhs=0.5 <= rhs=1 holds")
    reports = [
        _rep("toy.a", Verdict.HOLDS, certified=True, counts=_det_counts(5), tightness=margin,
             details={"arithmetic": {"arb-128": 5},
                      "detection_threshold": {"param": "c", "printed": 1.0, "broken": 2.0,
                                              "direction": 1, "refuted_at": 0.03,
                                              "held_at": 0.02, "runs": 6}}),
        _rep("toy.b", Verdict.HOLDS_NUMERICALLY, counts=_det_counts(4), tightness=margin,
             messages=["toy.b is not certifiable (it computes outside the backend "
                       "vocabulary); evaluated in float64 instead of ball"],
             details={"certification": "not certifiable: float64",
                      "fit": {"exponent": 0.4812, "exponent_ci": [0.4512, 0.5123]}}),
        _rep("toy.c", Verdict.REFUTED, erratum=True, counts=_det_counts(3, 1),
             tightness={"min_relative_margin": -0.5, "where": "0:1"},
             counterexamples=[str(cx_file)],
             messages=["x <= 1: lhs=1.5 <= rhs=1 VIOLATED (margin=-0.5) [seed 0:1; float64]"]),
        _rep("toy.c[repaired]", Verdict.HOLDS_NUMERICALLY, counts=_det_counts(3),
             tightness=margin),
        _rep("toy.d", Verdict.CONSISTENT, "statistical", counts=dict(trials=400, failures=3),
             tightness={"failure_rate_upper": 0.03, "failure_rate_lower": 0.001,
                        "delta": 0.1},
             details={"trials": 400, "failure_rate": 0.0075, "interval": [0.001, 0.03],
                      "confidence": 0.99, "delta": 0.1}),
        _rep("toy.e", Verdict.UNDERPOWERED, "statistical", counts=dict(trials=50, failures=5),
             tightness={"failure_rate_upper": 0.3, "failure_rate_lower": 0.02,
                        "delta": 0.1},
             details={"trials": 50, "failure_rate": 0.1, "interval": [0.02, 0.3],
                      "confidence": 0.99, "delta": 0.1}),
        _rep("toy.f", Verdict.VACUOUS, counts=_det_counts(0)),
        _rep("toy.g", Verdict.ERROR, messages=["ValueError: boom"]),
        _rep("toy.h", Verdict.INCONCLUSIVE, counts=_det_counts(2)),
    ]
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "toy.md").write_text("# toy\n### Conventions\n### toy.a — A\ntext\n"
                                    "### toy.b (= b2) — B\n### toy.c — C\n### toy.d — D\n"
                                    "### toy.z — never encoded\n### toy.a — repeated\n")
    (out / "margins-toy.png").write_bytes(b"\x89PNG fake")
    fig = tmp_path / "toy-fig1.png"
    fig.write_bytes(b"\x89PNG fake figure")
    meta = {"command": "audit", "profile": "quick", "seed": 7, "backend": "float64",
            "paper": "toy", "wall_time_s": 12.5}
    index = html_report.write_site(out, reports, meta, {r.key: r for r in results},
                                   {"toy": "margins-toy.png"}, catalog_dir=catalog,
                                   figures={"toy": [fig]})
    return {"out": out, "index": index, "reports": reports, "results": results,
            "stale": stale, "cx": cx_file, "catalog": catalog, "meta": meta}


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for name in ("href", "src"):
            if a.get(name):
                self.refs.append(a[name])


def _parse(path: Path) -> _Refs:
    p = _Refs()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_pages_written_and_every_local_link_resolves(site):
    out = site["out"]
    pages = sorted(out.glob("*.html"))
    assert {p.name for p in pages} == {"index.html", "errata.html", "paper-toy.html"}
    checked = 0
    for page in pages:
        for ref in _parse(page).refs:
            assert not ref.startswith(("http:", "https:", "//")), (page, ref)  # no network
            target, _, frag = ref.partition("#")
            dest = (out / target) if target else page
            assert dest.exists(), (page.name, ref)
            if frag and dest.suffix == ".html":
                assert frag in _parse(dest).ids, (page.name, ref)
            checked += 1
    assert checked > 20
    paper = (out / "paper-toy.html").read_text()
    assert 'src="margins-toy.png"' in paper
    assert f'src="{html_report.FIGURE_DIR}/toy-fig1.png"' in paper
    assert (out / html_report.FIGURE_DIR / "toy-fig1.png").exists()
    assert 'href="counterexamples/toy.c-0_1.json"' in paper
    assert "<script" not in paper


def test_statements_render_as_mathml_with_a_source_fallback(site):
    paper = (site["out"] / "paper-toy.html").read_text()
    n_math = paper.count("<math ")
    assert n_math == len(site["results"]) - 1  # every statement but the broken one
    assert "<mfrac>" in paper and "<msub>" in paper
    assert '<code class="latex"' in paper and r"y\RightarrowW" in paper
    # a "<" in a statement never leaks into the markup unescaped
    assert "a<b" not in paper.replace("<mi>a</mi><mo>&lt;</mo><mi>b</mi>", "")
    for bad in ("", r"\frac{", "}", "\\", r"\begin{matrix}", "<script>x</script>"):
        out = html_report.to_mathml(bad)
        assert out.startswith(("<math", "<code")), bad
        assert "<script>" not in out


def test_long_statements_break_into_lines_at_top_level_clauses():
    long = (r"\forall t\ge1:\ \mathrm{sign}\,W_j(t)\text{ common};\ 2\le B(t)<C(t),\ "
            r"B(1)=\tfrac{\min\{\eta,1\}}{10}A,\ C(1)=\max\{\eta,1\}A,\ "
            r"B(t+1)=9C(t),\ C(t+1)=\eta C(t)^{2N-1}")
    assert "".join(html_report._clauses(long)) == long
    assert html_report._clauses(r"a_{x,\ y},\ b") == [r"a_{x,\ y},\ ", "b"]  # not in {}
    out = html_report.statement_html(long, width=60)
    assert out.count("<math ") >= 2 and "<code" not in out
    assert html_report.statement_html(r"x\le1").count("<math ") == 1


def test_overview_counts_coverage_versions_and_reproduce(site):
    idx = site["index"].read_text()
    counts = dict(re.findall(r"</span> ([a-z0-9 -]+)</td><td class=\"num\">(\d+)</td>", idx))
    assert set(counts) == set(report.STRENGTHS)
    assert counts["certified holds"] == "1"
    assert counts["float64 holds-numerically"] == "2"
    assert counts["float64 refuted"] == "1" and counts["certified refuted"] == "0"
    assert counts["statistical consistent"] == "1"
    assert counts["underpowered"] == "1" and counts["vacuous"] == "1"
    assert counts["error"] == "1" and counts["inconclusive"] == "1"
    assert sum(map(int, counts.values())) == len(site["reports"])
    assert "n = 400 trials" in idx
    # catalog: ids toy.a, toy.b, toy.c, toy.d, toy.z; toy.a..toy.h audited
    assert "4 / 5 catalog ids (80%)" in idx
    paper = (site["out"] / "paper-toy.html").read_text()
    assert "not yet encoded: <span class=\"muted\">toy.z</span>" in paper
    assert "not catalog headings: <span class=\"muted\">toy.e, toy.f, toy.g, toy.h</span>" in paper
    assert "boundcheck audit --paper toy --quick --seed 7 --backend float64 --out" in idx
    assert "12.5 s" in idx and "latex2mathml" in idx and "boundcheck 0." in idx
    assert "Errata found: 1 of 1" in idx
    assert "<b>5 of 9</b>" in idx  # as expected: a, b, c (erratum refuted), c[repaired], d


def test_result_cards_carry_every_field(site):
    paper = (site["out"] / "paper-toy.html").read_text()
    card = paper[paper.index('id="toy.a"'):paper.index('id="toy.b"')]
    for text in ("toy Sec. 2, eq. (3) (lemma)", "certified (ball backend; arb-128 ×5)",
                 "5 of 6 instances met the hypotheses", "0.481 (relative) at instance 0:3",
                 "c: catches a 3% stronger constant (not 2%)", "notes of toy.a",
                 "boundcheck check toy.a --seed 7 --profile quick --backend float64"):
        assert text in card, text
    card_b = paper[paper.index('id="toy.b"'):paper.index('id="toy.c"')]
    assert "not certifiable" in card_b and "exponent 0.481 [0.451, 0.512]" in card_b
    assert "failure rate 0.0075 [0.001, 0.03] vs allowed δ = 0.1" in paper
    assert "boundcheck check &#x27;toy.c[repaired]&#x27;" in paper  # shell-quoted


def test_errata_page_shows_printed_beside_repaired_with_numbers(site):
    er = (site["out"] / "errata.html").read_text()
    sec = er[er.index('id="toy.c"'):]
    assert sec.index("As printed") < sec.index("Repaired: repaired")
    assert sec.count("<math ") == 2
    assert "proof step refuted, conclusion holds" in sec
    assert "the printed constant 1 should be 2" in sec
    assert "lhs=1.5 &lt;= rhs=1 VIOLATED" in sec
    assert 'href="counterexamples/toy.c-0_1.json"' in sec


def test_markdown_has_the_same_content(site):
    md = (site["out"] / "report.md").read_text()
    for text in ("4 / 5 catalog ids (80%)", "| certified holds | 1 |", "## toy",
                 r"$`\|W\|_F^2\le\tfrac12\sigma_{\min}(A)`$", "notes of toy.a",
                 "`boundcheck check toy.a --seed 7 --profile quick --backend float64`",
                 "(counterexamples/toy.c-0_1.json)", "![tightest margins, toy](margins-toy.png)",
                 "proof step refuted, conclusion holds", "exponent 0.481 [0.451, 0.512]"):
        assert text in md, text


def test_stale_files_are_cleared_and_unrelated_ones_kept(site, tmp_path):
    out = site["out"]
    assert not site["stale"].exists() and site["cx"].exists()  # pruned / kept
    (out / "paper-old.html").write_text(f"<html>{html_report.GENERATOR}</html>")
    (out / "margins-old.png").write_bytes(b"x")
    (out / "notes.html").write_text("<html>the user's own page</html>")
    (out / "store.sqlite").write_bytes(b"x")
    removed = html_report.clear_report_files(out)
    names = {p.name for p in removed}
    assert {"index.html", "errata.html", "paper-toy.html", "paper-old.html", "report.md",
            "margins-old.png", "margins-toy.png", html_report.FIGURE_DIR} <= names
    assert (out / "notes.html").exists() and (out / "store.sqlite").exists()


def test_catalog_not_found_degrades(site, tmp_path, monkeypatch):
    monkeypatch.setenv(report.CATALOG_ENV, str(tmp_path / "nowhere"))
    out = tmp_path / "o2"
    html_report.write_site(out, site["reports"][:2], site["meta"],
                           {r.key: r for r in site["results"]})
    idx = (out / "index.html").read_text()
    assert "catalog not found" in idx and "2 ids (catalog not found)" in idx
    assert report.catalog_ids("toy", site["catalog"]) == ["toy.a", "toy.b", "toy.c", "toy.d",
                                                          "toy.z"]


def test_numbers_at_reading_precision():
    assert report.fmt_interval(0.4812345, 0.45123, 0.5123) == "0.481 [0.451, 0.512]"
    assert report.fmt_obj({"rate": 1.23456789, "rate_ci": [1.1, 1.4], "n": 3}) == \
        "{rate 1.23 [1.1, 1.4], n: 3}"


def test_audit_command_writes_the_site_and_clears_old_files(tmp_path, monkeypatch):
    from boundcheck import cli
    from boundcheck.check import registry

    keys = ["acgh19.proc1[appE_literal]", "acgh19.proc1[appE_repaired]", "acgh19.lem12"]
    monkeypatch.setattr(registry, "all_results",
                        lambda paper=None: [registry.get(k) for k in keys])
    out = tmp_path / "audit"
    out.mkdir()
    (out / "paper-hxp20.html").write_text(f"<html>{html_report.GENERATOR}</html>")
    (out / "margins-hxp20.png").write_bytes(b"x")
    (out / "counterexamples").mkdir()
    (out / "counterexamples" / "hxp20.old-0_0.json").write_text("{}")
    assert cli.main(["audit", "--quick", "--out", str(out), "--quiet", "--fresh",
                     "--workers", "1", "--no-thresholds"]) == 0
    assert (out / "index.html").exists() and (out / "report.md").exists()
    assert (out / "paper-acgh19.html").exists() and (out / "errata.html").exists()
    assert not (out / "paper-hxp20.html").exists() and not (out / "margins-hxp20.png").exists()
    assert not (out / "counterexamples" / "hxp20.old-0_0.json").exists()
    data = json.loads((out / "results.json").read_text())
    files = [p for r in data["results"] for p in r["counterexamples"]]
    assert files and all(Path(p).exists() for p in files)
    er = (out / "errata.html").read_text()
    assert "acgh19.proc1[appE_literal]" in er and "<math " in er
