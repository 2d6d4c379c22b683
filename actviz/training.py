"""Small numpy networks for the training notebooks: gradient flow, dead units, a tiny net.

numpy only (no plotting here). Every function that takes an activation accepts either an
:class:`~actviz.activations.Activation` or a registered name such as ``"tanh"``, and uses
only its ``g`` and ``dg`` -- so it works for any activation in the registry.

Conventions used throughout:

* A batch is a 2-D array with one **row per sample** and one **column per unit**.
* Layers are numbered from the input side: layer 1 is the first hidden layer.
* ``z`` is a pre-activation, ``a = g(z)`` an activation, ``delta = dL/dz`` the gradient of
  the loss with respect to a pre-activation.
* All randomness comes from ``numpy.random.default_rng(seed)``: the same seed gives
  bit-identical results on the same machine.
* Bad arguments raise ``ValueError`` with a message saying what is allowed.

Contents:

* :func:`gradient_flow`  backprop through a deep random MLP; gradient norm per layer
  (the "vanishing gradients" notebook), built on :func:`init_weights`,
  :func:`deep_forward`, :func:`deep_backward`.
* :func:`dead_fraction`, :func:`dead_units`  how many units get no gradient at all.
* :func:`make_moons`, :func:`make_spirals`  2-D toy datasets.
* :class:`TinyNet`, :func:`init_network`, :func:`forward`, :func:`backward`,
  :func:`train`, :func:`decision_grid`  a 2 -> hidden -> 1 network trained by
  full-batch gradient descent, with a sigmoid output and binary cross-entropy.
* :func:`numerical_gradient`, :func:`gradient_check`  central-difference check of
  :func:`backward`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

from .activations import Activation, get

__all__ = [
    "INITS",
    "init_std",
    "init_weights",
    "deep_forward",
    "deep_backward",
    "GradientFlow",
    "gradient_flow",
    "dead_fraction",
    "DeadUnits",
    "dead_units",
    "make_moons",
    "make_spirals",
    "PARAM_NAMES",
    "TinyNet",
    "Cache",
    "init_network",
    "forward",
    "bce_loss",
    "backward",
    "numerical_gradient",
    "gradient_check",
    "TrainResult",
    "train",
    "decision_grid",
]

ActLike = Union[Activation, str]

#: Weight-initialisation schemes understood by :func:`init_std`.
INITS = ("xavier", "he", "normal")

_SIGMOID = get("sigmoid")  # the output unit of the tiny net (stable for any logit)


# --------------------------------------------------------------------------------------
# Argument checking (plain ValueErrors that say what is allowed).


def _activation(act) -> Activation:
    if isinstance(act, Activation):
        return act
    if isinstance(act, str):
        return get(act)  # raises ValueError listing the known names
    raise ValueError(f"act must be an Activation or an activation name (a string), got {type(act).__name__} {act!r}")


def _int(value, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {low}, got {type(value).__name__} {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _real(value, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    allowed = "a finite number" + (" > 0" if positive else " >= 0" if nonnegative else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be {allowed}, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0) or (nonnegative and value < 0):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def _seed(seed) -> int:
    return _int(seed, "seed", 0)


def _points(X, name: str = "X", dim: Optional[int] = 2) -> np.ndarray:
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of real numbers (one row per sample)") from None
    if X.ndim != 2 or X.shape[0] < 1 or (dim is not None and X.shape[1] != dim):
        cols = f"{dim} columns" if dim is not None else "at least one column"
        raise ValueError(f"{name} must be a 2-D array with one row per sample and {cols}, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must contain only finite numbers")
    return X


def _labels(y, n: int) -> np.ndarray:
    try:
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("y must be an array of 0/1 labels") from None
    if y.shape != (n,):
        raise ValueError(f"y must be a 1-D array of {n} labels (one per row of X), got shape {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only the labels 0 and 1")
    return y


# --------------------------------------------------------------------------------------
# Deep random MLPs: vanishing and exploding gradients.


def init_std(init: str, fan_in: int, fan_out: int, weight_scale: float = 1.0) -> float:
    """Standard deviation of the Gaussian weights for an ``init`` scheme.

    * ``'xavier'`` (Glorot): ``weight_scale * sqrt(2 / (fan_in + fan_out))``
    * ``'he'`` (Kaiming):   ``weight_scale * sqrt(2 / fan_in)``
    * ``'normal'``:         ``weight_scale`` itself is the standard deviation.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(repr(i) for i in INITS)}; got {init!r}")
    fan_in, fan_out = _int(fan_in, "fan_in"), _int(fan_out, "fan_out")
    weight_scale = _real(weight_scale, "weight_scale", positive=True)
    if init == "xavier":
        return weight_scale * math.sqrt(2.0 / (fan_in + fan_out))
    if init == "he":
        return weight_scale * math.sqrt(2.0 / fan_in)
    return weight_scale


