"""actviz.maths.analysis: tangents, the largest slope, where the gradient vanishes, the
derivative-check table."""

import math
import re

import numpy as np
import pytest

import actviz
from actviz.maths.analysis import (
    FLAT_SHARE,
    dead_regions,
    derivative_check,
    max_slope,
    flat_regions,
    tangent_at,
)
from actviz.maths.registry import spec

NAMES = actviz.names()
Z0S = [-3.7, -1.0, -0.2, 0.0, 0.4, 1.0, 2.5, 6.0]


def bisect(f, lo, hi, tol=1e-12):
    """A root of f in [lo, hi] (f changes sign there), by plain bisection."""
    flo = f(lo)
    assert flo * f(hi) < 0, "no sign change: bad bracket"
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if (f(mid) < 0) == (flo < 0):
            lo, flo = mid, f(mid)
        else:
            hi = mid
    return 0.5 * (lo + hi)


# Independent derivative formulas (plain math, not the package's).
def sigmoid_prime(z):
    s = 1.0 / (1.0 + math.exp(-z))
    return s * (1.0 - s)


def tanh_prime(z):
    return 1.0 / math.cosh(z) ** 2


# ---------------------------------------------------------------- tangents


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("z0", Z0S)
def test_tangent_slope_and_value_come_from_g_and_dg(name, z0):
    act = actviz.get(name)
    t = tangent_at(act, z0)
    assert t.z0 == z0
    assert t.slope == float(act.dg(z0))
    assert t.value == float(act.g(z0))
    # the line passes through (z0, g(z0)) and has the stated slope
    assert t(z0) == pytest.approx(t.value, abs=1e-12)
    assert t(z0 + 2.0) - t(z0) == pytest.approx(2.0 * t.slope, abs=1e-12)
    np.testing.assert_allclose(t(np.array([z0 - 1, z0, z0 + 1])), t.value + t.slope * np.array([-1.0, 0.0, 1.0]), atol=1e-12)


@pytest.mark.parametrize("name, prime", [("sigmoid", sigmoid_prime), ("tanh", tanh_prime)])
@pytest.mark.parametrize("z0", [-2.0, 0.3, 1.5])
def test_tangent_touches_smooth_curves_to_second_order(name, prime, z0):
    act = actviz.get(name)
    t = tangent_at(act, z0)
    assert t.slope == pytest.approx(prime(z0), rel=1e-12)
    for h in (1e-2, 1e-3):
        gap = abs(float(act.g(z0 + h)) - float(t(z0 + h)))
        assert gap < 1.0 * h * h  # |g''| <= 0.77 for both, so the gap is <= h^2 / 2 * 0.77


def test_tangent_at_a_kink_uses_the_registry_convention():
    assert tangent_at(actviz.get("relu"), 0.0).slope == 0.0
    assert tangent_at(actviz.get("leaky_relu", alpha=0.2), 0.0).slope == 0.2
    t = tangent_at(actviz.get("leaky_relu", alpha=0.2), -2.0)
    assert (t.value, t.slope, t.intercept) == pytest.approx((-0.4, 0.2, 0.0))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan")])
def test_tangent_at_non_finite_z0_raises(bad):
    with pytest.raises(ValueError, match="finite"):
        tangent_at(actviz.get("sigmoid"), bad)


# ---------------------------------------------------------------- max |g'|


@pytest.mark.parametrize("name", NAMES)
def test_max_slope_matches_the_facts_in_the_definition(name):
    m = max_slope(name)
    facts = spec(name).facts
    assert m.value == pytest.approx(facts["max_slope"], rel=1e-12)
    assert m.where == facts["max_slope_at"]
    assert (m.z is not None) == facts["max_slope_at"].startswith("z = ")


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_max_slope_of_rectifiers_is_on_the_open_half_line(name):
    m = max_slope(actviz.get(name))
    assert (m.value, m.where, m.z) == (1.0, "z > 0", None)  # g'(0) is 0 (relu) or alpha (leaky) by convention


def test_max_slope_at_a_kink_is_the_convention_value():
    m = max_slope(actviz.get("elu", alpha=2.0))  # left slope alpha e^0 = 2 at 0, right slope 1
    assert (m.value, m.where, m.z) == (2.0, "z = 0", 0.0)


# ---------------------------------------------------------------- saturation and dead regions

GRID = np.linspace(-10.0, 10.0, 2001)  # step 0.01
STEP = GRID[1] - GRID[0]


