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

#: Exact helpers shared by the templates below (rational matrices, an exact positive-
#: definiteness test, eigenvalue enclosures by bisection on it, e and log enclosures).
COMMON = r'''
# ------------------------------------------------------------- exact helpers (stdlib only)
def num(x):
    """A file scalar as an exact Fraction (floats are stored as hex: exact)."""
    if isinstance(x, dict):
        if "__fraction__" in x:
            return Fraction(x["__fraction__"])
        if "__float__" in x:
            return Fraction(float.fromhex(x["__float__"]))
        raise ValueError(f"not a scalar: {sorted(x)}")
    if isinstance(x, bool):
        raise ValueError("a boolean is not a number")
    return Fraction(x)


def mat(x):
    """A file matrix (``__ndarray__`` hex floats or ``__objarray__``) as rows of Fractions."""
    vals = [num({"__float__": v}) for v in x["__ndarray__"]] if "__ndarray__" in x else \
        [num(v) for v in x["__objarray__"]]
    shape = x["shape"]
    if len(shape) == 1:
        shape = [shape[0], 1]
    r, c = shape
    return [vals[i * c:(i + 1) * c] for i in range(r)]


def T(A):
    return [list(r) for r in zip(*A)]


def mm(A, B):
    Bt = T(B)
    return [[sum((a * b for a, b in zip(r, col)), Fraction(0)) for col in Bt] for r in A]


def add(A, B, s=1):
    return [[a + s * b for a, b in zip(ra, rb)] for ra, rb in zip(A, B)]


def scal(c, A):
    return [[c * a for a in r] for r in A]


def eye(n):
    return [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]


def fro2(A):
    return sum((a * a for r in A for a in r), Fraction(0))


def mpow(A, k):
    P = A
    for _ in range(k - 1):
        P = mm(P, A)
    return P


def prod(Ws):
    """W_L ... W_1 for Ws = [W_1, ..., W_L]."""
    P = Ws[0]
    for W in Ws[1:]:
        P = mm(W, P)
    return P


def gram(A):
    """The smaller Gram matrix: its eigenvalues are the squared singular values
    sigma_1^2 >= ... >= sigma_min(rows, cols)^2."""
    return mm(T(A), A) if len(A[0]) <= len(A) else mm(A, T(A))


def pd(S):
    """Exact test that a symmetric rational matrix is positive definite (Sylvester: the
    pivots of Gaussian elimination without pivoting are ratios of leading minors)."""
    n = len(S)
    if any(S[i][j] != S[j][i] for i in range(n) for j in range(i)):
        raise ValueError("pd() needs a symmetric matrix")
    S = [list(r) for r in S]
    for k in range(n):
        p = S[k][k]
        if p <= 0:
            return False
        for i in range(k + 1, n):
            f = S[i][k] / p
            if f:
                for j in range(k + 1, n):
                    S[i][j] -= f * S[k][j]
    return True


def shift(S, t):
    return [[a - (t if i == j else 0) for j, a in enumerate(r)] for i, r in enumerate(S)]


def lmin(S, steps):
    """(lo, hi) with lo < lambda_min(S) <= hi, by bisection on the exact test pd(S - t I)
    (Gershgorin start: lambda_min >= -R, S - R I not positive definite)."""
    R = max(sum(abs(a) for a in r) for r in S)
    lo, hi = -R - 1, R
    for _ in range(steps):
        mid = (lo + hi) / 2
        if pd(shift(S, mid)):
            lo = mid
        else:
            hi = mid
    return lo, hi


def lmax(S, steps):
    """(lo, hi) with lo <= lambda_max(S) < hi."""
    lo, hi = lmin(scal(-1, S), steps)
    return -hi, -lo


def sq_norm_le(S, t):
    """||S||_2 <= t for a symmetric S, proved by t I - S and t I + S positive definite
    (strict: False means not proved)."""
    n = len(S)
    return pd(add(scal(t, eye(n)), S, -1)) and pd(add(scal(t, eye(n)), S))


def spec2_le(A, t2):
    """||A||_2^2 < t2, proved by t2 I - Gram positive definite."""
    G = gram(A)
    return pd(add(scal(t2, eye(len(G))), G, -1))


def spec2_ge(A, t2):
    """||A||_2^2 >= t2, proved by t2 I - Gram not positive definite."""
    G = gram(A)
    return not pd(add(scal(t2, eye(len(G))), G, -1))


def e_bounds(n=24):
    """lo < e < hi: partial sum of 1/k! and its tail bound 2/(n+1)!."""
    s, f = Fraction(0), Fraction(1)
    for k in range(n + 1):
        if k:
            f /= k
        s += f
    return s, s + 2 * f / (n + 1)


def _log_series(z, n):
    """lo <= log z <= hi: log z = 2 sum_k t^(2k+1)/(2k+1), t = (z-1)/(z+1), with the tail
    bound 2|t|^(2n+1) / ((2n+1)(1-t^2))."""
    t = (z - 1) / (z + 1)
    s = sum(2 * t ** (2 * k + 1) / (2 * k + 1) for k in range(n))
    tail = 2 * abs(t) ** (2 * n + 1) / ((2 * n + 1) * (1 - t * t))
    return (s, s + tail) if t >= 0 else (s - tail, s)


def log_bounds(z, n):
    """lo <= log z <= hi for a rational z > 0: z = 2^k r with 2/3 <= r <= 4/3 (|t| <= 1/7),
    log z = k log 2 + log r, each by the series above."""
    if z <= 0:
        raise ValueError("log of a non-positive number")
    k = 0
    while z > Fraction(4, 3):
        z, k = z / 2, k + 1
    while z < Fraction(2, 3):
        z, k = z * 2, k - 1
    lo, hi = _log_series(z, n)
    l2lo, l2hi = _log_series(Fraction(2), n)
    return (lo + k * (l2lo if k >= 0 else l2hi), hi + k * (l2hi if k >= 0 else l2lo))


def refine(decide, schedule=(24, 48, 96, 192, 384)):
    """decide(n) -> (ok, why) or None (not separated at precision n); Undecided if never."""
    for n in schedule:
        out = decide(n)
        if out is not None:
            return out
    raise Undecided("the rational enclosures did not separate the two sides")


def fmt(x):
    return f"{float(x):.6g}"
'''

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

