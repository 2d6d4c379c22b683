"""The activation figures: g and g' of one activation with a tangent, and several overlaid
(matplotlib only, no widgets).

Fast path: the axes, ticks and labels of :class:`ActivationFigure` are rendered once per
z range into a background; moving z0 or a parameter only restores that background and
redraws the artists that changed ("blitting"). The look comes from :mod:`.style`.
"""

from __future__ import annotations

import functools
import itertools
import re

import numpy as np
from matplotlib.patches import Rectangle

from ..maths import validate
from ..maths.analysis import dead_regions, max_slope, flat_regions, tangent_at
from ..maths.registry import Activation, as_activation, get, names
from .render import FigureView, StaticFigure
from .style import OKABE_ITO, SERIES_COLOURS, SERIES_STYLES, ThemeLike, new_figure, resolve_theme, style_axes

__all__ = ["ActivationFigure", "CompareFigure", "plot", "mathtext", "title_for", "readout_line"]


def readout_line(z0: float, value: float, slope: float) -> str:
    """The explorer's readout: z0 to 3 decimals, g(z0) and g'(z0) to 6 (one format everywhere)."""
    return f"z\u2080 = {z0:.3f}   g(z\u2080) = {value:.6f}   g\u2032(z\u2080) = {slope:.6f}   (the slope of the tangent)"


def _json_numbers(values: np.ndarray) -> list:
    """Floats for JSON: None where not finite (JSON has no inf or NaN)."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=np.float64)]


def _ylimits(values: list[np.ndarray], pad: float = 0.08) -> tuple[float, float]:
    """y-limits covering every finite value (clipped to +-1e300, so the span stays a float)."""
    finite = np.concatenate([np.asarray(v, dtype=np.float64)[np.isfinite(v)] for v in values] + [np.zeros(0)])
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = max(float(finite.min()), -1e300), min(float(finite.max()), 1e300)
    span = hi - lo
    if span <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        half = 0.5 * max(1.0, abs(hi))
        return lo - half, hi + half
    return lo - pad * span, hi + pad * span


def _param_corners(act: Activation) -> list[Activation]:
    """The activation across its parameters' slider ranges (and as given): a grid that
    includes every corner, since an extreme may sit at an interior value (silu' on z < 0
    dips lowest at a middle beta), about 100 variants in all."""
    specs = act.param_specs
    if not specs:
        return [act]
    k = max(2, round(101 ** (1 / len(specs))))
    if act.formula is None:  # a typed formula: each variant costs more (accurate evaluation)
        k = min(k, 5)
    grid = itertools.product(*[np.linspace(p.low, p.high, k) for p in specs])
    return [act] + [act.with_params(**{p.name: float(v) for p, v in zip(specs, c)}) for c in grid]


def mathtext(tex: str) -> str:
    """The registry's LaTeX as matplotlib mathtext (no ``cases``, no ``\\bigl``), in $...$."""
    tex = tex.replace(r"\bigl(", "(").replace(r"\bigr)", ")").replace(r"\le ", r"\leq ")
    m = re.search(r"\\begin\{cases\}(.*)\\end\{cases\}", tex, flags=re.S)
    if m:
        rows = [row.split("&") for row in m.group(1).split(r"\\")]
        pieces = r";\ ".join(rf"{v.strip()}\ \mathrm{{if}}\ {c.strip()}" for v, c in rows)
        tex = tex[: m.start()] + pieces + tex[m.end():]
    return f"${tex}$"


def title_texts(act: Activation) -> tuple[str, str]:
    """The LaTeX of the two panel titles: g, and g' (in terms of g where it can be)."""
    return act.latex_g, act.latex_dg_from_g or act.latex_dg


@functools.cache
def registry_titles() -> frozenset[str]:
    """The mathtext titles of the built-in activations: typeset without a trial parse
    (test_every_registered_formula_is_valid_mathtext checks that each one does), which saves
    ~50 ms per new figure."""
    return frozenset(mathtext(t) for a in map(get, names()) for t in title_texts(a))


def title_for(tex: str, fallback: str, max_chars: int = 90) -> str:
    """``tex`` as a mathtext title, or ``fallback`` when it is too long or mathtext can't
    typeset it (formulas typed by learners can be either; the notebook shows them in full)."""
    from matplotlib.mathtext import MathTextParser

    title = mathtext(tex)
    if len(title) > max_chars:
        return fallback
    if title in registry_titles():
        return title
    try:
        MathTextParser("path").parse(title)
    except ValueError:
        return fallback
    return title


