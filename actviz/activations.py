"""The activation registry: one definition per activation, numpy only.

Every activation is an :class:`Activation` with

* ``g(z)``        the function, elementwise;
* ``dg(z)``       its derivative g'(z), elementwise;
* ``dg_from_g(g)`` g' written in terms of g alone where such an identity exists
  (sigmoid: g(1-g), tanh: 1-g^2), else ``None``;
* ``latex_g`` / ``latex_dg``  LaTeX for titles and notebooks;
* ``params``      its parameters, e.g. ``{'alpha': 0.01}``.

Conventions (stated once, tested in ``tests/test_activations.py``):

* Inputs are float64; ``z`` may be any array-like of reals or a scalar. The output has
  the input's shape (a scalar in gives a numpy float64 out).
* All finite and infinite inputs give finite-or-infinite outputs with no floating-point
  warnings; NaN in gives NaN out.
* Derivatives are accurate in *relative* terms in the tails (sigma'(40) ~ 4.25e-18,
  tanh'(20) ~ 1.70e-17) because they are evaluated from ``exp(-|z|)``, not as
  ``s(1-s)`` or ``1-tanh^2`` (those identities live in ``dg_from_g``).
* At a kink the derivative takes PyTorch's convention: relu'(0) = 0 and
  leaky_relu'(0) = alpha (the left-hand slope).

To add an activation, add one :func:`_define` call below. Nothing else needs to change:
the explorer builds one slider per :class:`Param`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

import numpy as np

__all__ = ["Activation", "Param", "names", "get", "register", "spec"]

Array = np.ndarray


@dataclass(frozen=True)
class Param:
    """A numeric parameter of an activation, with the range a slider may take."""

    name: str
    default: float
    low: float
    high: float
    latex: str = ""
    doc: str = ""

    def check(self, value, activation: str) -> float:
        """Return ``value`` as a float, or raise ``ValueError`` saying what is allowed."""
        allowed = f"a finite number in [{self.low:g}, {self.high:g}]"
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(
                f"{activation}: parameter {self.name!r} must be {allowed}, "
                f"got {type(value).__name__} {value!r}"
            )
        value = float(value)
        if not math.isfinite(value) or not (self.low <= value <= self.high):
            raise ValueError(f"{activation}: parameter {self.name!r} must be {allowed}, got {value!r}")
        return value


@dataclass(frozen=True)
class _Spec:
    name: str
    g: Callable[..., Array]
    dg: Callable[..., Array]
    latex_g: str
    latex_dg: str
    dg_from_g: Optional[Callable[..., Array]] = None
    latex_dg_from_g: Optional[str] = None
    params: tuple[Param, ...] = ()
    kinks: tuple[float, ...] = ()
    doc: str = ""


_REGISTRY: dict[str, _Spec] = {}


def _as_real_array(z, what: str = "z") -> Array:
    """``z`` as a float64 array, or a plain ``TypeError`` for anything that is not real."""
    if isinstance(z, (str, bytes)):
        raise TypeError(f"{what} must be a real number or an array of real numbers, got {type(z).__name__} {z!r}")
    try:
        arr = np.asarray(z)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{what} must be a real number or an array of real numbers ({exc})") from None
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "c":
        raise TypeError(f"{what} must be a real number or an array of real numbers; complex input is not supported")
    if arr.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in arr.flat):
        return arr.astype(np.float64)
    raise TypeError(
        f"{what} must be a real number or an array of real numbers, got an array of dtype {arr.dtype}"
    )


def _scalar_or_array(out: Array) -> Array:
    return out[()] if out.ndim == 0 else out


@dataclass(frozen=True)
class Activation:
    """One activation with its parameters bound. Build it with :func:`actviz.get`."""

    name: str
    params: Mapping[str, float]
    latex_g: str
    latex_dg: str
    latex_dg_from_g: Optional[str] = None
    kinks: tuple[float, ...] = ()
    doc: str = ""
    param_specs: tuple[Param, ...] = ()
    _g: Callable[..., Array] = field(default=None, repr=False, compare=False)
    _dg: Callable[..., Array] = field(default=None, repr=False, compare=False)
    _dg_from_g: Optional[Callable[..., Array]] = field(default=None, repr=False, compare=False)

    def g(self, z):
        """g(z), elementwise. Array-like or scalar of reals in, float64 out."""
        z = _as_real_array(z)
        with np.errstate(all="ignore"):
            return _scalar_or_array(np.asarray(self._g(z, **self.params), dtype=np.float64))

    def dg(self, z):
        """g'(z), elementwise, with the kink convention stated in the module docstring."""
        z = _as_real_array(z)
        with np.errstate(all="ignore"):
            return _scalar_or_array(np.asarray(self._dg(z, **self.params), dtype=np.float64))

    @property
    def has_identity(self) -> bool:
        """True when g' can be written in terms of g alone (see :meth:`dg_from_g`)."""
        return self._dg_from_g is not None

    def dg_from_g(self, gz):
        """g' computed from g(z) alone, or ``None`` where no such identity exists."""
        if self._dg_from_g is None:
            return None
        gz = _as_real_array(gz, "g")
        with np.errstate(all="ignore"):
            return _scalar_or_array(np.asarray(self._dg_from_g(gz, **self.params), dtype=np.float64))

    def with_params(self, **params) -> "Activation":
        """A copy with some parameters changed (validated like :func:`get`)."""
        return get(self.name, **{**self.params, **params})

    @property
    def label(self) -> str:
        """A short human label, e.g. ``leaky_relu (alpha=0.01)``."""
        if not self.params:
            return self.name
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name} ({inner})"

    def __call__(self, z):
        return self.g(z)


