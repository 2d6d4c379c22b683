r"""``actviz.derive``: g'(z) step by step, simplified, and written in terms of g where it can be.

>>> d = derive("sigmoid")
>>> [s.rule for s in d.steps]
['set up', 'chain rule', 'sum rule', 'chain rule', 'constant factor', 'in terms of g']
>>> d.dg
(1 - sigmoid(z))*sigmoid(z)
>>> d.dg_in_terms_of_g
g*(1 - g)

How it works, for any activation (registry or typed):

1. the rules, one at a time (:mod:`.steps`);
2. *simplify*: a few rewritings of the result (sympy's simplify, the numerator expanded over
   its denominator, the named sigmoid/softplus folded back in), each under a time limit and
   kept only if it is shorter and agrees with the unsimplified g' at every check point;
3. *in terms of g*: g' as a function of g alone -- found, never assumed: substitute g where
   g' contains it, or invert g (solve g = g(z) for z) and substitute; piece by piece for a
   piecewise g. An identity is kept only if it holds at every check point, evaluated with
   mpmath at 40 digits, for every parameter value checked; otherwise there is none (GELU,
   SiLU, Mish: g is not one-to-one, so g' cannot be a function of g).

Every derivation finishes or refuses (``ValueError``) within
:data:`~actviz.symbolic.limits.SYMBOLIC_SECONDS`, in any thread.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable, Optional

import mpmath
import numpy as np
import sympy
from sympy.printing.str import StrPrinter

from .formulas import Source, source_of
from .functions import NUMPY, Sigmoid, Softplus, fold_named
from .limits import SIMPLIFY_SECONDS, Budget
from .numeric import Z_RANGE, mp_function, stable_form
from .parser import Z
from .steps import Step, Tex, rule_steps

__all__ = ["Derivation", "derive", "G"]

#: the symbol standing for g(z) in g' written in terms of g
G = sympy.Symbol("g", real=True)

#: where identities and simplifications are checked (z), avoiding nothing: kinks included
_CHECK_Z = [-19.5, -12.25, -7.5, -4.0, -2.5, -1.3, -0.75, -0.3, -0.05, 0.0, 0.05, 0.3, 0.75, 1.3, 2.5, 4.0, 7.5, 12.25, 19.5]


class _Printer(StrPrinter):
    """sympy's str printer with d/dz(u) for unevaluated derivatives and short floats."""

    def _print_Derivative(self, expr):
        return f"d/dz({self._print(expr.expr)})"

    def _print_Float(self, expr):
        return sympy.sstr(expr, full_prec=False)


def text(expr) -> str:
    """``expr`` as plain text (what nbval compares)."""
    return _Printer().doprint(expr)


#: seconds of sympy LaTeX printing one derivation may spend in all (then plain text)
LATEX_ALLOWANCE = 1.5
#: seconds kept back for the checks that follow a derivation (from_expression)
RESERVE = 1.5


# --------------------------------------------------------------------------------------
# Numerical agreement (mpmath), used to accept a simplification or an identity


def _param_samples(source: Source) -> list[dict]:
    """Parameter settings to check at: the values given, and for a registry activation each
    parameter's range ends."""
    base = dict(source.values)
    samples = [base]
    from ..maths.registry import names, spec

    name = source.label.split(" ")[0]
    if source.text is None and name in names():
        for p, sym in zip(spec(name).params, source.params):
            for v in (p.low, p.high):
                samples.append({**base, sym: sympy.Rational(v)})
    return samples


def _values_at(f, z: float, values: list) -> Optional[mpmath.mpf]:
    try:
        v = f(mpmath.mpf(z), *values)
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > mpmath.mpf(10) ** -25 * max(1, abs(v.real)):
            return None
        v = v.real
    return v if mpmath.isfinite(v) else None


def _agree(a: sympy.Expr, b: sympy.Expr, source: Source, with_g: bool = False) -> bool:
    """True if ``a`` and ``b`` (in z; or ``a`` in G with ``with_g``) agree at every check point."""
    syms = list(source.symbols)
    fa = mp_function(a, [G if with_g else Z, *syms])
    fb = mp_function(b, [Z, *syms])
    fg = mp_function(source.expr, [Z, *syms]) if with_g else None
    checked = 0
    with mpmath.workdps(40):
        for values in _param_samples(source):
            vals = [mpmath.mpf(sympy.N(values[s], 45)) for s in syms]
            for z in _CHECK_Z:
                want = _values_at(fb, z, vals)
                if want is None:
                    continue
                arg = _values_at(fg, z, vals) if with_g else mpmath.mpf(z)
                if arg is None:
                    return False
                got = _values_at(fa, arg, vals) if with_g else _values_at(fa, z, vals)
                if got is None or abs(got - want) > mpmath.mpf(10) ** -25 + mpmath.mpf(10) ** -20 * abs(want):
                    return False
                checked += 1
    return checked > 0


