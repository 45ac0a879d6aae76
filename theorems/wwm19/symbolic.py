"""wwm19 identities settled symbolically (sympy, exact): gradient formulas, the residual
re-parametrization, the saddle of the toy problem, the chain rule under the flow, the
balance identity behind Lemma 4.2, the balanced-product telescoping, Lemma A.5's sign and
the proof of Theorem 4.3's D-budget arithmetic.

Wu, Wang & Ma, NeurIPS 2019 (§2 eqs. (2.2)-(2.4), §3 (3.2) and the residual form, §4.1
eq. (4.1), Lemma 4.2, proof of Thm 4.1, App. A.2 Lemma A.5, App. A.3). Generic matrices
have independent symbolic entries, so an identity that simplifies to 0 holds for all real
matrices of that size.
"""

from __future__ import annotations

import sympy as sp

from boundcheck.check.registry import register
from boundcheck.check.result import Params, Result, Source, Symbolic
from boundcheck.check.verdict import Condition
from theorems.wwm19 import PAPER


def _mats(prefix: str, L: int, r: int, c: int | None = None) -> list[sp.Matrix]:
    c = r if c is None else c
    return [sp.Matrix(r, c, lambda i, j, k=k: sp.Symbol(f"{prefix}{k}_{i}{j}"))
            for k in range(1, L + 1)]


def _prod(Ws: list[sp.Matrix], i: int, j: int, d: int) -> sp.Matrix:
    """W_{j:i} = W_j ... W_i (1-indexed), identity when j < i."""
    out = sp.eye(d)
    for k in range(i, j + 1):
        out = Ws[k - 1] * out
    return out


def _R(Ws: list[sp.Matrix], Phi: sp.Matrix, d: int) -> sp.Expr:
    E = _prod(Ws, 1, len(Ws), d) - Phi
    return sp.Rational(1, 2) * sum(e**2 for e in E)


def _grad_formula(Ws: list[sp.Matrix], Phi: sp.Matrix, d: int, l: int, shift: int = 0
                  ) -> sp.Matrix:
    """(2.4): W_{L:l+1}^T (W_{L:1} - Phi) W_{l-1:1}^T (``shift`` = 1 uses W_{l:1}: broken)."""
    L = len(Ws)
    return (_prod(Ws, l + 1, L, d).T * (_prod(Ws, 1, L, d) - Phi)
            * _prod(Ws, 1, l - 1 + shift, d).T)


def _jac(R: sp.Expr, W: sp.Matrix) -> sp.Matrix:
    """The matrix of partial derivatives dR/dW_ij."""
    return W.applyfunc(lambda w: sp.diff(R, w))


def _zero(M: sp.Matrix | sp.Expr) -> sp.Expr:
    """0 when every entry expands to 0 (the identity holds for generic matrices); else the
    sum of squares of the nonzero entries at a fixed rational point (a positive rational:
    a nonzero polynomial is nonzero there unless the point is a root, which would only make
    the check miss, never invent, a counterexample)."""
    entries = [sp.expand(x) for x in (M if isinstance(M, sp.MatrixBase) else [M])]
    bad = [x for x in entries if x != 0]
    if not bad:
        return sp.Integer(0)
    syms = sorted(set().union(*(x.free_symbols for x in bad)), key=str)
    pt = {s: sp.Rational(k % 7 + 2, k % 5 + 3) for k, s in enumerate(syms)}
    return sum(x.subs(pt) ** 2 for x in bad)


# --- eq2_4 ------------------------------------------------------------------------------
def _eq2_4(p: Params) -> list[Condition]:
    conds = []
    for L, d in p["sizes"]:
        Ws, Phi = _mats("w", L, d), _mats("f", 1, d)[0]
        R = _R(Ws, Phi, d)
        for l in range(1, L + 1):
            G = _grad_formula(Ws, Phi, d, l, p["shift"])
            diff = _jac(R, Ws[l - 1]) - G
            conds.append(Condition("dR/dW_l - W_{L:l+1}^T (W_{L:1}-Phi) W_{l-1:1}^T = 0",
                                   (_zero(diff)), "==", sp.Integer(0),
                                   context=f"L={L}, d={d}, l={l}"))
    return conds