def register(spec_: _Spec) -> None:
    """Add an activation to the registry (one definition per name)."""
    if spec_.name in _REGISTRY:
        raise ValueError(f"activation {spec_.name!r} is already defined")
    _REGISTRY[spec_.name] = spec_


def _define(name, **kw) -> None:
    register(_Spec(name=name, **kw))


def names() -> list[str]:
    """The registered activation names, in definition order."""
    return list(_REGISTRY)


def spec(name: str) -> _Spec:
    """The registry entry for ``name`` (``ValueError`` listing the known names otherwise)."""
    if not isinstance(name, str):
        raise ValueError(f"activation name must be a string, one of {', '.join(names())}; got {name!r}")
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known activations: {', '.join(names())}") from None


def get(name: str, **params) -> Activation:
    """The activation ``name`` with ``params`` bound (unspecified ones take their defaults).

    >>> get("leaky_relu", alpha=0.1).dg(-3.0)
    np.float64(0.1)
    """
    s = spec(name)
    allowed = {p.name: p for p in s.params}
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        what = ", ".join(f"{p.name} (default {p.default:g})" for p in s.params) or "no parameters"
        raise ValueError(f"{name}: unexpected parameter(s) {', '.join(unknown)}; {name} takes {what}")
    bound = {p.name: p.check(params.get(p.name, p.default), name) for p in s.params}
    return Activation(
        name=s.name,
        params=bound,
        latex_g=s.latex_g,
        latex_dg=s.latex_dg,
        latex_dg_from_g=s.latex_dg_from_g,
        kinks=s.kinks,
        doc=s.doc,
        param_specs=s.params,
        _g=s.g,
        _dg=s.dg,
        _dg_from_g=s.dg_from_g,
    )


# --------------------------------------------------------------------------------------
# Numerics shared by several definitions.


def _keep_nan(z: Array, out: Array) -> Array:
    """``out`` with NaN wherever ``z`` is NaN (comparisons alone would turn NaN into 0/1)."""
    return np.where(np.isnan(z), np.nan, out)


def _sigmoid(z: Array) -> Array:
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _dsigmoid(z: Array) -> Array:
    e = np.exp(-np.abs(z))  # sigma'(z) = e^{-|z|} / (1 + e^{-|z|})^2, symmetric in z
    return e / (1.0 + e) ** 2


def _dtanh(z: Array) -> Array:
    e = np.exp(-2.0 * np.abs(z))  # sech^2 z = 4 e^{-2|z|} / (1 + e^{-2|z|})^2
    return 4.0 * e / (1.0 + e) ** 2


