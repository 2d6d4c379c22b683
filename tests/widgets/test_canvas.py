"""The explorer's browser-side drawing: what the kernel sends the canvas, and that it is exact.

The JavaScript itself runs in tests/browser (test_browser_canvas.py); here: the slider steps
and their values, the readout strings, the data -> pixel geometry, and that a z0 move costs
the kernel no render while its state still follows.
"""

import io

import numpy as np
import pytest
from PIL import Image

import actviz
from actviz.figures.activation import readout_line
from actviz.maths.analysis import tangent_at
from actviz.widgets.canvas import TangentCanvas


def ex(name="sigmoid", **kw):
    return actviz.explore(name, **kw)


@pytest.mark.parametrize("name", actviz.names())
def test_every_slider_step_carries_the_kernels_exact_values(name):
    e = ex(name, z_range=(-20, 20))
    f = e.canvas.frame
    s = e.controls["z0"]
    assert f["z"][0] == s.min and f["z"][-1] == pytest.approx(s.max, abs=1e-9) and f["step"] == pytest.approx(s.step)
    assert len(f["z"]) == round((s.max - s.min) / s.step) + 1
    for z, g, dg, text in zip(f["z"], f["g"], f["dg"], f["text"]):
        t = tangent_at(e.act, z)
        assert (g, dg) == (t.value, t.slope)  # bit for bit: the same numbers as the kernel's readout
        assert text == readout_line(z, t.value, t.slope)


def test_a_typed_formula_and_non_finite_values_are_sent_as_json():
    e = ex(actviz.from_expression("softplus(50*z)"), z_range=(-20, 20))
    f = e.canvas.frame
    assert all(v is None or np.isfinite(v) for v in f["g"] + f["dg"])
    i = f["z"].index(15.0)
    assert f["g"][i] == pytest.approx(750.0, rel=1e-12)


def test_a_z0_from_code_off_the_slider_steps_is_sent_exactly():
    e = ex("tanh")
    e.controls["z0"].value = 0.123
    cur = e.canvas.current
    assert cur["z0"] == 0.123 and cur["g"] == float(np.tanh(0.123)) and cur["serial"] == e.canvas.frame["serial"]
    assert cur["text"] in e.readout.value


def test_the_pixel_geometry_matches_matplotlibs_transform():
    e = ex("sigmoid", z_range=(-6, 6))
    f = e.canvas.frame
    fig = e.view.figure
    height = fig.bbox.height
    assert (f["width"], f["height"]) == tuple(int(v) for v in e.view.canvas.get_width_height(physical=True))
    for ax, p in zip((e.view.ax_g, e.view.ax_dg), f["panels"]):
        for z, v in [(-5.0, 0.1), (0.0, 0.5), (4.5, 0.9)]:
            x, y = ax.transData.transform((z, v))
            px = p["x0"] + (z - p["xlim"][0]) / (p["xlim"][1] - p["xlim"][0]) * p["w"]
            py = p["y0"] + (p["ylim"][1] - v) / (p["ylim"][1] - p["ylim"][0]) * p["h"]
            assert (px, py) == pytest.approx((x, height - y), abs=1e-6)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def test_the_background_is_the_figure_without_its_moving_parts():
    e = ex("sigmoid", z_range=(-6, 6), z0=2.0)
    full = _pixels(bytes(e.image.value))
    background = _pixels(bytes(e.canvas.background))
    assert full.shape == background.shape
    differ = np.any(full != background, axis=2)
    assert differ.any(), "the tangent and markers are missing from the full figure"
    # the moving parts are a line and two markers: a small part of the picture
    assert differ.mean() < 0.05
    # inside the panels (the legend keeps its vermillion sample), the tangent's colour is gone
    inside = np.zeros(differ.shape, bool)
    for p in e.canvas.frame["panels"]:
        inside[int(p["y0"]) + 2:int(p["y0"] + p["h"]) - 2, int(p["x0"]) + 2:int(p["x0"] + p["w"]) - 2] = True
    vermillion = np.all(np.abs(full - (213, 94, 0)) < 30, axis=2) & inside
    assert vermillion.sum() > 100 and not np.any(np.all(np.abs(background - (213, 94, 0)) < 30, axis=2) & inside)


def test_z0_moves_render_nothing_but_the_state_follows():
    e = ex("leaky_relu", z_range=(-5, 5))
    renders, frame = e.renders, e.canvas.frame
    background = bytes(e.canvas.background)
    for i in range(50):
        e.controls["z0"].value = -4.0 + 0.05 * i
    assert e.renders == renders and e.canvas.frame is frame and bytes(e.canvas.background) == background
    z0 = e.controls["z0"].value
    assert e.view.tangent.z0 == z0 and e.view.tangent.slope == float(e.act.dg(z0))
    e.controls["alpha"].value = 0.3  # a parameter: one new background and frame
    assert e.renders == renders + 1 and e.canvas.frame["serial"] == frame["serial"] + 1


def test_the_z0_slider_is_linked_to_the_canvas_one_way():
    e = ex("relu")
    link = e._link
    assert link.source == (e.controls["z0"], "value") and link.target == (e.canvas, "z0")
    assert type(link).__name__ == "DirectionalLink"  # a late kernel echo can never move the slider back
    assert isinstance(e.canvas, TangentCanvas) and e.canvas in e.children and e._image not in e.children


def test_closing_the_explorer_closes_the_link_and_the_off_screen_widgets():
    e = ex("sigmoid")
    e.close_all_views()
    assert all(w.comm is None for w in (e._link, e._image, e._readout_text, e.canvas))


def test_the_javascript_ships_with_the_package():
    from importlib import resources

    js = resources.files("actviz.widgets").joinpath("tangent_canvas.js").read_text()
    assert "export default" in js and "createImageBitmap" in js
    assert str(TangentCanvas._esm).startswith("//")  # anywidget read the file into the ESM