# ---------------------------------------------------------------- acgh19.proc1[appE_literal]
#: acgh19 App. E (Procedure 1 with orthogonal insertions, literal wording): W_1 = D V^T,
#: W_j = D, W_N = U D (D = diag(q), A = U D^N V^T), then W_j <- W_j O_j,
#: W_{j+1} <- O_j^T W_{j+1}. Claimed: W_N ... W_1 = A. Exact products of the file's dyadics.
PROC1_BODY = r'''
def check(inst, overrides):
    if overrides:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    if "O" not in inst:
        return None, "the file does not carry the insertions O_j (instance field 'O')"
    N, dims = int(inst["N"]), [int(x) for x in inst["dims"]]
    U, V, A = mat(inst["U"]), mat(inst["V"]), mat(inst["A"])
    q = [r[0] for r in mat(inst["q"])]
    O = [mat(x) for x in inst["O"]]
    k = len(q)
    if not (N >= 2 and len(dims) == N + 1 and len(set(dims)) == 1 and dims[0] >= 2):
        return None, "App. E: N >= 2 layers of equal widths d >= 2"
    if mm(T(U), U) != eye(k) or mm(T(V), V) != eye(k) or min(q) <= 0:
        return None, "U, V must be exact isometries and q > 0"
    D = [[q[i] if i == j else Fraction(0) for j in range(k)] for i in range(k)]
    if mm(mm(U, mpow(D, N)), T(V)) != A:
        return None, "A != U diag(q)^N V^T"
    if len(O) != N - 1 or any(mm(T(Q), Q) != eye(len(Q)) for Q in O):
        return None, "the O_j must be N-1 exactly orthogonal matrices"
    Ws = [mm(D, T(V))] + [D] * (N - 2) + [mm(U, D)]
    for j in range(N - 1):  # literal: O_j to the right of W_j, O_j^T to the left of W_{j+1}
        Ws[j], Ws[j + 1] = mm(Ws[j], O[j]), mm(T(O[j]), Ws[j + 1])
    r = fro2(add(prod(Ws), A, -1))
    if r:
        return False, f"W_N...W_1 != A after the literal insertion: ||W_N...W_1 - A||_F^2 = {r}"
    return True, "W_N...W_1 = A exactly"
'''