def _leaky(z: Array, alpha: float) -> Array:
    out = np.where(z > 0, z, alpha * z)
    # alpha * (-inf) is NaN when alpha == 0; the limit of the left branch is 0 there.
    return np.where(np.isneginf(z), -np.inf if alpha > 0 else 0.0, out)


# --------------------------------------------------------------------------------------
# The definitions. One call each.

_define(
    "sigmoid",
    g=_sigmoid,
    dg=_dsigmoid,
    dg_from_g=lambda s: s * (1.0 - s),
    latex_g=r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    latex_dg=r"\sigma'(z) = \frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}}",
    latex_dg_from_g=r"\sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)",
    doc="Logistic sigmoid: squashes to (0, 1); max slope 1/4 at z = 0.",
)

_define(
    "tanh",
    g=np.tanh,
    dg=_dtanh,
    dg_from_g=lambda t: 1.0 - t * t,
    latex_g=r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
    latex_dg=r"\tanh'(z) = \frac{4}{\left(e^{z} + e^{-z}\right)^{2}}",
    latex_dg_from_g=r"\tanh'(z) = 1 - \tanh^{2}(z)",
    doc="Hyperbolic tangent: zero-centred, range (-1, 1); max slope 1 at z = 0.",
)

_define(
    "relu",
    g=lambda z: np.maximum(z, 0.0),  # np.maximum propagates NaN
    dg=lambda z: _keep_nan(z, (z > 0).astype(np.float64)),
    dg_from_g=lambda r: _keep_nan(r, (r > 0).astype(np.float64)),  # g > 0 exactly when z > 0
    latex_dg_from_g=r"\mathrm{ReLU}'(z) = \begin{cases} 1 & g(z) > 0 \\ 0 & g(z) = 0 \end{cases}",
    latex_g=r"\mathrm{ReLU}(z) = \max(0, z)",
    latex_dg=r"\mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
    kinks=(0.0,),
    doc="Rectified linear unit. Convention: relu'(0) = 0 (as PyTorch).",
)

_define(
    "leaky_relu",
    g=_leaky,
    dg=lambda z, alpha: _keep_nan(z, np.where(z > 0, 1.0, alpha)),
    dg_from_g=lambda r, alpha: _keep_nan(r, np.where(r > 0, 1.0, alpha)),  # g > 0 exactly when z > 0
    latex_dg_from_g=r"\mathrm{LeakyReLU}'(z) = \begin{cases} 1 & g(z) > 0 \\ \alpha & g(z) \le 0 \end{cases}",
    params=(
        Param("alpha", 0.01, 0.0, 1.0, latex=r"\alpha", doc="slope for z < 0"),
    ),
    latex_g=r"\mathrm{LeakyReLU}(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}",
    latex_dg=r"\mathrm{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}",
    kinks=(0.0,),
    doc="Leaky ReLU: slope alpha for z <= 0 keeps a gradient there. Convention: g'(0) = alpha.",
)


# --------------------------------------------------------------------------------------
# Numerics for the smooth activations below (ELU, SELU, GELU, SiLU, softplus, Mish).


def _at_infinities(z: Array, out: Array, at_minus_inf: float, at_plus_inf: float) -> Array:
    """``out`` with the limits put in at z = -inf and z = +inf (where ``inf * 0`` gave NaN)."""
    return np.where(np.isneginf(z), at_minus_inf, np.where(np.isposinf(z), at_plus_inf, out))


def _elu_like(z: Array, scale: float, alpha: float) -> Array:
    """scale * (z for z > 0, alpha * (e^z - 1) for z <= 0); expm1 keeps digits near 0."""
    return np.where(z > 0, scale * z, (scale * alpha) * np.expm1(np.minimum(z, 0.0)))


def _delu_like(z: Array, scale: float, alpha: float) -> Array:
    """Its derivative, with the left-hand value scale * alpha at the kink z = 0."""
    return _keep_nan(z, np.where(z > 0, scale, (scale * alpha) * np.exp(np.minimum(z, 0.0))))


def _elu_like_from_g(g: Array, scale: float, alpha: float) -> Array:
    # For z <= 0, g = scale*alpha*(e^z - 1), so g' = scale*alpha*e^z = g + scale*alpha.
    return np.where(g > 0, scale, g + scale * alpha)


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


