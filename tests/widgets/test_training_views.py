"""actviz.widgets.training (and the figures behind it): the views of notebooks 06-08.

Every view builds, has its controls, redraws synchronously when a control is set (outside
a kernel), never registers a figure with pyplot, and rejects bad arguments with a
TypeError or ValueError. Rendered at a low dpi: behaviour does not depend on the pixel count.
"""

import asyncio
import dataclasses
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import actviz
import actviz as T
from actviz.figures import training as F
from actviz.figures.style import THEMES
from actviz.widgets import training as W
from actviz.widgets import view as view_module

SMALL = dataclasses.replace(THEMES["default"], name="small", dpi=40)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    assert plt.get_fignums() == []
    yield
    assert plt.get_fignums() == [], "a view registered a figure with pyplot"


def png(widget_image) -> bytes:
    data = bytes(widget_image.value)  # the Image widget may hand back a memoryview
    assert data.startswith(PNG_MAGIC)
    return data


def size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def gfv(**kw) -> W.GradientFlowView:
    kw.setdefault("depth", 6)
    return W.GradientFlowView(theme=SMALL, batch=32, **kw)


def tv(**kw) -> W.TrainingView:
    kw.setdefault("epochs", 60)
    kw.setdefault("n", 60)
    return W.TrainingView(theme=SMALL, **kw)


# ---------------------------------------------------------------- gradient flow


@pytest.mark.parametrize("act", ["sigmoid", "relu", "gelu", actviz.get("leaky_relu", alpha=0.2)])
def test_gradient_flow_view_builds(act):
    v = gfv(act=act, compare=False)
    assert list(v.controls) == ["depth", "activation", "init", "weight_scale", "compare"]
    assert v.controls["activation"].options == tuple(actviz.names())
    assert [f.act.label for f in v.flows] == [actviz.get(act).label if isinstance(act, str) else act.label]
    assert size(png(v.image)) == (int(SMALL.figsize[0] * 40), int(SMALL.figsize[1] * 40))
    assert isinstance(v, widgets.VBox) and v.image in v.children
    # one line per series on each panel, y on a log scale
    assert len(v.view.norm_lines) == len(v.view.ratio_lines) == 1
    assert v.view.ax_norm.get_yscale() == v.view.ax_ratio.get_yscale() == "log"


def test_gradient_flow_compare_mode_series():
    v = gfv(act="gelu", compare=True)
    assert [f.act.name for f in v.flows] == ["sigmoid", "tanh", "relu", "gelu"]
    v.controls["activation"].value = "tanh"
    assert [f.act.name for f in v.flows] == ["sigmoid", "tanh", "relu"]
    styles = {(l.get_color(), str(l.get_linestyle())) for l in v.view.norm_lines}
    assert len(styles) == 3  # distinct colour and line style per series


@pytest.mark.parametrize("control, value", [("depth", 9), ("activation", "gelu"), ("init", "he"),
                                            ("weight_scale", 2.0), ("compare", False)])
def test_gradient_flow_control_changes_image_synchronously(control, value):
    v = gfv()
    before = png(v.image)
    v.controls[control].value = value
    after = bytes(v._image.value)  # no flush: the callback already rendered
    assert after != before
    assert v.renders == 2


def test_gradient_flow_line_data_is_the_maths():
    v = gfv(act="sigmoid", compare=False, depth=7, init="he")
    f = T.gradient_flow("sigmoid", depth=7, init="he", batch=32)
    np.testing.assert_array_equal(v.view.norm_lines[0].get_ydata(), f.grad_norms / f.grad_norms[-1])
    np.testing.assert_array_equal(v.view.ratio_lines[0].get_ydata(), f.ratios)
    assert "shrinks" in v.readout.value and "sigmoid" in repr(v)


def test_gradient_flow_extreme_scales_render_without_warnings():
    # relu x4 with 'normal' init explodes to ~1e60; sigmoid x0.25 underflows: gaps, no warnings
    v = gfv(act="relu", compare=True, depth=50, init="normal", weight_scale=4.0)
    lo, hi = v.view.ax_norm.get_ylim()
    assert 0 < lo < hi and np.isfinite(hi)
    v.controls["weight_scale"].value = 0.25
    png(v.image)