def init_weights(depth: int, width: int, init: str = "xavier", weight_scale: float = 1.0, seed: int = 0):
    """``depth`` Gaussian weight matrices of shape ``(width, width)`` (see :func:`init_std`)."""
    depth, width = _int(depth, "depth"), _int(width, "width")
    std = init_std(init, width, width, weight_scale)
    rng = np.random.default_rng(_seed(seed))
    return [rng.normal(0.0, std, size=(width, width)) for _ in range(depth)]


def deep_forward(act: ActLike, X, weights, biases=None):
    """Forward pass ``z_l = a_{l-1} W_l + b_l``, ``a_l = g(z_l)`` with ``a_0 = X``.

    Returns ``(zs, activations)``: lists of length ``len(weights)`` holding ``z_l`` and
    ``a_l`` for l = 1..L. ``biases`` defaults to zeros.
    """
    act = _activation(act)
    if biases is None:
        biases = [0.0] * len(weights)
    zs, activations, a = [], [], np.asarray(X, dtype=np.float64)
    with np.errstate(all="ignore"):  # huge weight scales may overflow to inf: allowed, shown as inf
        for W, b in zip(weights, biases):
            z = a @ W + b  # z_l = a_{l-1} W_l + b_l
            a = act.g(z)  # a_l = g(z_l)
            zs.append(z)
            activations.append(a)
    return zs, activations


def deep_backward(act: ActLike, zs, weights, upstream):
    """Backprop ``delta_l = dL/dz_l`` given ``upstream = dL/da_L``.

    ``delta_L = upstream * g'(z_L)`` and ``delta_l = (delta_{l+1} W_{l+1}^T) * g'(z_l)``.
    Returns the list ``[delta_1, ..., delta_L]`` (input side first).
    """
    act = _activation(act)
    L = len(zs)
    deltas = [None] * L
    with np.errstate(all="ignore"):
        grad_a = np.asarray(upstream, dtype=np.float64)  # dL/da_L
        for l in range(L - 1, -1, -1):
            deltas[l] = grad_a * act.dg(zs[l])  # dL/dz_l = dL/da_l * g'(z_l)
            grad_a = deltas[l] @ weights[l].T  # dL/da_{l-1} = dL/dz_l W_l^T
    return deltas


def _norm(x: np.ndarray) -> float:
    """Frobenius norm that does not underflow for tiny entries (1e-200 stays 1e-200, not 0)."""
    m = np.max(np.abs(x))
    if not np.isfinite(m) or m == 0:
        return float(m)  # 0, inf or nan
    return float(m * np.linalg.norm(x / m))


@dataclass(frozen=True)
class GradientFlow:
    """Per-layer statistics of one backward pass through a deep random MLP.

    Arrays are indexed by layer, ``[0]`` = layer 1 = the input side.

    * ``grad_norms[l]``   Frobenius norm of ``dL/dz_l`` over the whole batch.
    * ``weight_grad_norms[l]``  Frobenius norm of ``dL/dW_l = a_{l-1}^T dL/dz_l``.
    * ``ratios[l]``       ``grad_norms[l] / grad_norms[l+1]`` (length ``depth - 1``): the
      factor applied as the gradient is passed back one layer; < 1 means it shrinks
      (sigmoid with Xavier init is about 0.23, i.e. a ~4x shrink per layer).
    * ``mean_abs_dg[l]``  mean of ``|g'(z_l)|`` over the batch and the units.
    * ``preact_std[l]``   standard deviation of ``z_l`` over the batch and the units.

    The loss is ``L = sum(G * a_L)`` with ``G`` a fixed standard-normal matrix drawn from
    ``seed``, i.e. the upstream gradient ``dL/da_L = G``. Norms can be 0, inf or nan when
    the signal underflows or overflows (extreme weight scales); ratios then too.
    """

    act: Activation
    depth: int
    width: int
    batch: int
    init: str
    weight_scale: float
    weight_std: float
    seed: int
    grad_norms: np.ndarray
    weight_grad_norms: np.ndarray
    ratios: np.ndarray
    mean_abs_dg: np.ndarray
    preact_std: np.ndarray

    @property
    def layers(self) -> np.ndarray:
        """Layer numbers 1..depth, for the x-axis of a plot."""
        return np.arange(1, self.depth + 1)

    @property
    def mean_ratio(self) -> float:
        """Geometric mean of :attr:`ratios` (nan when depth == 1): the typical per-layer factor."""
        if self.depth < 2:
            return float("nan")
        with np.errstate(all="ignore"):
            return float((self.grad_norms[0] / self.grad_norms[-1]) ** (1.0 / (self.depth - 1)))