register(Result(
    id="wwm19.eq2_4", title="GD (2.4) and the gradient formula",
    source=Source(PAPER, "§2", "eq. (2.4)"),
    statement=r"\nabla_l\mathcal R=W_{L:l+1}^\top(W_{L:1}-\Phi)W_{l-1:1}^\top",
    kind="equation", check=Symbolic(_eq2_4),
    params={"sizes": [(1, 2), (2, 2), (3, 2)], "shift": 0}, broken={"shift": 1},
    notes="OCR prints W_{L:l}, W_{l-1:l}; read W_{L:1}, W_{l-1:1} (appendix form). Broken: "
          "W_{l:1} in place of W_{l-1:1}."))


# --- eq2_2 ------------------------------------------------------------------------------
def _eq2_2(p: Params) -> list[Condition]:
    conds = []
    for L, dx, n in p["sizes"]:
        Ws = _mats("w", L, dx)
        X = sp.Matrix(dx, n, lambda i, j: sp.Symbol(f"x_{i}{j}"))
        Y = sp.Matrix(dx, n, lambda i, j: sp.Symbol(f"y_{i}{j}"))
        E = _prod(Ws, 1, L, dx) * X - Y
        Rt = sp.Rational(p["half"]) * sum(e**2 for e in E)
        for l in range(1, L + 1):
            G = _prod(Ws, l + 1, L, dx).T * E * X.T * _prod(Ws, 1, l - 1, dx).T
            diff = _jac(Rt, Ws[l - 1]) - G
            conds.append(Condition("d R~/dW_l = W_{L:l+1}^T (W_{L:1} X - Y) X^T W_{l-1:1}^T",
                                   (_zero(diff)), "==", sp.Integer(0),
                                   context=f"L={L}, d_x={dx}, n={n}, l={l}"))
    # whitened reduction: X X^T = I  =>  R~ = 1/2||W X - Y||^2 = R(Phi = Y X^T) + const
    Ws = _mats("w", 2, 2)
    X = sp.Matrix([[1, 0, 0], [0, 0, 1]])  # X X^T = I_2
    Y = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"y_{i}{j}"))
    P = _prod(Ws, 1, 2, 2)
    Rt = sp.Rational(p["half"]) * sum(e**2 for e in (P * X - Y))
    Phi = Y * X.T
    R = sp.Rational(1, 2) * sum(e**2 for e in (P - Phi))
    const = sp.Rational(1, 2) * (sum(e**2 for e in Y) - sum(e**2 for e in Phi))
    conds.append(Condition("X X^T = I: R~(W) = R(W; Phi = Y X^T) + const", _zero(Rt - R - const),
                           "==", sp.Integer(0), context="L=2, d_x=2, n=3"))
    return conds


register(Result(
    id="wwm19.eq2_2", title="Least-squares loss (2.2), its gradient and the whitened reduction",
    source=Source(PAPER, "§2", "eqs. (2.1)-(2.2)"),
    statement=r"\tilde{\mathcal R}=\tfrac12\|W_L\cdots W_1X-Y\|_F^2",
    kind="definition", check=Symbolic(_eq2_2),
    params={"sizes": [(2, 2, 1), (2, 2, 3)], "half": "1/2"}, broken={"half": "1"},
    notes="The gradient of (2.2) (derived, S13) and the reduction to (2.3) when X X^T = I "
          "(standard, not in the paper). Broken: the factor 1/2 dropped."))


# --- eq3_res ----------------------------------------------------------------------------
def _eq3_res(p: Params) -> list[Condition]:
    L, d = p["L"], p["d"]
    Us = _mats("u", L - 1, d)
    WL = _mats("v", 1, d)[0]
    Phi = _mats("f", 1, d)[0]
    eta = sp.Symbol("eta")
    Ws = [sp.eye(d) + U for U in Us] + [WL]
    R = _R(Ws, Phi, d)
    conds = []
    for l in range(1, L):
        # GD on U_l: U_l+ = U_l - eta dR/dU_l ; on W: W_l+ = W_l - eta dR/dW_l (at W = I + U)
        gU = _jac(R, Us[l - 1])
        gW = _grad_formula(Ws, Phi, d, l)
        shifted = sp.eye(d) * p["shift"] + (Us[l - 1] - eta * gU)
        conds.append(Condition("I + U_l^+ = W_l^+ (one GD step commutes with W = I + U)",
                               (_zero(shifted - (Ws[l - 1] - eta * gW))), "==",
                               sp.Integer(0), context=f"L={L}, d={d}, l={l}"))
    return conds


