"""Facts about one activation computed from the registry (numpy only, no plotting).

Tangents, where the gradient vanishes, a finite-difference check table, and the property
table used by the comparison notebook. Nothing here is typed by hand per activation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation, get

__all__ = [
    "Tangent", "tangent_at", "max_abs_slope", "saturation_regions", "dead_regions",
    "DerivativeCheck", "derivative_check", "as_activation",
]

#: |g'| below this share of its maximum counts as saturated (the gradient nearly vanishes).
SATURATION_SHARE = 0.01

_WIDE = np.linspace(-50.0, 50.0, 20001)


def as_activation(name_or_act, **params) -> Activation:
    """An :class:`Activation` from a registry name (with params) or an activation itself."""
    if isinstance(name_or_act, Activation):
        if params:
            return name_or_act.with_params(**params)
        return name_or_act
    return get(name_or_act, **params)


@dataclass(frozen=True)
class Tangent:
    """The tangent line y = intercept + slope * z touching g at z0."""

    z0: float
    value: float  # g(z0)
    slope: float  # g'(z0)
    intercept: float

    def __call__(self, z):
        return self.intercept + self.slope * np.asarray(z, dtype=float)


def tangent_at(act: Activation, z0: float) -> Tangent:
    """The tangent to g at z0 (the slope is g'(z0), with the registry's kink convention)."""
    z0 = float(z0)
    if not np.isfinite(z0):
        raise ValueError(f"z0 must be a finite number, got {z0!r}")
    value, slope = float(act.g(z0)), float(act.dg(z0))
    return Tangent(z0, value, slope, value - slope * z0)


def max_abs_slope(act: Activation) -> tuple[float, float]:
    """``(max |g'|, where)`` over z in [-50, 50] (every 0.005)."""
    d = np.abs(act.dg(_WIDE))
    i = int(np.nanargmax(d))
    return float(d[i]), float(_WIDE[i])


def _runs(mask: np.ndarray, z: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous runs of True in ``mask`` as z intervals (edges half a step out, clipped)."""
    if not mask.any():
        return []
    step = (z[-1] - z[0]) / max(len(z) - 1, 1)
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    out = []
    for start, stop in zip(edges[::2], edges[1::2]):
        a = max(z[0], z[start] - step / 2)
        b = min(z[-1], z[stop - 1] + step / 2)
        out.append((float(a), float(b)))
    return out


def saturation_regions(act: Activation, z) -> list[tuple[float, float]]:
    """Intervals of ``z`` where 0 < |g'| < 1% of max |g'| (the gradient nearly vanishes)."""
    z = np.asarray(z, dtype=float)
    d = np.abs(act.dg(z))
    top, _ = max_abs_slope(act)
    return _runs((d > 0) & (d < SATURATION_SHARE * top), z)


def dead_regions(act: Activation, z) -> list[tuple[float, float]]:
    """Intervals of ``z`` where g' = 0 exactly (a unit there passes back no gradient)."""
    z = np.asarray(z, dtype=float)
    return _runs(act.dg(z) == 0, z)


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


def derivative_check(act: Activation, points, h: float = 1e-5) -> DerivativeCheck:
    """Compare g' with a central difference at ``points`` (avoid kinks: the difference
    there is the mean of the two one-sided slopes, not the convention)."""
    z = np.asarray(points, dtype=float)
    if z.ndim != 1 or z.size == 0 or not np.isfinite(z).all():
        raise ValueError("points must be a non-empty list of finite numbers")
    if not (np.isfinite(h) and 0 < h < 1):
        raise ValueError(f"h must be a finite step in (0, 1), got {h!r}")
    central = (act.g(z + h) - act.g(z - h)) / (2 * h)
    return DerivativeCheck(act.label, z, act.g(z), act.dg(z), central, h)
