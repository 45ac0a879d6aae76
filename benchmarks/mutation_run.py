"""Planted wrong statements: how many does the quick audit catch? (issue 9's mutation run)

    python benchmarks/mutation_run.py [--paper P] [--limit N] [--hunt B] [--json out.json]

``--hunt B`` runs each mutant as ``audit --hunt B`` does: a CMA-ES hunt of B float64
evaluations for the mutant's tightest instance, judged with the sampled ones.

Every deterministic, non-erratum result registered gets up to three mutants, each a false
variant of the statement built from the registered ``Result`` in memory (the same effect as
patching its line in ``theorems/``, without touching the tree):

* ``flip-all``  -- every conclusion's relation reversed (``<=`` -> ``>``, ``<`` -> ``>=``;
  an equality ``a == b`` becomes ``a == 1.001 b + 1e-3``); false wherever the original held
  with slack on an instance meeting the hypotheses;
* ``flip-one``  -- only the first conclusion reversed;
* ``tighten``   -- the result's constant moved by twice its detection threshold in the
  stronger direction (:mod:`boundcheck.check.sensitivity`).

A mutant is *caught* when its verdict is not a pass (``refuted``, ``inconclusive``,
``vacuous``, ``error`` all fail an audit); the table also counts outright refutations.
Statistical and
scaling results are not mutated here: whether a tightened δ is false depends on the unknown
true rate. Not a test: run it by hand (minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boundcheck.check.harness import run_result  # noqa: E402
from boundcheck.check.registry import all_results  # noqa: E402
from boundcheck.check.result import Deterministic, Result  # noqa: E402
from boundcheck.check.sensitivity import detection_threshold  # noqa: E402
from boundcheck.check.verdict import PASSING, Condition, Verdict  # noqa: E402

FLIP = {"<=": ">", "<": ">=", ">=": "<", ">": "<="}


def _flipped(cond: Condition, ops) -> Condition:
    if cond.rel == "==":  # no "!=": the equality is shifted by 0.1% + 1e-3 instead
        shifted = cond.rhs * ops.scalar(1.001) + ops.scalar(1e-3)
        return replace(cond, rhs=shifted, float_tol=0.0)
    return replace(cond, rel=FLIP[cond.rel], float_tol=0.0)


def flip_mutant(r: Result, which: str) -> Result:
    chk: Deterministic = r.check

    def conclusions(inst, ops, p):
        conds = list(chk.conclusions(inst, ops, p))
        if which == "all":
            return [_flipped(c, ops) for c in conds]
        return [_flipped(conds[0], ops), *conds[1:]] if conds else conds

    return replace(r, check=replace(chk, conclusions=conclusions))


def mutants(r: Result) -> list[tuple[str, Result, dict | None]]:
    out: list[tuple[str, Result, dict | None]] = [
        ("flip-all", flip_mutant(r, "all"), None), ("flip-one", flip_mutant(r, "one"), None)]
    th = detection_threshold(r)
    if th is not None and th.refuted_at is not None:
        scale = abs(th.printed) if th.printed != 0 else abs(th.broken)
        move = min(2 * th.refuted_at, abs(th.broken - th.printed) / scale)
        out.append(("tighten", r, {th.param: th.printed + th.direction * move * scale}))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paper")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--hunt", type=int, default=0, help="falsifier budget per mutant")
    ap.add_argument("--keys", nargs="*", default=None, help="only these result keys")
    args = ap.parse_args(argv)
    rows = []
    t0 = time.monotonic()
    results = [r for r in all_results(args.paper)
               if isinstance(r.check, Deterministic) and not r.erratum
               and (args.keys is None or r.key in args.keys)]
    for r in results[: args.limit]:
        base = run_result(r, profile="quick")
        if base.verdict not in PASSING:
            continue  # only mutate statements that pass as encoded
        for kind, m, overrides in mutants(r):
            rep = run_result(m, profile="quick", overrides=overrides,
                             hunt_budget=args.hunt if m.searchable else 0)
            rows.append({"key": r.key, "mutant": kind, "verdict": str(rep.verdict),
                         "caught": rep.verdict not in PASSING,
                         "refuted": rep.verdict is Verdict.REFUTED,
                         "overrides": overrides,
                         "hunt_found": (rep.details.get("hunt") or {}).get("tightest_score")})
            print(f"{r.key:<34} {kind:<9} {rep.verdict}", flush=True)
    by_paper: dict[str, list[dict]] = {}
    for row in rows:
        by_paper.setdefault(row["key"].split(".")[0], []).append(row)
    print("\n| paper | mutants | caught | refuted | survivors |\n|---|---|---|---|---|")
    for paper, rs in sorted(by_paper.items()):
        surv = [f"{x['key']}:{x['mutant']}" for x in rs if not x["caught"]]
        print(f"| {paper} | {len(rs)} | {sum(x['caught'] for x in rs)} | "
              f"{sum(x['refuted'] for x in rs)} | {', '.join(surv) or '—'} |")
    total, caught = len(rows), sum(x["caught"] for x in rows)
    print(f"\n{caught}/{total} mutants caught ({100 * caught / max(total, 1):.1f}%) "
          f"in {time.monotonic() - t0:.0f} s")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
