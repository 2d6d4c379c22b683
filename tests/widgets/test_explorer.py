"""actviz.widgets.explorer: sliders wired to the figure, through the one throttled render path, without leaks."""

import asyncio
import base64
import dataclasses
import gc
import io
import math

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import actviz
from actviz.figures.style import THEMES
from actviz.maths import registry
from actviz.maths.registry import spec
from actviz.widgets import view as view_module
from actviz.widgets.controls import MIN_Z_WIDTH, Z_LIMIT, ZRangeSlider
from actviz.widgets.explorer import Comparison, Explorer, compare, explore

NAMES = actviz.names()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: the default look with fewer pixels: explorer behaviour does not depend on the theme
SMALL = dataclasses.replace(THEMES["default"], name="small", dpi=40)


def ex(*args, **kwargs) -> Explorer:
    return explore(*args, theme=SMALL, **kwargs)


def cmp(*args, **kwargs) -> Comparison:
    return compare(*args, theme=SMALL, **kwargs)


def pixels(png) -> np.ndarray:
    png = bytes(png)  # the Image widget may hand back a memoryview
    assert png.startswith(PNG_MAGIC)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(np.int16)


def n_figures() -> int:
    gc.collect()
    return sum(isinstance(o, Figure) for o in gc.get_objects())


def tangent_slope(e: Explorer) -> float:
    x, y = e.view.line_tangent.get_xdata(), e.view.line_tangent.get_ydata()
    return (y[-1] - y[0]) / (x[-1] - x[0])


# ---------------------------------------------------------------- controls


@pytest.mark.parametrize("name", NAMES)
def test_one_slider_per_parameter(name):
    e = ex(name)
    params = spec(name).params
    assert list(e.controls) == ["z_range", "z0", *[p.name for p in params]]
    for p in params:
        slider = e.controls[p.name]
        assert isinstance(slider, widgets.FloatSlider)
        assert (slider.min, slider.max, slider.value) == (p.low, p.high, p.default)
    # every control is shown
    shown = set(map(id, e.children))
    assert all(id(c) in shown for c in e.controls.values())
    assert isinstance(e.image, widgets.Image) and id(e.canvas) in shown  # the live view; image is for code
    if name in ("sigmoid", "tanh", "relu", "leaky_relu"):  # of the seed four only leaky_relu has alpha
        assert ("alpha" in e.controls) == (name == "leaky_relu")


def test_every_param_gets_a_slider_even_with_several(monkeypatch):
    two = registry.Spec(
        name="affine_test", g=lambda z, a, b: a * z + b, dg=lambda z, a, b: a + 0 * z, latex_g="a z + b", latex_dg="a",
        params=(registry.Param("a", 1.0, 0.0, 2.0), registry.Param("b", 0.0, -1.0, 1.0)),
    )
    monkeypatch.setitem(registry._REGISTRY, "affine_test", two)
    e = ex("affine_test", z_range=(-2, 2))
    assert list(e.controls) == ["z_range", "z0", "a", "b"]
    e.controls["b"].value = 0.5
    e.controls["a"].value = 1.5
    np.testing.assert_allclose(e.view.line_g.get_ydata()[[0, -1]], [-2.5, 3.5])
    assert tangent_slope(e) == pytest.approx(1.5)


def test_initial_state_follows_the_arguments():
    e = explore("tanh", z_range=(-3, 5), z0=7)
    assert e.controls["z_range"].value == (-3.0, 5.0)
    assert e.controls["z0"].value == 5.0  # clamped into the range
    assert (e.controls["z0"].min, e.controls["z0"].max) == (-3.0, 5.0)
    assert e.view.z0 == 5.0
    assert bytes(e.image.value).startswith(PNG_MAGIC)
    assert e.renders == 1


# ---------------------------------------------------------------- the z range


def test_z_range_cannot_be_reversed():
    e = ex("sigmoid")
    png, renders = bytes(e.image.value), e.renders
    with pytest.raises(ValueError, match="low < high"):
        e.controls["z_range"].value = (3.0, 1.0)
    assert e.controls["z_range"].value == (-8.0, 8.0)
    assert e.view.z_range == (-8.0, 8.0)
    assert (bytes(e.image.value), e.renders) == (png, renders)


