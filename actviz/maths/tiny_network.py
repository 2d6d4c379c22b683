"""The tiny network: 2 inputs -> hidden units with activation g -> 1 sigmoid output (numpy only).

:class:`TinyNet`, :func:`init_network`, :func:`forward`, :func:`backward`, :func:`train`,
:func:`decision_grid`: trained by full-batch gradient descent on the mean binary
cross-entropy; :func:`numerical_gradient` and :func:`gradient_check` compare
:func:`backward` with central differences. Conventions as in :mod:`actviz.maths.networks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

from . import validate
from .registry import Activation, as_activation, get

__all__ = [
    "PARAM_NAMES", "TinyNet", "Cache", "init_network", "forward", "bce_loss", "backward",
    "numerical_gradient", "gradient_check", "TrainResult", "train", "decision_grid",
]

_SIGMOID = get("sigmoid")  # the output unit of the tiny net (stable for any logit)

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


def init_network(act, hidden: int = 16, seed: int = 0, n_in: int = 2) -> TinyNet:
    """Random weights: ``W1 ~ N(0, 2/n_in)`` (He), ``b1 ~ N(0, 0.5^2)``, ``W2 ~ N(0, 1/hidden)``, ``b2 = 0``.

    The random ``b1`` spreads the hidden units' boundaries around the data instead of all
    passing through the origin.
    """
    act = as_activation(act)
    hidden, seed, n_in = validate.integer(hidden, "hidden", low=1), validate.integer(seed, "seed", low=0), validate.integer(n_in, "n_in", low=1)
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
    X = validate.points(X, "X", dim=net.W1.shape[0])
    z1 = X @ net.W1 + net.b1  # z1 = X W1 + b1
    a1 = net.act.g(z1)  # a1 = g(z1)
    z2 = a1 @ net.W2 + net.b2  # z2 = a1 W2 + b2
    p = _SIGMOID.g(z2)  # p = sigmoid(z2)
    return Cache(X, z1, a1, z2, p)


def bce_loss(cache: Cache, y) -> float:
    """Mean binary cross-entropy ``-mean(y log p + (1-y) log(1-p))``, in nats.

    Computed from the logit as ``mean(log(1 + e^z2) - y z2)``, which never takes log(0).
    """
    y = validate.labels(y, cache.X.shape[0]).reshape(-1, 1)
    return float(np.mean(np.logaddexp(0.0, cache.z2) - y * cache.z2))


def backward(net: TinyNet, cache: Cache, y) -> dict:
    """Gradients of :func:`bce_loss` for every parameter, one line per equation.

    Returns ``{'W1': dL/dW1, 'b1': dL/db1, 'W2': dL/dW2, 'b2': dL/db2}``.
    """
    y = validate.labels(y, cache.X.shape[0]).reshape(-1, 1)
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
    eps = validate.real(eps, "eps", positive=True)
    X = validate.points(X, "X", dim=net.W1.shape[0])
    y = validate.labels(y, X.shape[0])
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
    analytic = backward(net, forward(net, validate.points(X, "X", dim=net.W1.shape[0])), validate.labels(y, len(X)))
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
        return self.net.predict_proba(validate.points(X, "X", dim=self.net.W1.shape[0]))


def _accuracy(cache: Cache, y: np.ndarray) -> float:
    return float(np.mean((cache.p[:, 0] > 0.5) == (y == 1)))


def train(
    act,
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
    act = as_activation(act)
    X = validate.points(X)
    y = validate.labels(y, X.shape[0])
    lr = validate.real(lr, "lr", positive=True)
    epochs, seed = validate.integer(epochs, "epochs", low=1), validate.integer(seed, "seed", low=0)
    validate.function(callback, "callback", optional=True)
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
        raise TypeError(f"result must be a TrainResult or a TinyNet, got {type(result).__name__}")
    if X is None:
        if not isinstance(result, TrainResult):
            raise ValueError("pass X (the points to frame) when result is a TinyNet")
        X = result.X
    X = validate.points(X)
    steps, margin = validate.integer(steps, "steps", low=2), validate.real(margin, "margin", low=0.0)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    with np.errstate(all="ignore"):
        proba = net.predict_proba(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    return xx, yy, proba