# ------------------------------------------------------------------------------ acgh19.lem5
#: acgh19 App. D.2.1, Lemma 5, eq. (18) with the printed pairing (sigma_{N,min} when
#: d_N >= d_0, sigma_{1,min} when d_N <= d_0). Hypotheses: d_N <= d_{N-1}, d_0 <= d_1,
#: ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F <= nu, ||W_j||_2 <= M. Singular values are enclosed
#: by bisection on exact positive-definiteness tests of the Gram matrices.
LEM5_BODY = r'''
def check(inst, overrides):
    if set(overrides) - {"const"}:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    k = num(overrides.get("const", Fraction(3, 2)))
    Ws = [mat(W) for W in inst["W"]]
    N, dims, nu, M = len(Ws), [int(x) for x in inst["dims"]], num(inst["nu"]), num(inst["M"])
    if [len(Ws[0][0])] + [len(W) for W in Ws] != dims or N < 2:
        return None, "the layers do not have the stated widths"
    if not (dims[-1] <= dims[-2] and dims[0] <= dims[1]):
        return None, "hypothesis d_N <= d_{N-1}, d_0 <= d_1 fails"
    for j in range(N - 1):
        if fro2(add(mm(T(Ws[j + 1]), Ws[j + 1]), mm(Ws[j], T(Ws[j])), -1)) > nu * nu:
            return None, f"(15) imbalance > nu at j={j + 1}"
    if not all(spec2_le(W, M * M) for W in Ws):
        return None, "||W_j||_2 <= M not proved"
    c = k * nu * M ** (2 * (N - 1)) * N * N
    GE = gram(prod(Ws))
    cases = ([("N", Ws[-1], "d_N >= d_0")] if dims[-1] >= dims[0] else []) + \
            ([("1", Ws[0], "d_N <= d_0")] if dims[-1] <= dims[0] else [])

    def decide(n):
        elo, ehi = lmin(GE, n)
        for which, W, case in cases:
            wlo, whi = lmin(gram(W), n)
            if elo - c > max(whi, 0) ** N:
                return False, (f"(18) [{case}]: sigma_min(W_N..W_1)^2 - 3/2 nu M^(2(N-1)) N^2 >= "
                               f"{fmt(elo - c)} > {fmt(max(whi, 0) ** N)} >= sigma_{which},min^(2N)"
                               f" [dims={dims}]")
        if all(ehi - c <= max(lmin(gram(W), n)[0], 0) ** N for _, W, _ in cases):
            return True, "(18) holds for every printed case"
        return None

    return refine(decide)
'''

# ----------------------------------------------------------- acgh19.lem10[proof-moment-printed]
#: acgh19 App. D.4, proof of Lemma 10: X = A^T A - B B^T, A (a x d), B (d x b) i.i.d.
#: N(0, s^2). X_11 = sum_k A_k1^2 - sum_l B_1l^2; with E Z^2 = 1, E Z^4 = 3:
#: E X_11^2 = s^4 (E S^2 + E T^2 - 2 E S E T), E S^2 = 3a + a(a-1) (chi-square sums).
#: Printed: s^4 (3(a+b) + a(a-1) + b(b-1) - ab).
LEM10_BODY = r'''
def check(inst, overrides):
    if set(overrides) - {"cross"}:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    cross = num(overrides.get("cross", -1))
    a, b, d, s2 = int(inst["a"]), int(inst["b"]), int(inst["d"]), num(inst["s2"])
    if not (min(a, b, d) >= 1 and s2 > 0):
        return None, "hypotheses a, b, d >= 1, s^2 > 0"
    s4 = s2 * s2
    ES2 = 3 * a + a * (a - 1)  # E (sum of a squared standard normals)^2: diagonal + pairs
    ET2 = 3 * b + b * (b - 1)
    exact = s4 * (ES2 + ET2 - 2 * a * b)  # E S E T = ab
    printed = s4 * (3 * (a + b) + a * (a - 1) + b * (b - 1) + cross * a * b)
    why = f"E X_11^2 = {exact} vs printed {printed} [a={a}, b={b}, d={d}, s^2={s2}]"
    return (exact == printed), why
'''

