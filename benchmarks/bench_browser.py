"""End to end in a real browser: key press on a slider -> new plot pixels in the page.

A generated notebook (temp folder) holds the explorer and the naive ``interact`` baseline
for leaky_relu. JupyterLab (127.0.0.1, random token) serves it; headless Chromium (Playwright,
/usr/bin/chromium) opens it and runs all cells, once directly (loopback) and once through a
TCP proxy that delays every chunk by DELAY_MS each way (a far kernel: Binder, a hub). For
each design and slider (z0, the z range, alpha) the handle is focused and ArrowRight
pressed repeatedly; the page itself timestamps the ``keydown`` (capture phase) and the moment
the new pixels are there: for the explorer's canvas, its draw (a ``data-draws`` attribute
the JS bumps after drawing); for an image, when the new ``src`` is decoded. One press at a
time: the next waits for the pixels and a pause. Warm-up presses excluded. Servers, proxy
and browser are always stopped (also on errors, time-outs and SIGTERM).
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
    'ex = actviz.explore("leaky_relu")\nex',
    'nv = naive.naive_interact("leaky_relu")',
]
DELAY_MS = 75.0  # each way: a 150 ms round trip
DESIGN_CELL = {"explorer": 1, "naive": 2}

# Installed once after the run: per design, records {mutation, decoded} per new picture.
JS_INSTALL = """
(cells) => {
  const L = (window.__lat = {key: [], rec: {}});
  document.addEventListener('keydown', (e) => { L.key.push(performance.now()); }, true);
  const all = document.querySelectorAll('.jp-NotebookPanel .jp-Cell');
  for (const [name, idx] of Object.entries(cells)) {
    const box = all[idx].querySelector('.jp-OutputArea');
    const rec = (L.rec[name] = []);
    const canvas = box.querySelector('.actviz-tangent-canvas');
    if (canvas) {  // drawn synchronously by the widget's JS: the pixels are there when data-draws changes
      new MutationObserver(() => { const t = performance.now(); rec.push({mutation: t, decoded: t}); })
        .observe(canvas, {attributes: true, attributeFilter: ['data-draws']});
      continue;
    }
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


class DelayProxy:
    """A TCP proxy on 127.0.0.1 that delivers every chunk ``delay_ms`` after it arrived, each
    way (latency without a bandwidth limit), in a thread of its own."""

    def __init__(self, target_port: int, delay_ms: float):
        import asyncio
        import threading

        self.delay = delay_ms / 1000.0
        self.target_port = target_port
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self):
        import asyncio

        asyncio.set_event_loop(self.loop)

        async def pump(reader, writer):
            queue = asyncio.Queue()

            async def deliver():
                while True:
                    due, data = await queue.get()
                    if data is None:
                        break
                    await asyncio.sleep(max(0.0, due - self.loop.time()))
                    writer.write(data)
                    await writer.drain()
                writer.close()

            task = asyncio.ensure_future(deliver())
            try:
                while data := await reader.read(65536):
                    queue.put_nowait((self.loop.time() + self.delay, data))
            except (ConnectionError, OSError):
                pass
            queue.put_nowait((0.0, None))
            await task

        async def handle(client_r, client_w):
            try:
                server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
            except OSError:
                client_w.close()
                return
            await asyncio.gather(pump(client_r, server_w), pump(server_r, client_w), return_exceptions=True)

        async def start():
            self.server = await asyncio.start_server(handle, "127.0.0.1", 0)
            self.port = self.server.sockets[0].getsockname()[1]
            self.ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def url(self, url: str) -> str:
        return re.sub(r"^http://127\.0\.0\.1:\d+/", f"http://127.0.0.1:{self.port}/", url)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


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

SLIDERS = {"z0": r"^\s*z(0|\u2080)", "z range": r"^\s*z range", "alpha": r"^\s*alpha"}


def measure(page, design: str, slider_name: str, presses: int, warm: int, pause: float) -> dict:
    cell = page.locator(".jp-NotebookPanel .jp-Cell").nth(DESIGN_CELL[design])
    slider = cell.locator(".widget-slider").filter(has_text=re.compile(SLIDERS[slider_name]))
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
        values.append(handle.get_attribute("aria-valuetext") or handle.get_attribute("aria-valuenow"))
        if i >= warm:
            lat.append(r["rec"]["decoded"] - r["key"])
            lat_src.append(r["rec"]["mutation"] - r["key"])
        time.sleep(pause)
    time.sleep(0.5)
    extra = page.evaluate(f"() => window.__lat.rec[{design!r}].length") - (warm + presses)
    return {"decoded_ms": lat, "src_ms": lat_src, "values": values, "extra_images": extra}


def run_page(ctx, url: str, server, presses: int, warm: int, label: str, notes: list) -> dict:
    """Open the notebook at ``url``, run all, measure every design and slider."""
    raw = {}
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
        wait_kernel_idle(server, 60)
        t1 = time.monotonic()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        page.wait_for_function(
            """() => document.querySelector('.actviz-tangent-canvas[data-draws]') &&
                     Array.from(document.querySelectorAll('.widget-output img')).some(i => i.complete && i.naturalWidth > 0)""",
            timeout=120_000, polling=200)
        wait_kernel_idle(server, 60)
        raw["run_all_s"] = time.monotonic() - t1
        page.evaluate(JS_INSTALL, DESIGN_CELL)
        for design, slider in (("explorer", "z0"), ("naive", "z0"), ("explorer", "z range"), ("explorer", "alpha"),
                               ("naive", "alpha")):
            key = f"{design} {slider}"
            raw[key] = measure(page, design, slider, presses, warm, pause=0.3 + 2 * DELAY_MS / 1000)
            log(f"browser {label} {key}: median {median(raw[key]['decoded_ms']):.0f} ms, values {raw[key]['values'][:3]}...")
            if raw[key]["extra_images"]:
                notes.append(f"browser {label} {key}: {raw[key]['extra_images']} more picture updates than presses")
        shot = REPO / "test-artifacts" / f"bench_browser_{label}.png"  # gitignored
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot), full_page=False)
    finally:
        page.close()
    # free the kernel for the next page
    for sess in sessions(server):
        if sess.get("path", "").endswith(NOTEBOOK):
            req = urllib.request.Request(server.url_for(f"api/sessions/{sess['id']}"), method="DELETE")
            urllib.request.urlopen(req, timeout=10).close()
    return raw


