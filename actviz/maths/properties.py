"""The comparison table: properties of each activation computed from the registry (numpy only).

Nothing here is typed per activation: every entry is measured from ``g``, ``g'`` and the
limits at +-inf, so a new ``define`` in :mod:`actviz.maths.definitions` gets its row for free.

What is measured, and how:

* **range** -- inf and sup of g over the real line: the limits g(-inf), g(+inf) and g on a
  grid (every 0.001 on [-20, 20], then geometric out to |z| = 1e6). An end is *closed* when
  it is attained: an interior minimum/maximum (refined by bisection on g'), or a limit value
  that g takes on a flat stretch (g = limit and g' = 0 exactly, as ReLU's 0 for z <= 0). tanh
  rounds to -1.0 at z = -20 in float64, but there g' != 0, so (-1, 1) stays open.
* **max |g'|** and where: :func:`actviz.maths.analysis.max_slope`.
* **E[g(Z)]** -- the mean output for a standard normal pre-activation Z ~ N(0, 1)
  (:func:`actviz.maths.diagnosis.mean_output`): how far from zero-centred a layer's outputs
  are (tanh and SELU 0, ELU 0.16, ReLU 0.40, sigmoid 0.5). g(0) = 0 is not enough: Leaky
  ReLU has g(0) = 0 and outputs of both signs, yet its mean is 0.395, almost ReLU's.
* **monotonic** -- g' >= 0 on the grid and at +-inf (non-decreasing; ReLU counts).
* **g' continuous at 0** -- |g'(1e-7) - g'(-1e-7)| < 1e-5 (ReLU's and Leaky ReLU's jump).
* **saturating** left / right -- g' -> 0 as z -> -inf / +inf (the registry's g' at +-inf): the
  column ``g' -> 0 as z ->`` says on which side (both, left, right, neither).
* **identity** -- g' can be written from g alone (``dg_from_g``).

A parameter that rescales z (SiLU's beta) moves features: the grid sees them for |z| <= 1e6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

from .analysis import DECIMALS, EDGE, GRID, limit_at_infinity, max_slope, number
from .diagnosis import mean_output
from .registry import Activation, as_activation, names

__all__ = ["Properties", "properties", "property_table"]

_SMOOTH_EPS, _SMOOTH_TOL = 1e-7, 1e-5


@dataclass(frozen=True)
class Properties:
    """One row of the comparison table (see the module docstring for the definitions)."""

    label: str
    range_low: float
    range_high: float
    low_closed: bool  # the infimum is attained (a minimum)
    high_closed: bool  # the supremum is attained (a maximum)
    min_at: Optional[float]  # where an interior minimum of g is (GELU, SiLU, Mish), else None
    max_at: Optional[float]  # likewise for an interior maximum
    max_slope: float  # max (or sup) of |g'|
    max_slope_at: str  # "z = 0", "z > 0", "z >= 0", "all z", "z -> inf", ...
    mean_output: float  # E[g(Z)], Z ~ N(0, 1)
    monotonic: bool
    dg_continuous_at_0: bool
    saturating_left: bool
    saturating_right: bool
    has_identity: bool

    @property
    def range_text(self) -> str:
        """The range in interval notation, e.g. ``(0, 1)``, ``[0, inf)``, ``[-0.16997, inf)``."""
        left = "[" if self.low_closed else "("
        right = "]" if self.high_closed else ")"
        return f"{left}{number(self.range_low)}, {number(self.range_high)}{right}"

    @property
    def saturates(self) -> str:
        """'both', 'left', 'right' or 'no': where g' -> 0."""
        return {(True, True): "both", (True, False): "left", (False, True): "right",
                (False, False): "neither"}[(self.saturating_left, self.saturating_right)]


def _bisect_root(f, a: float, b: float) -> float:
    """A sign change of f in [a, b] located to float64 resolution (f(a), f(b) of opposite sign)."""
    fa = f(a)
    for _ in range(200):
        m = 0.5 * (a + b)
        if m in (a, b):
            break
        fm = f(m)
        if fm == 0:
            return m
        if (fm < 0) == (fa < 0):
            a, fa = m, fm
        else:
            b = m
    return 0.5 * (a + b)


