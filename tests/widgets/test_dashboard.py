"""actviz.widgets.dashboard and expression_box: the classroom dashboard and the formula box."""

import actviz
import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_dashboard_asks_a_question_beside_each_view_with_a_computed_answer():
    d = actviz.dashboard("sigmoid", theme="default")
    children = list(d.children)
    assert children.index(d.explorer_question) == children.index(d._explorer_box) - 1
    assert children.index(d.comparison_question) == children.index(d.comparison) - 1
    assert "Question." in d.explorer_question.value and "<details>" in d.explorer_question.value
    assert "|g\u2032| = 0.25, at z = 0" in d.explorer_question.value and "on both sides" in d.explorer_question.value
    assert "Flat on both sides: sigmoid, tanh." in d.comparison_question.value
    assert "Slope exactly 0 for z &lt; 0: relu." in d.comparison_question.value
    d.controls["activation"].value = "leaky_relu"  # the question follows the pick
    assert "leaky_relu" in d.explorer_question.value and "on neither side" in d.explorer_question.value


def test_dashboard_switches_activation_in_its_one_explorer():
    d = actviz.dashboard("sigmoid", theme="default")
    first = d.explorer
    assert repr(d) == "Dashboard(Explorer(sigmoid: z in [-8, 8], z0 = 1))"
    d.explorer.controls["z_range"].value = (-5.0, 3.0)
    d.explorer.controls["z0"].value = -2.0
    d.controls["activation"].value = "leaky_relu"
    assert d.explorer is first and d.explorer.act.name == "leaky_relu"
    assert repr(d) == "Dashboard(Explorer(leaky_relu: z in [-5, 3], z0 = -2, alpha = 0.01))"  # the student's view stays
    assert "alpha" in d.explorer.controls
    assert list(d._explorer_box.children) == [d.explorer]
    assert bytes(d.explorer.image.value).startswith(PNG_MAGIC)


def test_expression_box_accepts_derives_and_rejects_without_raising():
    box = actviz.expression_box("z * sigmoid(z)")
    assert box.explorer is not None and box.explorer.act.name == "custom"
    assert "g'(z)" in box.message.value
    kept = box.explorer
    box.controls["expression"].value = "__import__('os').system('ls')"
    assert "\u2717" in box.message.value and "allowed" in box.message.value
    assert box.explorer is kept  # a rejected text keeps the last good plot
    box.controls["expression"].value = "max(z, 0.2*z)"
    assert box.explorer is not kept
    assert float(box.explorer.act.g(-1.0)) == pytest.approx(-0.2)


def test_switching_activation_closes_every_widget_of_the_old_explorer():
    """Each switch used to leave ~11 widgets (the title, layouts, styles) open in kernel and browser."""
    from ipywidgets.widgets.widget import _instances

    d = actviz.dashboard("sigmoid", theme="default")
    d.controls["activation"].value = "tanh"
    open_before = len(_instances)
    for name in ["leaky_relu", "relu", "gelu", "tanh"] * 3:
        d.controls["activation"].value = name
    assert len(_instances) == open_before
