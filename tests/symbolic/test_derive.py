"""actviz.derive: every rule, every step equal to g', identities found where they hold and never claimed
where they do not, for every registered activation and for typed formulas."""

import math

import mpmath
import numpy as np
import pytest
import sympy

import actviz
from actviz.maths.registry import spec
from actviz.symbolic.derive import G, derive
from actviz.symbolic.parser import Z

POINTS = [-7.3, -2.2, -0.9, -0.35, 0.0, 0.4, 1.1, 2.6, 6.4]


def _values_in_z(expr, source, points):
    """expr (in z, with the derivation's parameters and constants) at ``points``, by mpmath."""
    f = sympy.lambdify(Z, source.at_values(expr.doit()), modules=[{"Sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
                                                                    "Softplus": lambda x: mpmath.log1p(mpmath.exp(x))},
                                                                   "mpmath"])
    with mpmath.workdps(30):
        return np.array([float(f(mpmath.mpf(p))) for p in points])


def test_every_step_of_every_registered_activation_equals_g_prime(each_activation):
    act = each_activation
    d = derive(act)
    want = act.dg(np.array(POINTS))
    assert d.rules[0] == "set up" and len(d.steps) >= 2
    for step in d.steps:
        got = _values_in_z(step.expr, d.source, POINTS)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=f"{act.label}: step {step.rule!r}")
        assert step.latex.startswith("g'(z) = ") and step.note
    np.testing.assert_allclose(_values_in_z(d.dg, d.source, POINTS), want, rtol=1e-12, atol=1e-15)


def test_intermediate_steps_keep_the_inner_derivative_unevaluated():
    d = derive("sigmoid")
    assert d.rules == ["set up", "chain rule", "sum rule", "chain rule", "constant factor", "simplify", "in terms of g"] \
        or d.rules == ["set up", "chain rule", "sum rule", "chain rule", "constant factor", "in terms of g"]
    chain = d.steps[1]
    assert chain.expr.has(sympy.Derivative) and "outer" in chain.note  # f'(u) * d/dz u, u still to do
    assert not d.steps[-1].expr.has(sympy.Derivative)


@pytest.mark.parametrize("text, rule", [
    ("z + z**2", "sum rule"), ("3*z**2", "constant factor"), ("z*exp(z)", "product rule"),
    ("z/(1 + z**2)", "quotient rule"), ("z**3", "power rule"), ("exp(2*z)", "chain rule"),
    ("tanh(z)", "known derivative"), ("max(z, 0.3*z)", "piecewise"), ("abs(z)", "piecewise"),
    ("sin(z**2)", "chain rule"), ("2**z", "chain rule"), ("min(z, 0)", "piecewise"),
])
def test_each_rule(text, rule):
    d = derive(text)
    assert rule in d.rules, d.rules
    z = np.array([-1.7, -0.4, 0.3, 2.2])
    act = actviz.from_expression(text)
    for step in d.steps:
        np.testing.assert_allclose(_values_in_z(step.expr, d.source, z), act.dg(z), rtol=1e-12, atol=1e-15)


def test_simplify_is_a_step_when_it_shortens():
    d = derive("tanh")
    assert "simplify" in d.rules
    assert sympy.simplify(d.steps[d.rules.index("simplify")].expr - 4 / (sympy.exp(Z) + sympy.exp(-Z)) ** 2) == 0


@pytest.mark.parametrize("name", actviz.names())
def test_identities_are_found_exactly_where_the_registry_has_one(name):
    act = actviz.get(name)
    d = derive(act)
    assert (d.dg_from_g is not None) == spec(name).facts["identity"], name
    if d.dg_from_g is None:
        assert d.dg_in_terms_of_g is None and d.latex_dg_from_g is None and "in terms of g" not in d.rules
        return
    z = np.linspace(-12, 12, 481)
    g = act.g(z)
    np.testing.assert_allclose(d.dg_from_g(g, **act.params), act.dg_from_g(g), rtol=1e-12, atol=1e-15)
    assert d.rules[-1] == "in terms of g" and d.dg_in_terms_of_g.free_symbols <= {G, *d.source.symbols}


