"""End to end in a real browser: key press on a slider -> new plot pixels in the page.

A generated notebook (temp folder) holds the explorer and the naive ``interact`` baseline
for sigmoid. JupyterLab (127.0.0.1, random token) serves it; headless Chromium (Playwright,
/usr/bin/chromium) opens it and runs all cells. For each design the z0 slider handle is
focused and ArrowRight pressed repeatedly; the page itself timestamps the ``keydown``
(capture phase) and, with a MutationObserver on the design's output area, the moment the
plot image gets a new ``src`` and the moment that image is decoded (pixels ready). One
press at a time: the next press waits for the image and a pause. Warm-up presses excluded.
Servers and the browser are always stopped (also on errors, time-outs and SIGTERM).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


from benchmarks._common import REPO, log, median, row, worker_args, write_result  # noqa: E402

CHROMIUM = os.environ.get("ACTVIZ_CHROMIUM", "/usr/bin/chromium")
NOTEBOOK = "latency.ipynb"
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO)!r})  # the kernel runs in a temp folder\nimport actviz\nfrom benchmarks import naive",
    'ex = actviz.explore("sigmoid")\nex',
    'nv = naive.naive_interact("sigmoid")',
]
DESIGN_CELL = {"explorer": 1, "naive": 2}

# Installed once after the run: per design, records {src, mutation, decoded} per new image.
JS_INSTALL = """
(cells) => {
  const L = (window.__lat = {key: [], rec: {}});
  document.addEventListener('keydown', (e) => { L.key.push(performance.now()); }, true);
  const all = document.querySelectorAll('.jp-NotebookPanel .jp-Cell');
  for (const [name, idx] of Object.entries(cells)) {
    const box = all[idx].querySelector('.jp-OutputArea');
    const rec = (L.rec[name] = []);
    let last = (box.querySelector('img') || {}).src || '';
    new MutationObserver(() => {
      const img = box.querySelector('img');
      if (!img || !img.src || img.src === last) return;
      last = img.src;
      const r = {mutation: performance.now(), decoded: null};
      rec.push(r);
      img.decode().then(() => { r.decoded = performance.now(); }, () => { r.decoded = -1; });
    }).observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  }
}
"""


def write_notebook(path: Path) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": src} for i, src in enumerate(CELLS)]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                       "language_info": {"name": "python"}}}
    path.write_text(json.dumps(nb, indent=1))


# ---------------------------------------------------------------- server and browser

class _MiniLab:
    """Fallback when tests/browser/driver.py is not importable: JupyterLab, own session."""

    def __init__(self, root: Path, work: Path, timeout: float = 90):
        settings = work / "app-settings"
        settings.mkdir(parents=True)
        (settings / "overrides.json").write_text(json.dumps({
            "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
            "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(work / "config"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
               "IPYTHONDIR": str(work / "ipython"), "JUPYTER_PLATFORM_DIRS": "1"}
        env.pop("JUPYTER_TOKEN", None)
        self.log_path = work / "lab.log"
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                 "--port-retries=0", f"--IdentityProvider.token={self.token}", "--allow-root",
                 f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={settings}",
                 f"--LabApp.user_settings_dir={work / 'user-settings'}", f"--LabApp.workspaces_dir={work / 'ws'}",
                 "--ServerApp.terminals_enabled=False"],
                cwd=root, env=env, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url_for("api/status"), timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError("JupyterLab did not answer") from None
                time.sleep(0.2)

    def url_for(self, path: str) -> str:
        return f"{self.url}{path.lstrip('/')}{'&' if '?' in path else '?'}token={self.token}"

    def stop(self) -> None:
        if self.proc.poll() is None:  # SIGTERM lets the server shut its kernels down
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def start_lab(root: Path, work: Path):
    """tests/browser/driver.py's start_lab when usable (it also cleans up kernels), else ours."""
    try:
        from tests.browser import driver

        return driver.start_lab(root, work / "lab"), "tests/browser/driver.py"
    except Exception as e:  # missing, mid-edit, or a changed API
        log(f"browser: driver.start_lab unusable ({type(e).__name__}: {e}); using the built-in starter")
        return _MiniLab(root, work / "lab"), "benchmarks/bench_browser.py"


def sessions(server) -> list:
    with urllib.request.urlopen(server.url_for("api/sessions"), timeout=10) as r:
        return json.load(r)


def wait_kernel_idle(server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        states = [s["kernel"]["execution_state"] for s in sessions(server) if s.get("path", "").endswith(NOTEBOOK)]
        if states and states[0] == "idle":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"kernel not idle: {states}")
        time.sleep(0.25)


