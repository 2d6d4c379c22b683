"""Tests for actviz.symbolic: the safe formula parser and custom activations."""

from __future__ import annotations

import ast
import builtins
import math
import pathlib
import re
import signal
import sys
import threading
import time

import numpy as np
import pytest
import sympy
import sympy.parsing.sympy_parser

import actviz
from actviz import symbolic
from actviz.symbolic import Z, derive, from_expression, parse_expression

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
    ("exp(" * 20 + "z" + ")" * 20, "not real and finite"),
    # empty, constant, not an activation
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("5", "depend on z"),
    ("pi*e", "depend on z"),
    ("z - z", "depend on z"),
    ("log(z)", "not real and finite"),
    ("1/z", "not real and finite"),
    ("sqrt(z)", "not real and finite"),
    ("z**0.5", "not real and finite"),
    ("(z+1)**-2", "not real and finite"),
    ("exp(exp(exp(exp(z))))", "not real and finite"),
    ("e**(z*1000)", "not real and finite"),
    ("sqrt(abs(z))", "g'\\(z\\) is not real and finite"),  # g is fine, g'(0) is not
    # not a string at all
    (123, "string"),
    (None, "string"),
    (b"z", "string"),
    (["z"], "string"),
    (Z, "string"),
]


@pytest.mark.parametrize("text, word", HOSTILE, ids=[repr(t)[:40] for t, _ in HOSTILE])
def test_hostile_input_is_rejected_with_a_useful_message(text, word):
    with pytest.raises(ValueError) as info:
        from_expression(text)
    message = str(info.value)
    assert message.strip()
    assert re.search(f"(?i){word}", message), message


def test_there_are_many_hostile_cases():
    assert len(HOSTILE) >= 30


def test_every_rejection_is_quick():
    t0 = time.perf_counter()
    for text, _ in HOSTILE:
        with pytest.raises(ValueError):
            from_expression(text)
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("text", ["exp.__globals__", "z < 1", "f(z)", "exp(z, 2)", "z^2", "x", "1j*z", "[z]", "z;z"])
def test_grammar_rejections_say_what_is_allowed(text):
    with pytest.raises(ValueError, match="allowed: the variable z") as info:
        parse_expression(text)
    for name in ("exp", "sigmoid", "softplus", "erf", "max", "**"):
        assert name in str(info.value)


def test_limits_are_exact():
    ok_long = "z*1." + "0" * (symbolic.MAX_CHARS - 4)
    assert len(ok_long) == symbolic.MAX_CHARS
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


def test_module_does_not_use_eval_or_sympify():
    tree = ast.parse(pathlib.Path(symbolic.__file__).read_text(encoding="utf-8"))
    called = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
              for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not called & {"eval", "exec", "sympify", "parse_expr", "S", "compile", "__import__", "getattr"}


# --------------------------------------------------------------------------------------
# Accepted expressions.

GRID = np.linspace(-8.0, 8.0, 321)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_mish_matches_a_hand_written_reference():
    act = from_expression("z * tanh(log(1 + exp(z)))", name="mish")
    sp = np.log1p(np.exp(GRID))
    ref_g = GRID * np.tanh(sp)
    ref_dg = np.tanh(sp) + GRID * (1.0 - np.tanh(sp) ** 2) * _sigmoid(GRID)
    np.testing.assert_allclose(act.g(GRID), ref_g, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.dg(GRID), ref_dg, rtol=1e-10, atol=1e-13)
    h = 1e-5  # and g' agrees with central differences of g
    np.testing.assert_allclose(act.dg(GRID), (act.g(GRID + h) - act.g(GRID - h)) / (2 * h), rtol=1e-7, atol=1e-8)
    assert act.name == "mish" and act.label == "mish"
    assert r"\tanh" in act.latex_g and r"\log" in act.latex_g


def test_softplus_shorthand_is_mish_too():
    a, b = from_expression("z * tanh(softplus(z))"), from_expression("z * tanh(log(1 + exp(z)))")
    assert a.derivation.expr == b.derivation.expr
    np.testing.assert_array_equal(a.dg(GRID), b.dg(GRID))


def test_sigmoid_matches_the_registry():
    act, ref = from_expression("sigmoid(z)"), actviz.get("sigmoid")
    z = np.linspace(-20, 20, 401)
    np.testing.assert_allclose(act.g(z), ref.g(z), rtol=1e-13, atol=0)
    np.testing.assert_allclose(act.dg(z), ref.dg(z), rtol=1e-10, atol=0)
    assert "e^{- z}" in act.latex_g


def test_max_is_leaky_relu_away_from_zero():
    act, ref = from_expression("max(z, 0.1*z)"), actviz.get("leaky_relu", alpha=0.1)
    z = GRID[np.abs(GRID) > 1e-9]
    np.testing.assert_allclose(act.g(z), ref.g(z), rtol=1e-15)
    np.testing.assert_allclose(act.dg(z), ref.dg(z), rtol=1e-15)
    assert act.dg(0.0) == pytest.approx(0.55)  # Heaviside(0) = 1/2: the mean of the slopes
    assert r"\max" in act.latex_g


def test_swish():
    act = from_expression("z*sigmoid(z)")
    s = _sigmoid(GRID)
    np.testing.assert_allclose(act.g(GRID), GRID * s, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.dg(GRID), s + GRID * s * (1 - s), rtol=1e-10, atol=1e-13)


