"""The comparison table: every measured property against independently known facts."""

import math

import mpmath
import numpy as np
import pytest

import actviz
from actviz.maths.properties import Properties, properties, property_table
from actviz.maths.registry import from_functions, spec

LAM, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717  # Klambauer et al.


def _mp_extremum(f, order, guess):
    """Root of the order-th derivative of f (mpmath, 30 digits): (z, f'(z) or f(z))."""
    with mpmath.workdps(30):
        z = mpmath.findroot(lambda t: mpmath.diff(f, t, order), guess)
        return float(z), float(mpmath.diff(f, z, order - 1))


def _gelu(z):
    return z * mpmath.ncdf(z)


def _silu(z):
    return z / (1 + mpmath.exp(-z))


def _mish(z):
    return z * mpmath.tanh(mpmath.log1p(mpmath.exp(z)))


NAMES = actviz.names()
YES = {True: "yes", False: "no"}


@pytest.mark.parametrize("name", NAMES)
def test_properties_match_the_facts_in_the_definition(name):
    p = properties(name)
    f = spec(name).facts
    assert isinstance(p, Properties) and p.label == actviz.get(name).label
    assert p.range_text == f["range"]
    assert p.max_slope == pytest.approx(f["max_slope"], rel=1e-12)
    assert p.max_slope_at == f["max_slope_at"]
    assert p.mean_output == pytest.approx(f["mean_output"], abs=2e-11)
    assert (p.monotonic, p.dg_continuous_at_0) == (f["monotonic"], f["dg_continuous_at_0"])
    assert (p.saturates, p.has_identity) == (f["saturates"], f["identity"])
    assert ("-" if p.min_at is None else f"{p.min_at:.5f}") == f.get("min_at", "-")


@pytest.mark.parametrize(
    "name, f, guess",
    [("gelu", _gelu, -0.75), ("silu", _silu, -1.28), ("mish", _mish, -1.19)],
)
def test_interior_minimum_value_and_place(name, f, guess):
    z0, _ = _mp_extremum(f, 1, guess)
    with mpmath.workdps(30):
        g0 = float(f(mpmath.mpf(z0)))
    p = properties(name)
    assert p.low_closed and not p.high_closed and p.range_high == np.inf
    assert p.min_at == pytest.approx(z0, rel=1e-12)
    assert p.range_low == pytest.approx(g0, rel=1e-14)
    assert p.max_at is None


def test_the_brief_figures():
    assert properties("gelu").range_low == pytest.approx(-0.16997, abs=5e-6)
    assert properties("gelu").min_at == pytest.approx(-0.7518, abs=5e-5)
    assert properties("silu").range_low == pytest.approx(-0.27846, abs=5e-6)
    assert properties("silu").min_at == pytest.approx(-1.2785, abs=5e-5)
    assert properties("silu").range_low == pytest.approx(properties("silu").min_at + 1, rel=1e-14)  # g(z0) = z0 + 1
    assert properties("mish").range_low == pytest.approx(-0.30884, abs=5e-6)


@pytest.mark.parametrize(
    "name, open_low, open_high, low, high",
    [("sigmoid", True, True, 0.0, 1.0), ("tanh", True, True, -1.0, 1.0), ("relu", False, True, 0.0, np.inf),
     ("leaky_relu", True, True, -np.inf, np.inf), ("elu", True, True, -1.0, np.inf),
     ("selu", True, True, -LAM * ALPHA, np.inf), ("softplus", True, True, 0.0, np.inf)],
)
def test_open_and_closed_ends(name, open_low, open_high, low, high):
    # tanh(-20) is -1.0 in float64, but -1 is never attained: the end must stay open
    p = properties(name)
    assert (not p.low_closed, not p.high_closed) == (open_low, open_high)
    assert p.range_low == pytest.approx(low, rel=1e-15) and p.range_high == high
    assert p.min_at is None and p.max_at is None


