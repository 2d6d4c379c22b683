"""Widgets for the training notebooks (06-08): controls wired to the figures of
:mod:`actviz.figures.training` (one VBox subclass per view, its callbacks together).

As in :mod:`actviz.widgets.explorer`: a control change -> numpy (:mod:`actviz.maths`) ->
artists of one persistent matplotlib Figure -> PNG bytes in an ``ipywidgets.Image``.
Callbacks only ever write widget *state* (the image, an HTML readout, a progress bar),
never print or display, so nbval and nbclient see the same cell outputs. Where widgets are
not live (GitHub, nbviewer) the display also carries ``image/png`` of the current figure.

* :class:`GradientFlowView`  depth, activation, init, weight scale, comparison on/off.
* :class:`DeadUnitsView`     activation, bias shift, Leaky ReLU's alpha.
* :class:`TrainingView`      dataset, activation, hidden units, learning rate, epochs, a
  Train button and a progress bar; the loss curve and decision boundary update in place.

Every view has ``controls`` (name -> widget), ``figure`` (the matplotlib Figure) and
``image`` (the Image widget); reading ``figure`` or ``image`` renders any pending change
first, so code that sets a control and then looks at the result sees the new state.
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets

from ..figures.training import DeadUnitsFigure, GradientFlowFigure, TrainingFigure
from ..maths import validate
from ..maths.datasets import DATASETS
from ..maths.networks import INITS, gradient_flow
from ..maths.registry import Activation, as_activation
from ..maths.tiny_network import bce_loss, forward, init_network, train
from .controls import SLIDER_LAYOUT, WIDE_STYLE, activation_dropdown
from .view import LiveView

__all__ = ["GradientFlowView", "DeadUnitsView", "TrainingView", "DEPTH_RANGE", "WEIGHT_SCALE_RANGE",
           "BIAS_SHIFT_RANGE", "ALPHA_RANGE", "HIDDEN_RANGE", "LR_RANGE", "EPOCHS_RANGE"]

#: the ranges of the sliders; a constructor argument outside them is a ValueError
DEPTH_RANGE = (2, 50)
WEIGHT_SCALE_RANGE = (0.25, 4.0)
BIAS_SHIFT_RANGE = (-6.0, 2.0)
ALPHA_RANGE = (0.0, 0.5)
HIDDEN_RANGE = (1, 64)
LR_RANGE = (0.01, 10.0)
EPOCHS_RANGE = (10, 3000)

_COMPARE_WITH = ("sigmoid", "tanh", "relu")

class GradientFlowView(LiveView):
    """Backprop through ``depth`` random layers: per-layer gradient norm (log y) and the
    factor each layer applies, for one activation or -- with ``compare`` -- alongside
    sigmoid, tanh and relu under the same settings.

    ``controls``: 'depth', 'activation', 'init', 'weight_scale', 'compare'.
    ``flows``: the :class:`~actviz.maths.networks.GradientFlow` of each series shown.
    """

    def __init__(self, act="sigmoid", depth: int = 20, init: str = "xavier", weight_scale: float = 1.0,
                 compare: bool = True, width: int = 64, batch: int = 256, seed: int = 0, theme=None):
        act = as_activation(act)
        depth = validate.integer(depth, "depth", low=DEPTH_RANGE[0], high=DEPTH_RANGE[1])
        weight_scale = validate.real(weight_scale, "weight_scale", low=WEIGHT_SCALE_RANGE[0], high=WEIGHT_SCALE_RANGE[1])
        init = validate.choice(init, "init", INITS)
        compare = validate.boolean(compare, "compare")
        self._acts = {act.name: act}  # a given Activation keeps its parameters
        self._settings = dict(width=validate.integer(width, "width", low=1), batch=validate.integer(batch, "batch", low=1),
                              seed=validate.integer(seed, "seed", low=0))
        self.controls = {
            "depth": widgets.IntSlider(value=depth, min=DEPTH_RANGE[0], max=DEPTH_RANGE[1], description="depth L",
                                       continuous_update=True, tooltip="number of layers", layout=SLIDER_LAYOUT, style=WIDE_STYLE),
            "activation": activation_dropdown(act.name, style=WIDE_STYLE),
            "init": widgets.Dropdown(options=list(INITS), value=init, description="init", style=WIDE_STYLE,
                                     tooltip="xavier: std sqrt(2/(n_in+n_out)); he: sqrt(2/n_in); normal: std = weight scale"),
            "weight_scale": widgets.FloatLogSlider(value=weight_scale, base=2, min=math.log2(WEIGHT_SCALE_RANGE[0]),
                                                   max=math.log2(WEIGHT_SCALE_RANGE[1]), step=0.125, description="weight scale",
                                                   readout_format=".3g", continuous_update=True, tooltip="multiplies the init's std",
                                                   layout=SLIDER_LAYOUT, style=WIDE_STYLE),
            "compare": widgets.Checkbox(value=compare, description="compare with sigmoid, tanh, relu", indent=False),
        }
        self.flows = self._flows()
        title = widgets.HTML("<b>Gradient flow</b>: backprop through L random layers; move a control")
        super().__init__(GradientFlowFigure(self.flows, theme=theme), self.controls, header=[title])

    def _series(self) -> list[Activation]:
        c = self.controls
        chosen = self._acts.get(c["activation"].value) or as_activation(c["activation"].value)
        if not c["compare"].value:
            return [chosen]
        series = [as_activation(n) if n != chosen.name else chosen for n in _COMPARE_WITH]
        return series if chosen.name in _COMPARE_WITH else series + [chosen]

    def _flows(self):
        c = self.controls
        return [gradient_flow(a, depth=c["depth"].value, init=c["init"].value, weight_scale=float(c["weight_scale"].value),
                              **self._settings) for a in self._series()]

    def _compute(self) -> None:
        self.flows = self._flows()
        self.view.update(self.flows)

    def _readout_html(self) -> str:
        return "<br>".join(html.escape(line) for line in self.view.summary())

    def __repr__(self) -> str:
        c = self.controls
        shown = ", ".join(f.act.label for f in self.flows)
        return (f"GradientFlowView({shown}: {c['depth'].value} layers, {c['init'].value} init, "
                f"weight scale {float(c['weight_scale'].value):.3g})")


class DeadUnitsView(LiveView):
    """One layer of 256 units whose biases all shifted by ``bias_shift`` standard
    deviations: the pre-activation histogram over the dead zone, and the share of dead
    units against the shift.

    ``controls``: 'activation', 'bias_shift', 'alpha' (Leaky ReLU's slope for z < 0; only
    enabled for leaky_relu). ``result``: the :class:`~actviz.maths.networks.DeadUnits` shown.
    """

    def __init__(self, act="relu", bias_shift: float = -3.0, alpha: float = 0.01, theme=None):
        act = as_activation(act)
        bias_shift = validate.real(bias_shift, "bias_shift", low=BIAS_SHIFT_RANGE[0], high=BIAS_SHIFT_RANGE[1])
        if act.name == "leaky_relu" and "alpha" in act.params:
            alpha = act.params["alpha"]
        alpha = validate.real(alpha, "alpha", low=ALPHA_RANGE[0], high=ALPHA_RANGE[1])
        self._acts = {act.name: act}
        self.controls = {
            "activation": activation_dropdown(act.name, style=WIDE_STYLE),
            "bias_shift": widgets.FloatSlider(value=bias_shift, min=BIAS_SHIFT_RANGE[0], max=BIAS_SHIFT_RANGE[1], step=0.25,
                                              description="bias shift", readout_format="+.2f", continuous_update=True,
                                              tooltip="added to every unit's bias, in standard deviations of z",
                                              layout=SLIDER_LAYOUT, style=WIDE_STYLE),
            "alpha": widgets.FloatSlider(value=alpha, min=ALPHA_RANGE[0], max=ALPHA_RANGE[1], step=0.005,
                                         description="alpha (leaky)", readout_format=".3f", continuous_update=True,
                                         tooltip="Leaky ReLU's slope for z < 0", layout=SLIDER_LAYOUT, style=WIDE_STYLE),
        }
        view = DeadUnitsFigure(self._activation(), bias_shift, theme=theme)
        self.result = view.result
        title = widgets.HTML("<b>Dead units</b>: shift every bias down and watch the units stop learning")
        super().__init__(view, self.controls, header=[title])

    def _activation(self) -> Activation:
        c = self.controls
        name = c["activation"].value
        c["alpha"].disabled = name != "leaky_relu"
        if name == "leaky_relu":
            return as_activation("leaky_relu", alpha=float(c["alpha"].value))
        return self._acts.get(name) or as_activation(name)

    def _compute(self) -> None:
        self.view.update(self._activation(), self.controls["bias_shift"].value)
        self.result = self.view.result

    def _readout_html(self) -> str:
        d = self.result
        mean_dg = float(d.mean_dg.mean())
        return (f"<b>{d.fraction_dead:.1%}</b> of {d.dead.size} units are dead (g&prime; = 0 for every one of "
                f"{d.z.shape[0]} samples); {d.fraction_zero_grad:.1%} of all (sample, unit) pairs pass back no gradient; "
                f"mean g&prime;(z) = {mean_dg:.4f}")

    def __repr__(self) -> str:
        d = self.result
        return f"DeadUnitsView({d.act.label}: bias shift {d.bias_shift:+g}, {d.fraction_dead:.1%} of {d.dead.size} units dead)"


class TrainingView(LiveView):
    """Train the tiny 2 -> hidden -> 1 network on a toy dataset, watching the loss and the
    decision boundary.

    ``controls``: 'dataset', 'activation', 'hidden', 'lr', 'epochs', 'train' (a Button).
    Changing a setting shows the *untrained* network for it; Train (or :meth:`train`) runs
    full-batch gradient descent, moving ``progress`` (an ``IntProgress``) and redrawing
    the figure ``frames`` times on the way (evenly spaced). ``result`` is the last
    :class:`~actviz.maths.tiny_network.TrainResult` (None until trained with these settings).
    """

    def __init__(self, dataset: str = "moons", act="relu", hidden: int = 16, lr: float = 1.0, epochs: int = 1000,
                 seed: int = 0, n: int = 200, train_now: bool = True, frames: int = 4, theme=None):
        dataset = validate.choice(dataset, "dataset", DATASETS)
        act = as_activation(act)
        hidden = validate.integer(hidden, "hidden", low=HIDDEN_RANGE[0], high=HIDDEN_RANGE[1])
        lr = validate.real(lr, "lr", low=LR_RANGE[0], high=LR_RANGE[1])
        epochs = validate.integer(epochs, "epochs", low=EPOCHS_RANGE[0], high=EPOCHS_RANGE[1])
        self.frames = validate.integer(frames, "frames", low=0, high=100)
        self.seed, self.n = validate.integer(seed, "seed", low=0), validate.integer(n, "n", low=2)
        train_now = validate.boolean(train_now, "train_now")
        self._acts = {act.name: act}
        self.controls = {
            "dataset": widgets.Dropdown(options=list(DATASETS), value=dataset, description="dataset", style=WIDE_STYLE),
            "activation": activation_dropdown(act.name, style=WIDE_STYLE),
            "hidden": widgets.IntSlider(value=hidden, min=HIDDEN_RANGE[0], max=HIDDEN_RANGE[1], description="hidden units",
                                        continuous_update=False, layout=SLIDER_LAYOUT, style=WIDE_STYLE),
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=math.log10(LR_RANGE[0]), max=math.log10(LR_RANGE[1]), step=0.05,
                                         description="learning rate", readout_format=".3g", continuous_update=False,
                                         layout=SLIDER_LAYOUT, style=WIDE_STYLE),
            "epochs": widgets.IntSlider(value=epochs, min=EPOCHS_RANGE[0], max=EPOCHS_RANGE[1], step=10, description="epochs",
                                        continuous_update=False, layout=SLIDER_LAYOUT, style=WIDE_STYLE),
            "train": widgets.Button(description="Train", button_style="primary", icon="play",
                                    tooltip="full-batch gradient descent with these settings"),
        }
        self.progress = widgets.IntProgress(value=0, min=0, max=epochs, description="epoch 0", style=WIDE_STYLE,
                                            layout=SLIDER_LAYOUT)
        self.result = None
        self.view = TrainingFigure(theme=theme)
        self.controls["train"].on_click(lambda _button: self.train())
        self._compute()
        title = widgets.HTML("<b>Train a tiny network</b>: choose the settings, then press Train")
        super().__init__(self.view, self.controls, header=[title], footer=[self.progress])
        if train_now:
            self.train()

    # ---------------------------------------------------------------- state

    def settings(self) -> dict:
        """The current control values as keyword arguments of :func:`actviz.train`."""
        c = self.controls
        name = c["activation"].value
        return dict(act=self._acts.get(name) or as_activation(name), hidden=int(c["hidden"].value),
                    lr=float(c["lr"].value), epochs=int(c["epochs"].value), seed=self.seed)

    def data(self):
        """``(X, y)`` of the chosen dataset."""
        return DATASETS[self.controls["dataset"].value](self.n, self.seed)

    def _compute(self) -> None:
        """A setting changed: show the untrained network for the new settings."""
        s = self.settings()
        X, y = self.data()
        net = init_network(s["act"], s["hidden"], s["seed"])
        self.result = None
        self.progress.value = 0
        self.progress.max = s["epochs"]
        self.progress.description = "epoch 0"
        self.progress.bar_style = ""
        self.view.update(net, X, y, [bce_loss(forward(net, X), y)], s["epochs"], note=" (untrained)", lr=s["lr"])
        self._status = "Untrained: the random start for these settings. Press <b>Train</b>."

    def _readout_html(self) -> str:
        return self._status

    # ---------------------------------------------------------------- training

    def train(self):
        """Train with the current settings (what the Train button does); returns the TrainResult."""
        self.flush()
        button = self.controls["train"]
        button.disabled = True
        s = self.settings()
        X, y = self.data()
        epochs = s["epochs"]
        tick = max(1, epochs // 100)
        frame_at = {round(k * epochs / (self.frames + 1)) for k in range(1, self.frames + 1)} - {0, epochs}
        history = [bce_loss(forward(init_network(s["act"], s["hidden"], s["seed"]), X), y)]  # train() starts here too

        def on_epoch(epoch, loss, net):
            history.append(loss)
            if epoch % tick == 0:
                self.progress.value = epoch  # widget state only: no output
                self.progress.description = f"epoch {epoch}"
            if epoch in frame_at:  # a live frame
                self.view.update(net, X, y, history, epochs, note=" (training...)", lr=s["lr"])
                self._image.value = self.view.render()
            return None

        try:
            self._status = "Training..."
            self._readout.value = self._status
            result = train(s["act"], X, y, hidden=s["hidden"], lr=s["lr"], epochs=epochs, seed=s["seed"], callback=on_epoch)
        finally:
            button.disabled = False
        self.result = result
        self.progress.value = self.progress.max
        self.progress.description = f"epoch {result.epochs_run}"
        if result.diverged:
            self.progress.bar_style = "danger"
            self._status = (f"<b>Diverged</b> at epoch {result.epochs_run}: the loss became infinite. "
                            "Lower the learning rate.")
            note = " (diverged)"
        else:
            self.progress.bar_style = "success"
            self._status = (f"Trained {result.epochs_run} epochs: loss {result.loss:.4f} nats, "
                            f"training accuracy {result.accuracy:.1%}")
            note = ""
        self.view.show_result(result, note=note)
        self._show()
        return result

    def __repr__(self) -> str:
        s = self.settings()
        state = (f"loss {self.result.loss:.4f}, accuracy {self.result.accuracy:.1%}" if self.result is not None
                 else "untrained")
        return (f"TrainingView({self.controls['dataset'].value}, {s['act'].label}, {s['hidden']} hidden, lr {s['lr']:g}, "
                f"{s['epochs']} epochs: {state})")
