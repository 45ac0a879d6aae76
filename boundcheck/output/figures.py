"""Figures: a small registry of figure makers and generic matplotlib drawing helpers.

Paper modules register a maker with :func:`register_figure`; ``python -m boundcheck figure
ID [--out DIR] [--quick|--full]`` calls it. A maker returns the paths it wrote (PNG pictures and
the JSON/CSV numbers behind them). Drawing uses the non-interactive Agg backend.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from boundcheck.errors import InputError

FigureMaker = Callable[[Path, bool], list[Path]]
_FIGURES: dict[str, FigureMaker] = {}


def register_figure(fig_id: str) -> Callable[[FigureMaker], FigureMaker]:
    def deco(fn: FigureMaker) -> FigureMaker:
        _FIGURES[fig_id] = fn
        return fn

    return deco


def figure_ids() -> list[str]:
    from boundcheck.check.registry import load_papers

    load_papers()
    return sorted(_FIGURES)


SIZES = ("quick", "medium", "full")


def draw(fig_id: str, out: str | Path = "figures", size: str = "medium") -> list[Path]:
    """Draw figure ``fig_id`` on grid ``size`` (quick: seconds; medium: minutes; full: the
    grid behind docs/figures) into ``out``; returns the files written."""
    if size not in SIZES:
        raise InputError(f"unknown figure size {size!r}; one of {', '.join(SIZES)}")
    known = figure_ids()
    if fig_id not in _FIGURES:
        raise InputError(f"unknown figure {fig_id!r}; known: {', '.join(known) or 'none'}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return _FIGURES[fig_id](out, size)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def heatmap_panels(path: Path, panels: Sequence[dict[str, Any]], xlabel: str, ylabel: str,
                   xticks: Sequence[Any], yticks: Sequence[Any], clabel: str,
                   vmin: float, vmax: float, suptitle: str = "", ncols: int = 2,
                   dpi: int = 90) -> Path:
    """Heat maps side by side; each panel is ``{"title": str, "values": 2-d array}`` with
    rows = y ticks, columns = x ticks. NaN cells are drawn grey ("diverged")."""
    plt = _plt()
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 3.8 * nrows), squeeze=False,
                             layout="constrained")
    cmap = plt.get_cmap("inferno").with_extremes(bad="#9e9e9e")
    im = None
    for ax, pnl in zip(axes.flat, panels, strict=False):
        vals = np.ma.masked_invalid(np.asarray(pnl["values"], dtype=float))
        im = ax.imshow(vals, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(pnl["title"], fontsize=10)
        ax.set_xticks(range(len(xticks)), [str(x) for x in xticks], fontsize=8)
        ax.set_yticks(range(len(yticks)), [str(y) for y in yticks], fontsize=8)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=9)
        for (r, c), v in np.ndenumerate(np.asarray(pnl["values"], dtype=float)):
            txt = "div" if not np.isfinite(v) else f"{v:.0f}"
            ax.text(c, r, txt, ha="center", va="center", fontsize=6,
                    color="white" if (np.isfinite(v) and v < (vmin + vmax) / 2) else "black")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    if im is not None:
        fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.85, label=clabel)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def curve_panels(path: Path, panels: Sequence[dict[str, Any]], xlabel: str, ylabel: str,
                 logx: bool = True, logy: bool = True, suptitle: str = "",
                 dpi: int = 90) -> Path:
    """Line plots side by side. Each panel: ``{"title", "curves": [{"x", "y", "label",
    "color", "style"}]}``."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, pnl in zip(axes.flat, panels, strict=True):
        for cv in pnl["curves"]:
            ax.plot(cv["x"], cv["y"], cv.get("style", "-"), color=cv.get("color"),
                    label=cv.get("label"), lw=1.2)
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        ax.set_title(pnl["title"], fontsize=10)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        axes.flat[-1].legend(handles, labels, fontsize=7, loc="lower left")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def write_json(path: Path, data: Any) -> Path:
    from boundcheck.check.harness import _jsonable

    path.write_text(json.dumps(_jsonable(data), indent=1))
    return path


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