# ---------------------------------------------------------------------------------- dh19.eq22
#: dh19 App. C, eq. (22), second step: -(q/2) log(1 + 2 lam/m) <= -k q lam/m (printed
#: k = 1/2) for -m/4 <= lam < 0. log enclosed by the artanh series with its tail bound.
EQ22_BODY = r'''
def check(inst, overrides):
    if set(overrides) - {"k"}:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    k = num(overrides.get("k", Fraction(1, 2)))
    q, m, lam = num(inst["q"]), num(inst["m"]), num(inst["lam"])
    if not (m > 0 and -m / 4 <= lam < 0):
        return None, "hypotheses -m/4 <= lam < 0"
    rhs = -k * q * lam / m

    def decide(n):
        lo, hi = log_bounds(1 + 2 * lam / m, n)
        if -q / 2 * hi > rhs:
            return False, (f"-(q/2) log(1+2lam/m) >= {fmt(-q / 2 * hi)} > -({k}) q lam/m = "
                           f"{fmt(rhs)} [q={q}, m={m}, lam={fmt(lam)}]")
        if -q / 2 * lo <= rhs:
            return True, f"-(q/2) log(1+2lam/m) <= {fmt(-q / 2 * lo)} <= {fmt(rhs)}"
        return None

    return refine(decide)
'''

# ------------------------------------------------------------------------ wwm19 shared hypotheses
#: wwm19 App. A.1: D_l = W_{l+1}^T W_{l+1} - W_l W_l^T; the (4.6)-type bounds
#: ||D_l||_2 <= delta (l <= L-2), ||I + D_{L-1}||_2 <= epsilon.
WWM_HYPS = r'''
def D(Ws, l):
    return add(mm(T(Ws[l]), Ws[l]), mm(Ws[l - 1], T(Ws[l - 1])), -1)


def invariant_hyps(Ws, L, delta, eps):
    """None when ||D_l|| <= delta (l <= L-2) and ||I + D_{L-1}|| <= eps are proved."""
    for l in range(1, L - 1):
        if not sq_norm_le(D(Ws, l), delta):
            return f"||D_{l}||_2 <= delta not proved"
    if L >= 2 and not sq_norm_le(add(eye(len(Ws[0])), D(Ws, L - 1)), eps):
        return "||I + D_{L-1}||_2 <= epsilon not proved"
    return None


def a3_hyps(inst, Ws, L, phi, delta, eps):
    """Lemma A.3's hypotheses with phi = max{||W_{L:1}||_2, e/sqrt L, 1} (phi within 1e-8)."""
    elo, ehi = e_bounds()
    P = prod(Ws)
    if not (phi >= 1 and phi * phi * L >= ehi * ehi and spec2_le(P, phi * phi)):
        return "phi >= max{||W_{L:1}||_2, e/sqrt(L), 1} not proved"
    lim = phi / (1 + Fraction(1, 10 ** 8))
    if not (lim <= 1 or lim * lim * L <= elo * elo or spec2_ge(P, lim * lim)):
        return "phi <= (1 + 1e-8) max{...} not proved (phi must be the lemma's own)"
    why = invariant_hyps(Ws, L, delta, eps)
    if why:
        return why
    if not (delta * 2 * L ** 3 * phi * phi <= 1 and eps * 4 * L * L <= 1):
        return "delta <= 1/(2 L^3 phi^2), epsilon <= 1/(4 L^2) fail"
    return None
'''

