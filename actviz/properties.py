"""The comparison table: properties of each activation computed from the registry (numpy only).

Nothing here is typed per activation: every entry is measured from ``g``, ``g'`` and the
limits at +-inf, so a new ``_define`` in :mod:`actviz.activations` gets its row for free.

What is measured, and how:

* **range** -- inf and sup of g over the real line: the limits g(-inf), g(+inf) and g on a
  grid (every 0.001 on [-20, 20], then geometric out to |z| = 1e6). An end is *closed* when
  it is attained: an interior minimum/maximum (refined by bisection on g'), or a limit value
  that g takes on a flat stretch (g = limit and g' = 0 exactly, as ReLU's 0 for z <= 0). tanh
  rounds to -1.0 at z = -20 in float64, but there g' != 0, so (-1, 1) stays open.
* **max |g'|** and where: a point (refined), a stretch (``z > 0``, ``z >= 0``, ``all z``) or
  a supremum approached only in a limit (``z -> inf``). At a kink g' is the registry's
  convention (the left-hand slope), so ELU with alpha = 2 has max |g'| = 2 at z = 0.
* **zero-centred** -- g(0) = 0 and g takes both signs (inf g < 0 < sup g), so a layer's
  outputs can average out near 0: tanh yes, ReLU and sigmoid no.
* **monotonic** -- g' >= 0 on the grid and at +-inf (non-decreasing; ReLU counts).
* **smooth at 0** -- g' continuous at 0: |g'(1e-7) - g'(-1e-7)| < 1e-5.
* **saturating** left / right -- g' -> 0 as z -> -inf / +inf (the registry's g' at +-inf).
* **identity** -- g' can be written from g alone (``dg_from_g``).

A parameter that rescales z (SiLU's beta) moves features: the grid sees them for |z| <= 1e6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Union

import numpy as np

from .activations import Activation, get

__all__ = ["Properties", "properties", "property_table"]

DECIMALS = 5
_EDGE = 20.0  # attainment is decided on [-20, 20], before float64 rounds g to its limits
_POS = np.arange(1, 20001) / 1000.0
_FINE = np.concatenate([-_POS[::-1], [0.0], _POS])  # every 0.001 on [-20, 20]; exactly symmetric
_FAR = np.geomspace(_EDGE, 1e6, 3001)[1:]
_GRID = np.concatenate([-_FAR[::-1], _FINE, _FAR])
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
    zero_centred: bool  # g(0) == 0 and g takes both signs
    monotonic: bool
    smooth_at_0: bool
    saturating_left: bool
    saturating_right: bool
    has_identity: bool

    @property
    def range_text(self) -> str:
        """The range in interval notation, e.g. ``(0, 1)``, ``[0, inf)``, ``[-0.16997, inf)``."""
        left = "[" if self.low_closed else "("
        right = "]" if self.high_closed else ")"
        return f"{left}{_number(self.range_low)}, {_number(self.range_high)}{right}"


def _clean(x: float) -> float:
    """x rounded to the printed decimals, with -0.0 turned into 0.0."""
    return round(float(x), DECIMALS) + 0.0


def _number(x: float) -> str:
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    x = _clean(x)
    return f"{x:.0f}" if x == int(x) else f"{x:.{DECIMALS}f}"


def _limit(f, sign: float) -> float:
    """f at sign * inf, falling back to the far end of the grid if f gives NaN there."""
    v = float(f(sign * np.inf))
    return v if not np.isnan(v) else float(f(sign * _GRID[-1]))


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


def _golden_max(f, a: float, b: float) -> float:
    """argmax of a unimodal f on [a, b] (golden-section search)."""
    r = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(100):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = f(d)
    return 0.5 * (a + b)


def _extreme(act: Activation, g: np.ndarray, lim_lo: float, lim_hi: float, sign: float):
    """(value, attained, interior location or None) of inf (sign=+1) or sup (sign=-1) of g."""
    s = sign * g
    i = int(np.nanargmin(s))
    limit = min(sign * lim_lo, sign * lim_hi)
    margin = 1e-12 * max(1.0, abs(limit)) if np.isfinite(limit) else 0.0
    if s[i] < limit - margin:  # strictly below both limits: an interior extremum, attained
        lo, hi = _GRID[max(i - 1, 0)], _GRID[min(i + 1, len(_GRID) - 1)]
        dg = lambda z: sign * float(act.dg(z))  # noqa: E731
        z0 = _bisect_root(dg, lo, hi) if dg(lo) < 0 < dg(hi) else float(_GRID[i])
        return float(act.g(z0)), True, float(z0)
    value = sign * limit
    fine = np.abs(_GRID) <= _EDGE
    flat = (g[fine] == value) & (act.dg(_GRID[fine]) == 0)  # the limit value on a flat stretch
    return value, bool(np.isfinite(value) and flat.any()), None


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _stretch(first: int, last: int, z: np.ndarray, kinks: tuple[float, ...]) -> str:
    """Describe z[first..last] of the fine grid: ``z > 0``, ``z >= 0``, ``all z``, ``a <= z <= b``."""
    step = z[1] - z[0]

    def bound(k: int, inward: int) -> tuple[str, float]:
        for kink in kinks:  # a stretch starting next to a kink: say whether the kink is in it
            if abs(z[k] - kink) < step / 2:
                return "=", kink
            if abs(z[k] - inward * step - kink) < step / 2:
                return "", kink
        return "=", float(z[k])

    if first == 0 and last == len(z) - 1:
        return "all z"
    if last == len(z) - 1:
        op, at = bound(first, +1)
        return f"z >{op} {_number(at)}"
    if first == 0:
        op, at = bound(last, -1)
        return f"z <{op} {_number(at)}"
    return f"{_number(z[first])} <= z <= {_number(z[last])}"


def _max_slope(act: Activation, d: np.ndarray) -> tuple[float, str]:
    fine = np.abs(_GRID) <= _EDGE
    z, dfine = _GRID[fine], d[fine]
    offset = int(np.argmax(fine))  # index of z[0] in _GRID
    left, right = abs(_limit(act.dg, -1.0)), abs(_limit(act.dg, 1.0))
    limit = max(left, right)
    top = float(np.nanmax(d))
    if top <= limit:
        if limit > 0 and np.any(dfine == limit):  # stretches where g' equals its limit (ReLU)
            runs = _runs(dfine == limit)
            return limit, ", ".join(_stretch(a, b, z, act.kinks) for a, b in runs)
        return limit, "z -> inf" if right >= left else "z -> -inf"  # approached, never reached
    where = []
    for a, b in _runs(d == top):
        if b > a:  # a stretch (inside the fine grid: the geometric part never ties exactly)
            where.append(_stretch(a - offset, b - offset, z, act.kinks))
            continue
        zi = float(_GRID[a])
        if any(abs(zi - k) < 1e-12 for k in act.kinks):  # at a kink: the convention value
            where.append(f"z = {_number(zi)}")
            continue
        lo, hi = float(_GRID[max(a - 1, 0)]), float(_GRID[min(a + 1, len(_GRID) - 1)])
        z0 = _golden_max(lambda t: abs(float(act.dg(t))), lo, hi)
        top = max(top, abs(float(act.dg(z0))))
        where.append(f"z = {_number(z0)}")
    return top, ", ".join(where)


def properties(act: Union[str, Activation], **params) -> Properties:
    """The measured :class:`Properties` of an activation (a name, with params, or an Activation)."""
    if not isinstance(act, Activation):
        act = get(act, **params)
    elif params:
        act = act.with_params(**params)
    g, d = act.g(_GRID), act.dg(_GRID)
    lim_lo, lim_hi = _limit(act.g, -1.0), _limit(act.g, 1.0)
    low, low_closed, min_at = _extreme(act, g, lim_lo, lim_hi, +1.0)
    high, high_closed, max_at = _extreme(act, g, lim_lo, lim_hi, -1.0)
    slope, slope_at = _max_slope(act, np.abs(d))
    dl, dr = _limit(act.dg, -1.0), _limit(act.dg, 1.0)
    jump = abs(float(act.dg(_SMOOTH_EPS)) - float(act.dg(-_SMOOTH_EPS)))
    return Properties(
        label=act.label,
        range_low=low,
        range_high=high,
        low_closed=low_closed,
        high_closed=high_closed,
        min_at=min_at,
        max_at=max_at,
        max_slope=slope,
        max_slope_at=slope_at,
        zero_centred=bool(act.g(0.0) == 0.0 and low < 0.0 < high),
        monotonic=bool(np.all(d >= 0) and dl >= 0 and dr >= 0),
        smooth_at_0=bool(jump < _SMOOTH_TOL),
        saturating_left=bool(abs(dl) <= 1e-12),
        saturating_right=bool(abs(dr) <= 1e-12),
        has_identity=act.has_identity,
    )


_COLUMNS = ("activation", "range", "min at", "max |g'|", "at", "zero-centred", "monotonic", "smooth at 0",
            "saturates", "g' from g")


def _row(p: Properties) -> tuple[str, ...]:
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    sat = {(True, True): "both", (True, False): "left", (False, True): "right", (False, False): "no"}
    return (
        p.label,
        p.range_text,
        "-" if p.min_at is None else _number(p.min_at),
        f"{_clean(p.max_slope):.{DECIMALS}f}" if np.isfinite(p.max_slope) else "inf",
        p.max_slope_at,
        yes(p.zero_centred),
        yes(p.monotonic),
        yes(p.smooth_at_0),
        sat[(p.saturating_left, p.saturating_right)],
        yes(p.has_identity),
    )


def property_table(names_or_acts: Iterable[Union[str, Activation]] = None) -> str:
    """The comparison table as fixed-width text (fixed decimals: identical on every run).

    ``names_or_acts`` defaults to every registered activation with default parameters.
    """
    from .activations import names

    items = list(names() if names_or_acts is None else names_or_acts)
    if not items:
        raise ValueError("property_table needs at least one activation")
    rows = [_COLUMNS] + [_row(properties(a)) for a in items]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
