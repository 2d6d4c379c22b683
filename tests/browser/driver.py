"""Reusable real-browser driver for actviz notebooks: JupyterLab and Voilà in headless Chromium.

Plain functions and classes (no pytest), so other code (e.g. a latency benchmark) can reuse
them::

    from tests.browser.driver import (start_lab, start_voila, launch_browser, new_context,
                                      LabNotebook, VoilaDashboard, prepare_root)   # from the repo root

    root = prepare_root(Path("notebooks"), tmp)          # temp COPY of notebooks/
    lab = start_lab(root, tmp / "lab")                    # Server; lab.stop() when done
    with sync_playwright() as p:
        browser = launch_browser(p); ctx = new_context(browser)
        nb = LabNotebook(ctx.new_page(), lab, "01_sigmoid.ipynb", root=root).open()
        nb.restart_and_run_all(); nb.wait_run_complete()
        assert not nb.output_problems()
        move = nb.move_slider(0)                          # -> SliderMove
        assert move.image_changed, move.describe()
        # or all of the suite's checks at once: check_lab_notebook(nb) -> [SliderMove]
    lab.stop()                                            # returns pids it had to kill

Design notes (measured on the 2-core dev box, see tests/browser/README.md):
- Plots are ``img.widget-image`` (``ipywidgets.Image``, a ``blob:`` URL that is renewed on
  every value change even if the bytes are equal) or ``.widget-output img`` (an ``Output``
  widget holding a PNG, a ``data:`` URL). "Changed" therefore means the *bytes* changed:
  the page hashes each image's content (SHA-256 of the blob / the data URL).
- A slider is mapped to the plot images of its nearest enclosing element (walking up from
  the handle, stopping at the notebook cell) that contains one; when its cell has none, all
  plot images on the page are its scope ("some plot changed").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("ACTVIZ_CHROMIUM", "/usr/bin/chromium")
# Flags that keep Chromium from talking to the network on its own.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    # Belt and braces next to the context route: no DNS for anything but loopback.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
VIEWPORT = {"width": 1400, "height": 1000}

SLIDER_HANDLE = ".widget-slider .noUi-handle"
# the explorer draws z0 in the browser on a canvas (actviz.widgets.canvas); it counts as a plot
PLOT_IMG = "img.widget-image, .widget-output img, canvas.actviz-canvas"
DEMO_DIR = "_browser_demo"  # sub-folder of the served root holding generated demo notebooks

# Settings overrides for the test Lab (written into a temp app_settings_dir):
# no news/update pop-up; attach every cell to the DOM ("none") so off-screen widgets are
# real, laid-out elements that can be focused, read and screenshotted deterministically.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


# --------------------------------------------------------------------------------------
# Notebooks on disk
# --------------------------------------------------------------------------------------


def notebooks_in(folder: Path = NOTEBOOKS) -> list[Path]:
    """``*.ipynb`` directly in *folder*, sorted; checkpoints ignored."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def prepare_root(src: Path, dst: Path) -> Path:
    """Copy *src* (the repo's notebooks/) to *dst* so browsers never save into the repo.

    Generated demo notebooks go in ``dst/_browser_demo/``.
    """
    if src.is_dir():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        dst.mkdir(parents=True)
    demo = dst / DEMO_DIR
    demo.mkdir(exist_ok=True)
    write_demo_notebook(demo / "demo.ipynb")
    write_demo_notebook(demo / "broken.ipynb", broken=True)
    return dst


