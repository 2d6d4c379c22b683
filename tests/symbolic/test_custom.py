"""actviz.symbolic.custom: formulas typed by a student become activations, derived and accurate."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest
import sympy

import actviz
from actviz.symbolic import limits, parser
from actviz.symbolic.custom import from_expression
from actviz.symbolic.parser import Z

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
    np.testing.assert_allclose(a.g(GRID), b.g(GRID), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(a.dg(GRID), b.dg(GRID), rtol=1e-12, atol=1e-300)


def test_sigmoid_matches_the_registry():
    act, ref = from_expression("sigmoid(z)"), actviz.get("sigmoid")
    z = np.linspace(-20, 20, 401)
    np.testing.assert_allclose(act.g(z), ref.g(z), rtol=1e-13, atol=0)
    np.testing.assert_allclose(act.dg(z), ref.dg(z), rtol=1e-10, atol=0)
    assert r"\sigma" in act.latex_g


def test_max_is_leaky_relu_away_from_zero():
    act, ref = from_expression("max(z, 0.1*z)"), actviz.get("leaky_relu", alpha=0.1)
    z = GRID[np.abs(GRID) > 1e-9]
    np.testing.assert_allclose(act.g(z), ref.g(z), rtol=1e-15)
    np.testing.assert_allclose(act.dg(z), ref.dg(z), rtol=1e-15)
    assert act.dg(0.0) == 0.1 == ref.dg(0.0)  # the left-hand slope at the kink, as the registry
    assert r"\max" in act.latex_g


def test_swish():
    act = from_expression("z*sigmoid(z)")
    s = _sigmoid(GRID)
    np.testing.assert_allclose(act.g(GRID), GRID * s, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.dg(GRID), s + GRID * s * (1 - s), rtol=1e-10, atol=1e-13)


def test_gelu_and_erf_accuracy():
    """1 + erf(z/sqrt 2) cancels for z << 0; a float64 reference (math.erf) is itself off there
    by 1e-8 relative at z = -6, so the reference is mpmath at 40 digits."""
    import mpmath

    act = from_expression("z * (1 + erf(z/sqrt(2)))/2")
    z = np.linspace(-6, 6, 1201)
    with mpmath.workdps(40):
        ref_g = np.array([float(x * (1 + mpmath.erf(x / mpmath.sqrt(2))) / 2) for x in map(mpmath.mpf, z)])
        ref_dg = np.array([float((1 + mpmath.erf(x / mpmath.sqrt(2))) / 2 + x * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi))
                           for x in map(mpmath.mpf, z)])
    np.testing.assert_allclose(act.g(z), ref_g, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(act.dg(z), ref_dg, rtol=1e-12, atol=1e-300)
    naive = np.array([x * (1 + math.erf(x / math.sqrt(2))) / 2 for x in z])
    assert np.max(np.abs(naive - ref_g) / np.abs(ref_g).clip(1e-300)) > 1e-9  # float64 alone is not enough here
    assert r"\operatorname{erf}" in act.latex_g


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
    with pytest.raises(TypeError, match="name"):
        from_expression("z", name="")


def test_lazy_entry_point():
    act = actviz.from_expression("tanh(z)")
    np.testing.assert_allclose(act.dg(GRID), actviz.get("tanh").dg(GRID), rtol=1e-10, atol=1e-16)


def test_derivation_is_attached_and_agrees_with_sympy():
    act = from_expression("z*sigmoid(z)")
    d = act.derivation
    assert d.rules[0] == "set up" and "product rule" in d.rules
    assert sympy.simplify((d.derivative - sympy.diff(d.g, Z)).rewrite(sympy.exp)) == 0
    assert act.latex_dg == d.latex_dg


def test_sqrt_abs_is_refused_where_its_slope_is_infinite():
    with pytest.raises(ValueError, match=r"g'\(z\) is not defined at z = 0"):
        from_expression("sqrt(abs(z))")


def test_all_whitelisted_functions_work():
    for name, (arity, _) in parser.FUNCTIONS.items():
        text = f"{name}(z)" if arity == 1 else f"{name}(z, z/2)"
        if name in ("log", "sqrt"):
            text = f"{name}(z**2 + 1)"
        act = from_expression(text)
        assert np.all(np.isfinite(act.dg(GRID))), name


# --------------------------------------------------------------------------------------
# Time limits (the limit itself is tested in test_limits.py).


def test_a_slow_latex_printer_falls_back_to_text(monkeypatch):
    from actviz.symbolic import derive as derive_module

    monkeypatch.setattr(derive_module, "LATEX_ALLOWANCE", 0.0)
    act = from_expression("z*sigmoid(z)")
    assert act.latex_g.startswith(r"g(z) = \text{") and "sigmoid(z)" in act.latex_g


def test_running_out_of_time_is_a_value_error(monkeypatch):
    monkeypatch.setattr(limits, "SYMBOLIC_SECONDS", 1e-3)
    with pytest.raises(ValueError, match="too complicated"):
        from_expression("z * tanh(softplus(z)) + erf(z) * sigmoid(z)")


def test_pathological_latex_is_bounded():
    # sympy.latex alone takes ~15 s on this derivative; the allowance makes it a text fallback
    t0, w0 = time.thread_time(), time.perf_counter()
    act = from_expression("erf(cos(atan(max(cos((z/7)), erf(sinh(10))))))")
    # the limit holds (a correctness property): in this thread's CPU time, and in wall time by the backstop
    assert time.thread_time() - t0 < limits.SYMBOLIC_SECONDS + 1
    assert time.perf_counter() - w0 < limits.WALL_FACTOR * limits.SYMBOLIC_SECONDS + 1
    assert act.latex_dg.startswith("g'(z) = ")


def test_works_outside_the_main_thread():
    result = {}
    thread = threading.Thread(target=lambda: result.update(act=from_expression("z*sigmoid(z)")))
    thread.start()
    thread.join(limits.SYMBOLIC_SECONDS + 5)
    assert result["act"].g(0.0) == 0.0
