r"""Custom activations from a formula typed by a student, differentiated by sympy.

>>> mish = from_expression("z * tanh(softplus(z))", name="mish")
>>> float(mish.g(1.0))
0.8650983882673103

The text box this serves may be exposed to a whole class through Voila, so the text is
never evaluated. :func:`parse_expression` parses it with :func:`ast.parse` (an AST only,
no code object) and builds the sympy expression itself from a whitelist of node types.

Grammar (everything else is rejected with a ``ValueError`` saying what is allowed):

* the variable ``z``; the constants ``pi`` and ``e``; int and float literals with
  ``|x| <= 1e6`` (no complex literals, no ``True``/``None``, no strings);
* binary ``+ - * / **`` and unary ``+ -``. ``^`` is *not* a power (it is Python's XOR)
  and is rejected with the hint "use ** for powers";
* calls, by bare name with positional arguments only, of the functions in
  :data:`FUNCTIONS`: exp, log, sqrt, abs, tanh, sinh, cosh, sin, cos, atan/arctan,
  erf, sigmoid (= 1/(1+exp(-x))), softplus (= log(1+exp(x))), max/min (2 arguments).

Limits, so that no input can make sympy hang: at most :data:`MAX_CHARS` characters,
:data:`MAX_NODES` AST nodes, nesting depth :data:`MAX_DEPTH`. A constant exponent must
satisfy ``|p| <= 10``; an exponent that depends on ``z`` needs a positive constant base
(``2**z`` is fine, ``z**z`` is not: write ``exp(z*log(...))`` if you mean it). Every
constant subexpression must be real, finite and at most 1e100 in magnitude (so
``sqrt(-1)``, ``1/0`` and ``9**9**9**9`` are rejected before they are computed).

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

import ast
import math
import operator
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import sympy

from .activations import Activation

__all__ = ["parse_expression", "derive", "from_expression", "Derivation", "CustomActivation",
           "FUNCTIONS", "MAX_CHARS", "MAX_NODES", "MAX_DEPTH", "SYMBOLIC_SECONDS"]

Z = sympy.Symbol("z", real=True)

# --------------------------------------------------------------------------------------
# The whitelist.

MAX_CHARS = 200
MAX_NODES = 60
MAX_DEPTH = 40  # only unary chains such as -(-(-z)) reach it before MAX_NODES
MAX_LITERAL = 1e6
MAX_EXPONENT = 10
MAX_CONSTANT = 1e100

NAMES = {"z": Z, "pi": sympy.pi, "e": sympy.E}

#: name -> (number of arguments, builder taking sympy arguments)
FUNCTIONS = {
    "exp": (1, sympy.exp),
    "log": (1, sympy.log),
    "sqrt": (1, sympy.sqrt),
    "abs": (1, sympy.Abs),
    "tanh": (1, sympy.tanh),
    "sinh": (1, sympy.sinh),
    "cosh": (1, sympy.cosh),
    "sin": (1, sympy.sin),
    "cos": (1, sympy.cos),
    "atan": (1, sympy.atan),
    "arctan": (1, sympy.atan),
    "erf": (1, sympy.erf),
    "sigmoid": (1, lambda x: 1 / (1 + sympy.exp(-x))),
    "softplus": (1, lambda x: sympy.log(1 + sympy.exp(x))),
    "max": (2, sympy.Max),
    "min": (2, sympy.Min),
}

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: None}  # Pow is built by _power (guarded)
UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}

ALLOWED = (
    "allowed: the variable z, numbers, the constants pi and e, the operators + - * / ** "
    "and parentheses, and the functions " + ", ".join(f"{n}({', '.join('xy'[:k])})"
                                                     for n, (k, _) in FUNCTIONS.items())
)

# Friendlier words for node types people are likely to try.
_REJECTED = {
    ast.Attribute: "attribute access (a.b) is not allowed",
    ast.Subscript: "indexing (a[i]) is not allowed",
    ast.Compare: "comparisons (<, ==, ...) are not allowed; use max/min/abs for piecewise functions",
    ast.BoolOp: "'and'/'or' are not allowed",
    ast.IfExp: "'x if c else y' is not allowed; use max/min/abs for piecewise functions",
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.Starred: "'*args' is not allowed",
    ast.JoinedStr: "strings are not allowed",
}
for _t in (ast.List, ast.Tuple, ast.Set, ast.Dict):
    _REJECTED[_t] = "lists, tuples, sets and dicts are not allowed"
for _t in (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp):
    _REJECTED[_t] = "comprehensions are not allowed"


def _reject(what: str) -> ValueError:
    return ValueError(f"{what}; {ALLOWED}")


# --------------------------------------------------------------------------------------
# Parsing.


def parse_expression(text: str) -> sympy.Expr:
    """The sympy expression for ``text``, a formula in ``z``; ``ValueError`` otherwise."""
    return _parse(text, _Budget())


def _parse(text: str, budget: "_Budget") -> sympy.Expr:
    if not isinstance(text, str):
        raise ValueError(f"the expression must be a string (a formula in z), got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"the expression is too long ({len(text)} characters); at most {MAX_CHARS} are allowed")
    if not text.strip():
        raise ValueError("the expression is empty; type a formula in z, e.g. z * sigmoid(z)")
    try:
        tree = ast.parse(text.strip(), mode="eval")  # an AST only: nothing is compiled or run
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        msg = (exc.msg if isinstance(exc, SyntaxError) else str(exc)) or type(exc).__name__
        raise _reject(f"not a valid expression: {msg}") from None
    n = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if n > MAX_NODES:
        raise ValueError(f"the expression is too complex ({n} parts); at most {MAX_NODES} are allowed")
    expr = budget.run("building the expression", _build, tree.body, 1)
    if Z not in expr.free_symbols:
        raise ValueError(f"an activation must depend on z, but {text.strip()!r} is constant")
    return expr


def _build(node: ast.AST, depth: int) -> sympy.Expr:
    """The sympy expression for one whitelisted AST node (recursively)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"the expression is nested too deeply; at most {MAX_DEPTH} levels are allowed")
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id in NAMES:
            return NAMES[node.id]
        if node.id in FUNCTIONS:
            raise _reject(f"{node.id} is a function; call it, e.g. {node.id}(z)")
        raise _reject(f"unknown name {node.id!r} (the variable is z)")
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return _checked(UNARY[type(node.op)](_build(node.operand, depth + 1)))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _build(node.left, depth + 1), _build(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            return _checked(_power(left, right))
        return _checked(BINARY[type(node.op)](left, right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        raise _reject("'^' is not a power in Python: use ** for powers, e.g. z**2")
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        raise _reject(f"the operator {type(node.op).__name__} is not allowed")
    if isinstance(node, ast.Call):
        return _call(node, depth)
    raise _reject(_REJECTED.get(type(node), f"{type(node).__name__} is not allowed"))


def _number(value) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "complex numbers" if isinstance(value, complex) else f"{type(value).__name__} literals ({value!r})"
        raise _reject(f"{kind} are not allowed; only real numbers")
    if not abs(value) <= MAX_LITERAL:  # also catches inf from 1e999
        raise _reject(f"the number {value!r} is too large; numbers must satisfy |x| <= {MAX_LITERAL:g}")
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)


def _call(node: ast.Call, depth: int) -> sympy.Expr:
    if not isinstance(node.func, ast.Name):
        raise _reject("only the listed functions may be called, by name")
    name = node.func.id
    if name not in FUNCTIONS:
        raise _reject(f"unknown function {name!r}")
    arity, build = FUNCTIONS[name]
    if node.keywords:
        raise _reject(f"{name}() takes positional arguments only, no keywords")
    if len(node.args) != arity:
        plural = "argument" if arity == 1 else "arguments"
        raise _reject(f"{name}() takes {arity} {plural}, got {len(node.args)}")
    return _checked(build(*(_build(arg, depth + 1) for arg in node.args)))


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    if exponent.free_symbols:
        if base.free_symbols or not _constant(base) > 0:
            raise _reject("an exponent that depends on z needs a positive constant base (e.g. 2**z or e**z); "
                          "for z**z write exp(z*log(z)) if you mean it")
        return base**exponent
    p = _constant(exponent)
    if abs(p) > MAX_EXPONENT:
        raise _reject(f"the exponent {p:g} is too large in magnitude; constant exponents must satisfy |p| <= {MAX_EXPONENT}")
    if not base.free_symbols:
        b = abs(_constant(base))
        if b > 0 and abs(p) * math.log10(b) > math.log10(MAX_CONSTANT):
            raise _reject(f"the constant {b:g}**{p:g} is too large; constants must be at most {MAX_CONSTANT:g}")
    return base**exponent


def _checked(expr: sympy.Expr) -> sympy.Expr:
    """``expr``, after checking that a constant is real, finite and not huge."""
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise _reject("the expression divides by zero or is otherwise undefined")
    if not expr.free_symbols:
        _constant(expr)
    return expr


def _constant(expr: sympy.Expr) -> float:
    """The value of a constant subexpression as a float (``ValueError`` if not a modest real)."""
    try:
        value = sympy.N(expr, 20)
    except (ArithmeticError, ValueError, TypeError):
        raise _reject(f"the constant {sympy.sstr(expr)[:40]} cannot be evaluated (a division by zero?)") from None
    if value.is_real is not True or value.is_finite is not True:
        raise _reject(f"the constant {expr} is not a real number")
    if abs(value) > MAX_CONSTANT:
        raise _reject(f"the constant {sympy.sstr(expr)[:40]} is too large; constants must be at most {MAX_CONSTANT:g}")
    return float(value)


# --------------------------------------------------------------------------------------
# Time limits. sympy's running time is hard to bound from the size of the input alone
# (simplify, and even latex printing, which calls simplify, can take a minute on a
# 15-operation derivative), so each symbolic step runs under a wall-clock limit.


class _OutOfTime(BaseException):
    """Raised by the SIGALRM handler; a BaseException so that no `except Exception` eats it."""


SYMBOLIC_SECONDS = 5.0  # parse + differentiate + compile + print, in all: past this -> ValueError
SIMPLIFY_SECONDS = 1.0  # simplify (within the above): past this the unsimplified derivative is kept
LATEX_SECONDS = 1.0     # sympy.latex (within the above): past this a plain-text rendering is used


def _with_time_limit(seconds: float, fn, *args):
    """``fn(*args)``, raising ``_OutOfTime`` after ``seconds`` (wall clock).

    Uses SIGALRM, so the limit applies only on Unix in the main thread (where Jupyter,
    Voila and pytest run user code); elsewhere ``fn`` runs without a limit.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return fn(*args)
    fired = []

    def on_alarm(signum, frame):
        if not fired:  # the timer is one-shot; never raise twice
            fired.append(True)
            raise _OutOfTime

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_timer, t0 = (0.0, 0.0), time.monotonic()
    try:
        try:
            old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        if old_timer[0] > 0:  # someone else's timer was running: put back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(old_timer[0] - (time.monotonic() - t0), 1e-3), old_timer[1])


class _Budget:
    """One wall-clock allowance shared by the symbolic steps of one call."""

    def __init__(self, seconds: float = None):
        self.end = time.monotonic() + (SYMBOLIC_SECONDS if seconds is None else seconds)

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def run(self, step: str, fn, *args):
        """``fn(*args)`` within the allowance; ``ValueError`` naming ``step`` otherwise.

        sympy's own arithmetic errors on odd input become ``ValueError`` too.
        """
        try:
            return _with_time_limit(self.left(), fn, *args)
        except _OutOfTime:
            raise ValueError(
                f"the expression is too complicated: {step} ran past the {SYMBOLIC_SECONDS:g} s limit; "
                "try a simpler one"
            ) from None
        except (ArithmeticError, TypeError, RecursionError) as exc:
            raise ValueError(f"sympy failed while {step}: {type(exc).__name__}: {exc}") from None


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
    budget = _Budget()
    expr = _parse(text, budget)
    return _finish(text, expr, budget.run("differentiating", sympy.diff, expr, Z), budget)


def _finish(text: str, expr: sympy.Expr, derivative: sympy.Expr, budget: _Budget) -> Derivation:
    simplified = _simplify(derivative, min(SIMPLIFY_SECONDS, budget.left() / 2))
    latex_g = _latex(expr, budget)
    latex_dg = _latex(simplified, budget)
    return Derivation(text=text.strip(), expr=expr, derivative=derivative, simplified=simplified,
                      latex_g=f"g(z) = {latex_g}", latex_dg=f"g'(z) = {latex_dg}")


def _latex(expr: sympy.Expr, budget: _Budget) -> str:
    """``sympy.latex(expr)``, or ``\\text{<plain text>}`` when that is slow.

    sympy.latex can take many seconds: printing a product calls ``fraction``, which asks
    ``is_constant()`` of negative exponents, which may evaluate and simplify them.
    """
    try:
        return _with_time_limit(min(LATEX_SECONDS, budget.left()), sympy.latex, expr)
    except (_OutOfTime, ArithmeticError, TypeError, RecursionError):
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
        return _with_time_limit(seconds, attempt)
    except _OutOfTime:
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
    budget = _Budget()
    expr = _parse(text, budget)
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
