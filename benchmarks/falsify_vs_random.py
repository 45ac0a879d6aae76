"""Tightest normalized margin, random sampling vs the falsifier, at the same budget.

    python benchmarks/falsify_vs_random.py --paper hxp20 --budget 100 [--seed 0]
    python benchmarks/falsify_vs_random.py --from-scratch --budget 200

The first form prints one row per searchable deterministic result (erratum variants
included) and a per-paper summary: falsifier <= random, falsifier < random, exact ties and
ties in float noise (both margins within ``NOISE`` of 0: two float residues of an identity,
neither a win nor a loss of the search; they are still in the plain <= and < counts). Both
methods get ``--budget`` evaluations counted identically (every sampler call is one; the
falsifier's first ``SEEDED_FRAC`` of them are the random run's first draws, reused rather
than recomputed). ``--max-eval-s`` moves results whose single evaluation takes longer to
``--slow-budget``.

``--from-scratch``: every deterministic erratum the audit refutes, with the sampler's
hand-written adversarial modes off (``adversarial_modes=False`` where the result has that
parameter), through :func:`boundcheck.check.falsify.falsify` with the ball backend:
evaluations to the first violation for random and falsifier, whether a certified
counterexample was written, and whether ``recheck`` confirms it. Not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boundcheck.check import registry  # noqa: E402
from boundcheck.check.falsify import (  # noqa: E402
    SEEDED_FRAC,
    cma_search,
    falsify,
    random_run,
)
from boundcheck.check.harness import recheck, run_result  # noqa: E402
from boundcheck.check.result import Deterministic  # noqa: E402
from boundcheck.check.verdict import Verdict  # noqa: E402

#: margins at most this on a result the audit does not refute are float residues (a float64
#: "violation" within the harness's rounding allowance, e.g. an identity err <= 0 scoring
#: -1e-16, -1 or -7e4 by the relative measure)
NOISE = 1e-12


def classify(rnd: float, fal: float, erratum: bool) -> str:
    """win / loss / tie (equal margins) / noise (unequal, both float residues of a statement
    that holds: neither a win nor a loss of the search)."""
    if fal == rnd:
        return "tie"
    if not erratum and fal <= NOISE and rnd <= NOISE:
        return "noise"
    return "win" if fal < rnd else "loss"


def _eval_seconds(r, p, seed: int) -> float:
    t0 = time.perf_counter()
    random_run(r, p, 1, seed)
    return time.perf_counter() - t0


def table(a: argparse.Namespace) -> int:
    results = [r for r in registry.all_results(a.paper) if isinstance(r.check, Deterministic)
               and r.searchable and (a.only is None or r.key in a.only)]
    print(f"seed {a.seed}, budget {a.budget} (slower than {a.max_eval_s} s per evaluation: "
          f"{a.slow_budget}), seeded share {SEEDED_FRAC}, method {a.method}\n")
    print("| result | B | random | falsifier | outcome | 1st violation (rnd / fal) | s |")
    print("|---|---|---|---|---|---|---|")
    per: dict[str, dict[str, int]] = {}
    for r in results:
        p = r.resolve_params("quick")
        t0 = time.monotonic()
        budget = a.budget if _eval_seconds(r, p, a.seed) <= a.max_eval_s else a.slow_budget
        n_seeded = min(budget, max(1, int(SEEDED_FRAC * budget)))
        run = random_run(r, p, budget, a.seed, top_n=n_seeded)
        fal = cma_search(r, p, budget, a.seed, prefix=run, method=a.method)
        rnd = run.best
        out = classify(rnd.score, fal.score, r.erratum)
        c = per.setdefault(r.source.paper, dict(n=0, le=0, lt=0, tie=0, noise=0, win=0, B=set()))
        c["n"] += 1
        c["le"] += fal.score <= rnd.score
        c["lt"] += fal.score < rnd.score
        c["tie"] += out == "tie"
        c["noise"] += out == "noise"
        c["win"] += out == "win"
        c["B"].add(budget)
        print(f"| {r.key} | {budget} | {rnd.score:.4g} | {fal.score:.4g} | {out} | "
              f"{rnd.evals_to_violation or '-'} / {fal.evals_to_violation or '-'} | "
              f"{time.monotonic() - t0:.1f} |", flush=True)
    _summary(per)
    return 0


def _summary(per: dict[str, dict]) -> None:
    print("\n| paper | results | B | falsifier <= random | falsifier < random | exact ties | "
          "float-noise ties | wins among the rest |")
    print("|---|---|---|---|---|---|---|---|")
    tot = dict(n=0, le=0, lt=0, tie=0, noise=0, win=0, B=set())
    for paper, c in sorted(per.items()):
        _row(paper, c)
        for k in ("n", "le", "lt", "tie", "noise", "win"):
            tot[k] += c[k]
        tot["B"] |= c["B"]
    _row("total", tot)


def _row(name: str, c: dict) -> None:
    n = max(1, c["n"])
    rest = c["n"] - c["tie"] - c["noise"]
    print(f"| {name} | {c['n']} | {'/'.join(str(b) for b in sorted(c['B']))} | "
          f"{c['le']} ({100 * c['le'] / n:.0f} %) | {c['lt']} ({100 * c['lt'] / n:.0f} %) | "
          f"{c['tie']} | {c['noise']} | {c['win']}/{rest} |", flush=True)


def summarize(path: str) -> int:
    """The per-paper summary of a table this script printed (rows re-classified with the
    current rule; exact ties are taken from the printed outcome, margins from the row)."""
    per: dict[str, dict] = {}
    for line in Path(path).read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or cells[1] in ("B", "---") or not cells[1].isdigit():
            continue
        key, budget, rnd, fal, printed = cells[0], int(cells[1]), float(cells[2]), \
            float(cells[3]), cells[4]
        # the printed outcome holds the exact order (the printed margins are rounded)
        le = printed in ("tie", "win") or (printed == "noise" and fal <= rnd)
        lt = printed == "win" or (printed == "noise" and fal < rnd)
        out = printed if printed == "tie" else classify(rnd, fal, registry.get(key).erratum)
        if out in ("win", "loss"):
            out = "win" if lt else "loss"
        c = per.setdefault(key.split(".")[0], dict(n=0, le=0, lt=0, tie=0, noise=0, win=0,
                                                   B=set()))
        c["n"] += 1
        c["le"] += le
        c["lt"] += lt
        c["tie"] += out == "tie"
        c["noise"] += out == "noise"
        c["win"] += out == "win"
        c["B"].add(budget)
    _summary(per)
    return 0


def from_scratch(a: argparse.Namespace) -> int:
    """The refuted deterministic errata with the samplers' special modes off."""
    results = [r for r in registry.all_results(a.paper) if isinstance(r.check, Deterministic)
               and r.erratum and r.searchable and (a.only is None or r.key in a.only)]
    print(f"seed {a.seed}, budget {a.budget} per method, ball backend\n")
    print("| erratum | special modes off | random: 1st violation | falsifier: 1st violation "
          "| certified counterexample | recheck | s |")
    print("|---|---|---|---|---|---|---|")
    out_dir = Path(tempfile.mkdtemp(prefix="fromscratch-"))
    for r in results:
        if run_result(r, backend="float64").verdict is not Verdict.REFUTED:
            continue  # not refuted by the audit today
        t0 = time.monotonic()
        has = "adversarial_modes" in r.params
        over = {"adversarial_modes": False} if has else None
        rep = falsify(r, budget=a.budget, seed=a.seed, out=out_dir, overrides=over,
                      backend="ball")
        rc = "-"
        if rep.counterexample:
            chk = recheck(rep.counterexample, backend="ball")
            rc = f"{chk.verdict.value}{' (certified)' if chk.certified else ''}"
        cert = ("yes" if rep.certified else "float64 only") if rep.refuted else "no"
        print(f"| {r.key} | {'yes' if has else 'none in sampler'} | "
              f"{rep.random.evals_to_violation or f'none in {a.budget}'} | "
              f"{rep.falsifier.evals_to_violation or f'none in {a.budget}'} | {cert} | {rc} | "
              f"{time.monotonic() - t0:.1f} |", flush=True)
    print(f"\ncounterexamples in {out_dir}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paper", default=None)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--slow-budget", type=int, default=30,
                    help="budget of results slower than --max-eval-s per evaluation")
    ap.add_argument("--max-eval-s", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--method", default="es", choices=["es", "cma"])
    ap.add_argument("--only", nargs="*", default=None, help="result keys")
    ap.add_argument("--from-scratch", action="store_true",
                    help="the refuted errata with the samplers' adversarial modes off")
    ap.add_argument("--summarize", metavar="FILE", default=None,
                    help="only the per-paper summary of a table printed earlier")
    a = ap.parse_args()
    if a.summarize:
        return summarize(a.summarize)
    return from_scratch(a) if a.from_scratch else table(a)


if __name__ == "__main__":
    sys.exit(main())
