r"""Custom activations from a formula typed by a student, differentiated by sympy.

>>> mish = from_expression("z * tanh(softplus(z))", name="mish")
>>> float(mish.g(1.0))
0.8650983882673103

:func:`from_expression` then differentiates, compiles g and g' to numpy, checks that
both are real and finite on ``z`` in [-6, 6], simplifies g' (only when it is small, and
only if that makes it shorter without changing any value), and prints both as LaTeX.
sympy's running time cannot be bounded from the input size alone (simplify, and even
latex, can take a minute on a short formula), so these steps run under a wall-clock
limit (SIGALRM; Unix main thread only, which is where Jupyter and Voila run cells):
:data:`SYMBOLIC_SECONDS` in all, past which a ``ValueError`` says "too complicated";
a slow simplify keeps the unsimplified g', a slow latex falls back to ``\text{...}``.

Kinks from ``max``/``min`` differentiate to Heaviside steps, which take the value 1/2 at
0: ``max(z, 0.1*z)`` has g'(0) = 0.55, the mean of the two one-sided slopes (the
registry's leaky_relu uses PyTorch's alpha); ``abs`` gives sign(z), 0 at 0.
Outside [-6, 6] a custom activation may overflow (e.g. ``exp(z)/(1+exp(z))`` at
z = 800 is NaN); the registry's hand-written activations do not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import sympy

from ..maths.registry import Activation
from . import limits
from .limits import Budget, OutOfTime, with_time_limit
from .parser import Z, parse

__all__ = ["derive", "from_expression", "Derivation", "CustomActivation"]

# --------------------------------------------------------------------------------------
# Derivation and numerics.

# sympy.simplify is tried only on small derivatives without kinks (max/min/abs; there it is
# slowest and rarely shortens anything) and without floats (simplify turns floats into
# exact rationals; a float such as exp(-1e12) becomes a fraction with a huge power of two).
SIMPLIFY_MAX_OPS = 40
_NO_SIMPLIFY = (sympy.Heaviside, sympy.Max, sympy.Min, sympy.sign, sympy.Abs, sympy.Piecewise)
GRID = np.union1d(np.linspace(-6.0, 6.0, 241), [0.0])


@dataclass(frozen=True)
class Derivation:
    """The symbolic steps behind a custom activation, for notebooks."""

    text: str
    expr: sympy.Expr         # g(z) as parsed
    derivative: sympy.Expr   # d/dz g(z) as sympy.diff returns it
    simplified: sympy.Expr   # the derivative after guarded simplification (may be `derivative`)
    latex_g: str             # "g(z) = ..."
    latex_dg: str            # "g'(z) = ..." (of `simplified`)


def derive(text: str) -> Derivation:
    """Parse ``text`` and differentiate it (no numeric validation; see :func:`from_expression`)."""
    budget = Budget()
    expr = parse(text, budget)
    return _finish(text, expr, budget.run("differentiating", sympy.diff, expr, Z), budget)


def _finish(text: str, expr: sympy.Expr, derivative: sympy.Expr, budget: Budget) -> Derivation:
    simplified = _simplify(derivative, min(limits.SIMPLIFY_SECONDS, budget.left() / 2))
    latex_g = _latex(expr, budget)
    latex_dg = _latex(simplified, budget)
    return Derivation(text=text.strip(), expr=expr, derivative=derivative, simplified=simplified,
                      latex_g=f"g(z) = {latex_g}", latex_dg=f"g'(z) = {latex_dg}")


def _latex(expr: sympy.Expr, budget: Budget) -> str:
    """``sympy.latex(expr)``, or ``\\text{<plain text>}`` when that is slow.

    sympy.latex can take many seconds: printing a product calls ``fraction``, which asks
    ``is_constant()`` of negative exponents, which may evaluate and simplify them.
    """
    try:
        return with_time_limit(min(limits.LATEX_SECONDS, budget.left()), sympy.latex, expr)
    except (OutOfTime, ArithmeticError, TypeError, RecursionError):
        return budget.run("printing the formula", lambda: r"\text{" + sympy.sstr(expr) + "}")


def _simplify(derivative: sympy.Expr, seconds: float) -> sympy.Expr:
    """``sympy.simplify(derivative)`` if it is quick, not longer, and numerically the same."""
    def attempt():
        ops = sympy.count_ops(derivative)
        if ops > SIMPLIFY_MAX_OPS or derivative.has(*_NO_SIMPLIFY) or derivative.atoms(sympy.Float):
            return derivative
        candidate = sympy.simplify(derivative)
        if sympy.count_ops(candidate) <= ops and _agree(derivative, candidate):
            return candidate
        return derivative

    try:
        return with_time_limit(seconds, attempt)
    except OutOfTime:
        return derivative


def _agree(raw: sympy.Expr, candidate: sympy.Expr) -> bool:
    """True if ``candidate`` matches ``raw`` numerically on GRID, finite exactly where it is.

    sympy.simplify assumes things a numpy evaluation does not (it may turn
    sign(z)/(2 sqrt|z|) into z/(2 |z^{3/2}|), NaN for z < 0), so it is trusted only when
    it changes nothing numerically.
    """
    try:
        with np.errstate(all="ignore"):
            a, b = _compile(raw)(GRID), _compile(candidate)(GRID)
    except Exception:
        return False
    finite = np.isfinite(a)
    return bool(np.array_equal(finite, np.isfinite(b))
                and np.allclose(a[finite], b[finite], rtol=1e-9, atol=1e-12))


def _erf(x):
    """erf elementwise via math.erf (numpy has none); float64 out, input shape kept."""
    return np.asarray(_ERF_UFUNC(x), dtype=np.float64)


_ERF_UFUNC = np.frompyfunc(math.erf, 1, 1)
# sympy prints Heaviside for numpy via rewrite(Piecewise) + simplify, which can take seconds
# on nested arguments; printing it as a plain call to np.heaviside(x, 1/2) is instant.
_STEP = sympy.Function("heaviside_half")
_MODULES = [{"erf": _erf, "heaviside_half": lambda x: np.heaviside(x, 0.5)}, "numpy"]


def _compile(expr: sympy.Expr):
    """A numpy function of z for ``expr``: float64 out with z's shape, NaN in -> NaN out."""
    expr = expr.replace(lambda e: isinstance(e, sympy.Heaviside) and e.args[1:] in ((), (sympy.S.Half,)),
                        lambda e: _STEP(e.args[0]))
    f = sympy.lambdify(Z, expr, modules=_MODULES)  # code generated from the checked tree, not user text

    def numeric(z):
        out = np.asarray(f(z))
        if out.dtype.kind == "c":
            out = np.where(out.imag == 0, out.real, np.nan)
        out = np.broadcast_to(out.astype(np.float64), np.shape(z))
        return np.where(np.isnan(z), np.nan, out)

    return numeric