# --------------------------------------------------------------- wwm19.lemA_3[stepii-printed]
#: wwm19 App. A.1, proof of Lemma A.3, step (ii) as printed: with M = W_{L-1} W_{L-1}^T and
#: B = (1 - eps) I + W_L^T W_L, the proof claims M^{L-1} >= B^{L-1} (Loewner order), i.e.
#: lambda_min(M^{L-1} - B^{L-1}) >= 0. Violated when the exact symmetric M^{L-1} - B^{L-1}
#: minus hi I is not positive definite for some hi < 0.
A3II_BODY = WWM_HYPS + r'''
def check(inst, overrides):
    if overrides:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    Ws, L, d = [mat(W) for W in inst["Ws"]], int(inst["L"]), int(inst["d"])
    phi, delta, eps = num(inst["phi_a3"]), num(inst["delta"]), num(inst["eps"])
    if len(Ws) != L or L < 3 or any(len(W) != d or len(W[0]) != d for W in Ws):
        return None, "L >= 3 square d x d layers"
    why = a3_hyps(inst, Ws, L, phi, delta, eps)
    if why:
        return None, why
    M = mm(Ws[-2], T(Ws[-2]))
    B = add(scal(1 - eps, eye(d)), mm(T(Ws[-1]), Ws[-1]))
    X = add(mpow(M, L - 1), mpow(B, L - 1), -1)

    def decide(n):
        lo, hi = lmin(X, n)
        if hi < 0:
            return False, (f"step (ii): lambda_min(M^(L-1) - B^(L-1)) <= {fmt(hi)} < 0 "
                           f"[L={L}, d={d}]")
        if lo >= 0:
            return True, f"step (ii): lambda_min(M^(L-1) - B^(L-1)) > {fmt(lo)} >= 0"
        return None

    return refine(decide)
'''

# -------------------------------------------------------------- wwm19.lemA_3[stepiii-printed]
#: Step (iii) as printed (Bernoulli without alpha^{2(L-2)}): (alpha^2 - h)^{L-1} >=
#: alpha^{2(L-1)} - (L-1) h, h = 2 eps + (L-2) delta, alpha = max_{l<L} ||W_l||_2.
#: f(a) = a^{L-1} - (L-1) h - (a - h)^{L-1} is non-decreasing for a >= h (L >= 3), so the
#: step is violated when f(lower bound of alpha^2) > 0.
A3III_BODY = WWM_HYPS + r'''
def check(inst, overrides):
    if overrides:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    Ws, L, d = [mat(W) for W in inst["Ws"]], int(inst["L"]), int(inst["d"])
    phi, delta, eps = num(inst["phi_a3"]), num(inst["delta"]), num(inst["eps"])
    if len(Ws) != L or L < 3 or any(len(W) != d or len(W[0]) != d for W in Ws):
        return None, "L >= 3 square d x d layers"
    why = a3_hyps(inst, Ws, L, phi, delta, eps)
    if why:
        return None, why
    h = 2 * eps + (L - 2) * delta
    f = lambda a: a ** (L - 1) - (L - 1) * h - (a - h) ** (L - 1)  # noqa: E731

    def decide(n):
        bounds = [lmax(gram(W), n) for W in Ws[:-1]]
        a_lo, a_hi = max(b[0] for b in bounds), max(b[1] for b in bounds)
        if a_lo >= h and f(a_lo) > 0:
            return False, (f"step (iii): alpha^(2(L-1)) - (L-1)h - (alpha^2 - h)^(L-1) >= "
                           f"{fmt(f(a_lo))} > 0 [alpha^2 >= {fmt(a_lo)}, h={fmt(h)}, L={L}]")
        if a_lo >= h and f(a_hi) <= 0:
            return True, f"step (iii) holds: f(alpha^2) <= {fmt(f(a_hi))} <= 0"
        return None

    return refine(decide)
'''

