"""Numerically stable numpy implementations of each activation's g and g' (numpy only).

One pair of functions per activation, referenced by :mod:`actviz.maths.definitions`.
Every function takes a float64 array ``z`` (and the activation's parameters as floats) and
returns an array of the same shape, finite or infinite for every finite or infinite input,
NaN for NaN, with no floating-point warnings; tails keep their relative accuracy (see
:mod:`actviz.maths.registry` for the conventions).
"""

from __future__ import annotations

import numpy as np

from .special import Phi, mul_exact, near_root, phi

Array = np.ndarray

def keep_nan(z: Array, out: Array) -> Array:
    """``out`` with NaN wherever ``z`` is NaN (comparisons alone would turn NaN into 0/1)."""
    return np.where(np.isnan(z), np.nan, out)


def sigmoid(z: Array) -> Array:
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def dsigmoid(z: Array) -> Array:
    e = np.exp(-np.abs(z))  # sigma'(z) = e^{-|z|} / (1 + e^{-|z|})^2, symmetric in z
    return e / (1.0 + e) ** 2


def dtanh(z: Array) -> Array:
    e = np.exp(-2.0 * np.abs(z))  # sech^2 z = 4 e^{-2|z|} / (1 + e^{-2|z|})^2
    return 4.0 * e / (1.0 + e) ** 2


def leaky(z: Array, alpha: float) -> Array:
    out = np.where(z > 0, z, alpha * z)
    # alpha * (-inf) is NaN when alpha == 0; the limit of the left branch is 0 there.
    return np.where(np.isneginf(z), -np.inf if alpha > 0 else 0.0, out)


def at_infinities(z: Array, out: Array, at_minus_inf: float, at_plus_inf: float) -> Array:
    """``out`` with the limits put in at z = -inf and z = +inf (where ``inf * 0`` gave NaN)."""
    return np.where(np.isneginf(z), at_minus_inf, np.where(np.isposinf(z), at_plus_inf, out))


def elu_like(z: Array, scale: float, alpha: float) -> Array:
    """scale * (z for z > 0, alpha * (e^z - 1) for z <= 0); expm1 keeps digits near 0."""
    return np.where(z > 0, scale * z, (scale * alpha) * np.expm1(np.minimum(z, 0.0)))


def delu_like(z: Array, scale: float, alpha: float) -> Array:
    """Its derivative, with the left-hand value scale * alpha at the kink z = 0."""
    return keep_nan(z, np.where(z > 0, scale, (scale * alpha) * np.exp(np.minimum(z, 0.0))))


def elu_like_from_g(g: Array, scale: float, alpha: float) -> Array:
    # For z <= 0, g = scale*alpha*(e^z - 1), so g' = scale*alpha*e^z = g + scale*alpha.
    return np.where(g > 0, scale, g + scale * alpha)


# Near the minimum of GELU, SiLU and Mish, g' changes sign at x0 and the closed forms
# above cancel: their absolute error (~1e-17) is fine, their relative error grows like
# 1e-17 / |x - x0|. Within |x - x0| < 1/8 we use instead the Taylor series of g' about x0,
# g'(x0 + h) = c1 h + c2 h^2 + ..., relatively accurate down to the root itself. x0 is
# stored as hi + lo (double-double) so that h = x - x0 keeps its digits. The roots and
# coefficients were computed with mpmath at 60 digits (tests/maths/test_kernels.py
# recomputes them); the terms left out are below 1e-17 relative at |h| = 1/8.
GELU_ROOT = (-0.7517915246935645, 1.4956759177009883e-17)
GELU_TAYLOR = (
    0.4314939923140469, 0.388284982990552, -0.018199676398671087, -0.1140082332972217,
    -0.014771522148244337, 0.019421679838189067, 0.004539228379125415, -0.002239538068073497,
    -0.0007448268386746817, 0.00018633974623233514, 8.615947861116571e-05, -1.121438018842664e-05,
    -7.74846130700372e-06,
)
SILU_ROOT = (-1.2784645427610737, -1.0946994183093437e-16)  # in u = beta z
SILU_TAYLOR = (
    0.2178117057198001, 0.1466487969969469, 0.018874814223782312, -0.015222655223188032,
    -0.006606589138356696, 0.000126627410081122, 0.0007985218818397998, 0.00018570724361186496,
    -4.090534237428612e-05, -2.9733542213263917e-05, -2.942631888842464e-06, 2.346029682463866e-06,
    8.599695028268575e-07,
)
MISH_ROOT = (-1.1924312145154952, -4.8484829848031044e-17)
MISH_TAYLOR = (
    0.2669479140495345, 0.20473126408010586, 0.04190782104360987, -0.020271822716684245,
    -0.01582112656173338, -0.0033606849270232685, 0.0010924055409445854, 0.0009898181021289196,
    0.00025412936386191073, -4.1961496031696126e-05, -5.582891567360688e-05, -1.72992708103044e-05,
    9.427361327376651e-07, 2.9088199364912223e-06,
)