# ---------------------------------------------------------------- measurement

def measure(page, design: str, presses: int, warm: int, pause: float) -> dict:
    cell = page.locator(".jp-NotebookPanel .jp-Cell").nth(DESIGN_CELL[design])
    slider = cell.locator(".widget-slider").filter(has_text=re.compile(r"^\s*z(0|\u2080)"))
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    time.sleep(0.3)
    handle.focus()
    lat, lat_src, values = [], [], []
    for i in range(warm + presses):
        n_before = page.evaluate(f"() => window.__lat.rec[{design!r}].length")
        k_before = page.evaluate("() => window.__lat.key.length")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"""() => window.__lat.key.length > {k_before} && window.__lat.rec[{design!r}].length > {n_before}
                  && window.__lat.rec[{design!r}][{n_before}].decoded !== null""", timeout=15_000, polling="raf")
        r = page.evaluate(f"""() => ({{key: window.__lat.key[{k_before}],
                                       rec: window.__lat.rec[{design!r}][{n_before}]}})""")
        values.append(handle.get_attribute("aria-valuenow"))
        if i >= warm:
            lat.append(r["rec"]["decoded"] - r["key"])
            lat_src.append(r["rec"]["mutation"] - r["key"])
        time.sleep(pause)
    extra = page.evaluate(f"() => window.__lat.rec[{design!r}].length") - (warm + presses)
    return {"decoded_ms": lat, "src_ms": lat_src, "values": values, "extra_images": extra}


def main() -> None:
    args = worker_args(__doc__)
    presses, warm = (8, 2) if args.quick else (20, 3)
    if not Path(CHROMIUM).exists():
        write_result(args.out, [], {}, [f"browser: {CHROMIUM} missing (apt-get install chromium)"])
        return
    from playwright.sync_api import sync_playwright

    raw, notes = {}, []
    with tempfile.TemporaryDirectory(prefix="actviz-bench-") as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        root.mkdir()
        write_notebook(root / NOTEBOOK)
        server = None
        try:
            t0 = time.monotonic()
            server, raw["lab_starter"] = start_lab(root, tmp)
            raw["lab_start_s"] = time.monotonic() - t0
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
                try:
                    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
                    ctx.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"),
                              lambda r: r.abort() if r.request.url.startswith(("http", "ws")) else r.continue_())
                    page = ctx.new_page()
                    page.set_default_timeout(60_000)
                    page.goto(server.url_for(f"lab/tree/{NOTEBOOK}"), wait_until="domcontentloaded")
                    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
                    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
                    wait_kernel_idle(server, 60)
                    t1 = time.monotonic()
                    page.get_by_role("menuitem", name="Run", exact=True).click()
                    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
                    page.wait_for_function(
                        """() => ['img.widget-image', '.widget-output img'].every(s =>
                               Array.from(document.querySelectorAll(s)).some(i => i.complete && i.naturalWidth > 0))""",
                        timeout=120_000, polling=200)
                    wait_kernel_idle(server, 60)
                    raw["run_all_s"] = time.monotonic() - t1
                    page.evaluate(JS_INSTALL, DESIGN_CELL)
                    for design, pause in (("explorer", 0.3), ("naive", 0.3)):
                        raw[design] = measure(page, design, presses, warm, pause)
                        log(f"browser {design}: median {median(raw[design]['decoded_ms']):.0f} ms "
                            f"(src {median(raw[design]['src_ms']):.0f} ms), values {raw[design]['values'][:3]}...")
                        if raw[design]["extra_images"]:
                            notes.append(f"browser {design}: {raw[design]['extra_images']} more image updates than presses")
                    shot = REPO / "test-artifacts" / "bench_browser_last.png"  # gitignored
                    shot.parent.mkdir(exist_ok=True)
                    page.screenshot(path=str(shot), full_page=False)
                finally:
                    browser.close()
        finally:
            if server is not None:
                server.stop()
    g = "browser"
    ex, nv = raw["explorer"]["decoded_ms"], raw["naive"]["decoded_ms"]
    rows = [
        row(g, "explorer: key press -> new image decoded", ex, target=("<=", 60.0), frame=True,
            note=f"src set after {median(raw['explorer']['src_ms']):.0f} ms"),
        row(g, "naive interact: key press -> new image decoded", nv, frame=True,
            note=f"src set after {median(raw['naive']['src_ms']):.0f} ms"),
        row(g, "speed-up naive/explorer in the browser", value=median(nv) / median(ex), unit="x", target=(">=", 3.0)),
    ]
    write_result(args.out, rows, raw, notes)


if __name__ == "__main__":
    main()
