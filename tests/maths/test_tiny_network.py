"""actviz.maths.tiny_network: forward, backward, gradient check, training."""

import numpy as np
import pytest

import actviz as T
from actviz import get, names

MOONS = T.make_moons()


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
    wrong = T.from_functions(np.tanh, lambda z: 1.0 - z * z)  # 1 - z^2 instead of 1 - tanh^2
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


# --------------------------------------------------------------------------------------
# Bad input.

X2, Y2 = T.make_moons(n=10)

BAD = [
    (lambda: T.gradient_flow("tanh", depth=0), ValueError, "depth must be an integer >= 1"),
    (lambda: T.gradient_flow("tanh", depth=2.5), TypeError, "depth must be an integer >= 1, got float 2.5"),
    (lambda: T.gradient_flow("tanh", width=0), ValueError, "width must be"),
    (lambda: T.gradient_flow("tanh", batch=True), TypeError, "batch must be"),
    (lambda: T.gradient_flow("tanh", init="glorot"), ValueError, "init must be one of 'xavier', 'he', 'normal'"),
    (lambda: T.gradient_flow("tanh", weight_scale=float("nan")), ValueError, "weight_scale must be a finite number > 0"),
    (lambda: T.gradient_flow("tanh", weight_scale=float("inf")), ValueError, "weight_scale must be a finite number > 0"),
    (lambda: T.gradient_flow("tanh", weight_scale=0), ValueError, "weight_scale must be a finite number > 0"),
    (lambda: T.gradient_flow("tanh", seed=-1), ValueError, "seed must be an integer >= 0"),
    (lambda: T.gradient_flow("swish"), ValueError, "unknown activation 'swish'"),
    (lambda: T.gradient_flow(3), TypeError, "expected an activation name"),
    (lambda: T.dead_fraction("relu", np.zeros(4)), ValueError, "z \\(pre-activations, one row per sample and one column per unit\\) must be a 2-D array"),
    (lambda: T.dead_fraction("relu", [[np.nan]]), ValueError, "contains NaN or infinity"),
    (lambda: T.dead_units("relu", bias_shift=float("-inf")), ValueError, "bias_shift must be a finite number"),
    (lambda: T.make_moons(n=1), ValueError, "n must be an integer >= 2"),
    (lambda: T.make_moons(noise=-0.1), ValueError, "noise must be a finite number >= 0"),
    (lambda: T.make_spirals(turns=0), ValueError, "turns must be a finite number > 0"),
    (lambda: T.train("tanh", X2, Y2, lr=0), ValueError, "lr must be a finite number > 0"),
    (lambda: T.train("tanh", X2, Y2, epochs=0), ValueError, "epochs must be an integer >= 1"),
    (lambda: T.train("tanh", X2, Y2, hidden=0), ValueError, "hidden must be an integer >= 1"),
    (lambda: T.train("tanh", X2[:, :1], Y2), ValueError, "X must be a 2-D array of finite numbers with one row per sample and 2 columns, got shape"),
    (lambda: T.train("tanh", X2, Y2[:-1]), ValueError, "y must be a 1-D array of 10 labels 0 or 1"),
    (lambda: T.train("tanh", X2, Y2 + 1), ValueError, "y must contain only the labels 0 and 1"),
    (lambda: T.train("tanh", np.full((10, 2), np.inf), Y2), ValueError, "X must be a 2-D array of finite numbers with one row per sample and 2 columns; it contains NaN"),
    (lambda: T.train("tanh", X2, Y2, callback=5), TypeError, "callback must be a function"),
    (lambda: T.decision_grid(object()), TypeError, "result must be a TrainResult or a TinyNet"),
    (lambda: T.decision_grid(T.init_network("tanh")), ValueError, "pass X"),
    (lambda: T.decision_grid(T.init_network("tanh"), X2, steps=1), ValueError, "steps must be an integer >= 2"),
    (lambda: T.numerical_gradient(T.init_network("tanh"), X2, Y2, eps=0), ValueError, "eps must be a finite number > 0"),
]


@pytest.mark.parametrize("call, error, message", BAD, ids=[m for _, _, m in BAD])
def test_bad_input_raises_a_plain_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
