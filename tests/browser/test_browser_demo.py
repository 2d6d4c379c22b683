"""Proof of the browser infrastructure against generated demo notebooks (no repo content).

demo.ipynb: FloatSlider + FloatRangeSlider -> ipywidgets.Image (PNG); IntSlider -> Output
widget holding a PNG. broken.ipynb: a callback that raises and a failing last cell; the
driver must notice both, so a green real-notebook run means something.
"""

import pytest

from .driver import DEMO_DIR, check_lab_notebook, check_voila_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO = f"{DEMO_DIR}/demo.ipynb"
BROKEN = f"{DEMO_DIR}/broken.ipynb"


def _assert_demo_mapping(moves):
    # z0 and both z-range handles drive the Image (plot 0); k drives the Output (plot 1):
    # each slider was mapped to the plot in its own VBox, not "any plot on the page".
    assert [(m.label, m.which, m.scope, m.image_indices) for m in moves] == [
        ("z0", -1, "box", [0]), ("z range", 0, "box", [0]), ("z range", 1, "box", [0]),
        ("k", -1, "box", [1])]


def test_demo_in_lab(open_in_lab):
    nb = open_in_lab(DEMO, stem="_demo")
    moves = check_lab_notebook(nb)
    _assert_demo_mapping(moves)


def test_demo_in_voila(open_in_voila):
    d = open_in_voila(DEMO, stem="_demo")
    moves = check_voila_dashboard(d)
    _assert_demo_mapping(moves)


def test_lab_checks_catch_broken_notebook(open_in_lab):
    nb = open_in_lab(BROKEN, stem="_broken")
    nb.restart_and_run_all()
    nb.wait_run_complete()  # the failing cell still gets its [n]
    problems = nb.output_problems()
    assert len(problems) == 1 and "ValueError: deliberate failure" in problems[0], problems
    nb.wait_widgets()
    move = nb.move_slider(0, timeout=3)
    assert move.value_changed and not move.image_changed, move.describe()
    errors = nb.callback_errors()
    assert errors and all("RuntimeError: callback broke" in e for e in errors), errors
    with pytest.raises(AssertionError, match="in Lab:\n.*ValueError"):
        check_lab_notebook(nb)


def test_voila_checks_catch_broken_notebook(open_in_voila):
    d = open_in_voila(BROKEN, stem="_broken")
    problems = d.output_problems()
    assert problems and any("ValueError: deliberate failure" in p for p in problems), problems
    move = d.move_slider(0, timeout=3)
    assert move.value_changed and not move.image_changed, move.describe()


def test_lab_uses_temp_settings_overrides(lab_server):
    """overrides.json in the temp app_settings_dir reaches Lab (no news pop-up, all cells
    attached to the DOM) - nothing written into the venv or ~/.jupyter."""
    notif = lab_server.api("lab/api/settings/@jupyterlab/apputils-extension:notification")
    props = notif["schema"]["properties"]
    assert props["fetchNews"]["default"] == "false"
    assert props["checkForUpdates"]["default"] is False
    tracker = lab_server.api("lab/api/settings/@jupyterlab/notebook-extension:tracker")
    assert tracker["schema"]["properties"]["windowingMode"]["default"] == "none"
