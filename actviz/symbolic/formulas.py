"""One symbolic definition per activation: g(z) as sympy, for the registry and typed formulas alike.

:func:`source_of` turns a registry name, an :class:`~actviz.maths.registry.Activation` (from
the registry or typed) or a formula string into a :class:`Source`: g(z) with its parameters
(and fixed constants such as SELU's lambda and alpha) as symbols, and the exact values to
use for numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional

import sympy

from ..maths.registry import Activation, names, spec
from .limits import Budget
from .parser import Z, param_symbol, parse

__all__ = ["Source", "source_of", "exact"]

#: how a registry constant is shown: SELU's ``lam`` is lambda
_DISPLAY = {"lam": "lambda"}


def exact(value: float) -> sympy.Rational:
    """The float's exact binary value as a rational (0.01 is not 1/100 in float64)."""
    f = Fraction(float(value))
    return sympy.Rational(f.numerator, f.denominator)


@dataclass(frozen=True)
class Source:
    """g(z) as sympy: ``expr`` in :data:`~actviz.symbolic.parser.Z`, the parameter and
    constant symbols in it, and their values (``values``: symbol -> exact number)."""

    label: str
    expr: sympy.Expr
    params: tuple[sympy.Symbol, ...] = ()
    constants: tuple[sympy.Symbol, ...] = ()
    values: dict = field(default_factory=dict)
    text: Optional[str] = None  # the formula as typed, if it was typed

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return (*self.params, *self.constants)

    def numeric(self, expr: sympy.Expr) -> sympy.Expr:
        """``expr`` with the constants (not the parameters) replaced by their values."""
        return expr.xreplace({c: self.values[c] for c in self.constants})

    def at_values(self, expr: sympy.Expr) -> sympy.Expr:
        """``expr`` with every parameter and constant replaced by its value."""
        return expr.xreplace(self.values)


def _registry_source(act: Activation) -> Source:
    s = spec(act.name)
    params = tuple(param_symbol(p.name) for p in s.params)
    constants = {k: v for k, v in s.facts.get("constants", {}).items()}
    const_symbols = tuple(sympy.Symbol(_DISPLAY.get(k, k), real=True, positive=True) for k in constants)
    expr = s.formula(sympy, Z, **{p.name: sym for p, sym in zip(s.params, params)},
                     **dict(zip(constants, const_symbols)))
    values = {sym: exact(act.params[p.name]) for p, sym in zip(s.params, params)}
    values.update({sym: sympy.Rational(v) for sym, v in zip(const_symbols, constants.values())})
    return Source(act.label, expr, params, const_symbols, values)


def source_of(x, budget: Optional[Budget] = None, **params) -> Source:
    """The :class:`Source` of a registry name, an Activation or a formula string.

    For a formula string, ``params`` declares its parameters with their values
    (``source_of("z*sigmoid(beta*z)", beta=1.0)``); for a registry name they set its
    parameters as in :func:`actviz.get`.
    """
    from ..maths.registry import get

    budget = budget or Budget()
    if isinstance(x, Activation):
        custom = getattr(x, "source", None)
        if custom is not None:
            return custom
        if params:
            x = x.with_params(**params)
        if x.formula is None:
            raise ValueError(f"{x.label} has no formula to derive (it was made from numpy functions)")
        return _registry_source(x)
    if isinstance(x, str):
        if x in names():
            return _registry_source(get(x, **params))
        declared = {}
        for name, value in params.items():
            from ..maths import validate

            declared[name] = validate.real(value, f"parameter {name!r}")
        expr = parse(x, budget, tuple(declared))
        syms = tuple(param_symbol(n) for n in declared)
        return Source(x.strip(), expr, syms, (), {s: exact(v) for s, v in zip(syms, declared.values())}, x.strip())
    raise TypeError(f"derive takes an activation name (one of {', '.join(names())}), an Activation or a formula "
                    f"in z (a string), got {type(x).__name__} {x!r}")
