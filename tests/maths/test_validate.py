"""The one validation helper: TypeError for a wrong type, ValueError for a wrong value, in words."""

import math

import numpy as np
import pytest

from actviz.maths import validate


def test_real():
    assert validate.real(3, "x") == 3.0 and isinstance(validate.real(np.float32(0.5), "x"), float)
    with pytest.raises(TypeError, match=r"x must be a finite number in \[0, 1\], got str '0.5'"):
        validate.real("0.5", "x", low=0, high=1)
    with pytest.raises(TypeError, match="got bool True"):
        validate.real(True, "x")
    with pytest.raises(ValueError, match=r"x must be a finite number in \[0, 1\], got 1.5"):
        validate.real(1.5, "x", low=0, high=1)
    with pytest.raises(ValueError, match="x must be a finite number > 0"):
        validate.real(0.0, "x", positive=True)
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="finite"):
            validate.real(bad, "x")


def test_integer():
    assert validate.integer(np.int64(3), "n", low=1) == 3
    with pytest.raises(TypeError, match="n must be an integer >= 1, got float 2.0"):
        validate.integer(2.0, "n", low=1)
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, 5\], got 9"):
        validate.integer(9, "n", low=1, high=5)


def test_choice_boolean_function():
    assert validate.choice("he", "init", ["xavier", "he"]) == "he"
    with pytest.raises(ValueError, match="init must be one of 'xavier', 'he', got 'glorot'"):
        validate.choice("glorot", "init", ["xavier", "he"])
    with pytest.raises(TypeError, match="init must be one of"):
        validate.choice(1, "init", ["xavier", "he"])
    assert validate.boolean(np.bool_(True), "flag") is True
    with pytest.raises(TypeError, match="flag must be True or False"):
        validate.boolean(1, "flag")
    with pytest.raises(TypeError, match="callback must be a function or None"):
        validate.function(3, "callback", optional=True)


def test_z_range():
    assert validate.z_range((-1, 2)) == (-1.0, 2.0)
    assert validate.z_range(np.array([-1.0, 2.0])) == (-1.0, 2.0)
    with pytest.raises(ValueError, match=r"low < high, got \(2, -1\)"):
        validate.z_range((2, -1))
    with pytest.raises(ValueError, match="got 3 values"):
        validate.z_range((1, 2, 3))
    with pytest.raises(TypeError, match="a pair"):
        validate.z_range("ab")
    with pytest.raises(TypeError, match="a pair"):
        validate.z_range(("a", 1))
    with pytest.raises(ValueError, match="finite"):
        validate.z_range((0, math.inf))


def test_arrays():
    assert validate.real_array([1, 2]).dtype == np.float64
    with pytest.raises(TypeError, match="complex"):
        validate.real_array([1j])
    X = validate.points([[0.0, 1.0]])
    assert X.shape == (1, 2)
    with pytest.raises(ValueError, match="shape"):
        validate.points([0.0, 1.0])
    with pytest.raises(ValueError, match="NaN or infinity"):
        validate.points([[0.0, math.nan]])
    with pytest.raises(ValueError, match="only the labels 0 and 1"):
        validate.labels([0, 2], 2)
