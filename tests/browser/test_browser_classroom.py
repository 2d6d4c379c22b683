"""The classroom Voilà (``python3 dev.py voila``) as a class of two meets it, in Chromium.

Two places (``class_size=2``): the first student gets the dashboard, moves every slider, picks
another activation by keyboard and moves its sliders (the new one included);
the second one's widget JS is blocked, so the page must say the sliders did not load and how to
retry; a third gets "the class is full" (HTTP 503); when the first closes the tab, the page's
close beacon (with the _xsrf cookie the page now sets) shuts the kernel down at once, and the
third student, retrying, gets a working dashboard.
"""

import time
import urllib.error
import urllib.request

import pytest

import actviz

from .driver import ARTIFACTS, SLIDER_HANDLE, VoilaDashboard, _check_moves, check_voila_dashboard, new_context, start_classroom

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTICE = ".actviz-if-no-widgets"
KERNEL_ID = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture
def classroom(served_root, browser_tmp):
    srv = start_classroom(served_root / "dashboard.ipynb", browser_tmp / "classroom", class_size=2)
    yield srv
    srv.stop()


def _student(ctx, srv, served_root) -> VoilaDashboard:
    d = VoilaDashboard(ctx.new_page(), srv, "dashboard.ipynb", root=served_root)
    d.url_path = ""
    return d


def _pick_by_keyboard(d: VoilaDashboard, name: str) -> None:
    """Choose ``name`` in the activation list with the arrow keys; the explorer must show it
    with one more slider (its parameter), and every slider, the new one too, moves the plot."""
    before = d.handles().count()
    picker = d.page.locator(".actviz-dashboard select").first
    options = picker.evaluate("(s) => [...s.options].map((o) => o.value)")
    picker.focus()
    for _ in range(options.index(name) - options.index(picker.input_value())):
        d.page.keyboard.press("ArrowDown")
    d.page.wait_for_function(f"() => document.querySelectorAll({SLIDER_HANDLE!r}).length === {before + 1}",
                             timeout=30_000)
    assert picker.input_value() == name
    d.page.get_by_text(f"{name}: drag a slider").wait_for(timeout=10_000)
    d.page.get_by_text(f"where is the tangent of {actviz.get(name).label} steepest").wait_for(timeout=10_000)
    d.screenshot(ARTIFACTS / f"classroom-picked-{name.replace('_', '-')}.png")
    _check_moves(d.move_all_sliders(2), f"the dashboard after picking {name} by keyboard")


def test_a_class_of_two(classroom, chromium, served_root):
    # No request routing in this context: Playwright's interception holds back the beacon a
    # page sends while it unloads (seen: the kernel went only when the browser closed).
    # Without routes the page asks the CDN for its icon font and simply does not get it.
    ctx = chromium.new_context()
    try:
        first = _student(ctx, classroom, served_root).open()
        check_voila_dashboard(first)  # every slider by keyboard
        _check_moves([first.drag_slider(0)], "the dashboard in the classroom Voilà, by mouse")
        assert not first.page.locator(NOTICE).is_visible(), "the 'sliders did not load' notice shows beside working sliders"
        _pick_by_keyboard(first, "leaky_relu")  # the explorer switches in place: alpha's slider appears and moves the plot
        kernel = first.page.evaluate(KERNEL_ID)

        # the second student's browser never gets the widget manager: no sliders can appear
        broken_ctx = new_context(chromium)
        broken_ctx.route("**/widgets-manager*/**", lambda route: route.abort())
        second = broken_ctx.new_page()
        second.goto(classroom.url, wait_until="load")
        second.locator(NOTICE).wait_for(state="visible", timeout=30_000)
        assert "reload the page" in second.locator(NOTICE).inner_text()
        assert second.locator(".widget-slider").count() == 0

        third = ctx.new_page()
        resp = third.goto(classroom.url)
        assert resp.status == 503, f"student 3 of a class of 2 got HTTP {resp.status}"
        assert "The class is full" in third.inner_text("body")

        # the first student leaves: beforeunload sends the beacon, the kernel goes at once
        first.page.goto("about:blank")
        t0 = time.monotonic()
        while _status(classroom.url_for(f"api/kernels/{kernel}")) != 404:
            assert time.monotonic() - t0 < 20, "the closed tab's kernel is still running after 20 s"
            time.sleep(0.5)
        log = classroom.log_path.read_text(errors="replace")
        assert "403 POST /voila/api/shutdown" not in log, "the close beacon was refused (XSRF)"

        again = VoilaDashboard(third, classroom, "dashboard.ipynb", root=served_root)
        third.reload(wait_until="domcontentloaded")
        again.wait_widgets(60)
        assert third.locator(".widget-slider").count() > 0
        broken_ctx.close()
    finally:
        ctx.close()
