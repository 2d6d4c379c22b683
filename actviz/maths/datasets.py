"""Toy 2-D datasets for the tiny network (numpy only).

``X`` has shape ``(n, 2)``, ``y`` shape ``(n,)`` with int labels 0 and 1; rows are ordered
by class; the same seed gives the same points.
"""

from __future__ import annotations

import numpy as np

from . import validate

__all__ = ["make_moons", "make_spirals", "DATASETS", "dataset"]


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, centred near the origin; returns ``(X, y)``.

    ``n // 2`` points of class 0 on the upper moon, the rest class 1 on the lower one,
    plus Gaussian noise of std ``noise`` on both coordinates. Rows are ordered by class.
    (As scikit-learn's ``make_moons``, shifted by ``(-0.5, -0.25)``.)
    """
    n, noise, seed = validate.integer(n, "n", low=2), validate.real(noise, "noise", low=0.0), validate.integer(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) - [0.5, 0.25] + rng.normal(0.0, noise, size=(n, 2))
    y = np.repeat(np.array([0, 1]), [n0, n - n0])
    return X, y


def make_spirals(n: int = 200, noise: float = 0.05, turns: float = 1.0, seed: int = 0):
    """Two interleaved Archimedean spirals of radius up to 1; returns ``(X, y)``.

    Class k (``n // 2`` points for class 0, the rest class 1) lies on
    ``r = t, angle = 2 pi turns t + k pi`` for ``t`` evenly spaced in [0.1, 1], plus
    Gaussian noise of std ``noise``. More ``turns`` make the problem harder.
    """
    n, noise, seed = validate.integer(n, "n", low=2), validate.real(noise, "noise", low=0.0), validate.integer(seed, "seed", low=0)
    turns = validate.real(turns, "turns", positive=True)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    parts = []
    for k, m in ((0, n0), (1, n - n0)):
        t = np.linspace(0.1, 1.0, m)
        angle = 2.0 * np.pi * turns * t + k * np.pi
        parts.append(np.column_stack([t * np.cos(angle), t * np.sin(angle)]))
    X = np.vstack(parts) + rng.normal(0.0, noise, size=(n, 2))
    y = np.repeat(np.array([0, 1]), [n0, n - n0])
    return X, y


#: the datasets of the training view: name -> function(n, seed) -> (X, y)
DATASETS = {
    "moons": lambda n, seed: make_moons(n, noise=0.1, seed=seed),
    "spirals": lambda n, seed: make_spirals(n, noise=0.05, seed=seed),
}


def dataset(name: str, n: int = 200, seed: int = 0):
    """``(X, y)`` of a named dataset (``'moons'`` or ``'spirals'``) with its default noise."""
    name = validate.choice(name, "dataset", DATASETS)
    return DATASETS[name](validate.integer(n, "n", low=2), validate.integer(seed, "seed", low=0))
