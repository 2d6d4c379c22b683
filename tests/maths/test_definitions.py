"""Every registered activation: values, derivatives against independent references, LaTeX,
edges, bad input. Each test runs for each ``define`` in actviz/maths/definitions.py."""

import math
import re

import numpy as np
import pytest
import sympy as sp
from sympy.parsing.latex import parse_latex

import actviz
from actviz.maths.registry import spec

NAMES = actviz.names()


def away_from_kinks(act, z):
    kinks = np.array(act.kinks)
    if kinks.size == 0:
        return z
    return z[np.min(np.abs(z[:, None] - kinks[None, :]), axis=1) > 1e-3]


# A dense grid with the tails: every 0.01 near the origin, then out to |z| = 700
# (beyond ~745 the true sigma' underflows float64 altogether).
GRID = np.unique(np.concatenate([np.linspace(-8, 8, 1601), np.geomspace(8, 700, 200), -np.geomspace(8, 700, 200)]))


@pytest.mark.parametrize("name", NAMES)
def test_every_definition_is_complete(name):
    s = spec(name)
    assert s.formula is not None, f"{name}: give define() a formula (g as sympy) so the tests have a reference"
    assert {"mean_output", "range", "max_slope", "max_slope_at", "monotonic", "dg_continuous_at_0", "saturates",
            "identity"} <= set(s.facts), f"{name}: give define() its facts (see the definitions module docstring)"
    assert s.doc and s.latex_g.count("=") == 1 and s.latex_dg.count("=") == 1
    assert (s.latex_dg_from_g is not None) == (s.dg_from_g is not None)


# ---------------------------------------------------------------- values at known points


@pytest.mark.parametrize(
    "name, z, g, dg",
    [
        ("sigmoid", 0.0, 0.5, 0.25),
        ("sigmoid", math.log(3.0), 0.75, 0.1875),
        ("sigmoid", -math.log(3.0), 0.25, 0.1875),
        ("tanh", 0.0, 0.0, 1.0),
        ("tanh", math.atanh(0.5), 0.5, 0.75),
        ("relu", -2.0, 0.0, 0.0),
        ("relu", 3.5, 3.5, 1.0),
        ("leaky_relu", -2.0, -0.02, 0.01),
        ("leaky_relu", 3.5, 3.5, 1.0),
    ],
)
def test_known_values(name, z, g, dg):
    act = actviz.get(name)
    assert act.g(z) == pytest.approx(g, rel=1e-15, abs=1e-15)
    assert act.dg(z) == pytest.approx(dg, rel=1e-15, abs=1e-15)


def test_tail_derivatives_are_accurate_not_zero():
    # The figures: sigma'(40) ~ 4.2e-18 and tanh'(20) ~ 1.7e-17 (relative accuracy).
    assert actviz.get("sigmoid").dg(40.0) == pytest.approx(4.248354255291589e-18, rel=1e-14)
    assert actviz.get("tanh").dg(20.0) == pytest.approx(1.6993417021166355e-17, rel=1e-14)
    # the naive identities would give exactly 0 there
    s, t = actviz.get("sigmoid").g(40.0), actviz.get("tanh").g(20.0)
    assert s * (1 - s) == 0.0 and 1 - t * t == 0.0


# ---------------------------------------------------------------- against independent references


def test_g_matches_sympy_reference_at_50_digits(each_activation, reference):
    act = each_activation
    g_ref, _ = reference(act)
    z = away_from_kinks(act, GRID)
    np.testing.assert_allclose(act.g(z), g_ref(z), rtol=4e-15, atol=1e-300)


def test_dg_matches_sympy_derivative_at_50_digits(each_activation, reference):
    """g' against sympy's symbolic derivative of the textbook g, including |z| up to 700."""
    act = each_activation
    _, dg_ref = reference(act)
    z = away_from_kinks(act, GRID)
    np.testing.assert_allclose(act.dg(z), dg_ref(z), rtol=1e-13, atol=1e-300)


def test_dg_matches_central_difference(each_activation):
    act = each_activation
    z = away_from_kinks(act, np.linspace(-12, 12, 2401))
    h = 1e-5 * np.maximum(1.0, np.abs(z))
    fd = (act.g(z + h) - act.g(z - h)) / (2 * h)
    np.testing.assert_allclose(act.dg(z), fd, rtol=1e-6, atol=1e-9)


