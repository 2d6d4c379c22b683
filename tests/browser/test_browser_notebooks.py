"""The real notebooks in a real browser: every notebooks/*.ipynb in JupyterLab, and the
Voilà dashboard (notebooks/dashboard.ipynb) when it exists.

Runs on temp copies (see conftest.served_root); screenshots go to test-artifacts/.
"""

import pytest

from .driver import NOTEBOOKS, _check_moves, check_lab_notebook, check_voila_dashboard, has_widgets, notebooks_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_NBS = notebooks_in(NOTEBOOKS)
# No notebooks is a failure, not a skip: the suite must never pass vacuously.
LAB_PARAMS = [pytest.param(p.name, id=p.stem) for p in _NBS] or [
    pytest.param(None, id="no-notebooks")]
DASHBOARD = NOTEBOOKS / "dashboard.ipynb"
VOILA_PARAMS = [pytest.param(DASHBOARD.name, id=DASHBOARD.stem)]


@pytest.mark.parametrize("nb", LAB_PARAMS)
def test_notebook_in_lab(nb, open_in_lab):
    if nb is None:
        pytest.fail(f"no notebooks found: {NOTEBOOKS}/*.ipynb is empty")
    # the committed notebooks are executed: their outputs say whether they show widgets
    page = open_in_lab(nb)
    check_lab_notebook(page, widgets=has_widgets(NOTEBOOKS / nb))
    for more in AFTER_RUN_ALL.get(nb, ()):  # in the same run: a run-all of 08 or 09 costs a minute
        more(page)


@pytest.mark.parametrize("nb", VOILA_PARAMS)
def test_dashboard_in_voila(nb, open_in_voila):
    assert DASHBOARD.exists(), "notebooks/dashboard.ipynb is missing"
    check_voila_dashboard(open_in_voila(nb))


def train_button_trains_and_fills_the_progress_bar(nb):
    """As a student would: press Train in notebook 8, watch the bar fill and the plot change."""
    page = nb.page
    button = page.locator("button.jupyter-button", has_text="Train").first
    button.scroll_into_view_if_needed()
    before = nb.image_signatures()
    nb.move_slider(0, presses=1)  # change a setting: the view resets to "untrained"
    before = nb.wait_images_stable(before, indices=[])
    button.click()
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.widget-hprogress .progress-bar'))
               .some(b => parseFloat(b.style.width) >= 99.9)""", timeout=60_000, polling=100)
    after = nb.wait_images_stable(before)
    assert after != before, "pressing Train did not change any plot"
    assert any(t.startswith("Trained ") for t in page.locator(".widget-html").all_inner_texts()), \
        "the readout does not report a finished training run"


def expression_box_rejects_code_and_plots_a_formula(nb):
    """Type into notebook 9's box: code gets a plain message, a formula gets a new plot."""
    page = nb.page
    box = page.locator(".widget-text input[type=text]").last
    box.scroll_into_view_if_needed()
    before = nb.image_signatures()
    box.fill("__import__('os').system('id')")
    box.press("Enter")
    page.wait_for_function("() => document.body.innerText.includes('\u2717')", timeout=15_000)
    text = page.evaluate("() => document.body.innerText")
    assert "allowed" in text and "Traceback" not in text
    box.fill("z * tanh(z)")
    box.press("Enter")
    after = nb.wait_images_stable(before)
    assert after[-1] != before[-1], "the box's plot did not change for a new formula"
    assert not nb.callback_errors()


def a_slider_moves_by_mouse(nb):
    """Press, drag and release the first slider handle: the value and the plot change."""
    _check_moves([nb.drag_slider(0)], f"{nb.nb} in Lab, by mouse")


#: what a student does next in a notebook, after it ran and its sliders moved (by keyboard)
AFTER_RUN_ALL = {"01_sigmoid.ipynb": [a_slider_moves_by_mouse],
                 "08_train_a_tiny_network.ipynb": [train_button_trains_and_fills_the_progress_bar],
                 "09_your_own_activation.ipynb": [expression_box_rejects_code_and_plots_a_formula]}
