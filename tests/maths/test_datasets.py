"""actviz.maths.datasets: moons and spirals."""

import numpy as np
import pytest

import actviz as T
from actviz import get, names


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