def _code(src: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": src.strip("\n")}


def _md(src: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": src.strip("\n")}


_DEMO_SETUP = r'''
import io
import numpy as np
import ipywidgets as w
from matplotlib.figure import Figure
from IPython.display import display, Image as IPImage

fig = Figure(figsize=(8, 3), dpi=80)
ax_g, ax_d = fig.subplots(1, 2)

def render(z0, zlo, zhi):
    z = np.linspace(zlo, zhi, 400)
    g = 1 / (1 + np.exp(-(z - z0)))
    for ax, y, title in ((ax_g, g, "g(z)"), (ax_d, g * (1 - g), "g'(z)")):
        ax.clear(); ax.plot(z, y); ax.set_title(title); ax.set_xlim(zlo, zhi)
    buf = io.BytesIO(); fig.savefig(buf, format="png"); return buf.getvalue()
'''

_DEMO_IMAGE = r'''
shift = w.FloatSlider(value=0.0, min=-3, max=3, step=0.25, description="z0")
zrange = w.FloatRangeSlider(value=(-6, 6), min=-10, max=10, step=0.5, description="z range")
img = w.Image(value=render(0.0, -6, 6), format="png")

def redraw(_=None):%s
    img.value = render(shift.value, *zrange.value)

shift.observe(redraw, "value"); zrange.observe(redraw, "value")
display(w.VBox([shift, zrange, img]))
'''

_DEMO_OUTPUT = r'''
# Second path: an Output widget holding a PNG (state-only update, no display messages).
k = w.IntSlider(value=2, min=1, max=8, description="k")
out = w.Output()

def redraw_out(_=None):
    out.outputs = ()
    out.append_display_data(IPImage(render(0.0, -k.value, k.value)))

k.observe(redraw_out, "value"); redraw_out()
display(w.VBox([k, out]))
'''


def write_demo_notebook(path: Path, broken: bool = False) -> Path:
    """A small stand-in for the real notebooks.

    demo: FloatSlider + FloatRangeSlider -> matplotlib Figure -> PNG in an ``ipywidgets.Image``;
    IntSlider -> PNG inside an ``Output`` widget.
    broken: the Image callback raises (plot never changes) and the last cell raises.
    """
    cells = [_md("# Browser-test demo\nSliders drive a sigmoid plot."), _code(_DEMO_SETUP)]
    if broken:
        # the raise comes before the update, so the plot must not change
        cells.append(_code(_DEMO_IMAGE % "\n    raise RuntimeError('callback broke')"))
        cells.append(_code("print('about to fail')\nraise ValueError('deliberate failure')"))
    else:
        cells.append(_code(_DEMO_IMAGE % ""))
        cells.append(_code(_DEMO_OUTPUT))
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                           "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"cell-{i}"
    path.write_text(json.dumps(nb, indent=1))
    return path


def code_cells(nb_path: Path) -> list[dict]:
    """Per cell of the notebook (in order): type, non-empty?, expects an error?"""
    nb = json.loads(nb_path.read_text())
    info = []
    for c in nb["cells"]:
        src = "".join(c.get("source", ""))
        tags = set(c.get("metadata", {}).get("tags", []))
        info.append({
            "type": c["cell_type"],
            "empty": not src.strip(),
            "raises": "raises-exception" in tags or "NBVAL_RAISES_EXCEPTION" in src,
        })
    return info


# --------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server subprocess (own process group) with its log file."""

    name: str
    proc: subprocess.Popen
    url: str  # base URL, ends with "/"
    log_path: Path
    work: Path  # temp dir with config/data/runtime dirs and the log
    token: str = ""
    start_seconds: float = 0.0

    def url_for(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return self.url + path.lstrip("/") + (f"{sep}token={self.token}" if self.token else "")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def wait_ready(self, probe: str, timeout: float = 60) -> None:
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n"
                                   + self.log_tail())
            try:
                with urllib.request.urlopen(self.url_for(probe), timeout=5) as r:
                    if r.status == 200:
                        break
            except urllib.error.HTTPError as e:  # e.g. a hub's proxy: 503 until routes exist
                e.close()
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - t0 > timeout:
                self.stop()
                raise TimeoutError(f"{self.name} not answering after {timeout}s:\n"
                                   + self.log_tail())
            time.sleep(0.2)
        self.start_seconds = time.monotonic() - t0

    def api(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(self.url_for(path), method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def stop(self, timeout: float = 10) -> list[int]:
        """SIGTERM the server's process group, then SIGKILL what is left. Kernels run in
        their own sessions: any process whose command line still names this server's
        temp dir (kernels get ``-f <work>/runtime/kernel-*.json``) is killed by pid.
        Returns the pids that had to be killed that way (should be empty)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:  # kernels live in the same process group; make sure none survive
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        strays = sorted(set(pids_mentioning(str(self.work))) | set(pids_inside(self.work)))
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return strays


def pids_mentioning(text: str) -> list[int]:
    """Pids (not ours) whose command line contains *text*."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append(int(d.name))
    return found


def pids_inside(folder: Path) -> list[int]:
    """Pids (not ours) whose working directory is *folder* or below it (a hub's proxy and
    the students' servers and kernels, which name no temp dir on their command lines)."""
    folder = folder.resolve()
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(d / "cwd"))
        except OSError:
            continue
        if cwd == folder or folder in cwd.parents:
            found.append(int(d.name))
    return found


def _isolated_env(work: Path) -> dict[str, str]:
    """Jupyter config/data/runtime dirs in *work* so the user's settings never leak in."""
    env = dict(os.environ)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTER_DATA_DIR", "data"), ("IPYTHONDIR", "ipython")):
        (work / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(work / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    # the project's server settings, as `python3 dev.py lab` and Binder use them
    # (ACTVIZ_NO_SERVER_CONFIG=1 leaves them out, e.g. to reproduce issue 12.3 unfixed)
    if not os.environ.get("ACTVIZ_NO_SERVER_CONFIG"):
        env["JUPYTER_CONFIG_PATH"] = str(REPO / "jupyter_config")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("JUPYTER_TOKEN", None)
    return env


def _spawn(name: str, cmd: list[str], work: Path, cwd: Path,
           extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
    log_path = work / f"{name}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env={**_isolated_env(work), **(extra_env or {})}, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    return proc, log_path


def start_lab(root: Path, work: Path, python: str = sys.executable,
              timeout: float = 90) -> Server:
    """JupyterLab serving *root* (a temp copy), settings in *work*; returns when it answers."""
    work.mkdir(parents=True, exist_ok=True)
    app_settings = work / "app-settings"
    app_settings.mkdir(exist_ok=True)
    (app_settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=1))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [python, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--port-retries=0", f"--IdentityProvider.token={token}", "--allow-root",
           f"--ServerApp.root_dir={root}",
           f"--LabApp.app_settings_dir={app_settings}",
           f"--LabApp.user_settings_dir={work / 'user-settings'}",
           f"--LabApp.workspaces_dir={work / 'workspaces'}",
           "--ServerApp.terminals_enabled=False",
           *os.environ.get("ACTVIZ_LAB_ARGS", "").split()]
    # No news feed / update check requests (news_url=None is not expressible on the CLI).
    (work / "config").mkdir(exist_ok=True)
    (work / "config" / "jupyter_lab_config.json").write_text(json.dumps(
        {"LabApp": {"news_url": None,
                    "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}))
    proc, log_path = _spawn("lab", cmd, work, root)
    srv = Server("lab", proc, f"http://127.0.0.1:{port}/", log_path, work, token)
    srv.wait_ready("api/status", timeout)
    return srv


def start_voila(root: Path, work: Path, python: str = sys.executable,
                timeout: float = 90) -> Server:
    """Voilà serving the folder *root*; pages at ``voila/render/<nb>``."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [python, "-m", "voila", str(root), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True"]
    proc, log_path = _spawn("voila", cmd, work, root)
    srv = Server("voila", proc, f"http://127.0.0.1:{port}/", log_path, work)
    srv.wait_ready("", timeout)
    return srv


def start_notebook7(root: Path, work: Path, python: str = sys.executable,
                    timeout: float = 90) -> Server:
    """Jupyter Notebook 7 serving *root*; pages at ``notebooks/<nb>``."""
    work.mkdir(parents=True, exist_ok=True)
    # Notebook 7 does not read overrides.json from --JupyterNotebookApp.app_settings_dir (tried):
    # the labconfig default_setting_overrides in the (isolated) config dir, which it does read
    labconfig = work / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "default_setting_overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=1))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [python, "-m", "jupyter", "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--port-retries=0", f"--IdentityProvider.token={token}", "--allow-root",
           f"--ServerApp.root_dir={root}", "--ServerApp.terminals_enabled=False",
           f"--JupyterNotebookApp.user_settings_dir={work / 'user-settings'}",
           f"--JupyterNotebookApp.workspaces_dir={work / 'workspaces'}"]
    proc, log_path = _spawn("notebook7", cmd, work, root)
    srv = Server("notebook7", proc, f"http://127.0.0.1:{port}/", log_path, work, token)
    srv.wait_ready("api/status", timeout)
    return srv


CLASSROOM = Path(__file__).resolve().parents[2] / "deploy" / "voila" / "classroom.py"


def start_classroom(notebook: Path, work: Path, class_size: int, python: str = sys.executable,
                    timeout: float = 120) -> Server:
    """``python3 dev.py voila`` on *notebook* (deploy/voila/classroom.py and its voila.py) for
    *class_size* students; pages at ``/``. Returns once the preheated pool is full (asking
    for ``/`` earlier would take a student's place)."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [python, str(CLASSROOM), str(notebook), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
           f"--ClassroomVoila.class_size={class_size}"]
    proc, log_path = _spawn("classroom", cmd, work, notebook.parent)
    srv = Server("classroom", proc, f"http://127.0.0.1:{port}/", log_path, work)
    srv.wait_ready("voila/static/voila.js", timeout)
    t0 = time.monotonic()
    while "Kernel pool of" not in log_path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() - t0 > timeout:
            srv.stop()
            raise RuntimeError(f"classroom Voilà did not fill its pool:\n{srv.log_tail()}")
        time.sleep(0.5)
    return srv


@dataclass
class HubUser(Server):
    """One student's single-user server behind a hub, seen through the hub's proxy
    (``<hub>/user/<name>/``). Pages carry no token (the browser logged in through the hub's
    form and holds its cookies); REST calls send the student's API token in a header."""

    def url_for(self, path: str) -> str:
        return self.url + path.lstrip("/")

    def api(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(self.url + path.lstrip("/"), method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def stop(self, timeout: float = 10) -> list[int]:
        return []  # the hub owns it: stopping the hub stops it


def start_hub(config: Path, work: Path, homes: Path, password: str,
              python: str = sys.executable, timeout: float = 90) -> Server:
    """JupyterHub with *config* (the repo's deploy/hub/jupyterhub_config.py), from the venv of
    *python*, on random loopback ports; its database, cookie secret and log in *work*,
    students' homes in *homes*. Returns when ``hub/api`` answers through the proxy."""
    work.mkdir(parents=True, exist_ok=True)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    exe = str(Path(python).with_name("jupyterhub"))
    cmd = [exe, "-f", str(config), f"--JupyterHub.bind_url=http://127.0.0.1:{port}",
           f"--JupyterHub.hub_port={hub_port}",
           f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}",
           f"--SimpleLocalProcessSpawner.home_dir_template={homes}/{{username}}"]
    proc, log_path = _spawn("hub", cmd, work, work, {"ACTVIZ_HUB_PASSWORD": password})
    srv = Server("hub", proc, f"http://127.0.0.1:{port}/", log_path, work)
    srv.wait_ready("hub/api", timeout)
    return srv


# --------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------


def launch_browser(playwright, headless: bool = True):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=headless,
                                      args=CHROMIUM_ARGS)


# Any http(s)/ws(s) URL whose host is not loopback. A regex (not a Python callable) so the
# match runs inside Playwright's driver: loopback requests never wait for Python. (With the
# sync API, Python route handlers only run while Python is inside a Playwright call; a
# catch-all "**/*" route stalled Lab's kernel start for as long as the test slept.)
NON_LOOPBACK = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])[:/])"
                          r"(?:https?|wss?)://")


def new_context(browser, blocked: list[str] | None = None):
    """A context whose non-loopback requests are aborted (Voilà asks CDNs for CSS/fonts).

    Aborted URLs are appended to *blocked* if given.
    """
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)

    def abort(r):
        if blocked is not None:
            blocked.append(r.request.url)
        r.abort()

    ctx.route(NON_LOOPBACK, abort)
    return ctx


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------

# Content signature of every plot image, in document order. Blob contents are hashed once
# per URL (cache on window). "" = not loaded yet / revoked mid-read.
_JS_SIGNATURES = """
async (sel) => {
  const cache = (window.__actvizSig = window.__actvizSig || new Map());
  const hex = (buf) => Array.from(new Uint8Array(buf))
                           .map(b => b.toString(16).padStart(2, '0')).join('');
  const out = [];
  for (const img of document.querySelectorAll(sel)) {
    if (img.tagName === 'CANVAS') {  // its pixels: hash them (a canvas has no URL to cache by)
      if (img.width === 0) { out.push(''); continue; }
      const bytes = new TextEncoder().encode(img.toDataURL('image/png'));
      out.push(hex(await crypto.subtle.digest('SHA-256', bytes)).slice(0, 16));
      continue;
    }
    const src = img.getAttribute('src') || '';
    if (!src || !img.complete || img.naturalWidth === 0) { out.push(''); continue; }
    if (cache.has(src)) { out.push(cache.get(src)); continue; }
    let sig = '';
    try {
      const bytes = src.startsWith('data:') ? new TextEncoder().encode(src)
                                            : await (await fetch(src)).arrayBuffer();
      sig = hex(await crypto.subtle.digest('SHA-256', bytes)).slice(0, 16);
      cache.set(src, sig);
    } catch (e) { sig = ''; }
    out.push(sig);
  }
  return out;
}
"""

# Indices (into document.querySelectorAll(PLOT_IMG)) of the images a handle drives.
_JS_SCOPE = """
([handle, sel]) => {
  const imgs = Array.from(document.querySelectorAll(sel));
  let el = handle.parentElement;
  while (el && el !== document.body) {
    const inside = imgs.flatMap((im, i) => el.contains(im) ? [i] : []);
    if (inside.length) return {scope: 'box', indices: inside};
    if (el.classList.contains('jp-Cell')) break;
    el = el.parentElement;
  }
  return {scope: 'page', indices: imgs.map((_, i) => i)};
}
"""

_JS_HANDLE_INFO = """
(h) => {
  const box = h.closest('.widget-slider');
  const label = box && box.querySelector('.widget-label');
  const handles = box ? Array.from(box.querySelectorAll('.noUi-handle')) : [h];
  return {
    label: (label && label.textContent.trim()) || '',
    which: handles.length > 1 ? handles.indexOf(h) : -1,
    now: h.getAttribute('aria-valuetext') ?? h.getAttribute('aria-valuenow'),
    skip: !!h.closest('.%s') || !!(box && box.querySelector('[disabled]'))
          || h.getAttribute('aria-disabled') === 'true',
  };
}
"""

# Put this CSS class on a slider (``slider.add_class("actviz-no-plot")``) whose moves are
# not supposed to change a plot: the driver then leaves it alone.
NO_PLOT_CLASS = "actviz-no-plot"
_JS_HANDLE_INFO = _JS_HANDLE_INFO % NO_PLOT_CLASS

WIDGET_ERROR_TEXT = ("Error displaying widget", "Error rendering output",
                     "Failed to display", "model not found")
# Bare widget reprs: what an output shows when the widget front end is missing.
BARE_REPR = re.compile(r"\b(?:Int|Float)(?:Range|Log)?Slider\(|\b(?:HBox|VBox|Output|Image|"
                       r"SelectionSlider|Dropdown|Play|interactive)\((?:children|value|layout|"
                       r"description|outputs|format|options)=")
# stderr that means an exception, not a warning. Lab and Voilà render error outputs
# (ename/evalue/traceback) as application/vnd.jupyter.stderr too.
FATAL_STDERR = re.compile(r"Traceback \(most recent call last\)"
                          r"|^\s*[\w.]*(?:Error|Exception)\b:", re.M)


def _handle_value(h) -> str | None:
    """noUiSlider rounds aria-valuenow to 1 decimal (0.1 -> 0.115 still reads "0.1");
    aria-valuetext carries the formatted value."""
    return h.evaluate("h => h.getAttribute('aria-valuetext') ?? h.getAttribute('aria-valuenow')")


@dataclass
class SliderMove:
    index: int
    label: str
    which: int  # -1 single-handle slider, else handle index of a range slider
    key: str
    value_before: str | None
    value_after: str | None
    scope: str  # "box" (nearest enclosing element with a plot) or "page"
    image_indices: list[int]
    before: list[str]
    after: list[str]
    seconds: float  # first key press -> images stable (includes the settle time)
    skipped: bool = False

    @property
    def value_changed(self) -> bool:
        return self.value_before != self.value_after

    @property
    def image_changed(self) -> bool:
        return any(self.after[i] and self.before[i] != self.after[i]
                   for i in self.image_indices
                   if i < len(self.before) and i < len(self.after))

    def describe(self) -> str:
        h = f" handle {self.which}" if self.which >= 0 else ""
        if self.skipped:
            return f"slider #{self.index} {self.label!r}{h}: skipped (disabled/{NO_PLOT_CLASS})"
        return (f"slider #{self.index} {self.label!r}{h}: {self.key} {self.value_before}"
                f" -> {self.value_after}; plots {self.scope}{self.image_indices} "
                f"changed={self.image_changed}; {self.seconds:.2f}s")


@dataclass
class NotebookPage:
    """What JupyterLab and Voilà pages have in common: widgets, plots, sliders."""

    page: Any
    server: Server
    nb: str  # path relative to the served root
    root: Path | None = None  # the served root on disk (to read the notebook's cells)
    timings: dict[str, float] = field(default_factory=dict)
    console_errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.page.on("console", lambda m: m.type == "error"
                     and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))

    def _nb_path(self) -> Path:
        if self.root is None:
            raise ValueError("pass root= (the served folder) or cells= explicitly")
        return self.root / self.nb

    # -- queries ------------------------------------------------------------------------
    def handles(self):
        return self.page.locator(SLIDER_HANDLE)

    def plot_images(self):
        return self.page.locator(PLOT_IMG)

    def loaded_plot_count(self) -> int:
        return self.page.evaluate(
            """(sel) => Array.from(document.querySelectorAll(sel))
                 .filter(i => i.tagName === 'CANVAS' ? i.width > 0 : i.complete && i.naturalWidth > 0).length""", PLOT_IMG)

    def image_signatures(self) -> list[str]:
        return self.page.evaluate(_JS_SIGNATURES, PLOT_IMG)

    def wait_widgets(self, timeout: float = 60) -> None:
        """At least one slider handle and one loaded plot image."""
        self.page.wait_for_selector(SLIDER_HANDLE, state="attached", timeout=timeout * 1000)
        self.page.wait_for_function(
            """(sel) => Array.from(document.querySelectorAll(sel))
                   .some(i => i.tagName === 'CANVAS' ? i.width > 0 : i.complete && i.naturalWidth > 0)""",
            arg=PLOT_IMG, timeout=timeout * 1000, polling=100)

    def widget_problems(self) -> list[str]:
        """Widget front-end failures visible on the page."""
        problems = []
        text = self.page.evaluate("() => document.body.innerText")
        for needle in WIDGET_ERROR_TEXT:
            if needle in text:
                i = text.index(needle)
                problems.append(f"page shows {text[i:i + 200]!r}")
        outs = self.page.evaluate(
            "() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
            ".map(e => e.innerText)")
        for t in outs:
            m = BARE_REPR.search(t)
            if m:
                problems.append("bare widget repr in output (widget front end missing?): "
                                f"{t[max(0, m.start() - 20):m.end() + 60]!r}")
        return problems

    def stderr_outputs(self) -> list[str]:
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll(
                 '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
               .map(e => e.innerText)""")

    # -- actions ------------------------------------------------------------------------
    def wait_images_stable(self, before: list[str], indices: list[int] | None = None,
                           settle: float = 0.5, timeout: float = 15) -> list[str]:
        """Poll image signatures until one in *indices* (default: any) differs from
        *before* and then no image has changed for *settle* seconds; after *timeout*
        return the last signatures. ``indices=[]`` just waits for *settle* s of quiet."""
        t0 = time.monotonic()
        last = self.image_signatures()
        last_change = time.monotonic()
        idx = range(len(last)) if indices is None else indices
        changed = indices == []
        while True:
            now = time.monotonic()
            if not changed:
                changed = len(last) != len(before) or any(
                    i < len(last) and last[i] != before[i] for i in idx)
            if changed and "" not in last and now - last_change >= settle:
                return last
            if now - t0 > timeout:
                return last
            self.page.wait_for_timeout(100)  # not time.sleep: keeps Playwright events flowing
            cur = self.image_signatures()
            if cur != last:
                last, last_change = cur, time.monotonic()

    def move_slider(self, index: int, presses: int = 3, settle: float = 0.5,
                    timeout: float = 15) -> SliderMove:
        """Focus handle *index*, press ArrowRight *presses* times (ArrowLeft instead when
        the handle cannot go right), then wait until the slider's plot changed and has
        been stable for *settle* s (at most *timeout* s)."""
        h = self.handles().nth(index)
        h.scroll_into_view_if_needed()
        info = h.evaluate(_JS_HANDLE_INFO)
        scope = self.page.evaluate(_JS_SCOPE, [h.element_handle(), PLOT_IMG])
        before = self.wait_images_stable([], [], settle=0.2, timeout=5)
        if info["skip"]:
            return SliderMove(index, info["label"], info["which"], "", info["now"],
                              info["now"], scope["scope"], scope["indices"], before, before,
                              0.0, skipped=True)
        t0 = time.monotonic()
        key = "ArrowRight"
        for key in ("ArrowRight", "ArrowLeft"):
            h.focus()
            for _ in range(presses):
                h.press(key)
            if _handle_value(h) != info["now"]:
                break
        after = self.wait_images_stable(before, scope["indices"], settle=settle,
                                        timeout=timeout)
        return SliderMove(index, info["label"], info["which"], key, info["now"],
                          _handle_value(h), scope["scope"],
                          scope["indices"], before, after, time.monotonic() - t0)

    def drag_slider(self, index: int, dx: float = 40, settle: float = 0.5,
                    timeout: float = 15) -> SliderMove:
        """Press the mouse on handle *index*, drag it *dx* px to the right (to the left when
        that does not move it), release; then wait as :meth:`move_slider` does."""
        h = self.handles().nth(index)
        h.scroll_into_view_if_needed()
        info = h.evaluate(_JS_HANDLE_INFO)
        scope = self.page.evaluate(_JS_SCOPE, [h.element_handle(), PLOT_IMG])
        before = self.wait_images_stable([], [], settle=0.2, timeout=5)
        t0 = time.monotonic()
        key = "drag"
        for sign in (1, -1):
            box = h.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            self.page.mouse.move(x, y)
            self.page.mouse.down()
            for k in range(1, 6):  # in steps, as a hand does: noUiSlider follows mousemove
                self.page.mouse.move(x + sign * dx * k / 5, y)
            self.page.mouse.up()
            key = f"drag {sign * dx:+.0f}px"
            if _handle_value(h) != info["now"]:
                break
        after = self.wait_images_stable(before, scope["indices"], settle=settle,
                                        timeout=timeout)
        return SliderMove(index, info["label"], info["which"], key, info["now"],
                          _handle_value(h), scope["scope"], scope["indices"], before, after,
                          time.monotonic() - t0)

    def move_all_sliders(self, presses: int = 3, **kw) -> list[SliderMove]:
        t0 = time.monotonic()
        moves = [self.move_slider(i, presses, **kw) for i in range(self.handles().count())]
        self.timings["sliders"] = time.monotonic() - t0
        return moves

    def show_first_slider(self) -> None:
        """Scroll so the first slider's cell/box starts at the top (for screenshots)."""
        if self.handles().count():
            self.handles().first.evaluate(
                """(h) => (h.closest('.jp-Cell') || h.closest('.widget-box') || h)
                          .scrollIntoView({block: 'start'})""")
            self.page.wait_for_timeout(200)

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


class LabNotebook(NotebookPage):
    """A notebook opened in JupyterLab (``lab/tree/<nb>``), one page per notebook."""

    def open(self, timeout: float = 60, collapse_sidebar: bool = True,
             wait_kernel: bool = True, navigate: bool = True) -> "LabNotebook":
        """Open the notebook; with *wait_kernel* False, return as soon as its cells show
        (the kernel may still be starting, as when a student acts at once). With *navigate*
        False, adopt the page as it is (it already shows the notebook, e.g. where an
        nbgitpuller link landed)."""
        t0 = time.monotonic()
        # A workspace of its own, reset: otherwise Lab restores the tabs (and kernels) of
        # notebooks opened earlier in the session, and the first cell found is a hidden one.
        ws = "t" + secrets.token_hex(4)
        if navigate:
            self.page.goto(self.server.url_for(f"lab/workspaces/{ws}/tree/{self.nb}?reset"),
                           wait_until="domcontentloaded", timeout=timeout * 1000)
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout * 1000)
        panels = self.page.locator(".jp-NotebookPanel").count()
        assert panels == 1, f"expected only {self.nb} open in Lab, found {panels} notebooks"
        if collapse_sidebar:  # more room for the notebook (and nicer screenshots)
            tab = self.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
            if tab.count():
                tab.first.click()
        self.focus_notebook()
        if wait_kernel:
            self.wait_kernel_idle(timeout)
        self.timings["open"] = time.monotonic() - t0
        return self

    def focus_notebook(self) -> None:
        """Click the first cell: makes the notebook Lab's current widget. It is also the
        user gesture after which Lab starts the kernel."""
        # Click the cell's top-left corner (the prompt gutter), never its middle: a
        # Markdown cell's middle may be a link (the notebooks' navigation line).
        self.page.locator(".jp-NotebookPanel .jp-Cell").first.click(position={"x": 4, "y": 4})
        self.page.keyboard.press("Escape")  # command mode

    def session(self) -> dict | None:
        for s in self.server.api("api/sessions"):
            if s.get("path") == self.nb and s.get("kernel"):
                return s
        return None

    def kernel_status(self) -> str:
        """Execution state of this notebook's kernel from the server's REST API."""
        s = self.session()
        return s["kernel"].get("execution_state", "") if s else ""

    def wait_kernel_idle(self, timeout: float = 60) -> None:
        t0 = time.monotonic()
        while self.kernel_status() != "idle":
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"kernel for {self.nb} not idle after {timeout}s: "
                                   f"{self.kernel_status()!r}")
            self.page.wait_for_timeout(200)

    def restart_and_run_all(self) -> None:
        """Kernel menu -> "Restart Kernel and Run All Cells…" -> accept the dialog."""
        t0 = self._run_t0 = time.monotonic()
        self.focus_notebook()
        # Committed notebooks already show [1]..[n]. Mark each prompt element once it has
        # shown "[*]" (run-all queues every cell as [*] at once); prompts() reports unmarked
        # ones as stale, so the saved numbers cannot pass for a finished run.
        self.page.evaluate("""() => {
          const prompts = () => document.querySelectorAll(
              '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt');
          for (const p of prompts()) p.__actvizSawStar = false;
          if (window.__actvizObserver) window.__actvizObserver.disconnect();
          window.__actvizObserver = new MutationObserver(() => {
            for (const p of prompts())
              if (p.textContent.includes('*')) p.__actvizSawStar = true; });
          window.__actvizObserver.observe(document.body,
            {subtree: true, childList: true, characterData: true});
        }""")
        self.page.get_by_role("menuitem", name="Kernel", exact=True).click()
        self.page.get_by_role("menuitem", name=re.compile(
            r"^Restart Kernel and Run All Cells")).click()
        self.page.locator(".jp-Dialog .jp-mod-accept").click()
        self.page.locator(".jp-Dialog").wait_for(state="detached")
        self.timings["restart_click"] = time.monotonic() - t0

    def prompts(self) -> list[str | None]:
        """Input prompt text per cell (None for non-code cells). After
        restart_and_run_all(), a prompt not yet seen as "[*]" is prefixed "stale"."""
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Cell'))
                 .map(c => { const p = c.querySelector('.jp-InputArea-prompt');
                             if (!c.classList.contains('jp-CodeCell') || !p) return null;
                             return (p.__actvizSawStar === false ? 'stale' : '')
                                    + p.innerText.trim(); })""")

    def wait_run_complete(self, cells: list[dict] | None = None, timeout: float = 180) -> None:
        """Until every non-empty code cell shows ``[k]:`` with k = 1..n in order (no
        ``[*]``, none stale: each must have shown ``[*]`` since the restart) and the kernel
        is idle. *cells* as from :func:`code_cells`."""
        if cells is None:
            cells = code_cells(self._nb_path())
        want = [str(k) for k in range(1, sum(c["type"] == "code" and not c["empty"]
                                             for c in cells) + 1)]
        t0 = time.monotonic()
        start = getattr(self, "_run_t0", t0)  # run_all timing starts at the menu click
        while True:
            prompts = self.prompts()
            got = [re.sub(r"[\[\]:\s]", "", p or "") for p, c in zip(prompts, cells)
                   if c["type"] == "code" and not c["empty"]]
            if len(prompts) == len(cells) and got == want and self.kernel_status() == "idle":
                break
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"run-all of {self.nb} incomplete after {timeout}s: "
                                   f"prompts {got} (want {want}), {len(prompts)} cells in "
                                   f"the page vs {len(cells)} in the file, "
                                   f"kernel {self.kernel_status()!r}")
            self.page.wait_for_timeout(200)
        self.timings["run_all"] = time.monotonic() - start

    def output_problems(self, cells: list[dict] | None = None) -> list[str]:
        """Error outputs / traceback-bearing stderr in cells not tagged ``raises-exception``
        (or ``# NBVAL_RAISES_EXCEPTION``), widget render errors, bare widget reprs.
        Warnings on stderr are *not* problems (see :meth:`stderr_outputs`)."""
        if cells is None:
            cells = code_cells(self._nb_path())
        problems = self.widget_problems()
        per_cell = self.page.evaluate(
            """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Cell'))
                 .map(c => Array.from(c.querySelectorAll('.jp-OutputArea-output'))
                   .map(o => ({mime: o.getAttribute('data-mime-type') || '',
                               text: o.innerText})))""")
        for i, (outs, c) in enumerate(zip(per_cell, cells)):
            if c["raises"]:
                continue
            for o in outs:
                if o["mime"] in ("application/vnd.jupyter.stderr",
                                 "application/vnd.jupyter.error") \
                        and FATAL_STDERR.search(o["text"]):
                    problems.append(f"cell {i}: error output: {o['text'][-800:]!r}")
        return problems

    def log_entries(self) -> list[str]:
        """Lab's log console for this notebook: where output of widget callbacks without
        an Output widget goes, e.g. the traceback of a callback that raised. Opens the
        log console panel only when the status bar says there are entries."""
        item = self.page.locator(".jp-LogConsoleStatusItem [title]")
        if not item.count():
            return []
        m = re.search(r"(\d+) log entr", item.first.get_attribute("title") or "")
        if not m or m.group(1) == "0":
            return []
        item.first.click()  # opens the log console
        sel = ".jp-LogConsolePanel .jp-OutputArea-child"
        self.page.wait_for_selector(sel, timeout=10_000)
        return self.page.locator(sel).all_inner_texts()

    def callback_errors(self) -> list[str]:
        return [e[-800:] for e in self.log_entries() if FATAL_STDERR.search(e)]

    def shutdown_kernel(self) -> None:
        """DELETE this notebook's session (kernel) on the server (call after closing)."""
        s = self.session()
        if s:
            self.server.api(f"api/sessions/{s['id']}", method="DELETE")


class Notebook7Page(LabNotebook):
    """A notebook opened in Jupyter Notebook 7 (``notebooks/<nb>``): the same notebook panel,
    menus and commands as JupyterLab, one document per page."""

    def open(self, timeout: float = 60, collapse_sidebar: bool = False,
             wait_kernel: bool = True) -> "Notebook7Page":
        t0 = time.monotonic()
        self.page.goto(self.server.url_for(f"notebooks/{self.nb}"), wait_until="domcontentloaded",
                       timeout=timeout * 1000)
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout * 1000)
        self.focus_notebook()
        if wait_kernel:
            self.wait_kernel_idle(timeout)
        self.timings["open"] = time.monotonic() - t0
        return self


class VoilaDashboard(NotebookPage):
    """A notebook rendered by Voilà (``voila/render/<nb>``, or ``url_path``: ``""`` for a
    server started on one notebook, such as ``start_classroom``)."""

    url_path: str | None = None

    def open(self, timeout: float = 60, retries: int = 1) -> "VoilaDashboard":
        """Load with a timeout; on a stall reload once (observed ~1 load in 12)."""
        t0 = time.monotonic()
        attempt = 0
        for attempt in range(retries + 1):
            try:
                if attempt == 0:
                    path = f"voila/render/{self.nb}" if self.url_path is None else self.url_path
                    self.page.goto(self.server.url_for(path),
                                   wait_until="domcontentloaded", timeout=timeout * 1000)
                else:
                    self.page.reload(wait_until="domcontentloaded", timeout=timeout * 1000)
                self.wait_widgets(timeout)
                break
            except Exception as e:  # playwright's TimeoutError and friends
                self.timings[f"stall_{attempt}"] = time.monotonic() - t0
                self.console_errors.append(f"load attempt {attempt} failed: {e!r}"[:500])
                if attempt == retries:
                    raise
        self.timings["open"] = time.monotonic() - t0
        self.timings["retries"] = attempt
        return self

    def output_problems(self) -> list[str]:
        """Voilà's execution-error banner, tracebacks, widget render errors, bare reprs.
        (The server runs with --show_tracebacks=True so errors are visible.)"""
        problems = self.widget_problems()
        text = self.page.evaluate("() => document.body.innerText")
        for needle in ("There was an error when executing cell", "Traceback (most recent",
                       "Voila Error", "Voilà Error"):
            if needle in text:
                i = text.index(needle)
                problems.append(f"page shows {text[i:i + 400]!r}")
        problems += [f"stderr: {t[-800:]!r}" for t in self.stderr_outputs()
                     if FATAL_STDERR.search(t)]
        return problems


# --------------------------------------------------------------------------------------
# The checks every notebook gets (plain asserts; used by the pytest suite)
# --------------------------------------------------------------------------------------


def _check_moves(moves: list[SliderMove], where: str) -> None:
    live = [m for m in moves if not m.skipped]
    assert live, f"{where}: no movable slider (all disabled or marked {NO_PLOT_CLASS})"
    stuck = [m.describe() for m in live if not m.value_changed]
    assert not stuck, f"{where}: arrow keys did not move:\n  " + "\n  ".join(stuck)
    same = [m.describe() for m in live if not m.image_changed]
    assert not same, f"{where}: plot did not change after moving:\n  " + "\n  ".join(same)


def has_widgets(path: Path) -> bool:
    """Whether the committed (executed) notebook displays any widget."""
    nb = json.loads(path.read_text())
    return any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


def _wait_widgets(p: NotebookPage, timeout: float = 30) -> None:
    try:
        p.wait_widgets(timeout)
    except Exception:
        raise AssertionError(
            f"{p.nb}: within {timeout}s expected >=1 slider ({SLIDER_HANDLE}) and >=1 "
            f"loaded plot ({PLOT_IMG}); found {p.handles().count()} slider handles, "
            f"{p.loaded_plot_count()} loaded plots") from None


def _still_loading(p: NotebookPage) -> list[str]:
    n = p.page.evaluate("() => document.body.innerText.split('Loading widget').length - 1")
    return [f"{n} widget(s) still show 'Loading widget...'"] if n else []


def check_lab_notebook(nb: LabNotebook, presses: int = 3, widgets: bool = True) -> list[SliderMove]:
    """Restart & run all; prompts [1]..[n]; no errors; >=1 slider and plot; every slider
    handle changes its plot; no tracebacks in the log console. Returns the moves."""
    cells = code_cells(nb._nb_path())
    nb.restart_and_run_all()
    nb.wait_run_complete(cells)
    problems = nb.output_problems(cells)
    assert not problems, f"{nb.nb} in Lab:\n  " + "\n  ".join(problems)
    if not widgets:  # e.g. the quiz: answers are typed into code cells
        return []
    _wait_widgets(nb)
    moves = nb.move_all_sliders(presses)
    errors = nb.callback_errors()
    assert not errors, f"{nb.nb}: widget callbacks raised (Lab log console):\n" + \
        "\n".join(errors)
    _check_moves(moves, f"{nb.nb} in Lab")
    problems = nb.output_problems(cells) + _still_loading(nb)  # callbacks can print too
    assert not problems, f"{nb.nb} in Lab after moving sliders:\n  " + "\n  ".join(problems)
    return moves


def check_voila_dashboard(d: VoilaDashboard, presses: int = 3) -> list[SliderMove]:
    """Page loaded (done by open()); no errors; every slider handle changes its plot."""
    _wait_widgets(d)
    problems = d.output_problems()
    assert not problems, f"{d.nb} in Voilà:\n  " + "\n  ".join(problems)
    moves = d.move_all_sliders(presses)
    _check_moves(moves, f"{d.nb} in Voilà")
    problems = d.output_problems() + _still_loading(d)
    assert not problems, f"{d.nb} in Voilà after moving sliders:\n  " + "\n  ".join(problems)
    return moves