# --------------------------------------------------------------------------------------
# Simplify


def _new_functions(candidate: sympy.Expr, source: Source) -> int:
    have = {type(f) for f in source.expr.atoms(sympy.Function)} | {sympy.exp, Sigmoid, Softplus}  # the readable ones
    return len({type(f) for f in candidate.atoms(sympy.Function)} - have)


def _score(expr: sympy.Expr, source: Source) -> int:
    return int(sympy.count_ops(expr)) + 3 * _new_functions(expr, source)


def _numerator_expanded(expr: sympy.Expr) -> sympy.Expr:
    """The numerator multiplied out over the denominator as it stands (tanh: 4 / (e^z + e^-z)^2)."""
    num, den = sympy.fraction(expr)
    return sympy.expand(num) / den


def _simplified(raw: sympy.Expr, source: Source, budget: Budget) -> sympy.Expr:
    """The shortest of a few rewritings of ``raw`` that agree with it (or ``raw`` itself)."""
    candidates = [fold_named(raw)]
    for rewrite in (sympy.simplify, _numerator_expanded, sympy.factor):
        c = budget.attempt(SIMPLIFY_SECONDS, rewrite, raw)
        if c is not None and c != raw:
            candidates += [c, fold_named(c)]
    best, best_score = raw, _score(raw, source)
    for c in candidates:
        if c.has(sympy.nan, sympy.zoo, sympy.oo) or c == best:
            continue
        score = _score(c, source)
        if score <= best_score - 2 and budget.attempt(SIMPLIFY_SECONDS, _agree, c, raw, source, default=False):
            best, best_score = c, score
    return best


# --------------------------------------------------------------------------------------
# In terms of g


def _monotone(source: Source, raw: sympy.Expr) -> bool:
    """g' keeps one sign on the range (checked every 0.05 with numpy, at every parameter sample)."""
    z = np.linspace(-Z_RANGE, Z_RANGE, 801)
    for values in _param_samples(source):
        f = sympy.lambdify(Z, stable_form(raw.xreplace(values)), modules=[NUMPY, "numpy"])
        with np.errstate(all="ignore"):
            d = np.real(np.asarray(np.broadcast_to(f(z), z.shape), dtype=np.complex128))
        d = d[np.isfinite(d)]
        if d.size and d.min() < -1e-300 and d.max() > 1e-300:
            return False
    return True


def _solve_for_z(g: sympy.Expr, budget: Budget) -> list:
    sols = budget.attempt(2.0, sympy.solve, sympy.Eq(G, g.rewrite(sympy.exp)), Z, default=None)
    return [s for s in (sols or []) if Z not in s.free_symbols]


def _smooth_identity(g: sympy.Expr, dg: sympy.Expr, budget: Budget):
    """Candidate expressions F(G) with F(g(z)) = g'(z), cheapest first (unverified; a generator)."""
    direct = dg.subs(g, G)
    if Z not in direct.free_symbols:
        yield direct
    for sol in _solve_for_z(g, budget):
        sub = budget.attempt(SIMPLIFY_SECONDS, lambda s: sympy.simplify(dg.rewrite(sympy.exp).subs(Z, s)), sol)
        if sub is not None and Z not in sub.free_symbols:
            yield sub
            folded = fold_named(sub)
            if folded != sub:
                yield folded


def _branch_condition(cond) -> Optional[tuple[str, sympy.Expr]]:
    """(op, c) if ``cond`` is z > c, z >= c, z < c or z <= c with c free of z."""
    if not isinstance(cond, sympy.core.relational.Relational):
        return None
    lhs, rhs = cond.lhs, cond.rhs
    if lhs == Z and Z not in rhs.free_symbols:
        return cond.rel_op, rhs
    if rhs == Z and Z not in lhs.free_symbols:
        flipped = {">": "<", ">=": "<=", "<": ">", "<=": ">="}[cond.rel_op]
        return flipped, lhs
    return None


def _as_pieces(g: sympy.Expr) -> sympy.Expr:
    """max(a, b) / min(a, b) of z as a two-piece Piecewise with simplified conditions."""
    if isinstance(g, (sympy.Max, sympy.Min)) and len(g.args) == 2:
        a, b = g.args
        cond = (a > b) if isinstance(g, sympy.Max) else (a < b)
        solved = sympy.solve_univariate_inequality(cond, Z, relational=True) if cond.free_symbols == {Z} else cond
        return sympy.Piecewise((a, solved), (b, True))
    return g