def gelu(z: Array) -> Array:
    zc = np.clip(z, -40.0, 40.0)  # Phi(-40) ~ 4e-350 is 0 in float64; beyond 40 g = z
    return np.where(z > 40.0, z, zc * Phi(zc))


def dgelu(z: Array) -> Array:
    zc = np.clip(z, -40.0, 40.0)
    return near_root(zc, 0.0, GELU_ROOT, GELU_TAYLOR, Phi(zc) + zc * phi(zc))


def _silu_parts(z: Array, beta: float):
    """(u, lo, e) with u = beta z (+ lo, its rounding error), clipped, and e = e^{-|u|}."""
    # |u| beyond 2000 changes nothing (e^{-2000} is 0 in float64): clip z so that beta * z
    # neither overflows (10 * 1e308) nor meets 0 * inf; the infinities are put back later.
    zc = np.clip(z, -4000.0 / beta, 4000.0 / beta) if beta > 0 else np.clip(z, -1.0, 1.0)
    u, lo = mul_exact(beta, zc)
    u = np.clip(u, -2000.0, 2000.0)
    e = np.exp(-np.abs(u)) * np.where(u > 0, 1.0 - lo, 1.0 + lo)  # e^{-|u + lo|}, |lo| << 1
    return u, lo, e


def silu(z: Array, beta: float) -> Array:
    u, _, e = _silu_parts(z, beta)
    s = np.where(u > 0, 1.0 / (1.0 + e), e / (1.0 + e))  # sigma(u)
    return at_infinities(z, np.where(np.isinf(z), 0.0, z) * s, 0.0 if beta > 0 else -np.inf, np.inf)


def dsilu(z: Array, beta: float) -> Array:
    # g' = sigma(u) (1 + u (1 - sigma(u))), u = beta z. With e = e^{-|u|}:
    #   u <= 0:  e (1 + u + e) / (1 + e)^2   (1 + u + e cancels at the minimum of g, where
    #            the Taylor series of near_root takes over)
    #   u > 0:   (1 + e + u e) / (1 + e)^2
    u, lo, e = _silu_parts(z, beta)
    neg = e * (((1.0 + u) + e) + lo) / (1.0 + e) ** 2
    pos = (1.0 + e + (u + lo) * e) / (1.0 + e) ** 2
    out = near_root(u, lo, SILU_ROOT, SILU_TAYLOR, np.where(u > 0, pos, neg))
    return at_infinities(z, out, 0.0 if beta > 0 else 0.5, 1.0 if beta > 0 else 0.5)


def softplus(z: Array) -> Array:
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))  # max propagates NaN


def _mish_parts(z: Array) -> tuple[Array, Array, Array]:
    """(zc, e, tanh(softplus(z))) with zc = z clipped to [-800, 800] and e = e^{-|zc|}.

    With n = e^z (e^z + 2), tanh(log(1 + e^z)) = n / (n + 2): for z <= 0 in e = e^z,
    for z > 0 divided through by e^{2z}, in e = e^{-z}: (1 + 2e) / (1 + 2e + 2e^2).
    """
    zc = np.clip(z, -800.0, 800.0)
    e = np.exp(-np.abs(zc))
    n = e * (e + 2.0)
    t = np.where(zc > 0, (1.0 + 2.0 * e) / (1.0 + 2.0 * e + 2.0 * e * e), n / (n + 2.0))
    return zc, e, t


def mish(z: Array) -> Array:
    _, _, t = _mish_parts(z)
    return at_infinities(z, np.where(np.isinf(z), 0.0, z) * t, 0.0, np.inf)


def dmish(z: Array) -> Array:
    # g' = tanh(sp) + z sigma(z) sech^2(sp), sp = softplus(z). For z <= 0, with e = e^z:
    #   g' = e w / d^2,  w = 4(1 + z) + e(6 + 4z) + 4e^2 + e^3,  d = e^2 + 2e + 2
    # (w cancels at the minimum of g, where near_root takes over). For z > 0, e = e^{-z}:
    #   g' = (1 + 2e)/D + 4 z e^2 (1 + e)/D^2,  D = 1 + 2e + 2e^2.
    zc, e, t = _mish_parts(z)
    w = 4.0 * (1.0 + zc) + e * (6.0 + 4.0 * zc) + 4.0 * e * e + e * e * e
    neg = e * w / (e * e + 2.0 * e + 2.0) ** 2
    big_d = 1.0 + 2.0 * e + 2.0 * e * e
    pos = t + 4.0 * zc * e * e * (1.0 + e) / (big_d * big_d)
    return near_root(zc, 0.0, MISH_ROOT, MISH_TAYLOR, np.where(zc > 0, pos, neg))


#: Klambauer et al. (2017), "Self-Normalizing Neural Networks", eq. (14): lambda_01, alpha_01.
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
