"""wwm19 figures 1-3 (Wu, Wang & Ma, NeurIPS 2019, §3 Fig. 1, §5.1 Fig. 2, §5.2 Fig. 3).

Protocols follow ``shared/catalog/wwm19.md`` §4; where the paper does not state a quantity
(learning rate and budget of Fig. 1, the depth range of Fig. 2, the width and budget of
Fig. 3) the value chosen here is written in the figure's title and in its JSON. Figure 4
(a nonlinear ResNet trained on Fashion-MNIST) is not drawn: the data set is not available
offline and the paper states neither widths, activation nor loss; the nonlinear engine is
checked by wwm19.eq6_1 / eq6_2 instead.

``boundcheck figure wwm19.fig1 [--quick|--full]`` writes a PNG, the numbers as JSON and CSV.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from boundcheck.model import residual as rs
from boundcheck.output.figures import curve_panels, register_figure, write_csv, write_json

#: per size: Fig. 1 steps, Fig. 2 depths and eta grid, Fig. 3 width, budget and seeds
SIZES = {
    "quick": {"f1_steps": 3000, "f2_L": [2, 4, 8, 16, 32, 64], "f2_eta": 24, "f2_cap": 20000,
              "f2_d_gauss": 2, "f3_d": 5, "f3_steps": 8000, "f3_seeds": 5},
    "medium": {"f1_steps": 6000, "f2_L": [2, 4, 8, 16, 32, 64, 128], "f2_eta": 40,
               "f2_cap": 50000, "f2_d_gauss": 2, "f3_d": 10, "f3_steps": 20000,
               "f3_seeds": 5},
    "full": {"f1_steps": 10000, "f2_L": [2, 4, 8, 16, 32, 64, 128, 256], "f2_eta": 60,
             "f2_cap": 200000, "f2_d_gauss": 2, "f3_d": 25, "f3_steps": 20000,
             "f3_seeds": 5},
}
_ETA1 = 0.05  # Fig. 1 learning rate (not stated in the paper)


def _tag(size: str) -> str:
    return "" if size == "full" else f"-{size}"


# ------------------------------------------------------------------------------ Fig. 1
def fig1_data(size: str) -> dict:
    """d = 1, L = 2, R = (w2 w1 + 1)^2 / 2: GD from near-identity (0.999, 1.001) and ZAS
    (1, 0) at eta = 0.05; the conserved quantity w2^2 - w1^2 of the flow is reported."""
    steps = SIZES[size]["f1_steps"]
    out: dict = {"eta": _ETA1, "steps": steps}
    for name, (w1, w2) in (("near-identity", (0.999, 1.001)), ("ZAS", (1.0, 0.0))):
        path, loss = [(w1, w2)], [0.5 * (w2 * w1 + 1) ** 2]
        for _ in range(steps):
            r = w2 * w1 + 1
            w1, w2 = w1 - _ETA1 * r * w2, w2 - _ETA1 * r * w1
            path.append((w1, w2))
            loss.append(0.5 * (w2 * w1 + 1) ** 2)
        hit = next((t for t, v in enumerate(loss) if v <= 1e-10), None)
        out[name] = {"path": path, "loss": loss, "iterations_to_1e-10": hit,
                     "min_dist_to_saddle": float(min(math.hypot(a, b) for a, b in path)),
                     "w2^2-w1^2 at 0": path[0][1] ** 2 - path[0][0] ** 2}
    return out


@register_figure("wwm19.fig1")
def draw_fig1(out: Path, size: str) -> list[Path]:
    res = fig1_data(size)
    from boundcheck.output.figures import _plt

    plt = _plt()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8.6, 3.8))
    g = np.linspace(-1.8, 1.8, 241)
    W1, W2 = np.meshgrid(g, g)
    ax0.contourf(W1, W2, np.log10(0.5 * (W1 * W2 + 1) ** 2 + 1e-6), levels=30, cmap="Greys")
    for name, color in (("near-identity", "tab:blue"), ("ZAS", "tab:red")):
        p = np.array(res[name]["path"])
        ax0.plot(p[:, 0], p[:, 1], color=color, lw=1.4, label=name)
        ax0.plot(p[0, 0], p[0, 1], "o", color=color, ms=4)
        ax1.semilogy(res[name]["loss"], color=color, lw=1.4, label=name)
    ax0.plot(0, 0, "kx", ms=6, label="saddle (0, 0)")
    ax0.set_xlabel("w1")
    ax0.set_ylabel("w2")
    ax0.set_title("log10 R(w1, w2) and GD paths", fontsize=10)
    ax0.legend(fontsize=7, loc="lower left")
    ax1.set_xlabel("iteration")
    ax1.set_ylabel("R")
    ax1.set_title("loss", fontsize=10)
    ax1.grid(alpha=0.3)
    fig.suptitle(f"wwm19 Fig. 1 ({size}): d=1, L=2, Phi=-1, eta={_ETA1} (not stated in the "
                 "paper)", fontsize=10)
    fig.tight_layout()
    png = out / f"wwm19-fig1{_tag(size)}.png"
    fig.savefig(png, dpi=90)
    plt.close(fig)
    js = write_json(out / f"wwm19-fig1{_tag(size)}.json", res)
    rows = [[name, t, v] for name in ("near-identity", "ZAS")
            for t, v in enumerate(res[name]["loss"])]
    cs = write_csv(out / f"wwm19-fig1{_tag(size)}.csv", ["init", "t", "loss"], rows)
    return [png, js, cs]


# ------------------------------------------------------------------------------ Fig. 2
def _tuned_full(Phi: np.ndarray, L: int, etas: np.ndarray, eps: float, cap: int) -> int:
    """Fewest iterations to R <= eps from ZAS over the eta grid (full matrices); cap + 1
    when no eta of the grid converges within the cap."""
    d = Phi.shape[0]
    best = cap + 1
    for eta in etas:
        Ws = rs.zas_init(L, d)
        for t in range(min(best, cap + 1)):
            R = rs.loss(Ws, Phi)
            if not math.isfinite(R) or R > 1e6:
                break
            if R <= eps:
                best = t
                break
            Ws = rs.gd_step(Ws, Phi, float(eta))
    return best


def fig2_data(size: str, seed: int = 2019) -> dict:
    """Iterations to R <= 1e-10 from ZAS vs depth, eta tuned per L over a log grid:
    Phi = -I through the exact scalar reduction T3 (any d is d = 1 with R times d), and a
    Gaussian Phi (d = 2) with full matrices; power-law exponents fitted on log-log."""
    g = SIZES[size]
    rng = np.random.default_rng(seed)
    eps, cap = 1e-10, g["f2_cap"]
    etas = np.geomspace(1e-3, 2.0, g["f2_eta"])
    res: dict = {"L": g["f2_L"], "eps": eps, "cap": cap, "eta_grid": [1e-3, 2.0, g["f2_eta"]]}
    res["minus_identity (T3)"] = []
    for L in g["f2_L"]:
        hits = [rs.scalar_zas_iterations(-1.0, L, float(e), eps, cap) for e in etas]
        res["minus_identity (T3)"].append(min((t for t in hits if 0 <= t <= cap),
                                              default=cap + 1))
    d = g["f2_d_gauss"]
    Phi = rng.standard_normal((d, d))
    res["gaussian_Phi"] = Phi.tolist()
    res[f"Gaussian Phi, d={d}"] = [_tuned_full(Phi, L, etas[::2], eps, cap)
                                   for L in g["f2_L"] if L <= 32]
    res["fits"] = {}
    for key in ("minus_identity (T3)", f"Gaussian Phi, d={d}"):
        T = np.array(res[key], float)
        Ls = np.array(g["f2_L"][:len(T)], float)
        ok = T <= cap
        if ok.sum() >= 2:
            gamma = float(np.polyfit(np.log(Ls[ok]), np.log(T[ok]), 1)[0])
            res["fits"][key] = gamma
    return res


@register_figure("wwm19.fig2")
def draw_fig2(out: Path, size: str) -> list[Path]:
    res = fig2_data(size)
    curves = []
    for key in res["fits"]:
        T = res[key]
        curves.append({"x": res["L"][:len(T)], "y": T,
                       "label": f"{key}: L^{res['fits'][key]:.2f}"})
    Ls = np.array(res["L"], float)
    curves.append({"x": Ls.tolist(), "y": (curves[0]["y"][0] * (Ls / Ls[0]) ** 3).tolist(),
                   "label": "L^3 (Thm 4.3)", "style": ":", "color": "grey"})
    png = curve_panels(out / f"wwm19-fig2{_tag(size)}.png",
                       [{"title": "iterations to R <= 1e-10, eta tuned per L",
                         "curves": curves}], "depth L", "iterations",
                       suptitle=f"wwm19 Fig. 2 ({size}): ZAS")
    js = write_json(out / f"wwm19-fig2{_tag(size)}.json", res)
    rows = [[key, L, t] for key in res["fits"] for L, t in zip(res["L"], res[key],
                                                                 strict=False)]
    cs = write_csv(out / f"wwm19-fig2{_tag(size)}.csv", ["target", "L", "iterations"], rows)
    return [png, js, cs]


# ------------------------------------------------------------------------------ Fig. 3
def fig3_data(size: str, seed: int = 53) -> dict:
    """Phi = -I, L = 6, eta = 0.01: one ZAS run and near-identity (5.1) runs from several
    seeds; the loss curves and the iteration at which each reaches 1e-10."""
    g = SIZES[size]
    rng = np.random.default_rng(seed)
    d, L, eta, steps = g["f3_d"], 6, 0.01, g["f3_steps"]
    Phi = -np.eye(d)
    res: dict = {"d": d, "L": L, "eta": eta, "steps": steps, "runs": {}}
    starts = [("ZAS", rs.zas_init(L, d))] + [
        (f"near-identity seed {k}", rs.near_identity_init(rng, L, d))
        for k in range(g["f3_seeds"])]
    for name, Ws in starts:
        loss = []
        for _ in range(steps + 1):
            R = rs.loss(Ws, Phi)
            loss.append(R)
            if R <= 1e-10 or not math.isfinite(R):
                break
            Ws = rs.gd_step(Ws, Phi, eta)
        res["runs"][name] = {"loss": loss,
                             "iterations_to_1e-10": len(loss) - 1 if loss[-1] <= 1e-10
                             else None}
    return res


@register_figure("wwm19.fig3")
def draw_fig3(out: Path, size: str) -> list[Path]:
    res = fig3_data(size)
    curves = [{"x": list(range(len(v["loss"]))), "y": v["loss"], "label": k,
               "style": "-" if k == "ZAS" else "--", "color": "tab:red" if k == "ZAS" else None}
              for k, v in res["runs"].items()]
    png = curve_panels(out / f"wwm19-fig3{_tag(size)}.png",
                       [{"title": f"Phi=-I, L=6, d={res['d']} (d not stated), eta=0.01",
                         "curves": curves}],
                       "iteration", "R", logx=False,
                       suptitle=f"wwm19 Fig. 3 ({size}): ZAS vs near-identity")
    js = write_json(out / f"wwm19-fig3{_tag(size)}.json", res)
    rows = [[k, t, val] for k, v in res["runs"].items() for t, val in enumerate(v["loss"])]
    cs = write_csv(out / f"wwm19-fig3{_tag(size)}.csv", ["run", "t", "loss"], rows)
    return [png, js, cs]