def _check_finite(label: str, fn) -> None:
    """``ValueError`` unless ``fn`` is real and finite on GRID."""
    try:
        with np.errstate(all="ignore"):
            values = fn(GRID)
    except Exception as exc:  # a numpy function refusing an input: report, don't crash
        raise ValueError(f"{label} could not be evaluated on [-6, 6] ({exc})") from None
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{label} is not real and finite for all z in [-6, 6] (e.g. at z = {GRID[bad][0]:g}); "
            "an activation must be defined on the whole real line"
        )


@dataclass(frozen=True)
class CustomActivation(Activation):
    """An :class:`Activation` built from a formula; ``derivation`` holds the sympy steps."""

    derivation: Optional[Derivation] = field(default=None, repr=False, compare=False)

    def with_params(self, **params) -> "CustomActivation":
        if params:
            raise ValueError(f"{self.name}: a custom activation has no parameters; got {', '.join(params)}")
        return self


def from_expression(text: str, name: Optional[str] = None) -> CustomActivation:
    """An activation from a formula in ``z``, e.g. ``from_expression("z * sigmoid(z)")``.

    Raises ``ValueError`` (with a message saying what is allowed) for anything outside the
    grammar in the module docstring, when g or g' is not real and finite on [-6, 6], and
    when sympy needs more than ``SYMBOLIC_SECONDS`` in all.
    """
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"name must be a non-empty string or None, got {name!r}")
    budget = Budget()
    expr = parse(text, budget)
    derivative = budget.run("differentiating", sympy.diff, expr, Z)
    g = budget.run("compiling g", _compile, expr)
    _check_finite("g(z)", g)
    dg = budget.run("compiling g'", _compile, derivative)
    _check_finite("g'(z)", dg)  # checked before the slow steps, so bad input is rejected fast
    d = _finish(text, expr, derivative, budget)
    if d.simplified is not derivative:
        dg = budget.run("compiling g'", _compile, d.simplified)
    return CustomActivation(
        name=name or "custom",
        params={},
        latex_g=d.latex_g,
        latex_dg=d.latex_dg,
        doc=f"custom activation g(z) = {d.text}",
        _g=g,
        _dg=dg,
        _dg_from_g=None,
        derivation=d,
    )