def gradient_flow(
    act: ActLike,
    depth: int = 10,
    width: int = 64,
    batch: int = 256,
    init: str = "xavier",
    weight_scale: float = 1.0,
    seed: int = 0,
) -> GradientFlow:
    """Forward a random batch through ``depth`` layers of ``width`` units and backprop.

    Input ``X`` is standard normal, shape ``(batch, width)``; biases are zero; weights are
    Gaussian with the std of :func:`init_std`. See :class:`GradientFlow` for the loss and
    the statistics returned.
    """
    act = _activation(act)
    depth, width, batch, seed = _int(depth, "depth"), _int(width, "width"), _int(batch, "batch"), _seed(seed)
    weights = init_weights(depth, width, init, weight_scale, seed)
    rng = np.random.default_rng([seed, 1])  # a separate stream for the data
    X = rng.standard_normal((batch, width))
    G = rng.standard_normal((batch, width))  # upstream gradient dL/da_L
    zs, activations = deep_forward(act, X, weights)
    deltas = deep_backward(act, zs, weights, G)
    inputs = [X] + activations[:-1]  # a_{l-1} for l = 1..L
    with np.errstate(all="ignore"):
        grad_norms = np.array([_norm(d) for d in deltas])
        weight_grad_norms = np.array([_norm(a.T @ d) for a, d in zip(inputs, deltas)])
        ratios = grad_norms[:-1] / grad_norms[1:]
        mean_abs_dg = np.array([np.mean(np.abs(act.dg(z))) for z in zs])
        preact_std = np.array([np.std(z) for z in zs])
    return GradientFlow(
        act=act,
        depth=depth,
        width=width,
        batch=batch,
        init=init,
        weight_scale=float(weight_scale),
        weight_std=init_std(init, width, width, weight_scale),
        seed=seed,
        grad_norms=grad_norms,
        weight_grad_norms=weight_grad_norms,
        ratios=ratios,
        mean_abs_dg=mean_abs_dg,
        preact_std=preact_std,
    )


# --------------------------------------------------------------------------------------
# Dead units.


