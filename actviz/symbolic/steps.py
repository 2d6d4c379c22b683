"""Differentiation step by step, as on a blackboard (sympy).

:func:`rule_steps` starts from the unevaluated ``d/dz g(z)`` and applies one rule at a time to
the largest piece still unevaluated: the sum rule, a constant factor, the product or quotient
rule, the power rule, the chain rule, a known derivative, or (for ``max``, ``min``, ``abs``
and piecewise formulas) piece by piece. Every :class:`Step` holds the whole of g'(z) at that
stage, its unevaluated pieces written as ``Derivative(u, z)``: ``step.expr.doit()`` is g'(z)
at every stage. Derivatives of ``z`` (1) and of constants (0) are filled in on the spot.

Kinks follow actviz's convention, the left-hand slope: a registry formula lists its right
piece first (``z > 0``) so the left piece holds at the kink; ``max(a, b)`` where a = b takes
the smaller slope, ``min(a, b)`` the larger, ``abs(u)`` at u = 0 takes -|u'|.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

__all__ = ["Step", "rule_steps", "D", "Tex", "MAX_RULE_STEPS"]

#: after this many rule applications the remaining pieces are differentiated in one step
MAX_RULE_STEPS = 14


@dataclass(frozen=True)
class Step:
    """One line of a derivation.

    ``rule``: the rule applied ("set up", "sum rule", "constant factor", "product rule",
    "quotient rule", "power rule", "chain rule", "known derivative", "piecewise", "simplify",
    "in terms of g"); ``expr``: g'(z) at this stage (a sympy expression; unevaluated
    ``Derivative`` pieces included); ``note``: what was done, in words; ``latex``: the line as
    LaTeX, ``g'(z) = ...`` (the "in terms of g" step writes g for g(z)).
    """

    rule: str
    expr: sympy.Expr
    note: str
    latex: str

    def __str__(self) -> str:
        return f"{self.rule:<17} g'(z) = {sympy.sstr(self.expr)}"


def D(u: sympy.Expr, z: sympy.Symbol) -> sympy.Expr:
    """d/dz u, unevaluated unless it is trivial (u = z: 1; u free of z: 0)."""
    if u == z:
        return sympy.S.One
    if z not in u.free_symbols:
        return sympy.S.Zero
    return sympy.Derivative(u, z, evaluate=False)


class Tex:
    """LaTeX of expressions within one allowance of seconds for a whole derivation: sympy's
    printer can take seconds on a product (it asks sympy to decide the signs of factors);
    once the allowance is spent, plain text in ``\\text{}`` is used instead."""

    def __init__(self, seconds: float):
        self.left = seconds

    def __call__(self, expr) -> str:
        import time

        from .limits import LATEX_SECONDS, OutOfTime, with_time_limit

        if self.left > 0.01:
            t0 = time.thread_time()
            try:
                return with_time_limit(min(LATEX_SECONDS, self.left), sympy.latex, expr)
            except (OutOfTime, ArithmeticError, TypeError, ValueError, RecursionError):
                pass
            finally:
                self.left -= time.thread_time() - t0
        return r"\text{" + sympy.sstr(expr, full_prec=False).replace("{", "(").replace("}", ")") + "}"


_tex = Tex(0.0)


def _prime(func, arg: sympy.Expr) -> sympy.Expr:
    """f'(arg) for a one-argument sympy function class ``func``."""
    x = sympy.Dummy("x", real=True)
    return func(x).diff(x).subs(x, arg)


def _split_constant(u: sympy.Mul, z) -> tuple[sympy.Expr, sympy.Expr]:
    const = [f for f in u.args if z not in f.free_symbols]
    rest = [f for f in u.args if z in f.free_symbols]
    return sympy.Mul(*const), sympy.Mul(*rest)