@pytest.mark.parametrize("name, prime, top", [("sigmoid", sigmoid_prime, 0.25), ("tanh", tanh_prime, 1.0)])
def test_flat_regions_of_squashing_functions(name, prime, top):
    threshold = FLAT_SHARE * top  # sigma: 0.0025, tanh: 0.01
    b = bisect(lambda z: prime(z) - threshold, 0.0, 10.0)
    regions = flat_regions(actviz.get(name), GRID)
    assert len(regions) == 2, regions
    (a1, b1), (a2, b2) = regions
    assert a1 == -10.0 and b2 == 10.0
    assert b1 == pytest.approx(-b, abs=STEP)
    assert a2 == pytest.approx(b, abs=STEP)
    assert dead_regions(actviz.get(name), GRID) == []


def test_flat_regions_need_a_wide_enough_window():
    assert flat_regions(actviz.get("sigmoid"), np.linspace(-5, 5, 1001)) == []
    (a, b), = flat_regions(actviz.get("sigmoid"), np.linspace(0, 10, 1001))
    assert (a, b) == (pytest.approx(5.99, abs=0.02), 10.0)


def test_relu_is_dead_left_of_zero_and_never_saturated():
    z = np.linspace(-5.0, 5.0, 1001)
    step = z[1] - z[0]
    relu = actviz.get("relu")
    (a, b), = dead_regions(relu, z)
    assert a == -5.0
    assert b == pytest.approx(0.0, abs=step)
    assert flat_regions(relu, z) == []  # g' = 0 is dead, not saturated


def test_dead_regions_on_a_positive_window_are_empty():
    assert dead_regions(actviz.get("relu"), np.linspace(0.5, 5.0, 100)) == []


@pytest.mark.parametrize("alpha, dead, saturated", [(0.1, False, False), (0.0, True, False), (0.005, False, True)])
def test_leaky_relu_regions_depend_on_alpha(alpha, dead, saturated):
    z = np.linspace(-5.0, 5.0, 1001)
    step = z[1] - z[0]
    act = actviz.get("leaky_relu", alpha=alpha)
    for found, expected in ((dead_regions(act, z), dead), (flat_regions(act, z), saturated)):
        if expected:
            (a, b), = found
            assert a == -5.0 and b == pytest.approx(0.0, abs=step)
        else:
            assert found == []


# ---------------------------------------------------------------- derivative check

ROW = re.compile(r"^ *-?\d+\.\d{3} +-?\d+\.\d{6} +-?\d+\.\d{8} +-?\d+\.\d{8}  (yes|NO)$")


@pytest.mark.parametrize("name", NAMES)
def test_derivative_check_agrees_away_from_kinks(name):
    act = actviz.get(name)
    points = [-2.5, -0.7, 0.3, 1.9]
    check = derivative_check(act, points)
    lines = str(check).splitlines()
    assert len(lines) == 1 + len(points)
    assert "central diff" in lines[0]
    for line, z in zip(lines[1:], points):
        m = ROW.match(line)
        assert m, f"row not in fixed decimals: {line!r}"
        assert m.group(1) == "yes"
        assert float(line.split()[0]) == pytest.approx(z, abs=5e-4)
    assert check.max_abs_error < 1e-6
    np.testing.assert_array_equal(check.dg, act.dg(np.array(points)))


def test_derivative_check_rows_use_fixed_decimals():
    act = actviz.get("sigmoid")
    row = str(derivative_check(act, [0.0])).splitlines()[1]
    assert row == f"{0:8.3f} {0.5:12.6f} {0.25:16.8f} {0.25:14.8f}  yes"


def test_derivative_check_says_no_at_a_kink():
    # at 0 the central difference is the mean of the one-sided slopes (0.5), not relu'(0) = 0
    lines = str(derivative_check(actviz.get("relu"), [0.0, 1.0])).splitlines()
    assert lines[1].endswith("NO")
    assert lines[2].endswith("yes")


def test_derivative_check_names_the_activation_with_params():
    assert derivative_check(actviz.get("leaky_relu", alpha=0.3), [1.0]).name == "leaky_relu (alpha=0.3)"


@pytest.mark.parametrize("points", [[], [[0.0, 1.0]], [0.0, math.nan], [math.inf], 2.0])
def test_derivative_check_rejects_bad_points(points):
    with pytest.raises(ValueError, match="points"):
        derivative_check(actviz.get("tanh"), points)


@pytest.mark.parametrize("h", [0.0, -1e-5, 1.0, 5.0, math.nan, math.inf])
def test_derivative_check_rejects_bad_h(h):
    with pytest.raises(ValueError, match="h must be"):
        derivative_check(actviz.get("tanh"), [0.0], h=h)
