"""Figures for the training notebooks (06-08): matplotlib only, no widgets.

Each class owns one persistent object-API ``Figure`` (never pyplot, so nothing registers
in pyplot's figure list), changes its artists' data in ``update(...)`` and returns PNG
bytes from ``render()``. The maths comes from :mod:`actviz.maths.networks` and :mod:`actviz.maths.tiny_network`;
the look from :mod:`.style` (Okabe-Ito colours *and* a line style per series, opaque card).

* :class:`GradientFlowFigure`   gradient norm per layer (log y) and the per-layer factor.
* :class:`DeadUnitsFigure`      pre-activation histogram with the dead zone, and the
  fraction of dead units against the bias shift.
* :class:`TrainingFigure`       loss curve and decision boundary of one tiny network.
* :class:`CompareTrainingFigure`  loss curves and decision boundaries of several runs.
* :func:`plot_gradient_flow`, :func:`plot_dead_units`, :func:`plot_training`,
  :func:`plot_training_comparison`  the same as static pictures for a notebook cell.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator, PercentFormatter

from ..maths.analysis import dead_regions
from ..maths.networks import SHIFTS, GradientFlow, dead_curve, dead_units, gradient_flow
from ..maths.registry import Activation, as_activation
from ..maths.tiny_network import TinyNet, TrainResult, decision_grid, forward
from .render import FigureView, StaticFigure
from .style import OKABE_ITO, Theme, ThemeLike, legend_below, new_figure, plain_axes, resolve_theme, series_style

__all__ = [
    "GradientFlowFigure",
    "DeadUnitsFigure",
    "TrainingFigure",
    "CompareTrainingFigure",
    "plot_gradient_flow",
    "plot_dead_units",
    "plot_training",
    "plot_training_comparison",
]

#: sigmoid's best case: the factor 1/4 per layer (its largest slope, weights of gain 1)
QUARTER = 0.25

def _log_axis(ax, th: Theme) -> None:
    ax.set_ylim(1e-3, 1.0)  # fixed limits first: no autoscaling over the (removed) y = 0 line
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=6))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(colors=th.foreground, labelsize=th.font_size * 0.9)


def _positive(values) -> np.ndarray:
    """Float array with non-finite and non-positive entries replaced by NaN (a gap on a log axis)."""
    v = np.array(values, dtype=np.float64)
    v[~np.isfinite(v) | (v <= 0)] = np.nan
    return v


def _log_limits(arrays, floor: float = 1e-300, ceil: float = 1e300, at_least=(None, None)) -> tuple[float, float]:
    """Log-axis limits covering every finite positive value, padded to whole decades."""
    finite = [a[np.isfinite(a)] for a in arrays]
    finite = np.concatenate(finite) if finite else np.zeros(0)
    lo = float(np.min(finite)) if finite.size else 1e-3
    hi = float(np.max(finite)) if finite.size else 1.0
    if at_least[0] is not None:
        lo = min(lo, at_least[0])
    if at_least[1] is not None:
        hi = max(hi, at_least[1])
    lo, hi = max(lo, floor), min(hi, ceil)
    lo = 10.0 ** math.floor(math.log10(lo) - 0.05)
    hi = 10.0 ** math.ceil(math.log10(hi) + 0.05)
    return lo, hi


def _factor_limits(arrays) -> tuple[float, float]:
    """Limits for the per-layer factor axis: the data, 1/4 and 1, with a little room."""
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays] + [np.array([QUARTER * 0.8, 1.25])])
    lo, hi = max(float(np.min(finite)), 1e-12), min(float(np.max(finite)), 1e12)
    return lo / 1.4, hi * 1.4


def _factor_ticks(lo: float, hi: float) -> list[float]:
    """1/4, 1/2, 1, 2, 4 ... where they fit, else decades (at most about 7 ticks)."""
    fine = [QUARTER / 4, QUARTER / 2, QUARTER, 0.5, 1.0, 2.0, 4.0, 8.0]
    ticks = [t for t in fine if lo <= t <= hi]
    if hi / lo > 60:  # a wide range: decades, plus 1/4 which the reference line marks
        decades = 10.0 ** np.arange(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1)
        step = max(1, math.ceil(len(decades) / 6))
        ticks = sorted({*decades[::step].tolist(), QUARTER, 1.0})
    return ticks


def _factor_label(value: float, _pos=None) -> str:
    if value in (QUARTER / 4, QUARTER / 2, QUARTER):
        return f"1/{round(1 / value)}"
    if 1e-3 <= value < 1e4:
        return f"{value:g}"
    return f"$10^{{{round(math.log10(value))}}}$"


def _times(factor: float) -> str:
    """'shrinks 4.3x' / 'grows 1.2x' / 'holds' for a per-layer factor."""
    if not math.isfinite(factor) or factor <= 0:
        return "no finite factor"
    if 0.98 <= factor <= 1.02:
        return "holds"
    return f"shrinks {1 / factor:.1f}x" if factor < 1 else f"grows {factor:.1f}x"


# --------------------------------------------------------------------------------------
# 06: gradient flow through a deep random MLP.


class GradientFlowFigure(FigureView):
    """Left: ``||delta_l|| / ||delta_L||`` per layer l (log y), one line per activation, with
    the reference ``0.25^(L-l)``. Right: the factor ``||delta_l|| / ||delta_{l+1}||`` each
    layer applies to the gradient on its way back (log y), with 1 (holds) and 1/4 marked.
    """

    def __init__(self, flows: list[GradientFlow], theme: ThemeLike = None):
        self.theme = th = resolve_theme(theme)
        self.figure, self.canvas, (self.ax_norm, self.ax_ratio) = new_figure(th, 2)
        self.figure.subplots_adjust(left=0.085, right=0.985, bottom=0.3, top=0.86, wspace=0.24)
        fs = th.font_size
        for ax in (self.ax_norm, self.ax_ratio):
            plain_axes(ax, th)
            _log_axis(ax, th)
            ax.set_xlabel("layer $l$   (1 = input side)", fontsize=fs * 0.9)
        self.ax_norm.set_ylabel(r"$\Vert\delta_l\Vert \,/\, \Vert\delta_L\Vert$", fontsize=fs)
        self.ax_norm.set_title("gradient reaching layer $l$, relative to the top", fontsize=fs * 0.95)
        self.ax_ratio.set_ylabel(r"$\Vert\delta_l\Vert \,/\, \Vert\delta_{l+1}\Vert$", fontsize=fs)
        self.ax_ratio.set_title("factor applied at each layer (1 = holds)", fontsize=fs * 0.95)
        grey = th.foreground
        self.line_quarter, = self.ax_norm.plot([], [], color=grey, lw=th.line_width * 0.6, ls=(0, (1, 2)), alpha=0.8,
                                               label=r"$0.25^{\,L-l}$ (sigmoid's best case)")
        self.ax_ratio.axhline(1.0, color=grey, lw=th.line_width * 0.5, alpha=0.7)
        self.ax_ratio.axhline(QUARTER, color=grey, lw=th.line_width * 0.6, ls=(0, (1, 2)), alpha=0.8)
        self.ax_ratio.yaxis.set_major_formatter(FuncFormatter(_factor_label))
        self.ax_ratio.yaxis.set_minor_locator(NullLocator())
        self.norm_lines: list = []
        self.ratio_lines: list = []
        self.legend = None
        self.update(flows)

    def update(self, flows: list[GradientFlow]) -> None:
        """Show these runs (all of one depth). A full redraw: limits and series change."""
        if not flows:
            raise ValueError("GradientFlowFigure needs at least one GradientFlow")
        depths = {f.depth for f in flows}
        if len(depths) != 1:
            raise ValueError(f"all runs must have the same depth, got depths {sorted(depths)}")
        depth = depths.pop()
        if depth < 2:
            raise ValueError(f"depth must be at least 2 to show a per-layer factor, got {depth}")
        self.flows = list(flows)
        th, lw = self.theme, self.theme.line_width
        for line in self.norm_lines + self.ratio_lines:
            line.remove()
        self.norm_lines, self.ratio_lines = [], []
        layers = np.arange(1, depth + 1)
        rel_all, ratio_all = [], []
        for i, f in enumerate(flows):
            style = series_style(f.act.name, lw, i)
            with np.errstate(all="ignore"):
                rel = _positive(f.grad_norms / f.grad_norms[-1])
                ratio = _positive(f.ratios)
            rel_all.append(rel)
            ratio_all.append(ratio)
            marker = dict(marker="o", ms=lw * 1.6) if depth <= 12 else {}
            self.norm_lines.append(self.ax_norm.plot(layers, rel, label=f.act.label, **style, **marker)[0])
            self.ratio_lines.append(self.ax_ratio.plot(layers[:-1], ratio, **style, **marker)[0])
        quarter = QUARTER ** (depth - layers).astype(np.float64)
        self.line_quarter.set_data(layers, quarter)
        self.ax_norm.set_ylim(*_log_limits(rel_all + [quarter[-min(depth, 12):]], at_least=(None, 1.0)))
        lo, hi = _factor_limits(ratio_all)
        self.ax_ratio.set_ylim(lo, hi)
        self.ax_ratio.yaxis.set_major_locator(FixedLocator(_factor_ticks(lo, hi)))
        for ax in (self.ax_norm, self.ax_ratio):
            ax.set_xlim(0.5, depth + 0.5)
        f0 = flows[0]
        scale = "" if f0.weight_scale == 1 else f" x {f0.weight_scale:.3g}"
        self.figure.suptitle(f"{depth} layers of {f0.width} units, {f0.init} init{scale}, batch {f0.batch}",
                             fontsize=th.font_size * 0.95, color=th.foreground, y=0.985)
        if self.legend is not None:
            self.legend.remove()
        self.legend = legend_below(self.figure, self.norm_lines + [self.line_quarter], th)

    def summary(self) -> list[str]:
        """One line per run: relative gradient at layer 1 and the typical per-layer factor."""
        out = []
        for f in self.flows:
            with np.errstate(all="ignore"):
                rel = f.grad_norms[0] / f.grad_norms[-1]
            out.append(f"{f.act.label}: layer 1 gets {rel:.2e} of layer {f.depth}'s gradient; "
                       f"per layer x{f.mean_ratio:.3f}: {_times(f.mean_ratio)}")
        return out


# --------------------------------------------------------------------------------------
# 07: dead units.

#: the z window of the histogram: wide enough for every shift in SHIFTS
Z_WINDOW = (-10.0, 6.0)


class DeadUnitsFigure(FigureView):
    """Left: histogram of one layer's pre-activations ``z`` (every sample and unit), split
    into entries with ``g'(z) = 0`` (hatched grey: they pass back no gradient) and the rest,
    over the dead zone of ``g``, with ``g'(z)`` on the right axis. Right: the fraction of
    dead units (``g' = 0`` for *every* sample) and of zero-gradient entries against the bias
    shift, with the current shift marked."""

    def __init__(self, act, bias_shift: float = -3.0, theme: ThemeLike = None, bins: int = 96):
        self.theme = th = resolve_theme(theme)
        fs, lw = th.font_size, th.line_width
        self.figure, self.canvas, (self.ax_hist, self.ax_frac) = new_figure(th, 2)
        self.figure.subplots_adjust(left=0.07, right=0.985, bottom=0.3, top=0.86, wspace=0.36)
        plain_axes(self.ax_hist, th, keep_zero_lines=True)
        plain_axes(self.ax_frac, th)
        self.ax_dg = self.ax_hist.twinx()
        self.ax_dg.tick_params(colors=OKABE_ITO["green"], labelsize=fs * 0.8)
        self.ax_dg.set_ylabel("$g'(z)$", fontsize=fs * 0.9, color=OKABE_ITO["green"])
        self.edges = np.linspace(*Z_WINDOW, bins + 1)
        self.ax_hist.set_xlim(*Z_WINDOW)
        self.ax_hist.set_xlabel("pre-activation $z$", fontsize=fs * 0.9)
        self.ax_hist.set_ylabel("density", fontsize=fs * 0.9)
        zeros = np.zeros(bins)
        self.bars_zero = self.ax_hist.stairs(zeros, self.edges, fill=True, facecolor=th.dead_fill, edgecolor=th.foreground,
                                             hatch="//", alpha=0.7, lw=0.6, label="$z$ with $g'(z) = 0$: no gradient")
        self.bars_live = self.ax_hist.stairs(zeros, self.edges, baseline=zeros, fill=True, facecolor=OKABE_ITO["sky"],
                                             edgecolor="none", lw=0, alpha=0.9, label="$z$ with $g'(z) \\neq 0$")
        self.zone_proxy = Patch(facecolor=th.dead_fill, alpha=0.25, label="dead zone of $g$")
        self._zones: list = []
        self.line_dg, = self.ax_dg.plot([], [], color=OKABE_ITO["green"], lw=lw * 0.8, ls="--", label="$g'(z)$ (right axis)")
        self.ax_frac.set_xlim(SHIFTS[0] - 0.2, SHIFTS[-1] + 0.2)
        self.ax_frac.set_ylim(-0.04, 1.04)
        self.ax_frac.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        self.ax_frac.set_xlabel("bias shift (in std of $z$)", fontsize=fs * 0.9)
        self.line_dead, = self.ax_frac.plot([], [], color=OKABE_ITO["vermillion"], lw=lw, ls="-", label="dead units ($g'=0$ on every sample)")
        self.line_zero, = self.ax_frac.plot([], [], color=th.foreground, lw=lw * 0.7, ls="--", label="entries with $g'=0$")
        self.point, = self.ax_frac.plot([], [], "o", color=OKABE_ITO["vermillion"], ms=lw * 3.2, mec=th.foreground)
        self.vline = self.ax_frac.axvline(0.0, color=th.foreground, lw=0.8, alpha=0.5, ls=":")
        legend_below(self.figure, [self.bars_zero, self.bars_live, self.zone_proxy, self.line_dg, self.line_dead, self.line_zero], th, ncol=3)
        self._curves: dict = {}
        self.update(act, bias_shift)

    def curve(self, act: Activation):
        """The fraction-vs-shift curve for ``act`` (computed once per activation and parameters)."""
        key = (act.name, tuple(sorted(act.params.items())))
        if key not in self._curves:
            self._curves[key] = dead_curve(act)
        return self._curves[key]

    def update(self, act=None, bias_shift: float | None = None) -> None:
        if act is not None:
            self.act = as_activation(act)
        if bias_shift is not None:
            self.bias_shift = float(bias_shift)
        act, th, fs = self.act, self.theme, self.theme.font_size
        self.result = d = dead_units(act, bias_shift=self.bias_shift)
        z = d.z.ravel()
        zero = act.dg(z) == 0.0
        n, width = z.size, np.diff(self.edges)
        h_zero = np.histogram(np.clip(z[zero], *Z_WINDOW), self.edges)[0] / (n * width)
        h_live = np.histogram(np.clip(z[~zero], *Z_WINDOW), self.edges)[0] / (n * width)
        self.bars_zero.set_data(h_zero, self.edges)
        self.bars_live.set_data(h_zero + h_live, self.edges, baseline=h_zero)
        top = float(np.max(h_zero + h_live))
        self.ax_hist.set_ylim(0.0, max(0.5, 1.08 * top))
        grid = np.linspace(*Z_WINDOW, 801)
        dg = act.dg(grid)
        self.line_dg.set_data(grid, dg)
        lo_dg, hi_dg = float(np.min(dg)), float(np.max(dg))
        self.ax_dg.set_ylim(min(0.0, lo_dg) - 0.04 * (hi_dg - min(0.0, lo_dg) or 1), 1.15 * hi_dg if hi_dg > 0 else 1.0)
        for span in self._zones:
            span.remove()
        self._zones = [self.ax_hist.axvspan(a, b, facecolor=th.dead_fill, alpha=0.25, lw=0, zorder=0) for a, b in dead_regions(act, grid)]
        self.ax_hist.set_title(f"{act.label}: bias shifted by {self.bias_shift:+.2f}", fontsize=fs * 0.95)
        shifts, dead, zfrac = self.curve(act)
        self.line_dead.set_data(shifts, dead)
        self.line_zero.set_data(shifts, zfrac)
        self.point.set_data([self.bias_shift], [d.fraction_dead])
        self.vline.set_xdata([self.bias_shift, self.bias_shift])
        self.ax_frac.set_title(f"dead units: {d.fraction_dead:.1%} of {d.dead.size}", fontsize=fs * 0.95)


# --------------------------------------------------------------------------------------
# 08: the tiny network.

#: P(class 1) from class 0's orange through white to class 1's blue
PROBA_CMAP = LinearSegmentedColormap.from_list("actviz_proba", ["#F5D58C", "#FBEDCC", "#ffffff", "#CCE1F0", "#99C2E0"])
#: the decision boundary: black with a white halo, visible on the (always light) map and on any card
_BOUNDARY = dict(color="#000000", path_effects=[patheffects.withStroke(linewidth=4.0, foreground="#ffffff")])
_CLASS_STYLE = (
    dict(marker="o", color=OKABE_ITO["orange"], label="class 0"),
    dict(marker="^", color=OKABE_ITO["blue"], label="class 1"),
)


def _boundary_axes(ax, th: Theme) -> None:
    plain_axes(ax, th)
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])


class _Boundary:
    """P(class 1) as an image, the 0.5 contour, and the data points, on one axes."""

    def __init__(self, ax, th: Theme, steps: int = 90):
        self.ax, self.theme, self.steps = ax, th, steps
        self.image = ax.imshow(np.zeros((2, 2)), origin="lower", cmap=PROBA_CMAP, vmin=0.0, vmax=1.0,
                               interpolation="bilinear", aspect="auto", zorder=0)
        ax.set_aspect("equal", adjustable="box")
        ms = th.line_width * 2.4
        self.points = [ax.plot([], [], ls="none", ms=ms, mec=th.foreground, mew=0.6, zorder=3, **s)[0] for s in _CLASS_STYLE]
        self.contour = None

    def update(self, net: TinyNet, X, y) -> None:
        xx, yy, proba = decision_grid(net, X, steps=self.steps, margin=0.35)
        extent = (xx[0, 0], xx[0, -1], yy[0, 0], yy[-1, 0])
        self.image.set_data(proba)
        self.image.set_extent(extent)
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        if np.nanmin(proba) < 0.5 < np.nanmax(proba):
            self.contour = self.ax.contour(xx, yy, proba, levels=[0.5], colors=[_BOUNDARY["color"]],
                                           linewidths=self.theme.line_width * 0.8, zorder=2)
            self.contour.set_path_effects(_BOUNDARY["path_effects"])
        y = np.asarray(y)
        for k, line in enumerate(self.points):
            line.set_data(X[y == k, 0], X[y == k, 1])
        self.ax.set_xlim(extent[0], extent[1])
        self.ax.set_ylim(extent[2], extent[3])


def _finite(values) -> np.ndarray:
    v = np.array(values, dtype=np.float64)
    v[~np.isfinite(v)] = np.nan
    return v


class TrainingFigure(FigureView):
    """Left: training loss (mean cross-entropy, log y) against the epoch. Right: the net's
    P(class 1) over the plane (orange = class 0, blue = class 1), its decision boundary
    P = 0.5 (black line) and the training points.

    :meth:`update` takes a net, the data and the losses so far, so the same figure shows the
    untrained start, live frames during training and the final result.
    """

    def __init__(self, theme: ThemeLike = None):
        self.theme = th = resolve_theme(theme)
        fs = th.font_size
        w, h = th.figsize
        self.figure, self.canvas, (self.ax_loss, self.ax_map) = new_figure(th, 2, figsize=(w, h * 1.18))
        self.figure.subplots_adjust(left=0.085, right=0.985, bottom=0.24, top=0.86, wspace=0.14)
        plain_axes(self.ax_loss, th)
        _log_axis(self.ax_loss, th)
        _boundary_axes(self.ax_map, th)
        self.ax_loss.set_xlabel("epoch (full-batch gradient steps)", fontsize=fs * 0.9)
        self.ax_loss.set_ylabel("loss (cross-entropy, nats)", fontsize=fs * 0.9)
        self.line_loss, = self.ax_loss.plot([], [], color=OKABE_ITO["blue"], lw=th.line_width, label="training loss")
        self.line_chance = self.ax_loss.axhline(math.log(2.0), color=th.foreground, lw=th.line_width * 0.5, ls=(0, (1, 2)),
                                                label="ln 2: a coin toss")
        self.boundary = _Boundary(self.ax_map, th)
        handles = [self.line_loss, self.line_chance, *self.boundary.points,
                   Line2D([], [], lw=th.line_width * 0.8, label="boundary: P = 0.5", **_BOUNDARY)]
        legend_below(self.figure, handles, th)

    def update(self, net: TinyNet, X, y, losses, epochs: int, accuracy: float | None = None, note: str = "",
               lr: float | None = None) -> None:
        """Show ``net`` on ``(X, y)``; ``losses[k]`` is the loss after k updates (k = 0..);
        ``epochs`` sets the x range, ``lr`` (if given) is named in the title."""
        fs = self.theme.font_size
        losses = _finite(losses)
        self.losses = losses
        self.line_loss.set_data(np.arange(len(losses)), losses)
        self.line_loss.set_marker("o" if len(losses) == 1 else "None")  # the untrained start: one point
        self.ax_loss.set_xlim(0, max(1, int(epochs)))
        self.ax_loss.set_ylim(*_log_limits([_positive(losses)], floor=1e-6, ceil=1e6, at_least=(1e-2, 1.0)))
        self.boundary.update(net, X, y)
        if accuracy is None:
            accuracy = float(np.mean((forward(net, X).p[:, 0] > 0.5) == (np.asarray(y) == 1)))
        done = len(losses) - 1
        last = losses[-1]
        loss_text = f"{last:.4f}" if math.isfinite(last) else "not finite"
        rate = "" if lr is None else f", lr {lr:.3g}"
        self.ax_loss.set_title(f"{net.act.label}, {net.hidden} hidden{rate}: epoch {done}, loss {loss_text}",
                               fontsize=fs * 0.9)
        self.ax_map.set_title(f"P(class 1), accuracy {accuracy:.1%}{note}", fontsize=fs * 0.9)

    def show_result(self, result: TrainResult, note: str = "") -> None:
        self.update(result.net, result.X, result.y, result.losses, result.epochs, result.accuracy, note, lr=result.lr)


class CompareTrainingFigure(FigureView):
    """Several runs on the same data: all loss curves on top (one colour and line style per
    activation), and below, each run's decision boundary with its final loss and accuracy."""

    def __init__(self, results: list[TrainResult], theme: ThemeLike = None):
        if not results:
            raise ValueError("CompareTrainingFigure needs at least one TrainResult")
        self.theme = th = resolve_theme(theme)
        fs, lw = th.font_size, th.line_width
        n = len(results)
        w, h = th.figsize
        self.figure, self.canvas, _ = new_figure(th, 0, figsize=(w, h * 1.55))
        grid = self.figure.add_gridspec(2, n, height_ratios=[1.0, 1.25], left=0.085, right=0.985, bottom=0.02,
                                        top=0.93, hspace=0.45, wspace=0.08)
        self.ax_loss = self.figure.add_subplot(grid[0, :])
        plain_axes(self.ax_loss, th)
        _log_axis(self.ax_loss, th)
        self.ax_loss.set_xlabel("epoch", fontsize=fs * 0.9)
        self.ax_loss.set_ylabel("loss (nats)", fontsize=fs * 0.9)
        self.ax_loss.axhline(math.log(2.0), color=th.foreground, lw=lw * 0.5, ls=(0, (1, 2)), label="ln 2")
        self.maps = []
        all_losses = []
        for i, r in enumerate(results):
            losses = _positive(r.losses)
            all_losses.append(losses)
            self.ax_loss.plot(np.arange(len(losses)), losses, label=r.act.label, **series_style(r.act.name, lw, i))
            ax = self.figure.add_subplot(grid[1, i])
            _boundary_axes(ax, th)
            b = _Boundary(ax, th, steps=70)
            b.update(r.net, r.X, r.y)
            ax.set_title(f"{r.act.label}\nloss {r.loss:.4f}, acc {r.accuracy:.1%}", fontsize=fs * 0.78)
            for spine in ax.spines.values():
                spine.set_color(series_style(r.act.name, lw, i)["color"])
                spine.set_linewidth(lw * 0.9)
            self.maps.append(b)
        self.ax_loss.set_xlim(0, max(r.epochs for r in results))
        self.ax_loss.set_ylim(*_log_limits(all_losses, floor=1e-6, ceil=1e6, at_least=(1e-2, 1.0)))
        leg = self.ax_loss.legend(loc="upper center", ncol=n + 1, fontsize=fs * 0.75, framealpha=0.9, handlelength=2.8,
                                  columnspacing=1.2)
        leg.get_frame().set_facecolor(th.background)
        for text in leg.get_texts():
            text.set_color(th.foreground)
        r0 = results[0]
        self.ax_loss.set_title(f"{len(r0.y)} points, {r0.net.hidden} hidden units, lr {r0.lr:g}, same seed {r0.seed}",
                               fontsize=fs * 0.9)
        self.results = list(results)


# --------------------------------------------------------------------------------------
# Static pictures for notebook cells.


def plot_gradient_flow(acts=("sigmoid", "tanh", "relu"), depth: int = 20, init: str = "xavier", weight_scale: float = 1.0,
                       width: int = 64, batch: int = 256, seed: int = 0, theme: ThemeLike = None) -> StaticFigure:
    """The :class:`GradientFlowFigure` of these activations as a picture."""
    flows = [gradient_flow(as_activation(a), depth=depth, width=width, batch=batch, init=init,
                           weight_scale=weight_scale, seed=seed) for a in acts]
    fig = GradientFlowFigure(flows, theme=theme)
    labels = ", ".join(f.act.label for f in flows)
    return StaticFigure(fig.render(), f"<actviz gradient flow: {labels}; {depth} layers, {init} init, weight scale {weight_scale:g}>")


def plot_dead_units(act="relu", bias_shift: float = -3.0, theme: ThemeLike = None) -> StaticFigure:
    """The :class:`DeadUnitsFigure` as a picture."""
    fig = DeadUnitsFigure(act, bias_shift, theme=theme)
    return StaticFigure(fig.render(), f"<actviz dead units: {fig.act.label}, bias shift {fig.bias_shift:+g}, "
                                      f"{fig.result.fraction_dead:.1%} dead>")


def plot_training(result: TrainResult, theme: ThemeLike = None) -> StaticFigure:
    """The :class:`TrainingFigure` of a finished run as a picture."""
    fig = TrainingFigure(theme=theme)
    fig.show_result(result)
    return StaticFigure(fig.render(), f"<actviz training: {result.act.label}, {result.epochs_run} epochs, "
                                      f"loss {result.loss:.4f}, accuracy {result.accuracy:.1%}>")


def plot_training_comparison(results: list[TrainResult], theme: ThemeLike = None) -> StaticFigure:
    """The :class:`CompareTrainingFigure` of several runs as a picture."""
    fig = CompareTrainingFigure(results, theme=theme)
    labels = ", ".join(r.act.label for r in results)
    return StaticFigure(fig.render(), f"<actviz training comparison: {labels}>")