def _extreme(act: Activation, g: np.ndarray, lim_lo: float, lim_hi: float, sign: float):
    """(value, attained, interior location or None) of inf (sign=+1) or sup (sign=-1) of g."""
    s = sign * g
    i = int(np.nanargmin(s))
    limit = min(sign * lim_lo, sign * lim_hi)
    margin = 1e-12 * max(1.0, abs(limit)) if np.isfinite(limit) else 0.0
    if s[i] < limit - margin:  # strictly below both limits: an interior extremum, attained
        lo, hi = GRID[max(i - 1, 0)], GRID[min(i + 1, len(GRID) - 1)]
        dg = lambda z: sign * float(act.dg(z))  # noqa: E731
        z0 = _bisect_root(dg, lo, hi) if dg(lo) < 0 < dg(hi) else float(GRID[i])
        return float(act.g(z0)), True, float(z0)
    value = sign * limit
    fine = np.abs(GRID) <= EDGE
    flat = (g[fine] == value) & (act.dg(GRID[fine]) == 0)  # the limit value on a flat stretch
    return value, bool(np.isfinite(value) and flat.any()), None


def properties(act, **params) -> Properties:
    """The measured :class:`Properties` of an activation (a name, with params, or an Activation)."""
    act = as_activation(act, **params)
    g, d = act.g(GRID), act.dg(GRID)
    lim_lo, lim_hi = limit_at_infinity(act.g, -1.0), limit_at_infinity(act.g, 1.0)
    low, low_closed, min_at = _extreme(act, g, lim_lo, lim_hi, +1.0)
    high, high_closed, max_at = _extreme(act, g, lim_lo, lim_hi, -1.0)
    slope = max_slope(act)
    dl, dr = limit_at_infinity(act.dg, -1.0), limit_at_infinity(act.dg, 1.0)
    jump = abs(float(act.dg(_SMOOTH_EPS)) - float(act.dg(-_SMOOTH_EPS)))
    return Properties(
        label=act.label,
        range_low=low,
        range_high=high,
        low_closed=low_closed,
        high_closed=high_closed,
        min_at=min_at,
        max_at=max_at,
        max_slope=slope.value,
        max_slope_at=slope.where,
        mean_output=mean_output(act),
        monotonic=bool(np.all(d >= 0) and dl >= 0 and dr >= 0),
        dg_continuous_at_0=bool(jump < _SMOOTH_TOL),
        saturating_left=bool(abs(dl) <= 1e-12),
        saturating_right=bool(abs(dr) <= 1e-12),
        has_identity=act.has_identity,
    )


_COLUMNS = ("activation", "range", "min at", "max |g'|", "at", "E[g(Z)]", "monotonic", "g' continuous at 0",
            "g' -> 0 as z ->", "g' from g")


def _row(p: Properties) -> tuple[str, ...]:
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    return (
        p.label,
        p.range_text,
        "-" if p.min_at is None else number(p.min_at),
        f"{round(p.max_slope, DECIMALS) + 0.0:.{DECIMALS}f}" if np.isfinite(p.max_slope) else "inf",
        p.max_slope_at,
        f"{round(p.mean_output, 3) + 0.0:+.3f}",
        yes(p.monotonic),
        yes(p.dg_continuous_at_0),
        p.saturates,
        yes(p.has_identity),
    )


def property_table(names_or_acts: Optional[Iterable] = None) -> str:
    """The comparison table as fixed-width text (fixed decimals: identical on every run).

    ``names_or_acts`` defaults to every registered activation with default parameters.
    """
    items = list(names() if names_or_acts is None else names_or_acts)
    if not items:
        raise ValueError("property_table needs at least one activation")
    rows = [_COLUMNS] + [_row(properties(a)) for a in items]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
