"""actviz.diagnose: the findings follow from measured numbers, for registry and typed activations."""

import math

import numpy as np
import pytest

import actviz
from actviz.maths.diagnosis import THRESHOLDS, diagnose, diagnosis_table, mean_output
from actviz.maths.registry import names, spec


@pytest.mark.parametrize("name", names())
def test_mean_output_matches_the_mpmath_facts(name):
    assert mean_output(name) == pytest.approx(spec(name).facts["mean_output"], abs=2e-11)


def _verdicts(d):
    return {f.check: f.verdict for f in d.findings}


def test_the_classic_problems_are_found():
    sig, relu, tanh, leaky = (diagnose(n, epochs=200) for n in ("sigmoid", "relu", "tanh", "leaky_relu"))
    assert _verdicts(sig)["slope"] == "problem" and _verdicts(sig)["gradient through depth"] == "problem"
    assert _verdicts(sig)["zero-centred?"] == "warning" and sig.numbers["mean_output"] == pytest.approx(0.5)
    assert _verdicts(relu)["dead zone"] == "warning" and relu.numbers["dead_after_shift"] > 0.5
    assert _verdicts(leaky)["dead zone"] == "ok" and leaky.numbers["dead_after_shift"] == 0.0
    assert _verdicts(tanh)["slope"] == "ok" and _verdicts(tanh)["zero-centred?"] == "ok"
    assert _verdicts(tanh)["nearly flat"] == "warning"  # 32% of N(0, 3^2) in the flat tails
    assert _verdicts(relu)["gradient through depth"] == "warning"  # only He keeps it
    assert "He" in next(f.fix for f in relu.findings if f.check == "gradient through depth")


def test_numbers_are_the_packages_own_measurements():
    d = diagnose("relu", epochs=100)
    assert d.numbers["max_slope"] == actviz.max_slope("relu").value
    assert d.numbers["factor_he"] == actviz.gradient_flow("relu", depth=20, width=64, batch=256, init="he").mean_ratio
    assert d.numbers["dead_after_shift"] == actviz.dead_units("relu", bias_shift=-3.0).fraction_dead
    X, y = actviz.make_spirals(200, noise=0.05, seed=0)
    assert d.numbers["training_loss"] == actviz.train("relu", X, y, hidden=32, lr=1.0, epochs=100, seed=0).loss


def test_a_typed_activation_and_a_fix_are_diagnosed():
    plain = diagnose(actviz.from_expression("sigmoid(z)"), epochs=100)
    fixed = diagnose(actviz.from_expression("4*sigmoid(z) - 2"), epochs=100)  # = 2 tanh(z/2)
    assert _verdicts(plain)["slope"] == "problem" and _verdicts(fixed)["slope"] == "ok"
    assert abs(fixed.numbers["mean_output"]) < 1e-12 < abs(plain.numbers["mean_output"])
    assert fixed.numbers["factor_xavier"] > 2 * plain.numbers["factor_xavier"]


def test_thresholds_decide_the_verdicts():
    d = diagnose("sigmoid", epochs=50)
    assert d.numbers["max_slope"] < THRESHOLDS["slope_problem"]
    slope = next(f for f in d.findings if f.check == "slope")
    assert "0.250" in slope.measured and slope.verdict == "problem"


def test_text_and_markdown_reports():
    d = diagnose("relu", epochs=50)
    text = str(d)
    assert text.startswith("Diagnosis of relu") and "[warning] dead zone" in text and "fix: " in text
    md = d._repr_markdown_()
    assert md.count("\n| ") == len(d.findings) + 1


def test_the_table_has_one_row_per_activation():
    lines = diagnosis_table(["sigmoid", "relu"], epochs=50).splitlines()
    assert len(lines) == 4 and lines[2].startswith("sigmoid ") and lines[3].startswith("relu ")
    assert "slope, gradient through depth" in lines[2]


def test_bad_input():
    with pytest.raises(ValueError, match="epochs must be an integer in"):
        diagnose("relu", epochs=1)
    with pytest.raises(TypeError, match="expected an activation name"):
        diagnose(3)
    assert math.isfinite(mean_output(actviz.from_functions(np.tanh, lambda z: 1 - np.tanh(z) ** 2)))


def test_a_steep_activation_gets_a_slope_warning_and_an_exploding_gradient():
    d = actviz.diagnose(actviz.from_expression("tanh(3*z)"))
    assert d["slope"].verdict == "warning" and "exploding" in d["slope"].cause
    assert d["gradient through depth"].verdict == "problem" and d.numbers["factor_xavier"] > 1.2
    assert actviz.diagnose("selu")["slope"].verdict == "ok"  # 1.758: steeper than 1, but not flagged


def test_a_finding_is_found_by_its_check_name():
    d = actviz.diagnose("relu")
    assert d["dead zone"].check == "dead zone" and str(d["dead zone"]).lstrip().startswith("[warning] dead zone")
    with pytest.raises(KeyError, match="the checks are"):
        d["no such check"]
