"""actviz.figures.activation: the persistent g / g' figure, its blitted updates, themes, PNG output."""

import dataclasses
import gc
import io
import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from PIL import Image

import actviz
from actviz.figures import style
from actviz.figures.activation import ActivationFigure, CompareFigure, mathtext, plot
from actviz.figures.style import THEMES, set_theme
from actviz.maths.registry import spec

NAMES = actviz.names()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: the default look at a third of the pixels, for tests that only need a render to succeed
SMALL = dataclasses.replace(THEMES["default"], name="small", dpi=33)


def pixels(png: bytes) -> np.ndarray:
    """Decoded RGBA pixels as an int array (so differences cannot wrap around)."""
    assert png.startswith(PNG_MAGIC)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(np.int16)


def n_figures() -> int:
    gc.collect()
    return sum(isinstance(o, Figure) for o in gc.get_objects())


@pytest.fixture
def restore_default_theme():
    """For the tests of set_theme: put the default back afterwards."""
    yield
    set_theme("default")


# ---------------------------------------------------------------- PNG output


@pytest.mark.parametrize("theme_name", list(THEMES))
def test_render_gives_png_of_the_theme_size(theme_name):
    th = THEMES[theme_name]
    png = ActivationFigure(actviz.get("tanh"), theme=theme_name).render()
    assert png[:8] == PNG_MAGIC
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.size == (round(th.figsize[0] * th.dpi), round(th.figsize[1] * th.dpi))


def test_render_is_repeatable_without_changes():
    fig = ActivationFigure(actviz.get("sigmoid"))
    assert fig.render() == fig.render()


# ---------------------------------------------------------------- artist data


@pytest.mark.parametrize("name", NAMES)
def test_lines_hold_g_and_dg_over_the_z_range(name):
    act = actviz.get(name)
    fig = ActivationFigure(act, z_range=(-3.0, 5.0), z0=0.7, n=301)
    z = np.linspace(-3.0, 5.0, 301)
    np.testing.assert_array_equal(fig.line_g.get_xdata(), z)
    np.testing.assert_array_equal(fig.line_g.get_ydata(), act.g(z))
    np.testing.assert_array_equal(fig.line_dg.get_xdata(), z)
    np.testing.assert_array_equal(fig.line_dg.get_ydata(), act.dg(z))
    # the tangent: y = g(z0) + g'(z0) (z - z0), computed here rather than read from fig.tangent
    g0, d0 = float(act.g(0.7)), float(act.dg(0.7))
    np.testing.assert_array_equal(fig.line_tangent.get_xdata(), z)
    np.testing.assert_allclose(fig.line_tangent.get_ydata(), g0 + d0 * (z - 0.7), atol=1e-12)
    assert tuple(fig.point_g.get_xydata()[0]) == (0.7, g0)
    assert tuple(fig.point_dg.get_xydata()[0]) == (0.7, d0)


def test_tangent_follows_z0_and_parameters():
    fig = ActivationFigure(actviz.get("leaky_relu", alpha=0.01), z_range=(-4.0, 4.0))
    fig.update(z0=-2.0)
    y = fig.line_tangent.get_ydata()
    x = fig.line_tangent.get_xdata()
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(0.01)
    fig.update(act=actviz.get("leaky_relu", alpha=0.6))
    y = fig.line_tangent.get_ydata()
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(0.6)
    assert fig.line_tangent.get_ydata()[np.argmin(np.abs(x + 2.0))] == pytest.approx(-1.2)


@pytest.mark.parametrize("name", NAMES)
def test_identity_line_only_where_an_identity_exists(name):
    act = actviz.get(name)
    fig = ActivationFigure(act, z_range=(-4.0, 4.0), n=201)
    z = np.linspace(-4.0, 4.0, 201)
    if act.has_identity:  # g' computed from g alone lies on g'
        np.testing.assert_allclose(fig.line_identity.get_ydata(), act.dg(z), rtol=1e-6, atol=1e-12)
    else:
        assert len(fig.line_identity.get_xdata()) == 0


