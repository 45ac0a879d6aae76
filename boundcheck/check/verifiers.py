"""Standalone verifiers for certified refutations (issue 13, "certificates anyone can check").

For a certified counterexample file ``F.json`` the harness writes ``F.json.verify.py``: a short
script that imports only the standard library (``fractions``, ``json``, ``sys``), reads the
file's exact rationals, re-checks the hypotheses it needs and the violated inequality in
``Fraction`` arithmetic, prints ``VIOLATED`` and exits 0 when the inequality fails; it exits 1
when the inequality holds and 2 when a hypothesis fails or the file is not the expected one.

A verifier exists for a result key only when a template is registered in :data:`TEMPLATES`;
the template's check is also run here, in-process, before the script is written, so a script
is written only beside a file it confirms.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# ---------------------------------------------------------------------------- acgh19.lem17
#: acgh19 App. D.6, Lemma 17 (printed base case). Init (51): W_j(0) = A q (j <= N/2),
#: q/A (j > N/2), c = q^N, A^{2N-2} = max of the terms of eq. (50). One GD step on
#: 1/2 (W_N...W_1 - 1)^2 gives, for j > N/2, W_j(1) = q/A + eta (1-c) q^{N-1} A > 0, and the
#: lemma's invariant at t = 1 claims W_j(1) >= B(1) = min{eta,1} A / 10. Dividing by A:
#: violated iff q/A^2 < K := min{eta,1}/10 - eta(1-c) q^{N-1}, i.e. (K > 0 and)
#: (q/K)^{N-1} < A^{2N-2} -- a comparison of rationals.
LEM17_BODY = r'''
def terms50(N, eta, q):
    """eq. (50)'s terms of A, each raised to the power 2N-2 (rational)."""
    n = 2 * N - 2
    c = q ** N
    return [(eta * N) ** (N - 1), (2 / (eta * (1 - c) * q ** (N - 1))) ** n,
            Fraction(2000) ** n, (20 / eta) ** n,
            20 * Fraction(10) ** (2 * N - 1) / eta ** (2 * N)]


def check(inst, overrides):
    """None: a hypothesis fails; True: Lemma 17's t=1 lower bound holds; False: violated."""
    if overrides.get("base", "printed") != "printed" or inst.get("construction") != "printed":
        return None, "not the printed base case / construction"
    N, eta, q = int(inst["N"]), Fraction(inst["eta"]), Fraction(inst["q"])
    A_pow, root = Fraction(inst["A_pow"]), int(inst["A_root"])
    c = q ** N
    if not (N >= 2 and N % 2 == 0 and eta > 0 and Fraction(3, 4) <= c < 1 and q > 0):
        return None, "hypotheses: N even >= 2, eta > 0, 3/4 <= c = q^N < 1"
    if root != 2 * N - 2 or A_pow != max(terms50(N, eta, q)):
        return None, "A^{2N-2} is not the maximum of eq. (50)"
    K = min(eta, Fraction(1)) / 10 - eta * (1 - c) * q ** (N - 1)
    if K <= 0:
        return True, f"K = {K} <= 0: W_j(1) >= B(1) for j > N/2"
    lhs, rhs = (q / K) ** (N - 1), A_pow  # violated iff lhs < rhs
    ratio = float(lhs / rhs)
    if lhs < rhs:
        return False, ("W_j(1) < B(1) = min{eta,1}A/10 for j > N/2 (t = 1): "
                       f"(q/K)^(N-1) / A^(2N-2) = {ratio:.6g} < 1 [N={N}, eta={eta}, q={q}]")
    return True, f"W_j(1) >= B(1): (q/K)^(N-1) / A^(2N-2) = {ratio:.6g} >= 1"
'''

TEMPLATES: dict[str, str] = {"acgh19.lem17": LEM17_BODY}

SCRIPT = '''#!/usr/bin/env python3
"""Standalone verifier for {key} (written by boundcheck; uses only the standard library).

Re-checks the refuted inequality from the exact rationals of the counterexample file
{name}. Usage: python {name}.verify.py [FILE]. Prints VIOLATED and exits 0 when the
inequality fails; exits 1 when it holds, 2 when a hypothesis fails or the file is not one.
"""
import json
import sys
from fractions import Fraction
from pathlib import Path
{body}

def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name({name!r})
    data = json.loads(path.read_text())
    if data.get("format") != "boundcheck-counterexample/1" or data.get("key") != {key!r}:
        print("not a {key} counterexample file")
        return 2
    ok, why = check(data["instance"], data.get("overrides") or {{}})
    if ok is None:
        print("HYPOTHESIS FAILS:", why)
        return 2
    print(("holds: " if ok else "VIOLATED: ") + why)
    return 1 if ok else 0


if __name__ == "__main__":
    sys.exit(main())
'''


def script_for(key: str, name: str) -> str | None:
    """The verifier source for a counterexample file ``name`` of ``key``, or None."""
    body = TEMPLATES.get(key)
    if body is None:
        return None
    return SCRIPT.format(key=key, name=name, body=body)


def _in_process(body: str, data: dict) -> tuple[bool | None, str]:
    env: dict = {}
    exec("from fractions import Fraction\n" + body, env)  # noqa: S102 - our own template
    return env["check"](data["instance"], data.get("overrides") or {})


def write_verifier(path: str | Path) -> Path | None:
    """Write ``<path>.verify.py`` beside a counterexample file when a template exists for its
    key and confirms the violation; return the script's path (None otherwise)."""
    path = Path(path)
    data = json.loads(path.read_text())
    src = script_for(str(data.get("key")), path.name)
    if src is None:
        return None
    ok, _ = _in_process(TEMPLATES[str(data["key"])], data)
    if ok is not False:
        return None
    out = path.with_name(path.name + ".verify.py")
    out.write_text(src)
    return out


def run_verifier(script: str | Path, target: str | Path | None = None
                 ) -> subprocess.CompletedProcess:
    """Run a verifier with ``python -I`` (isolated: no boundcheck importable)."""
    cmd = [sys.executable, "-I", str(script)] + ([str(target)] if target else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                          cwd=str(Path(script).parent))