@pytest.mark.parametrize("bad", [(math.nan, 1.0), (0.0, math.inf)])
def test_z_range_must_be_finite(bad):
    slider = ZRangeSlider(value=(-1.0, 1.0), min=-Z_LIMIT, max=Z_LIMIT)
    with pytest.raises(ValueError, match="finite"):
        slider.value = bad
    assert slider.value == (-1.0, 1.0)


@pytest.mark.parametrize(
    "start, proposed, expected",
    [
        ((-8.0, 8.0), (2.0, 2.0), (2.0, 2.0 + MIN_Z_WIDTH)),  # both handles moved: the low one is kept
        ((-8.0, 2.0), (2.0, 2.0), (2.0, 2.0 + MIN_Z_WIDTH)),  # low handle dragged onto the high one: push high
        ((2.0, 8.0), (2.0, 2.0), (2.0 - MIN_Z_WIDTH, 2.0)),  # high handle dragged onto the low one: push low
        ((-8.0, 8.0), (-8.0, -8.0), (-8.0 - MIN_Z_WIDTH, -8.0)),
        ((1.0, 8.0), (1.0, 1.2), (1.0 - 0.3, 1.2)),  # narrower than the minimum but not empty
        ((-8.0, 8.0), (Z_LIMIT, Z_LIMIT), (Z_LIMIT - MIN_Z_WIDTH, Z_LIMIT)),  # at the slider's end
        ((-8.0, 8.0), (-Z_LIMIT, -Z_LIMIT), (-Z_LIMIT, -Z_LIMIT + MIN_Z_WIDTH)),
    ],
)
def test_z_range_never_becomes_empty(start, proposed, expected):
    slider = ZRangeSlider(value=start, min=-Z_LIMIT, max=Z_LIMIT, step=0.5)
    slider.value = proposed
    lo, hi = slider.value
    assert hi - lo >= MIN_Z_WIDTH - 1e-12
    assert (lo, hi) == pytest.approx(expected)
    assert -Z_LIMIT <= lo and hi <= Z_LIMIT


@pytest.mark.parametrize("proposed, expected", [((2.0, 2.0), (2.0, 2.5)), ((-8.0, -8.0), (-8.5, -8.0))])
def test_explorer_draws_the_widened_range(proposed, expected):
    e = ex("tanh")
    e.controls["z_range"].value = proposed
    assert e.controls["z_range"].value == expected
    assert e.view.z_range == expected  # the figure got the widened range, not the empty one
    assert e.figure.axes[0].get_xlim() == expected
    z0 = e.controls["z0"]
    assert expected[0] <= z0.value <= expected[1] and (z0.min, z0.max) == expected


def test_z0_slider_follows_the_z_range_and_stays_inside():
    e = ex("sigmoid", z0=1.0)
    z0 = e.controls["z0"]
    cases = [
        ((2.0, 6.0), 2.0),  # z0 was left of the new range
        ((-10.0, -4.0), -4.0),  # new range entirely left of the old slider bounds
        ((10.0, 15.0), 10.0),  # and entirely right of them
        ((-20.0, 20.0), 10.0),  # widening keeps z0 where it was
    ]
    for z_range, expected in cases:
        e.controls["z_range"].value = z_range
        assert (z0.min, z0.max) == z_range
        assert z0.value == expected
        assert e.view.z0 == expected
        assert e.view.point_g.get_xdata()[0] == expected


def test_one_render_per_z_range_move():
    e = ex("sigmoid", z0=1.0)
    before = e.renders
    e.controls["z_range"].value = (3.0, 9.0)  # also moves the z0 slider's bounds and value
    assert e.renders == before + 1


# ---------------------------------------------------------------- every control updates the figure, synchronously