@pytest.mark.parametrize(
    "act, rng, slope, where, smooth",
    [
        (actviz.get("elu", alpha=2.0), "(-2, inf)", 2.0, "z = 0", False),  # the left-hand slope at the kink
        (actviz.get("elu", alpha=0.5), "(-0.50000, inf)", 1.0, "z > 0", False),
        (actviz.get("elu", alpha=0.0), "[0, inf)", 1.0, "z > 0", False),
        (actviz.get("leaky_relu", alpha=1.0), "(-inf, inf)", 1.0, "all z", True),
        (actviz.get("leaky_relu", alpha=0.0), "[0, inf)", 1.0, "z > 0", False),
        (actviz.get("silu", beta=0.0), "(-inf, inf)", 0.5, "all z", True),
        # beta rescales z: minimum -0.27846/beta at -1.27846/beta, steepest at 2.39936/beta
        (actviz.get("silu", beta=10.0), "[-0.02785, inf)", _mp_extremum(_silu, 2, 2.4)[1], "z = 0.23994", True),
        (actviz.get("silu", beta=0.01), "[-27.84645, inf)", _mp_extremum(_silu, 2, 2.4)[1], "z = 239.93573", True),
    ],
)
def test_parameters_change_the_properties(act, rng, slope, where, smooth):
    p = properties(act)
    assert (p.range_text, p.max_slope_at, p.dg_continuous_at_0) == (rng, where, smooth)
    assert p.max_slope == pytest.approx(slope, rel=1e-10)


def test_names_with_params_and_activations_are_accepted():
    assert properties("elu", alpha=2.0) == properties(actviz.get("elu", alpha=2.0))
    assert properties(actviz.get("elu"), alpha=2.0).range_text == "(-2, inf)"
    with pytest.raises(ValueError, match="unknown activation"):
        properties("nope")
    with pytest.raises(ValueError, match="alpha"):
        properties("elu", alpha=-1.0)


def _custom(name, g, dg):
    return from_functions(g, dg, name=name)


def test_nothing_is_typed_per_activation():
    """Functions the registry has never seen get measured the same way."""
    bump = properties(_custom("bump", lambda z: np.exp(-z * z), lambda z: -2 * z * np.exp(-z * z)))
    assert bump.range_text == "(0, 1]" and bump.max_at == 0.0 and bump.min_at is None
    assert bump.max_slope == pytest.approx(math.sqrt(2) * math.exp(-0.5), rel=1e-14)
    assert bump.max_slope_at == "z = -0.70711, z = 0.70711"
    assert (bump.monotonic, bump.saturating_left, bump.saturating_right) == (False, True, True)
    assert bump.mean_output == pytest.approx(1 / math.sqrt(3), rel=1e-9)  # E[exp(-Z^2)] = 1/sqrt(3)
    cube = properties(_custom("cube", lambda z: z**3, lambda z: 3 * z * z))
    assert cube.range_text == "(-inf, inf)" and cube.max_slope == np.inf and cube.max_slope_at == "z -> inf"
    assert cube.monotonic and cube.dg_continuous_at_0 and not cube.saturating_left and not cube.saturating_right
    falling = properties(_custom("falling", lambda z: -np.tanh(z), lambda z: -1 / np.cosh(z) ** 2))
    assert falling.range_text == "(-1, 1)" and not falling.monotonic and falling.max_slope == 1.0


# ---------------------------------------------------------------- the printed table

def _expected_row(name):
    f, label = spec(name).facts, actviz.get(name).label
    return (label, f["range"], f.get("min_at", "-"), f"{f['max_slope']:.5f}", f["max_slope_at"], f"{f['mean_output'] + 0.0:+.3f}",
            YES[f["monotonic"]], YES[f["dg_continuous_at_0"]], f["saturates"], YES[f["identity"]])


def test_table_prints_the_facts_in_fixed_columns():
    table = property_table()
    lines = table.splitlines()
    assert lines[0].split("  ")[0] == "activation" and set(lines[1]) <= {"-", " "}
    starts = [0] + [i + 2 for i in range(len(lines[1]) - 1) if lines[1][i:i + 2] == "  "]
    for name, line in zip(NAMES, lines[2:], strict=True):
        cells = tuple(line[a:b].strip() for a, b in zip(starts, starts[1:] + [None]))
        assert cells == _expected_row(name)
    assert property_table([actviz.get(n) for n in NAMES]) == table


def test_table_defaults_to_the_registry_and_rejects_an_empty_list():
    table = property_table()
    assert len(table.splitlines()) == 2 + len(actviz.names())
    assert property_table(["tanh"]).splitlines()[2].startswith("tanh ")
    with pytest.raises(ValueError, match="at least one"):
        property_table([])


@pytest.mark.parametrize("name, f, guess", [("silu", _silu, 2.4), ("mish", _mish, 1.5)])
def test_the_typed_steepest_slopes_agree_with_mpmath(name, f, guess):
    z, slope = _mp_extremum(f, 2, guess)
    facts = spec(name).facts
    assert facts["max_slope"] == pytest.approx(slope, rel=1e-15)
    assert facts["max_slope_at"] == f"z = {z:.5f}"
