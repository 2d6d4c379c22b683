"""The notebooks are thin: they use the public facade only (``import actviz; actviz.<name>``),
never a submodule, never ``inspect`` to print library source, never a private field."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

import actviz

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def _code(path):
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_uses_the_facade_only(path):
    for source in _code(path):
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("actviz."), f"{path.name}: import {alias.name}"
                    assert alias.name != "inspect", f"{path.name}: prints library source with inspect"
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("actviz"), f"{path.name}: from {node.module} import ..."
                assert node.module != "inspect"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "actviz":
                assert node.attr in actviz.__all__ or node.attr == "__version__", \
                    f"{path.name}: actviz.{node.attr} is not in the facade"
            if isinstance(node, ast.Attribute) and re.fullmatch(r"_[a-z]\w*", node.attr):
                pytest.fail(f"{path.name}: touches the private field .{node.attr}")
            if isinstance(node, ast.keyword) and node.arg and node.arg.startswith("_"):
                pytest.fail(f"{path.name}: passes the private field {node.arg}=")


# --------------------------------------------------------------------------------------
# The notebooks teach: goals and prerequisites up front, a question beside every widget,
# a summary at the end, and one path through the series.

LESSONS = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name)]
WIDGETS = re.compile(r"actviz\.(explore|compare|expression_box|GradientFlowView|DeadUnitsView|TrainingView|dashboard)\(")


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def test_the_series_is_complete():
    assert [p.name[:2] for p in LESSONS] == [f"{i:02d}" for i in range(11)]
    assert any(p.name == "quiz.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_a_lesson_opens_with_goals_and_needs_and_ends_with_a_summary(path):
    cells = _cells(path)
    first, last = cells[0].source, cells[-1].source
    assert first.startswith("# ") and "**You will learn to**" in first and "**You need:**" in first
    assert last.startswith("## Summary") and last.count("\n* ") == 3, "a three-line summary"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_widget_comes_with_a_question_and_its_answer(path):
    cells = _cells(path)
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and WIDGETS.search(cell.source):
            before, after = cells[i - 1].source, cells[i + 1].source
            assert "**Predict, then look.**" in before, f"{path.name} cell {i}: no question before the widget"
            assert after.startswith("<details><summary><b>What you should see</b>"), \
                f"{path.name} cell {i}: no collapsed answer after the widget"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_lesson_points_to_the_next(path):
    number = int(path.name[:2])
    nxt = [p.name for p in LESSONS if int(p.name[:2]) == number + 1] or ["quiz.ipynb"]
    assert f"(" + nxt[0] + ")" in _cells(path)[-1].source.split("**Next:**")[-1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_developer_notes_or_stray_characters_in_student_cells(path):
    for cell in _cells(path):
        for word in ("OPENBLAS", "BLAS", "ast module", "eval(", "sympify", "´"):
            assert word not in cell.source, f"{path.name}: {word!r} in a cell"


@pytest.mark.parametrize("path", [p for p in LESSONS if p.name[:2] != "00"], ids=lambda p: p.stem)
def test_every_lesson_has_exercises_checked_by_actviz(path):
    keys = re.findall(r'actviz\.check\("([^"]+)"', "\n".join(_code(path)))
    assert keys, f"{path.name} has no exercises"
    assert not any(k.startswith("quiz/") for k in keys)


def test_no_exercise_is_repeated_across_notebooks_and_the_quiz_has_no_solutions():
    seen = {}
    for path in NOTEBOOKS:
        for key in re.findall(r'actviz\.check\("([^"]+)"', "\n".join(_code(path))):
            assert key not in seen, f"{key} in {seen.get(key)} and {path.name}"
            seen[key] = path.name
    quiz = next(p for p in NOTEBOOKS if p.name == "quiz.ipynb")
    assert not any("<details>" in c.source for c in _cells(quiz))
    assert all(k.startswith("quiz/") for k, where in seen.items() if where == "quiz.ipynb")