@pytest.mark.parametrize(
    "control, value",
    [("z_range", (-4.0, 6.0)), ("z0", -2.5), ("alpha", 0.4)],
)
def test_each_control_updates_lines_and_image_before_returning(control, value):
    e = ex("leaky_relu")
    old_png = bytes(e.image.value)
    old_x, old_g = e.view.line_g.get_xdata().copy(), e.view.line_g.get_ydata().copy()
    old_tangent = e.view.line_tangent.get_ydata().copy()
    e.controls[control].value = value
    # state now, not later
    alpha = e.controls["alpha"].value
    act = actviz.get("leaky_relu", alpha=alpha)
    lo, hi = e.controls["z_range"].value
    z = np.linspace(lo, hi, e.view.n)
    np.testing.assert_array_equal(e.view.line_g.get_xdata(), z)
    np.testing.assert_array_equal(e.view.line_g.get_ydata(), act.g(z))
    np.testing.assert_array_equal(e.view.line_dg.get_ydata(), act.dg(z))
    z0 = e.controls["z0"].value
    np.testing.assert_allclose(e.view.line_tangent.get_ydata(), act.g(z0) + act.dg(z0) * (z - z0), atol=1e-12)
    changed = {
        "z_range": not np.array_equal(old_x, e.view.line_g.get_xdata()),
        "z0": not np.array_equal(old_tangent, e.view.line_tangent.get_ydata()),
        "alpha": not np.array_equal(old_g, e.view.line_g.get_ydata()),
    }
    assert changed[control]
    assert bytes(e.image.value) != old_png
    assert np.any(pixels(e.image.value) != pixels(old_png))
    assert bytes(e.image.value) == e.view.render()  # the image shows the current state


def test_in_a_kernel_a_burst_renders_once_and_reading_the_image_catches_up(monkeypatch):
    """In a kernel (its event loop running) renders are throttled, but reading
    ``image``/``readout``/``figure`` always gives the state of the controls."""

    async def scenario():
        monkeypatch.setattr(view_module, "kernel_loop", asyncio.get_running_loop)  # as inside ipykernel
        e = ex("leaky_relu", z_range=(-5, 5))
        e.controls["z0"].value = 2.0
        _ = e.image  # a blitted render: the throttle now expects renders to cost a few ms
        before = e.renders
        for i in range(100):  # a drag: ~30 ms of events, several render-times long
            e.controls["z0"].value = -4.0 + 0.019 * i
        e.controls["alpha"].value = 0.5
        during = e.renders - before  # renders before anyone looked
        png = bytes(e.image.value)  # reading catches up synchronously
        assert png == e.view.render()
        assert f"{(-4.0 + 0.019 * 99) * 0.5:.6f}" in e.readout.value  # g(z0) with alpha = 0.5
        after_read = e.renders - before
        await asyncio.sleep(0.2)  # let any scheduled render fire: nothing left to draw
        return during, after_read, e.renders - before, png, bytes(e.image.value)

    during, after_read, finally_, png, final_png = asyncio.run(scenario())
    assert during <= 3  # 101 changes, not 101 renders (usually 0 or 1; slack for a preempted CPU)
    assert after_read >= 1 and finally_ == after_read
    assert final_png == png


def test_outside_a_kernel_renders_are_synchronous_even_with_an_event_loop_running():
    """A loop that is not a kernel's (Playwright's in the browser tests) must not defer renders."""

    async def scenario():
        e = ex("sigmoid")
        before = e.renders
        e.controls["z_range"].value = (-3.0, 3.0)
        after_range = e.renders - before
        e.controls["z0"].value = -2.0  # the browser draws z0: the kernel follows, renders nothing
        return after_range, e.renders - before, e.view.tangent.z0

    assert view_module.kernel_loop() is None
    assert asyncio.run(scenario()) == (1, 1, -2.0)


def test_tangent_slope_is_g_prime_after_moving_z0_and_alpha():
    e = ex("leaky_relu", z_range=(-5, 5), z0=2.0)
    assert tangent_slope(e) == pytest.approx(1.0)
    e.controls["z0"].value = -3.0
    assert tangent_slope(e) == pytest.approx(0.01)
    e.controls["alpha"].value = 0.35
    assert tangent_slope(e) == pytest.approx(0.35)
    assert e.view.tangent.value == pytest.approx(-3.0 * 0.35)
    e.controls["alpha"].value = 0.0
    assert tangent_slope(e) == 0.0


