"""Certified trajectories by shadowing: how far is the exact GD run from the computed one?

Naive ball arithmetic through many GD steps of a deep product blows up (the wrapping
effect). Instead, take the computed float64 iterates ``What_t`` as exact inputs and bound
the distance ``e_t = ||W_t - What_t||`` (Frobenius norm over all layers together) between
the EXACT trajectory ``W_{t+1} = Phi(W_t)``, ``W_0 = What_0`` (same float64 data, step size
and init, as real numbers) and the computed one:

    e_{t+1} <= Lip_t(e_t) * e_t + rho_t,

* ``rho_t`` -- certified one-step defect ``||What_{t+1} - Phi(What_t)||``: one GD step from the
  exact state ``What_t`` enclosed in certified float64 midpoint-radius arithmetic
  (:mod:`boundcheck.arith.rump`), its distance to the stored ``What_{t+1}`` bounded above;
* ``Lip_t(e)`` -- a rigorous bound of the Lipschitz constant of ``Phi = id - eta grad l``
  on the ball ``B(What_t, e)`` (mean value inequality on a convex set).

The Lipschitz bound (plain model ``U = alpha W_L ... W_1 X``, loss ``c/2 ||U - Y||_F^2``):
``D Phi = I - eta c (J^T J + sum_k r_k D^2 U_k)`` with ``J = DU`` and ``r = U - Y``
(Gauss-Newton split). Since ``J^T J`` is PSD, ``||I - eta c J^T J|| <= max(1, eta c ||J||^2
- 1)`` -- at most 1 once ``eta <= 2 / (c lambda_max(J^T J))`` -- and
``||sum_k r_k D^2 U_k|| <= ||r||_F ||D^2 U||`` (``D^2 U`` as a bilinear map). Hence

    Lip <= max(1, eta c J^2 - 1) + eta c (||r(What)|| + J e) K,

with, for every ``W`` in the ball, ``a_k = ||What_k||_2 + e >= ||W_k||_2`` (certified
spectral norms), ``x = ||X||_2``:

* ``||J||^2 <= J^2 = alpha^2 x^2 sum_i prod_{k != i} a_k^2`` (``J delta = alpha sum_i
  W_{L:i+1} delta_i W_{i-1:1} X`` and Cauchy-Schwarz; exact at orthogonal init);
* ``||D^2 U|| <= K = alpha x ||C||_F`` with ``C_ij = prod_{k != i, j} a_k`` (i != j), since
  ``D^2 U[d, d'] = alpha sum_{i != j}`` (products with ``d_i`` and ``d'_j`` inserted);
* ``||r(W)|| <= ||r(What)|| + J e``.

For a non-realizable target that term never decays; :func:`residual_curvature_bound`
bounds ``||sum_k r_k D^2 U_k||`` pair of layers by pair through the back-propagated
residual, which decays with the gradient, and ``Lip`` uses the smaller of the two.

Segment norms are bounded by products of layer norms, which is tight near orthogonal
init (V-parametrization: ``||V_k|| ~ 1``). All bounds are evaluated in arb balls from
certified enclosures and rounded upward, so ``bounds[t]`` is a rigorous upper bound of
``||W_t - What_t||_F`` for ``t <= horizon``. The horizon ends when the bound exceeds
``e_max`` or an enclosure is not finite; beyond it only ``holds-numerically`` statements
are possible. A state-wise check at step ``t`` is certified for the EXACT trajectory by
evaluating it on :meth:`ShadowingReport.state_ball` (entrywise radius ``e_t``).

For horizons of 1e4-1e6 steps, :func:`boundcheck.certify.fastshadow.shadow_gd_fast` evaluates
the same inequality in plain float64 with a priori rounding bounds, vectorized over t
(no Arb per step).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flint import arb

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import RMat, RumpBackend
from boundcheck.errors import InputError
from boundcheck.model import kernels
from boundcheck.model.problem import Problem, check_step_size


@dataclass
class ShadowingReport:
    """Result of :func:`shadow_gd`; ``bounds[t] >= ||W_t - What_t||_F`` for ``t <= horizon``."""

    steps: int
    horizon: int
    bounds: list[float]
    defects: list[float]
    lipschitz: list[float]
    losses: list[float]
    stopped: str
    elapsed: float
    iterates: list[list[np.ndarray]] | None = None
    #: certified (lower, upper) bounds of the loss of the EXACT iterate W_t, t < len
    loss_enclosures: list[tuple[float, float]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def certified_all(self) -> bool:
        return self.horizon >= self.steps

    def state_ball(self, t: int, Ws_hat: Sequence[np.ndarray] | None = None) -> list[RMat]:
        """Balls (entrywise radius ``bounds[t]``) that contain the EXACT iterate ``W_t``."""
        if t > self.horizon:
            raise InputError(f"step {t} is beyond the certified horizon {self.horizon}")
        if Ws_hat is None:
            if self.iterates is None:
                raise InputError("pass the computed iterate (the run kept none)")
            Ws_hat = self.iterates[t]
        e = self.bounds[t]
        return [RMat(np.array(W, dtype=np.float64), None if e == 0 else
                     np.full(np.shape(W), e)) for W in Ws_hat]

    def summary(self) -> dict[str, Any]:
        return {"steps": self.steps, "horizon": self.horizon, "stopped": self.stopped,
                "final_bound": self.bounds[self.horizon] if self.bounds else None,
                "max_defect": max(self.defects) if self.defects else 0.0,
                "max_lipschitz": max(self.lipschitz) if self.lipschitz else None,
                "elapsed_s": round(self.elapsed, 3), **self.details}


def certified_step(ops: Any, prob: Problem, Ws: Sequence[np.ndarray], eta: float
                   ) -> tuple[list[Any], Any]:
    """One GD step from the exact state ``Ws`` in certified ``ops`` (rump or arb):
    (enclosures of the new weights, enclosure of the residual ``U - Y``)."""
    Wb = [ops.asarray(W) for W in Ws]
    P = [ops.asarray(prob.X)]
    for W in Wb:
        P.append(ops.matmul(W, P[-1]))
    c = prob.loss_scale
    R = ops.sub(ops.scale(prob.alpha, P[-1]), ops.asarray(prob.Y))
    # SR_i = (alpha c) S_i^T R accumulated from the top: grad_i = SR_i P_{i-1}^T.
    SR = ops.scale(prob.alpha, R)
    if c != 1.0:
        SR = ops.scale(c, SR)
    new: list[Any] = [None] * prob.L
    for i in range(prob.L - 1, -1, -1):
        G = ops.matmul(SR, ops.transpose(P[i]))
        new[i] = ops.sub(Wb[i], ops.scale(eta, G))
        if i:
            SR = ops.matmul(ops.transpose(Wb[i]), SR)
    return new, R


def _dist_upper(ops: Any, new: Sequence[Any], Ws_next: Sequence[np.ndarray]) -> arb:
    total = arb(0)
    for B, W in zip(new, Ws_next, strict=True):
        d = ops.fro_norm(ops.sub(B, ops.asarray(W)))
        total += d * d
    return arb(bc.hi(total.nonnegative_part().sqrt()))


def product_sums(layer_norms: Sequence[arb], e: arb) -> tuple[arb, arb]:
    """With ``a_k = ||W_k|| + e``: ``J2 = sum_i prod_{k != i} a_k^2`` and ``C2 = 2 sum_{i<j}
    prod_{k != i, j} a_k^2`` (the Jacobian and curvature sums of a product of L factors over
    the ball of radius ``e``), by prefix/suffix products."""
    a = [s + e for s in layer_norms]
    L = len(a)
    pre = [arb(1)]
    for v in a:
        pre.append(pre[-1] * v)
    suf = [arb(1)] * (L + 1)
    for k in range(L - 1, -1, -1):
        suf[k] = suf[k + 1] * a[k]
    J2 = arb(0)
    for i in range(L):
        t = pre[i] * suf[i + 1]
        J2 += t * t
    C2 = arb(0)
    for i in range(L):
        for j in range(i + 1, L):
            mid = arb(1)
            for k in range(i + 1, j):
                mid *= a[k]
            t = pre[i] * mid * suf[j + 1]
            C2 += 2 * t * t
    return J2, C2


def lipschitz_bound(layer_norms: Sequence[arb], x_norm: arb, alpha: float, ceta: arb,
                    r_norm: arb, e: arb, curvature: Any = None) -> tuple[arb, arb]:
    """The module docstring's bound ``max(1, eta c J^2 - 1) + eta c (||r|| + J e) K``;
    returns ``(Lip, J)`` with ``J >= sup ||DU||`` over the ball. ``curvature``: a callable
    ``J -> T`` giving another upper bound ``T`` of ``sup ||sum_k r_k D^2 U_k||`` over the
    ball (:func:`residual_curvature_bound`); the smaller of the two is used."""
    al = bc.to_arb(alpha)
    J2, C2 = product_sums(layer_norms, e)
    J2 = J2 * al * al * x_norm * x_norm
    K = al * x_norm * C2.sqrt()
    J = J2.sqrt()
    first = ceta * J2 - 1
    first = arb(max(1.0, bc.hi(first)))
    curv = bc.hi((r_norm + J * e) * K)
    if curvature is not None:
        sharp = bc.hi(curvature(J))
        if math.isfinite(sharp):
            curv = min(curv, sharp)
    return arb(bc.hi(first + ceta * arb(curv))), arb(bc.hi(J))


def residual_curvature_bound(ops: Any, prob: Problem, Ws: Sequence[np.ndarray],
                             layer_norms: Sequence[arb], x_norm: arb, e: arb, J: arb) -> arb:
    """An upper bound of ``sup ||T_W||`` over the ball ``B(What, e)``, ``T_W(d, d') = <r(W),
    D^2 U(W)[d, d']>`` (the residual-curvature part of the Hessian), that vanishes where the
    gradient does.

    ``D^2 U[d, d'] = alpha sum_{i != j}`` of products with ``d_i`` and ``d'_j`` inserted;
    for ``i < j`` the pair's term is ``<M_ij, d'_j B_ij d_i>`` (and the same with ``d, d'``
    swapped), ``M_ij = (alpha W_{L:j+1})^T r (W_{i-1:1} X)^T``, ``B_ij = W_{j-1:i+1}``, and
    ``|<M, P Q>| <= ||M||_2 ||P Q||_* <= ||M||_2 ||P||_F ||Q||_F``. Hence ``|T(d, d')| <=
    u'^T K u`` with ``u_i = ||d_i||_F`` and ``K`` symmetric with zero diagonal, ``K_ij =
    sup ||M_ij|| * prod_{i<k<j} a_k``, so ``||T|| <= ||K||_2 <= ||K||_F``. Over the ball,
    ``||M_ij(W)|| <= ||M_ij(What)|| + dA (||r|| + J e) C + A J e C + A ||r|| dC`` with ``A =
    alpha prod_{k>j} a_k``, ``C = x prod_{k<i} a_k`` and ``dA``, ``dC`` the same products
    minus those at ``e = 0`` (telescoping). ``||M_ij(What)||_F`` is enclosed in ``ops``
    (certified midpoint-radius) from the stored iterate. The crude bound ``||r|| ||D^2 U||``
    of the module docstring keeps ``Lip`` above ``1 + eta c ||r|| K`` for a non-realizable
    target; this one decays with the gradient, since ``M_ij = W_{j:i+1}^{-T} grad_i`` (and
    ``M_ij = 0`` wherever ``r X^T = 0``)."""
    L = prob.L
    al = bc.to_arb(prob.alpha)
    Wb = [ops.asarray(W) for W in Ws]
    P = [ops.asarray(prob.X)]                       # P[k] = W_{k:1} X
    for W in Wb[:-1]:
        P.append(ops.matmul(W, P[-1]))
    top = ops.matmul(Wb[-1], P[-1])
    r = ops.sub(ops.scale(al, top), ops.asarray(prob.Y))
    r_hat = ops.fro_norm(r)
    Q: list[Any] = [None] * (L + 1)                 # Q[j] = (alpha W_{L:j+1})^T r, j = 1..L
    Q[L] = ops.scale(al, r)
    for j in range(L, 1, -1):
        Q[j - 1] = ops.matmul(ops.transpose(Wb[j - 1]), Q[j])
    a_hat = list(layer_norms)
    a = [s + e for s in a_hat]
    total = arb(0)
    for j in range(2, L + 1):
        An, An0 = al, al
        for k in range(j + 1, L + 1):
            An, An0 = An * a[k - 1], An0 * a_hat[k - 1]
        for i in range(1, j):
            Cn, Cn0 = x_norm, x_norm
            for k in range(1, i):
                Cn, Cn0 = Cn * a[k - 1], Cn0 * a_hat[k - 1]
            Bn = arb(1)
            for k in range(i + 1, j):
                Bn *= a[k - 1]
            M = ops.fro_norm(ops.matmul(Q[j], ops.transpose(P[i - 1])))
            kij = (M + (An - An0) * (r_hat + J * e) * Cn + An * J * e * Cn
                   + An * r_hat * (Cn - Cn0)) * Bn
            total += 2 * kij * kij
    out = total.nonnegative_part().sqrt()
    return arb(bc.hi(out)) if out.is_finite() else arb(0, math.inf)


def shadow_gd(prob: Problem, W0: Sequence[np.ndarray], eta: float, steps: int,
              e_max: float = 1e-6, keep_iterates: bool = False,
              computed: Sequence[Sequence[np.ndarray]] | None = None,
              progress: Any = None, defect_prec: int = 128) -> ShadowingReport:
    """Run (or take) a float64 GD trajectory and certify it by shadowing.

    ``computed`` (optional) is the trajectory ``What_0..What_steps`` to certify; by default
    it is produced by :func:`boundcheck.model.kernels.gd_step`. The exact trajectory starts at
    ``What_0`` (float64 values taken as exact reals). The one-step defects are enclosed in
    Arb at ``defect_prec`` bits (the float64 midpoint-radius path's entrywise radii grow like
    ``prod ||abs(W_k)||`` through a deep product -- ~1e-8 at L=10, m=16 -- while Arb's stay
    at ~2^-prec, so the defect is the true float64 deviation, ~1e-16); the layer norms are
    certified with the float64 path (Weyl bound, a few ulps).
    """
    if prob.kind != "plain":
        raise InputError("shadowing bounds are derived for the plain model only")
    eta = check_step_size(eta)
    from boundcheck.arith.arb import ArbBackend

    ops = RumpBackend()
    step_ops = ArbBackend(prec=defect_prec)
    bc.set_prec(bc.SCALAR_PREC)
    t0 = time.perf_counter()
    W = [np.array(w, dtype=np.float64) for w in W0]
    prob.check_weights(W)
    x_norm = arb(bc.hi(ops.sigma_max(ops.asarray(prob.X))))
    ceta = bc.to_arb(eta) * bc.to_arb(prob.loss_scale)
    e = arb(0)
    bounds = [0.0]
    defects: list[float] = []
    lips: list[float] = []
    losses: list[float] = []
    loss_enc: list[tuple[float, float]] = []
    iterates = [W] if keep_iterates else None
    stopped = "completed"
    horizon = 0
    for t in range(steps):
        W_next = ([np.array(w, dtype=np.float64) for w in computed[t + 1]] if computed
                  is not None else kernels.gd_step(prob, W, eta))
        if not all(np.all(np.isfinite(w)) for w in W_next):
            stopped = f"non-finite computed iterate at step {t + 1}"
            break
        new, R = certified_step(step_ops, prob, W, eta)
        rho = _dist_upper(step_ops, new, W_next)
        r_norm = step_ops.fro_norm(R)
        losses.append(bc.scalar_mid(r_norm) ** 2 * prob.loss_scale / 2)
        norms = [arb(bc.hi(ops.sigma_max(ops.asarray(w)))) for w in W]
        lip, J = lipschitz_bound(norms, x_norm, prob.alpha, ceta, r_norm, e,
                                 curvature=lambda J_, W=W, norms=norms, e=e:
                                 residual_curvature_bound(ops, prob, W, norms, x_norm, e, J_))
        # loss of the EXACT iterate: ||r(W_t) - r(What_t)|| <= J e_t
        dr = J * e
        r_lo = (r_norm - dr).nonnegative_part()
        r_hi = r_norm + dr
        half_c = bc.to_arb(prob.loss_scale) / 2
        loss_enc.append((bc.lo(half_c * r_lo * r_lo), bc.hi(half_c * r_hi * r_hi)))
        e_new = arb(bc.hi(lip * e + rho))
        defects.append(bc.hi(rho))
        lips.append(bc.hi(lip))
        ub = bc.hi(e_new)
        if not math.isfinite(ub) or ub > e_max:
            stopped = (f"bound {ub:.3g} exceeds e_max={e_max:g} at step {t + 1}"
                       if math.isfinite(ub) else f"non-finite bound at step {t + 1}")
            bounds.append(ub)
            break
        bounds.append(ub)
        e = e_new
        horizon = t + 1
        W = W_next
        if keep_iterates:
            iterates.append(W)
        if progress and (t + 1) % 100 == 0:
            progress(t + 1, steps, f"shadowing: e={ub:.3g}")
    descent = 0  # certified l(W_{t+1}) < l(W_t) for every t < descent (exact trajectory)
    while (descent + 1 < len(loss_enc) and descent + 1 <= horizon
           and loss_enc[descent + 1][1] < loss_enc[descent][0]):
        descent += 1
    return ShadowingReport(steps=steps, horizon=horizon, bounds=bounds, defects=defects,
                           lipschitz=lips, losses=losses, stopped=stopped,
                           elapsed=time.perf_counter() - t0, iterates=iterates,
                           loss_enclosures=loss_enc,
                           details={"descent_certified_steps": descent,
                                    "defect_arithmetic": step_ops.label,
                                    "norm_arithmetic": ops.label})


@dataclass
class TrajectoryCheck:
    """State-wise conditions along a shadowed run: certified up to the horizon."""

    verdict: Any  # boundcheck.check.verdict.Verdict
    horizon: int
    checked: list[tuple[int, bool | None, bool]]  # (t, status, certified)
    messages: list[str]
    shadowing: ShadowingReport


def check_trajectory(prob: Problem, W0: Sequence[np.ndarray], eta: float, steps: int,
                     conditions: Any, stride: int = 1, e_max: float = 1e-6
                     ) -> TrajectoryCheck:
    """Evaluate ``conditions(ops, Ws, t) -> list[Condition]`` on the EXACT GD trajectory.

    For ``t <= horizon`` the conditions are evaluated with the certified float64 backend
    on :meth:`ShadowingReport.state_ball` (balls containing the exact iterate); beyond the
    horizon on the computed iterate in float64. The verdict is ``refuted`` when a certified
    evaluation fails, ``holds`` when every checked state is certified and holds,
    ``holds-numerically`` when some states lie beyond the horizon (float64 only),
    ``inconclusive`` when a certified state stays undecided.
    """
    from boundcheck.arith import get_backend
    from boundcheck.check.verdict import Verdict, combine, evaluate

    rep = shadow_gd(prob, W0, eta, steps, e_max=e_max, keep_iterates=True)
    cert, f64 = get_backend("rump"), get_backend("float64")
    iterates = rep.iterates or []
    W = iterates[-1] if iterates else [np.asarray(w, dtype=np.float64) for w in W0]
    traj = list(iterates)
    for _ in range(len(traj) - 1, steps):  # continue past the horizon in float64
        W = kernels.gd_step(prob, W, eta)
        traj.append(W)
    checked: list[tuple[int, bool | None, bool]] = []
    messages: list[str] = []
    for t in range(0, steps + 1, max(1, stride)):
        if t <= rep.horizon:
            ops, Ws = cert, rep.state_ball(t)
        else:
            ops, Ws = f64, traj[t]
        outs = [evaluate(c, ops) for c in conditions(ops, Ws, t)]
        status = combine(outs)
        checked.append((t, status, t <= rep.horizon))
        messages.extend(f"t={t}: {o.message()}" for o in outs if o.status is not True)
    if any(s is False and c for _, s, c in checked):
        verdict = Verdict.REFUTED
    elif any(s is None and c for _, s, c in checked):
        verdict = Verdict.INCONCLUSIVE
    elif any(s is False for _, s, _ in checked):
        verdict = Verdict.REFUTED  # a float64 counterexample beyond the horizon (uncertified)
    elif all(c for _, _, c in checked):
        verdict = Verdict.HOLDS
    else:
        verdict = Verdict.HOLDS_NUMERICALLY
    return TrajectoryCheck(verdict=verdict, horizon=rep.horizon, checked=checked,
                           messages=messages[:20], shadowing=rep)


def _demo_problem(L: int, m: int, d: int, n: int, seed: int, noise: float = 0.0
                  ) -> tuple[Problem, list[np.ndarray]]:
    """hxp20 setting in V units: orthogonal init, target ``Y = W* X`` (realizable) plus
    ``noise`` times a Gaussian matrix (non-realizable for ``n > d`` when ``noise > 0``)."""
    from boundcheck.model.init import initialize

    rng = np.random.default_rng(seed)
    dims = (d,) + (m,) * (L - 1) + (d,)
    X = rng.standard_normal((d, n))
    Y = rng.standard_normal((d, d)) @ X / np.sqrt(d)
    if noise:
        Y = Y + noise * np.random.default_rng([seed, 1]).standard_normal(Y.shape)
    prob = Problem(X=X, Y=Y, dims=dims, alpha=float(np.sqrt(m / d)))
    return prob, initialize("orthogonal", rng, dims, normalized=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m boundcheck.certify.shadowing --L 10 --m 16 --steps 1000``: certify a GD run."""
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m boundcheck.certify.shadowing",
                                 description="certify a float64 GD run by shadowing")
    ap.add_argument("--L", type=int, default=10)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--d", type=int, default=4)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--eta", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--e-max", type=float, default=1e-6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", type=float, default=0.0,
                    help="add noise x N(0,1) to the target (non-realizable for n > d)")
    args = ap.parse_args(argv)
    prob, W0 = _demo_problem(args.L, args.m, args.d, args.n, args.seed, args.noise)
    rep = shadow_gd(prob, W0, args.eta, args.steps, e_max=args.e_max)
    print(json.dumps(rep.summary(), indent=1))
    return 0 if rep.certified_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
