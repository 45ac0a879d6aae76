"""Tightest normalized margin, random sampling vs the falsifier, at the same budget.

    python benchmarks/falsify_vs_random.py --paper hxp20 --budget 200 [--seed 0]

Prints a markdown table, one row per deterministic result (erratum variants included), with
evaluations to first violation when one is found. Not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boundcheck.check import registry  # noqa: E402
from boundcheck.check.falsify import cma_search, random_search  # noqa: E402
from boundcheck.check.result import Deterministic  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paper", default=None)
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", nargs="*", default=None, help="result keys")
    ap.add_argument("--start-frac", type=float, default=0.3,
                    help="share of the budget spent on the first start's random draws")
    ap.add_argument("--seeded-frac", type=float, default=None,
                    help="share of the budget replaying the harness's own draws first "
                         "(default: falsify.SEEDED_FRAC)")
    a = ap.parse_args()
    from boundcheck.check.falsify import SEEDED_FRAC

    seeded = SEEDED_FRAC if a.seeded_frac is None else a.seeded_frac
    results = [r for r in registry.all_results(a.paper) if isinstance(r.check, Deterministic)
               and r.searchable
               and (a.only is None or r.key in a.only)]
    print(f"budget {a.budget}, seed {a.seed}, seeded share {seeded}, "
          f"start share {a.start_frac}\n")
    print("| result | random | falsifier | winner | 1st violation (rnd / fal) | s |")
    print("|---|---|---|---|---|---|")
    le = lt = 0
    for r in results:
        p = r.resolve_params("quick")
        t0 = time.monotonic()
        rnd = random_search(r, p, a.budget, a.seed)
        fal = cma_search(r, p, a.budget, a.seed, start_frac=a.start_frac, seeded_frac=seeded)
        le += fal.score <= rnd.score
        lt += fal.score < rnd.score
        win = "fal" if fal.score < rnd.score else "rnd" if rnd.score < fal.score else "tie"
        print(f"| {r.key} | {rnd.score:.4g} | {fal.score:.4g} | {win} | "
              f"{rnd.evals_to_violation or '-'} / {fal.evals_to_violation or '-'} | "
              f"{time.monotonic() - t0:.1f} |", flush=True)
    n = max(1, len(results))
    print(f"\nfalsifier <= random on {le}/{len(results)} ({100 * le / n:.0f}%), "
          f"< on {lt}/{len(results)} ({100 * lt / n:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