def _piecewise_identity(g: sympy.Expr, dg: sympy.Expr, source: Source, budget: Budget) -> list:
    """F(G) for a two-piece g whose pieces meet at z = c: each piece's g' in terms of g, and
    the condition z > c written as g > g(c) (g increasing on the range)."""
    g = sympy.piecewise_fold(_as_pieces(g))
    if not (isinstance(g, sympy.Piecewise) and len(g.args) == 2 and g.args[1][1] == sympy.true):
        return []
    (g1, c1), (g2, _) = g.args
    parsed = _branch_condition(c1)
    if parsed is None:
        return []
    op, c = parsed
    d1, d2 = sympy.diff(g1, Z), sympy.diff(g2, Z)
    f1 = [d1] if Z not in d1.free_symbols else list(_smooth_identity(g1, d1, budget))
    f2 = [d2] if Z not in d2.free_symbols else list(_smooth_identity(g2, d2, budget))
    if not f1 or not f2:
        return []
    t = sympy.simplify(g2.subs(Z, c))  # the value at the kink (the left piece holds there)
    cond = {">": G > t, ">=": G >= t, "<": G < t, "<=": G <= t}[op]
    return [sympy.Piecewise((a, cond), (b, True)) for a in f1 for b in f2]


def _identity(source: Source, raw: sympy.Expr, budget: Budget) -> Optional[sympy.Expr]:
    g = source.expr
    if Z not in raw.free_symbols:
        return raw  # a constant slope is trivially a function of g
    if not _monotone(source, raw):
        return None  # g takes some value twice with different slopes: no identity can hold
    candidates = _piecewise_identity(g, raw, source, budget) if g.has(sympy.Piecewise, sympy.Max, sympy.Min) \
        else _smooth_identity(g, raw, budget)
    tried = set()
    for f in candidates:
        if f in tried or f.has(sympy.nan, sympy.zoo) or f.free_symbols - {G, *source.symbols}:
            continue
        tried.add(f)
        if budget.attempt(SIMPLIFY_SECONDS, _agree, f, raw, source, True, default=False):
            return f
    return None


def _named(source: Source, budget: Budget) -> Optional[sympy.Expr]:
    """g(z) as one named function of z (sigma(z), tanh(z), softplus(z)) if it is one, else None."""
    for form in (fold_named(source.expr), budget.attempt(SIMPLIFY_SECONDS, sympy.simplify, source.expr)):
        if form is not None and isinstance(form, (Sigmoid, Softplus, sympy.tanh)) and form.args == (Z,):
            return form
    return None


# --------------------------------------------------------------------------------------
# The derivation


@dataclass(frozen=True)
class Derivation:
    """g'(z) derived step by step (see the module docstring).

    * ``steps``: :class:`~actviz.symbolic.steps.Step` objects; each ``expr`` equals g'(z)
      once its unevaluated ``Derivative`` pieces are evaluated;
    * ``derivative``: g'(z) as the rules give it, unsimplified (what numbers are computed from);
    * ``dg``: the simplified, readable g'(z);
    * ``dg_in_terms_of_g``: g' as an expression in the symbol ``g`` (and parameters), or None;
    * ``dg_from_g``: a numpy function ``g -> g'`` (parameters as keywords), or None.
    """

    label: str
    source: Source
    steps: tuple
    derivative: sympy.Expr
    dg: sympy.Expr
    dg_in_terms_of_g: Optional[sympy.Expr]
    dg_from_g: Optional[Callable]
    latex_g: str = ""   # "g(z) = ..."
    latex_dg: str = ""  # "g'(z) = ..." (of ``dg``)
    latex_dg_from_g: Optional[str] = None  # "g'(z) = ..." in terms of g(z), or None

    @property
    def g(self) -> sympy.Expr:
        return self.source.expr

    @property
    def rules(self) -> list[str]:
        return [s.rule for s in self.steps]

    def __str__(self) -> str:
        lines = [f"Derivation of {self.label}: g(z) = {text(self.g)}"]
        for i, s in enumerate(self.steps, 1):
            shown = text(s.expr) if s.rule != "in terms of g" else text(self.dg_in_terms_of_g)
            lhs = "g'(z) = " if s.rule != "in terms of g" else "g'(z) = F(g) = "
            lines.append(f"{i:3d}. {s.rule:<16} {lhs}{shown}")
        lines.append(f"     g'(z) = {text(self.dg)}")
        lines.append("     in terms of g: " + (f"g' = {text(self.dg_in_terms_of_g)}" if self.dg_in_terms_of_g is not None
                                               else "none (g' is not a function of g alone)"))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        out = [f"**Derivation of {self.label}:** ${self.latex_g}$", ""]  # noqa: E501
        for i, s in enumerate(self.steps, 1):
            out.append(f"{i}. **{s.rule.capitalize()}.** {s.note}" + "\n\n   $$" + s.latex + "$$")
        out.append("")
        out.append(f"**Result:** ${self.latex_dg}$" + (
            f", and in terms of $g$: ${self.latex_dg_from_g}$" if self.dg_in_terms_of_g is not None
            else "; $g'$ cannot be written in terms of $g$ alone."))
        return "\n".join(out)

    def html(self) -> str:
        """The steps as HTML with inline LaTeX (for an HTMLMath widget)."""
        items = "".join(f"<li><b>{html.escape(s.rule)}</b>: {html.escape(s.note)}<br>\\({s.latex}\\)</li>" for s in self.steps)
        result = (f"\\({self.latex_dg_from_g}\\)" if self.dg_in_terms_of_g is not None
                  else "g\u2032 cannot be written in terms of g alone")
        return f"<ol style='margin:0.3em 0'>{items}</ol><p>Result: \\({self.latex_dg}\\); in terms of g: {result}</p>"