def test_dg_from_g_agrees_with_dg(each_activation):
    act = each_activation
    if not act.has_identity:
        assert act.dg_from_g(act.g(GRID)) is None
        return
    z = np.linspace(-15, 15, 3001)  # where g(z) itself keeps enough digits for the identity
    np.testing.assert_allclose(act.dg_from_g(act.g(z)), act.dg(z), rtol=1e-9, atol=1e-15)


def test_dg_from_g_exists_exactly_where_the_facts_say(each_activation):
    assert each_activation.has_identity == spec(each_activation.name).facts["identity"]


# ---------------------------------------------------------------- the LaTeX says the same thing


_MACROS = [
    (r"\left(", "("), (r"\right)", ")"), (r"\bigl(", "("), (r"\bigr)", ")"), (r"\,", " "),
    (r"\sigma(z)", "S"), (r"\tanh^{2}(z)", "T^{2}"), (r"\tanh(z)", "T"), ("g(z)", "G"), (r"\alpha", "a"),
    (r"\sigma(\beta z)", "V"), (r"\Phi(z)", "P"), (r"\phi(z)", "Q"),  # sigma(beta z), normal CDF and density
]


def _latex_to_sympy(tex):
    for old, new in _MACROS:
        tex = tex.replace(old, new)
    out = parse_latex(tex, backend="lark")
    if isinstance(out, sp.Basic):
        return out
    return out.children[-1]  # an ambiguous parse tree: all readings here are the same


def latex_rhs(tex):
    """The right-hand side of ``lhs = rhs`` as sympy; a cases block becomes a Piecewise."""
    rhs = tex.split("=", 1)[1].strip()
    m = re.fullmatch(r"\\begin\{cases\}(.*)\\end\{cases\}", rhs, flags=re.S)
    if not m:
        return _latex_to_sympy(rhs)
    pieces = []
    for row in m.group(1).split(r"\\"):
        value, condition = row.split("&")
        pieces.append((_latex_to_sympy(value.strip()), _latex_to_sympy(condition.strip())))
    return sp.Piecewise(*pieces)


def _evaluate(expr, act, z):
    e, zs, a, S, T, G = sp.symbols("e z a S T G")
    P, Q, V, beta, lam = sp.symbols("P Q V beta lambda")

    constants = {("lambda" if k == "lam" else k): float(v) for k, v in spec(act.name).facts.get("constants", {}).items()}
    values = {**constants, **act.params}  # parameters, or fixed constants (selu)
    expr = expr.subs({e: sp.E, a: values.get("alpha", 0)})
    expr = expr.subs({V: 1 / (1 + sp.exp(-beta * zs))})
    expr = expr.subs({beta: values.get("beta", 0), lam: values.get("lambda", 0)})
    expr = expr.subs({S: 1 / (1 + sp.exp(-zs)), T: sp.tanh(zs)})
    expr = expr.subs({P: (1 + sp.erf(zs / sp.sqrt(2))) / 2, Q: sp.exp(-zs**2 / 2) / sp.sqrt(2 * sp.pi)})
    if expr.has(G):  # written in terms of g itself: substitute the activation's own g(z)
        return np.array([float(expr.subs({G: act.g(v), zs: v})) for v in z])
    f = sp.lambdify(zs, expr, modules="mpmath")
    return np.array([float(f(v)) for v in z])


@pytest.mark.parametrize("which", ["latex_g", "latex_dg", "latex_dg_from_g"])
def test_latex_formula_matches_the_numbers(each_activation, which):
    """Parse the LaTeX shown to learners and evaluate it: a typo in a formula fails here."""
    act = each_activation
    tex = getattr(act, which)
    if tex is None:
        assert which == "latex_dg_from_g" and not act.has_identity
        return
    z = np.array([-3.0, -0.7, 0.4, 1.9, 5.0])
    got = _evaluate(latex_rhs(tex), act, z)
    want = act.g(z) if which == "latex_g" else act.dg(z)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- edges


EXTREMES = np.array([-np.inf, -1e308, -1e4, -1000.0, -40.0, -0.0, 0.0, 40.0, 1000.0, 1e4, 1e308, np.inf])


def test_extremes_are_finite_or_inf_and_silent(each_activation, recwarn):
    act = each_activation
    with np.errstate(all="raise"):  # any overflow/invalid inside would raise here
        g, dg = act.g(EXTREMES), act.dg(EXTREMES)
    assert not np.isnan(g).any() and not np.isnan(dg).any()
    assert np.isfinite(dg).all()
    assert len(recwarn) == 0


