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
