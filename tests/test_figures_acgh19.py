"""acgh19 Figure 1 (a)-(c) on the quick size (theorems/acgh19/figures.py)."""

import json

from boundcheck.output.figures import draw


def test_fig1_reproduces_the_reported_outcomes(tmp_path):
    """(a) layer-wise init converges only in a band of s, narrower at N = 8; (b) balanced
    init converges for every s at both depths; (c) balancedness persists (it stays within
    1 % of its start while the magnitude grows by orders)."""
    paths = draw("acgh19.fig1", tmp_path, size="quick")
    assert len(paths) == 4 and all(p.stat().st_size > 0 for p in paths)
    res = json.loads((tmp_path / "acgh19-fig1-quick.json").read_text())
    cap = res["cap"]
    cv = res["curves"]
    assert all(t <= cap for t in cv["balanced, N=3"] + cv["balanced, N=8"])
    lw3 = sum(t <= cap for t in cv["layer-wise, N=3"])
    lw8 = sum(t <= cap for t in cv["layer-wise, N=8"])
    assert lw8 < lw3 and lw8 <= len(res["s"]) // 2
    bal, mag = res["c"]["balancedness"], res["c"]["magnitude"]
    assert max(bal) <= 1.01 * bal[0] and mag[-1] > 100 * mag[0]
