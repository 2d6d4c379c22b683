"""The numerics beneath the definitions: what the generic tests in test_definitions.py do not cover.

The generic tests (50-digit references, finite differences, LaTeX, extremes, NaN) already run
for every registered name; here: the special functions underneath (erf, erfc, Phi), limits,
kink conventions, parameter ranges, accuracy at other parameter values and at the minimum of
g where g' changes sign, and the published constants.
"""

import math

import mpmath
import numpy as np
import pytest

import actviz
from actviz.maths import kernels as K
from actviz.maths import special as S
from actviz.maths.registry import spec

# typed from Klambauer et al. (2017), eq. (14)
SELU_LAMBDA_TEXT, SELU_ALPHA_TEXT = "1.0507009873554804934193349852946", "1.6732632423543772848170429916717"
SELU_LAMBDA, SELU_ALPHA = float(SELU_LAMBDA_TEXT), float(SELU_ALPHA_TEXT)


# ---------------------------------------------------------------- erf, erfc, Phi (Cody)


def _rel(got, want):
    """Largest relative error (where want == 0, got must be exactly 0)."""
    got, want = np.asarray(got), np.asarray(want)
    zero = want == 0
    assert np.all(got[zero] == 0)
    return np.max(np.abs(got[~zero] - want[~zero]) / np.abs(want[~zero]))


def test_erf_matches_math_erf_to_1e_12_relative():
    x = np.concatenate([np.linspace(-7, 7, 140001), np.geomspace(1e-300, 1e-3, 200), -np.geomspace(1e-300, 1e-3, 200)])
    want = np.array([math.erf(v) for v in x])
    assert _rel(S.erf(x), want) <= 1e-12
    assert _rel(S.erf(x), want) <= 1e-15  # what Cody's approximations actually give (~4e-16)
    assert S.erf(0.0) == 0.0 and S.erf(np.inf) == 1.0 and S.erf(-np.inf) == -1.0 and np.isnan(S.erf(np.nan))


def test_erfc_matches_math_erfc_in_the_tail():
    # the right tail, where erfc = 1 - erf has cancelled away: down to ~1e-300
    x = np.concatenate([np.linspace(-6, 6, 12001), np.linspace(6, 26.5, 20501)])
    want = np.array([math.erfc(v) for v in x])
    assert _rel(S.erfc(x), want) <= 1e-12
    assert _rel(S.erfc(x), want) <= 2e-15
    assert S.erfc(np.inf) == 0.0 and S.erfc(-np.inf) == 2.0 and S.erfc(30.0) == 0.0


def test_normal_cdf_keeps_relative_accuracy_far_into_the_left_tail():
    z = np.concatenate([np.linspace(-37.5, 8.0, 4551), [-1e-300, 0.0]])
    with mpmath.workdps(40):
        want = np.array([float(mpmath.ncdf(mpmath.mpf(v))) for v in z])
    assert _rel(S.Phi(z), want) <= 2e-15
    with mpmath.workdps(40):
        phi = np.array([float(mpmath.npdf(mpmath.mpf(v))) for v in z])
    assert _rel(S.phi(z), phi) <= 2e-15


# ---------------------------------------------------------------- values, limits, kinks


@pytest.mark.parametrize(
    "name, params, z, g, dg",
    [
        ("elu", {}, 0.0, 0.0, 1.0),
        ("elu", {"alpha": 2.0}, -math.log(2.0), -1.0, 1.0),  # 2 (1/2 - 1), 2 * 1/2
        ("elu", {"alpha": 2.0}, 3.0, 3.0, 1.0),
        ("selu", {}, 1.0, float(SELU_LAMBDA), float(SELU_LAMBDA)),
        ("gelu", {}, 0.0, 0.0, 0.5),
        ("gelu", {}, 1.0, 0.8413447460685429, 0.8413447460685429 + 0.24197072451914337),
        ("silu", {}, 0.0, 0.0, 0.5),
        ("silu", {"beta": 0.0}, -3.0, -1.5, 0.5),  # beta = 0 is z/2
        ("silu", {"beta": 2.0}, math.log(3.0) / 2, 0.75 * math.log(3.0) / 2, 0.75 + math.log(3.0) * 0.1875),
        ("softplus", {}, 0.0, math.log(2.0), 0.5),
        ("softplus", {}, math.log(3.0), math.log(4.0), 0.75),
        ("mish", {}, 0.0, 0.0, 0.6),  # tanh(log 2) = 3/5
    ],
)
def test_known_values(name, params, z, g, dg):
    act = actviz.get(name, **params)
    assert act.g(z) == pytest.approx(float(g), rel=1e-15, abs=1e-300)
    assert act.dg(z) == pytest.approx(float(dg), rel=1e-15, abs=1e-300)