def test_z0_is_clamped_into_the_z_range():
    fig = ActivationFigure(actviz.get("tanh"), z_range=(-2.0, 2.0), z0=5.0)
    assert fig.z0 == 2.0
    fig.update(z_range=(-6.0, -3.0))
    assert fig.z0 == -3.0
    fig.update(z0=-100.0)
    assert fig.z0 == -6.0


# ---------------------------------------------------------------- updates


def test_moving_z0_changes_the_pixels():
    fig = ActivationFigure(actviz.get("sigmoid"))
    before = pixels(fig.render())
    fig.update(z0=-4.0)
    after = pixels(fig.render())
    changed = np.any(before != after, axis=2)
    assert changed.sum() > 200  # the tangent line and both markers moved
    # the change is confined to the plot areas (no stray redraw of the whole figure)
    assert not changed[:, :10].any()


def test_changing_the_z_range_changes_the_x_limits():
    fig = ActivationFigure(actviz.get("sigmoid"))
    fig.render()
    assert fig.ax_g.get_xlim() == (-8.0, 8.0)
    fig.update(z_range=(-3.0, 12.0))
    fig.render()
    assert fig.ax_g.get_xlim() == (-3.0, 12.0)
    assert fig.ax_dg.get_xlim() == (-3.0, 12.0)
    assert fig.line_g.get_xdata()[[0, -1]].tolist() == [-3.0, 12.0]