@pytest.mark.parametrize(
    "name, limits",
    [
        ("sigmoid", (0.0, 1.0, 0.0, 0.0)),
        ("tanh", (-1.0, 1.0, 0.0, 0.0)),
        ("relu", (0.0, np.inf, 0.0, 1.0)),
        ("leaky_relu", (-np.inf, np.inf, 0.01, 1.0)),
    ],
)
def test_limits_at_infinity(name, limits):
    act = actviz.get(name)
    g_lo, g_hi, dg_lo, dg_hi = limits
    assert act.g(-np.inf) == g_lo and act.g(np.inf) == g_hi
    assert act.dg(-np.inf) == dg_lo and act.dg(np.inf) == dg_hi


def test_leaky_relu_with_zero_slope_at_minus_infinity_is_zero_not_nan():
    act = actviz.get("leaky_relu", alpha=0.0)
    assert act.g(-np.inf) == 0.0 and act.dg(-np.inf) == 0.0


def test_nan_in_gives_nan_out(each_activation):
    act = each_activation
    z = np.array([np.nan, 1.0, np.nan])
    for out in (act.g(z), act.dg(z)):
        assert np.isnan(out[0]) and np.isnan(out[2]) and np.isfinite(out[1])
    if act.has_identity:
        assert np.isnan(act.dg_from_g(np.nan))


def test_kink_conventions_at_zero():
    """PyTorch's convention: the derivative at the kink is the left-hand slope."""
    assert actviz.get("relu").dg(0.0) == 0.0
    assert actviz.get("relu").dg(-0.0) == 0.0
    assert actviz.get("leaky_relu", alpha=0.2).dg(0.0) == 0.2
    assert actviz.get("relu").dg_from_g(0.0) == 0.0
    assert actviz.get("leaky_relu", alpha=0.2).dg_from_g(0.0) == 0.2
    assert actviz.get("relu").g(0.0) == 0.0 and actviz.get("leaky_relu").g(0.0) == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_and_scalars(name):
    act = actviz.get(name)
    for z in ([[-1, 0, 2], [3, 4, 5]], np.arange(6, dtype=np.int32).reshape(3, 2), np.float32(0.5), 2, True):
        for out in (act.g(z), act.dg(z)):
            assert np.shape(out) == np.shape(z)
            assert np.asarray(out).dtype == np.float64
    assert isinstance(act.g(0.5), float)  # numpy float64 is a float


# ---------------------------------------------------------------- bad input


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        actviz.get("sigmoidd")
    msg = str(info.value)
    assert "sigmoidd" in msg and all(n in msg for n in NAMES)


def test_non_string_name():
    with pytest.raises(TypeError, match="must be a string, one of sigmoid"):
        actviz.get(3)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), -0.5, 1.5])
def test_bad_alpha_value(bad):
    with pytest.raises(ValueError, match=r"alpha.*must be a finite number in \[0, 1\]"):
        actviz.get("leaky_relu", alpha=bad)


@pytest.mark.parametrize("bad", ["0.1", None, [0.1], 1 + 2j, True])
def test_bad_alpha_type(bad):
    with pytest.raises(TypeError, match=r"alpha.*must be a finite number in \[0, 1\], got"):
        actviz.get("leaky_relu", alpha=bad)


def test_unexpected_parameter():
    with pytest.raises(ValueError, match="unexpected parameter.*beta.*takes alpha"):
        actviz.get("leaky_relu", beta=2)
    with pytest.raises(ValueError, match="sigmoid takes no parameters"):
        actviz.get("sigmoid", alpha=0.1)


@pytest.mark.parametrize("bad", ["abc", b"1", [1, "a"], {"z": 1}, [[1, 2], [3]], 1j, np.array(["x"]), None])
def test_non_numeric_z_gets_a_plain_error(bad):
    act = actviz.get("sigmoid")
    with pytest.raises(TypeError, match="real number"):
        act.g(bad)
    with pytest.raises(TypeError, match="real number|must be real"):
        act.dg(bad)


def test_with_params_and_label():
    act = actviz.get("leaky_relu").with_params(alpha=0.3)
    assert act.params == {"alpha": 0.3} and act.label == "leaky_relu (alpha=0.3)"
    with pytest.raises(ValueError):
        act.with_params(alpha=float("nan"))
