"""actviz.maths.networks: gradient flow through deep random nets, dead units."""

import numpy as np
import pytest

import actviz as T
from actviz import get, names


# --------------------------------------------------------------------------------------
# Gradient flow through deep random MLPs.


@pytest.mark.parametrize("depth, width", [(1, 1), (6, 1), (6, 5), (12, 7)])
def test_sigmoid_at_zero_gives_quarter_power_times_weights(depth, width):
    # All pre-activations are 0: X = 0, b_1 = 0, and b_l = -0.5 * (column sums of W_l)
    # cancels a_{l-1} = sigmoid(0) = 0.5. Then every g'(z) = 1/4 and
    # dL/dz_1 = 0.25^L * G W_L^T ... W_2^T exactly.
    rng = np.random.default_rng(42)
    weights = [rng.normal(size=(width, width)) for _ in range(depth)]  # not symmetric
    biases = [np.zeros(width)] + [-0.5 * W.sum(axis=0) for W in weights[1:]]
    X = np.zeros((3, width))
    G = rng.normal(size=(3, width))
    zs, _ = T.deep_forward("sigmoid", X, weights, biases)
    assert max(np.max(np.abs(z)) for z in zs) < 1e-12
    deltas = T.deep_backward("sigmoid", zs, weights, G)
    expected = G.copy()
    for W in weights[:0:-1]:  # W_L, ..., W_2
        expected = expected @ W.T
    expected *= 0.25**depth
    np.testing.assert_allclose(deltas[0], expected, rtol=1e-12, atol=0)
    # and each layer's delta is 0.25 times the one above passed back through W
    for l in range(depth - 1):
        np.testing.assert_allclose(deltas[l], 0.25 * deltas[l + 1] @ weights[l + 1].T, rtol=1e-12, atol=0)


def test_scalar_chain_matches_hand_computed_product():
    w = [2.0, -3.0, 0.5, 4.0]
    weights = [np.array([[v]]) for v in w]
    biases = [np.zeros(1)] + [np.array([-0.5 * v]) for v in w[1:]]
    zs, _ = T.deep_forward(get("sigmoid"), np.zeros((1, 1)), weights, biases)
    deltas = T.deep_backward(get("sigmoid"), zs, weights, np.ones((1, 1)))
    assert deltas[0][0, 0] == pytest.approx(0.25**4 * (-3.0) * 0.5 * 4.0, rel=1e-12)
    assert deltas[-1][0, 0] == 0.25


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_xavier_shrinks_at_least_4x_per_layer(seed):
    gf = T.gradient_flow("sigmoid", depth=10, init="xavier", seed=seed)
    assert gf.grad_norms.shape == (10,) and gf.ratios.shape == (9,)
    assert gf.mean_ratio <= 0.25  # geometric mean over the 9 steps
    assert gf.grad_norms[0] < gf.grad_norms[-1] * 0.25**9
    assert np.all(gf.mean_abs_dg <= 0.25)


def test_tanh_shrinks_less_than_sigmoid_but_still_shrinks():
    sig = T.gradient_flow("sigmoid", seed=0).mean_ratio
    tanh = T.gradient_flow("tanh", seed=0).mean_ratio
    assert 0.25 < tanh < 1.0 and tanh > 2 * sig


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_he_holds_within_factor_3_over_10_layers(name, seed):
    gf = T.gradient_flow(name, depth=10, init="he", seed=seed)
    assert gf.grad_norms.max() / gf.grad_norms.min() < 3.0
    assert 0.8 < gf.mean_ratio < 1.25


def test_relu_with_xavier_fails_the_he_bound():
    # The bound above is not vacuous: with Xavier (half He's variance) ReLU gradients shrink.
    gf = T.gradient_flow("relu", depth=10, init="xavier", seed=0)
    assert gf.grad_norms.max() / gf.grad_norms.min() > 10.0
    assert gf.mean_ratio < 0.8


