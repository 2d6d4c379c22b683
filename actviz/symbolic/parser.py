r"""The safe parser: a formula typed by a student -> a sympy expression in z, never evaluated as code.

The text box this serves may be exposed to a whole class through Voila, so the text is
never evaluated. :func:`parse_expression` parses it with :func:`ast.parse` (an AST only,
no code object) and builds the sympy expression itself from a whitelist of node types.

Grammar (everything else is rejected with a ``ValueError`` saying what is allowed):

* the variable ``z``; the constants ``pi`` and ``e``; int and float literals with
  ``|x| <= 1e6`` (no complex literals, no ``True``/``None``, no strings); the names of
  declared parameters (``parse_expression("z*sigmoid(beta*z)", params=["beta"])``);
* binary ``+ - * / **`` and unary ``+ -``. ``^`` is *not* a power (it is Python's XOR)
  and is rejected with the hint "use ** for powers";
* calls, by bare name with positional arguments only, of the functions in
  :data:`FUNCTIONS`: exp, log, sqrt, abs, tanh, sinh, cosh, sin, cos, atan/arctan,
  erf, sigmoid (= 1/(1+exp(-x))), softplus (= log(1+exp(x))), max/min (2 arguments).
  sigmoid and softplus stay named (:mod:`.functions`), so derivations read naturally.

Limits, so that no input can make sympy hang: at most :data:`MAX_CHARS` characters,
:data:`MAX_NODES` AST nodes, nesting depth :data:`MAX_DEPTH`. A constant exponent must
satisfy ``|p| <= 10``; an exponent that depends on ``z`` needs a positive constant base
(``2**z`` is fine, ``z**z`` is not: write ``exp(z*log(...))`` if you mean it). Every
constant subexpression must be real, finite and at most 1e100 in magnitude, and 0 or at
least 1e-100 (so ``sqrt(-1)``, ``1/0`` and ``9**9**9**9`` are rejected before they are
computed). A parameter counts as a variable in these rules (``2**beta`` is fine,
``z**beta`` is not).
"""

from __future__ import annotations

import ast
import math
import operator

import keyword

import sympy

from .functions import Sigmoid, Softplus
from .limits import Budget

__all__ = ["parse_expression", "parse", "param_symbol", "check_param_names", "Z", "FUNCTIONS", "ALLOWED", "MAX_CHARS", "MAX_NODES", "MAX_DEPTH",
           "MAX_LITERAL", "MAX_EXPONENT", "MAX_CONSTANT"]

Z = sympy.Symbol("z", real=True)

# --------------------------------------------------------------------------------------
# The whitelist.

MAX_CHARS = 200
MAX_NODES = 60
MAX_DEPTH = 40  # only unary chains such as -(-(-z)) reach it before MAX_NODES
MAX_LITERAL = 1e6
MAX_EXPONENT = 10
MAX_CONSTANT = 1e100
MIN_CONSTANT = 1e-100
MAX_PARAMS = 3

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
    "sigmoid": (1, Sigmoid),
    "softplus": (1, Softplus),
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


def parse_expression(text: str, params=()) -> sympy.Expr:
    """The sympy expression for ``text``, a formula in ``z`` (and the declared ``params``);
    ``ValueError`` otherwise (``TypeError`` if ``text`` is not a string)."""
    return parse(text, Budget(), params)


def param_symbol(name: str) -> sympy.Symbol:
    """The sympy symbol of a declared parameter (real)."""
    return sympy.Symbol(name, real=True)


def check_param_names(params) -> tuple[str, ...]:
    """The parameter names as a tuple, or a ``ValueError``/``TypeError`` saying what a name may be."""
    if isinstance(params, str):
        params = (params,)
    names = tuple(params)
    if len(names) > MAX_PARAMS:
        raise ValueError(f"at most {MAX_PARAMS} parameters are allowed, got {len(names)}")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"a parameter name must be a string, got {type(name).__name__} {name!r}")
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise ValueError(f"{name!r} is not a usable parameter name; use letters, e.g. beta or alpha")
        if name in NAMES or name in FUNCTIONS:
            raise ValueError(f"{name!r} cannot be a parameter: it already means something in a formula")
    if len(set(names)) != len(names):
        raise ValueError(f"a parameter is declared twice: {', '.join(names)}")
    return names


def parse(text: str, budget: Budget, params=(), need_z: bool = True) -> sympy.Expr:
    if not isinstance(text, str):
        raise TypeError(f"the formula must be a string (a formula in z), got {type(text).__name__} {text!r}")
    names = {**NAMES, **{p: param_symbol(p) for p in check_param_names(params)}}
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
    expr = budget.run("building the expression", _build, tree.body, 1, names)
    if need_z and Z not in expr.free_symbols:
        raise ValueError(f"an activation must depend on z, but {text.strip()!r} is constant")
    return expr


def _build(node: ast.AST, depth: int, names: dict) -> sympy.Expr:
    """The sympy expression for one whitelisted AST node (recursively)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"the expression is nested too deeply; at most {MAX_DEPTH} levels are allowed")
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in FUNCTIONS:
            raise _reject(f"{node.id} is a function; call it, e.g. {node.id}(z)")
        raise _reject(f"unknown name {node.id!r} (the variable is z; a parameter must be declared, "
                      f"e.g. from_expression('z*sigmoid({node.id}*z)', {node.id}=1.0))")
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return _checked(UNARY[type(node.op)](_build(node.operand, depth + 1, names)))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _build(node.left, depth + 1, names), _build(node.right, depth + 1, names)
        if isinstance(node.op, ast.Pow):
            return _checked(_power(left, right))
        return _checked(BINARY[type(node.op)](left, right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        raise _reject("'^' is not a power in Python: use ** for powers, e.g. z**2")
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        raise _reject(f"the operator {type(node.op).__name__} is not allowed")
    if isinstance(node, ast.Call):
        return _call(node, depth, names)
    raise _reject(_REJECTED.get(type(node), f"{type(node).__name__} is not allowed"))


def _number(value) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "complex numbers" if isinstance(value, complex) else f"{type(value).__name__} literals ({value!r})"
        raise _reject(f"{kind} are not allowed; only real numbers")
    if not abs(value) <= MAX_LITERAL:  # also catches inf from 1e999
        raise _reject(f"the number {value!r} is too large; numbers must satisfy |x| <= {MAX_LITERAL:g}")
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)


def _call(node: ast.Call, depth: int, names: dict) -> sympy.Expr:
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
    return _checked(build(*(_build(arg, depth + 1, names) for arg in node.args)))


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    if exponent.free_symbols:
        if base.free_symbols or not _constant(base) > 0:
            raise _reject("an exponent that depends on z or a parameter needs a positive constant base "
                          "(e.g. 2**z or e**z); for z**z write exp(z*log(z)) if you mean it")
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
    if value != 0 and abs(value) < MIN_CONSTANT:
        raise _reject(f"the constant {sympy.sstr(expr)[:40]} is too small; a constant must be 0 or at least {MIN_CONSTANT:g} "
                      "in size")
    return float(value)