def test_the_readable_forms_use_the_named_functions():
    from actviz.symbolic.functions import Sigmoid

    s = Sigmoid(Z)
    assert sympy.simplify(derive("sigmoid").dg - s * (1 - s)) == 0 and derive("sigmoid").dg.has(Sigmoid)
    assert derive("tanh").dg == 1 - sympy.tanh(Z) ** 2
    assert derive("sigmoid").dg_in_terms_of_g == G * (1 - G)
    assert derive("tanh").dg_in_terms_of_g == 1 - G**2
    assert sympy.simplify(derive("softplus").dg_in_terms_of_g - (1 - sympy.exp(-G))) == 0


@pytest.mark.parametrize("text, identity", [
    ("2*sigmoid(z) - 1", (1 - G**2) / 2),  # a scaled, shifted sigmoid: tanh(z/2)
    ("3*sigmoid(z)", G * (1 - G / 3)),
    ("sigmoid(z - 1)", G * (1 - G)),
    ("atan(z)", sympy.cos(G) ** 2),
    ("log(1 + exp(2*z))/2", 1 - sympy.exp(-2 * G)),
    ("max(z, 0.25*z)", sympy.Piecewise((1, G > 0), (0.25, True))),
])
def test_identities_of_typed_formulas(text, identity):
    d = derive(text)
    assert d.dg_in_terms_of_g is not None, d
    g = sympy.Symbol("g", real=True)
    gz = np.array([0.1, 0.35, 0.5, 0.8]) if "atan" not in text else np.array([-1.2, -0.3, 0.4, 1.3])
    if "max" in text:
        gz = np.array([-2.0, -0.1, 0.5, 3.0])
    want = sympy.lambdify(g, identity, "numpy")(gz)
    np.testing.assert_allclose(d.dg_from_g(gz), want, rtol=1e-12)


@pytest.mark.parametrize("text", ["gelu", "silu", "mish", "z*sigmoid(z)", "z*tanh(softplus(z))",
                                  "z * (1 + erf(z/sqrt(2)))/2", "abs(z)", "z**2 + z", "sin(z) + z/2", "z*exp(-z**2)"])
def test_no_identity_is_claimed_where_none_holds(text):
    """g takes some value twice with different slopes (not one-to-one), so g' is not a function of g."""
    d = derive(text)
    assert d.dg_from_g is None and d.dg_in_terms_of_g is None
    assert "cannot be written in terms of" in d._repr_markdown_() and "none" in str(d)


def test_an_identity_is_never_wrong_anywhere():
    """Every identity found for these monotone formulas holds far beyond the points it was checked at."""
    for text in ["2*sigmoid(z) - 1", "atan(z)", "log(1+exp(2*z))/2", "sigmoid(3*z)", "max(z, 0.1*z)", "z + sigmoid(z)",
                 "z**3 + z", "exp(z)", "softplus(z) - log(2)"]:
        act = actviz.from_expression(text)
        if not act.has_identity:
            continue
        z = np.linspace(-9.9, 9.9, 2001)
        np.testing.assert_allclose(act.dg_from_g(act.g(z)), act.dg(z), rtol=1e-7, atol=1e-12, err_msg=text)


def test_parameters_stay_symbols_in_the_steps():
    d = derive("leaky_relu", alpha=0.2)
    alpha = sympy.Symbol("alpha", real=True)
    assert d.steps[-1].expr.has(alpha) and d.source.values[alpha] == sympy.Rational(0.2)
    typed = derive("z*sigmoid(beta*z)", beta=1.5)
    assert typed.g.has(sympy.Symbol("beta", real=True))
    assert "chain rule" in typed.rules and "product rule" in typed.rules


def test_the_text_shows_every_step_and_the_result():
    text = str(derive("sigmoid"))
    assert text.splitlines()[0] == "Derivation of sigmoid: g(z) = 1/(1 + exp(-z))"
    assert "  2. chain rule       g'(z) = -d/dz(1 + exp(-z))/(1 + exp(-z))**2" in text
    assert "in terms of g: g' = g*(1 - g)" in text
    md = derive("relu")._repr_markdown_()
    assert "$$" in md and "**Piecewise.**" in md and "left-hand slope" in md


def test_bad_input_in_words():
    with pytest.raises(TypeError, match="derive takes an activation name"):
        derive(3.0)
    with pytest.raises(ValueError, match="unknown name 'beta'"):
        derive("z*sigmoid(beta*z)")
    with pytest.raises(ValueError, match="no formula to derive"):
        derive(actviz.from_functions(np.tanh, lambda z: 1 - np.tanh(z) ** 2))
    assert math.isfinite(actviz.get("tanh").dg(0.0))