def dead_fraction(act: ActLike, z) -> float:
    """Fraction of units (columns of ``z``) whose ``g'`` is exactly 0 for every sample (row).

    Such a unit passes no gradient back for this batch, so gradient descent cannot revive it.
    """
    act = _activation(act)
    shape_msg = "z must be a 2-D array of pre-activations, one row per sample and one column per unit"
    try:
        z = np.asarray(z, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(shape_msg) from None
    if z.ndim != 2 or z.shape[0] < 1 or z.shape[1] < 1:
        raise ValueError(f"{shape_msg}, got shape {z.shape}")
    if np.any(np.isnan(z)):
        raise ValueError("z must not contain NaN")
    return float(np.mean(np.all(act.dg(z) == 0.0, axis=0)))


@dataclass(frozen=True)
class DeadUnits:
    """One layer's pre-activations after a bias shift, and which units still get a gradient.

    * ``z``                   pre-activations, shape ``(batch, width)``.
    * ``dead``                bool per unit: ``g'(z) == 0`` for every sample.
    * ``fraction_dead``       mean of ``dead`` (what :func:`dead_fraction` returns).
    * ``fraction_zero_grad``  fraction of all (sample, unit) entries with ``g'(z) == 0``.
    * ``active_fraction``     per unit, fraction of samples with ``g'(z) != 0``.
    * ``mean_dg``             per unit, mean of ``g'(z)`` over the batch.
    """

    act: Activation
    bias_shift: float
    z: np.ndarray
    dead: np.ndarray
    fraction_dead: float
    fraction_zero_grad: float
    active_fraction: np.ndarray
    mean_dg: np.ndarray


def dead_units(
    act: ActLike,
    bias_shift: float = -3.0,
    width: int = 256,
    batch: int = 512,
    fan_in: int = 64,
    seed: int = 0,
) -> DeadUnits:
    """One layer ``z = X W + bias_shift`` with standard-normal ``X`` of shape ``(batch, fan_in)``.

    ``W`` has std ``1/sqrt(fan_in)``, so before the shift every unit's pre-activation has
    mean 0 and std about 1: ``bias_shift`` is measured in pre-activation standard
    deviations. It stands for a bias pushed down by one large gradient step. With the
    defaults about half the ReLU units are dead (no sample makes them positive); from
    about -5 on nearly all are. Leaky ReLU (alpha > 0) has none: its gradient is alpha.
    """
    act = _activation(act)
    bias_shift = _real(bias_shift, "bias_shift")
    width, batch, fan_in, seed = _int(width, "width"), _int(batch, "batch"), _int(fan_in, "fan_in"), _seed(seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, fan_in))
    W = rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=(fan_in, width))
    z = X @ W + bias_shift
    dg = act.dg(z)
    zero = dg == 0.0
    dead = np.all(zero, axis=0)
    return DeadUnits(
        act=act,
        bias_shift=bias_shift,
        z=z,
        dead=dead,
        fraction_dead=float(np.mean(dead)),
        fraction_zero_grad=float(np.mean(zero)),
        active_fraction=np.mean(~zero, axis=0),
        mean_dg=np.mean(dg, axis=0),
    )


# --------------------------------------------------------------------------------------
# Toy datasets. X has shape (n, 2), y has shape (n,) with int labels 0 and 1.


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, centred near the origin; returns ``(X, y)``.

    ``n // 2`` points of class 0 on the upper moon, the rest class 1 on the lower one,
    plus Gaussian noise of std ``noise`` on both coordinates. Rows are ordered by class.
    (As scikit-learn's ``make_moons``, shifted by ``(-0.5, -0.25)``.)
    """
    n, noise, seed = _int(n, "n", 2), _real(noise, "noise", nonnegative=True), _seed(seed)
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
    n, noise, seed = _int(n, "n", 2), _real(noise, "noise", nonnegative=True), _seed(seed)
    turns = _real(turns, "turns", positive=True)
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


# --------------------------------------------------------------------------------------
# The tiny network: 2 inputs -> hidden units with activation g -> 1 sigmoid output.

PARAM_NAMES = ("W1", "b1", "W2", "b2")


@dataclass
class TinyNet:
    """Weights of a ``n_in -> hidden -> 1`` network (arrays are updated in place by :func:`train`).

    ``W1``: (n_in, hidden), ``b1``: (hidden,), ``W2``: (hidden, 1), ``b2``: (1,).
    """

    act: Activation
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    @property
    def params(self) -> dict:
        """``{'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}`` (the arrays themselves, not copies)."""
        return {name: getattr(self, name) for name in PARAM_NAMES}

    @property
    def hidden(self) -> int:
        return self.W1.shape[1]

    def copy(self) -> "TinyNet":
        return TinyNet(self.act, *(getattr(self, name).copy() for name in PARAM_NAMES))

    def predict_proba(self, X) -> np.ndarray:
        """P(class 1 | x) for each row of ``X``, shape ``(n,)``."""
        return forward(self, X).p[:, 0]


@dataclass(frozen=True)
class Cache:
    """Everything the forward pass computed, kept for the backward pass."""

    X: np.ndarray  # (n, n_in)  inputs
    z1: np.ndarray  # (n, hidden) hidden pre-activations
    a1: np.ndarray  # (n, hidden) hidden activations g(z1)
    z2: np.ndarray  # (n, 1)      output logits
    p: np.ndarray  # (n, 1)      P(class 1) = sigmoid(z2)


def init_network(act: ActLike, hidden: int = 16, seed: int = 0, n_in: int = 2) -> TinyNet:
    """Random weights: ``W1 ~ N(0, 2/n_in)`` (He), ``b1 ~ N(0, 0.5^2)``, ``W2 ~ N(0, 1/hidden)``, ``b2 = 0``.

    The random ``b1`` spreads the hidden units' boundaries around the data instead of all
    passing through the origin.
    """
    act = _activation(act)
    hidden, seed, n_in = _int(hidden, "hidden"), _seed(seed), _int(n_in, "n_in")
    rng = np.random.default_rng(seed)
    return TinyNet(
        act=act,
        W1=rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_in, hidden)),
        b1=rng.normal(0.0, 0.5, size=hidden),
        W2=rng.normal(0.0, math.sqrt(1.0 / hidden), size=(hidden, 1)),
        b2=np.zeros(1),
    )


