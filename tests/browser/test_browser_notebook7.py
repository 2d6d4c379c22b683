"""Jupyter Notebook 7, the other front end a student meets (a hub's /tree, Binder's classic
link): run the explorer notebook, move every slider by keyboard and one by mouse.

Notebook 7 handles keys before the widgets do; without actviz's SliderKeys the arrow keys on a
slider jumped to the next heading instead (the notebooks tell students to use them).
"""

import pytest

from .driver import ARTIFACTS, Notebook7Page, _check_moves, check_lab_notebook, new_context, start_notebook7

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def notebook7(served_root, browser_tmp):
    srv = start_notebook7(served_root, browser_tmp / "notebook7")
    yield srv
    srv.stop()


def test_explorer_in_notebook7_by_keyboard_and_mouse(notebook7, chromium, served_root):
    ctx = new_context(chromium)
    try:
        nb = Notebook7Page(ctx.new_page(), notebook7, "01_sigmoid.ipynb", root=served_root).open()
        moves = check_lab_notebook(nb)  # Restart & Run All, [1]..[n], no errors, every handle by keys
        assert any(m.key.startswith("Arrow") for m in moves)
        drag = nb.drag_slider(0)
        _check_moves([drag], "01_sigmoid in Notebook 7, by mouse")
        nb.screenshot(ARTIFACTS / "01_sigmoid-notebook7.png", full_page=False)
        nb.shutdown_kernel()
    finally:
        ctx.close()