@pytest.mark.parametrize(
    "name, params, limits",
    [
        ("elu", {}, (-1.0, np.inf, 0.0, 1.0)),
        ("elu", {"alpha": 2.5}, (-2.5, np.inf, 0.0, 1.0)),
        ("elu", {"alpha": 0.0}, (0.0, np.inf, 0.0, 1.0)),
        ("selu", {}, (-K.SELU_LAMBDA * K.SELU_ALPHA, np.inf, 0.0, K.SELU_LAMBDA)),
        ("gelu", {}, (0.0, np.inf, 0.0, 1.0)),
        ("silu", {}, (0.0, np.inf, 0.0, 1.0)),
        ("silu", {"beta": 10.0}, (0.0, np.inf, 0.0, 1.0)),
        ("silu", {"beta": 0.0}, (-np.inf, np.inf, 0.5, 0.5)),
        ("softplus", {}, (0.0, np.inf, 0.0, 1.0)),
        ("mish", {}, (0.0, np.inf, 0.0, 1.0)),
    ],
)
def test_limits_at_infinity(name, params, limits):
    act = actviz.get(name, **params)
    g_lo, g_hi, dg_lo, dg_hi = limits
    assert act.g(-np.inf) == g_lo and act.g(np.inf) == g_hi
    assert act.dg(-np.inf) == dg_lo and act.dg(np.inf) == dg_hi


EXTREMES = np.array([-np.inf, -1e308, -1e4, -1000.0, -745.0, -40.0, -1e-320, -0.0, 0.0, 1e-320, 40.0, 1000.0, 1e4, 1e308, np.inf])


@pytest.mark.parametrize(
    "name, params",
    [("elu", {"alpha": 0.0}), ("elu", {"alpha": 5.0}), ("silu", {"beta": 0.0}), ("silu", {"beta": 10.0}),
     ("silu", {"beta": 1e-300}), ("silu", {"beta": 5e-324})],
)
def test_extremes_at_the_ends_of_the_parameter_ranges(name, params, recwarn):
    act = actviz.get(name, **params)
    with np.errstate(all="raise"):
        g, dg = act.g(EXTREMES), act.dg(EXTREMES)
    assert not np.isnan(g).any() and np.isfinite(dg).all() and len(recwarn) == 0
    assert np.isnan(act.g(np.nan)) and np.isnan(act.dg(np.nan))


def test_kink_conventions_at_zero_are_the_left_hand_slope():
    for alpha in (0.0, 0.5, 1.0, 2.0):
        elu = actviz.get("elu", alpha=alpha)
        assert elu.dg(0.0) == alpha and elu.dg(-0.0) == alpha and elu.dg_from_g(0.0) == alpha
        assert elu.dg(1e-300) == 1.0 and elu.g(0.0) == 0.0
    selu = actviz.get("selu")
    assert selu.dg(0.0) == K.SELU_LAMBDA * K.SELU_ALPHA == selu.dg_from_g(0.0)
    assert selu.dg(1e-300) == K.SELU_LAMBDA
    assert all(actviz.get(n).kinks == (0.0,) for n in ("elu", "selu"))
    assert all(actviz.get(n).kinks == () for n in ("gelu", "silu", "softplus", "mish"))


def test_softplus_identity_keeps_relative_accuracy_in_the_left_tail():
    # sigma(z) = 1 - e^{-g} = -expm1(-g): for z = -30, g ~ 9.4e-14 and 1 - exp(-g) would lose 3 digits
    sp = actviz.get("softplus")
    z = np.linspace(-700, -20, 300)
    np.testing.assert_allclose(sp.dg_from_g(sp.g(z)), sp.dg(z), rtol=1e-14)


@pytest.mark.parametrize(
    "name, bad",
    [("elu", -0.1), ("elu", 5.5), ("elu", float("nan")), ("silu", -1.0), ("silu", 11.0), ("silu", float("inf"))],
)
def test_parameter_ranges(name, bad):
    what = actviz.get(name).param_specs[0].name
    with pytest.raises(ValueError, match=rf"{what}.*must be a finite number in \["):
        actviz.get(name, **{what: bad})


# ---------------------------------------------------------------- accuracy at other parameters


TAIL_GRID = np.unique(np.concatenate([np.linspace(-6, 6, 241), np.geomspace(6, 700, 60), -np.geomspace(6, 700, 60)]))


@pytest.mark.parametrize(
    "name, params",
    [("elu", {"alpha": 1.0}), ("elu", {"alpha": 0.25}), ("silu", {"beta": 1.0}), ("silu", {"beta": 0.25}),
     ("silu", {"beta": 10.0}), ("silu", {"beta": 0.0})],
)
def test_other_parameter_values_match_the_reference(name, params, reference):
    act = actviz.get(name, **params)
    g_ref, dg_ref = reference(act)
    z = TAIL_GRID[TAIL_GRID != 0.0]
    np.testing.assert_allclose(act.g(z), g_ref(z), rtol=4e-15, atol=1e-300)
    np.testing.assert_allclose(act.dg(z), dg_ref(z), rtol=1e-14, atol=1e-300)


# ---------------------------------------------------------------- g' where it changes sign

# The minimum of g: z0 and g(z0) (independently known values, e.g. for SiLU g(z0) = z0 + 1).
MINIMA = {
    "gelu": (-0.7517915246935645, -0.16997120747990366),
    "silu": (-1.2784645427610737, -0.2784645427610738),
    "mish": (-1.1924312145154952, -0.3088434130172504),
}