register(Result(
    id="wwm19.eq3_res", title="ZAS = zero-initialized linear ResNet (residual re-parametrization)",
    source=Source(PAPER, "§3 (text after (3.1))"),
    statement=r"W_l=I+U_l:\ \partial\mathcal R/\partial U_l=\partial\mathcal R/\partial W_l,"
              r"\ \text{GD on }(U,W_L)\text{ from }0\equiv\text{GD on }W\text{ from ZAS}",
    kind="claim", check=Symbolic(_eq3_res), params={"L": 3, "d": 2, "shift": 1},
    broken={"shift": 0},
    notes="One step commutes with the shift for generic (symbolic) states, hence by induction "
          "the two trajectories coincide for every t (S14). Broken: drop the identity."))


# --- eq3_2 ------------------------------------------------------------------------------
def _eq3_2(p: Params) -> list[Condition]:
    conds = []
    for L in p["L_list"]:
        w = sp.symbols(f"w1:{L + 1}")
        R = (sp.prod(w) + 1) ** 2 / 2
        O = {x: 0 for x in w}
        g = [sp.diff(R, x).subs(O) for x in w]
        conds.append(Condition("grad R(O) = 0", sum(x**2 for x in g), "==", sp.Integer(0),
                               context=f"L={L}"))
        H = sp.hessian(R, w).subs(O)
        if L == 2:
            ev = sorted(H.eigenvals().keys())
            conds.append(Condition("L=2: Hessian eigenvalue min = -1", ev[0], "==",
                                   sp.Integer(p["eig"]) * -1, context="L=2"))
            conds.append(Condition("L=2: Hessian eigenvalue max = +1", ev[-1], "==",
                                   sp.Integer(p["eig"]), context="L=2"))
        s = sp.Rational(1, 10)
        down = R.subs({x: (s if i < L - 1 else -s) for i, x in enumerate(w)})
        up = R.subs({x: s for x in w})
        conds.append(Condition("R(s,..,s,-s) < R(O) = 1/2 (not a local min)", down, "<",
                               R.subs(O), context=f"L={L}, s=1/10"))
        conds.append(Condition("R(s,..,s) > R(O) = 1/2 (not a local max)", up, ">",
                               R.subs(O), context=f"L={L}, s=1/10"))
    return conds


register(Result(
    id="wwm19.eq3_2", title="Toy problem (3.2): the origin is a saddle",
    source=Source(PAPER, "§3", "eq. (3.2)"),
    statement=r"\mathcal R(w)=(w_L\cdots w_1+1)^2/2:\ O\text{ is a saddle point}",
    kind="claim", check=Symbolic(_eq3_2), params={"L_list": [2, 3, 4, 6], "eig": 1},
    broken={"eig": 2},
    notes="For L >= 3 the gradient and Hessian vanish at O (degenerate saddle); R takes values "
          "on both sides of 1/2 arbitrarily close to O. Broken: Hessian eigenvalues +-2."))


# --- eq4_1: chain rule along the flow ---------------------------------------------------
def _eq4_1(p: Params) -> list[Condition]:
    conds = []
    for L, d in p["sizes"]:
        Ws, Phi = _mats("w", L, d), _mats("f", 1, d)[0]
        h = sp.Symbol("h")
        Gs = [_grad_formula(Ws, Phi, d, l) for l in range(1, L + 1)]
        Rh = _R([W - h * G for W, G in zip(Ws, Gs, strict=True)], Phi, d)
        dR = sp.diff(Rh, h).subs(h, 0)
        rhs = -sp.Integer(p["coef"]) * sum(sum(g**2 for g in G) for G in Gs)
        conds.append(Condition("d/dt R(W(t)) = -sum_l ||grad_l R||_F^2 under (4.1)",
                               _zero(dR - rhs), "==", sp.Integer(0),
                               context=f"L={L}, d={d}"))
    return conds