def _exp_neg_sq(x: Array, scale: float = 1.0) -> Array:
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
    return _exp_neg_sq(y) * _erfcx_large(y)


def _erf(x) -> Array:
    """erf(x), elementwise (Cody's approximations; relative error ~1e-16)."""
    x = np.asarray(x, dtype=np.float64)
    big = 0.5 - _erfc_pos(np.abs(x)) + 0.5
    return np.where(np.abs(x) <= _ERF_SMALL, _erf_small(x), np.copysign(big, x))


def _erfc(x) -> Array:
    """erfc(x) = 1 - erf(x), elementwise, with relative accuracy far into the right tail."""
    x = np.asarray(x, dtype=np.float64)
    right = _erfc_pos(np.abs(x))
    return np.where(np.abs(x) <= _ERF_SMALL, 1.0 - _erf_small(x), np.where(x > 0, right, 2.0 - right))


def _phi(z: Array) -> Array:
    """The standard normal density e^{-z^2/2} / sqrt(2 pi)."""
    return _ONE_OVER_SQRT_2PI * _exp_neg_sq(z, 0.5)


def _Phi(z: Array) -> Array:
    """The standard normal CDF, Phi(z) = erfc(-z/sqrt 2) / 2, relatively accurate as z -> -inf.

    In the tails Phi is written as e^{-z^2/2} erfcx(|z|/sqrt 2) / 2 with the exponential taken
    from z itself: computing erfc(|z|/sqrt 2) would round |z|/sqrt 2 first, and exp turns
    that rounding into a relative error of order z^2 * 1e-16.
    """
    small = 0.5 + 0.5 * _erf_small(z * _ONE_OVER_SQRT2)
    tail = 0.5 * _exp_neg_sq(z, 0.5) * _erfcx_large(np.abs(z) * _ONE_OVER_SQRT2)  # Phi(-|z|)
    out = np.where(z < 0, tail, 1.0 - tail)
    return np.where(np.abs(z) * _ONE_OVER_SQRT2 <= _ERF_SMALL, small, out)


# Near the minimum of GELU, SiLU and Mish, g' changes sign at x0 and the closed forms
# above cancel: their absolute error (~1e-17) is fine, their relative error grows like
# 1e-17 / |x - x0|. Within |x - x0| < 1/8 we use instead the Taylor series of g' about x0,
# g'(x0 + h) = c1 h + c2 h^2 + ..., relatively accurate down to the root itself. x0 is
# stored as hi + lo (double-double) so that h = x - x0 keeps its digits. The roots and
# coefficients were computed with mpmath at 60 digits (tests/test_more_activations.py
# recomputes them); the terms left out are below 1e-17 relative at |h| = 1/8.
_ROOT_RADIUS = 0.125
_GELU_ROOT = (-0.7517915246935645, 1.4956759177009883e-17)
_GELU_TAYLOR = (
    0.4314939923140469, 0.388284982990552, -0.018199676398671087, -0.1140082332972217,
    -0.014771522148244337, 0.019421679838189067, 0.004539228379125415, -0.002239538068073497,
    -0.0007448268386746817, 0.00018633974623233514, 8.615947861116571e-05, -1.121438018842664e-05,
    -7.74846130700372e-06,
)
_SILU_ROOT = (-1.2784645427610737, -1.0946994183093437e-16)  # in u = beta z
_SILU_TAYLOR = (
    0.2178117057198001, 0.1466487969969469, 0.018874814223782312, -0.015222655223188032,
    -0.006606589138356696, 0.000126627410081122, 0.0007985218818397998, 0.00018570724361186496,
    -4.090534237428612e-05, -2.9733542213263917e-05, -2.942631888842464e-06, 2.346029682463866e-06,
    8.599695028268575e-07,
)
_MISH_ROOT = (-1.1924312145154952, -4.8484829848031044e-17)
_MISH_TAYLOR = (
    0.2669479140495345, 0.20473126408010586, 0.04190782104360987, -0.020271822716684245,
    -0.01582112656173338, -0.0033606849270232685, 0.0010924055409445854, 0.0009898181021289196,
    0.00025412936386191073, -4.1961496031696126e-05, -5.582891567360688e-05, -1.72992708103044e-05,
    9.427361327376651e-07, 2.9088199364912223e-06,
)


