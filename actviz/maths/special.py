"""Special functions in float64 with relative accuracy ~1e-16 (numpy only).

* :func:`erf`, :func:`erfc`, :func:`Phi` (the standard normal CDF) and :func:`phi` (its
  density), by W. J. Cody's rational Chebyshev approximations, accurate far into the tails;
* :func:`exp_neg_sq`: exp(-s x^2) without the rounding error of x^2;
* :func:`mul_exact`: beta * z with its rounding error (Dekker's product);
* :func:`near_root`: a Taylor patch for a derivative that cancels near its root.

Used by :mod:`actviz.maths.kernels`; nothing here knows about activations.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

__all__ = ["erf", "erfc", "Phi", "phi", "exp_neg_sq", "mul_exact", "near_root", "ROOT_RADIUS"]

# erf and erfc by W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
# approximations for the error function", Math. Comp. 23 (1969) 631-638; the coefficients
# are those of his SPECFUN routine CALERF). Relative error about 1e-16 in float64.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)
_ERFC_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERFC_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)
_ERF_SMALL = 0.46875  # |x| at or below this: erf from the first rational; above: erfc
_ONE_OVER_SQRT_PI = 0.56418958354775628695
_ONE_OVER_SQRT2 = 0.70710678118654752440
_ONE_OVER_SQRT_2PI = 0.39894228040143267794


def _erf_small(x: Array) -> Array:
    """erf(x) for |x| <= 0.46875 (any x is safe to pass; the result is used only there)."""
    x = np.clip(x, -_ERF_SMALL, _ERF_SMALL)
    xsq = x * x
    num, den = _ERF_A[4] * xsq, xsq
    for a, b in zip(_ERF_A[:3], _ERF_B[:3]):
        num, den = (num + a) * xsq, (den + b) * xsq
    return x * (num + _ERF_A[3]) / (den + _ERF_B[3])


def _erfcx_large(y: Array) -> Array:
    """e^{y^2} erfc(y) for y >= 0.46875 (y is clipped into [0.46875, 30]: pass any y)."""
    y = np.clip(y, _ERF_SMALL, 30.0)
    num, den = _ERFC_C[8] * y, y  # 0.46875 <= y <= 4
    for c, d in zip(_ERFC_C[:7], _ERFC_D[:7]):
        num, den = (num + c) * y, (den + d) * y
    middle = (num + _ERFC_C[7]) / (den + _ERFC_D[7])
    ysq = 1.0 / (y * y)  # y > 4: an expansion in 1/y^2
    num, den = _ERFC_P[5] * ysq, ysq
    for p, q in zip(_ERFC_P[:4], _ERFC_Q[:4]):
        num, den = (num + p) * ysq, (den + q) * ysq
    tail = (_ONE_OVER_SQRT_PI - ysq * (num + _ERFC_P[4]) / (den + _ERFC_Q[4])) / y
    return np.where(y <= 4.0, middle, tail)


def exp_neg_sq(x: Array, scale: float = 1.0) -> Array:
    """exp(-scale * x^2) without the rounding error of x^2 (which exp would amplify by x^2).

    x is split as xh + (x - xh) with xh a multiple of 1/16, so xh^2 is exact; |x| is clipped
    to 40, where exp(-x^2/2) has long underflowed.
    """
    x = np.clip(np.abs(x), 0.0, 40.0)
    xh = np.trunc(x * 16.0) / 16.0
    rest = (x - xh) * (x + xh)  # x^2 - xh^2, small
    return np.exp(-scale * (xh * xh)) * np.exp(-scale * rest)


def _erfc_pos(y: Array) -> Array:
    """erfc(y) for y > 0.46875 (any y passes)."""
    return exp_neg_sq(y) * _erfcx_large(y)


def erf(x) -> Array:
    """erf(x), elementwise (Cody's approximations; relative error ~1e-16)."""
    x = np.asarray(x, dtype=np.float64)
    big = 0.5 - _erfc_pos(np.abs(x)) + 0.5
    return np.where(np.abs(x) <= _ERF_SMALL, _erf_small(x), np.copysign(big, x))


def erfc(x) -> Array:
    """erfc(x) = 1 - erf(x), elementwise, with relative accuracy far into the right tail."""
    x = np.asarray(x, dtype=np.float64)
    right = _erfc_pos(np.abs(x))
    return np.where(np.abs(x) <= _ERF_SMALL, 1.0 - _erf_small(x), np.where(x > 0, right, 2.0 - right))


def phi(z: Array) -> Array:
    """The standard normal density e^{-z^2/2} / sqrt(2 pi)."""
    return _ONE_OVER_SQRT_2PI * exp_neg_sq(z, 0.5)


def Phi(z: Array) -> Array:
    """The standard normal CDF, Phi(z) = erfc(-z/sqrt 2) / 2, relatively accurate as z -> -inf.

    In the tails Phi is written as e^{-z^2/2} erfcx(|z|/sqrt 2) / 2 with the exponential taken
    from z itself: computing erfc(|z|/sqrt 2) would round |z|/sqrt 2 first, and exp turns
    that rounding into a relative error of order z^2 * 1e-16.
    """
    small = 0.5 + 0.5 * _erf_small(z * _ONE_OVER_SQRT2)
    tail = 0.5 * exp_neg_sq(z, 0.5) * _erfcx_large(np.abs(z) * _ONE_OVER_SQRT2)  # Phi(-|z|)
    out = np.where(z < 0, tail, 1.0 - tail)
    return np.where(np.abs(z) * _ONE_OVER_SQRT2 <= _ERF_SMALL, small, out)


def _split(a: Array) -> tuple[Array, Array]:
    """Veltkamp's split: a = hi + lo with hi holding 26 bits, so hi * hi is exact."""
    c = 134217729.0 * a  # 2^27 + 1
    hi = c - (c - a)
    return hi, a - hi


def mul_exact(beta: float, z: Array) -> tuple[Array, Array]:
    """u = beta * z as hi + lo with hi = fl(beta * z) and lo its rounding error (Dekker).

    The error matters: e^{beta z} at beta z = -700 turns a rounding of beta z into a relative
    error of 700 * 1e-16. z is scaled to [0.5, 1) by frexp first so nothing overflows.
    """
    m, k = np.frexp(np.where(np.isfinite(z), z, 0.0))
    p = beta * m
    (bh, bl), (mh, ml) = _split(np.float64(beta)), _split(m)
    err = ((bh * mh - p) + bh * ml + bl * mh) + bl * ml
    return beta * z, np.ldexp(err, k)


#: Within this distance of the root the Taylor series replaces the closed form.
ROOT_RADIUS = 0.125


def near_root(x: Array, lo, root: tuple[float, float], coeffs: tuple[float, ...], direct: Array) -> Array:
    """``direct``, except within ROOT_RADIUS of the root of g', where the Taylor series is used.

    ``x + lo`` is the argument (``lo`` a rounding error carried along, or 0); ``x - root[0]``
    is exact there (Sterbenz), so h loses nothing.
    """
    h = (x - root[0]) + (lo - root[1])
    series = np.zeros_like(h)
    for c in coeffs[::-1]:
        series = (series + c) * h
    return np.where(np.abs(h) < ROOT_RADIUS, series, direct)