@pytest.mark.parametrize("kwargs", [dict(depth=0), dict(depth=1), dict(depth=51), dict(depth=2.5), dict(weight_scale=0),
                                    dict(weight_scale=8.0), dict(init="glorot"), dict(act="nope"), dict(width=0)])
def test_gradient_flow_bad_input(kwargs):
    with pytest.raises((ValueError, TypeError), match="depth|weight_scale|init|activation|width"):
        gfv(**kwargs)


def test_gradient_flow_figure_rejects_mixed_depths():
    a, b = T.gradient_flow("relu", depth=3, batch=8), T.gradient_flow("relu", depth=4, batch=8)
    with pytest.raises(ValueError, match="same depth"):
        F.GradientFlowFigure([a, b], theme=SMALL)
    with pytest.raises(ValueError):
        F.GradientFlowFigure([], theme=SMALL)


# ---------------------------------------------------------------- dead units


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu"])
def test_dead_units_view_builds(act):
    v = W.DeadUnitsView(act=act, theme=SMALL)
    assert list(v.controls) == ["activation", "bias_shift", "alpha"]
    assert v.controls["alpha"].disabled == (act != "leaky_relu")
    png(v.image)
    assert v.result.fraction_dead == T.dead_units(act, bias_shift=-3.0).fraction_dead


@pytest.mark.parametrize("control, value", [("bias_shift", -1.0), ("activation", "leaky_relu")])
def test_dead_units_control_changes_image_synchronously(control, value):
    v = W.DeadUnitsView(theme=SMALL)
    before = png(v.image)
    v.controls[control].value = value
    assert bytes(v._image.value) != before


def test_dead_units_alpha_slider_drives_leaky_relu():
    v = W.DeadUnitsView(act="leaky_relu", theme=SMALL)
    before = png(v.image)
    v.controls["alpha"].value = 0.2
    assert bytes(v._image.value) != before
    assert v.result.act.params == {"alpha": 0.2}
    assert v.result.fraction_dead == 0.0  # leaky units never die
    np.testing.assert_allclose(v.view.line_dg.get_ydata()[0], 0.2)


def test_dead_units_numbers_match_the_maths():
    v = W.DeadUnitsView(act="relu", bias_shift=-3.0, theme=SMALL)
    assert repr(v) == "DeadUnitsView(relu: bias shift -3, 54.7% of 256 units dead)"
    assert "54.7%" in v.readout.value
    shifts, dead, zero = T.dead_curve(actviz.get("relu"))
    for i in range(0, len(shifts), 5):
        d = T.dead_units("relu", bias_shift=float(shifts[i]))
        assert (dead[i], zero[i]) == (d.fraction_dead, d.fraction_zero_grad)
    # the histogram is a density: total area 1
    heights = v.view.bars_live.get_data().values
    assert np.sum(heights * np.diff(v.view.edges)) == pytest.approx(1.0)


@pytest.mark.parametrize("kwargs", [dict(bias_shift=5.0), dict(bias_shift=float("nan")), dict(alpha=-0.1),
                                    dict(alpha=2.0), dict(act=3)])
def test_dead_units_bad_input(kwargs):
    with pytest.raises((ValueError, TypeError), match="bias_shift|alpha|activation"):
        W.DeadUnitsView(theme=SMALL, **kwargs)


# ---------------------------------------------------------------- training


def test_training_view_trains_to_the_end():
    v = tv(act="tanh", epochs=80)
    assert list(v.controls) == ["dataset", "activation", "hidden", "lr", "epochs", "train"]
    assert isinstance(v.progress, widgets.IntProgress) and v.progress in v.children
    r = v.result
    assert r is not None and r.epochs_run == 80
    assert v.progress.value == v.progress.max == 80
    np.testing.assert_array_equal(v.view.line_loss.get_ydata(), r.losses)
    np.testing.assert_array_equal(v.view.line_loss.get_xdata(), np.arange(81))
    X, y = T.make_moons(60, noise=0.1, seed=0)
    again = T.train("tanh", X, y, hidden=16, lr=1.0, epochs=80, seed=0)
    np.testing.assert_array_equal(r.losses, again.losses)  # the view trains exactly what training.train does
    assert f"loss {r.loss:.4f}" in repr(v) and f"{r.loss:.4f}" in v.readout.value


