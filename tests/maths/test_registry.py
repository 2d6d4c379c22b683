"""actviz.maths.registry: lookup, parameters, as_activation, from_functions."""

import numpy as np
import pytest

import actviz
from actviz.maths.registry import as_activation, define, from_functions

NAMES = actviz.names()


def test_as_activation_accepts_names_and_instances():
    leaky = actviz.get("leaky_relu", alpha=0.2)
    assert as_activation(leaky) is leaky
    assert as_activation(leaky, alpha=0.4).params == {"alpha": 0.4}
    assert as_activation("leaky_relu", alpha=0.3).params == {"alpha": 0.3}
    with pytest.raises(ValueError, match="known activations: " + ", ".join(NAMES)):
        as_activation("swishy")
    with pytest.raises(TypeError, match="expected an activation name"):
        as_activation(3.0)


def test_a_name_is_defined_once():
    with pytest.raises(ValueError, match="already defined"):
        define("sigmoid", g=np.tanh, dg=np.tanh, latex_g="x = y", latex_dg="x = y")


def test_from_functions_builds_an_activation_from_numpy_functions():
    wrong = from_functions(np.tanh, lambda z: 1 - z**2, name="tanh with a wrong g'")
    assert wrong.label == "tanh with a wrong g'" and not wrong.has_identity
    assert wrong.g(0.5) == np.tanh(0.5) and wrong.dg(2.0) == -3.0
    assert wrong.with_params() is wrong
    with pytest.raises(TypeError, match="dg must be a function"):
        from_functions(np.tanh, 3)


def test_activation_key_tells_formulas_and_parameters_apart():
    assert actviz.get("leaky_relu", alpha=0.1).key != actviz.get("leaky_relu", alpha=0.2).key
    assert actviz.get("leaky_relu", alpha=0.1).key == actviz.get("leaky_relu", alpha=0.1).key
    same_name = [from_functions(np.tanh, lambda z: 1 - np.tanh(z) ** 2), from_functions(np.sin, np.cos)]
    assert same_name[0].key != same_name[1].key
    assert actviz.max_slope(same_name[0]).value == pytest.approx(1.0) and actviz.max_slope(same_name[1]).value == 1.0
