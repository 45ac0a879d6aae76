"""Plots for audit reports (matplotlib, Agg): where a picture beats a table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from boundcheck.check.harness import Report

_COLORS = {"holds": "#1b7837", "holds-numerically": "#5aae61", "consistent": "#a6dba0",
           "refuted": "#c51b7d", "inconsistent": "#e9a3c9", "vacuous": "#999999",
           "inconclusive": "#fdb863", "underpowered": "#fee08b", "error": "#000000"}


def _margin(r: Report) -> float | None:
    """The tightest relative margin; for a statistical result, the slack of the interval's
    upper end against the allowed rate, (delta - upper)/delta."""
    m = r.tightness.get("min_relative_margin")
    if isinstance(m, float):
        return m
    up, delta = r.tightness.get("failure_rate_upper"), r.tightness.get("delta")
    if isinstance(up, float) and isinstance(delta, float) and delta > 0:
        return (delta - up) / delta
    return None


def margin_chart(reports: Sequence[Report], path: str | Path, title: str) -> Path | None:
    """Horizontal bars: each result's tightest relative margin (log scale, clipped to
    [1e-12, 1]; statistical results: (delta - upper)/delta); bar colour = verdict. Margins
    below 1e-12, zero or negative are drawn as markers at the left edge with their value.
    Returns None when no result has a margin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(r.key, _margin(r), str(r.verdict)) for r in reports]
    rows = [(k, m, v) for k, m, v in rows if m is not None]
    if not rows:
        return None
    lo = 1e-12
    fig, ax = plt.subplots(figsize=(9.0, 0.22 * len(rows) + 1.2))
    for y, (_, m, v) in enumerate(rows):
        color = _COLORS.get(v, "#444444")
        if m > lo:
            ax.barh(y, min(m, 1.0) - lo, left=lo, color=color, height=0.7)
        elif m > 0:  # positive but below the axis floor: a bar of width <= 0 would vanish
            ax.plot([lo * 2], [y], marker=">", color=color, ms=5)
            ax.text(lo * 4, y, f"{m:.2g} (below {lo:.0e})", va="center", fontsize=6,
                    color=color)
        else:  # exact equality (0) or a violation (< 0): nothing to draw on a log axis
            ax.plot([lo * 2], [y], marker="|" if m == 0 else "x", color=color, ms=8)
            if m == 0:
                label = "0 (tight or exact equality)"
            elif v in ("refuted", "inconsistent"):
                label = f"{m:.2g} (violated)"
            else:  # held within a stated allowance, or an equality-case interval around δ
                label = f"{m:.2g} ({v}: within its tolerance)"
            ax.text(lo * 4, y, label, va="center", fontsize=6, color=color)
    ax.set_xscale("log")
    ax.set_xlim(lo, 1.5)
    ax.set_yticks(list(range(len(rows))), [k for k, _, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("tightest relative margin (bound − value)/|bound|, log scale")
    ax.set_title(title, fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for v, c in _COLORS.items()
               if any(v == x for _, _, x in rows)]
    ax.legend(handles, [v for v in _COLORS if any(v == x for _, _, x in rows)], fontsize=7,
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
