"""Turn a pytest-benchmark JSON of benchmarks/test_step_time.py into tables and a plot.

    python benchmarks/report.py bench.json [--doc docs/performance.md] [--fig PATH]

Prints markdown tables (median, min, ratio to boundcheck, GFLOP/s), the target checks,
writes the figure (matplotlib Agg) and, with ``--doc``, replaces the text between
``<!-- results:start -->`` and ``<!-- results:end -->`` in that file.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402


def fmt_t(s: float) -> str:
    if s >= 1e-1:
        return f"{s * 1e3:.0f} ms"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.0f} µs"


def load(path: str) -> tuple[dict, list[dict]]:
    data = json.loads(Path(path).read_text())
    return data.get("machine_info", {}), data["benchmarks"]


def tables(benches: list[dict]) -> tuple[str, dict, dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for b in benches:
        groups[b["group"]].append(b)
    out: list[str] = []
    med: dict[tuple[str, str], float] = {}
    mins: dict[tuple[str, str], float] = {}
    for b in benches:
        key = (b["extra_info"].get("case", ""), b["extra_info"].get("impl", ""))
        med[key], mins[key] = b["stats"]["median"], b["stats"]["min"]
    order = ["small", "deep", "wide", "dense"]
    for g in sorted(groups, key=lambda g: next((i for i, o in enumerate(order)
                                                if g.startswith(o)), 9)):
        if g.startswith("sweep"):
            continue
        rows = sorted(groups[g], key=lambda b: b["stats"]["median"])
        base = next((b["stats"]["median"] for b in rows
                     if b["extra_info"].get("impl") == "boundcheck"), None)
        out.append(f"**{g}**\n")
        bmin = next((b["stats"]["min"] for b in rows
                     if b["extra_info"].get("impl") == "boundcheck"), None)
        out.append("| implementation | median / step | min / step | median ÷ boundcheck "
                   "| min ÷ boundcheck | GFLOP/s (median) |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for b in rows:
            s, ei = b["stats"], b["extra_info"]
            ratio = f"{s['median'] / base:.2f}" if base else "—"
            rmin = f"{s['min'] / bmin:.2f}" if bmin else "—"
            gf = f"{ei['flops'] / s['median'] / 1e9:.1f}" if "flops" in ei else "—"
            out.append(f"| {ei.get('impl', b['name'])} | {fmt_t(s['median'])} | "
                       f"{fmt_t(s['min'])} | {ratio} | {rmin} | {gf} |")
        out.append("")
    return "\n".join(out), med, mins


def targets(benches: list[dict], med: dict, mins: dict) -> str:
    flops = {(b["extra_info"].get("case"), b["extra_info"].get("impl")): b["extra_info"]["flops"]
             for b in benches if "flops" in b["extra_info"]}

    def rate(case: str, impl: str, t: dict) -> float | None:
        k = (case, impl)
        return flops[k] / t[k] / 1e9 if k in t else None

    lines = ["| target | from medians | from minima | met (medians) |", "|---|---:|---:|:---:|"]
    for impl, goal in (("torch-autograd", 3.0), ("torch-one-at-a-time", 10.0)):
        if ("small", "boundcheck") in med and ("small", impl) in med:
            r = med[("small", impl)] / med[("small", "boundcheck")]
            r2 = mins[("small", impl)] / mins[("small", "boundcheck")]
            lines.append(f"| small: boundcheck ≥ {goal:g}x faster than {impl} | {r:.2f}x | "
                         f"{r2:.2f}x | {'yes' if r >= goal else 'no'} |")
    mm, mm2 = rate("matmul1024", "numpy A@B", med), rate("matmul1024", "numpy A@B", mins)
    wide, wide2 = rate("wide", "boundcheck", med), rate("wide", "boundcheck", mins)
    deep, deep2 = rate("deep", "boundcheck", med), rate("deep", "boundcheck", mins)
    if mm and wide:
        e, e2 = wide / mm, wide2 / mm2
        lines.append(f"| wide: ≥ 60% of the dense matmul rate | {wide:.1f} of {mm:.1f} GFLOP/s "
                     f"= {100 * e:.0f}% | {wide2:.1f} of {mm2:.1f} = {100 * e2:.0f}% | "
                     f"{'yes' if e >= 0.6 else 'no'} |")
    if wide and deep:
        r, r2 = wide / deep, wide2 / deep2
        lines.append(f"| deep: flop rate within 1.5x of wide | wide/deep = {r:.2f} "
                     f"({deep:.1f} GFLOP/s) | {r2:.2f} ({deep2:.1f}) | "
                     f"{'yes' if r <= 1.5 else 'no'} |")
    return "\n".join(lines) + "\n"


def plot(benches: list[dict], path: str) -> None:
    mm = next((b["extra_info"]["flops"] / b["stats"]["median"] for b in benches
               if b["extra_info"].get("case") == "matmul1024"), None)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, group, key, label in ((axes[0], "sweep depth", "L", "depth L (m = d = n = 32)"),
                                  (axes[1], "sweep width", "m", "width m (L = 8, d = n = m)")):
        series: dict[str, list[tuple[int, float, int]]] = defaultdict(list)
        for b in benches:
            if b["group"].startswith(group):
                ei = b["extra_info"]
                series[ei["impl"]].append((ei[key], b["stats"]["median"], ei["flops"]))
        for impl, pts in sorted(series.items()):
            pts.sort()
            ax.loglog([p[0] for p in pts], [p[1] * 1e3 for p in pts], "o-", label=impl)
        if mm and series:
            pts = sorted(next(iter(series.values())))
            ax.loglog([p[0] for p in pts], [p[2] / mm * 1e3 for p in pts], "k--", lw=1,
                      label="flops ÷ dense matmul rate")
        xs = sorted({p[0] for pts in series.values() for p in pts})
        if xs:
            ax.set_xticks(xs)
            ax.set_xticklabels([str(x) for x in xs])
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel(label)
        ax.set_ylabel("time per GD step (ms)")
        ax.grid(True, which="both", alpha=0.3)
        if series:
            ax.legend(fontsize=8)
    fig.suptitle("One full-batch GD step, float64, one instance (median)")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def machine(info: dict) -> str:
    f = info.get("boundcheck", {})
    return "\n".join(f"- {k}: {v}" for k, v in f.items()) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--doc", default=None)
    ap.add_argument("--fig", default="docs/figures/step_time.png")
    a = ap.parse_args()
    info, benches = load(a.json)
    tab, med, mins = tables(benches)
    text = ("### Machine\n\n" + machine(info) + "\n### Targets\n\n"
            + targets(benches, med, mins)
            + "\n### Step times\n\n" + tab)
    print(text)
    plot(benches, a.fig)
    if a.doc:
        doc = Path(a.doc).read_text()
        new = re.sub(r"<!-- results:start -->.*<!-- results:end -->",
                     lambda _: "<!-- results:start -->\n" + text + "<!-- results:end -->",
                     doc, flags=re.S)
        Path(a.doc).write_text(new)


if __name__ == "__main__":
    main()