# ---------------------------------------------------------------------- wwm19.lemA_6[proof-step]
#: wwm19 App. A.2, proof of Lemma A.6: under Lemma A.2's hypotheses only (plus the step-size
#: bounds) the proof uses ||grad_l R||_F^2 <= 4 phi^2 R (l < L), R = 1/2 ||W_{L:1} - Phi||_F^2,
#: grad_l = (W_L..W_{l+1})^T (W_{L:1} - Phi) (W_{l-1}..W_1)^T. All exact rationals.
A6_BODY = WWM_HYPS + r'''
def check(inst, overrides):
    if overrides:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    Ws, L, d = [mat(W) for W in inst["Ws"]], int(inst["L"]), int(inst["d"])
    Phi = mat(inst["Phi"])
    alpha, phi, eta = num(inst["alpha"]), num(inst["phi"]), num(inst["eta"])
    delta, eps = num(inst["delta"]), num(inst["eps"])
    if len(Ws) != L or L < 2 or any(len(W) != d or len(W[0]) != d for W in Ws):
        return None, "L >= 2 square d x d layers"
    if not all(spec2_le(W, alpha * alpha) for W in Ws[:-1]):
        return None, "||W_l||_2 <= alpha (l < L) not proved"
    why = invariant_hyps(Ws, L, delta, eps)
    if why:
        return None, why
    a2 = alpha ** (2 * (L - 1))
    if not (1 <= a2 < L * phi * phi and delta * 2 * L ** 3 * phi * phi <= 1
            and eps * 4 * L * L <= 1):
        return None, "Lemma A.2: 1 <= alpha^(2(L-1)) < L phi^2, delta, epsilon bounds"
    E = add(prod(Ws), Phi, -1)
    R = fro2(E) / 2
    if not (eta > 0 and eta * eta * (64 * L * L) ** 2 * phi ** 6 * R <= 1
            and eta * 144 * L * L * phi ** 4 <= 1):
        return None, "eta <= min{1/(64 L^2 phi^3 sqrt R), 1/(144 L^2 phi^4)} fails"
    bad = []
    for l in range(1, L):  # layers 1..L-1
        left = prod(Ws[l:]) if l < L else eye(d)
        right = prod(Ws[:l - 1]) if l > 1 else eye(d)
        g2 = fro2(mm(mm(T(left), E), T(right)))
        if g2 > 4 * phi * phi * R:
            bad.append(f"l={l}: {fmt(g2)} > {fmt(4 * phi * phi * R)}")
    if bad:
        return False, ("||grad_l R||_F^2 > 4 phi^2 R under Lemma A.2's hypotheses: "
                       + "; ".join(bad[:3]) + f" [L={L}, d={d}]")
    return True, "||grad_l R||_F^2 <= 4 phi^2 R for every l < L"
'''

# ---------------------------------------------------------------------------------- wwm19.lem4_4
#: wwm19 §4.2, Lemma 4.4 as stated: (4.6) ||D_l||_2 <= 1/(2L^3), ||I + D_{L-1}||_2 <=
#: 1/(4L^2) => ||W_l||_2 <= 1 + C log L / L (C = 10). W_l = c I (l < L), W_L = s I.
L44_BODY = WWM_HYPS + r'''
def check(inst, overrides):
    if set(overrides) - {"C"}:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    C = num(overrides.get("C", 10))
    L, d, c, s = int(inst["L"]), int(inst["d"]), num(inst["c"]), num(inst["s"])
    if L < 2 or d < 1:
        return None, "L >= 2, d >= 1"
    Ws = [scal(c, eye(d))] * (L - 1) + [scal(s, eye(d))]
    why = invariant_hyps(Ws, L, Fraction(1, 2 * L ** 3), Fraction(1, 4 * L * L))
    if why:
        return None, "(4.6) " + why

    def decide(n):
        lo, hi = log_bounds(Fraction(L), n)
        rhs_hi, rhs_lo = 1 + C * hi / L, 1 + C * lo / L
        wlo, whi = lmax(gram(Ws[0]), n)
        if wlo > rhs_hi * rhs_hi:
            return False, (f"(4.7): ||W_1||_2^2 >= {fmt(wlo)} > {fmt(rhs_hi ** 2)} >= "
                           f"(1 + C log L / L)^2 [L={L}, d={d}, c={c}, C={C}]")
        if whi <= rhs_lo * rhs_lo:
            return True, "(4.7) holds"
        return None

    return refine(decide)
'''

# ---------------------------------------------------------------------------------- wwm19.eqA_4
#: wwm19 App. A.3, proof of Thm 4.3, printed D-budget: 4 eta (L+2) phi^2 < 1/(4L^2) with
#: phi = max{2 ||Phi||_F, e/sqrt L, 1}, under the theorem's eta <= min{1/(4 L^3 phi^6),
#: 1/(144 L^2 phi^4)}. e enclosed by its series; everything else exact.
EQA4_BODY = r'''
def check(inst, overrides):
    if set(overrides) - {"c_E", "E_pow"}:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    cE, pw = num(overrides.get("c_E", 4)), int(overrides.get("E_pow", 2))
    Phi, L, eta = mat(inst["Phi"]), int(inst["L"]), num(inst["eta"])
    elo, ehi = e_bounds()
    f2 = 4 * fro2(Phi)  # (2 ||Phi||_F)^2
    phi2_lo, phi2_hi = max(f2, elo * elo / L, Fraction(1)), max(f2, ehi * ehi / L, Fraction(1))
    if not (L >= 1 and eta > 0 and eta * 4 * L ** 3 * phi2_hi ** 3 <= 1
            and eta * 144 * L * L * phi2_hi ** 2 <= 1):
        return None, "eta <= min{1/(4 L^3 phi^6), 1/(144 L^2 phi^4)} not proved"
    if pw % 2:
        return None, "odd powers of phi are not supported"
    lo, hi = cE * eta * (L + 2) * phi2_lo ** (pw // 2), cE * eta * (L + 2) * phi2_hi ** (pw // 2)
    bound = Fraction(1, 4 * L * L)
    if lo >= bound:
        return False, (f"{cE} eta (L+2) phi^{pw} >= {fmt(lo)} >= 1/(4L^2) = {fmt(bound)} "
                       f"[L={L}, eta={fmt(eta)}]")
    if hi < bound:
        return True, f"{cE} eta (L+2) phi^{pw} <= {fmt(hi)} < 1/(4L^2)"
    raise Undecided("the e enclosure does not separate the budget from 1/(4L^2)")
'''