@pytest.mark.parametrize("name, params", [("gelu", {}), ("silu", {}), ("silu", {"beta": 1.5}), ("silu", {"beta": 7.0}), ("mish", {})])
def test_derivative_is_relatively_accurate_through_its_sign_change(name, params, reference):
    """Around the root of g' the closed forms cancel; the Taylor patch keeps ~1e-16 relative."""
    act = actviz.get(name, **params)
    z0 = MINIMA[name][0] / params.get("beta", 1.0)
    steps = np.geomspace(1e-15, 0.5, 120)
    z = np.concatenate([z0 - steps, [z0], z0 + steps])
    _, dg_ref = reference(act)
    np.testing.assert_allclose(act.dg(z), dg_ref(z), rtol=5e-15, atol=0)


@pytest.mark.parametrize("name", sorted(MINIMA))
def test_minimum_of_g(name):
    act = actviz.get(name)
    z0, g0 = MINIMA[name]
    assert act.g(z0) == pytest.approx(g0, rel=1e-15)
    assert abs(act.dg(z0)) < 1e-16


_TAYLOR = {
    "gelu": (lambda x: x * mpmath.ncdf(x), -0.75, K.GELU_ROOT, K.GELU_TAYLOR),
    "silu": (lambda u: u / (1 + mpmath.exp(-u)), -1.28, K.SILU_ROOT, K.SILU_TAYLOR),
    "mish": (lambda x: x * mpmath.tanh(mpmath.log1p(mpmath.exp(x))), -1.19, K.MISH_ROOT, K.MISH_TAYLOR),
}


@pytest.mark.parametrize("name", sorted(_TAYLOR))
def test_taylor_patch_constants_recomputed_with_mpmath(name):
    g, guess, (hi, lo), coeffs = _TAYLOR[name]
    with mpmath.workdps(60):
        root = mpmath.findroot(lambda x: mpmath.diff(g, x), guess)
        assert abs(mpmath.mpf(hi) + mpmath.mpf(lo) - root) < 1e-31
        b = mpmath.taylor(g, root, len(coeffs) + 1)
        want = [float((k + 1) * b[k + 1]) for k in range(1, len(coeffs) + 1)]  # g'(x0 + h) = sum c_k h^k
        assert abs(b[1]) < 1e-50  # g'(x0) = 0
        # the first term left out is below 1e-17 of g' at the edge of the patch
        r = S.ROOT_RADIUS
        left_out = abs((len(coeffs) + 2) * mpmath.taylor(g, root, len(coeffs) + 2)[-1]) * r ** (len(coeffs) + 1)
        assert left_out < 1e-17 * min(abs(mpmath.diff(g, root - r)), abs(mpmath.diff(g, root + r)))
    np.testing.assert_allclose(coeffs, want, rtol=1e-15)


# ---------------------------------------------------------------- the published facts


def test_selu_constants_are_the_published_ones_and_self_normalise():
    lam, alpha = actviz.get("selu").dg(1.0), actviz.get("selu").dg(0.0) / actviz.get("selu").dg(1.0)
    assert lam == float(SELU_LAMBDA) and alpha == pytest.approx(float(SELU_ALPHA), rel=2e-16)
    assert spec("selu").facts["constants"] == {"lam": SELU_LAMBDA_TEXT, "alpha": SELU_ALPHA_TEXT}
    # For Z ~ N(0, 1): E[selu(Z)] = 0 and E[selu(Z)^2] = 1 (the fixed point of Klambauer et al.),
    # in closed form with E[e^{kZ}; Z <= 0] = e^{k^2/2} Phi(-k).
    with mpmath.workdps(40):
        lam_, a_ = mpmath.mpf(SELU_LAMBDA_TEXT), mpmath.mpf(SELU_ALPHA_TEXT)
        e1 = mpmath.exp(mpmath.mpf(1) / 2) * mpmath.ncdf(-1)
        e2 = mpmath.exp(2) * mpmath.ncdf(-2)
        mean = lam_ * (mpmath.npdf(0) + a_ * (e1 - mpmath.mpf(1) / 2))
        second = lam_**2 * (mpmath.mpf(1) / 2 + a_**2 * (e2 - 2 * e1 + mpmath.mpf(1) / 2))
    assert abs(mean) < 1e-25 and abs(second - 1) < 1e-25
    # the same with the float constants the code uses
    z = np.linspace(-40, 40, 800001)
    w = np.exp(-z * z / 2) / math.sqrt(2 * math.pi) * (z[1] - z[0])
    s = actviz.get("selu").g(z)
    assert abs(np.sum(s * w)) < 1e-9 and abs(np.sum(s * s * w) - 1) < 1e-9


def test_gelu_is_exact_not_the_tanh_approximation():
    z = np.linspace(-8, 8, 16001)
    approx = 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    diff = np.max(np.abs(actviz.get("gelu").g(z) - approx))
    assert 4e-4 < diff < 5e-4  # the approximation is off by up to ~4.7e-4 (near z = -2.7)
    assert "0.044715" in actviz.get("gelu").doc
