"""The activation registry: :class:`Param`, :class:`Activation`, and lookup by name.

Every activation is an :class:`Activation` with

* ``g(z)``         the function, elementwise;
* ``dg(z)``        its derivative g'(z), elementwise;
* ``dg_from_g(g)`` g' written in terms of g alone where such an identity exists
  (sigmoid: g(1-g), tanh: 1-g^2), else ``None``;
* ``latex_g`` / ``latex_dg``  LaTeX for titles and notebooks;
* ``params``       its parameters, e.g. ``{'alpha': 0.01}``;
* ``formula``      g as a sympy expression, built on demand by the symbolic layer
  (``formula(sympy, z, **params)``; this module never imports sympy).

Conventions (stated once, tested in ``tests/maths/test_definitions.py``):

* Inputs are float64; ``z`` may be any array-like of reals or a scalar. The output has
  the input's shape (a scalar in gives a numpy float64 out).
* All finite and infinite inputs give finite-or-infinite outputs with no floating-point
  warnings; NaN in gives NaN out.
* Derivatives are accurate in *relative* terms in the tails (sigma'(40) ~ 4.25e-18,
  tanh'(20) ~ 1.70e-17) because they are evaluated from ``exp(-|z|)``, not as
  ``s(1-s)`` or ``1-tanh^2`` (those identities live in ``dg_from_g``).
* At a kink the derivative takes PyTorch's convention: the left-hand slope, so
  relu'(0) = 0 and leaky_relu'(0) = alpha.

The definitions themselves are in :mod:`actviz.maths.definitions`, one :func:`define`
call each; their numerics in :mod:`actviz.maths.kernels`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

import numpy as np

from . import validate

__all__ = ["Activation", "Param", "Spec", "define", "names", "get", "spec", "as_activation", "from_functions"]

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
        """``value`` as a float in ``[low, high]`` (``TypeError``/``ValueError`` otherwise)."""
        return validate.real(value, f"{activation}: parameter {self.name!r}", low=self.low, high=self.high)


@dataclass(frozen=True)
class Spec:
    """One registry entry: everything :func:`define` was given."""

    name: str
    g: Callable[..., Array]
    dg: Callable[..., Array]
    latex_g: str
    latex_dg: str
    formula: Optional[Callable] = None
    dg_from_g: Optional[Callable[..., Array]] = None
    latex_dg_from_g: Optional[str] = None
    params: tuple[Param, ...] = ()
    kinks: tuple[float, ...] = ()
    doc: str = ""
    #: textbook facts typed from the literature, which the tests check the measured properties against
    facts: Mapping[str, object] = field(default_factory=dict)


_REGISTRY: dict[str, Spec] = {}


def _scalar_or_array(out: Array) -> Array:
    return out[()] if out.ndim == 0 else out


@dataclass(frozen=True)
class Activation:
    """One activation with its parameters bound. Build it with :func:`actviz.get`
    (a registry name) or :func:`actviz.from_expression` / :func:`from_functions`."""

    name: str
    params: Mapping[str, float]
    latex_g: str
    latex_dg: str
    latex_dg_from_g: Optional[str] = None
    kinks: tuple[float, ...] = ()
    doc: str = ""
    param_specs: tuple[Param, ...] = ()
    formula: Optional[Callable] = field(default=None, repr=False, compare=False)
    _g: Callable[..., Array] = field(default=None, repr=False, compare=False)
    _dg: Callable[..., Array] = field(default=None, repr=False, compare=False)
    _dg_from_g: Optional[Callable[..., Array]] = field(default=None, repr=False, compare=False)

    def g(self, z):
        """g(z), elementwise. Array-like or scalar of reals in, float64 out."""
        z = validate.real_array(z)
        with np.errstate(all="ignore"):
            return _scalar_or_array(np.asarray(self._g(z, **self.params), dtype=np.float64))

    def dg(self, z):
        """g'(z), elementwise, with the kink convention stated in the module docstring."""
        z = validate.real_array(z)
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
        gz = validate.real_array(gz, "g")
        with np.errstate(all="ignore"):
            return _scalar_or_array(np.asarray(self._dg_from_g(gz, **self.params), dtype=np.float64))

    def with_params(self, **params) -> "Activation":
        """A copy with some parameters changed (validated like :func:`get`)."""
        if not params:
            return self
        return get(self.name, **{**self.params, **params})

    @property
    def label(self) -> str:
        """A short human label, e.g. ``leaky_relu (alpha=0.01)``."""
        if not self.params:
            return self.name
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name} ({inner})"

    @property
    def key(self) -> tuple:
        """What identifies this activation's curves: name, formula, parameter values and the
        functions themselves (two activations with equal keys have the same g and g')."""
        return (self.name, self.latex_g, tuple(sorted(self.params.items())), self._g, self._dg)

    def __call__(self, z):
        return self.g(z)


def define(name: str, **kw) -> None:
    """Add an activation to the registry (see :class:`Spec` for the keywords)."""
    if name in _REGISTRY:
        raise ValueError(f"activation {name!r} is already defined")
    _REGISTRY[name] = Spec(name=name, **kw)


def _ensure_loaded() -> None:
    if not _REGISTRY:
        from . import definitions  # noqa: F401  (registers the built-in activations)


def names() -> list[str]:
    """The registered activation names, in definition order."""
    _ensure_loaded()
    return list(_REGISTRY)


def spec(name: str) -> Spec:
    """The registry entry for ``name``."""
    _ensure_loaded()
    if not isinstance(name, str):
        raise TypeError(f"an activation name must be a string, one of {', '.join(names())}; got {type(name).__name__} {name!r}")
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
        formula=s.formula,
        _g=s.g,
        _dg=s.dg,
        _dg_from_g=s.dg_from_g,
    )


def as_activation(name_or_act, **params) -> Activation:
    """An :class:`Activation` from a registry name (with params) or an activation itself
    (params, if given, are applied with :meth:`Activation.with_params`)."""
    if isinstance(name_or_act, Activation):
        return name_or_act.with_params(**params)
    if isinstance(name_or_act, str):
        return get(name_or_act, **params)
    raise TypeError(f"expected an activation name (a string, one of {', '.join(names())}) or an Activation, "
                    f"got {type(name_or_act).__name__} {name_or_act!r}")


def from_functions(g: Callable, dg: Callable, name: str = "custom", latex_g: str = "g(z)",
                   latex_dg: str = "g'(z)", dg_from_g: Optional[Callable] = None) -> Activation:
    """An activation from two numpy functions of ``z`` (e.g. to try a deliberately wrong g').

    ``g`` and ``dg`` (and ``dg_from_g``, a function of g) must take and return float arrays.
    """
    validate.function(g, "g")
    validate.function(dg, "dg")
    validate.function(dg_from_g, "dg_from_g", optional=True)
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    return Activation(name=name, params={}, latex_g=latex_g, latex_dg=latex_dg, doc=f"{name}, from numpy functions",
                      _g=lambda z: g(z), _dg=lambda z: dg(z),
                      _dg_from_g=None if dg_from_g is None else (lambda r: dg_from_g(r)))