def forward(net: TinyNet, X) -> Cache:
    """The forward pass, one line per equation."""
    X = np.asarray(X, dtype=np.float64)
    z1 = X @ net.W1 + net.b1  # z1 = X W1 + b1
    a1 = net.act.g(z1)  # a1 = g(z1)
    z2 = a1 @ net.W2 + net.b2  # z2 = a1 W2 + b2
    p = _SIGMOID.g(z2)  # p = sigmoid(z2)
    return Cache(X, z1, a1, z2, p)


def bce_loss(cache: Cache, y) -> float:
    """Mean binary cross-entropy ``-mean(y log p + (1-y) log(1-p))``, in nats.

    Computed from the logit as ``mean(log(1 + e^z2) - y z2)``, which never takes log(0).
    """
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    return float(np.mean(np.logaddexp(0.0, cache.z2) - y * cache.z2))


def backward(net: TinyNet, cache: Cache, y) -> dict:
    """Gradients of :func:`bce_loss` for every parameter, one line per equation.

    Returns ``{'W1': dL/dW1, 'b1': dL/db1, 'W2': dL/dW2, 'b2': dL/db2}``.
    """
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    n = y.shape[0]
    dz2 = (cache.p - y) / n  # dL/dz2 = (p - y) / n      (sigmoid + cross-entropy)
    dW2 = cache.a1.T @ dz2  # dL/dW2 = a1^T dL/dz2
    db2 = dz2.sum(axis=0)  # dL/db2 = sum over samples of dL/dz2
    da1 = dz2 @ net.W2.T  # dL/da1 = dL/dz2 W2^T
    dz1 = da1 * net.act.dg(cache.z1)  # dL/dz1 = dL/da1 * g'(z1)   <- the activation's derivative
    dW1 = cache.X.T @ dz1  # dL/dW1 = X^T dL/dz1
    db1 = dz1.sum(axis=0)  # dL/db1 = sum over samples of dL/dz1
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def numerical_gradient(net: TinyNet, X, y, eps: float = 1e-6) -> dict:
    """Central differences ``(L(w + eps) - L(w - eps)) / (2 eps)`` for every weight.

    Same keys and shapes as :func:`backward`. ``net`` is left unchanged. Slow (two forward
    passes per weight): meant for checking :func:`backward` on small nets.
    """
    eps = _real(eps, "eps", positive=True)
    X = _points(X, "X", dim=net.W1.shape[0])
    y = _labels(y, X.shape[0])
    grads = {}
    for name, w in net.params.items():
        g = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            old = w[i]
            w[i] = old + eps
            plus = bce_loss(forward(net, X), y)
            w[i] = old - eps
            minus = bce_loss(forward(net, X), y)
            w[i] = old
            g[i] = (plus - minus) / (2.0 * eps)
        grads[name] = g
    return grads


def gradient_check(net: TinyNet, X, y, eps: float = 1e-6) -> dict:
    """Relative error ``|a - b| / (|a| + |b|)`` (Frobenius norms) of :func:`backward`
    against :func:`numerical_gradient`, per parameter. Below ~1e-7 means they agree."""
    analytic = backward(net, forward(net, _points(X, "X", dim=net.W1.shape[0])), _labels(y, len(X)))
    numeric = numerical_gradient(net, X, y, eps)
    out = {}
    for name in PARAM_NAMES:
        a, b = analytic[name], numeric[name]
        scale = np.linalg.norm(a) + np.linalg.norm(b)
        out[name] = float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0
    return out


