r"""Custom activations from a formula typed by a student: derived, checked, and accurate.

>>> mish = from_expression("z * tanh(softplus(z))", name="mish")
>>> round(float(mish.g(1.0)), 12)
0.865098388267
>>> swish = from_expression("z * sigmoid(beta * z)", beta=1.0)   # beta gets a slider
>>> swish.params
{'beta': 1.0}

The text is parsed by :mod:`.parser` (never evaluated), differentiated step by step by
:func:`~actviz.symbolic.derive.derive`, then accepted only if g and g' are real and finite on
the whole slider range [-20, 20] -- decided symbolically where sympy can (every
denominator, log argument and root: :func:`~actviz.symbolic.numeric.domain_problems`), and
checked with the accurate evaluator at every 0.05 -- for each parameter at both ends of
its range and at its value. g and g' are then evaluated by
:func:`~actviz.symbolic.numeric.compile_accurate`: ~1e-10 relative on the range, constants
exact, steep formulas without overflow, tiny values never rounded to 0.

Kinks (max, min, abs, piecewise) take the left-hand slope, as the registry does:
``max(z, 0.2*z)`` has g'(0) = 0.2, like ``leaky_relu`` with alpha = 0.2.

A parameter is declared with its value, ``from_expression("...", beta=1.0)``, and gets a
slider over ``[value - 2 s, value + 2 s]`` with s = max(1, |value|); give ``(value, low,
high)`` to choose the range. Undeclared names are refused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import sympy

from ..maths import validate
from ..maths.registry import Activation, Param
from .derive import Derivation, _derive
from .formulas import Source, exact, source_of
from .limits import Budget
from .numeric import CHECK_GRID, Z_RANGE, AccurateFunction, compile_accurate, disagreements, domain_problems, intervals_around
from .parser import Z

__all__ = ["from_expression", "CustomActivation", "derive"]

from .derive import derive  # noqa: E402  (re-exported: actviz.symbolic.custom.derive)

_FLOAT_MAX = 1.7976931348623157e308


@dataclass(frozen=True)
class CustomActivation(Activation):
    """An :class:`Activation` built from a typed formula; ``derivation`` holds the steps."""

    derivation: Optional[Derivation] = field(default=None, repr=False, compare=False)
    source: Optional[Source] = field(default=None, repr=False, compare=False)

    def with_params(self, **params) -> "CustomActivation":
        """A copy with some of the declared parameters changed (each within its slider range)."""
        if not params:
            return self
        specs = {p.name: p for p in self.param_specs}
        unknown = sorted(set(params) - set(specs))
        if unknown:
            what = ", ".join(specs) or "no parameters"
            raise ValueError(f"{self.name}: unexpected parameter(s) {', '.join(unknown)}; this formula has {what}")
        values = {**self.params, **{k: specs[k].check(v, self.name) for k, v in params.items()}}
        source = dataclasses.replace(self.source, values={**self.source.values,
                                                          **{sympy.Symbol(k, real=True): exact(v) for k, v in values.items()}})
        return dataclasses.replace(self, params=values, source=source)

    @property
    def label(self) -> str:
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        base = self.name
        if base == "custom":  # no name given: show the formula (shortened) instead
            text = self.source.text if len(self.source.text) <= 40 else self.source.text[:39] + "\u2026"
            base = f"g(z) = {text}"
        return f"{base} ({inner})" if inner else base


def _param_spec(name: str, given) -> Param:
    """A Param from ``value`` or ``(value, low, high)``."""
    if isinstance(given, tuple):
        if len(given) != 3:
            raise ValueError(f"parameter {name!r}: give a value, or (value, low, high); got {given!r}")
        value, low, high = (validate.real(v, f"parameter {name!r}") for v in given)
        if not low <= value <= high or low == high:
            raise ValueError(f"parameter {name!r}: need low <= value <= high with low < high, got {given!r}")
    else:
        value = validate.real(given, f"parameter {name!r}")
        spread = 2.0 * max(1.0, abs(value))
        low, high = value - spread, value + spread
    return Param(name, value, low, high, latex=sympy.latex(sympy.Symbol(name)), doc=f"the formula's {name}")


def _samples(specs: tuple[Param, ...]) -> list[dict]:
    """The parameter settings a formula is checked at: the values given, and each range's ends."""
    base = {p.name: p.default for p in specs}
    out = [base]
    for p in specs:
        for v in (p.low, p.high):
            out.append({**base, p.name: v})
    return out


def _where(params: dict) -> str:
    return "" if not params else " with " + ", ".join(f"{k} = {v:g}" for k, v in params.items())