register(Result(
    id="wwm19.eq4_1", title="Gradient flow (4.1): dR/dt = -sum ||grad_l R||^2",
    source=Source(PAPER, "§4.1", "eq. (4.1); proof of Thm 4.1"),
    statement=r"\dot W_l=-\nabla_l\mathcal R\Rightarrow"
              r"\dot{\mathcal R}=-\sum_l\|\nabla_l\mathcal R\|_F^2",
    kind="definition", check=Symbolic(_eq4_1), params={"sizes": [(2, 2), (3, 1)], "coef": 1},
    broken={"coef": 2}, notes="S12, along the direction -grad (the flow's velocity)."))


# --- lem4_2 (balance identity and dD/dt = 0) -------------------------------------------
def _lem4_2(p: Params) -> list[Condition]:
    L, d = p["L"], p["d"]
    Ws, Phi = _mats("w", L, d), _mats("f", 1, d)[0]
    Gs = [_grad_formula(Ws, Phi, d, l) for l in range(1, L + 1)]
    conds = []
    for l in range(1, L):
        A, B = Ws[l], Ws[l - 1]
        gA, gB = -Gs[l], -Gs[l - 1]  # velocities
        dD = gA.T * A + A.T * gA - (gB * B.T + B * gB.T) * p["sign"]
        conds.append(Condition("grad_l W_l^T = W_{l+1}^T grad_{l+1}",
                               (_zero(Gs[l - 1] * B.T - A.T * Gs[l])), "==",
                               sp.Integer(0), context=f"L={L}, d={d}, l={l}"))
        conds.append(Condition("dD_l/dt = 0 under (4.1)", (_zero(dD)), "==",
                               sp.Integer(0), context=f"L={L}, d={d}, l={l}"))
    return conds


register(Result(
    id="wwm19.lem4_2", title="Lemma 4.2: D_l is conserved by gradient flow",
    source=Source(PAPER, "§4.1, Lemma 4.2"),
    statement=r"\dot W_l=-\nabla_l\mathcal R\Rightarrow D_l(t)=D_l(0)",
    kind="lemma", check=Symbolic(_lem4_2), params={"L": 3, "d": 2, "sign": 1},
    broken={"sign": -1}, notes="S2-S3 for generic states (any init, any Phi). Broken: the "
                               "W_l W_l^T term with the wrong sign."))


# --- lemA_5 identity (sign erratum) -----------------------------------------------------
def _lemA_5_id(p: Params) -> list[Condition]:
    conds = []
    for L, d in p["sizes"]:
        conds += _lemA_5_one(L, d, p["sign"])
    return conds


def _lemA_5_one(L: int, d: int, sign: int) -> list[Condition]:
    Ws, Phi = _mats("w", L, d), _mats("f", 1, d)[0]
    eta = sp.Symbol("eta")
    Gs = [_grad_formula(Ws, Phi, d, l) for l in range(1, L + 1)]
    Wp = [W - eta * G for W, G in zip(Ws, Gs, strict=True)]
    p = {"sign": sign}
    conds = []
    for l in range(1, L):
        D = Ws[l].T * Ws[l] - Ws[l - 1] * Ws[l - 1].T
        Dp = Wp[l].T * Wp[l] - Wp[l - 1] * Wp[l - 1].T
        rhs = D + eta**2 * (Gs[l].T * Gs[l] + p["sign"] * Gs[l - 1] * Gs[l - 1].T)
        conds.append(Condition("D_l^+ = D_l + eta^2 [grad_{l+1}^T grad_{l+1} "
                               f"{'+' if p['sign'] > 0 else '-'} grad_l grad_l^T]",
                               (_zero(Dp - rhs)), "==", sp.Integer(0),
                               context=f"L={L}, d={d}, l={l}"))
    return conds


