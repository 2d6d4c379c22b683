"""``actviz.diagnose``: why an activation might train badly -- measured, not written (numpy only).

Each :class:`Finding` is one symptom with the number measured, the cause in words and a fix.
Everything is computed from the activation's g and g' (any activation: the registry's, a
typed formula, one made from numpy functions), with fixed seeds, so the same activation
always gets the same report:

* **slope**: max |g'| and where (:func:`~actviz.maths.analysis.max_slope`). Back-propagation
  multiplies by g' once per layer: below 1 the gradient shrinks even in the best case; far
  above 1 (over 2) it can grow.
* **nearly flat**: the share of pre-activations Z ~ N(0, 1) and Z ~ N(0, 3^2) where
  0 < |g'(Z)| < 1 % of max |g'| (the flat tails).
* **dead zone**: the share of Z ~ N(0, 1) where g'(Z) = 0 exactly, and the share of units of
  one layer that are dead after its biases shift by -3 standard deviations
  (:func:`~actviz.maths.networks.dead_units`).
* **zero-centred?**: the mean output E[g(Z)] for Z ~ N(0, 1) (tanh and SELU 0, ReLU 0.40,
  sigmoid 0.5); a non-zero mean biases the next layer.
* **vanishing / exploding gradients**: the typical per-layer factor of the gradient through
  20 random layers of 64 units, with Xavier and with He initialisation
  (:func:`~actviz.maths.networks.gradient_flow`); the factor to the 19th power is what
  reaches layer 1.
* **forward signal**: how the standard deviation of the pre-activations changes from layer 1
  to layer 20 under the better of the two initialisations.
* **training**: a two-layer network on the spirals (200 points, 32 hidden units, learning
  rate 1, 500 full-batch steps, seed 0) against ReLU under the same settings.

Verdicts are ``ok``, ``warning`` or ``problem``; the thresholds are in :data:`THRESHOLDS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

import numpy as np

from .analysis import FLAT_SHARE, max_slope
from .datasets import make_spirals
from .networks import dead_units, gradient_flow
from .registry import Activation, as_activation, names
from .tiny_network import train

__all__ = ["Finding", "Diagnosis", "diagnose", "diagnosis_table", "THRESHOLDS", "mean_output"]

#: verdict thresholds (see the module docstring)
THRESHOLDS = {
    "slope_problem": 0.5, "slope_warning": 0.9,  # max |g'| below these
    "steep_warning": 2.0,  # max |g'| above this
    "flat_warning": 0.2,  # share of N(0, 3^2) pre-activations where g' is nearly flat, above this
    "mean_warning": 0.1,  # |E[g(Z)]| above this
    "dead_warning": 0.1,  # share of units dead after a -3 bias shift above this
    "depth_problem": 1e-2,  # (per-layer factor)^19 below this, or above its inverse
    "signal_problem": 1e-2,  # forward std ratio layer 20 / layer 1 below this, or above its inverse
    "training_warning": 2.0,  # final loss above this many times ReLU's (and above 0.1)
}

DEPTH, WIDTH, BATCH = 20, 64, 256
_X = np.linspace(-12.0, 12.0, 24001)  # quadrature grid for E over N(0, s^2), s <= 3 (|Z| < 4 s covers all but 6e-5)


def _normal_weights(s: float) -> np.ndarray:
    w = np.exp(-0.5 * (_X / s) ** 2)
    return w / w.sum()


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(160)


def mean_output(act) -> float:
    """E[g(Z)] for Z ~ N(0, 1): Gauss-Legendre quadrature on [-12, 12], split at the kinks
    (the density beyond |z| = 12 is below 1e-31)."""
    act = as_activation(act)
    edges = sorted({-12.0, 12.0, *[k for k in act.kinks if -12 < k < 12]})
    total = 0.0
    for a, b in zip(edges, edges[1:]):
        for lo, hi in ((a, 0.5 * (a + b)), (0.5 * (a + b), b)):  # two panels per piece
            z = 0.5 * (hi - lo) * _NODES + 0.5 * (hi + lo)
            with np.errstate(all="ignore"):
                total += 0.5 * (hi - lo) * float(np.sum(_WEIGHTS * act.g(z) * np.exp(-0.5 * z * z)))
    return total / np.sqrt(2.0 * np.pi)


@dataclass(frozen=True)
class Finding:
    """One row of a diagnosis."""

    check: str
    verdict: str  # "ok", "warning" or "problem"
    measured: str
    cause: str
    fix: str

    def __str__(self) -> str:
        lines = [f"  [{self.verdict:^7}] {self.check}: {self.measured}"]
        if self.verdict != "ok":
            lines += [f"            why: {self.cause}", f"            fix: {self.fix}"]
        return "\n".join(lines)


@dataclass(frozen=True)
class Diagnosis:
    """The findings for one activation, and the raw numbers behind them (``numbers``)."""

    label: str
    findings: tuple
    numbers: dict = field(default_factory=dict)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == "problem"]

    def __getitem__(self, check: str) -> Finding:
        """The finding of one check, e.g. ``diagnose("sigmoid")["slope"]``."""
        for f in self.findings:
            if f.check == check:
                return f
        raise KeyError(f"no check {check!r}; the checks are: {', '.join(f.check for f in self.findings)}")

    def __str__(self) -> str:
        return "\n".join([f"Diagnosis of {self.label}", *(str(f) for f in self.findings)])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        rows = ["| check | verdict | measured | why | fix |", "|---|---|---|---|---|"]
        for f in self.findings:
            rows.append(f"| {f.check} | **{f.verdict}** | {f.measured} | {f.cause} | {f.fix} |")
        return f"**Diagnosis of {self.label}**\n\n" + "\n".join(rows)


@lru_cache(maxsize=4)
def _relu_baseline(hidden: int, epochs: int) -> float:
    X, y = make_spirals(200, noise=0.05, seed=0)
    return train("relu", X, y, hidden=hidden, lr=1.0, epochs=epochs, seed=0).loss


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "not finite"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.3f}"
    return f"{x:.2e}"


def _signed(x: float) -> str:
    """x with a sign and 3 decimals, and never "-0.000"."""
    return f"{x if abs(x) >= 5e-4 else 0.0:+.3f}"


def _slope(act: Activation, out: dict) -> Finding:
    m = max_slope(act)
    out["max_slope"] = m.value
    T = THRESHOLDS
    if m.value > T["steep_warning"]:
        return Finding("slope", "warning", f"max |g'| = {_fmt(m.value)} at {m.where}",
                       "steeper than 1: where units sit near the steepest point, back-propagation multiplies the "
                       "gradient by more than 1 per layer (times the weights), and it can grow layer by layer (exploding)",
                       "scale the input down, g(z / c), or use smaller initial weights; gradient clipping")
    verdict = "problem" if m.value < T["slope_problem"] else "warning" if m.value < T["slope_warning"] else "ok"
    return Finding("slope", verdict, f"max |g'| = {_fmt(m.value)} at {m.where}",
                   f"back-propagation multiplies by g' once per layer; at most {_fmt(m.value)} per layer (times the "
                   f"weights) is {_fmt(m.value ** 10)} after 10 layers even in the best case",
                   "a steeper activation (tanh, ReLU: slope 1), or scale g up (4 sigmoid(z) - 2 = 2 tanh(z/2) has slope 1)")


def _nearly_flat(act: Activation, out: dict) -> Finding:
    top = max_slope(act).value
    with np.errstate(all="ignore"):
        d = np.abs(act.dg(_X))
    flat = (d > 0) & (d < FLAT_SHARE * top)
    s1, s3 = float(np.sum(_normal_weights(1.0)[flat])), float(np.sum(_normal_weights(3.0)[flat]))
    out["flat_share"], out["flat_share_wide"] = s1, s3
    verdict = "warning" if s3 > THRESHOLDS["flat_warning"] else "ok"
    return Finding("nearly flat", verdict,
                   f"{s1:.1%} of N(0, 1) pre-activations and {s3:.1%} of N(0, 3^2) are where 0 < |g'| < 1% of max",
                   "where g' is nearly flat (a saturated tail, or a tiny slope) a unit passes back almost no gradient, so its "
                   "weights barely move (vanishing gradient)",
                   "keep pre-activations small (Xavier init, normalised inputs, normalisation layers) or use an "
                   "activation that does not saturate for z > 0 (ReLU family)")


def _dead(act: Activation, out: dict) -> Finding:
    with np.errstate(all="ignore"):
        zero = act.dg(_X) == 0
    share = float(np.sum(_normal_weights(1.0)[zero]))
    shifted = dead_units(act, bias_shift=-3.0).fraction_dead
    out["zero_slope_share"], out["dead_after_shift"] = share, shifted
    verdict = "warning" if shifted > THRESHOLDS["dead_warning"] else "ok"
    return Finding("dead zone", verdict,
                   f"g' = 0 exactly on {share:.1%} of N(0, 1); a -3 bias shift kills {shifted:.1%} of a layer's units",
                   "a unit whose pre-activation stays where g' = 0 for every input gets no gradient at all; with fixed inputs "
                   "(a first layer) it never recovers",
                   "a small slope there: max(z, 0.01 z) (Leaky ReLU), or ELU/GELU; lower learning rates")


def _mean(act: Activation, out: dict) -> Finding:
    m = mean_output(act)
    out["mean_output"] = m
    verdict = "warning" if abs(m) > THRESHOLDS["mean_warning"] else "ok"
    return Finding("zero-centred?", verdict, f"E[g(Z)] = {_signed(m)} for Z ~ N(0, 1)",
                   "the next layer's inputs are biased one way, so the gradients of a unit's weights share a sign and "
                   "descent zig-zags",
                   f"shift it, g(z) - ({m:.3f}), or use a zero-centred activation (tanh, SELU); batch normalisation")


def _depth(act: Activation, out: dict) -> tuple[Finding, Finding]:
    flows = {init: gradient_flow(act, depth=DEPTH, width=WIDTH, batch=BATCH, init=init, seed=0) for init in ("xavier", "he")}
    factors = {k: f.mean_ratio for k, f in flows.items()}
    out["factor_xavier"], out["factor_he"] = factors["xavier"], factors["he"]
    reach = {k: v ** (DEPTH - 1) if math.isfinite(v) else math.nan for k, v in factors.items()}
    lo, hi = THRESHOLDS["depth_problem"], 1 / THRESHOLDS["depth_problem"]
    good = [k for k, r in reach.items() if math.isfinite(r) and lo <= r <= hi]
    best = min(reach, key=lambda k: abs(math.log(reach[k])) if math.isfinite(reach[k]) and reach[k] > 0 else math.inf)
    if not good:
        vanish = all(math.isfinite(r) and r < lo for r in reach.values())
        cause = ("vanishing: the gradient reaching layer 1 is tiny, so the first layers do not learn" if vanish
                 else "exploding: the gradient grows layer by layer until steps overshoot or overflow")
        fix = ("a steeper activation, residual connections or normalisation layers" if vanish
               else "smaller initial weights (a lower gain), gradient clipping, normalisation layers")
        verdict = "problem"
    else:
        verdict = "ok"
        cause = "the gradient keeps its size through depth"
        fix = ("use He initialisation" if good == ["he"] else "use Xavier initialisation" if good == ["xavier"]
               else "either initialisation works")
        if good == ["he"] or good == ["xavier"]:
            verdict, cause = "warning", f"only {good[0].capitalize()} initialisation keeps the gradient through depth"
    g = Finding("gradient through depth", verdict,
                f"per layer x{_fmt(factors['xavier'])} (Xavier), x{_fmt(factors['he'])} (He): layer 1 gets "
                f"{_fmt(reach['xavier'])} / {_fmt(reach['he'])} of layer {DEPTH}'s gradient", cause, fix)
    f = flows[best]
    with np.errstate(all="ignore"):
        ratio = float(f.preact_std[-1] / f.preact_std[0])
    out["signal_ratio"] = ratio
    lo_s, hi_s = THRESHOLDS["signal_problem"], 1 / THRESHOLDS["signal_problem"]
    ok = math.isfinite(ratio) and lo_s <= ratio <= hi_s
    s = Finding("forward signal", "ok" if ok else "problem",
                f"the spread of pre-activations goes x{_fmt(ratio)} from layer 1 to layer {DEPTH} ({best.capitalize()} init)",
                "the forward signal dies out (or blows up) with depth, and the last layers see nearly constant inputs",
                "choose the weights' gain to keep Var(z) steady: 1/sqrt(E[g'(z)^2]) per layer (He for ReLU)")
    return g, s


def _training(act: Activation, out: dict, epochs: int) -> Finding:
    X, y = make_spirals(200, noise=0.05, seed=0)
    r = train(act, X, y, hidden=32, lr=1.0, epochs=epochs, seed=0)
    base = _relu_baseline(32, epochs)
    out["training_loss"], out["relu_loss"], out["training_accuracy"] = r.loss, base, r.accuracy
    slow = (not math.isfinite(r.loss)) or (r.loss > THRESHOLDS["training_warning"] * base and r.loss > 0.1)
    measured = (f"diverged at step {r.epochs_run}" if r.diverged else
                f"loss {r.loss:.4f} (ReLU {base:.4f}), accuracy {r.accuracy:.1%} after {epochs} steps on the spirals")
    return Finding("training", "warning" if slow else "ok", measured,
                   "the same network and data learn slower with this g (small or vanishing slopes, dead or saturated units)",
                   "see the findings above; or a higher learning rate if the slope is small everywhere")


def diagnose(act, epochs: int = 500, **params) -> Diagnosis:
    """The findings for an activation (a name with params, an Activation or a typed one)."""
    from . import validate

    act = as_activation(act, **params)
    epochs = validate.integer(epochs, "epochs", low=10, high=5000)
    numbers: dict = {}
    findings = [_slope(act, numbers), _nearly_flat(act, numbers), _dead(act, numbers), _mean(act, numbers),
                *_depth(act, numbers), _training(act, numbers, epochs)]
    return Diagnosis(act.label, tuple(findings), numbers)


def diagnosis_table(acts: Optional[Iterable] = None, epochs: int = 500) -> str:
    """One line per activation with the numbers behind :func:`diagnose` (fixed decimals)."""
    items = [as_activation(a) for a in (names() if acts is None else acts)]
    head = (f"{'activation':<24} {'max slope':>9} {'E[g(Z)]':>8} {'dead @-3':>8} {'x/layer Xav':>11} {'x/layer He':>10} "
            f"{'loss':>7} {'problems'}")
    lines = [head, "-" * len(head)]
    for a in items:
        d = diagnose(a, epochs=epochs)
        n = d.numbers
        problems = ", ".join(f.check for f in d.findings if f.verdict == "problem") or "-"
        lines.append(f"{a.label:<24} {n['max_slope']:9.3f} {_signed(n['mean_output']):>8} {n['dead_after_shift']:8.1%} "
                     f"{n['factor_xavier']:11.3f} {n['factor_he']:10.3f} {n['training_loss']:7.4f} {problems}")
    return "\n".join(lines)