# -------------------------------------------------------- zlg20.sec4_identity[printed-generic-C]
#: zlg20 Sec. 4: identity transforms A = [I_d; 0] (m x d), B = b [I_k, 0] (k x m, b =
#: sqrt(m/k) rounded: both sides of (4.1) are proportional to b, so any b > 0 decides the
#: same), <X, Y> = 0: the claim "(4.1) fails, i.e. mu_A^2 mu_B^2 / (lambda_A lambda_B) <
#: C ||X||_2 sigma_r(X)^-2 (L(W(0)) - L*)^(1/2), whenever ||X||_F >= sqrt(2)/C" at C = 0.9.
#: The file's Y is orthogonal to X only up to rounding, so the verifier first projects it
#: exactly off the row space of X (then <X, Y> = 0 holds exactly). W(0) = 0, so L(W(0)) =
#: 1/2 ||B A X - Y||_F^2; L* = 1/2 ||Y - Y X^T (X X^T)^-1 X||_F^2 (nonzero rows of X).
#: Compared squared; singular values enclosed via the Gram matrices.
ZLG_BODY = r'''
def inverse(S):
    n = len(S)
    Mx = [list(r) + [Fraction(int(i == j)) for j in range(n)] for i, r in enumerate(S)]
    for c in range(n):
        p = next((r for r in range(c, n) if Mx[r][c] != 0), None)
        if p is None:
            raise ValueError("singular Gram matrix")
        Mx[c], Mx[p] = Mx[p], Mx[c]
        Mx[c] = [v / Mx[c][c] for v in Mx[c]]
        for r in range(n):
            if r != c and Mx[r][c]:
                Mx[r] = [a - Mx[r][c] * b for a, b in zip(Mx[r], Mx[c])]
    return [r[n:] for r in Mx]


def check(inst, overrides):
    if set(overrides) - {"C"}:
        return None, f"overrides {sorted(overrides)} are not the printed variant"
    C = num(overrides.get("C", 0.9))
    A, B, X, Y0 = mat(inst["A"]), mat(inst["B"]), mat(inst["X"]), mat(inst["Y"])
    m, d, k = len(A), len(A[0]), len(B)
    b = B[0][0]
    if not (len(B[0]) == m and len(X) == d and len(Y0) == k == d and m >= d and b > 0
            and A == [[Fraction(int(i == j)) for j in range(d)] for i in range(m)]
            and B == [[b if i == j else Fraction(0) for j in range(m)] for i in range(k)]):
        return None, "not identity transforms A = [I; 0], B = b [I, 0] (b > 0), d = k"
    if not (C > 0 and C * C * fro2(X) >= 2):
        return None, "hypothesis ||X||_F >= sqrt(2)/C fails"
    Xn = [r for r in X if any(r)]
    GX = mm(Xn, T(Xn))
    Y = add(Y0, mm(mm(mm(Y0, T(Xn)), inverse(GX)), Xn), -1)  # rows orthogonal to X's
    xy = sum((a * c for ra, rc in zip(X, Y) for a, c in zip(ra, rc)), Fraction(0))
    xy0 = sum((a * c for ra, rc in zip(X, Y0) for a, c in zip(ra, rc)), Fraction(0))
    if xy != 0:
        return None, "<X, Y> = 0 not met"
    proj = mm(mm(mm(Y, T(Xn)), inverse(GX)), Xn)  # Phi* X, least squares (0 here)
    L0 = fro2(add(mm(mm(B, A), X), Y, -1)) / 2
    Ls = fro2(add(proj, Y, -1)) / 2
    GA, GB = gram(A), gram(B)

    def decide(n):
        (a0, a1), (A0, A1) = lmin(GA, n), lmax(GA, n)
        (b0, b1), (B0, B1) = lmin(GB, n), lmax(GB, n)
        (x0, x1), (X0, X1) = lmin(GX, n), lmax(GX, n)
        if min(A0, B0, x0) <= 0:
            return None
        lhs_lo = max(a0, 0) ** 2 * max(b0, 0) ** 2 / (A1 * B1)  # LHS(4.1)^2
        rhs_hi = C * C * X1 * (L0 - Ls) / x0 ** 2  # RHS(4.1)^2
        if lhs_lo >= rhs_hi:
            return False, (f"(4.1) holds although ||X||_F >= sqrt(2)/C: LHS^2 >= {fmt(lhs_lo)} "
                           f">= {fmt(rhs_hi)} >= RHS^2 [m={m}, C={fmt(C)}; file's <X,Y> = "
                           f"{fmt(xy0)}, projected to 0 exactly]")
        if a1 ** 2 * b1 ** 2 / (A0 * B0) < C * C * X0 * (L0 - Ls) / x1 ** 2:
            return True, "(4.1) fails (LHS < RHS), as claimed"
        return None

    return refine(decide)
'''