@pytest.mark.parametrize(
    "bad, error, match",
    [((3.0, 1.0), ValueError, "low < high"), ((2.0, 2.0), ValueError, "low < high"), ((math.nan, 1.0), ValueError, "finite"),
     ((0.0, math.inf), ValueError, "finite"), ((-math.inf, 0.0), ValueError, "finite"), ((1.0,), ValueError, "got 1 values"),
     ("ab", TypeError, "a pair"), (None, TypeError, "a pair")],
)
def test_bad_z_ranges_are_refused(bad, error, match):
    with pytest.raises(error, match=match):
        ActivationFigure(actviz.get("relu"), z_range=bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_z0_is_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        ActivationFigure(actviz.get("relu"), z0=bad)


def test_y_limits_hold_for_every_parameter_value():
    """Fixed y-limits per z range are what make blitting a parameter move valid."""
    fig = ActivationFigure(actviz.get("leaky_relu"), z_range=(-6.0, 4.0))
    fig.render()
    limits = fig.ax_g.get_ylim(), fig.ax_dg.get_ylim()
    z = np.linspace(-6.0, 4.0, 801)
    for alpha in (0.0, 0.37, 1.0):  # slider min, somewhere, slider max
        act = actviz.get("leaky_relu", alpha=alpha)
        fig.update(act=act)
        fig.render()
        assert (fig.ax_g.get_ylim(), fig.ax_dg.get_ylim()) == limits
        (g_lo, g_hi), (d_lo, d_hi) = limits
        assert g_lo < act.g(z).min() and act.g(z).max() < g_hi
        assert d_lo < act.dg(z).min() and act.dg(z).max() < d_hi
    # a new z range may (and here must) change them
    fig.update(z_range=(-1.0, 1.0))
    fig.render()
    assert fig.ax_g.get_ylim() != limits[0]


PARAMETRISED = [(name, p) for name in NAMES for p in spec(name).params]


@pytest.mark.parametrize("name, param", PARAMETRISED, ids=[f"{n}-{p.name}" for n, p in PARAMETRISED])
def test_every_parameter_value_stays_inside_the_fixed_y_limits(name, param):
    """Across the whole slider range, not only at its ends: a parameter may put an extreme
    of g or g' at an interior value (silu' for z < 0 dips lowest at a middle beta)."""
    fig = ActivationFigure(actviz.get(name), n=201)
    values = np.linspace(param.low, param.high, 301)
    variants = [actviz.get(name, **{param.name: float(v)}) for v in values]
    for z_range in [(-8.0, 8.0), (-1.0, 1.0), (-8.0, -5.0), (-20.0, -10.0), (2.0, 20.0)]:
        fig.update(z_range=z_range)
        fig._fixed_limits()  # what the next full render sets (numpy only); test_y_limits_hold... checks it via render
        (g_lo, g_hi), (d_lo, d_hi) = fig.ax_g.get_ylim(), fig.ax_dg.get_ylim()
        z = np.linspace(*z_range, 201)
        for value, act in zip(values, variants):
            g, d = act.g(z), act.dg(z)
            assert g_lo <= g.min() and g.max() <= g_hi, f"g escapes on {z_range} for {param.name} = {value:g}"
            assert d_lo <= d.min() and d.max() <= d_hi, f"g' escapes on {z_range} for {param.name} = {value:g}"


def _blitted_and_fresh(name, steps):
    act = actviz.get(name)
    fig = ActivationFigure(act)
    fig.render()
    for step in steps:
        fig.update(**step)
        fig.render()
    fresh = ActivationFigure(fig.act, z_range=fig.z_range, z0=fig.z0)
    return fig, pixels(fig.render()), pixels(fresh.render())


@pytest.mark.parametrize(
    "name, steps",
    [
        ("leaky_relu", [dict(z0=-3.0), dict(act=actviz.get("leaky_relu", alpha=0.8)), dict(z0=2.5),
                        dict(act=actviz.get("leaky_relu", alpha=0.0)), dict(z0=-1.0)]),
        ("leaky_relu", [dict(act=actviz.get("leaky_relu", alpha=0.5)), dict(z_range=(-4.0, 6.0)),
                        dict(act=actviz.get("leaky_relu", alpha=0.003)), dict(z0=5.0)]),
        ("sigmoid", [dict(z0=-3.0), dict(z_range=(-12.0, 3.0)), dict(z0=0.5), dict(z0=-11.0)]),
        ("relu", [dict(z0=-2.0), dict(z0=3.0)]),
    ],
)
def test_blitted_update_matches_a_figure_drawn_from_scratch(name, steps):
    """Restoring the background and redrawing the animated artists must leave no trace
    of earlier states: the pixels equal a new figure's in the same state. Allowed
    difference: none (Agg is deterministic and the background is restored exactly)."""
    fig, blitted, fresh = _blitted_and_fresh(name, steps)
    assert blitted.shape == fresh.shape
    diff = np.abs(blitted - fresh)
    assert diff.max() == 0, f"{np.count_nonzero(diff.max(axis=2))} pixels differ, by up to {diff.max()}"


@pytest.mark.parametrize("theme", ["default", "projector", "dark"])
@pytest.mark.parametrize("name, z_range", [("leaky_relu", (-8.0, 8.0)), ("sigmoid", (-3.0, 5.0)), ("gelu", (-20.0, 20.0))])
def test_the_two_layer_render_equals_matplotlibs_own_full_draw(name, z_range, theme):
    """The chrome (card, legend) is rendered once and the axes are drawn over it: the pixels
    must be those of a plain ``canvas.draw()`` of the whole figure, after a z-range change too."""
    from actviz.figures.render import png_bytes

    fig = ActivationFigure(actviz.get(name), z_range=(-1.0, 1.0), theme=theme)
    fig.render()
    fig.update(z_range=z_range)  # the chrome is reused, the axes redrawn
    fast = pixels(fig.render())
    fig.canvas.draw()
    for artist in fig.animated_artists:
        if artist.get_visible():
            artist.axes.draw_artist(artist) if artist.axes else fig.figure.draw_artist(artist)
    assert np.array_equal(fast, pixels(png_bytes(fig.canvas)))


@pytest.mark.parametrize("theme", ["default", "dark"])
def test_set_activation_draws_the_pixels_of_a_new_figure(theme):
    """Switching activation in place reuses the chrome (card, legend): the result must be
    exactly a new figure's, titles, limits and shading included, after a z-range change too."""
    fig = ActivationFigure(actviz.get("sigmoid"), z_range=(-6.0, 4.0), z0=-2.0, theme=theme)
    fig.render()
    for name, params in [("leaky_relu", {"alpha": 0.3}), ("relu", {}), ("gelu", {})]:
        fig.set_activation(actviz.get(name, **params))
        fresh = ActivationFigure(actviz.get(name, **params), z_range=(-6.0, 4.0), z0=-2.0, theme=theme)
        assert fig.ax_g.get_title() == fresh.ax_g.get_title() != ""
        assert np.array_equal(pixels(fig.render()), pixels(fresh.render())), name
        assert np.array_equal(pixels(fig.render_background()), pixels(fresh.render_background())), name
    assert np.any(pixels(fig.render()) != pixels(plot("tanh", z_range=(-6.0, 4.0), z0=-2.0, theme=theme).png))


def test_title_for_trusts_the_registry_and_checks_typed_formulas():
    from actviz.figures.activation import registry_titles, title_for

    tex = actviz.get("tanh").latex_g
    assert title_for(tex, "$g(z)$") == mathtext(tex) and mathtext(tex) in registry_titles()
    assert title_for(r"\frac{1}{", "$g(z)$") == "$g(z)$"  # mathtext cannot typeset it
    assert title_for("z" * 200, "$g(z)$") == "$g(z)$"  # too long for a title
    assert title_for(r"z^{2} + \sin z", "$g(z)$") == r"$z^{2} + \sin z$"


def test_the_blit_comparison_can_see_a_stale_frame():
    # guard for the test above: the states compared there really do look different
    fig = ActivationFigure(actviz.get("leaky_relu"))
    first = pixels(fig.render())
    fig.update(act=actviz.get("leaky_relu", alpha=0.8), z0=-3.0)
    assert np.any(pixels(fig.render()) != first)


# ---------------------------------------------------------------- themes


def test_projector_theme_is_bigger_with_bigger_type():
    small = ActivationFigure(actviz.get("tanh"))
    big = ActivationFigure(actviz.get("tanh"), theme="projector")
    w_small, h_small = Image.open(io.BytesIO(small.render())).size
    w_big, h_big = Image.open(io.BytesIO(big.render())).size
    assert w_big > w_small and h_big > h_small
    assert big.ax_g.title.get_fontsize() > small.ax_g.title.get_fontsize()
    assert big.ax_g.xaxis.label.get_fontsize() > small.ax_g.xaxis.label.get_fontsize()
    tick = lambda f: f.ax_g.get_xticklabels()[0].get_fontsize()  # noqa: E731
    assert tick(big) > tick(small)
    assert big.line_g.get_linewidth() > small.line_g.get_linewidth()


def test_set_theme_changes_the_default_of_new_figures_only(restore_default_theme):
    fig = ActivationFigure(actviz.get("tanh"))
    png = fig.render()
    set_theme("dark")
    assert fig.render() == png
    assert style.theme().name == "dark" and ActivationFigure(actviz.get("tanh")).theme.name == "dark"
    assert ActivationFigure(actviz.get("tanh"), theme="default").theme.name == "default"


def test_unknown_theme_lists_the_themes(restore_default_theme):
    with pytest.raises(ValueError) as info:
        set_theme("neon")
    for name in ("default", "projector", "dark"):
        assert name in str(info.value)
    assert style.theme().name == "default"
    with pytest.raises(TypeError, match="theme must be a name"):
        ActivationFigure(actviz.get("tanh"), theme=3)


# ---------------------------------------------------------------- mathtext


def test_mathtext_rewrites_cases_and_le():
    tex = r"f(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}"
    assert mathtext(tex) == r"$f(z) = z\ \mathrm{if}\ z > 0;\ \alpha z\ \mathrm{if}\ z \leq 0$"
    assert mathtext(r"s\,\bigl(1 - s\bigr)") == r"$s\,(1 - s)$"


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_formula_is_valid_mathtext(name):
    act = actviz.get(name)
    parser = MathTextParser("path")
    for tex in filter(None, (act.latex_g, act.latex_dg, act.latex_dg_from_g)):
        out = mathtext(tex)
        assert out.startswith("$") and out.endswith("$")
        for unsupported in (r"\begin{cases}", r"\end{cases}", r"\bigl", r"\bigr", r"\le "):
            assert unsupported not in out
        parser.parse(out)  # raises ValueError on anything mathtext cannot typeset


@pytest.mark.parametrize("name", NAMES)
def test_every_activation_renders(name):
    fig = ActivationFigure(actviz.get(name), z0=-0.5, theme=SMALL)  # titles are typeset at draw time
    assert fig.render().startswith(PNG_MAGIC)


def test_savefig_draws_the_curves_and_leaves_blitting_intact():
    fig = ActivationFigure(actviz.get("leaky_relu"), theme=SMALL)
    png = fig.render()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # the static path draws the animated artists too
    saved = pixels(buf.getvalue())
    blank = ActivationFigure(actviz.get("leaky_relu"), theme=SMALL)
    blank.canvas.draw()  # background only: animated artists are skipped by a plain draw
    assert saved.shape == pixels(png).shape
    assert np.any(saved[..., :3] != np.asarray(blank.canvas.buffer_rgba())[..., :3])
    assert all(a.get_animated() for a in fig.animated_artists)
    assert fig.render() == png


# ---------------------------------------------------------------- no leaks, no pyplot


@pytest.mark.slow
def test_no_pyplot_figures_and_no_leak_after_many_figures():
    import matplotlib.pyplot as plt

    before_nums = plt.get_fignums()
    before = n_figures()
    for i in range(50):
        fig = ActivationFigure(actviz.get(NAMES[i % len(NAMES)]), n=101)
        fig.update(z0=-1.0)
        if i % 25 == 0:  # a full render is ~0.1 s; two prove drawing registers nothing either
            fig.render()
    CompareFigure([actviz.get("tanh")]).render()
    assert plt.get_fignums() == before_nums == []
    del fig
    assert n_figures() == before


# ---------------------------------------------------------------- compare and plot


def test_compare_figure_overlays_one_line_per_activation():
    acts = [actviz.get(n) for n in NAMES]
    fig = CompareFigure(acts, z_range=(-2.0, 2.0), n=51)
    png = fig.render()
    z = np.linspace(-2.0, 2.0, 51)
    data = [line for line in fig.ax_g.lines if len(line.get_xdata()) == 51]
    assert len(data) == len(acts)
    for line, act in zip(data, acts):
        np.testing.assert_array_equal(line.get_ydata(), act.g(z))
    fig.update(acts[:1])
    assert len([line for line in fig.ax_g.lines if len(line.get_xdata()) == 51]) == 1
    assert fig.render() != png
    with pytest.raises(ValueError, match="at least one"):
        fig.update([])


def test_plot_returns_a_displayable_png():
    out = plot("leaky_relu", z_range=(-3, 3), z0=-1, alpha=0.2)
    png = out._repr_png_()
    assert png.startswith(PNG_MAGIC)
    assert repr(out) == "<actviz figure: leaky_relu (alpha=0.2), z in [-3, 3], z0 = -1>"
    assert plot(actviz.get("leaky_relu", alpha=0.2), z_range=(-3, 3), z0=-1)._repr_png_() == png
    assert plot("leaky_relu", z_range=(-3, 3), z0=-1, alpha=0.9)._repr_png_() != png
