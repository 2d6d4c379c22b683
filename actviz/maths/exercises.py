"""Exercises with a number as the answer, with instant feedback (numpy only).

In a notebook::

    answer = 0.25
    actviz.check("sigmoid/max-slope", answer)

prints whether the answer is right and why; a common wrong answer gets a targeted hint. The
expected values are computed from the registry where they can be, so they cannot drift from
the formulas the notebooks teach. Exercises whose answer is a formula are in
:mod:`actviz.symbolic.exercises` (``actviz.check`` serves both).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable

from .registry import get
from .special import Phi

__all__ = ["Exercise", "EXERCISES", "check_number", "feedback"]


@dataclass(frozen=True)
class Exercise:
    """``expected()`` gives the answer; ``hints`` are (wrong answer, what it shows) pairs,
    matched with the same tolerance; ``why`` is shown with a right answer."""

    question: str
    expected: Callable[[], float]
    why: str
    rel_tol: float = 1e-3
    abs_tol: float = 1e-6
    hints: tuple = field(default_factory=tuple)


def _layers_until(threshold: float, factor: float) -> float:
    """The fewest layers L with factor**L below ``threshold`` (one factor g' per layer)."""
    return float(math.ceil(math.log(threshold) / math.log(factor)))


def _sigmoid(z: float) -> float:
    return float(get("sigmoid").g(z))


EXERCISES = {
    # 01 sigmoid
    "sigmoid/max-slope": Exercise(
        "What is the largest value sigma'(z) takes?",
        lambda: float(get("sigmoid").dg(0.0)),
        "sigma'(z) = sigma(z)(1 - sigma(z)) is largest where sigma(z) = 1/2, i.e. z = 0: 1/2 * 1/2 = 1/4.",
        hints=((0.5, "0.5 is sigma(0), the value of the function, not its slope."),
               (1.0, "1 is tanh's largest slope; sigma' = sigma (1 - sigma) is at most 1/2 * 1/2.")),
    ),
    "sigmoid/slope-at-2": Exercise(
        "Using sigma(2) = 0.8808 only, what is sigma'(2)?",
        lambda: float(get("sigmoid").dg(2.0)),
        "sigma' = sigma(1 - sigma) = 0.8808 * 0.1192 = 0.105: no exponential needed.",
        rel_tol=2e-3,
        hints=((0.8808, "0.8808 is sigma(2) itself; the slope is sigma(2) (1 - sigma(2))."),
               (0.1192, "0.1192 is 1 - sigma(2); multiply it by sigma(2).")),
    ),
    "sigmoid/layers": Exercise(
        "A gradient passes through L sigmoid layers, each multiplying it by g'(z) <= 1/4 (weights of gain 1). "
        "How many layers does it take to shrink it below 1e-6?",
        lambda: _layers_until(1e-6, 0.25),
        "One factor g' per layer: 0.25**L < 1e-6 means L > log(1e-6)/log(0.25) = 9.97, so L = 10.",
        rel_tol=0.0, abs_tol=0.0,
        hints=((9.0, "0.25**9 = 3.8e-6 is still above 1e-6."),
               (11.0, "0.25**10 = 9.5e-7 is already below 1e-6.")),
    ),
    # 02 tanh
    "tanh/max-slope": Exercise(
        "What is the largest value tanh'(z) takes?",
        lambda: float(get("tanh").dg(0.0)),
        "tanh' = 1 - tanh^2 is largest where tanh(z) = 0, i.e. z = 0: the slope is 1, four times sigmoid's.",
        hints=((0.25, "0.25 is the sigmoid's largest slope; tanh' = 1 - tanh^2 at tanh = 0."),),
    ),
    "tanh/slope-from-value": Exercise(
        "A tanh unit outputs 0.9. What is its local gradient tanh'(z)?",
        lambda: 1.0 - 0.9**2,
        "tanh' = 1 - tanh^2 = 1 - 0.81 = 0.19: the output alone tells you the gradient.",
        hints=((0.1, "0.1 = 1 - 0.9: the identity squares the output, 1 - tanh^2."),
               (0.09, "0.09 = 0.9 (1 - 0.9) is the sigmoid's identity; tanh's is 1 - tanh^2.")),
    ),
    # 03 relu
    "relu/slope-at-zero": Exercise(
        "Under this series' convention (PyTorch's), what is relu'(0)?",
        lambda: float(get("relu").dg(0.0)),
        "ReLU has no derivative at 0; software picks one side. PyTorch and actviz use the left-hand slope, 0.",
        hints=((0.5, "0.5 is the mean of the two one-sided slopes, what a central difference gives at the kink; "
                     "the convention is one side, the left."),
               (1.0, "1 is the right-hand slope; the convention takes the left-hand one.")),
    ),
    "relu/dead-share": Exercise(
        "Pre-activations of a ReLU unit are uniform on [-3, 1]. What fraction of inputs pass back no gradient?",
        lambda: 0.75,
        "relu'(z) = 0 for z <= 0, which is 3 of the 4 units of the interval: 0.75.",
        hints=((0.25, "0.25 is the share that does pass a gradient (z > 0)."),),
    ),
    "relu/chain": Exercise(
        "z = 2x - 1 and y = relu(z). What is dy/dx at x = 2?",
        lambda: 2.0 * float(get("relu").dg(2.0 * 2.0 - 1.0)),
        "z = 3 > 0 so relu'(z) = 1, and dz/dx = 2: dy/dx = 1 * 2 = 2 (chain rule).",
        hints=((1.0, "1 is relu'(z); the chain rule multiplies by dz/dx = 2."),),
    ),
    # 04 leaky relu
    "leaky/slope-left": Exercise(
        "For Leaky ReLU with alpha = 0.1, what is g'(-5)?",
        lambda: float(get("leaky_relu", alpha=0.1).dg(-5.0)),
        "Left of zero the slope is alpha, whatever z is: 0.1. The gradient never vanishes there.",
        hints=((-0.5, "-0.5 is g(-5) = alpha z, the value; the slope is alpha."),),
    ),
    "leaky/value-left": Exercise(
        "For Leaky ReLU with alpha = 0.2, what is g(-3)?",
        lambda: float(get("leaky_relu", alpha=0.2).g(-3.0)),
        "g(z) = alpha * z for z <= 0: 0.2 * (-3) = -0.6.",
        hints=((0.2, "0.2 is the slope there; the value is alpha z."), (0.0, "0 would be ReLU; the leak keeps alpha z.")),
    ),
    "leaky/max-form": Exercise(
        "Leaky ReLU can be written max(alpha z, z). What is the largest alpha for which this is true?",
        lambda: 1.0,
        "For alpha <= 1, alpha z <= z when z > 0 and alpha z >= z when z < 0, so max picks z on the right and "
        "alpha z on the left. For alpha > 1 the two swap sides.",
        hints=((0.0, "alpha = 0 works (it is ReLU), but larger alphas work too."),),
    ),
    # 05 compare
    "gelu/turning-point": Exercise(
        "GELU is not monotonic. At which z is GELU'(z) = 0 (to 3 decimals)?",
        lambda: -0.7517915246935645,
        "GELU' = Phi(z) + z phi(z) = 0 at z = -0.752, where GELU has its minimum -0.170; left of it GELU' < 0.",
        rel_tol=0.0, abs_tol=6e-4,
        hints=((0.0, "GELU'(0) = Phi(0) = 1/2, not 0."),),
    ),
    # 06 vanishing gradients
    "vanishing/relu-xavier": Exercise(
        "Predict the per-layer gradient factor of ReLU with Xavier init (gain 1) from gain * sqrt(mean g'^2).",
        lambda: math.sqrt(0.5),
        "Half the units have g' = 1 and half g' = 0: sqrt(mean g'^2) = sqrt(1/2) = 0.707; times the gain 1. "
        "The measured factor is 0.695.",
        rel_tol=0.03,
        hints=((0.5, "0.5 is mean g'^2 (or mean g'); the factor uses its square root."),
               (1.0, "1 is what He initialisation gives (gain sqrt 2); Xavier's gain is 1.")),
    ),
    "vanishing/tanh-tenth": Exercise(
        "With tanh and Xavier init each layer multiplies the gradient by 0.917. After how many layers is it "
        "down to a tenth?",
        lambda: math.log(0.1) / math.log(0.917),
        "0.917**L = 0.1 means L = log 0.1 / log 0.917 = 26.6 layers: tanh vanishes too, but far more slowly than "
        "sigmoid, which loses a factor of ten every log 0.1 / log 0.235 = 1.6 layers.",
        rel_tol=0.03,
        hints=((10.0, "10 layers would leave 0.917**10 = 0.42, far from a tenth."),),
    ),
    "vanishing/he-gain": Exercise(
        "For ReLU, which weight gain sigma_w * sqrt(n) keeps the gradient's size layer after layer?",
        lambda: math.sqrt(2.0),
        "ReLU passes sqrt(1/2) of the gradient (half the units are off), so the weights must give sqrt 2: "
        "He initialisation, sigma_w = sqrt(2 / n).",
        rel_tol=1e-2,
        hints=((2.0, "2 is the gain squared (the variance factor); the gain itself is its square root."),
               (1.0, "1 is Xavier's gain; with ReLU it leaves a factor 0.707 per layer.")),
    ),
    # 07 dead neurons
    "dead/half": Exercise(
        "Use the widget (or actviz.dead_units): at which bias shift, to the nearest 0.25, are half of the ReLU units dead?",
        lambda: -3.0,
        "-3.0: 54.7% are dead there, 31.2% at -2.75. A unit survives while the largest of its 512 values of z is "
        "positive, and the largest of 512 standard-normal samples is typically about 3.",
        rel_tol=0.0, abs_tol=0.12,  # one grid step (0.25) away is wrong: -2.75 has 31%, -3.25 has 72%
        hints=((-2.75, "At -2.75 only 31% are dead."), (-3.25, "At -3.25 already 72% are dead.")),
    ),
    "dead/unit-alive": Exercise(
        "One ReLU unit's pre-activation is z ~ N(-2, 1) over the data. What fraction of samples still pass a "
        "gradient (to 3 decimals)?",
        lambda: float(Phi(-2.0)),
        "The unit passes a gradient where z > 0: P(Z > 2) = Phi(-2) = 0.023. It is not dead: a few samples "
        "still move its weights (and could revive it).",
        rel_tol=0.02,
        hints=((0.0, "0 would mean dead; a normal z is positive with some probability."),
               (0.977, "0.977 is the share with z <= 0, which pass no gradient.")),
    ),
    # 08 tiny network
    "loss/coin-toss": Exercise(
        "A network that outputs p = 0.5 for every point: what is its mean cross-entropy loss, in nats?",
        lambda: math.log(2.0),
        "-log 0.5 = ln 2 = 0.693 for every point, so the mean is 0.693: the dotted line in the loss plots.",
        rel_tol=1e-2,
        hints=((0.5, "0.5 is p; the loss is -log p."), (1.0, "1 is log2(2), in bits; the loss here is in nats (ln).")),
    ),
    "backprop/tanh-unit": Exercise(
        "A hidden tanh unit outputs a1 = 0.6 for one sample and receives dL/da1 = 0.5. What is dL/dz1 (the dz1 line)?",
        lambda: 0.5 * (1 - 0.6**2),
        "dz1 = da1 * g'(z1) with tanh' = 1 - tanh^2 = 1 - 0.36 = 0.64 (from the output alone): 0.5 * 0.64 = 0.32.",
        rel_tol=2e-3,
        hints=((0.2, "0.2 = 0.5 (1 - 0.6) forgets to square tanh."), (0.12, "0.12 = 0.5 * 0.6 * (1 - 0.6) uses the "
                                                                       "sigmoid's identity; this unit is tanh.")),
    ),
    "loss/saturated-output": Exercise(
        "A sigmoid output unit has logit z2 = -6 on a sample with label y = 1 (badly wrong and saturated). With "
        "cross-entropy, dL/dz2 = p - y. What is it (to 3 decimals)?",
        lambda: _sigmoid(-6.0) - 1.0,
        "p = sigma(-6) = 0.0025, so p - y = -0.998: a full-size gradient. With squared error, dL/dz2 = (p - y) "
        "sigma'(z2) = -0.998 * 0.0025 = -0.0025: the saturated sigmoid would hide the mistake.",
        rel_tol=1e-3,
        hints=((-0.0025, "-0.0025 is the squared-error gradient (p - y) sigma'(z2); with cross-entropy the sigma' "
                         "cancels."),),
    ),
    # 10 diagnose
    "diagnose/shift-sigmoid": Exercise(
        "By how much must the sigmoid be shifted down to have mean output 0 for Z ~ N(0, 1)?",
        lambda: 0.5,
        "E[sigma(Z)] = 1/2 by symmetry (sigma(-z) = 1 - sigma(z)), so sigma(z) - 1/2 is zero-centred; "
        "2 (sigma(z) - 1/2) = tanh(z/2).",
        hints=((0.25, "0.25 is the sigmoid's largest slope, not its mean."),),
    ),
    "diagnose/scale-sigmoid": Exercise(
        "By which factor c must the sigmoid be scaled so that c sigma(z) has largest slope 1?",
        lambda: 4.0,
        "max sigma' = 1/4, so c = 4: 4 sigma(z) - 2 = 2 tanh(z/2) has slope 1 at 0.",
        hints=((2.0, "2 sigma has slope 1/2 at most."),),
    ),
    # the quiz (no solutions in the notebook)
    "quiz/tanh-chain": Exercise(
        "y = tanh(3x). What is dy/dx at x = 0?", lambda: 3.0,
        "Chain rule: tanh'(0) * 3 = 1 * 3 = 3.", hints=((1.0, "1 is tanh'(0); multiply by the inner derivative 3."),),
    ),
    "quiz/sigmoid-from-output": Exercise(
        "A sigmoid unit outputs 0.2. What is its local gradient?", lambda: 0.2 * 0.8,
        "sigma' = sigma (1 - sigma) = 0.2 * 0.8 = 0.16.", hints=((0.96, "0.96 = 1 - 0.2^2 is tanh's identity."),),
    ),
    "quiz/leaky-kink": Exercise(
        "Leaky ReLU with alpha = 0.05: g'(0) under this series' convention?", lambda: 0.05,
        "At the kink the left-hand slope: alpha = 0.05.", hints=((1.0, "1 is the right-hand slope."),
                                                                 (0.525, "0.525 is the mean of the two slopes.")),
    ),
    "quiz/relu-mean": Exercise(
        "E[relu(Z)] for Z ~ N(0, 1) (to 3 decimals)?", lambda: 1.0 / math.sqrt(2.0 * math.pi),
        "E[max(Z, 0)] = integral of z phi(z) over z > 0 = phi(0) = 1/sqrt(2 pi) = 0.399.", rel_tol=3e-3,
        hints=((0.5, "0.5 is P(Z > 0); the mean also weighs by z."),),
    ),
    "quiz/depth-factor": Exercise(
        "Each of 20 layers multiplies the gradient by 0.7. What share of it reaches layer 1 (one factor per layer)?",
        lambda: 0.7**20, "0.7**20 = 8e-4: under a thousandth.", rel_tol=1e-2,
        hints=((0.7**19, "That is 0.7**19; count one factor per layer, 20 of them."),),
    ),
    "quiz/elu-slope": Exercise(
        "ELU with alpha = 2 outputs g = -1.5 for some z < 0. What is g'(z)?", lambda: -1.5 + 2.0,
        "For z <= 0, ELU' = alpha e^z = g + alpha = 0.5.", hints=((2.0, "2 is alpha, the slope at 0 only."),),
    ),
    "quiz/softplus-slope": Exercise(
        "What is softplus'(0)?", lambda: 0.5,
        "softplus' = sigma, and sigma(0) = 1/2.",
        hints=((math.log(2.0), "0.693 = ln 2 is softplus(0), the value, not the slope."),
               (0.25, "0.25 is sigma'(0); softplus' is sigma itself.")),
    ),
    "quiz/tanh-flat": Exercise(
        "From which |z| on is tanh'(z) below 0.01 (to 2 decimals)?", lambda: math.atanh(math.sqrt(0.99)),
        "1 - tanh^2 = 0.01 means tanh = sqrt(0.99) = 0.99499, so |z| = atanh(0.99499) = 2.99.", rel_tol=3e-3,
        hints=((6.0, "About 6 is where the sigmoid's slope falls below 1% of its maximum; tanh gets there at half "
                     "the distance."),),
    ),
    "quiz/he-std": Exercise(
        "A ReLU layer has 256 inputs. Which weight standard deviation sigma_w does He initialisation use "
        "(to 4 decimals)?", lambda: math.sqrt(2.0 / 256.0),
        "sigma_w = sqrt(2 / n_in) = sqrt(2 / 256) = 0.0884: gain sqrt(2), which makes up for the half of the units "
        "that are off.", rel_tol=2e-3,
        hints=((1.0 / 16.0, "0.0625 = sqrt(1/256) has gain 1, like Xavier's for a square layer."),
               (2.0 / 256.0, "2/256 is the variance; sigma_w is its square root.")),
    ),
}


def _close(a: float, b: float, ex: Exercise) -> bool:
    return math.isclose(a, b, rel_tol=ex.rel_tol, abs_tol=ex.abs_tol)


def feedback(ok: bool, ex, given: str, hint: str | None = None) -> str:
    """The message ``check`` prints."""
    if ok:
        return "Right! " + ex.why
    if hint:
        return f"Not quite: {hint} Try again."
    return f"Not quite: {given} is not it. Try again, or open the solution below."


def check_number(key: str, ex: Exercise, answer) -> str:
    """The feedback for a numeric answer (a message; nothing printed)."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(float(answer)):
        return f"Please answer with a finite number, not {answer!r}."
    value = float(answer)
    if _close(value, ex.expected(), ex):
        return feedback(True, ex, f"{value:g}")
    for wrong, hint in ex.hints:
        if _close(value, float(wrong), ex) or math.isclose(value, float(wrong), rel_tol=1e-3, abs_tol=1e-9):
            return feedback(False, ex, f"{value:g}", hint)
    return feedback(False, ex, f"{value:g}")