def _near_root(x: Array, lo, root: tuple[float, float], coeffs: tuple[float, ...], direct: Array) -> Array:
    """``direct``, except within _ROOT_RADIUS of the root of g', where the Taylor series is used.

    ``x + lo`` is the argument (``lo`` a rounding error carried along, or 0); ``x - root[0]``
    is exact there (Sterbenz), so h loses nothing.
    """
    h = (x - root[0]) + (lo - root[1])
    series = np.zeros_like(h)
    for c in coeffs[::-1]:
        series = (series + c) * h
    return np.where(np.abs(h) < _ROOT_RADIUS, series, direct)


def _gelu(z: Array) -> Array:
    zc = np.clip(z, -40.0, 40.0)  # Phi(-40) ~ 4e-350 is 0 in float64; beyond 40 g = z
    return np.where(z > 40.0, z, zc * _Phi(zc))


def _dgelu(z: Array) -> Array:
    zc = np.clip(z, -40.0, 40.0)
    return _near_root(zc, 0.0, _GELU_ROOT, _GELU_TAYLOR, _Phi(zc) + zc * _phi(zc))


def _split(a: Array) -> tuple[Array, Array]:
    """Veltkamp's split: a = hi + lo with hi holding 26 bits, so hi * hi is exact."""
    c = 134217729.0 * a  # 2^27 + 1
    hi = c - (c - a)
    return hi, a - hi


def _mul_exact(beta: float, z: Array) -> tuple[Array, Array]:
    """u = beta * z as hi + lo with hi = fl(beta * z) and lo its rounding error (Dekker).

    The error matters: e^{beta z} at beta z = -700 turns a rounding of beta z into a relative
    error of 700 * 1e-16. z is scaled to [0.5, 1) by frexp first so nothing overflows.
    """
    m, k = np.frexp(np.where(np.isfinite(z), z, 0.0))
    p = beta * m
    (bh, bl), (mh, ml) = _split(np.float64(beta)), _split(m)
    err = ((bh * mh - p) + bh * ml + bl * mh) + bl * ml
    return beta * z, np.ldexp(err, k)


def _silu_parts(z: Array, beta: float):
    """(u, lo, e) with u = beta z (+ lo, its rounding error), clipped, and e = e^{-|u|}."""
    # |u| beyond 2000 changes nothing (e^{-2000} is 0 in float64): clip z so that beta * z
    # neither overflows (10 * 1e308) nor meets 0 * inf; the infinities are put back later.
    zc = np.clip(z, -4000.0 / beta, 4000.0 / beta) if beta > 0 else np.clip(z, -1.0, 1.0)
    u, lo = _mul_exact(beta, zc)
    u = np.clip(u, -2000.0, 2000.0)
    e = np.exp(-np.abs(u)) * np.where(u > 0, 1.0 - lo, 1.0 + lo)  # e^{-|u + lo|}, |lo| << 1
    return u, lo, e


def _silu(z: Array, beta: float) -> Array:
    u, _, e = _silu_parts(z, beta)
    s = np.where(u > 0, 1.0 / (1.0 + e), e / (1.0 + e))  # sigma(u)
    return _at_infinities(z, np.where(np.isinf(z), 0.0, z) * s, 0.0 if beta > 0 else -np.inf, np.inf)


def _dsilu(z: Array, beta: float) -> Array:
    # g' = sigma(u) (1 + u (1 - sigma(u))), u = beta z. With e = e^{-|u|}:
    #   u <= 0:  e (1 + u + e) / (1 + e)^2   (1 + u + e cancels at the minimum of g, where
    #            the Taylor series of _near_root takes over)
    #   u > 0:   (1 + e + u e) / (1 + e)^2
    u, lo, e = _silu_parts(z, beta)
    neg = e * (((1.0 + u) + e) + lo) / (1.0 + e) ** 2
    pos = (1.0 + e + (u + lo) * e) / (1.0 + e) ** 2
    out = _near_root(u, lo, _SILU_ROOT, _SILU_TAYLOR, np.where(u > 0, pos, neg))
    return _at_infinities(z, out, 0.0 if beta > 0 else 0.5, 1.0 if beta > 0 else 0.5)