def _apply(u: sympy.Expr, z: sympy.Symbol) -> tuple[str, sympy.Expr, str]:
    """(rule, d/dz u written one rule further, note) for a piece ``u`` that depends on z."""
    if isinstance(u, sympy.Add):
        terms = [t for t in u.args if z in t.free_symbols]
        return ("sum rule", sympy.Add(*[D(t, z) for t in terms]),
                f"d/dz of a sum is the sum of the derivatives ({len(u.args)} terms"
                + (", constants give 0" if len(terms) < len(u.args) else "") + ")")
    if isinstance(u, sympy.Mul):
        c, rest = _split_constant(u, z)
        if c != 1:
            return "constant factor", c * D(rest, z), f"the constant factor {sympy.sstr(c)} comes out: (c u)' = c u'"
        num, den = sympy.fraction(u)
        if den != 1 and z in den.free_symbols and not (num == 1 or z not in num.free_symbols):
            return ("quotient rule", (D(num, z) * den - num * D(den, z)) / den**2,
                    f"(u/v)' = (u' v - u v') / v^2 with u = {sympy.sstr(num)}, v = {sympy.sstr(den)}")
        first, *others = u.args
        second = sympy.Mul(*others)
        return ("product rule", D(first, z) * second + first * D(second, z),
                f"(u v)' = u' v + u v' with u = {sympy.sstr(first)}, v = {sympy.sstr(second)}")
    if isinstance(u, sympy.Pow):
        base, exp_ = u.args
        if z not in exp_.free_symbols:
            if base == z:
                return "power rule", exp_ * z ** (exp_ - 1), f"(z^n)' = n z^(n-1) with n = {sympy.sstr(exp_)}"
            outer = sympy.Symbol("u") ** exp_
            return ("chain rule", exp_ * base ** (exp_ - 1) * D(base, z),
                    f"outer {sympy.sstr(outer)}, inner u = {sympy.sstr(base)}: (u^n)' = n u^(n-1) u'")
        if z not in base.free_symbols:
            return ("chain rule", u * sympy.log(base) * D(exp_, z),
                    f"a^u with a = {sympy.sstr(base)}, u = {sympy.sstr(exp_)}: (a^u)' = a^u ln(a) u'")
    if isinstance(u, sympy.Piecewise):
        return ("piecewise", sympy.Piecewise(*[(D(e, z), c) for e, c in u.args]),
                "differentiate each piece; at a kink the piece that holds there is the left one "
                "(actviz's convention: the left-hand slope)")
    if isinstance(u, (sympy.Max, sympy.Min)) and len(u.args) == 2:
        a, b = u.args
        da, db = D(a, z), D(b, z)
        if isinstance(u, sympy.Max):
            pieces = sympy.Piecewise((da, _above(a, b, z)), (db, _above(b, a, z)), (sympy.Min(da, db), True))
            tie = "the smaller slope"
        else:
            pieces = sympy.Piecewise((da, _above(b, a, z)), (db, _above(a, b, z)), (sympy.Max(da, db), True))
            tie = "the larger slope"
        return ("piecewise", pieces,
                f"{type(u).__name__.lower()}(a, b) is a on one side and b on the other; where a = b (a kink) "
                f"the left-hand slope, {tie}")
    if isinstance(u, sympy.Abs):
        (a,) = u.args
        da = D(a, z)
        return ("piecewise", sympy.Piecewise((da, a > 0), (-da, a < 0), (-sympy.Abs(da), True)),
                "|u| is u where u > 0 and -u where u < 0; at u = 0 (a kink) the left-hand slope, -|u'|")
    if isinstance(u, sympy.Function) and len(u.args) == 1:
        (arg,) = u.args
        name = sympy.sstr(u.func(sympy.Symbol("u")))
        if arg == z:
            return "known derivative", _prime(u.func, z), f"the derivative of {sympy.sstr(u)} is {sympy.sstr(_prime(u.func, z))}"
        return ("chain rule", _prime(u.func, arg) * D(arg, z),
                f"outer {name}, inner u = {sympy.sstr(arg)}: f(u)' = f'(u) u'")
    return "known derivative", sympy.diff(u, z), f"d/dz {sympy.sstr(u)}"


def _above(a: sympy.Expr, b: sympy.Expr, z: sympy.Symbol):
    """The condition a > b, solved for z when a - b is linear in z (0.2 z < z reads z > 0)."""
    d = sympy.expand(a - b)
    if d.is_polynomial(z) and sympy.degree(d, z) == 1:
        k = d.coeff(z, 1)
        c = -d.coeff(z, 0) / k
        if k.is_positive:
            return z > c
        if k.is_negative:
            return z < c
    return a > b


def _pending(expr: sympy.Expr) -> list[sympy.Derivative]:
    """The unevaluated derivative pieces, largest first (the outermost rule comes next)."""
    found = list(expr.atoms(sympy.Derivative))
    found.sort(key=lambda d: (-sympy.count_ops(d.expr), sympy.default_sort_key(d)))
    return found


def rule_steps(g: sympy.Expr, z: sympy.Symbol, tex=None, max_rule_steps: int = MAX_RULE_STEPS) -> list[Step]:
    """The set-up step and one step per rule, ending with g'(z) fully evaluated (not simplified).

    ``tex`` turns an expression into LaTeX (default: a :class:`Tex` with one second in all).
    """
    _tex = tex or Tex(1.0)
    current = D(g, z)
    steps = [Step("set up", current, f"differentiate g(z) = {sympy.sstr(g)}",
                  rf"g'(z) = \frac{{d}}{{dz}}\left({_tex(g)}\right)")]
    while True:
        pending = _pending(current)
        if not pending:
            break
        if len(steps) > max_rule_steps:
            current = current.doit()
            steps.append(Step("known derivative", current, "the remaining pieces are known derivatives",
                              f"g'(z) = {_tex(current)}"))
            break
        piece = pending[0]
        rule, replacement, note = _apply(piece.expr, z)
        current = current.xreplace({piece: replacement})
        steps.append(Step(rule, current, note, f"g'(z) = {_tex(current)}"))
    return steps
