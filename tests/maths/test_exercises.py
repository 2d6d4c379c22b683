"""Exercise feedback: right answers pass (any equivalent formula too), wrong ones get a hint or a
plain 'not quite' without giving the answer away, odd input gets a plain message."""

import math

import pytest

import actviz
from actviz.maths.exercises import EXERCISES
from actviz.symbolic.exercises import FORMULA_EXERCISES, exercises

RIGHT = {
    "sigmoid/max-slope": 0.25, "sigmoid/slope-at-2": 0.105, "sigmoid/layers": 10, "tanh/max-slope": 1,
    "tanh/slope-from-value": 0.19, "relu/slope-at-zero": 0, "relu/dead-share": 0.75, "relu/chain": 2,
    "leaky/slope-left": 0.1, "leaky/value-left": -0.6, "leaky/max-form": 1, "gelu/turning-point": -0.752,
    "vanishing/relu-xavier": 0.71, "vanishing/tanh-tenth": 26.6, "vanishing/he-gain": 1.414, "dead/half": -3.0,
    "dead/unit-alive": 0.0228, "loss/coin-toss": 0.69, "backprop/tanh-unit": 0.32, "loss/saturated-output": -0.998,
    "diagnose/shift-sigmoid": 0.5, "diagnose/scale-sigmoid": 4, "quiz/tanh-chain": 3, "quiz/sigmoid-from-output": 0.16,
    "quiz/leaky-kink": 0.05, "quiz/relu-mean": 0.399, "quiz/depth-factor": 7.98e-4, "quiz/elu-slope": 0.5,
    "quiz/softplus-slope": 0.5, "quiz/tanh-flat": 2.99, "quiz/he-std": 0.0884,
    # formulas: an equivalent form, not the stored one
    "sigmoid/symmetry": "sigmoid(-z)*1", "tanh/from-sigmoid": "(1 - exp(-2*z))/(1 + exp(-2*z))",
    "tanh/derivative-from-sigmoid": "4*sigmoid(2*z)*sigmoid(-2*z)", "softplus/derivative": "1/(1 + exp(-z))",
    "elu/in-terms-of-g": "alpha + g", "swish/derivative": "sigmoid(z)*(1 + z*(1 - sigmoid(z)))",
    "quiz/gelu-tail": "sigmoid(1.702*z)*(1 + 1.702*z*sigmoid(-1.702*z))",
}


def test_every_exercise_has_a_right_answer_here():
    assert set(RIGHT) == set(exercises())


@pytest.mark.parametrize("key", list(RIGHT))
def test_right_answer_is_accepted_with_the_explanation(key, capsys):
    assert actviz.check(key, RIGHT[key]) is None
    out = capsys.readouterr().out
    assert out.startswith("Right!") and exercises()[key].why in out


@pytest.mark.parametrize("key", list(EXERCISES))
def test_a_wrong_number_is_rejected_without_giving_it_away(key, capsys):
    wrong = RIGHT[key] * 1.5 + 0.7
    actviz.check(key, wrong)
    out = capsys.readouterr().out
    assert out.startswith("Not quite") and EXERCISES[key].why not in out


@pytest.mark.parametrize("key", list(FORMULA_EXERCISES))
def test_a_wrong_formula_is_rejected(key, capsys):
    actviz.check(key, "z**2 + 3")
    out = capsys.readouterr().out
    assert out.startswith("Not quite") and FORMULA_EXERCISES[key].why not in out


@pytest.mark.parametrize("key, wrong, words", [
    ("relu/slope-at-zero", 0.5, "central difference"),
    ("tanh/slope-from-value", 1 - 0.9, "squares the output"),
    ("sigmoid/slope-at-2", 0.8808, "is sigma(2) itself"),
    ("dead/half", -2.75, "only 31%"),
    ("softplus/derivative", "exp(z)", "divides by the inner"),
    ("tanh/derivative-from-sigmoid", "2*sigmoid(2*z)*(1-sigmoid(2*z))", "second factor 2"),
    ("elu/in-terms-of-g", "alpha*exp(z)", "in terms of z"),
    ("swish/derivative", "sigmoid(z)", "only u' v"),
])
def test_common_wrong_answers_get_a_targeted_hint(key, wrong, words, capsys):
    actviz.check(key, wrong)
    out = capsys.readouterr().out
    assert out.startswith("Not quite") and words in out


def test_tolerances_accept_rounding_and_reject_a_neighbouring_answer(capsys):
    actviz.check("loss/coin-toss", 0.69)  # ln 2 to two digits
    assert capsys.readouterr().out.startswith("Right!")
    actviz.check("dead/half", -3.25)  # one grid step away: 76% dead, not half
    assert capsys.readouterr().out.startswith("Not quite")


@pytest.mark.parametrize("answer", [None, float("nan"), True, [0.25]])
def test_odd_answers_get_a_plain_message(answer, capsys):
    actviz.check("sigmoid/max-slope", answer)
    out = capsys.readouterr().out
    assert "Type your answer" in out or "finite number" in out


def test_a_formula_that_is_not_a_formula_is_explained_not_run(capsys):
    actviz.check("softplus/derivative", "__import__('os').system('ls')")
    assert "not a formula I can read" in capsys.readouterr().out
    actviz.check("softplus/derivative", 3)
    assert "formula in quotes" in capsys.readouterr().out


def test_unknown_exercise_lists_known_ones():
    with pytest.raises(ValueError, match="sigmoid/max-slope"):
        actviz.check("nope", 1)


def test_expected_values_come_from_the_registry():
    assert EXERCISES["sigmoid/max-slope"].expected() == float(actviz.get("sigmoid").dg(0.0))
    assert EXERCISES["relu/slope-at-zero"].expected() == 0.0
    assert EXERCISES["gelu/turning-point"].expected() == pytest.approx(actviz.properties("gelu").min_at, abs=1e-12)
    assert EXERCISES["sigmoid/layers"].expected() == 10 and 0.25**10 < 1e-6 < 0.25**9
    assert math.isclose(EXERCISES["vanishing/relu-xavier"].expected(), 0.7071, rel_tol=1e-4)


def test_the_numbers_in_the_dead_half_explanation_are_measured():
    """dead/half quotes 54.7% at -3, 31.2% (31%) at -2.75 and 72% at -3.25: the package's own numbers."""
    ex = EXERCISES["dead/half"]
    text = ex.why + " ".join(h for _, h in ex.hints)
    for shift, shown in [(-3.0, "54.7%"), (-2.75, "31.2%"), (-2.75, "31%"), (-3.25, "72%")]:
        share = actviz.dead_units("relu", bias_shift=shift).fraction_dead
        assert shown in text
        digits = shown.count(".") and len(shown.split(".")[1]) - 1
        assert f"{share:.{digits}%}" == shown, (shift, share, shown)


def test_the_measured_factor_quoted_for_relu_xavier_is_measured():
    flow = actviz.gradient_flow("relu", depth=20, init="xavier")
    assert f"The measured factor is {flow.mean_ratio:.3f}." in EXERCISES["vanishing/relu-xavier"].why