@dataclass
class TrainResult:
    """The outcome of :func:`train`.

    * ``losses[k]``      mean cross-entropy (nats) after ``k`` updates; ``losses[0]`` is the
      initial loss, so there are ``epochs_run + 1`` entries.
    * ``accuracies[k]``  training accuracy (fraction correct at threshold 0.5) after ``k`` updates.
    * ``net``            the final :class:`TinyNet`; ``X``, ``y`` the training data.
    * ``diverged``       True if the loss became non-finite (learning rate too large); the
      run stops there. ``stopped`` is True if the callback asked to stop.
    """

    act: Activation
    net: TinyNet
    X: np.ndarray
    y: np.ndarray
    lr: float
    epochs: int
    seed: int
    losses: np.ndarray
    accuracies: np.ndarray
    diverged: bool = False
    stopped: bool = False

    @property
    def epochs_run(self) -> int:
        return len(self.losses) - 1

    @property
    def loss(self) -> float:
        """The final loss."""
        return float(self.losses[-1])

    @property
    def accuracy(self) -> float:
        """The final training accuracy."""
        return float(self.accuracies[-1])

    @property
    def params(self) -> dict:
        return self.net.params

    def predict_proba(self, X) -> np.ndarray:
        """P(class 1 | x) for each row of ``X``, shape ``(n,)``."""
        return self.net.predict_proba(_points(X, "X", dim=self.net.W1.shape[0]))


def _accuracy(cache: Cache, y: np.ndarray) -> float:
    return float(np.mean((cache.p[:, 0] > 0.5) == (y == 1)))


def train(
    act: ActLike,
    X,
    y,
    hidden: int = 16,
    lr: float = 1.0,
    epochs: int = 1000,
    seed: int = 0,
    callback: Optional[Callable] = None,
) -> TrainResult:
    """Full-batch gradient descent on the mean binary cross-entropy.

    Each epoch is one :func:`backward` on the whole of ``X``, then ``w <- w - lr * dL/dw``.
    ``callback(epoch, loss, net)``, if given, is called after every update with the
    1-based epoch number, the loss after that update and the current net (do not modify
    it); return ``True`` from it to stop early.
    """
    act = _activation(act)
    X = _points(X)
    y = _labels(y, X.shape[0])
    lr = _real(lr, "lr", positive=True)
    epochs, seed = _int(epochs, "epochs"), _seed(seed)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be a function callback(epoch, loss, net) or None, got {callback!r}")
    net = init_network(act, hidden, seed, n_in=X.shape[1])
    losses, accuracies = np.full(epochs + 1, np.nan), np.full(epochs + 1, np.nan)
    diverged = stopped = False
    with np.errstate(all="ignore"):  # a too-large lr may overflow; we detect it and stop
        cache = forward(net, X)
        losses[0], accuracies[0] = bce_loss(cache, y), _accuracy(cache, y)
        for epoch in range(1, epochs + 1):
            grads = backward(net, cache, y)
            for name, w in net.params.items():
                w -= lr * grads[name]  # gradient-descent step, in place
            cache = forward(net, X)
            losses[epoch], accuracies[epoch] = bce_loss(cache, y), _accuracy(cache, y)
            if not math.isfinite(losses[epoch]):
                diverged = True
            elif callback is not None and callback(epoch, float(losses[epoch]), net) is True:
                stopped = True
            if diverged or stopped:
                losses, accuracies = losses[: epoch + 1], accuracies[: epoch + 1]
                break
    return TrainResult(act, net, X, y.astype(int), lr, epochs, seed, losses, accuracies, diverged, stopped)


def decision_grid(result: Union[TrainResult, TinyNet], X=None, steps: int = 100, margin: float = 0.5):
    """``(xx, yy, proba)`` for a contour plot of P(class 1) over the data's bounding box.

    The box is the range of ``X`` (default: the training data of ``result``) widened by
    ``margin`` on every side; ``xx``, ``yy`` and ``proba`` all have shape ``(steps, steps)``
    as from ``numpy.meshgrid``.
    """
    net = result.net if isinstance(result, TrainResult) else result
    if not isinstance(net, TinyNet):
        raise ValueError(f"result must be a TrainResult or a TinyNet, got {type(result).__name__}")
    if X is None:
        if not isinstance(result, TrainResult):
            raise ValueError("pass X (the points to frame) when result is a TinyNet")
        X = result.X
    X = _points(X)
    steps, margin = _int(steps, "steps", 2), _real(margin, "margin", nonnegative=True)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    with np.errstate(all="ignore"):
        proba = net.predict_proba(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    return xx, yy, proba