def test_tangent_slope_for_sigmoid_matches_an_independent_formula():
    e = ex("sigmoid")
    for z0 in (-4.0, -0.5, 0.0, 2.25):
        e.controls["z0"].value = z0
        s = 1.0 / (1.0 + math.exp(-z0))
        assert tangent_slope(e) == pytest.approx(s * (1.0 - s), rel=1e-9)


def test_readout_shows_g_and_g_prime_to_six_decimals():
    e = ex("sigmoid")
    e.controls["z0"].value = 0.7
    s = 1.0 / (1.0 + math.exp(-0.7))
    assert f"{s:.6f}" in e.readout.value  # 0.668188
    assert f"{s * (1 - s):.6f}" in e.readout.value  # 0.221713
    assert "0.700" in e.readout.value
    e.controls["z0"].value = -2.0
    assert f"{1.0 / (1.0 + math.exp(2.0)):.6f}" in e.readout.value
    assert f"{s:.6f}" not in e.readout.value


# ---------------------------------------------------------------- explore() and its arguments


def test_explore_accepts_an_activation_or_a_name_with_params():
    by_instance = explore(actviz.get("leaky_relu", alpha=0.2), z_range=(-4, 4))
    by_name = explore("leaky_relu", z_range=(-4, 4), alpha=0.2)
    for e in (by_instance, by_name):
        assert isinstance(e, Explorer)
        assert e.controls["alpha"].value == 0.2
        assert e.view.line_g.get_ydata()[0] == pytest.approx(-4 * 0.2)
    assert bytes(by_instance.image.value) == bytes(by_name.image.value)


def test_explore_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish2'") as info:
        explore("swish2")
    for name in NAMES:
        assert name in str(info.value)


@pytest.mark.parametrize("bad", [{"alpha": 2.0}, {"beta": 1.0}])
def test_explore_bad_params_raise(bad):
    with pytest.raises(ValueError, match="leaky_relu"):
        explore("leaky_relu", **bad)


def test_explore_reversed_range_raises():
    with pytest.raises(ValueError, match="low < high"):
        explore("relu", z_range=(1, -1))


# ---------------------------------------------------------------- no leaks


@pytest.mark.slow
def test_many_moves_leak_no_figures_and_no_artists():
    import matplotlib.pyplot as plt

    fignums = plt.get_fignums()
    tiny = dataclasses.replace(SMALL, dpi=20)  # ~1 ms a move instead of ~6: the leak does not depend on pixels
    e = explore("leaky_relu", z_range=(-6, 6), theme=tiny)
    e.controls["alpha"].value = 0.0  # one shaded span (dead) now exists; the pool never needs more here

    def counts():
        axes = [(len(ax.lines), len(ax.patches), len(ax.texts), len(ax.collections)) for ax in e.figure.axes]
        return len(e.figure.axes), axes, len(e.figure.texts), len(e.figure.legends), len(e.view._spans)

    before, baseline = counts(), n_figures()
    renders = e.renders
    z0 = e.controls["z0"]
    for i in range(1000):
        z0.value = -6.0 + (i * 0.05) % 12.0
        if i % 250 == 0:
            e.controls["alpha"].value = 0.003 if e.controls["alpha"].value == 0.0 else 0.0  # saturated <-> dead
    assert e.renders == renders + 4  # the 1000 z0 moves render nothing in the kernel: the browser draws them
    assert plt.get_fignums() == fignums == []
    assert n_figures() == baseline
    assert counts() == before
    assert bytes(e.image.value).startswith(PNG_MAGIC)


# ---------------------------------------------------------------- display


