"""Typed formulas are right wherever they are accepted, and refused in plain words where they cannot be.

The classes of problem: constants that float64 cannot evaluate, steep functions that overflow or
underflow inside the range, cancellation, poles between grid points, valid functions refused,
overflow beyond float64, messages a student cannot act on. References are mpmath at 40+ digits.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy

import actviz
from actviz.symbolic.functions import MPMATH
from actviz.symbolic.numeric import TINY, Z_RANGE, mp_function
from actviz.symbolic.parser import Z

RANGE = np.linspace(-Z_RANGE, Z_RANGE, 2003)  # not the check grid: every point lies between grid points


def _reference(act, z, which="g"):
    expr = act.source.expr if which == "g" else act.derivation.derivative
    f = mp_function(act.source.at_values(expr), [Z])
    out = []
    for v in z:
        with mpmath.workdps(60):
            r = f(mpmath.mpf(float(v)))
            if isinstance(r, mpmath.mpc):
                r = r.real
            f_ = float(r)
            out.append(math.copysign(TINY, float(mpmath.sign(r))) if f_ == 0 and r != 0 else f_)
    return np.array(out)


def _assert_accurate(act, z, rtol=1e-9):
    for which, fn in (("g", act.g), ("dg", act.dg)):
        got, want = fn(z), _reference(act, z, which)
        normal = np.abs(want) >= 2.3e-308
        np.testing.assert_allclose(got[normal], want[normal], rtol=rtol, atol=0, err_msg=f"{which} of {act.doc}")
        tiny = ~normal
        assert np.all((got[tiny] != 0) == (want[tiny] != 0)), f"{which}: a tiny value was rounded to 0 (or made up)"


def test_constants_are_evaluated_exactly():
    act = actviz.from_expression("z*sin(exp(230))")
    with mpmath.workdps(400):
        slope = float(mpmath.sin(mpmath.exp(230)))
    assert float(act.dg(0.3)) == pytest.approx(slope, rel=1e-14)
    assert float(act.dg(0.3)) != pytest.approx(math.sin(math.exp(230)), rel=1e-3)  # what float64 would say


@pytest.mark.parametrize("text", [
    "softplus(50*z)", "sigmoid(50*z)", "log(1 + exp(100*z))/100", "exp(z)/(1 + exp(z))", "z*tanh(log(1+exp(100*z)))",
    "softplus(z**4)", "exp(z**2)", "z*sigmoid(20*z)", "tanh(30*z)", "z * (1 + erf(z/sqrt(2)))/2", "exp(-z**2) + z",
    "(exp(z) - 1)/(exp(z) + 1)", "log(cosh(z))", "sqrt(z**2 + 1e-6)",
])
def test_steep_and_cancelling_formulas_are_accurate_on_the_whole_range(text):
    act = actviz.from_expression(text)
    _assert_accurate(act, RANGE)


def test_a_slope_below_float64s_range_is_not_mistaken_for_dead():
    act = actviz.from_expression("sigmoid(50*z)")
    z = np.linspace(-20, -15, 11)
    assert np.all(act.dg(z) > 0)  # e^-1000 and the like: not representable, but not 0
    assert actviz.dead_regions(act, np.linspace(-20, 20, 801)) == []
    relu = actviz.from_expression("max(z, 0)")
    assert relu.dg(-3.0) == 0.0 and actviz.dead_regions(relu, np.linspace(-4, 4, 81))  # a true zero stays 0


@pytest.mark.parametrize("text, where", [
    ("1/(z - 0.123456)", "0.123456"),
    ("1/(z**2 - 0.246912*z + 0.015241383936)", "0.123456"),  # a double root: no sign change
    ("1/(sin(z) - 0.5)", "z = "),
    ("log(z - 0.01)", "0.01"),
    ("sqrt(z + 0.001)", "z = "),
    ("z/(z - 7.654321)", "7.65432"),
    ("1/(exp(z) - 2)", "0.693147"),
])
def test_poles_between_grid_points_are_found(text, where):
    with pytest.raises(ValueError, match="is not defined at") as info:
        actviz.from_expression(text)
    assert where in str(info.value)
    assert "An activation must be real and finite for every z in [-20, 20]" in str(info.value)


@pytest.mark.parametrize("text", ["softplus(z**4)", "exp(z**2)", "1/(1 + z**2)", "sqrt(z**2 + 1)", "log(1 + z**2)",
                                  "z/(1 + abs(z))", "z**3", "exp(z)", "atan(50*z)", "cosh(z)"])
def test_valid_functions_are_accepted(text):
    act = actviz.from_expression(text)
    y = act.g(RANGE)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(act.dg(RANGE)))


@pytest.mark.parametrize("text, words", [
    ("exp(exp(z))", "beyond the largest number a float can hold"),
    ("exp(z**3)", "beyond the largest number a float can hold"),
    ("log(z)", "is not positive there"),
    ("1/z", "(a division by zero)"),
    ("sqrt(abs(z))", "g'(z) is not defined at z = 0"),
    ("10**z**2", "beyond the largest number"),
])
def test_refusals_say_what_and_where_in_plain_words(text, words):
    with pytest.raises(ValueError) as info:
        actviz.from_expression(text)
    msg = str(info.value)
    assert words in msg
    for jargon in ("Traceback", "int_max_str_digits", "sympy", "ComplexInfinity", "zoo", "nan"):
        assert jargon not in msg, msg


def test_parameters_get_a_range_and_are_checked_across_it():
    act = actviz.from_expression("z*sigmoid(beta*z)", beta=1.0)
    (p,) = act.param_specs
    assert (p.name, p.default, p.low, p.high) == ("beta", 1.0, -1.0, 3.0)
    assert act.params == {"beta": 1.0} and act.label == "g(z) = z*sigmoid(beta*z) (beta=1)"
    other = act.with_params(beta=2.5)
    z = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(other.g(z), z / (1 + np.exp(-2.5 * z)), rtol=1e-13)
    np.testing.assert_allclose(other.dg(z), actviz.get("silu", beta=2.5).dg(z), rtol=1e-12)
    with pytest.raises(ValueError, match=r"beta.*must be a finite number in \[-1, 3\]"):
        act.with_params(beta=9)
    chosen = actviz.from_expression("z*sigmoid(beta*z)", beta=(1.0, 0.5, 4.0))
    assert (chosen.param_specs[0].low, chosen.param_specs[0].high) == (0.5, 4.0)
    with pytest.raises(ValueError, match=r"at z = 3 with a = 3"):  # a pole for every value of the slider
        actviz.from_expression("1/(z - a) + z", a=(3.0, 0.5, 5.0))
    with pytest.raises(ValueError, match=r"at z = 19 with a = 19"):  # a pole only at the slider's low end
        actviz.from_expression("1/(z - a) + z", a=(30.0, 19.0, 31.0))
    assert actviz.from_expression("1/(z - a) + z", a=(30.0, 21.0, 31.0)).params == {"a": 30.0}


def test_a_parameter_needs_to_be_declared_and_named_sensibly():
    with pytest.raises(ValueError, match="unknown name 'beta'"):
        actviz.from_expression("z*sigmoid(beta*z)")
    with pytest.raises(ValueError, match="cannot be a parameter"):
        actviz.from_expression("z*exp", exp=1.0)
    with pytest.raises(TypeError, match="parameter 'beta' must be a finite number"):
        actviz.from_expression("z*sigmoid(beta*z)", beta="1")


def test_the_symbolic_reference_agrees_with_the_numbers_it_is_compared_to():
    """The test's own reference must see what sympy sees (guards against a broken reference)."""
    act = actviz.from_expression("z*sigmoid(z)")
    ref = _reference(act, np.array([1.0]), "dg")[0]
    s = 1 / (1 + math.exp(-1.0))
    assert ref == pytest.approx(s * (1 + (1 - s)), rel=1e-15)
    assert sympy.Symbol("z", real=True) == Z and "Sigmoid" in MPMATH