def _derive(source: Source, budget: Budget, reserve: float = RESERVE) -> Derivation:
    """The derivation; the optional steps (simplify, identity) leave ``reserve`` seconds of the
    budget to the caller's own mandatory work (from_expression's checks need more than derive's printing)."""
    tex = Tex(LATEX_ALLOWANCE)
    steps = list(budget.run("differentiating", rule_steps, source.expr, Z, tex))
    raw = steps[-1].expr
    optional = lambda: max(0.05, min(2.5, budget.left() - reserve))  # noqa: E731  (simplify, identity: if time allows)
    dg = budget.attempt(optional(), _simplified, raw, source, budget, default=raw)
    if dg != raw:
        steps.append(Step("simplify", dg, "collect the result into a shorter form (checked: the same numbers)",
                          f"g'(z) = {tex(dg)}"))
    identity = budget.attempt(optional(), _identity, source, raw, budget, default=None)
    dg_from_g = latex_dg_from_g = None
    if identity is not None:
        named = budget.attempt(optional(), _named, source, budget, default=None)
        gz = named if named is not None else source.expr
        in_z = identity.subs(G, gz)
        latex_dg_from_g = f"g'(z) = {tex(identity.subs(G, sympy.Function('g')(Z)))}"
        steps.append(Step("in terms of g", in_z, "write g' with g(z) itself (checked at every check point)",
                          latex_dg_from_g))
        if named is not None and sympy.count_ops(in_z) <= sympy.count_ops(dg):
            dg = in_z  # e.g. sigma(z)(1 - sigma(z)): shorter, and in the named function
        fn = sympy.lambdify([G, *source.params], fold_constants_safe(source.numeric(identity)), modules=[NUMPY, "numpy"])
        names_ = [str(p) for p in source.params]

        def dg_from_g(g, **params):
            with np.errstate(all="ignore"):
                g = np.asarray(g, dtype=np.float64)
                out = fn(g, *[float(params[n]) for n in names_])
                return np.where(np.isnan(g), np.nan, np.broadcast_to(np.asarray(out, dtype=np.float64), g.shape))

    return Derivation(source.label, source, tuple(steps), raw, dg, identity, dg_from_g,
                      f"g(z) = {tex(source.expr)}", f"g'(z) = {tex(dg)}", latex_dg_from_g)


def fold_constants_safe(expr: sympy.Expr) -> sympy.Expr:
    from .numeric import fold_constants

    return fold_constants(stable_form(expr), set(expr.free_symbols))


def derive(x, **params) -> Derivation:
    """g'(z) of ``x`` step by step: a registry name, an Activation, or a formula in z.

    ``derive("tanh")``, ``derive(actviz.get("elu", alpha=2))``, ``derive("z*sigmoid(z)")``,
    ``derive("z*sigmoid(beta*z)", beta=1.0)`` (a typed formula's parameters are declared
    with their values). Raises ``ValueError`` in plain words for a formula the parser
    refuses or one too complicated to finish within the time limit.
    """
    budget = Budget()
    source = source_of(x, budget, **params)
    return _derive(source, budget)