def test_gelu_and_erf_accuracy():
    act = from_expression("z * (1 + erf(z/sqrt(2)))/2")
    z = np.linspace(-6, 6, 1201)
    ref_g = np.array([x * (1 + math.erf(x / math.sqrt(2))) / 2 for x in z])
    ref_dg = np.array([(1 + math.erf(x / math.sqrt(2))) / 2 + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
                       for x in z])
    np.testing.assert_allclose(act.g(z), ref_g, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(act.dg(z), ref_dg, rtol=1e-12, atol=1e-15)
    assert r"\operatorname{erf}" in act.latex_g
    x = np.array([-30.0, -3.0, -1e-8, 0.0, 1e-8, 0.5, 3.0, np.inf, -np.inf])
    np.testing.assert_array_equal(symbolic._erf(x), [math.erf(v) for v in x])


def test_shapes_are_kept():
    act = from_expression("z*sigmoid(z)")
    out = act.g(1.0)
    assert isinstance(out, np.floating) and np.ndim(out) == 0
    assert np.ndim(act.dg(2)) == 0
    assert act.g([1.0, 2.0]).shape == (2,)
    assert act.dg(np.zeros((2, 3))).shape == (2, 3)
    assert act.g(np.zeros((0,))).shape == (0,)


def test_constant_derivative_is_broadcast():
    act = from_expression("2*z + 1")
    np.testing.assert_array_equal(act.dg(np.zeros((2, 3))), np.full((2, 3), 2.0))
    assert act.dg(5.0) == 2.0
    lin = from_expression("z")
    np.testing.assert_array_equal(lin.dg([[1.0], [2.0]]), [[1.0], [1.0]])


def test_nan_in_gives_nan_out():
    for text in ["z*sigmoid(z)", "2*z + 1", "max(z, 0.1*z)", "abs(z)"]:
        act = from_expression(text)
        assert np.isnan(act.g(np.nan)) and np.isnan(act.dg(np.nan)), text


def test_behaves_as_an_activation():
    act = from_expression("z*sigmoid(z)")
    assert isinstance(act, actviz.Activation)
    assert act.name == "custom" and act.params == {}
    assert act.dg_from_g(0.5) is None and not act.has_identity
    assert act(0.0) == 0.0
    assert act.with_params() is act
    with pytest.raises(ValueError, match="no parameters"):
        act.with_params(alpha=0.1)
    assert act.latex_g.startswith("g(z) = ") and act.latex_dg.startswith("g'(z) = ")
    assert len(act.latex_g) > len("g(z) = ") and len(act.latex_dg) > len("g'(z) = ")
    with pytest.raises(ValueError, match="name"):
        from_expression("z", name="")


def test_lazy_entry_point():
    act = actviz.from_expression("tanh(z)")
    np.testing.assert_allclose(act.dg(GRID), actviz.get("tanh").dg(GRID), rtol=1e-10, atol=1e-16)


def test_derivation_holds_the_sympy_steps():
    d = derive("z*sigmoid(z)")
    assert d.expr == Z / (1 + sympy.exp(-Z))
    assert sympy.simplify(d.derivative - sympy.diff(d.expr, Z)) == 0
    f, g = (sympy.lambdify(Z, e, "numpy") for e in (d.derivative, d.simplified))
    np.testing.assert_allclose(f(GRID), g(GRID), rtol=1e-12)
    assert from_expression("z*sigmoid(z)").derivation.latex_dg == d.latex_dg


def test_simplify_is_not_trusted_when_it_changes_values():
    # simplify rewrites sign(z)/(2 sqrt|z|) into something NaN for z < 0; it must be refused,
    # and the derivative's real problem (infinite at 0) reported.
    d = derive("sqrt(abs(z))")
    assert d.simplified == d.derivative
    with pytest.raises(ValueError, match=r"g'\(z\) is not real and finite .* z = 0"):
        from_expression("sqrt(abs(z))")


def test_all_whitelisted_functions_work():
    for name, (arity, _) in symbolic.FUNCTIONS.items():
        text = f"{name}(z)" if arity == 1 else f"{name}(z, z/2)"
        if name in ("log", "sqrt"):
            text = f"{name}(z**2 + 1)"
        act = from_expression(text)
        assert np.all(np.isfinite(act.dg(GRID))), name


# --------------------------------------------------------------------------------------
# Time limits.


def test_slow_simplify_keeps_the_raw_derivative(monkeypatch):
    monkeypatch.setattr(symbolic, "SIMPLIFY_SECONDS", 1e-6)
    d = from_expression("z*sigmoid(z)").derivation
    assert d.simplified == d.derivative


def test_slow_latex_falls_back_to_text(monkeypatch):
    monkeypatch.setattr(symbolic, "LATEX_SECONDS", 1e-6)
    act = from_expression("z*sigmoid(z)")
    assert act.latex_g.startswith(r"g(z) = \text{") and "exp(-z)" in act.latex_g


def test_running_out_of_time_is_a_value_error(monkeypatch):
    monkeypatch.setattr(symbolic, "SYMBOLIC_SECONDS", 1e-6)
    with pytest.raises(ValueError, match="too complicated"):
        for _ in range(100):  # a 1 us limit will be hit somewhere in the first few tries
            from_expression("z * tanh(softplus(z)) + erf(z) * sigmoid(z)")


def test_timer_and_handler_are_restored():
    before = signal.getsignal(signal.SIGALRM)
    from_expression("z * tanh(softplus(z))")
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_pathological_latex_is_bounded():
    # sympy.latex alone takes ~15 s on this derivative; the limit makes it a text fallback.
    t0 = time.perf_counter()
    act = from_expression("erf(cos(atan(max(cos((z/7)), erf(sinh(10))))))")
    assert time.perf_counter() - t0 < symbolic.SYMBOLIC_SECONDS + 1
    assert act.latex_dg.startswith("g'(z) = ")


def test_works_outside_the_main_thread():
    result = {}
    thread = threading.Thread(target=lambda: result.update(act=from_expression("z*sigmoid(z)")))
    thread.start()
    thread.join()
    assert result["act"].g(0.0) == 0.0