def _softplus(z: Array) -> Array:
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))  # max propagates NaN


def _mish_tanh_softplus(z: Array) -> tuple[Array, Array, Array]:
    """(zc, e, tanh(softplus(z))) with zc = z clipped to [-800, 800] and e = e^{-|zc|}.

    With n = e^z (e^z + 2), tanh(log(1 + e^z)) = n / (n + 2): for z <= 0 in e = e^z,
    for z > 0 divided through by e^{2z}, in e = e^{-z}: (1 + 2e) / (1 + 2e + 2e^2).
    """
    zc = np.clip(z, -800.0, 800.0)
    e = np.exp(-np.abs(zc))
    n = e * (e + 2.0)
    t = np.where(zc > 0, (1.0 + 2.0 * e) / (1.0 + 2.0 * e + 2.0 * e * e), n / (n + 2.0))
    return zc, e, t


def _mish(z: Array) -> Array:
    _, _, t = _mish_tanh_softplus(z)
    return _at_infinities(z, np.where(np.isinf(z), 0.0, z) * t, 0.0, np.inf)


def _dmish(z: Array) -> Array:
    # g' = tanh(sp) + z sigma(z) sech^2(sp), sp = softplus(z). For z <= 0, with e = e^z:
    #   g' = e w / d^2,  w = 4(1 + z) + e(6 + 4z) + 4e^2 + e^3,  d = e^2 + 2e + 2
    # (w cancels at the minimum of g, where _near_root takes over). For z > 0, e = e^{-z}:
    #   g' = (1 + 2e)/D + 4 z e^2 (1 + e)/D^2,  D = 1 + 2e + 2e^2.
    zc, e, t = _mish_tanh_softplus(z)
    w = 4.0 * (1.0 + zc) + e * (6.0 + 4.0 * zc) + 4.0 * e * e + e * e * e
    neg = e * w / (e * e + 2.0 * e + 2.0) ** 2
    big_d = 1.0 + 2.0 * e + 2.0 * e * e
    pos = t + 4.0 * zc * e * e * (1.0 + e) / (big_d * big_d)
    return _near_root(zc, 0.0, _MISH_ROOT, _MISH_TAYLOR, np.where(zc > 0, pos, neg))


#: Klambauer et al. (2017), "Self-Normalizing Neural Networks", eq. (14): lambda_01, alpha_01.
_SELU_LAMBDA = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


# --------------------------------------------------------------------------------------
# More definitions: the smooth and self-normalising family.

_define(
    "elu",
    g=lambda z, alpha: _elu_like(z, 1.0, alpha),
    dg=lambda z, alpha: _delu_like(z, 1.0, alpha),
    dg_from_g=lambda r, alpha: _elu_like_from_g(r, 1.0, alpha),
    params=(
        Param("alpha", 1.0, 0.0, 5.0, latex=r"\alpha", doc="saturation value -alpha as z -> -inf"),
    ),
    latex_g=r"\mathrm{ELU}(z) = \begin{cases} z & z > 0 \\ \alpha \left(e^{z} - 1\right) & z \le 0 \end{cases}",
    latex_dg=r"\mathrm{ELU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha e^{z} & z \le 0 \end{cases}",
    latex_dg_from_g=r"\mathrm{ELU}'(z) = \begin{cases} 1 & g(z) > 0 \\ g(z) + \alpha & g(z) \le 0 \end{cases}",
    kinks=(0.0,),
    doc=(
        "Exponential linear unit (Clevert et al. 2015): identity for z > 0, saturates to -alpha "
        "for z -> -inf. g is continuous; g' jumps at 0 unless alpha = 1. "
        "Convention: g'(0) = alpha (the left-hand slope)."
    ),
)