def test_training_view_progress_moves_during_training():
    v = tv(train_now=False, epochs=50, frames=2)
    seen = []
    v.progress.observe(lambda change: seen.append(change["new"]), names="value")
    images = []
    v._image.observe(lambda change: images.append(bytes(change["new"])), names="value")
    v.train()
    assert seen == sorted(seen) and seen[-1] == 50 and len(seen) >= 10
    assert len(images) >= 3  # two live frames and the final one


@pytest.mark.parametrize("control, value", [("dataset", "spirals"), ("activation", "sigmoid"), ("hidden", 4),
                                            ("lr", 0.1), ("epochs", 120)])
def test_training_control_resets_to_untrained(control, value):
    v = tv()
    before = png(v.image)
    v.controls[control].value = value
    assert bytes(v._image.value) != before
    assert v.result is None and v.progress.value == 0
    assert "untrained" in repr(v)
    assert len(v.view.line_loss.get_ydata()) == 1  # just the starting loss


def test_train_button_click_trains():
    v = tv(train_now=False)
    assert v.result is None
    v.controls["train"].click()
    assert v.result is not None and v.progress.value == v.progress.max
    assert not v.controls["train"].disabled


def test_training_view_reports_divergence(monkeypatch):
    real = W.train

    def diverging(*args, **kwargs):
        r = real(*args, **kwargs)
        return dataclasses.replace(r, losses=np.append(r.losses[:5], np.inf), accuracies=r.accuracies[:6], diverged=True)

    monkeypatch.setattr(W, "train", diverging)
    v = tv()
    assert v.progress.bar_style == "danger" and "Diverged" in v.readout.value
    png(v.image)


@pytest.mark.parametrize("kwargs", [dict(epochs=0), dict(epochs=5000), dict(lr=0), dict(lr=100.0), dict(hidden=0),
                                    dict(dataset="circles"), dict(act="nope"), dict(n=1), dict(seed=-1)])
def test_training_bad_input(kwargs):
    with pytest.raises((ValueError, TypeError), match=f"{next(iter(kwargs))}|activation"):
        tv(**kwargs)


@pytest.mark.parametrize("view", [W.GradientFlowView, W.DeadUnitsView, W.TrainingView])
def test_views_take_a_theme_by_name(view):
    v = view(theme="projector", **({"epochs": 10, "train_now": False} if view is W.TrainingView else {}))
    assert v.view.theme.name == "projector" and size(png(v.image))[0] == 1280


def test_compare_training_figure():
    X, y = T.make_moons(60, seed=0)
    results = [T.train(a, X, y, epochs=30) for a in ("sigmoid", "relu")]
    fig = F.CompareTrainingFigure(results, theme=SMALL)
    assert len(fig.maps) == 2
    lines = [l for l in fig.ax_loss.get_lines() if l.get_label() in ("sigmoid", "relu")]
    np.testing.assert_array_equal(lines[1].get_ydata(), results[1].losses)
    assert fig.render().startswith(PNG_MAGIC)
    with pytest.raises(ValueError):
        F.CompareTrainingFigure([], theme=SMALL)


# ---------------------------------------------------------------- display and kernel behaviour


def test_mime_bundles_carry_a_png_and_a_stable_repr():
    for v in (gfv(), W.DeadUnitsView(theme=SMALL), tv()):
        bundle = v._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert bundle["text/plain"] == repr(v) and "0x" not in repr(v)
        assert bundle["image/png"]


def test_a_burst_in_a_kernel_renders_the_latest_state_only(monkeypatch):
    async def burst():
        monkeypatch.setattr(view_module, "kernel_loop", asyncio.get_running_loop)  # as inside ipykernel
        v = gfv(compare=False)
        v._last_render_cost = 10.0  # as if a render were slow: later events are coalesced
        v._last_render_end = __import__("time").perf_counter()
        for depth in range(3, 9):
            v.controls["depth"].value = depth
        renders_during = v.renders
        png(v.image)  # reading the image renders the pending state
        return v, renders_during

    v, renders_during = asyncio.run(burst())
    assert renders_during == 1  # only the construction
    assert v.renders == 2 and v.flows[0].depth == 8
