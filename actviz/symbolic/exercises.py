"""Exercises whose answer is a formula, and ``actviz.check`` for every exercise (sympy).

In a notebook::

    answer = "sigmoid(z)"
    actviz.check("softplus/derivative", answer)

The answer goes through the safe parser (:mod:`.parser`: never evaluated as code) and is
accepted if it equals the expected formula at every check point, evaluated with mpmath at
40 digits (so any equivalent form passes: ``1/(1 + exp(-z))`` as well as ``sigmoid(z)``).
A common wrong answer gets a targeted hint; a right one gets the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import sympy

from ..maths.exercises import EXERCISES as NUMBER_EXERCISES
from ..maths.exercises import check_number, feedback
from .functions import MPMATH
from .limits import Budget
from .parser import Z, param_symbol, parse

__all__ = ["FormulaExercise", "FORMULA_EXERCISES", "check", "exercises"]


@dataclass(frozen=True)
class FormulaExercise:
    """``answer`` is a formula in the grammar of :mod:`.parser`, in ``z`` and ``names``;
    ``samples`` are the values each name takes at the check points."""

    question: str
    answer: str
    why: str
    names: tuple = ()
    samples: dict = field(default_factory=dict)
    z_points: tuple = (-2.9, -1.3, -0.45, -0.05, 0.35, 1.7, 3.1)
    hints: tuple = field(default_factory=tuple)  # (wrong formula, what it shows)


FORMULA_EXERCISES = {
    "sigmoid/symmetry": FormulaExercise(
        "Write sigma(-z) using sigma(z): sigmoid(-z) = ?", "1 - sigmoid(z)",
        "sigma(-z) = 1/(1 + e^z) = e^-z/(e^-z + 1) = 1 - sigma(z): the curve is symmetric about (0, 1/2).",
        hints=(("sigmoid(z)", "sigma is not even: sigma(-1) = 0.27 but sigma(1) = 0.73."),
               ("-sigmoid(z)", "sigma is never negative; it is not odd either. Try 1 minus something.")),
    ),
    "tanh/from-sigmoid": FormulaExercise(
        "Write tanh(z) with the sigmoid: tanh(z) = ?", "2*sigmoid(2*z) - 1",
        "tanh(z) = (1 - e^-2z)/(1 + e^-2z) = 2/(1 + e^-2z) - 1 = 2 sigma(2z) - 1: a stretched, shifted sigmoid. "
        "So a tanh network and a sigmoid network compute the same class of functions.",
        hints=(("2*sigmoid(z) - 1", "close: 2 sigma(z) - 1 = tanh(z/2). The argument needs scaling too."),
               ("sigmoid(2*z)", "sigma(2z) runs from 0 to 1; tanh runs from -1 to 1.")),
    ),
    "tanh/derivative-from-sigmoid": FormulaExercise(
        "Differentiate tanh(z) = 2 sigma(2z) - 1 with the chain rule and write tanh'(z) with the sigmoid.",
        "4*sigmoid(2*z)*(1 - sigmoid(2*z))",
        "tanh'(z) = 2 sigma'(2z) * 2 = 4 sigma'(2z) = 4 sigma(2z)(1 - sigma(2z)): that is why tanh's largest slope, "
        "1, is four times the sigmoid's 1/4.",
        hints=(("2*sigmoid(2*z)*(1 - sigmoid(2*z))", "the chain rule gives a second factor 2, from the inner 2z."),
               ("sigmoid(2*z)*(1 - sigmoid(2*z))", "two factors 2 are missing: one from 2 sigma(.), one from the inner 2z.")),
    ),
    "softplus/derivative": FormulaExercise(
        "Differentiate softplus(z) = log(1 + exp(z)): softplus'(z) = ?", "sigmoid(z)",
        "Chain rule: 1/(1 + e^z) * e^z = e^z/(1 + e^z) = sigma(z). The derivative of a smooth ReLU is the sigmoid.",
        hints=(("exp(z)", "the chain rule also divides by the inner 1 + e^z."),
               ("1/(1 + exp(z))", "that is d/du log(u) at u = 1 + e^z; multiply by the inner derivative e^z.")),
    ),
    "elu/in-terms-of-g": FormulaExercise(
        "For z <= 0, ELU(z) = alpha (e^z - 1). Write ELU'(z) in terms of g = ELU(z) and alpha only.", "g + alpha",
        "ELU'(z) = alpha e^z = alpha (e^z - 1) + alpha = g + alpha: the backward pass needs only the stored output.",
        names=("g", "alpha"), samples={"g": (-0.9, -0.4, -0.05), "alpha": (1.0, 2.5)},
        hints=(("alpha*exp(z)", "right, but in terms of z; write e^z with g: e^z = g/alpha + 1."),
               ("alpha", "alpha is the slope at 0 only; left of 0 it shrinks with e^z.")),
    ),
    "swish/derivative": FormulaExercise(
        "Differentiate swish(z) = z sigma(z) with the product rule: swish'(z) = ?",
        "sigmoid(z) + z*sigmoid(z)*(1 - sigmoid(z))",
        "(u v)' = u' v + u v' with u = z, v = sigma(z): sigma(z) + z sigma(z)(1 - sigma(z)) "
        "= sigma(z)(1 + z(1 - sigma(z))).",
        hints=(("sigmoid(z)*(1 - sigmoid(z))", "that is sigma'(z) alone; the product rule has two terms."),
               ("sigmoid(z)", "that is only u' v; add u v' = z sigma'(z)."),
               ("z*sigmoid(z)*(1 - sigmoid(z))", "that is only u v'; add u' v = sigma(z).")),
    ),
    "quiz/gelu-tail": FormulaExercise(
        "Write d/dz [z * sigmoid(1.702*z)] (a fast approximation of GELU).",
        "sigmoid(1.702*z) + 1.702*z*sigmoid(1.702*z)*(1 - sigmoid(1.702*z))",
        "Product rule and chain rule: sigma(1.702z) + z * 1.702 sigma'(1.702z).",
        hints=(("sigmoid(1.702*z) + z*sigmoid(1.702*z)*(1 - sigmoid(1.702*z))",
                "the inner 1.702 z gives a factor 1.702 in the second term."),),
    ),
}


def exercises() -> dict:
    """Every exercise by key: numeric ones (:mod:`actviz.maths.exercises`) and formula ones."""
    return {**NUMBER_EXERCISES, **FORMULA_EXERCISES}


def _points(ex: FormulaExercise) -> list[dict]:
    import itertools

    names = list(ex.names)
    combos = list(itertools.product(*[ex.samples.get(n, (0.7,)) for n in names])) or [()]
    return [{Z: z, **{param_symbol(n): v for n, v in zip(names, c)}} for z in ex.z_points for c in combos]


def _value(expr, point):
    f = sympy.lambdify(list(point), expr, modules=[MPMATH, "mpmath"])
    with mpmath.workdps(40):
        try:
            v = f(*[mpmath.mpf(x) for x in point.values()])
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None
    return v


def _same(a, b, ex: FormulaExercise) -> bool:
    for point in _points(ex):
        va, vb = _value(a, point), _value(b, point)
        if va is None or vb is None or abs(va - vb) > mpmath.mpf(10) ** -25 + mpmath.mpf(10) ** -20 * abs(vb):
            return False
    return True


def _check_formula(ex: FormulaExercise, answer) -> str:
    if not isinstance(answer, str):
        return f"Please answer with a formula in quotes, e.g. \"{ex.answer.split('*')[0]}...\", not {answer!r}."
    budget = Budget()
    try:
        given = parse(answer, budget, ex.names, need_z=False)
    except (ValueError, TypeError) as exc:
        return f"That is not a formula I can read: {exc}"
    expected = parse(ex.answer, budget, ex.names, need_z=False)
    if _same(given, expected, ex):
        return feedback(True, ex, answer)
    for wrong, hint in ex.hints:
        if _same(given, parse(wrong, budget, ex.names, need_z=False), ex):
            return feedback(False, ex, repr(answer), hint)
    return feedback(False, ex, repr(answer))


def check(exercise: str, answer) -> None:
    """Print whether ``answer`` (a number, or a formula as a string) is right for ``exercise``, and why."""
    table = exercises()
    if not isinstance(exercise, str) or exercise not in table:
        raise ValueError(f"unknown exercise {exercise!r}; known: {', '.join(table)}")
    ex = table[exercise]
    if answer is None or answer is ...:
        kind = "a formula in quotes" if isinstance(ex, FormulaExercise) else "your answer"
        print(f"{ex.question}\nType {kind} in place of None, then run this cell again.")
        return
    message = _check_formula(ex, answer) if isinstance(ex, FormulaExercise) else check_number(exercise, ex, answer)
    if exercise.startswith("quiz/"):  # the quiz has no solutions to open
        message = message.replace(", or open the solution below", "")
    print(message)