TEMPLATES: dict[str, str] = {
    "acgh19.lem17": LEM17_BODY,
    "acgh19.proc1[appE_literal]": COMMON + PROC1_BODY,
    "acgh19.lem5": COMMON + LEM5_BODY,
    "acgh19.lem10[proof-moment-printed]": COMMON + LEM10_BODY,
    "dh19.eq22": COMMON + EQ22_BODY,
    "wwm19.lemA_3[stepii-printed]": COMMON + A3II_BODY,
    "wwm19.lemA_3[stepiii-printed]": COMMON + A3III_BODY,
    "wwm19.lemA_6[proof-step]": COMMON + A6_BODY,
    "wwm19.lem4_4": COMMON + L44_BODY,
    "wwm19.eqA_4": COMMON + EQA4_BODY,
    "zlg20.sec4_identity[printed-generic-C]": COMMON + ZLG_BODY,
}

#: Defined in every script (and before a template runs in-process).
PRELUDE = '''

class Undecided(ArithmeticError):
    """Rational enclosures did not separate the two sides: exit 3, nothing claimed."""

'''

SCRIPT = '''#!/usr/bin/env python3
"""Standalone verifier for {key} (written by boundcheck; uses only the standard library).

Re-checks the refuted inequality from the exact rationals of the counterexample file
{name}. Usage: python {name}.verify.py [FILE]. Prints VIOLATED and exits 0 when the
inequality fails; exits 1 when it holds, 2 when a hypothesis fails or the file is not one,
3 when its rational enclosures cannot separate the two sides (nothing is then claimed).
Floats in the file are read from their exact hex form; every decision is made in Fraction
arithmetic (irrational quantities only through proved rational bounds).
"""
import json
import sys
from fractions import Fraction
from pathlib import Path
{prelude}{body}

def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name({name!r})
    data = json.loads(path.read_text())
    if data.get("format") != "boundcheck-counterexample/1" or data.get("key") != {key!r}:
        print("not a {key} counterexample file")
        return 2
    try:
        ok, why = check(data["instance"], data.get("overrides") or {{}})
    except Undecided as exc:
        print("UNDECIDED:", exc)
        return 3
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
    return SCRIPT.format(key=key, name=name, body=body, prelude=PRELUDE)


def _in_process(body: str, data: dict) -> tuple[bool | None, str]:
    """The template's verdict on a file's data (None also when it cannot decide)."""
    env: dict = {}
    exec("from fractions import Fraction\n" + PRELUDE + body, env)  # noqa: S102 - our own
    try:
        return env["check"](data["instance"], data.get("overrides") or {})
    except env["Undecided"] as exc:
        return None, f"undecided: {exc}"


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