def main() -> None:
    args = worker_args(__doc__)
    presses, warm = (6, 2) if args.quick else (15, 3)
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
        server = proxy = None
        try:
            t0 = time.monotonic()
            server, raw["lab_starter"] = start_lab(root, tmp)
            raw["lab_start_s"] = time.monotonic() - t0
            port = int(re.search(r":(\d+)/", server.url_for("")).group(1))
            proxy = DelayProxy(port, DELAY_MS)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
                try:
                    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
                    ctx.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*"),
                              lambda r: r.abort() if r.request.url.startswith(("http", "ws")) else r.continue_())
                    url = server.url_for(f"lab/tree/{NOTEBOOK}")
                    raw["loopback"] = run_page(ctx, url, server, presses, warm, "loopback", notes)
                    raw["far"] = run_page(ctx, proxy.url(url), server, presses, warm, "far", notes)
                finally:
                    browser.close()
        finally:
            if proxy is not None:
                proxy.stop()
            if server is not None:
                server.stop()
    g = "browser"
    rtt = 2 * DELAY_MS
    rows = []
    for net, title, extra in (("loopback", "loopback", 0.0), ("far", f"{rtt:.0f} ms round trip", rtt)):
        r = raw[net]
        ms = lambda k: r[k]["decoded_ms"]  # noqa: E731
        rows += [
            row(g, f"{title}: explorer z0, key press -> canvas drawn", ms("explorer z0"), target=("<=", 33.4), frame=True,
                note="drawn in the browser"),
            row(g, f"{title}: naive interact z0, key press -> new image decoded", ms("naive z0"), frame=True),
            row(g, f"{title}: speed-up naive/explorer for z0", value=median(ms("naive z0")) / median(ms("explorer z0")),
                unit="x", target=(">=", 10.0)),
            row(g, f"{title}: explorer z range, key press -> new background drawn", ms("explorer z range"),
                target=("<=", 100.0 + extra), frame=True, note="rendered in the kernel"),
            row(g, f"{title}: explorer alpha, key press -> new background drawn", ms("explorer alpha"),
                target=("<=", 100.0 + extra), frame=True, note="rendered in the kernel"),
            row(g, f"{title}: naive interact alpha, key press -> new image decoded", ms("naive alpha"), frame=True),
        ]
    write_result(args.out, rows, raw, notes)


if __name__ == "__main__":
    main()
