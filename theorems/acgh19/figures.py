"""acgh19 Figure 1 (a)-(c) (Arora, Cohen, Golowich & Hu, ICLR 2019, §4 and App. E).

Protocol (``shared/catalog/acgh19.md`` §3), with the choices the paper leaves open stated
here and in the figure's JSON:

* Data: the UCI gas-sensor set is not available offline, so synthetic PCA-whitened data
  stand in for it, as the catalog suggests: with whitened inputs the loss is
  ``1/2 ||W_N...W_1 - Lambda_yx||_F^2`` up to a constant, ``Lambda_yx`` a random
  ``1 x d_0`` row rescaled to ``||Lambda_yx||_F = 1`` (optimum 0, reachable).
* (a) layer-wise i.i.d. ``N(0, s^2)`` init, (b) balanced init (Procedure 1 on an end-to-end
  matrix with ``N(0, s^2)`` entries, random orthogonal rotations inserted), at ``N = 3`` and
  ``N = 8`` with hidden widths 32; for each ``s``, iterations until the loss is within
  ``1e-5`` of the optimum, the step size tuned over a log grid in ``[1e-4, 1]`` (fastest
  kept); runs that do not converge within the cap are drawn at the cap ("missing values").
* (c) the (a) run at ``N = 3``, ``s = 1e-3``: balancedness ``max_j ||W_{j+1}^T W_{j+1} -
  W_j W_j^T||_F`` against magnitude ``min_j ||W_j W_j^T||_F`` over training.

``boundcheck figure acgh19.fig1 [--quick|--full]`` writes two PNGs, the numbers as JSON
and CSV. Fig. 1(d) (a nonlinear MNIST network) is out of scope for linear networks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from boundcheck.model import balanced
from boundcheck.model.kernels import BatchedGD
from boundcheck.model.problem import Problem
from boundcheck.output.figures import curve_panels, register_figure, write_csv, write_json

SIZES = {
    "quick": {"d0": 16, "s": 9, "etas": 5, "cap": 3000, "c_steps": 3000},
    "medium": {"d0": 32, "s": 13, "etas": 9, "cap": 30000, "c_steps": 20000},
    "full": {"d0": 128, "s": 17, "etas": 13, "cap": 10**6, "c_steps": 10**5},
}
EPS = 1e-5
WIDTH = 32


def _tag(size: str) -> str:
    return "" if size == "full" else f"-{size}"


def _dims(d0: int, N: int) -> tuple[int, ...]:
    return (d0, *([WIDTH] * (N - 1)), 1)


def _init(rng: np.random.Generator, kind: str, dims: tuple[int, ...], s: float
          ) -> list[np.ndarray]:
    if kind == "layer-wise":
        return [s * rng.standard_normal((dims[j + 1], dims[j])) for j in range(len(dims) - 1)]
    return balanced.balanced_init(rng, dims, sigma=s, rotate=True)


def iterations_to_converge(Phi: np.ndarray, starts: list[list[np.ndarray]],
                           etas: np.ndarray, cap: int) -> np.ndarray:
    """Per start (row) and step size (column): first t with loss <= EPS, ``cap + 1`` if not
    reached (diverged runs included). All runs go together through one BatchedGD stack."""
    B, E = len(starts), len(etas)
    L = len(starts[0])
    Ws = [np.stack([starts[b][j] for b in range(B) for _ in range(E)]) for j in range(L)]
    d0 = Phi.shape[1]
    prob = Problem(X=np.eye(d0), Y=Phi, dims=tuple([d0] + [W.shape[-2] for W in Ws]))
    gd = BatchedGD(prob, Ws)
    eta = np.tile(etas, B).astype(float)
    out = np.full(B * E, cap + 1)
    live = np.ones(B * E, dtype=bool)
    with np.errstate(all="ignore"):
        for t in range(cap + 1):
            loss = np.asarray(gd.forward())
            hit = live & (loss <= EPS)
            out[hit] = t
            live &= ~hit & np.isfinite(loss) & (loss < 1e6)
            if not live.any() or t == cap:
                break
            gd.update(np.where(live, eta, 0.0))
    return out.reshape(B, E)


def fig1_data(size: str, seed: int = 2019) -> dict:
    g = SIZES[size]
    rng = np.random.default_rng(seed)
    Phi = rng.standard_normal((1, g["d0"]))
    Phi /= np.linalg.norm(Phi)
    ss = np.geomspace(1e-3, 1.0, g["s"])
    etas = np.geomspace(1e-4, 1.0, g["etas"])
    res: dict = {"d0": g["d0"], "width": WIDTH, "eps": EPS, "cap": g["cap"], "s": ss.tolist(),
                 "etas": etas.tolist(), "curves": {}}
    for kind in ("layer-wise", "balanced"):
        for N in (3, 8):
            dims = _dims(g["d0"], N)
            starts = [_init(rng, kind, dims, float(s)) for s in ss]
            T = iterations_to_converge(Phi, starts, etas, g["cap"]).min(axis=1)
            res["curves"][f"{kind}, N={N}"] = [int(x) for x in T]
    # (c): the layer-wise N = 3 run at s = 1e-3, eta fastest of (a) for that s (or 1e-2)
    dims = _dims(g["d0"], 3)
    Ws = _init(rng, "layer-wise", dims, 1e-3)
    T = iterations_to_converge(Phi, [Ws], etas, g["cap"])[0]
    eta_c = float(etas[int(np.argmin(T))]) if T.min() <= g["cap"] else 1e-2
    prob = Problem(X=np.eye(g["d0"]), Y=Phi, dims=dims)
    gd = BatchedGD(prob, Ws)
    bal, mag = [], []
    for _ in range(g["c_steps"]):
        cur = gd.Ws
        bal.append(balanced.max_imbalance(cur))
        mag.append(float(min(np.linalg.norm(W @ W.T) for W in cur)))
        if float(gd.forward()) <= EPS:
            break
        gd.update(eta_c)
    res["c"] = {"eta": eta_c, "balancedness": bal, "magnitude": mag}
    return res


@register_figure("acgh19.fig1")
def draw_fig1(out: Path, size: str) -> list[Path]:
    res = fig1_data(size)
    cap = res["cap"]
    panels = []
    for kind, lab in (("layer-wise", "(a) layer-wise N(0, s^2)"), ("balanced", "(b) balanced")):
        curves = [{"x": res["s"], "y": v, "label": k.split(", ")[1],
                   "style": "-o" if k.endswith("N=3") else "-s"}
                  for k, v in res["curves"].items() if k.startswith(kind)]
        curves.append({"x": [res["s"][0], res["s"][-1]], "y": [cap, cap],
                       "label": f"cap {cap} (not converged)", "style": ":", "color": "grey"})
        panels.append({"title": lab, "curves": curves})
    sup = (f"acgh19 Fig. 1 ({size}): synthetic whitened data, d0={res['d0']}, width {WIDTH}, "
           f"eps={EPS}")
    png = curve_panels(out / f"acgh19-fig1ab{_tag(size)}.png", panels, "init std s",
                       "iterations (eta tuned)", suptitle=sup)
    c = res["c"]
    png2 = curve_panels(out / f"acgh19-fig1c{_tag(size)}.png",
                        [{"title": "(c) N=3, s=1e-3: balancedness vs magnitude",
                          "curves": [{"x": c["magnitude"], "y": c["balancedness"],
                                      "label": f"eta={c['eta']:.3g}"}]}],
                        "min_j ||W_j W_j^T||_F", "max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F",
                        suptitle=f"acgh19 Fig. 1(c) ({size})")
    js = write_json(out / f"acgh19-fig1{_tag(size)}.json", res)
    rows = [[k, s, t] for k, v in res["curves"].items()
            for s, t in zip(res["s"], v, strict=True)]
    cs = write_csv(out / f"acgh19-fig1{_tag(size)}.csv", ["init, depth", "s", "iterations"],
                   rows)
    return [png, png2, js, cs]
