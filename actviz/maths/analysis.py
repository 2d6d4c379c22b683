"""Facts about one activation computed from its g and g' (numpy only, no plotting).

The tangent at a point, the largest slope and where it is, where the gradient nearly
vanishes (nearly flat: below 1% of its maximum) or vanishes exactly (dead), and a
finite-difference check table. ("Saturates" is kept for tails: g' -> 0 as z -> +-inf.)
Nothing here is typed by hand per activation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import validate
from .registry import Activation, as_activation

__all__ = [
    "Tangent", "tangent_at", "MaxSlope", "max_slope", "flat_regions", "dead_regions",
    "DerivativeCheck", "derivative_check", "runs", "number", "limit_at_infinity", "FLAT_SHARE", "GRID", "FINE", "EDGE",
]

#: 0 < |g'| below this share of its maximum counts as nearly flat (the gradient nearly vanishes).
FLAT_SHARE = 0.01

DECIMALS = 5  # how places are printed (``z = 1.41421``)
EDGE = 20.0  # features are located on [-EDGE, EDGE], before float64 rounds g to its limits
_POS = np.arange(1, 20001) / 1000.0
#: every 0.001 on [-20, 20], exactly symmetric
FINE = np.concatenate([-_POS[::-1], [0.0], _POS])
_FAR = np.geomspace(EDGE, 1e6, 3001)[1:]
#: FINE, then geometric out to |z| = 1e6 (a parameter that rescales z moves features outward)
GRID = np.concatenate([-_FAR[::-1], FINE, _FAR])


def number(x: float) -> str:
    """``x`` as the tables print it: ``inf``, an integer, or DECIMALS places (no ``-0``)."""
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    x = round(float(x), DECIMALS) + 0.0
    return f"{x:.0f}" if x == int(x) else f"{x:.{DECIMALS}f}"


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` index of each run of True in a 1-D boolean ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(mask).astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _intervals(mask: np.ndarray, z: np.ndarray) -> list[tuple[float, float]]:
    """Runs of True in ``mask`` as z intervals (edges half a grid step out, clipped to z)."""
    step = (z[-1] - z[0]) / max(len(z) - 1, 1)
    return [(float(max(z[0], z[a] - step / 2)), float(min(z[-1], z[b] + step / 2))) for a, b in runs(mask)]


@dataclass(frozen=True)
class Tangent:
    """The tangent line y = intercept + slope * z touching g at z0."""

    z0: float
    value: float  # g(z0)
    slope: float  # g'(z0)
    intercept: float

    def __call__(self, z):
        return self.intercept + self.slope * validate.real_array(z)


def tangent_at(act, z0: float) -> Tangent:
    """The tangent to g at z0 (the slope is g'(z0), with the registry's kink convention)."""
    act = as_activation(act)
    z0 = validate.real(z0, "z0")
    value, slope = float(act.g(z0)), float(act.dg(z0))
    return Tangent(z0, value, slope, value - slope * z0)


@dataclass(frozen=True)
class MaxSlope:
    """The largest |g'| over the real line, and where it is taken.

    ``where`` is a point (``z = 0``), a stretch (``z > 0``, ``z >= 0``, ``all z``) or a
    supremum approached only in a limit (``z -> inf``); ``z`` is the point, if it is one.
    """

    value: float
    where: str
    z: Optional[float] = None


def limit_at_infinity(f, sign: float) -> float:
    """f at sign * inf, falling back to the far end of the grid if f gives NaN there."""
    v = float(f(sign * np.inf))
    return v if not np.isnan(v) else float(f(sign * GRID[-1]))


def _golden_max(f, a: float, b: float) -> float:
    """argmax of a unimodal f on [a, b] (golden-section search)."""
    r = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(64):  # the bracket shrinks to 0.618^64 ~ 4e-14 of its width
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = f(d)
    return 0.5 * (a + b)


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
        return f"z >{op} {number(at)}"
    if first == 0:
        op, at = bound(last, -1)
        return f"z <{op} {number(at)}"
    return f"{number(z[first])} <= z <= {number(z[last])}"


def max_slope(act) -> MaxSlope:
    """max |g'| over the real line (GRID, refined by golden section near an interior peak).

    At a kink g' is the registry's convention (the left-hand slope), so ELU with alpha = 2
    has max |g'| = 2 at z = 0. Results are remembered per activation and parameter values
    (``Activation.key``): a slider that returns to a value costs nothing.
    """
    act = as_activation(act)
    found = _MAX_SLOPES.get(act.key)
    if found is None:
        if len(_MAX_SLOPES) >= 4096:
            _MAX_SLOPES.clear()
        found = _MAX_SLOPES[act.key] = _max_slope(act)
    return found


_MAX_SLOPES: dict = {}


def _max_slope(act: Activation) -> MaxSlope:
    d = np.abs(act.dg(GRID))
    fine = np.abs(GRID) <= EDGE
    z, dfine = GRID[fine], d[fine]
    offset = int(np.argmax(fine))  # index of z[0] in GRID
    left, right = abs(limit_at_infinity(act.dg, -1.0)), abs(limit_at_infinity(act.dg, 1.0))
    limit = max(left, right)
    top = float(np.nanmax(d))
    if top <= limit:
        if limit > 0 and np.any(dfine == limit):  # stretches where g' equals its limit (ReLU)
            return MaxSlope(limit, ", ".join(_stretch(a, b, z, act.kinks) for a, b in runs(dfine == limit)))
        return MaxSlope(limit, "z -> inf" if right >= left else "z -> -inf")  # approached, never reached
    where, points = [], []
    for a, b in runs(d == top):
        if b > a:  # a stretch; one reaching into the geometric part goes on to infinity
            first, last = min(max(a - offset, 0), len(z) - 1), min(max(b - offset, 0), len(z) - 1)
            where.append(_stretch(first, last, z, act.kinks))
            continue
        zi = float(GRID[a])
        if any(abs(zi - k) < 1e-12 for k in act.kinks):  # at a kink: the convention value
            where.append(f"z = {number(zi)}")
            points.append(zi)
            continue
        lo, hi = float(GRID[max(a - 1, 0)]), float(GRID[min(a + 1, len(GRID) - 1)])
        z0 = _golden_max(lambda t: abs(float(act.dg(t))), lo, hi)
        top = max(top, abs(float(act.dg(z0))))
        where.append(f"z = {number(z0)}")
        points.append(z0)
    return MaxSlope(top, ", ".join(where), float(points[0]) if len(points) == 1 and len(where) == 1 else None)


def flat_regions(act, z, top: Optional[float] = None) -> list[tuple[float, float]]:
    """Intervals of ``z`` where 0 < |g'| < 1% of max |g'| (the gradient nearly vanishes).

    ``top`` is max |g'| if already known (it costs a scan of the real line).
    """
    act = as_activation(act)
    z = validate.real_array(z)
    d = np.abs(act.dg(z))
    top = max_slope(act).value if top is None else top
    return _intervals((d > 0) & (d < FLAT_SHARE * top), z)


def dead_regions(act, z) -> list[tuple[float, float]]:
    """Intervals of ``z`` where g' = 0 exactly (a unit there passes back no gradient)."""
    act = as_activation(act)
    z = validate.real_array(z)
    return _intervals(act.dg(z) == 0, z)