def test_gradient_flow_statistics_are_consistent():
    gf = T.gradient_flow("tanh", depth=4, width=8, batch=16, init="normal", weight_scale=0.5, seed=3)
    assert gf.weight_std == 0.5
    np.testing.assert_array_equal(gf.layers, [1, 2, 3, 4])
    np.testing.assert_allclose(gf.ratios, gf.grad_norms[:-1] / gf.grad_norms[1:])
    assert gf.preact_std.shape == gf.mean_abs_dg.shape == gf.weight_grad_norms.shape == (4,)
    assert np.all((gf.mean_abs_dg > 0) & (gf.mean_abs_dg <= 1))
    assert T.gradient_flow("tanh", depth=1).ratios.shape == (0,)


def test_init_std_formulas():
    assert T.init_std("xavier", 64, 64) == pytest.approx(1 / 8)
    assert T.init_std("he", 64, 64, weight_scale=2.0) == pytest.approx(2 * np.sqrt(2 / 64))
    assert T.init_std("normal", 64, 64, weight_scale=0.3) == 0.3
    W = T.init_weights(3, 200, "he", seed=0)
    assert len(W) == 3 and W[0].shape == (200, 200)
    assert np.std(W[0]) == pytest.approx(0.1, rel=0.02)


def test_extreme_weight_scale_gives_no_warnings():
    gf = T.gradient_flow("relu", depth=150, init="normal", weight_scale=100.0)  # overflows
    assert not np.all(np.isfinite(gf.grad_norms))


def test_tiny_gradient_norms_do_not_underflow():
    # sigmoid over 300 layers: |dL/dz_1| ~ 1e-190, whose square underflows to 0; the norm must not
    gf = T.gradient_flow("sigmoid", depth=300, width=16, batch=32)
    assert 0 < gf.grad_norms[0] < 1e-170
    assert 0.2 < gf.mean_ratio < 0.25


def test_activation_name_or_object():
    a = T.gradient_flow("leaky_relu", depth=3)
    b = T.gradient_flow(get("leaky_relu"), depth=3)
    c = T.gradient_flow(get("leaky_relu", alpha=0.3), depth=3)
    np.testing.assert_array_equal(a.grad_norms, b.grad_norms)
    assert not np.array_equal(a.grad_norms, c.grad_norms)


# --------------------------------------------------------------------------------------
# Dead units.


def test_dead_fraction_by_hand():
    z = np.array([[-1.0, 2.0, 0.0, -5.0], [-3.0, -1.0, 0.0, 0.1]])
    assert T.dead_fraction("relu", z) == 0.5  # columns 0 and 2 (relu'(0) = 0)
    assert T.dead_fraction(get("leaky_relu", alpha=0.05), z) == 0.0
    assert T.dead_fraction(get("leaky_relu", alpha=0.0), z) == 0.5
    assert T.dead_fraction("sigmoid", z) == 0.0


def test_large_negative_bias_kills_relu_not_leaky_relu():
    relu = T.dead_units("relu", bias_shift=-6.0)
    assert relu.fraction_dead >= 0.95 and relu.fraction_zero_grad > 0.999
    assert relu.fraction_dead == T.dead_fraction("relu", relu.z)
    leaky = T.dead_units("leaky_relu", bias_shift=-6.0)
    assert leaky.fraction_dead == 0.0
    np.testing.assert_array_equal(leaky.z, relu.z)  # same seed, same layer
    # the units ReLU lost get exactly alpha from Leaky ReLU on every sample, not 0
    np.testing.assert_allclose(leaky.mean_dg[relu.dead], 0.01, rtol=1e-12)
    assert np.all(leaky.active_fraction == 1.0)


def test_no_shift_no_dead_relu_and_default_is_partial():
    assert T.dead_units("relu", bias_shift=0.0).fraction_dead == 0.0
    default = T.dead_units("relu")
    assert 0.2 < default.fraction_dead < 0.8
    assert default.dead.shape == default.active_fraction.shape == (256,)
    assert default.z.shape == (512, 256)
