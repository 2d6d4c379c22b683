"""actviz.symbolic.parser: the safe formula parser against hostile and malformed input."""

from __future__ import annotations

import ast
import builtins
import math
import pathlib
import re
import sys

import pytest
import sympy
import sympy.parsing.sympy_parser

from actviz.symbolic import custom, parser
from actviz.symbolic.custom import from_expression
from actviz.symbolic.parser import Z, parse_expression

# --------------------------------------------------------------------------------------
# Hostile and malformed input: (text, a word the message must contain, case-insensitive).

HOSTILE = [
    # code execution / introspection
    ("__import__('os').system('ls')", "function"),
    ("__import__('os')", "unknown function"),
    ("().__class__.__bases__", "attribute"),
    ("z.__class__.__mro__[-1].__subclasses__()", "function"),
    ("z.real", "attribute"),
    ("exp.__globals__", "attribute"),
    ("lambda: 1", "lambda"),
    ("open('x')", "unknown function"),
    ("exec('1')", "unknown function"),
    ("eval('z')", "unknown function"),
    ("getattr(z,'x')", "unknown function"),
    ("import os", "not a valid expression"),
    ("z; z", "not a valid expression"),
    ("(z := 1)", ":="),
    ("(yield z)", "not allowed"),
    ("await z", "not allowed"),
    ("sigmoid(z)(1)", "function"),
    ("f'{z}'", "string"),
    ("z\x00", "not a valid expression"),
    # containers, indexing, control flow
    ("[z]", "list"),
    ("(z, z)", "tuple"),
    ("{z}", "set"),
    ("{z: 1}", "dict"),
    ("z[0]", "index"),
    ("[i for i in z]", "comprehension"),
    ("(i for i in z)", "comprehension"),
    ("z if z else 1", "if"),
    ("z and 1", "and"),
    ("z < 1", "comparison"),
    ("*z", "not a valid expression"),
    # literals
    ("'z'", "str"),
    ("b'z'", "bytes"),
    ("1j*z", "complex"),
    ("None", "none"),
    ("True", "bool"),
    ("...", "ellipsis"),
    ("1e999*z", "too large"),
    ("2000000*z", "too large"),
    # names, calls
    ("x", "unknown name"),
    ("exp", "is a function"),
    ("f(z)", "unknown function"),
    ("exp(z, 2)", "argument"),
    ("max(z)", "arguments"),
    ("exp()", "argument"),
    ("exp(x=z)", "keyword"),
    ("exp(*[z])", "starred|\\*args"),
    # operators
    ("z^2", r"use \*\* for powers"),
    ("z % 2", "operator"),
    ("z // 2", "operator"),
    ("z @ z", "operator"),
    ("~z", "operator"),
    ("not z", "operator"),
    ("z << 1", "operator"),
    # size of numbers and powers
    ("9**9**9**9", "exponent"),
    ("z**100000", "exponent"),
    ("(z+1)**1000000", "exponent"),
    ("z**-11", "exponent"),
    ("10**400", "exponent"),
    ("(1e6**10)**10*z", "too large"),
    ("exp(1000)*z", "too large"),
    ("exp(exp(230))*z", "too large"),
    ("z**z", "positive constant base"),
    ("(-2)**z", "positive constant base"),
    # undefined constants
    ("sqrt(-1)*z", "real"),
    ("(-8)**(1/3)*z", "real"),
    ("z/0", "zero"),
    ("0**-1*z", "zero"),
    ("log(0)*z", "zero|undefined|real"),
    # length, size, depth
    ("z+" * 5000 + "z", "too long"),
    ("(" * 200 + "z" + ")" * 200, "too long"),
    ("-" * 150 + "z", "too complex"),
    ("z" + "+z" * 30, "too complex"),
    ("-(" * 42 + "z" + ")" * 42, "nested too deeply"),
    ("sigmoid(" * 25 + "z" + ")" * 25, "too long"),
    ("exp(" * 20 + "z" + ")" * 20, "largest number a float can hold"),
    # empty, constant, not an activation
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("5", "depend on z"),
    ("pi*e", "depend on z"),
    ("z - z", "depend on z"),
    ("log(z)", "g\\(z\\) is not defined at z = 0: z is not positive there"),
    ("1/z", "not defined at z = 0: z is 0 there \\(a division by zero\\)"),
    ("sqrt(z)", "not defined at z = -[0-9.]+: z is negative there"),
    ("z**0.5", "not defined at z = -[0-9.]+: z is negative there"),
    ("(z+1)**-2", "not defined at z = -1: z \\+ 1 is 0 there"),
    ("1/(z - 0.123456)", "not defined at z = 0.123456"),  # between any two grid points
    ("exp(exp(exp(exp(z))))", "largest number a float can hold"),
    ("e**(z*1000)", "largest number a float can hold"),
    ("sqrt(abs(z))", "g'\\(z\\) is not defined at z = 0"),  # g is fine, g'(0) is not
    # not a string at all: a TypeError
    (123, "string"),
    (None, "string"),
    (b"z", "string"),
    (["z"], "string"),
    (Z, "string"),
]

