"""The explorer's z0 is drawn in the browser: it moves with every key press even while no
message reaches the kernel, and what it draws matches the kernel's own figure.

Notebook 01 in JupyterLab. Playwright routes the kernel's websocket through this process, so
the test can hold back every message from the page to the kernel while it presses keys.
"""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

import actviz
from actviz.figures.activation import readout_line

from .driver import ARTIFACTS, LabNotebook, code_cells

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NB = "01_sigmoid.ipynb"


class HeldSocket:
    """Forwards the kernel websocket both ways; while ``hold`` is set, keeps what the page
    sends to the kernel (so the kernel sees nothing) until :meth:`release`."""

    def __init__(self):
        self.hold, self.held, self.routes = False, [], []

    def __call__(self, ws):
        server = ws.connect_to_server()
        self.routes.append((ws, server))

        def to_kernel(message):
            if self.hold:
                self.held.append((server, message))
            else:
                server.send(message)

        ws.on_message(to_kernel)
        server.on_message(ws.send)

    def release(self):
        self.hold = False
        for server, message in self.held:
            server.send(message)


def _canvas_pixels(page) -> np.ndarray:
    data = page.locator("canvas.actviz-canvas").first.evaluate("c => c.toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data.split(",", 1)[1]))).convert("RGB"), dtype=np.int16)


def _png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _vermillion(a: np.ndarray) -> np.ndarray:
    return np.all(np.abs(a - (213, 94, 0)) < 40, axis=2)  # the tangent's and the markers' colour


def _assert_same_moving_parts(drawn, kernel, background, panels):
    """Inside each panel the vermillion pixels (tangent, markers) of the browser's drawing sit
    where the kernel's figure has them: per pixel column within a pixel or so."""
    for name, p in zip(("g", "g'"), panels):
        rows = slice(int(p["y0"]) + 2, int(p["y0"] + p["h"]) - 2)
        cols = slice(int(p["x0"]) + 2, int(p["x0"] + p["w"]) - 2)
        d, k, b = (_vermillion(a)[rows, cols] for a in (drawn, kernel, background))
        assert not b.any(), f"{name} panel: the background already has the moving parts"
        assert k.sum() > 30 and 0.7 < d.sum() / k.sum() < 1.4, (name, d.sum(), k.sum())
        both = [x for x in range(k.shape[1]) if d[:, x].any() and k[:, x].any()]
        assert len(both) >= 0.8 * np.count_nonzero(k.any(axis=0)), name
        gaps = [abs(np.argwhere(d[:, x]).mean() - np.argwhere(k[:, x]).mean()) for x in both]
        assert np.median(gaps) <= 1.0 and max(gaps) <= 3.0, (name, np.median(gaps), max(gaps))


def test_z0_moves_in_the_browser_while_the_kernel_hears_nothing(lab_server, lab_context, served_root):
    socket = HeldSocket()
    page = lab_context.new_page()
    page.route_web_socket(re.compile(r"/api/kernels/[^/]+/channels"), socket)
    nb = LabNotebook(page, lab_server, NB, root=served_root)
    try:
        nb.open()
        nb.restart_and_run_all()
        nb.wait_run_complete(code_cells(served_root / NB))
        nb.wait_widgets()
        box = page.locator(".widget-vbox:has(canvas.actviz-canvas)").first
        box.scroll_into_view_if_needed()
        readout = box.locator(".actviz-readout")
        page.wait_for_function("el => el.dataset.draws > 0", arg=box.locator(".actviz-tangent-canvas").element_handle())
        handle = box.locator(".widget-slider .noUi-handle").nth(2)  # z range (two handles), then z0
        assert "z\u2080" in box.locator(".widget-slider").nth(1).inner_text()
        before_text, before_pixels = readout.inner_text(), _canvas_pixels(page)

        socket.hold = True
        handle.focus()
        for _ in range(6):
            handle.press("ArrowRight")
        page.wait_for_function("([el, old]) => el.innerText !== old", arg=[readout.element_handle(), before_text],
                               timeout=5000)
        z0 = float(handle.get_attribute("aria-valuetext"))
        held = len(socket.held)
        after_text, after_pixels = readout.inner_text(), _canvas_pixels(page)
        assert held > 0, "no message to the kernel was held: the route did not apply"
        assert z0 == pytest.approx(1.3) and "z\u2080 = 1.300" in after_text
        act = actviz.get("sigmoid")
        assert after_text.split() == readout_line(1.3, float(act.g(1.3)), float(act.dg(1.3))).split()
        assert np.any(after_pixels != before_pixels), "the canvas did not redraw"

        # what the browser drew is the kernel's figure at that z0, to a pixel (anti-aliasing aside)
        reference = actviz.explore("sigmoid")
        reference.controls["z0"].value = 1.3
        full = _png_pixels(bytes(reference.image.value))
        ARTIFACTS.mkdir(exist_ok=True)
        Image.fromarray(after_pixels.astype(np.uint8)).save(ARTIFACTS / "canvas-z0-1.3.png")
        assert after_pixels.shape == full.shape
        _assert_same_moving_parts(after_pixels, full, _png_pixels(bytes(reference.canvas.background)),
                                  reference.canvas.frame["panels"])

        socket.release()  # the kernel now hears the moves; then a z-range move renders there
        zr = box.locator(".widget-slider .noUi-handle").nth(0)
        zr.focus()
        zr.press("ArrowRight")
        page.wait_for_function("([el, old]) => el.innerText !== old", arg=[box.locator(".widget-slider").first
                                                                          .element_handle(), "z range -8.0 \u2013 8.0"],
                               timeout=5000)
        nb.page.wait_for_timeout(1500)
        assert "z\u2080 = 1.300" in readout.inner_text(), "the kernel lost z0 while its messages were held"
        # holding the socket also stalls Lab's debugger probe, which then logs that it gave
        # up: the test's own doing, not the notebook's; anything else is a failure
        console = [e for e in nb.console_errors if "debugger state" not in e]
        assert not nb.callback_errors() and not console, (nb.callback_errors(), console)
    finally:
        page.close()
        nb.shutdown_kernel()