def test_mime_bundle_has_text_png_and_the_widget_view():
    e = explore("leaky_relu", z_range=(-8, 8), z0=1)
    bundle = e._repr_mimebundle_()
    assert bundle["text/plain"] == "Explorer(leaky_relu: z in [-8, 8], z0 = 1, alpha = 0.01)"
    assert bundle["text/plain"] == repr(e)
    assert base64.b64decode(bundle["image/png"]) == bytes(e.image.value)
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == e.model_id
    e.controls["z0"].value = -2.5
    bundle = e._repr_mimebundle_()
    assert bundle["text/plain"] == "Explorer(leaky_relu: z in [-8, 8], z0 = -2.5, alpha = 0.01)"
    assert base64.b64decode(bundle["image/png"]) == bytes(e.image.value)


def test_repr_has_no_memory_address():
    assert repr(ex("tanh", z_range=(-2, 3), z0=0.5)) == "Explorer(tanh: z in [-2, 3], z0 = 0.5)"


# ---------------------------------------------------------------- Comparison


def test_comparison_follows_the_selection_and_keeps_the_last_image_when_empty():
    c = cmp(["sigmoid", "tanh"], z_range=(-4, 4))
    assert isinstance(c, Comparison)
    assert repr(c) == "Comparison(sigmoid, tanh: z in [-4, 4])"
    first = bytes(c.image.value)
    assert first.startswith(PNG_MAGIC)
    names = c.controls["names"]
    # every registered activation can be added, once (labelled with its default parameters)
    listed = [c._by_label[o].name for o in names.options]
    assert sorted(listed) == sorted(NAMES)
    names.value = ("relu",)
    assert repr(c) == "Comparison(relu: z in [-4, 4])"
    assert [a.name for a in c.activations] == ["relu"]
    relu_png = bytes(c.image.value)
    assert relu_png != first
    names.value = ()  # must not raise from inside the callback
    assert bytes(c.image.value) == relu_png
    names.value = ("sigmoid", "tanh")
    assert pixels(c.image.value).shape == pixels(first).shape
    assert bytes(c.image.value) == first  # the same selection draws the same figure again


def test_comparison_z_range_and_bundle():
    c = cmp(["tanh"], z_range=(-4, 4))
    png = bytes(c.image.value)
    c.controls["z_range"].value = (-1, 7)
    assert c.view.ax_g.get_xlim() == (-1.0, 7.0)
    assert bytes(c.image.value) != png
    with pytest.raises(ValueError, match="low < high"):
        c.controls["z_range"].value = (5, 1)
    bundle = c._repr_mimebundle_()
    assert bundle["text/plain"] == "Comparison(tanh: z in [-1, 7])" == repr(c)
    assert base64.b64decode(bundle["image/png"]) == bytes(c.image.value)
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == c.model_id


def test_compare_keeps_parameters_and_rejects_empty():
    c = cmp([actviz.get("leaky_relu", alpha=0.3), "relu"])
    assert [a.label for a in c.activations] == ["leaky_relu (alpha=0.3)", "relu"]
    with pytest.raises(ValueError, match="at least one"):
        compare([])


def test_explore_accepts_a_custom_activation_and_its_tangent_matches():
    act = actviz.from_expression("z * tanh(log(1 + exp(z)))")
    ex = actviz.explore(act)
    ex.controls["z0"].value = -1.5
    assert ex.view.tangent.slope == pytest.approx(float(actviz.get("mish").dg(-1.5)), rel=1e-12)


# ---------------------------------------------------------------- typed formulas, steep ones included

STEEP = ["softplus(50*z)", "sigmoid(50*z)", "exp(z**2)", "z*tanh(log(1+exp(100*z)))", "z*sin(exp(230))",
         "max(z, 0.2*z)", "softplus(z**4)"]


@pytest.mark.parametrize("text", STEEP)
def test_the_explorer_draws_accepted_steep_formulas_over_any_z_range(text):
    act = actviz.from_expression(text)
    e = ex(act)
    before = bytes(e.image.value)
    for lo, hi in [(-20.0, 20.0), (-20.0, -10.0), (10.0, 20.0), (-1.0, 1.0), (-0.5, 0.0), (-8.0, 8.0)]:
        e.controls["z_range"].value = (lo, hi)
        for z0 in (lo, 0.5 * (lo + hi), hi):
            e.controls["z0"].value = z0
            assert e.last_error is None, f"{text} at z range ({lo}, {hi}), z0 {z0}: {e.last_error}"
            t = e.view.tangent
            assert np.isfinite([t.value, t.slope]).all()
            assert "\u2717" not in e.readout.value
    assert bytes(e.image.value) != before