class ActivationFigure(FigureView):
    """g(z) (left) and g'(z) (right) for one activation, with a tangent at z0.

    ``update(act=..., z0=..., z_range=...)`` changes the state; ``render()`` returns PNG
    bytes of the current state, re-rendering the axes only when the z range changed.
    Shading: *nearly flat* where 0 < |g'| < 1% of max |g'|, *dead* where g' = 0 exactly.
    """

    def __init__(self, act: Activation, z_range=(-8.0, 8.0), z0: float = 1.0, n: int = 801,
                 theme: ThemeLike = None, readout: bool = True):
        self.theme = th = resolve_theme(theme)
        self.show_readout = readout  # the live explorer shows it as HTML instead (no text layout per move)
        self.act = act = as_activation(act)
        self.n = int(n)
        self.z_range = validate.z_range(z_range)
        self.z0 = float(np.clip(validate.real(z0, "z0"), *self.z_range))
        self.figure, self.canvas, (self.ax_g, self.ax_dg) = new_figure(th, 2)
        lw, fs = th.line_width, th.font_size
        c = OKABE_ITO
        for ax, xl in ((self.ax_g, "$z$"), (self.ax_dg, "$z$")):
            style_axes(ax, th)
            ax.set_xlabel(xl, fontsize=fs)
        self._set_titles()
        anim = dict(animated=True)
        # every artist that moves with a slider is animated: drawn only by blitting
        self.line_g, = self.ax_g.plot([], [], color=c["blue"], lw=lw, ls="-", label="$g(z)$", **anim)
        self.line_tangent, = self.ax_g.plot([], [], color=c["vermillion"], lw=lw * 0.8, ls="-.", label="tangent at $z_0$", **anim)
        self.point_g, = self.ax_g.plot([], [], "o", color=c["vermillion"], ms=lw * 3.2, mec=th.foreground, **anim)
        self.line_dg, = self.ax_dg.plot([], [], color=c["green"], lw=lw, ls="--", label="$g'(z)$", **anim)
        self.line_identity, = self.ax_dg.plot([], [], color=th.identity_colour, lw=lw * 0.7, ls=":",
                                              label="$g'$ from $g$ alone", **anim)
        self.point_dg, = self.ax_dg.plot([], [], "s", color=c["vermillion"], ms=lw * 3.0, mec=th.foreground, **anim)
        self.readout = self.figure.text(0.5, 0.955, "", ha="center", va="center", fontsize=fs, color=th.foreground, **anim)
        self._spans: list[Rectangle] = []
        self._spans_key = None
        # legend proxies for the shading (the real spans are animated rectangles)
        self.ax_dg.add_patch(Rectangle((0, 0), 0, 0, color=th.saturation_fill, alpha=0.25, label="nearly flat: $0 < |g'| < 1\\%$ of max"))
        self.ax_dg.add_patch(Rectangle((0, 0), 0, 0, facecolor=th.dead_fill, alpha=0.35, hatch="//", label="dead: $g' = 0$"))
        self._legends()
        self._background = None
        self._axes_key = None
        self._chrome = None  # the figure without its two axes (card, legend): fixed per figure
        self._compute()

    # ---------------------------------------------------------------- state

    def _set_titles(self) -> None:
        tex_g, tex_dg = title_texts(self.act)
        self.ax_g.set_title(title_for(tex_g, "$g(z)$"), fontsize=self.theme.font_size)
        self.ax_dg.set_title(title_for(tex_dg, "$g'(z)$"), fontsize=self.theme.font_size)

    def set_activation(self, act) -> None:
        """Show another activation in this figure (z range and z0 kept). Cheaper than a new
        figure: the chrome (card and legend row, the same for every activation) is reused."""
        self.act = as_activation(act)
        self._set_titles()
        self._compute()

    def update(self, act: Activation | None = None, z0: float | None = None, z_range=None) -> None:
        """Change any of the activation (same name, new params), z0 or the z range.

        The values are trusted: the constructor and the widgets' controls validate them.
        """
        if act is not None:
            self.act = act
        if z_range is not None:
            self.z_range = (float(z_range[0]), float(z_range[1]))
        if z0 is not None:
            self.z0 = float(z0)
        self.z0 = float(np.clip(self.z0, *self.z_range))
        self._compute()

    def _compute(self) -> None:
        """Put the current state into the artists' data (cheap: numpy only)."""
        act, (lo, hi), z0 = self.act, self.z_range, self.z0
        z = np.linspace(lo, hi, self.n)
        g, dg = act.g(z), act.dg(z)
        self.line_g.set_data(z, g)
        self.line_dg.set_data(z, dg)
        if act.has_identity:
            self.line_identity.set_data(z, act.dg_from_g(g))
        else:
            self.line_identity.set_data([], [])
        t = tangent_at(act, z0)
        self.line_tangent.set_data(z, t.intercept + t.slope * z)
        self.point_g.set_data([z0], [t.value])
        self.point_dg.set_data([z0], [t.slope])
        self.readout_text = readout_line(z0, t.value, t.slope)
        self.readout.set_text(self.readout_text if self.show_readout else "")
        self.readout.set_visible(self.show_readout)
        spans_key = (act.key, self.z_range, self.n)
        if spans_key != self._spans_key:  # the shading does not depend on z0
            self._set_spans(z)
            self._spans_key = spans_key
        self.tangent = t

    def _set_spans(self, z: np.ndarray) -> None:
        th = self.theme
        top = max_slope(self.act).value
        wanted = ([(a, b, "flat") for a, b in flat_regions(self.act, z, top=top)]
                  + [(a, b, "dead") for a, b in dead_regions(self.act, z)])
        while len(self._spans) < len(wanted):
            r = Rectangle((0, 0), 0, 1, transform=self.ax_dg.get_xaxis_transform(), animated=True, linewidth=0)
            self.ax_dg.add_patch(r)
            self._spans.append(r)
        for r, (a, b, kind) in itertools.zip_longest(self._spans, wanted, fillvalue=(0.0, 0.0, None)):
            r.set_visible(kind is not None)
            if kind is None:
                continue
            r.set_x(a)
            r.set_width(b - a)
            if kind == "dead":
                r.set_facecolor(th.dead_fill), r.set_alpha(0.35), r.set_hatch("//")
            else:
                r.set_facecolor(th.saturation_fill), r.set_alpha(0.25), r.set_hatch(None)

    def _legends(self) -> None:
        """One legend row under both panels, so no curve is ever hidden behind it."""
        handles = [h for ax in (self.ax_g, self.ax_dg) for h in ax.get_legend_handles_labels()[0]]
        leg = self.figure.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
                                 fontsize=self.theme.font_size * 0.8, handlelength=2.6, columnspacing=1.4)
        for text in leg.get_texts():
            text.set_color(self.theme.foreground)

    def _fixed_limits(self) -> None:
        """y-limits for this z range that hold for every parameter value (so moves can blit)."""
        lo, hi = self.z_range
        z = np.linspace(lo, hi, self.n)
        variants = _param_corners(self.act)
        self.ax_g.set_xlim(lo, hi)
        self.ax_dg.set_xlim(lo, hi)
        self.ax_g.set_ylim(*_ylimits([v.g(z) for v in variants]))
        self.ax_dg.set_ylim(*_ylimits([v.dg(z) for v in variants] + [np.zeros(1)]))

    # ---------------------------------------------------------------- drawing

    @property
    def animated_artists(self):
        return [*self._spans, self.line_g, self.line_tangent, self.point_g, self.line_identity, self.line_dg, self.point_dg, self.readout]

    def draw(self) -> None:
        """Bring the canvas pixels up to date: full render only when the z range changed."""
        key = (self.z_range, self.act.name, self.act.latex_g)  # parameters move within fixed limits
        if key != self._axes_key or self._background is None:
            self._fixed_limits()
            self._draw_axes_over_chrome()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._axes_key = key
        else:
            self.canvas.restore_region(self._background)
        for artist in self.animated_artists:
            if artist.get_visible():
                artist.axes.draw_artist(artist) if artist.axes else self.figure.draw_artist(artist)

    # ---------------------------------------------------------------- the browser draws the moving parts

    @property
    def moving_artists(self):
        """What moves with z0 alone: drawn in the browser by the live explorer."""
        return [self.line_tangent, self.point_g, self.point_dg, self.readout]

    def render_background(self) -> bytes:
        """PNG of the current state without the tangent, the two markers and the readout."""
        shown = [a for a in self.moving_artists if a.get_visible()]
        for a in shown:
            a.set_visible(False)
        try:
            return self.render()
        finally:
            for a in shown:
                a.set_visible(True)

    def client_frame(self, steps: np.ndarray, serial: int = 0) -> dict:
        """What the browser needs to draw the moving parts over :meth:`render_background`.

        ``steps``: the z0 values the slider can take. Pixels count from the top-left corner
        of the figure; sizes are in pixels (points * dpi / 72). Call after a render, so the
        axes limits are those of the background.
        """
        from matplotlib import rcParams

        steps = np.asarray(steps, dtype=np.float64)
        g, dg = self.act.g(steps), self.act.dg(steps)
        width, height = (int(round(v)) for v in self.canvas.get_width_height(physical=True))
        panels = []
        for ax in (self.ax_g, self.ax_dg):
            box = ax.bbox
            panels.append({"x0": float(box.x0), "y0": float(height - box.y1), "w": float(box.width),
                           "h": float(box.height), "xlim": [float(v) for v in ax.get_xlim()],
                           "ylim": [float(v) for v in ax.get_ylim()]})
        px = self.figure.dpi / 72.0
        lw = self.theme.line_width
        style = {"colour": OKABE_ITO["vermillion"], "edge_colour": self.theme.foreground,
                 "edge_width": float(rcParams["lines.markeredgewidth"]) * px,
                 "tangent_width": lw * 0.8 * px,
                 "tangent_dash": [float(v) * lw * 0.8 * px for v in rcParams["lines.dashdot_pattern"]],
                 "circle_size": lw * 3.2 * px, "square_size": lw * 3.0 * px}
        return {"serial": int(serial), "width": width, "height": height, "panels": panels,
                "step": float(steps[1] - steps[0]) if steps.size > 1 else 1.0,
                "z": [float(v) for v in steps], "g": _json_numbers(g), "dg": _json_numbers(dg),
                "text": [readout_line(z, a, b) for z, a, b in zip(steps.tolist(), g.tolist(), dg.tolist())],
                "style": style, "label": f"g(z) and g\u2032(z) of {self.act.label} with the tangent at z\u2080"}

    def _draw_axes_over_chrome(self) -> None:
        """A full render, in two layers: the chrome (the card and the legend row, the same for
        every activation and z range: titles and everything else that changes are in the
        axes) is rendered once per figure and reused; the axes are redrawn on it. Same pixels
        as ``canvas.draw()`` (the legend sits below the axes, they never overlap) at about two
        thirds of the cost."""
        axes = (self.ax_g, self.ax_dg)
        if self._chrome is None:
            for ax in axes:
                ax.set_visible(False)
            try:
                self.canvas.draw()
            finally:
                for ax in axes:
                    ax.set_visible(True)
            self._chrome = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._chrome)
        renderer = self.canvas.get_renderer()
        for ax in axes:  # Axes.draw leaves out the animated artists
            ax.draw(renderer)

    def savefig(self, path, **kw) -> None:
        """A static copy with every artist drawn (animated ones included), e.g. for SVG."""
        for artist in self.animated_artists:
            artist.set_animated(False)
        try:
            self.figure.savefig(path, facecolor=self.theme.background, **kw)
        finally:
            for artist in self.animated_artists:
                artist.set_animated(True)
            self._background = self._chrome = None


