"""The look of every actviz figure: themes as values, colours, line styles, axes (matplotlib only).

A :class:`Theme` is a plain value. Every figure takes ``theme`` (a name, a Theme or
``None``) and resolves it once with :func:`resolve_theme`; ``None`` means the default,
which :func:`set_theme` changes for figures made afterwards (a notebook convenience; it is
the only module-level state, and only :func:`resolve_theme` reads it).

Style rules (docs/STYLE.md): Okabe-Ito colours *and* a distinct line style per series, so
every curve reads in greyscale and for colour-blind viewers; an opaque card so a PNG reads
on JupyterLab's light and dark themes alike; legends in a row under the panels; few ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["Theme", "THEMES", "set_theme", "theme", "resolve_theme", "OKABE_ITO", "SERIES_COLOURS", "SERIES_STYLES",
           "series_style", "style_axes", "plain_axes", "new_figure", "legend_below"]

# Okabe & Ito (2008), the colour-blind safe palette.
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "vermillion": "#D55E00", "green": "#009E73",
    "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}
SERIES_COLOURS = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "purple", "orange", "sky", "black")]
SERIES_STYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 1))]


@dataclass(frozen=True)
class Theme:
    """Sizes in points (fonts, line widths) and inches (figsize); colours as hex strings."""

    name: str
    figsize: tuple[float, float]
    dpi: int
    font_size: float
    line_width: float
    background: str
    foreground: str
    grid: str
    saturation_fill: str
    dead_fill: str

    @property
    def identity_colour(self) -> str:
        """The colour of the g'-from-g line: black on a light card, white on a dark one."""
        return "#ffffff" if self.name == "dark" else OKABE_ITO["black"]


THEMES = {
    "default": Theme("default", (9.6, 3.9), 100, 12.5, 2.4, "#ffffff", "#1a1a1a", "#d9d9d9", "#E69F00", "#999999"),
    "projector": Theme("projector", (12.8, 5.2), 100, 17.0, 3.6, "#ffffff", "#000000", "#c8c8c8", "#E69F00", "#888888"),
    "dark": Theme("dark", (9.6, 3.9), 100, 12.5, 2.4, "#1e1e1e", "#f0f0f0", "#444444", "#E69F00", "#bbbbbb"),
}

_default = THEMES["default"]

ThemeLike = Union[str, Theme, None]


def _named(name: str) -> Theme:
    if not isinstance(name, str):
        raise TypeError(f"theme must be a name ({', '.join(THEMES)}), a Theme or None, got {type(name).__name__} {name!r}")
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}")
    return THEMES[name]


def resolve_theme(value: ThemeLike = None) -> Theme:
    """The Theme for ``value``: a Theme passes through, a name is looked up, None is the default."""
    if value is None:
        return _default
    if isinstance(value, Theme):
        return value
    return _named(value)


def set_theme(name: ThemeLike = "default") -> Theme:
    """Choose the default look of figures made from now on: 'default', 'projector' or 'dark'."""
    global _default
    _default = resolve_theme(name) if name is not None else THEMES["default"]
    return _default


def theme(value: ThemeLike = None) -> Theme:
    """The Theme called ``value`` (a Theme passes through), or the default in force."""
    return resolve_theme(value)


#: the activations every comparison shows in a fixed order (so their colours never move)
_FIXED = ("sigmoid", "tanh", "relu", "leaky_relu")


def series_style(name: str, lw: float, position: int) -> dict:
    """Colour and line style for a series: fixed for sigmoid, tanh, relu, leaky_relu
    (blue solid, vermillion dashed, green dash-dot, purple dotted); others by ``position``."""
    if name in _FIXED:
        i = _FIXED.index(name)
    else:
        i = len(_FIXED) + position % (len(SERIES_COLOURS) - len(_FIXED))
    return dict(color=SERIES_COLOURS[i], ls=SERIES_STYLES[i], lw=lw)


def style_axes(ax, th: Theme) -> None:
    """Few ticks, the card's colours, a grid and the z = 0 / y = 0 lines."""
    # Few ticks: easier to read on a projector, and tick text layout is most of a full redraw.
    ax.xaxis.set_major_locator(MaxNLocator(7))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.set_facecolor(th.background)
    ax.grid(True, color=th.grid, linewidth=0.8)
    ax.axhline(0, color=th.foreground, linewidth=0.8, alpha=0.6)
    ax.axvline(0, color=th.foreground, linewidth=0.8, alpha=0.6)
    for spine in ax.spines.values():
        spine.set_color(th.foreground)
    ax.tick_params(colors=th.foreground, labelsize=th.font_size * 0.9)
    ax.xaxis.label.set_color(th.foreground)
    ax.yaxis.label.set_color(th.foreground)
    ax.title.set_color(th.foreground)


def plain_axes(ax, th: Theme, keep_zero_lines: bool = False) -> None:
    """:func:`style_axes` without the z = 0 / y = 0 lines where they mean nothing."""
    style_axes(ax, th)
    if not keep_zero_lines:
        for line in list(ax.lines):
            line.remove()


def new_figure(th: Theme, ncols: int, figsize: Optional[tuple[float, float]] = None):
    """``(figure, canvas, axes)``: an object-API Figure on an Agg canvas (never pyplot, so
    nothing registers in pyplot's figure list and nothing leaks), ``ncols`` axes in a row."""
    fig = Figure(figsize=figsize or th.figsize, dpi=th.dpi, facecolor=th.background)
    canvas = FigureCanvasAgg(fig)
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    fig.subplots_adjust(left=0.07, right=0.985, bottom=0.25, top=0.84, wspace=0.2)
    return fig, canvas, axes


def legend_below(fig, handles, th: Theme, ncol: Optional[int] = None, handlelength: float = 2.8):
    """One legend row under all panels, so no curve is ever hidden behind it."""
    leg = fig.legend(handles=handles, loc="lower center", ncol=ncol or len(handles), frameon=False,
                     fontsize=th.font_size * 0.8, handlelength=handlelength, columnspacing=1.4)
    for text in leg.get_texts():
        text.set_color(th.foreground)
    return leg