NOT_TEXT = 5  # the last five are not strings


@pytest.mark.parametrize("text, word", HOSTILE, ids=[repr(t)[:40] for t, _ in HOSTILE])
def test_hostile_input_is_rejected_with_a_useful_message(text, word):
    with pytest.raises(TypeError if not isinstance(text, str) else ValueError) as info:
        from_expression(text)
    message = str(info.value)
    assert message.strip() and "Traceback" not in message and "int_max_str_digits" not in message
    assert re.search(f"(?i){word}", message), message


@pytest.mark.parametrize("text", ["exp.__globals__", "z < 1", "f(z)", "exp(z, 2)", "z^2", "x", "1j*z", "[z]", "z;z"])
def test_grammar_rejections_say_what_is_allowed(text):
    with pytest.raises(ValueError, match="allowed: the variable z") as info:
        parse_expression(text)
    for name in ("exp", "sigmoid", "softplus", "erf", "max", "**"):
        assert name in str(info.value)


def test_limits_are_exact():
    ok_long = "z*1." + "0" * (parser.MAX_CHARS - 4)
    assert len(ok_long) == parser.MAX_CHARS
    parse_expression(ok_long)
    with pytest.raises(ValueError, match="too long"):
        parse_expression(ok_long + "0")
    parse_expression("z" + "+z" * 29)  # 59 nodes
    with pytest.raises(ValueError, match="too complex"):
        parse_expression("z" + "+z" * 30)  # 61 nodes
    from_expression("(z**2 + 1)**-10")
    from_expression("(z**2 + 1)**10")
    with pytest.raises(ValueError, match="exponent"):
        parse_expression("(z**2 + 1)**11")
    parse_expression("1000000*z")
    with pytest.raises(ValueError, match="too large"):
        parse_expression("1000001*z")


def test_exponents_depending_on_z_need_a_positive_constant_base():
    assert parse_expression("2**z") == 2**Z
    assert parse_expression("e**z") == sympy.exp(Z)
    act = from_expression("2**z")
    assert act.dg(1.0) == pytest.approx(2 * math.log(2), rel=1e-14)


def test_parser_never_evaluates_text(monkeypatch):
    """parse_expression builds the tree itself: no eval/exec, no sympify of strings."""

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec/parse_expr must not be called")

    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "compile may only be asked for an AST"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    sympify_module = sys.modules["sympy.core.sympify"]  # (sympy.core.sympify is the function)
    real_sympify = sympify_module.sympify

    def no_strings(a, *args, **kwargs):
        assert not isinstance(a, str), f"sympify called on the string {a!r}"
        return real_sympify(a, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    monkeypatch.setattr(sympy, "sympify", forbidden)
    monkeypatch.setattr(sympify_module, "sympify", no_strings)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", forbidden)
    for text in ["z * tanh(log(1 + exp(z)))", "max(z, 0.1*z)", "z*sigmoid(z)", "z * (1 + erf(z/sqrt(2)))/2",
                 "2**z - pi*e + abs(z)/3", "-z**2 + atan(z) + arctan(z) + sinh(z)*cosh(z) + sin(z)*cos(z)"]:
        assert Z in parse_expression(text).free_symbols
    with pytest.raises(ValueError):
        parse_expression("__import__('os').system('echo hacked')")


@pytest.mark.parametrize("module", [parser, custom])
def test_module_does_not_use_eval_or_sympify(module):
    tree = ast.parse(pathlib.Path(module.__file__).read_text(encoding="utf-8"))
    called = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
              for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not called & {"eval", "exec", "sympify", "parse_expr", "S", "compile", "__import__", "getattr"}
