"""Numbers from formulas that are right wherever a formula is accepted (sympy, mpmath, numpy).

:func:`compile_accurate` turns a sympy expression in z (and parameters) into a numpy function
that is accurate to ~1e-10 relative on the slider range ``[-Z_RANGE, Z_RANGE]``:

1. every constant subexpression is evaluated once to 30 digits (``sin(exp(230))`` is right,
   not the sine of a rounded float);
2. ``log(1 + e^u)`` and ``1/(1 + e^-u)`` become the stable softplus and sigmoid
   (``softplus(50 z)`` does not overflow at z = 15), max/min become pieces;
3. the float64 result is compared with mpmath on a check grid over the range; where the two
   disagree (cancellation, overflow in an intermediate, underflow of a value that is not 0),
   that stretch of z is evaluated with mpmath from then on, and any non-finite float result
   inside the range is recomputed with mpmath too.

A value whose magnitude is below float64's smallest normal number (2.2e-308) is returned as
the nearest non-zero float (5e-324 with its sign), so a tiny slope is never mistaken for an
exact zero ("dead"); a value above float64's largest is refused when the formula is accepted.

:func:`domain_problems` decides where a formula is undefined on the range: symbolically
(``solveset`` on every denominator, log argument and root) where sympy can, and by a dense
sign scan with refinement where it cannot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import mpmath
import numpy as np
import sympy

from .functions import MPMATH, NUMPY, Sigmoid, fold_named
from .limits import Budget

__all__ = ["Z_RANGE", "CHECK_GRID", "compile_accurate", "mp_function", "fold_constants", "stable_form",
           "domain_problems", "AccurateFunction", "TINY"]

#: formulas are checked and kept accurate on [-Z_RANGE, Z_RANGE]: the explorer's z-range slider
Z_RANGE = 20.0
#: the check grid: every 0.05 (the z0 slider's step), so 801 points
CHECK_GRID = np.round(np.linspace(-Z_RANGE, Z_RANGE, 801), 10)
#: the nearest non-zero float, for true values below float64's range
TINY = 5e-324
#: relative agreement float64 must reach against mpmath (and long double) to be trusted
TRUST_RTOL = 1e-11
#: at most this many points of one call are recomputed with mpmath (a view needs 801)
MAX_EXACT_POINTS = 4000
_DPS = 30


def fold_constants(expr: sympy.Expr, free: set) -> sympy.Expr:
    """Every maximal subexpression free of ``free`` symbols replaced by its value to 30 digits.

    Functions are rebuilt without sympy's automatic rewriting (erfc(-x) must not become
    2 - erfc(x), which cancels)."""
    if not (expr.free_symbols & free):
        if expr.is_Number:
            return expr
        value = sympy.N(expr, _DPS, maxn=400)
        if value.is_real and value.is_finite:
            return sympy.Float(value, _DPS)
        return expr
    if not expr.args:
        return expr
    if isinstance(expr, sympy.Piecewise):
        return sympy.Piecewise(*[(fold_constants(e, free), c) for e, c in expr.args])
    args = [fold_constants(a, free) if isinstance(a, sympy.Expr) else a for a in expr.args]
    if isinstance(expr, sympy.Function):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def _pieces(expr: sympy.Expr) -> sympy.Expr:
    """max/min as pieces (numpy's amax does not broadcast a scalar against an array)."""
    return expr.replace(lambda e: isinstance(e, (sympy.Max, sympy.Min)) and len(e.args) == 2,
                        lambda e: sympy.Piecewise((e.args[0], e.args[0] >= e.args[1] if isinstance(e, sympy.Max)
                                                   else e.args[0] <= e.args[1]), (e.args[1], True)))


def _erfc_form(expr: sympy.Expr) -> sympy.Expr:
    """c + c erf(u) as c erfc(-u), and c - c erf(u) as c erfc(u): those sums cancel where erf
    is near -1 or 1 (the left tail of GELU typed as z (1 + erf(z/sqrt 2)) / 2)."""

    def fix(node):
        if not isinstance(node, sympy.Add):
            return node
        consts = [t for t in node.args if t.is_number]
        if not consts:
            return node
        c0 = sympy.Add(*consts)
        for t in node.args:
            coeff, rest = t.as_independent(sympy.erf, as_Add=False)
            if isinstance(rest, sympy.erf) and coeff.is_number and c0 != 0:
                (u,) = rest.args
                others = [x for x in node.args if x is not t and not x.is_number]
                if sympy.simplify(coeff - c0) == 0:
                    return sympy.Add(coeff * sympy.erfc(-u, evaluate=False), *others)
                if sympy.simplify(coeff + c0) == 0:
                    return sympy.Add(c0 * sympy.erfc(u, evaluate=False), *others)
        return node

    return sympy.bottom_up(expr, fix)


def _complements(expr: sympy.Expr) -> sympy.Expr:
    """c - c sigma(u) as c sigma(-u) and c - c tanh(u)^2 as c / cosh(u)^2: each difference
    cancels to 0 in floating point where sigma(u) or tanh(u)^2 rounds to 1."""

    def fix(node):
        if not isinstance(node, sympy.Add):
            return node
        c0 = sympy.Add(*[t for t in node.args if t.is_number])
        if c0 == 0:
            return node
        for t in node.args:
            coeff, rest = t.as_independent(Sigmoid, sympy.tanh, as_Add=False)
            if not coeff.is_number or sympy.simplify(coeff + c0) != 0:
                continue
            others = [x for x in node.args if x is not t and not x.is_number]
            if isinstance(rest, Sigmoid):
                return sympy.Add(c0 * Sigmoid(-rest.args[0]), *others)
            if isinstance(rest, sympy.Pow) and rest.exp == 2 and isinstance(rest.base, sympy.tanh):
                return sympy.Add(c0 / sympy.cosh(rest.base.args[0]) ** 2, *others)
        return node

    return sympy.bottom_up(expr, fix)


def stable_form(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with its stable pieces: softplus, sigmoid, erfc for 1 +- erf, complements;
    max/min as pieces."""
    return _pieces(_complements(_erfc_form(fold_named(expr))))


def mp_function(expr: sympy.Expr, args: Sequence[sympy.Symbol]) -> Callable:
    """An mpmath function of ``args`` (mpf in, mpf out), from the stable form of ``expr``
    (mpmath's exponent range is unlimited, but its digits are not: log(1 + e^-300) needs
    log1p, as in float64)."""
    return sympy.lambdify(args, stable_form(expr), modules=[MPMATH, "mpmath"])


def _mp_value(f, z: float, params: Sequence[float]):
    """f at (z, params) to ~15 correct digits: evaluated at 30, 45, 70... digits until two
    agree (a result of exactly 0 is confirmed at 120 and 250 digits: cancellation gives 0 too)."""
    last = None
    for dps in (_DPS, 45, 70, 120, 250):
        with mpmath.workdps(dps):
            try:
                v = f(mpmath.mpf(z), *[mpmath.mpf(p) for p in params])
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                return math.nan
            if isinstance(v, mpmath.mpc):
                if abs(v.imag) > mpmath.mpf(10) ** (-dps // 2) * max(1, abs(v.real)):
                    return math.nan
                v = v.real
            if last is not None and v != 0 and (v == last or abs(v - last) <= mpmath.mpf(10) ** -20 * abs(v)):
                return v
            if v == 0 and last == 0 and dps >= 120:
                return v
            last = v
    return last


def _to_float(v) -> float:
    """An mpf as the nearest float, never 0 unless it is exactly 0; NaN/inf passed through."""
    if isinstance(v, float):
        return v
    if not mpmath.isfinite(v):
        return float(v)
    f = float(v)
    if f == 0.0 and v != 0:
        return math.copysign(TINY, float(mpmath.sign(v)))
    if f != 0.0 and abs(f) < 2.2250738585072014e-308:  # a subnormal: keep the sign, avoid the lost digits showing as 0
        return math.copysign(max(abs(f), TINY), f)
    return f


#: numpy implementations in the input's own precision, for the long-double cross-check
_WIDE = {"Sigmoid": lambda x: 1 / (1 + np.exp(-x)), "Softplus": lambda x: np.logaddexp(0, x),
         "erf": lambda x: np.asarray(NUMPY["erf"](np.asarray(x, dtype=np.float64)), dtype=np.longdouble),
         "erfc": lambda x: np.asarray(NUMPY["erfc"](np.asarray(x, dtype=np.float64)), dtype=np.longdouble)}
#: long double has more digits and range than float64 here (x86: 64-bit mantissa, 15-bit exponent)
LONG_DOUBLE_HELPS = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps / 100
_SMALLEST_NORMAL = 2.2250738585072014e-308
_FLOAT_MAX = 1.7976931348623157e308


def _real(values, shape, dtype) -> np.ndarray:
    out = np.asarray(values)
    if np.iscomplexobj(out):
        out = np.where(np.abs(out.imag) <= 1e-12 * np.maximum(1.0, np.abs(out.real)), out.real, np.nan)
    return np.array(np.broadcast_to(out.astype(dtype, copy=False), shape))


@dataclass(eq=False)
class AccurateFunction:
    """A numpy function of z (and parameters) that is accurate on the slider range (see the module docstring).

    Each call evaluates in float64 and, where long double is wider than float64, once more
    in long double; the points where the two disagree by more than TRUST_RTOL, where
    float64 overflowed, underflowed or gave NaN while long double did not, or that lie in a
    stretch found untrusted when the formula was accepted, are recomputed with mpmath.
    """

    expr: sympy.Expr
    params: tuple[str, ...]
    _fast: Callable
    _wide: Callable
    _exact: Callable
    #: z intervals (at the parameters' first values) where float64 was found wrong when accepted
    untrusted: list
    _limits: dict = field(default_factory=dict)

    def __call__(self, z, **params) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        if z.ndim == 0:
            return self(z.reshape(1), **params).reshape(())
        values = tuple(float(params[p]) for p in self.params)
        with np.errstate(all="ignore"):
            out = _real(self._fast(z, *values), z.shape, np.float64)
            inside = np.isfinite(z) & (np.abs(z) <= Z_RANGE + 1e-9)
            redo = inside & (np.isnan(out) | ((out != 0) & (np.abs(out) < _SMALLEST_NORMAL)))
            if LONG_DOUBLE_HELPS and inside.any():
                wide = self._wide_values(z[inside], values)
                o = out[inside].astype(np.longdouble)
                representable = np.isfinite(wide) & (np.abs(wide) <= _FLOAT_MAX)
                differs = representable & (~np.isfinite(o) | (np.abs(o - wide) > TRUST_RTOL * np.abs(wide))
                                           | ((o == 0) & (wide != 0)))
                sub = redo[inside]
                # NaN in float64 where long double overflowed or is NaN too: no mpmath (a tower of
                # exponentials would take mpmath forever); overflow stays inf, undefined stays NaN
                sub &= representable | (np.isnan(out[inside]) & ~np.isnan(wide) & np.isfinite(wide))
                overflow = np.isnan(out[inside]) & np.isinf(wide)
                if overflow.any():
                    view = out[inside]
                    view[overflow] = np.sign(wide[overflow]).astype(np.float64) * np.inf
                    out[inside] = view
                redo[inside] = sub | differs
            for lo, hi in self.untrusted:
                redo |= (z >= lo) & (z <= hi)
        where = np.flatnonzero(redo.ravel())[:MAX_EXACT_POINTS]
        if where.size:
            flat, zs = out.reshape(-1), z.reshape(-1)
            for i in where:
                flat[i] = _to_float(_mp_value(self._exact, float(zs[i]), values))
        if np.isinf(z).any():
            out[z == np.inf], out[z == -np.inf] = self.at_infinity(1, values), self.at_infinity(-1, values)
        return np.where(np.isnan(z), np.nan, out)

    def at_infinity(self, sign: int, values: tuple) -> float:
        """The limit as z -> sign * inf (sympy's limit, under a time limit; else the value at
        sign * 1e300): pieces whose conditions compare z with a multiple of z (max(z, 0.2 z))
        are wrong when evaluated at inf itself."""
        key = (sign, values)
        if key not in self._limits:
            from .limits import OutOfTime, with_time_limit

            at = self.expr.xreplace({sympy.Symbol(p, real=True): sympy.Float(v) for p, v in zip(self.params, values)})
            z = next((s for s in self.expr.free_symbols if s.name == "z"), None)
            value = math.nan
            try:
                lim = with_time_limit(0.5, sympy.limit, at, z, sign * sympy.oo) if z is not None else at
                value = float(lim) if lim.is_real or lim in (sympy.oo, -sympy.oo) else math.nan
            except (OutOfTime, ArithmeticError, TypeError, ValueError, NotImplementedError, AttributeError):
                pass
            if math.isnan(value):
                with np.errstate(all="ignore"):
                    value = float(_real(self._fast(np.array([sign * 1e300]), *values), (1,), np.float64)[0])
            self._limits[key] = value
        return self._limits[key]

    def _wide_values(self, z: np.ndarray, values: tuple) -> np.ndarray:
        with np.errstate(all="ignore"):
            zi = z.astype(np.longdouble)
            return _real(self._wide(zi, *[np.longdouble(v) for v in values]), zi.shape, np.longdouble)

    def beyond_float(self, z: float, **params) -> bool:
        """True if the value at z is larger in magnitude than the largest float64."""
        values = tuple(float(params[p]) for p in self.params)
        if LONG_DOUBLE_HELPS:
            w = self._wide_values(np.array([z]), values)[0]
            if not np.isnan(w):
                return bool(np.isinf(w) or abs(w) > _FLOAT_MAX)
        v = _mp_value(self._exact, float(z), values)
        return not (isinstance(v, float) and math.isnan(v)) and abs(v) > _FLOAT_MAX

    def exact(self, z: float, **params):
        """The value at one point by mpmath (an mpf, or NaN where undefined)."""
        return _mp_value(self._exact, float(z), tuple(float(params[p]) for p in self.params))


def disagreements(f: AccurateFunction, z: np.ndarray, params: dict, rtol: float = 1e-9) -> list[int]:
    """Indices of ``z`` where ``f`` (all its safeguards included) is off from mpmath by more than ``rtol``."""
    got = f(z, **params)
    bad = []
    for i, zi in enumerate(z):
        ref = f.exact(zi, **params)
        if isinstance(ref, float) and math.isnan(ref):
            if not math.isnan(got[i]):
                bad.append(i)
            continue
        r = _to_float(ref)
        if not (math.isfinite(got[i]) and math.isfinite(r)) or (r != got[i] and abs(got[i] - r) > rtol * abs(r)):
            bad.append(i)
    return bad


def intervals_around(z: np.ndarray, indices: list[int]) -> list[tuple[float, float]]:
    """A grid step either side of each index, merged."""
    step = float(z[1] - z[0]) if len(z) > 1 else 0.05
    out: list = []
    for i in indices:
        lo, hi = float(z[i] - step), float(z[i] + step)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def compile_accurate(expr: sympy.Expr, z: sympy.Symbol, params: Sequence[sympy.Symbol] = ()) -> AccurateFunction:
    """An :class:`AccurateFunction` for ``expr`` (see the module docstring)."""
    free = {z, *params}
    folded = fold_constants(stable_form(expr), free)
    fast = sympy.lambdify([z, *params], folded, modules=[NUMPY, "numpy"])
    wide = sympy.lambdify([z, *params], folded, modules=[_WIDE, "numpy"])
    exact = mp_function(expr, [z, *params])
    return AccurateFunction(expr, tuple(str(p) for p in params), fast, wide, exact, [])


# --------------------------------------------------------------------------------------
# Where is a formula undefined?


@dataclass(frozen=True)
class Problem:
    """A place where a formula is not real and finite: ``z`` and the reason, in words."""

    z: float
    reason: str


def _constraints(expr: sympy.Expr) -> list[tuple[str, sympy.Expr, str]]:
    """(kind, f, reason) for every piece of ``expr`` that must be nonzero / positive / >= 0."""
    out = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow):
            base, e = node.args
            if not base.free_symbols:
                continue
            if e.is_number and e.is_negative:
                out.append(("nonzero", base, f"{sympy.sstr(base)} is 0 there (a division by zero)"))
            if e.is_number and not e.is_integer:
                kind = "positive" if e.is_negative else "nonnegative"
                out.append((kind, base, f"{sympy.sstr(base)} is negative there (its root is not real)"))
        elif isinstance(node, sympy.log) and node.args[0].free_symbols:
            out.append(("positive", node.args[0], f"{sympy.sstr(node.args[0])} is not positive there (its log is not real)"))
    return out


def _violations(kind: str, f: sympy.Expr, z: sympy.Symbol, budget: Budget) -> Optional[float]:
    """A z in [-Z_RANGE, Z_RANGE] where the constraint fails, or None (symbolic first, then numeric).

    Decimals are taken as typed (0.1 is 1/10), so (z - 0.123456)^2 typed out has its double
    root where the student meant it, not a binary rounding away from it."""
    interval = sympy.Interval(-Z_RANGE, Z_RANGE)
    exact_f = budget.attempt(0.5, sympy.nsimplify, f, rational=True, default=f)
    fz = sympy.lambdify(z, stable_form(f), modules=[NUMPY, "numpy"])

    def value(x: float) -> float:
        with np.errstate(all="ignore"):
            return float(np.real(fz(np.float64(x))))

    def fails(x: float) -> bool:
        v = value(x)
        return not math.isfinite(v) or (v == 0 if kind == "nonzero" else v <= 0 if kind == "positive" else v < 0)

    roots = budget.attempt(0.5, sympy.solveset, exact_f, z, interval, default=None)
    if isinstance(roots, sympy.FiniteSet):
        pts = sorted(float(r) for r in roots if r.is_real)
        if kind == "nonzero" and pts:
            return pts[0]
        if kind == "nonnegative":  # zeros are allowed: test between them
            pass
        elif pts:  # positive: a zero itself fails
            return pts[0]
        edges = [-Z_RANGE, *pts, Z_RANGE]
        for a, b in zip(edges, edges[1:]):
            if b > a and fails(0.5 * (a + b)):
                return 0.5 * (a + b)
        return None
    if roots is sympy.S.EmptySet:
        return 0.0 if fails(0.0) else None
    # sympy could not decide: a dense sign scan, refined between neighbours
    grid = np.linspace(-Z_RANGE, Z_RANGE, 40001)
    with np.errstate(all="ignore"):
        v = np.real(np.asarray(np.broadcast_to(fz(grid), grid.shape), dtype=np.complex128)).astype(np.float64)
    bad = ~np.isfinite(v) | ((v == 0) if kind == "nonzero" else (v <= 0) if kind == "positive" else (v < 0))
    if bad.any():
        return float(grid[np.argmax(bad)])
    sign_change = np.flatnonzero(np.sign(v[:-1]) != np.sign(v[1:]))
    if sign_change.size and kind != "nonnegative":
        return float(grid[sign_change[0]])
    # a double root between grid points: |f| has a local minimum near 0
    a = np.abs(v)
    minima = np.flatnonzero((a[1:-1] <= a[:-2]) & (a[1:-1] <= a[2:]))
    scale = max(float(np.max(a)), 1.0)
    for i in minima + 1:
        if a[i] > 1e-3 * scale:
            continue
        lo, hi = float(grid[i - 1]), float(grid[i + 1])
        for _ in range(80):  # golden-section search for the minimum of |f|
            m1, m2 = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
            if abs(value(m1)) < abs(value(m2)):
                hi = m2
            else:
                lo = m1
        x = 0.5 * (lo + hi)
        if abs(value(x)) <= 1e-12 * scale:
            return x
    return None


def domain_problems(expr: sympy.Expr, z: sympy.Symbol, budget: Budget) -> Optional[Problem]:
    """The first place in [-Z_RANGE, Z_RANGE] where ``expr`` is not real and finite, or None."""
    for kind, f, reason in _constraints(expr):
        x = budget.run("checking where the formula is defined", _violations, kind, f, z, budget)
        if x is not None:
            return Problem(x, reason)
    return None