_A5 = dict(id="wwm19.lemA_5", title="Lemma A.5: exact one-step drift of the invariants",
           source=Source(PAPER, "App. A.2, Lemma A.5 (proof)"),
           statement=r"D_l^+=D_l+\eta^2[\nabla_{l+1}^\top\nabla_{l+1}\pm\nabla_l\nabla_l^\top]",
           kind="identity", check=Symbolic(_lemA_5_id))
register(Result(**_A5, params={"sizes": [(2, 2), (3, 1)], "sign": 1},
                variant="identity-printed", erratum=True, notes=(
                    "As printed: + between the two eta^2 terms. Refuted (sympy, L = 2, d = 2 "
                    "and L = 3, d = 1). The lemma's norm bounds are unaffected (triangle "
                    "inequality): see wwm19.lemA_5 (bounds).")))
register(Result(**_A5, params={"sizes": [(2, 2), (3, 1)], "sign": -1},
                variant="identity-repaired",
                broken={"sign": 1}, notes="Corrected sign (S4): holds exactly for generic "
                "states and every eta."))


# --- eqA_4 arithmetic slip ---------------------------------------------------------------
def _slip(p: Params) -> list[Condition]:
    eta, L, phi = sp.symbols("eta L phi", positive=True)
    summed = 2 * eta**2 * (L + 2) * phi**2 * phi**2 / (4 * eta)
    claimed = sp.sympify(p["claimed"], locals={"eta": eta, "L": L, "phi": phi})
    return [Condition("2 eta^2 (L+2) phi^2 * phi^2/(4 eta) = claimed budget",
                      _zero(sp.simplify(summed - claimed)), "==", sp.Integer(0),
                      context=f"claimed = {p['claimed']}")]


_SLIP = dict(id="wwm19.eqA_4", title="Proof of Thm 4.3: the D_{L-1} budget arithmetic",
             source=Source(PAPER, "App. A.3, proof of Theorem 4.3"),
             statement=r"\sum_{s\le t}2\eta^2(L+2)\phi^2\mathcal R(s)\le"
                       r"2\eta^2(L+2)\phi^2\cdot\phi^2/(4\eta)",
             kind="proof-step", check=Symbolic(_slip))
register(Result(**_SLIP, params={"claimed": "4*eta*(L+2)*phi**2"}, variant="slip",
                erratum=True, notes="As printed: = 4 eta (L+2) phi^2. Step refuted, "
                "conclusion holds (the corrected value 1/2 eta (L+2) phi^4 closes the "
                "induction: wwm19.eqA_4[repaired] along certified runs)."))
register(Result(**_SLIP, params={"claimed": "eta*(L+2)*phi**4/2"}, variant="slip-repaired",
                broken={"claimed": "eta*(L+2)*phi**4/3"},
                notes="The corrected value 1/2 eta (L+2) phi^4."))


# --- id4_prod (telescoping, symbolic) --------------------------------------------------
def _id4_sym(p: Params) -> list[Condition]:
    d = p["d"]
    W = _mats("w", 1, d)[0]
    conds = []
    for l in (1, 2, 3):
        lhs = W * (W.T * W) ** l * W.T
        rhs = (W * W.T) ** (l + p["shift"])
        conds.append(Condition("W (W^T W)^l W^T = (W W^T)^{l+1}", (_zero(lhs - rhs)),
                               "==", sp.Integer(0), context=f"d={d}, l={l}"))
    return conds


register(Result(
    id="wwm19.id4_prod", title="Balanced-product identity (proof of Thm 4.1): telescoping step",
    source=Source(PAPER, "§4.1, proof of Theorem 4.1"),
    statement=r"W_{l+1}(W_{l+1}^\top W_{l+1})^lW_{l+1}^\top=(W_{l+1}W_{l+1}^\top)^{l+1}",
    kind="identity", check=Symbolic(_id4_sym), params={"d": 2, "shift": 1},
    variant="telescoping", broken={"shift": 0},
    notes="S6, the step that turns the exact invariants into W_{L-1:1}W_{L-1:1}^T = "
          "(I + W_L^T W_L)^{L-1}; the identity itself is checked on T2 states in "
          "wwm19.id4_prod (printed)."))
