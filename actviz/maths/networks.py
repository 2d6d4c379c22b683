"""Deep random networks (numpy only): gradient flow through depth, and dead units.

* :func:`gradient_flow`  backprop through a deep random MLP; gradient norm per layer
  (the "vanishing gradients" notebook), built on :func:`init_weights`,
  :func:`deep_forward`, :func:`deep_backward`.
* :func:`dead_fraction`, :func:`dead_units`, :func:`dead_curve`  how many units get no
  gradient at all.

Conventions used throughout (and in :mod:`actviz.maths.tiny_network`):

* A batch is a 2-D array with one **row per sample** and one **column per unit**.
* Layers are numbered from the input side: layer 1 is the first hidden layer.
* ``z`` is a pre-activation, ``a = g(z)`` an activation, ``delta = dL/dz`` the gradient of
  the loss with respect to a pre-activation.
* All randomness comes from ``numpy.random.default_rng(seed)``: the same seed gives
  bit-identical results on the same machine.
* Every function that takes an activation accepts an :class:`~actviz.maths.registry.Activation`
  or a registered name such as ``"tanh"``, and uses only its ``g`` and ``dg``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import validate
from .analysis import FLAT_SHARE, max_slope
from .registry import Activation, as_activation

__all__ = [
    "INITS", "init_std", "init_weights", "deep_forward", "deep_backward", "GradientFlow", "gradient_flow",
    "dead_fraction", "DeadUnits", "dead_units", "SHIFTS", "dead_curve",
]

#: Weight-initialisation schemes understood by :func:`init_std`.
INITS = ("xavier", "he", "normal")

# Deep random MLPs: vanishing and exploding gradients.


def init_std(init: str, fan_in: int, fan_out: int, weight_scale: float = 1.0) -> float:
    """Standard deviation of the Gaussian weights for an ``init`` scheme.

    * ``'xavier'`` (Glorot): ``weight_scale * sqrt(2 / (fan_in + fan_out))``
    * ``'he'`` (Kaiming):   ``weight_scale * sqrt(2 / fan_in)``
    * ``'normal'``:         ``weight_scale`` itself is the standard deviation.
    """
    init = validate.choice(init, "init", INITS)
    fan_in, fan_out = validate.integer(fan_in, "fan_in", low=1), validate.integer(fan_out, "fan_out", low=1)
    weight_scale = validate.real(weight_scale, "weight_scale", positive=True)
    if init == "xavier":
        return weight_scale * math.sqrt(2.0 / (fan_in + fan_out))
    if init == "he":
        return weight_scale * math.sqrt(2.0 / fan_in)
    return weight_scale


def init_weights(depth: int, width: int, init: str = "xavier", weight_scale: float = 1.0, seed: int = 0):
    """``depth`` Gaussian weight matrices of shape ``(width, width)`` (see :func:`init_std`)."""
    depth, width = validate.integer(depth, "depth", low=1), validate.integer(width, "width", low=1)
    std = init_std(init, width, width, weight_scale)
    rng = np.random.default_rng(validate.integer(seed, "seed", low=0))
    return [rng.normal(0.0, std, size=(width, width)) for _ in range(depth)]


def deep_forward(act, X, weights, biases=None):
    """Forward pass ``z_l = a_{l-1} W_l + b_l``, ``a_l = g(z_l)`` with ``a_0 = X``.

    Returns ``(zs, activations)``: lists of length ``len(weights)`` holding ``z_l`` and
    ``a_l`` for l = 1..L. ``biases`` defaults to zeros.
    """
    act = as_activation(act)
    if biases is None:
        biases = [0.0] * len(weights)
    zs, activations, a = [], [], validate.points(X, "X", dim=None)
    with np.errstate(all="ignore"):  # huge weight scales may overflow to inf: allowed, shown as inf
        for W, b in zip(weights, biases):
            z = a @ W + b  # z_l = a_{l-1} W_l + b_l
            a = act.g(z)  # a_l = g(z_l)
            zs.append(z)
            activations.append(a)
    return zs, activations


def deep_backward(act, zs, weights, upstream):
    """Backprop ``delta_l = dL/dz_l`` given ``upstream = dL/da_L``.

    ``delta_L = upstream * g'(z_L)`` and ``delta_l = (delta_{l+1} W_{l+1}^T) * g'(z_l)``.
    Returns the list ``[delta_1, ..., delta_L]`` (input side first).
    """
    act = as_activation(act)
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
    * ``preact_std[l]``   standard deviation of ``z_l`` over the batch and the units (the
      forward signal's spread).
    * ``flat_share[l]``   share of the units' ``g'(z_l)`` that are nearly flat: 0 < |g'| < 1% of
      max |g'| (:func:`~actviz.maths.analysis.flat_regions`' definition).

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
    flat_share: np.ndarray

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
    act,
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
    act = as_activation(act)
    depth, width, batch, seed = validate.integer(depth, "depth", low=1), validate.integer(width, "width", low=1), validate.integer(batch, "batch", low=1), validate.integer(seed, "seed", low=0)
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
        slopes = [np.abs(act.dg(z)) for z in zs]
        mean_abs_dg = np.array([np.mean(d) for d in slopes])
        preact_std = np.array([np.std(z) for z in zs])
        top = max_slope(act).value
        flat_share = np.array([np.mean((d > 0) & (d < FLAT_SHARE * top)) for d in slopes])
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
        flat_share=flat_share,
    )


# --------------------------------------------------------------------------------------
# Dead units.


def dead_fraction(act, z) -> float:
    """Fraction of units (columns of ``z``) whose ``g'`` is exactly 0 for every sample (row).

    Such a unit passes no gradient back for this batch, so gradient descent cannot revive it.
    """
    act = as_activation(act)
    z = validate.points(z, "z (pre-activations, one row per sample and one column per unit)", dim=None)
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
    act,
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
    act = as_activation(act)
    bias_shift = validate.real(bias_shift, "bias_shift")
    width, batch, fan_in, seed = validate.integer(width, "width", low=1), validate.integer(batch, "batch", low=1), validate.integer(fan_in, "fan_in", low=1), validate.integer(seed, "seed", low=0)
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


#: bias shifts :func:`dead_curve` is computed at (in pre-activation standard deviations)
SHIFTS = np.round(np.arange(-6.0, 2.0 + 1e-9, 0.25), 2)


def dead_curve(act, shifts=SHIFTS, **kw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(shifts, fraction of dead units, fraction of zero-gradient entries)``: what
    :func:`dead_units` reports at each bias shift (same seed, so only the shift varies).
    The layer is drawn once: ``z = X W + 0`` plus a shift is exactly the ``X W + shift``
    that ``dead_units`` computes (adding 0.0 is exact)."""
    act = as_activation(act)
    shifts = validate.real_array(shifts, "shifts")
    z0 = dead_units(act, bias_shift=0.0, **kw).z
    dead, zero = np.empty(len(shifts)), np.empty(len(shifts))
    for i, s in enumerate(shifts):
        flat = act.dg(z0 + s) == 0.0
        dead[i] = np.mean(np.all(flat, axis=0))
        zero[i] = np.mean(flat)
    return shifts, dead, zero