class CompareFigure(FigureView):
    """Several activations overlaid: g on the left, g' on the right, one style per series."""

    def __init__(self, acts: list[Activation], z_range=(-5.0, 5.0), n: int = 801, theme: ThemeLike = None):
        self.theme = th = resolve_theme(theme)
        self.n = n
        acts = [as_activation(a) for a in acts]
        if not acts:
            raise ValueError("compare needs at least one activation")
        z_range = validate.z_range(z_range)
        self.figure, self.canvas, (self.ax_g, self.ax_dg) = new_figure(th, 2)
        for ax, title in ((self.ax_g, "$g(z)$"), (self.ax_dg, "$g'(z)$")):
            style_axes(ax, th)
            ax.set_title(title, fontsize=th.font_size)
            ax.set_xlabel("$z$", fontsize=th.font_size)
        self.update(acts, z_range)

    def update(self, acts: list[Activation], z_range=None) -> None:
        """Redraw for these activations (a full render: the set of lines changes). Values are
        trusted, as for :meth:`ActivationFigure.update`."""
        if not acts:
            raise ValueError("compare needs at least one activation")
        if z_range is not None:
            self.z_range = (float(z_range[0]), float(z_range[1]))
        for ax in (self.ax_g, self.ax_dg):
            for line in list(ax.lines)[2:]:  # keep the two axis lines
                line.remove()
        lo, hi = self.z_range
        z = np.linspace(lo, hi, self.n)
        lw = self.theme.line_width
        for i, act in enumerate(acts):
            style = dict(color=SERIES_COLOURS[i % len(SERIES_COLOURS)], ls=SERIES_STYLES[i % len(SERIES_STYLES)], lw=lw)
            self.ax_g.plot(z, act.g(z), label=act.label, **style)
            self.ax_dg.plot(z, act.dg(z), **style)
        for ax in (self.ax_g, self.ax_dg):
            ax.set_xlim(lo, hi)
            ax.relim()
            ax.autoscale(axis="y")
        leg = self.ax_g.legend(loc="upper left", fontsize=self.theme.font_size * 0.78, handlelength=3.0, framealpha=0.85)
        for text in leg.get_texts():
            text.set_color(self.theme.foreground)
        leg.get_frame().set_facecolor(self.theme.background)



def plot(name_or_act, z_range=(-8.0, 8.0), z0: float = 1.0, theme: ThemeLike = None, **params) -> StaticFigure:
    """A static g / g' figure of one activation (for where widgets are not live)."""
    act = as_activation(name_or_act, **params)
    fig = ActivationFigure(act, z_range=z_range, z0=z0, theme=theme)
    return StaticFigure(fig.render(), f"<actviz figure: {act.label}, z in [{fig.z_range[0]:g}, {fig.z_range[1]:g}], z0 = {fig.z0:g}>")
