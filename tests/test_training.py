"""Tests for actviz.training: gradient flow, dead units, the tiny network."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from actviz import get, names
from actviz import training as T

MOONS = T.make_moons()


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


# --------------------------------------------------------------------------------------
# Datasets.


@pytest.mark.parametrize("make", [T.make_moons, T.make_spirals])
def test_datasets_shape_labels_and_seed(make):
    X, y = make(n=101, seed=5)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert set(np.unique(y)) == {0, 1} and np.sum(y == 0) == 50
    X2, y2 = make(n=101, seed=5)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, make(n=101, seed=6)[0])


def test_noise_free_moons_lie_on_circles():
    X, y = T.make_moons(n=50, noise=0.0)
    upper = X[y == 0] + [0.5, 0.25]
    lower = X[y == 1] + [0.5, 0.25] - [1.0, 0.5]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0)


# --------------------------------------------------------------------------------------
# The tiny network.


def _kink_distance(act, z):
    return min((np.min(np.abs(z - k)) for k in act.kinks), default=np.inf)


@pytest.mark.parametrize("name", names())
def test_backprop_matches_numerical_gradient(name):
    act = get(name)
    X, y = T.make_moons(n=12, noise=0.2, seed=1)
    net = T.init_network(act, hidden=5, seed=2)
    # a kink is never within reach of the +-eps perturbations (|dz| <= eps * |x| < 1e-5)
    assert _kink_distance(act, T.forward(net, X).z1) > 1e-3
    before = {k: v.copy() for k, v in net.params.items()}
    errors = T.gradient_check(net, X, y)
    assert max(errors.values()) < 1e-6, errors
    for k in before:
        np.testing.assert_array_equal(before[k], net.params[k])  # check left the net alone


def test_gradient_check_catches_a_wrong_derivative():
    tanh = get("tanh")
    wrong = dataclasses.replace(tanh, _dg=lambda z: 1.0 - z * z)  # 1 - z^2 instead of 1 - tanh^2
    net = T.init_network(wrong, hidden=5, seed=2)
    X, y = T.make_moons(n=12, seed=1)
    errors = T.gradient_check(net, X, y)
    assert errors["W1"] > 1e-3 and errors["W2"] < 1e-6  # only the layer behind g' is wrong


def test_backward_formulas_for_the_output_layer():
    net = T.init_network("relu", hidden=3, seed=0)
    X, y = np.array([[1.0, -2.0]]), np.array([1])
    cache = T.forward(net, X)
    grads = T.backward(net, cache, y)
    p = 1 / (1 + np.exp(-cache.z2[0, 0]))
    assert cache.p[0, 0] == pytest.approx(p)
    assert grads["b2"][0] == pytest.approx(p - 1)
    np.testing.assert_allclose(grads["W2"][:, 0], (p - 1) * cache.a1[0])
    assert T.bce_loss(cache, y) == pytest.approx(-np.log(p))


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_training_on_moons_learns(name):
    X, y = MOONS
    r = T.train(name, X, y, epochs=500)
    assert r.losses.shape == (501,) and r.accuracies.shape == (501,)
    assert r.losses[-1] < 0.1 * r.losses[0]
    assert r.losses[-1] < r.losses[250] < r.losses[50] < r.losses[0]
    assert r.accuracy >= 0.97 and not r.diverged and not r.stopped
    assert np.mean((r.predict_proba(X) > 0.5) == y) == r.accuracy


def test_training_on_spirals_relu_beats_sigmoid():
    X, y = T.make_spirals()
    relu = T.train("relu", X, y, epochs=1000)
    sigmoid = T.train("sigmoid", X, y, epochs=1000)
    assert relu.accuracy >= 0.95
    assert sigmoid.loss > relu.loss


def test_training_is_deterministic():
    X, y = MOONS
    a = T.train("tanh", X, y, epochs=200, seed=3)
    b = T.train("tanh", X, y, epochs=200, seed=3)
    np.testing.assert_array_equal(a.losses, b.losses)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    c = T.train("tanh", X, y, epochs=200, seed=4)
    assert not np.array_equal(a.losses, c.losses)


def test_callback_sees_every_epoch_and_can_stop():
    X, y = MOONS
    seen = []
    r = T.train("tanh", X, y, epochs=30, callback=lambda epoch, loss, net: seen.append((epoch, loss)))
    assert [e for e, _ in seen] == list(range(1, 31))
    np.testing.assert_array_equal([l for _, l in seen], r.losses[1:])
    r = T.train("tanh", X, y, epochs=30, callback=lambda epoch, loss, net: epoch == 5)
    assert r.stopped and r.epochs_run == 5 and r.losses.shape == (6,)


def test_huge_learning_rate_diverges_without_warnings():
    X, y = MOONS
    r = T.train("relu", X, y, lr=1e8, epochs=200)
    assert r.diverged and r.epochs_run < 200 and not np.isfinite(r.losses[-1])


def test_decision_grid():
    X, y = MOONS
    r = T.train("tanh", X, y, epochs=100)
    xx, yy, proba = T.decision_grid(r, steps=30)
    assert xx.shape == yy.shape == proba.shape == (30, 30)
    assert np.all((proba >= 0) & (proba <= 1))
    assert xx.min() == pytest.approx(X[:, 0].min() - 0.5) and yy.max() == pytest.approx(X[:, 1].max() + 0.5)
    assert proba[7, 11] == pytest.approx(r.predict_proba([[xx[7, 11], yy[7, 11]]])[0])
    xx2, _, _ = T.decision_grid(r.net, X, steps=30)
    np.testing.assert_array_equal(xx, xx2)


def test_import_loads_no_plotting_or_widgets():
    code = "import sys, actviz.training; print([m for m in ('matplotlib', 'ipywidgets') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------------------
# Bad input.

X2, Y2 = T.make_moons(n=10)

BAD = [
    (lambda: T.gradient_flow("tanh", depth=0), "depth must be an integer >= 1"),
    (lambda: T.gradient_flow("tanh", depth=2.5), "depth must be an integer"),
    (lambda: T.gradient_flow("tanh", width=0), "width must be"),
    (lambda: T.gradient_flow("tanh", batch=True), "batch must be"),
    (lambda: T.gradient_flow("tanh", init="glorot"), "init must be one of 'xavier', 'he', 'normal'"),
    (lambda: T.gradient_flow("tanh", weight_scale=float("nan")), "weight_scale must be a finite number > 0"),
    (lambda: T.gradient_flow("tanh", weight_scale=float("inf")), "weight_scale must be a finite number > 0"),
    (lambda: T.gradient_flow("tanh", weight_scale=0), "weight_scale must be a finite number > 0"),
    (lambda: T.gradient_flow("tanh", seed=-1), "seed must be an integer >= 0"),
    (lambda: T.gradient_flow("swish"), "unknown activation 'swish'"),
    (lambda: T.gradient_flow(3), "act must be an Activation or an activation name"),
    (lambda: T.dead_fraction("relu", np.zeros(4)), "z must be a 2-D array"),
    (lambda: T.dead_fraction("relu", [[np.nan]]), "z must not contain NaN"),
    (lambda: T.dead_units("relu", bias_shift=float("-inf")), "bias_shift must be a finite number"),
    (lambda: T.make_moons(n=1), "n must be an integer >= 2"),
    (lambda: T.make_moons(noise=-0.1), "noise must be a finite number >= 0"),
    (lambda: T.make_spirals(turns=0), "turns must be a finite number > 0"),
    (lambda: T.train("tanh", X2, Y2, lr=0), "lr must be a finite number > 0"),
    (lambda: T.train("tanh", X2, Y2, epochs=0), "epochs must be an integer >= 1"),
    (lambda: T.train("tanh", X2, Y2, hidden=0), "hidden must be an integer >= 1"),
    (lambda: T.train("tanh", X2[:, :1], Y2), "X must be a 2-D array with one row per sample and 2 columns"),
    (lambda: T.train("tanh", X2, Y2[:-1]), "y must be a 1-D array of 10 labels"),
    (lambda: T.train("tanh", X2, Y2 + 1), "y must contain only the labels 0 and 1"),
    (lambda: T.train("tanh", np.full((10, 2), np.inf), Y2), "X must contain only finite numbers"),
    (lambda: T.train("tanh", X2, Y2, callback=5), "callback must be a function"),
    (lambda: T.decision_grid(object()), "result must be a TrainResult or a TinyNet"),
    (lambda: T.decision_grid(T.init_network("tanh")), "pass X"),
    (lambda: T.decision_grid(T.init_network("tanh"), X2, steps=1), "steps must be an integer >= 2"),
    (lambda: T.numerical_gradient(T.init_network("tanh"), X2, Y2, eps=0), "eps must be a finite number > 0"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m for _, m in BAD])
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