@dataclass(frozen=True)
class DerivativeCheck:
    """g'(z) from the formula against a central difference (g(z+h) - g(z-h)) / 2h."""

    name: str
    z: np.ndarray
    g: np.ndarray
    dg: np.ndarray
    central: np.ndarray
    h: float

    @property
    def max_abs_error(self) -> float:
        return float(np.max(np.abs(self.dg - self.central)))

    def __str__(self) -> str:
        # Fixed decimals, so the printed table is byte-identical run to run (nbval compares it).
        rows = [f"{'z':>8} {'g(z)':>12} {'formula g_prime':>16} {'central diff':>14}  agree to 1e-6?"]
        for z, g, d, c in zip(self.z, self.g, self.dg, self.central):
            rows.append(f"{z:8.3f} {g:12.6f} {d:16.8f} {c:14.8f}  {'yes' if abs(d - c) < 1e-6 else 'NO'}")
        return "\n".join(rows)


def derivative_check(act, points, h: float = 1e-5) -> DerivativeCheck:
    """Compare g' with a central difference at ``points`` (avoid kinks: the difference
    there is the mean of the two one-sided slopes, not the convention)."""
    act = as_activation(act)
    z = validate.real_array(points, "points")
    if z.ndim != 1 or z.size == 0 or not np.isfinite(z).all():
        raise ValueError("points must be a non-empty list of finite numbers")
    h = validate.real(h, "h", low=0.0, high=1.0)
    if h == 0 or h == 1:
        raise ValueError(f"h must be a finite step in (0, 1), got {h!r}")
    central = (act.g(z + h) - act.g(z - h)) / (2 * h)
    return DerivativeCheck(act.label, z, act.g(z), act.dg(z), central, h)