def test_a_parameter_of_a_typed_formula_gets_a_slider():
    act = actviz.from_expression("z*sigmoid(beta*z)", beta=1.0)
    e = ex(act, z_range=(-6, 6))
    assert list(e.controls) == ["z_range", "z0", "beta"]
    slider = e.controls["beta"]
    assert (slider.min, slider.max, slider.value) == (-1.0, 3.0, 1.0)
    e.controls["z0"].value = 2.0
    slider.value = 2.0
    assert e.act.params == {"beta": 2.0} and e.last_error is None
    assert e.view.tangent.slope == pytest.approx(float(actviz.get("silu", beta=2.0).dg(2.0)), rel=1e-12)


def test_a_callback_that_cannot_draw_says_so_and_does_not_raise(monkeypatch):
    e = ex("tanh")
    png = bytes(e.image.value)

    def broken():
        raise RuntimeError("a figure that cannot be drawn")

    monkeypatch.setattr(e.view, "render", broken)
    e.controls["z_range"].value = (-2.0, 2.0)  # must not raise out of the callback
    assert e.last_error == "RuntimeError: a figure that cannot be drawn"
    assert "cannot be drawn" in e._readout.value and bytes(e._image.value) == png
    monkeypatch.setattr(e.view, "update", lambda **kw: broken())
    e.controls["z0"].value = 0.5  # the kernel's z0 path (no render) must not raise either
    assert e.last_error == "RuntimeError: a figure that cannot be drawn"
    assert "cannot be drawn" in e._readout.value


# ---------------------------------------------------------------- switching activation in place


def test_set_activation_swaps_the_parameter_sliders_and_keeps_the_view():
    e = ex("sigmoid", z_range=(-5.0, 3.0), z0=-2.0)
    canvas, z0 = e.canvas, e.controls["z0"]
    e.set_activation("leaky_relu", alpha=0.25)
    alpha = e.controls["alpha"]
    assert list(e.controls) == ["z_range", "z0", "alpha"] and alpha.value == 0.25
    children = list(e.children)
    assert children.index(alpha) == children.index(z0) + 1 and e.canvas is canvas
    assert e.view.z_range == (-5.0, 3.0) and e.view.z0 == -2.0
    assert "<b>leaky_relu</b>" in e._title.value and e.act.label in e.canvas.frame["label"]
    alpha.value = 0.5  # the new slider drives the figure
    assert e.act.params["alpha"] == 0.5 and tangent_slope(e) == pytest.approx(0.5)
    e.set_activation("tanh")
    assert list(e.controls) == ["z_range", "z0"] and alpha not in e.children
    assert alpha.comm is None  # the old slider is closed, in kernel and browser
    assert tangent_slope(e) == pytest.approx(1 - math.tanh(-2.0) ** 2)


def test_set_activation_shows_what_a_new_explorer_shows():
    e = ex("sigmoid", z_range=(-6.0, 4.0), z0=1.5)
    for name in ["gelu", "relu", "silu"]:
        e.set_activation(name)
        fresh = ex(name, z_range=(-6.0, 4.0), z0=1.5)
        assert np.array_equal(pixels(e.canvas.background), pixels(fresh.canvas.background)), name
        assert np.array_equal(pixels(e.image.value), pixels(fresh.image.value)), name
        assert e.canvas.frame["g"] == fresh.canvas.frame["g"] and e.readout.value == fresh.readout.value
        fresh.close_all_views()


def test_set_activation_rejects_an_unknown_name_and_keeps_the_explorer():
    e = ex("tanh")
    with pytest.raises(ValueError, match="sigmoid"):
        e.set_activation("sigmoidd")
    assert e.act.name == "tanh" and list(e.controls) == ["z_range", "z0"]
