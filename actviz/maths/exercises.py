"""Short exercises with instant feedback (numpy only).

In a notebook::

    answer = 0.25
    actviz.check("sigmoid/max-slope", answer)

prints whether the answer is right and why. The expected values are computed from the
registry where they can be, so they cannot drift from the formulas the notebooks teach.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

from .registry import get

__all__ = ["Exercise", "EXERCISES", "check"]


@dataclass(frozen=True)
class Exercise:
    question: str
    expected: Callable[[], float]
    why: str
    rel_tol: float = 1e-3
    abs_tol: float = 1e-6


def _sigmoid_layers_until(threshold: float) -> float:
    """The fewest layers L with 0.25**L below ``threshold``."""
    return float(math.ceil(math.log(threshold) / math.log(0.25)))


EXERCISES = {
    "sigmoid/max-slope": Exercise(
        "What is the largest value sigma'(z) takes?",
        lambda: float(get("sigmoid").dg(0.0)),
        "sigma'(z) = sigma(z)(1 - sigma(z)) is largest where sigma(z) = 1/2, i.e. z = 0: 1/2 * 1/2 = 1/4.",
    ),
    "sigmoid/slope-at-2": Exercise(
        "Using sigma(2) = 0.8808 only, what is sigma'(2)?",
        lambda: float(get("sigmoid").dg(2.0)),
        "sigma' = sigma(1 - sigma) = 0.8808 * 0.1192 = 0.105: no exponential needed.",
    ),
    "sigmoid/layers": Exercise(
        "Through how many sigmoid layers (each at its best slope 1/4, weights 1) does a gradient shrink below 1e-6?",
        lambda: _sigmoid_layers_until(1e-6),
        "0.25**L < 1e-6 means L > log(1e-6)/log(0.25) = 9.97, so L = 10.",
        rel_tol=0.0, abs_tol=0.0,
    ),
    "tanh/max-slope": Exercise(
        "What is the largest value tanh'(z) takes?",
        lambda: float(get("tanh").dg(0.0)),
        "tanh' = 1 - tanh^2 is largest where tanh(z) = 0, i.e. z = 0: the slope is 1, four times sigmoid's.",
    ),
    "tanh/slope-from-value": Exercise(
        "A tanh unit outputs 0.9. What is its local gradient tanh'(z)?",
        lambda: 1.0 - 0.9**2,
        "tanh' = 1 - tanh^2 = 1 - 0.81 = 0.19: the output alone tells you the gradient.",
    ),
    "tanh/vs-sigmoid": Exercise(
        "tanh(z) = a * sigmoid(b * z) - 1. What is a * b?",
        lambda: 4.0,
        "tanh(z) = 2 sigma(2z) - 1, so a = 2 and b = 2: a * b = 4.",
    ),
    "relu/slope-at-zero": Exercise(
        "Under this series' convention (PyTorch's), what is relu'(0)?",
        lambda: float(get("relu").dg(0.0)),
        "ReLU has no derivative at 0; frameworks pick one side. PyTorch and actviz use 0 (the left side).",
    ),
    "relu/dead-share": Exercise(
        "Pre-activations of a ReLU unit are uniform on [-3, 1]. What fraction of inputs pass back no gradient?",
        lambda: 0.75,
        "relu'(z) = 0 for z <= 0, which is 3 of the 4 units of the interval: 0.75.",
    ),
    "relu/chain": Exercise(
        "z = 2x - 1 and y = relu(z). What is dy/dx at x = 2?",
        lambda: 2.0 * float(get("relu").dg(2.0 * 2.0 - 1.0)),
        "z = 3 > 0 so relu'(z) = 1, and dz/dx = 2: dy/dx = 1 * 2 = 2 (chain rule).",
    ),
    "leaky/slope-left": Exercise(
        "For Leaky ReLU with alpha = 0.1, what is g'(-5)?",
        lambda: float(get("leaky_relu", alpha=0.1).dg(-5.0)),
        "Left of zero the slope is alpha, whatever z is: 0.1. The gradient never vanishes there.",
    ),
    "leaky/value-left": Exercise(
        "For Leaky ReLU with alpha = 0.2, what is g(-3)?",
        lambda: float(get("leaky_relu", alpha=0.2).g(-3.0)),
        "g(z) = alpha * z for z <= 0: 0.2 * (-3) = -0.6.",
    ),
    "leaky/alpha-one": Exercise(
        "Which alpha turns Leaky ReLU into the identity g(z) = z? (a number)",
        lambda: 1.0,
        "With alpha = 1 both pieces are z: the unit is linear, and a stack of linear units is one linear map.",
    ),
}


def check(exercise: str, answer) -> None:
    """Print whether ``answer`` is right for ``exercise`` and why (prints only, returns None)."""
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; known: {', '.join(EXERCISES)}")
    ex = EXERCISES[exercise]
    if answer is None or answer is ...:
        print(f"{ex.question}\nType your answer in place of None, then run this cell again.")
        return
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(float(answer)):
        print(f"Please answer with a finite number, not {answer!r}.")
        return
    expected = ex.expected()
    right = math.isclose(float(answer), expected, rel_tol=ex.rel_tol, abs_tol=ex.abs_tol)
    print(("Right! " if right else f"Not quite: {float(answer):g} is off. ") + (ex.why if right else "Try again, or open the solution below."))