def _check(label: str, expr: sympy.Expr, fn: AccurateFunction, source: Source, specs, budget: Budget) -> None:
    """ValueError unless ``expr`` is real and finite on [-Z_RANGE, Z_RANGE] at every parameter sample."""
    for values in _samples(specs):
        at = expr.xreplace({sympy.Symbol(k, real=True): exact(v) for k, v in values.items()})
        at = source.numeric(at)
        problem = domain_problems(at, Z, budget)
        if problem is not None:
            raise ValueError(f"{label} is not defined at z = {problem.z:.6g}{_where(values)}: {problem.reason}. "
                             f"An activation must be real and finite for every z in [-{Z_RANGE:g}, {Z_RANGE:g}], "
                             "the range of the sliders")
        with np.errstate(all="ignore"):
            y = budget.run(f"evaluating {label}", fn, CHECK_GRID, **values)
        bad = ~np.isfinite(y)
        if bad.any():
            z0 = float(CHECK_GRID[np.argmax(bad)])
            big = budget.run(f"evaluating {label}", fn.beyond_float, z0, **values)
            reason = ("its value is beyond the largest number a float can hold (about 1.8e308)" if big
                      else "it is not a real number there")
            raise ValueError(f"{label} cannot be computed at z = {z0:g}{_where(values)}: {reason}. "
                             f"An activation must be real and finite for every z in [-{Z_RANGE:g}, {Z_RANGE:g}]")


#: seconds the mpmath comparison of one function may take (points are checked spread out, coarse to fine)
TRUST_SECONDS = 1.0


#: seconds of the budget kept for compiling and checking g and g' after the derivation
CHECK_RESERVE = 3.0


def _trust(fn: AccurateFunction, values: dict, budget: Budget) -> None:
    """Compare with mpmath on the check grid (every 0.05), coarse to fine, for as long as
    :data:`TRUST_SECONDS` allows; stretches that disagree by more than 1e-11 are evaluated
    with mpmath from then on. (The long-double cross-check runs on every call regardless.)"""
    import time

    z = CHECK_GRID
    order = np.concatenate([np.arange(k, len(z), 16) for k in (0, 8, 4, 12, 2, 6, 10, 14, 1, 3, 5, 7, 9, 11, 13, 15)])
    end = time.thread_time() + min(TRUST_SECONDS, max(0.0, budget.left() - 0.2))
    bad = []
    for chunk in np.array_split(order, 16):
        if time.thread_time() > end:
            break
        found = budget.attempt(max(0.05, end - time.thread_time()), disagreements, fn, z[chunk], values, 1e-11, default=None)
        if found is None:
            break
        bad.extend(int(chunk[i]) for i in found)
    fn.untrusted.extend(intervals_around(z, sorted(bad)))


def from_expression(text: str, name: Optional[str] = None, **params) -> CustomActivation:
    """An activation from a formula in ``z``, e.g. ``from_expression("z * sigmoid(z)")``.

    ``params`` declares parameters the formula uses, each with its value (or ``(value,
    low, high)``); each gets a slider in the explorer. Raises ``ValueError`` (or
    ``TypeError`` for a non-string) saying what is wrong, in plain words: for anything
    outside the grammar, for a g or g' that is not real and finite on [-20, 20], and when
    the symbolic work needs more than ``SYMBOLIC_SECONDS`` in all.
    """
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise TypeError(f"name must be a non-empty string or None, got {name!r}")
    specs = tuple(_param_spec(k, v) for k, v in params.items())
    budget = Budget()
    source = source_of(text, budget, **{p.name: p.default for p in specs})
    derivation = _derive(source, budget, reserve=CHECK_RESERVE)
    g = budget.run("compiling g", compile_accurate, source.expr, Z, source.params)
    dg = budget.run("compiling g'", compile_accurate, derivation.derivative, Z, source.params)
    _check("g(z)", source.expr, g, source, specs, budget)
    _check("g'(z)", derivation.derivative, dg, source, specs, budget)
    defaults = {p.name: p.default for p in specs}
    _trust(g, defaults, budget)
    _trust(dg, defaults, budget)
    label = name.strip() if name else "custom"
    return CustomActivation(
        name=label,
        params=defaults,
        latex_g=derivation.latex_g,
        latex_dg=derivation.latex_dg,
        latex_dg_from_g=derivation.latex_dg_from_g,
        kinks=tuple(sorted(_kinks(derivation))),
        doc=f"custom activation g(z) = {source.text}",
        param_specs=specs,
        _g=g,
        _dg=dg,
        _dg_from_g=derivation.dg_from_g,
        derivation=derivation,
        source=source,
    )


def _kinks(d: Derivation) -> set:
    """z values where g' jumps (the conditions z > c of its pieces), for the checks that avoid kinks."""
    out = set()
    for pw in d.derivative.atoms(sympy.Piecewise):
        for _, cond in pw.args:
            for rel in ([cond] if isinstance(cond, sympy.core.relational.Relational) else
                        list(cond.atoms(sympy.core.relational.Relational))):
                c = sympy.solve(rel.lhs - rel.rhs, Z) if Z in rel.free_symbols else []
                for r in c:
                    if r.is_number and r.is_real:
                        out.add(float(r))
    return out