_define(
    "selu",
    g=lambda z: _elu_like(z, _SELU_LAMBDA, _SELU_ALPHA),
    dg=lambda z: _delu_like(z, _SELU_LAMBDA, _SELU_ALPHA),
    dg_from_g=lambda r: _elu_like_from_g(r, _SELU_LAMBDA, _SELU_ALPHA),
    latex_g=r"\mathrm{SELU}(z) = \begin{cases} \lambda z & z > 0 \\ \lambda \alpha \left(e^{z} - 1\right) & z \le 0 \end{cases}",
    latex_dg=r"\mathrm{SELU}'(z) = \begin{cases} \lambda & z > 0 \\ \lambda \alpha e^{z} & z \le 0 \end{cases}",
    latex_dg_from_g=r"\mathrm{SELU}'(z) = \begin{cases} \lambda & g(z) > 0 \\ g(z) + \lambda \alpha & g(z) \le 0 \end{cases}",
    kinks=(0.0,),
    doc=(
        "Scaled ELU (Klambauer et al. 2017) with the fixed constants lambda = 1.0507009873554805 "
        "and alpha = 1.6732632423543772 that make activations self-normalising. "
        "Convention: g'(0) = lambda * alpha (the left-hand slope)."
    ),
)

_define(
    "gelu",
    g=_gelu,
    dg=_dgelu,
    latex_g=r"\mathrm{GELU}(z) = z\,\Phi(z)",
    latex_dg=r"\mathrm{GELU}'(z) = \Phi(z) + z\,\phi(z)",
    doc=(
        "Gaussian error linear unit (Hendrycks & Gimpel 2016): z Phi(z) with Phi the standard "
        "normal CDF, Phi(z) = (1 + erf(z / sqrt 2)) / 2, and phi its density. Computed exactly "
        "(erf/erfc by Cody's rational approximations), not with the common approximation "
        "0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))). Not monotonic: minimum about -0.170 "
        "at z about -0.752. No identity for g' in terms of g alone."
    ),
)

_define(
    "silu",
    g=_silu,
    dg=_dsilu,
    params=(
        Param("beta", 1.0, 0.0, 10.0, latex=r"\beta", doc="steepness; beta = 1 is SiLU, beta -> inf tends to ReLU"),
    ),
    latex_g=r"\mathrm{SiLU}_{\beta}(z) = z\,\sigma(\beta z)",
    latex_dg=r"\mathrm{SiLU}_{\beta}'(z) = \sigma(\beta z) \bigl(1 + \beta z\,\bigl(1 - \sigma(\beta z)\bigr)\bigr)",
    doc=(
        "SiLU / Swish (Elfwing et al. 2017; Ramachandran et al. 2017): z sigma(beta z). "
        "beta = 1 is SiLU, beta = 0 is z/2, large beta approaches ReLU. Not monotonic: for "
        "beta = 1 the minimum is about -0.278 at z about -1.278. No identity for g' in terms of g alone."
    ),
)

_define(
    "softplus",
    g=_softplus,
    dg=_sigmoid,
    dg_from_g=lambda r: -np.expm1(-r),  # e^g = 1 + e^z, so sigma(z) = 1 - e^{-g}
    latex_g=r"\mathrm{softplus}(z) = \ln\left(1 + e^{z}\right)",
    latex_dg=r"\mathrm{softplus}'(z) = \frac{1}{1 + e^{-z}}",
    latex_dg_from_g=r"\mathrm{softplus}'(z) = 1 - e^{-g(z)}",
    doc="Softplus: a smooth ReLU, range (0, inf); its derivative is the logistic sigmoid.",
)

_define(
    "mish",
    g=_mish,
    dg=_dmish,
    latex_g=r"\mathrm{Mish}(z) = z \tanh\left(\ln\left(1 + e^{z}\right)\right)",
    latex_dg=(
        r"\mathrm{Mish}'(z) = \tanh\left(\ln\left(1 + e^{z}\right)\right) + z\,\sigma(z)\,"
        r"\left(1 - \tanh\left(\ln\left(1 + e^{z}\right)\right)^{2}\right)"
    ),
    doc=(
        "Mish (Misra 2019): z tanh(softplus(z)). Smooth, not monotonic: minimum about -0.309 "
        "at z about -1.192. No identity for g' in terms of g alone."
    ),
)
