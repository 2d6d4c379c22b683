"""Exercise feedback: right answers pass, wrong ones don't, odd input gets a plain message."""

import pytest

import actviz
from actviz.maths.exercises import EXERCISES

RIGHT = {
    "sigmoid/max-slope": 0.25, "sigmoid/slope-at-2": 0.105, "sigmoid/layers": 10, "tanh/max-slope": 1,
    "tanh/slope-from-value": 0.19, "tanh/vs-sigmoid": 4, "relu/slope-at-zero": 0, "relu/dead-share": 0.75,
    "relu/chain": 2, "leaky/slope-left": 0.1, "leaky/value-left": -0.6, "leaky/alpha-one": 1,
}


def test_every_exercise_has_a_known_answer_here():
    assert set(RIGHT) == set(EXERCISES)


@pytest.mark.parametrize("key", list(RIGHT))
def test_right_answer_is_accepted(key, capsys):
    assert actviz.check(key, RIGHT[key]) is None
    assert capsys.readouterr().out.startswith("Right!")


@pytest.mark.parametrize("key", list(RIGHT))
def test_wrong_answer_is_rejected_without_giving_it_away(key, capsys):
    wrong = RIGHT[key] * 1.5 + 0.7
    actviz.check(key, wrong)
    out = capsys.readouterr().out
    assert out.startswith("Not quite") and EXERCISES[key].why not in out


@pytest.mark.parametrize("answer", [None, "0.25", float("nan"), True, [0.25]])
def test_odd_answers_get_a_plain_message(answer, capsys):
    actviz.check("sigmoid/max-slope", answer)
    out = capsys.readouterr().out
    assert "Type your answer" in out or "finite number" in out


def test_unknown_exercise_lists_known_ones():
    with pytest.raises(ValueError, match="sigmoid/max-slope"):
        actviz.check("nope", 1)


def test_expected_values_come_from_the_registry():
    assert EXERCISES["sigmoid/max-slope"].expected() == float(actviz.get("sigmoid").dg(0.0))
    assert EXERCISES["relu/slope-at-zero"].expected() == 0.0
