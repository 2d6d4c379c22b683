"""A class on one Voilà server: N students open notebooks/dashboard.ipynb and drag sliders.

    .venv/bin/python -m benchmarks.bench_class --students 1 5 10 30 --seconds 20
    .venv/bin/python -m benchmarks.bench_class --students 5 --config deploy/voila_class.py \\
        --voila-arg=--MappingKernelManager.cull_idle_timeout=60
    .venv/bin/python -m benchmarks.run --only class       # small run (1 and 2 students) in run.py's table

On demand only (never in CI, not in run.py's default set). For each N, a fresh Voilà
(``python -m voila notebooks/dashboard.ipynb --no-browser --port=<free> --Voila.ip=127.0.0.1``
plus ``--voila-arg`` items; ``--config FILE`` is loaded through ``--Voila.config_file_paths``
because Voilà 0.5.13 ignores a ``--config=`` option: "Unrecognized alias: 'config', it will have
no effect"). N protocol-level clients in one asyncio loop then do what the ipywidgets front end
in the Voilà page does:

1. GET the page (time to first byte, to the whole HTML); read ``kernelId`` from the page config
   and the model ids of the widget views;
2. open ``/api/kernels/<id>/channels?session_id=...`` offering ``v1.kernel.websocket.jupyter.org``
   (as the browser does; the legacy JSON/binary framing is used if the server picks no
   subprotocol), send ``kernel_info_request``, open a ``jupyter.widget.control`` comm and send
   ``request_states``; *page usable* = page fetch started -> the ``update_states`` reply (every
   model's state, binary buffers included) has arrived and holds every model of the page;
3. pick ``--activation`` (default leaky_relu, which has an alpha slider) in the activation
   dropdown ({index}) -> the explorer's new canvas background and its title naming the pick (the
   kernel switches the explorer in place; its new parameter sliders come with the title);
4. for ``--seconds``: z0 moves at ``--z0-rate`` per second (an ``update`` {value} to the z0
   slider and, as the browser's jsdlink does, {z0} to the canvas); heavy moves at
   ``--heavy-rate`` per second, alternating z range (low handle) and alpha; like the ipywidgets
   front end, each model has at most one update in flight (later values are merged and sent
   when the kernel reports idle for the previous one);
5. close the websockets; poll ``/api/kernels/<id>`` every 5 s for up to ``--leave-wait`` s and
   count the kernels left; then POST ``/voila/api/shutdown/<id>`` (the page's close handler),
   with ``_xsrf`` from the ``_xsrf`` cookie if the page set one, and report the HTTP status.

z0 is drawn in the browser (jsdlink slider -> canvas), so its row is the kernel's cost (send ->
the kernel's idle status for the update), not pixels. z range and alpha: send -> the canvas
model's ``background`` update (the kernel's new picture) arrives.

Peak memory = RSS of the Voilà server + all its kernel processes (psutil, sampled every 0.5 s);
CPU seconds of the server and of the kernels (last sample per process). ``--validate`` (default
on when N <= 5) opens the same dashboard once in headless Chromium (tests/browser/driver.py)
and compares its page-usable time (``performance.now()`` when a slider is visible and the canvas
has drawn) with a protocol client's on the same, idle, server, and the widget types the
browser rendered with the models the client found.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

from benchmarks._common import REPO, median, p95
from tests.browser.driver import Server, free_port

NOTEBOOK = Path("notebooks") / "dashboard.ipynb"  # relative to the repo root (the server's cwd)
V1 = "v1.kernel.websocket.jupyter.org"
GROUP = "class"


def log(msg: str) -> None:
    print(f"    {msg}", file=sys.stderr, flush=True)


def now() -> float:
    return time.perf_counter()


def stats(xs) -> dict:
    xs = [float(x) for x in xs if x is not None]
    return {"n": len(xs), "p50": median(xs), "p95": p95(xs), "max": max(xs) if xs else None}


# ============================================================================ the server

class ServerFailed(RuntimeError):
    pass


class VoilaServer:
    """``python -m voila notebooks/dashboard.ipynb`` in its own session, Jupyter dirs in ``work``."""

    def __init__(self, work: Path, voila_args: list[str], config: Path | None, timeout: float,
                 classroom: bool = False):
        from jupyter_core.paths import jupyter_config_path

        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ)
        for var, sub in (("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_DATA_DIR", "data"), ("IPYTHONDIR", "ipython"),
                         ("JUPYTER_CONFIG_DIR", "config")):
            (work / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(work / sub)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("JUPYTER_TOKEN", None)
        extra = []
        if config is not None:
            # Voilà reads voila.py / voila.json from Voila.config_file_paths (first = strongest);
            # keep its defaults (cwd, the Jupyter config path) after the given file.
            cdir = work / "voila-config"
            cdir.mkdir()
            shutil.copy(config, cdir / ("voila.json" if config.suffix == ".json" else "voila.py"))
            old = os.environ.get("JUPYTER_CONFIG_DIR")
            os.environ["JUPYTER_CONFIG_DIR"] = env["JUPYTER_CONFIG_DIR"]
            try:
                paths = [str(cdir), str(REPO), *jupyter_config_path()]
            finally:
                if old is None:
                    os.environ.pop("JUPYTER_CONFIG_DIR", None)
                else:
                    os.environ["JUPYTER_CONFIG_DIR"] = old
            extra = [f"--Voila.config_file_paths={p}" for p in paths]
        # --classroom: what `python3 dev.py voila` runs (deploy/voila/classroom.py + its voila.py)
        launcher = [str(REPO / "deploy" / "voila" / "classroom.py")] if classroom else ["-m", "voila"]
        self.cmd = [sys.executable, *launcher, str(NOTEBOOK), "--no-browser", f"--port={self.port}",
                    "--Voila.ip=127.0.0.1", *extra, *voila_args]
        self.log_path = work / "voila.log"
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(self.cmd, cwd=REPO, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.seen_pids: set[int] = {self.proc.pid}
        self._server = Server("voila", self.proc, self.url, self.log_path, work)  # its stop() and log_tail()
        t0 = now()
        while True:
            if self.proc.poll() is not None:
                raise ServerFailed(f"Voilà exited with code {self.proc.returncode} before listening.\n"
                                   f"command: {' '.join(self.cmd)}\nlog:\n{self.log_tail()}")
            try:  # a page GET would start a kernel: probe a kernel that does not exist
                import urllib.request
                urllib.request.urlopen(self.url + "api/kernels/00000000-0000-0000-0000-000000000000", timeout=3)
                break
            except urllib.error.HTTPError:
                break  # it answers (404)
            except OSError:
                pass
            if now() - t0 > timeout:
                self.stop()
                raise ServerFailed(f"Voilà did not answer on {self.url} within {timeout:.0f} s.\n"
                                   f"command: {' '.join(self.cmd)}\nlog:\n{self.log_tail()}")
            time.sleep(0.2)
        self.start_seconds = now() - t0
        self.pool_seconds = None
        if classroom:  # the teacher starts the server before the class: wait for its preheated pool
            while "Kernel pool of" not in self.log_tail(400):
                if self.proc.poll() is not None or now() - t0 > 10 * timeout:
                    self.stop()
                    raise ServerFailed(f"the classroom Voilà did not fill its pool.\nlog:\n{self.log_tail()}")
                time.sleep(0.5)
            # "filled" means started; wait until the preheated kernels have run the dashboard too
            # (the server and its kernels use < 5 % of a CPU over 2 s), as before a real class
            import psutil

            def cpu() -> float:
                total = 0.0
                try:
                    procs = [psutil.Process(self.proc.pid)]
                    procs += procs[0].children(recursive=True)
                except psutil.Error:
                    return 0.0
                for p in procs:
                    try:
                        t = p.cpu_times()
                        total += t.user + t.system
                    except psutil.Error:
                        pass
                return total

            before = cpu()
            while now() - t0 < 10 * timeout:
                time.sleep(2.0)
                after = cpu()
                if after - before < 0.1:
                    break
                before = after
            self.pool_seconds = now() - t0
        self.warnings = [line for line in self.log_tail(200).splitlines()
                         if ("WARNING" in line or "Unrecognized" in line) and "00000000-0000" not in line]

    def log_tail(self, n: int = 40) -> str:
        return self._server.log_tail(n)

    def stop(self) -> list[int]:
        """SIGTERM the server (it shuts its kernels down), then SIGKILL whatever of it is left
        (the browser tests' Server.stop), and any kernel of it still running: Voilà's kernels run
        in sessions of their own and name no folder of ours. Returns the pids that had to be killed."""
        import psutil

        killed = self._server.stop(20)
        for pid in self.seen_pids - {self.proc.pid}:
            try:
                p = psutil.Process(pid)
                if "ipykernel" in " ".join(p.cmdline()):
                    p.kill()
                    killed.append(pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return killed


class Sampler(threading.Thread):
    """RSS and CPU of the server and every descendant (its kernels), every ``interval`` s."""

    def __init__(self, server: VoilaServer, interval: float = 0.5):
        super().__init__(daemon=True)
        import psutil

        self.psutil = psutil
        self.server = server
        self.interval = interval
        self.stop_event = threading.Event()
        self.peak_rss = 0
        self.peak_kernels = 0
        self.cpu: dict[int, float] = {}  # pid -> user+system seconds at its last sample
        self.kinds: dict[int, str] = {}
        self.series: list = []  # (t, rss_mb, kernels)

    def sample(self) -> None:
        ps = self.psutil
        try:
            root = ps.Process(self.server.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except ps.NoSuchProcess:
            return
        rss, kernels = 0, 0
        for p in procs:
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    t = p.cpu_times()
                    self.cpu[p.pid] = t.user + t.system
                    if p.pid not in self.kinds:
                        self.kinds[p.pid] = "server" if p.pid == root.pid else (
                            "kernel" if "ipykernel" in " ".join(p.cmdline()) else "other")
            except (ps.NoSuchProcess, ps.AccessDenied):
                continue
            self.server.seen_pids.add(p.pid)
            kernels += self.kinds.get(p.pid) == "kernel"
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_kernels = max(self.peak_kernels, kernels)
        self.series.append((round(time.monotonic(), 2), round(rss / 2**20, 1), kernels))

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def cpu_seconds(self, kind: str) -> float:
        return sum(v for pid, v in self.cpu.items() if self.kinds.get(pid) == kind)

    def live_kernels(self) -> int:
        ps = self.psutil
        n = 0
        for pid, kind in self.kinds.items():
            if kind == "kernel":
                try:
                    n += ps.Process(pid).status() != ps.STATUS_ZOMBIE
                except ps.NoSuchProcess:
                    pass
        return n

    def stop(self) -> None:
        self.stop_event.set()
        self.join(5)


# ============================================================================ the wire

def _iso_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def encode_v1(channel: str, parts: list[bytes]) -> bytes:
    """jupyter_server's serialize_msg_to_ws_v1: offsets (uint64 LE), channel, message parts."""
    ch = channel.encode()
    offsets = [8 * (1 + 1 + len(parts) + 1)]
    offsets.append(offsets[-1] + len(ch))
    for p in parts:
        offsets.append(offsets[-1] + len(p))
    return b"".join([len(offsets).to_bytes(8, "little"), *(o.to_bytes(8, "little") for o in offsets), ch, *parts])


def decode_v1(data: bytes):
    n = int.from_bytes(data[:8], "little")
    offs = [int.from_bytes(data[8 * (i + 1):8 * (i + 2)], "little") for i in range(n)]
    channel = data[offs[0]:offs[1]].decode()
    return channel, [data[offs[i]:offs[i + 1]] for i in range(1, n - 1)]


def decode_legacy_binary(data: bytes) -> dict:
    """jupyter_server's deserialize_binary_message."""
    nbufs = struct.unpack("!i", data[:4])[0]
    offsets = list(struct.unpack("!" + "I" * nbufs, data[4:4 * (nbufs + 1)])) + [None]
    bufs = [data[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    msg = json.loads(bufs[0])
    msg["buffers"] = bufs[1:]
    return msg


def encode_legacy_binary(msg: dict, buffers: list[bytes]) -> bytes:
    parts = [json.dumps(msg).encode(), *buffers]
    offsets = [4 * (len(parts) + 1)]
    for p in parts[:-1]:
        offsets.append(offsets[-1] + len(p))
    return struct.pack("!" + "I" * (len(parts) + 1), len(parts), *offsets) + b"".join(parts)


# ============================================================================ one student

def walk_forever(start: float, step: float, lo: float, hi: float):
    """_common.walk as a generator: one step at a time, bouncing in [lo, hi], never repeating
    the previous value (a person dragging a slider back and forth)."""
    v, d = start, 1
    while True:
        if not lo <= v + d * step <= hi:
            d = -d
        v = round(v + d * step, 10)
        yield v


CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">\s*(\{.*?\})\s*</script>', re.S)
VIEW_RE = re.compile(r'application/vnd\.jupyter\.widget-view\+json["\']?\s*:\s*\{[^}]*"model_id"\s*:\s*"([0-9a-f]+)"')
MODEL_REF = "IPY_MODEL_"


class Student:
    """One browser tab's worth of protocol: page, kernel websocket, widget models, slider moves."""

    def __init__(self, idx: int, base: str, opts, t_origin: float):
        self.idx = idx
        self.base = base
        self.opts = opts
        self.t_origin = t_origin
        self.session_id = uuid.uuid4().hex
        self.r: dict = {"student": idx, "errors": [], "z0_ack_ms": [], "z_range_ms": [], "alpha_ms": [],
                        "z0_events": 0, "z0_coalesced": 0, "heavy_timeouts": 0}
        self.cookies: dict[str, str] = {}
        self.models: dict[str, dict] = {}  # comm_id -> {"name": _model_name, "state": {...}, "t": arrival}
        self.closed_models: set[str] = set()
        self.ws = None
        self.protocol = None
        self.reader = None
        self.idle_waiters: dict[str, asyncio.Future] = {}
        self.reply_waiters: dict[str, asyncio.Future] = {}
        self.bg_waiters: list = []  # (comm_id, after_t, future)
        self.control_id = None
        self.states_future = None
        self.throttle: dict[str, dict] = {}
        self.msg_model: dict[str, str] = {}
        self.bytes_in = 0
        self.leaving = False

    # ------------------------------------------------------------------ HTTP

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _take_cookies(self, headers) -> None:
        for raw in headers.get_list("Set-Cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def get_page(self, http) -> str | None:
        from tornado.httpclient import HTTPRequest, HTTPClientError
        from tornado.httputil import HTTPHeaders

        chunks = []
        first = []
        headers = HTTPHeaders()

        def on_header(line):
            if not first:
                first.append(("header", now()))
            if ":" in line:
                headers.parse_line(line)

        def on_chunk(data):
            if len(first) < 2:
                first.append(("body", now()))
            chunks.append(data)

        t0 = self.r["t_page_start"] = now()
        try:
            resp = await http.fetch(HTTPRequest(self.base, request_timeout=self.opts.page_timeout,
                                                connect_timeout=self.opts.page_timeout,
                                                header_callback=on_header, streaming_callback=on_chunk))
        except HTTPClientError as e:
            self.r["errors"].append(f"http: GET page -> {e.code} {e}")
            return None
        except Exception as e:  # noqa: BLE001 - connection refused, timeouts
            self.r["errors"].append(f"http: GET page -> {type(e).__name__}: {e}")
            return None
        t_end = now()
        self._take_cookies(headers)
        self.r["ttfb_ms"] = 1000 * (dict(first).get("body", t_end) - t0)
        self.r["html_ms"] = 1000 * (t_end - t0)
        self.r["http_status"] = resp.code
        self.r["cookies_set"] = sorted(self.cookies)
        return b"".join(chunks).decode("utf-8", errors="replace")

    # ------------------------------------------------------------------ websocket I/O

    def _msg(self, msg_type: str, content: dict):
        return {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "student", "session": self.session_id,
                "date": _iso_now(), "version": "5.3"}, content

    async def send(self, channel: str, msg_type: str, content: dict, buffers=(), metadata=None) -> str:
        header, content = self._msg(msg_type, content)
        metadata = metadata or {}
        if self.protocol == V1:
            parts = [json.dumps(header).encode(), b"{}", json.dumps(metadata).encode(), json.dumps(content).encode(),
                     *buffers]
            await self.ws.write_message(encode_v1(channel, parts), binary=True)
        else:
            msg = {"header": header, "parent_header": {}, "metadata": metadata, "content": content, "channel": channel}
            if buffers:
                await self.ws.write_message(encode_legacy_binary(msg, list(buffers)), binary=True)
            else:
                await self.ws.write_message(json.dumps(msg))
        return header["msg_id"]

    def _decode(self, data):
        if self.protocol == V1:
            channel, parts = decode_v1(data)
            return {"channel": channel, "header": json.loads(parts[0]), "parent_header": json.loads(parts[1]),
                    "content": json.loads(parts[3]), "buffers": parts[4:]}
        if isinstance(data, bytes):
            return decode_legacy_binary(data)
        msg = json.loads(data)
        msg.setdefault("buffers", [])
        return msg

    async def _read_loop(self) -> None:
        while True:
            data = await self.ws.read_message()
            t = now()
            if data is None:
                if not self.leaving:
                    self.r["errors"].append(f"websocket: closed by the server ({self.ws.close_code} {self.ws.close_reason})")
                for f in [*self.idle_waiters.values(), *self.reply_waiters.values(), *(w[2] for w in self.bg_waiters)]:
                    if not f.done():
                        f.set_exception(ConnectionError("websocket closed"))
                return
            self.bytes_in += len(data)
            try:
                msg = self._decode(data)
                self._dispatch(msg, t)
            except Exception as e:  # noqa: BLE001 - a malformed frame is an error to report, not a crash
                self.r["errors"].append(f"websocket: cannot decode a frame: {type(e).__name__}: {e}")

    def _dispatch(self, msg: dict, t: float) -> None:
        mtype = msg["header"]["msg_type"]
        parent = (msg.get("parent_header") or {}).get("msg_id")
        content = msg["content"]
        if msg["channel"] == "shell" and parent in self.reply_waiters:
            f = self.reply_waiters.pop(parent)
            if not f.done():
                f.set_result((t, msg))
            return
        if msg["channel"] != "iopub":
            return
        if mtype == "status":
            if content.get("execution_state") == "idle":
                f = self.idle_waiters.pop(parent, None)
                if f is not None and not f.done():
                    f.set_result(t)
                model = self.msg_model.pop(parent, None)
                if model is not None:
                    self._release(model)
            return
        if mtype == "comm_open" and content.get("target_name") == "jupyter.widget":
            data = content.get("data", {})
            state = dict(data.get("state", {}))
            bufs = self._buffer_keys(data.get("buffer_paths", []), msg["buffers"], state)
            self.models[content["comm_id"]] = {"name": state.get("_model_name"), "state": state, "t": t}
            if "background" in bufs:
                self._background(content["comm_id"], t)
            return
        if mtype == "comm_close":
            self.models.pop(content.get("comm_id"), None)
            self.closed_models.add(content.get("comm_id"))
            return
        if mtype != "comm_msg":
            return
        cid = content.get("comm_id")
        data = content.get("data", {})
        if cid == self.control_id:
            if data.get("method") == "update_states" and self.states_future and not self.states_future.done():
                self.states_future.set_result((t, data, msg["buffers"]))
            return
        if data.get("method") in ("update", "echo_update") and cid in self.models:
            state = dict(data.get("state", {}))
            bufs = self._buffer_keys(data.get("buffer_paths", []), msg["buffers"], state)
            self.models[cid]["state"].update(state)
            if "background" in bufs and data.get("method") == "update":
                self._background(cid, t)

    @staticmethod
    def _buffer_keys(paths, buffers, state) -> set:
        keys = set()
        for path, buf in zip(paths, buffers):
            if len(path) == 1:
                state[path[0]] = len(buf)  # its size is enough here
                keys.add(path[0])
        return keys

    def _background(self, cid: str, t: float) -> None:
        keep = []
        for w in self.bg_waiters:
            comm, after, fut = w
            if (comm is None or comm == cid) and t >= after and not fut.done():
                fut.set_result((t, cid))
            elif not fut.done():
                keep.append(w)
        self.bg_waiters = keep

    def wait_background(self, comm_id, after: float):
        fut = asyncio.get_running_loop().create_future()
        self.bg_waiters.append((comm_id, after, fut))
        return fut

    # ------------------------------------------------------------------ like the ipywidgets front end

    async def _comm_update(self, model: str, state: dict) -> str:
        msg_id = await self.send("shell", "comm_msg", {"comm_id": model, "data": {"method": "update", "state": state,
                                                                                  "buffer_paths": []}})
        self.msg_model[msg_id] = model
        fut = asyncio.get_running_loop().create_future()
        self.idle_waiters[msg_id] = fut
        self.throttle[model]["inflight"] = (msg_id, fut)
        return msg_id

    async def update(self, model: str, state: dict):
        """An update as WidgetModel.save_changes sends it: at most one in flight per model; a
        later change is merged into a buffer and sent when the kernel is idle for the previous
        one. Returns the idle future of the message sent, or None if it was buffered."""
        th = self.throttle.setdefault(model, {"pending": 0, "buffer": None, "inflight": None})
        if th["pending"] >= 1:
            th["buffer"] = {**(th["buffer"] or {}), **state}
            return None
        th["pending"] += 1
        await self._comm_update(model, state)
        return th["inflight"][1]

    def _release(self, model: str) -> None:
        th = self.throttle.get(model)
        if th is None:
            return
        th["pending"] = max(0, th["pending"] - 1)
        if th["buffer"] is not None and th["pending"] == 0 and not self.leaving:
            state, th["buffer"] = th["buffer"], None
            th["pending"] += 1
            asyncio.ensure_future(self._comm_update(model, state))

    # ------------------------------------------------------------------ the session

    async def open(self, http) -> bool:
        """Page, websocket, widget state. True when the page is usable."""
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        self.leaving = False
        html = await self.get_page(http)
        if html is None:
            return False
        m = CONFIG_RE.search(html)
        if not m:
            self.r["errors"].append("http: the page has no jupyter-config-data (an error page?)")
            return False
        cfg = json.loads(m.group(1))
        self.kernel_id = self.r["kernel_id"] = cfg.get("kernelId")
        self.base_url = cfg.get("baseUrl", "/")
        self.page_models = self.r["page_models"] = sorted(set(VIEW_RE.findall(html)))
        if not self.kernel_id:
            self.r["errors"].append("http: no kernelId in the page config")
            return False
        ws_url = (self.base.replace("http://", "ws://", 1).split("/", 3)[:3])
        ws_url = "/".join(ws_url) + f"{self.base_url}api/kernels/{self.kernel_id}/channels?session_id={self.session_id}"
        headers = {"Cookie": self._cookie_header()} if self.cookies else {}
        offer = [] if self.opts.ws_protocol == "legacy" else [V1]
        t = now()
        try:
            self.ws = await websocket_connect(HTTPRequest(ws_url, headers=headers, connect_timeout=self.opts.page_timeout,
                                                          request_timeout=self.opts.page_timeout),
                                              subprotocols=offer or None, max_message_size=256 * 2**20)
        except Exception as e:  # noqa: BLE001
            self.r["errors"].append(f"websocket: connect failed: {type(e).__name__}: {e}")
            return False
        self.protocol = self.ws.selected_subprotocol
        self.r["ws_protocol"] = self.protocol or "legacy"
        self.r["ws_connect_ms"] = 1000 * (now() - t)
        self.reader = asyncio.ensure_future(self._read_loop())
        # what @jupyterlab/services does first
        ki = asyncio.get_running_loop().create_future()
        ki_id = await self.send("shell", "kernel_info_request", {})
        self.reply_waiters[ki_id] = ki
        # what the widget manager's _loadFromKernel does: a control comm, request_states
        self.control_id = uuid.uuid4().hex
        self.states_future = asyncio.get_running_loop().create_future()
        await self.send("shell", "comm_open", {"comm_id": self.control_id, "target_name": "jupyter.widget.control",
                                               "data": {}}, metadata={"version": "1.0.0"})
        t_req = now()
        await self.send("shell", "comm_msg", {"comm_id": self.control_id, "data": {"method": "request_states"}})
        try:
            t_ki, _ = await asyncio.wait_for(asyncio.shield(ki), self.opts.page_timeout)
            self.r["kernel_info_ms"] = 1000 * (t_ki - self.r["t_page_start"])
            t_states, data, buffers = await asyncio.wait_for(self.states_future, self.opts.page_timeout)
        except (asyncio.TimeoutError, ConnectionError) as e:
            self.r["errors"].append(f"empty page: no widget state within {self.opts.page_timeout:.0f} s ({type(e).__name__})")
            self.r["empty_page"] = True
            return False
        self.r["request_states_ms"] = 1000 * (t_states - t_req)
        if t_states - t_req > 4.0:  # the JS gives up on the control comm after 4 s
            self.r["control_comm_over_4s"] = True
        for mid, s in data.get("states", {}).items():
            state = dict(s.get("state", {}))
            self.models[mid] = {"name": s.get("model_name") or state.get("_model_name"), "state": state, "t": t_states}
        for path, buf in zip(data.get("buffer_paths", []), buffers):
            if len(path) == 2 and path[0] in self.models:
                self.models[path[0]]["state"][path[1]] = len(buf)
        self.r["n_models"] = len(self.models)
        self.r["states_bytes"] = sum(len(b) for b in buffers)
        await self.send("shell", "comm_close", {"comm_id": self.control_id, "data": {}})
        missing = [m for m in self.page_models if m not in self.models]
        tree_missing = [m for m in self.displayed_tree(missing_ok=True) if m not in self.models]
        if missing or tree_missing or not self.page_models:
            self.r["errors"].append(f"empty page: models of the page missing from the state: {missing + tree_missing}"
                                    if self.page_models else "empty page: the HTML has no widget view")
            self.r["empty_page"] = True
            return False
        self.r["usable_ms"] = 1000 * (t_states - self.r["t_page_start"])
        return True

    def displayed_tree(self, missing_ok=False) -> list[str]:
        """Model ids reachable from the page's widget views through children (IPY_MODEL_ refs)."""
        seen, stack = [], list(self.page_models)
        while stack:
            mid = stack.pop()
            if mid in seen:
                continue
            seen.append(mid)
            m = self.models.get(mid)
            if m is None:
                continue
            for v in m["state"].values():
                refs = v if isinstance(v, list) else [v]
                for ref in refs:
                    if isinstance(ref, str) and ref.startswith(MODEL_REF):
                        stack.append(ref[len(MODEL_REF):])
        return seen

    def rendered_counts(self) -> dict:
        """What the browser should render for the displayed tree, by kind."""
        kinds = {"FloatSliderModel": "slider", "FloatRangeSliderModel": "slider", "IntSliderModel": "slider",
                 "DropdownModel": "dropdown", "SelectMultipleModel": "select-multiple", "HTMLModel": "html",
                 "ImageModel": "image", "AnyModel": "anywidget", "VBoxModel": "vbox", "HBoxModel": "hbox"}
        out: dict[str, int] = {}
        for mid in self.displayed_tree():
            name = self.models.get(mid, {}).get("name")
            kind = kinds.get(name)
            if kind:
                out[kind] = out.get(kind, 0) + 1
        return out

    def find_explorer(self) -> dict:
        """The explorer's models: canvas (AnyModel), its box, z range, z0, parameter sliders."""
        # the tangent canvas is the AnyModel with a frame (every live view also has an invisible SliderKeys one)
        canvases = [mid for mid in self.displayed_tree() if self.models.get(mid, {}).get("name") == "AnyModel"
                    and "frame" in self.models[mid].get("state", {})]
        if not canvases:
            raise LookupError("no canvas (AnyModel) in the displayed tree")
        canvas = canvases[0]
        ref = MODEL_REF + canvas
        box = next(mid for mid in self.displayed_tree()
                   if ref in (self.models.get(mid, {}).get("state", {}).get("children") or []))
        kids = [c[len(MODEL_REF):] for c in self.models[box]["state"]["children"]]
        out = {"canvas": canvas, "box": box, "params": {}}
        for k in kids:
            m = self.models.get(k, {})
            desc = m.get("state", {}).get("description", "")
            if m.get("name") == "FloatRangeSliderModel":
                out["z_range"] = k
            elif m.get("name") == "FloatSliderModel" and desc.startswith("z\u2080"):
                out["z0"] = k
            elif m.get("name") == "FloatSliderModel":
                out["params"][desc.split()[0]] = k
        dd = [mid for mid in self.displayed_tree() if self.models.get(mid, {}).get("name") == "DropdownModel"
              and self.models[mid]["state"].get("description") == "activation"]
        out["dropdown"] = dd[0] if dd else None
        return out

    async def pick_activation(self, name: str) -> None:
        ex = self.find_explorer()
        if not ex["dropdown"]:
            raise LookupError("no activation dropdown")
        labels = self.models[ex["dropdown"]]["state"].get("_options_labels", [])
        if name not in labels:
            raise LookupError(f"{name!r} not among the dropdown's options {labels}")
        t = now()
        fut = self.wait_background(None, t)
        await self.update(ex["dropdown"], {"index": labels.index(name)})
        deadline = t + self.opts.move_timeout
        # the first background after the pick (nothing else moves meanwhile), then the title
        # naming it: the explorer switches in place and sends its new parameter sliders and
        # title just after the background (an older dashboard built a new explorer: a new
        # canvas, shown by a children update that may come after its background)
        t_bg, cid = await asyncio.wait_for(fut, max(0.01, deadline - now()))
        while not self._explorer_shows(name, cid) and now() < deadline:
            await asyncio.sleep(0.01)
        self.r["switch_ms"] = 1000 * (now() - t)  # until the student sees it all: plot, title, sliders

    def _explorer_shows(self, name: str, canvas: str) -> bool:
        """The displayed explorer is ``canvas`` and its title names ``name`` (its parameter
        sliders are in the same children list, so they are shown too)."""
        try:
            ex = self.find_explorer()
        except (LookupError, StopIteration):
            return False
        if ex["canvas"] != canvas:
            return False
        kids = self.models[ex["box"]]["state"]["children"]
        return any(f"<b>{name}</b>" in str(self.models.get(k[len(MODEL_REF):], {}).get("state", {}).get("value", ""))
                   for k in kids)

    async def interact(self, seconds: float) -> None:
        ex = self.find_explorer()
        if "z0" not in ex or "z_range" not in ex:
            raise LookupError(f"explorer controls not found: {ex}")
        alpha = next(iter(ex["params"].values()), None)
        z0_values = walk_forever(1.0, 0.05, 0.0, 2.0)
        zr_values = walk_forever(-8.0, 0.5, -8.0, -3.0)
        a_state = self.models[alpha]["state"] if alpha else None
        a_values = walk_forever(a_state["value"], a_state["step"], a_state["min"], a_state["min"] + 40 * a_state["step"]) \
            if alpha else None
        t_end = now() + seconds
        tasks = [asyncio.ensure_future(self._z0_loop(ex, z0_values, t_end)),
                 asyncio.ensure_future(self._heavy_loop(ex, alpha, zr_values, a_values, t_end))]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _z0_loop(self, ex, values, t_end) -> None:
        period = 1.0 / self.opts.z0_rate
        nxt = now() + (self.idx % 7) * period / 7  # students not in lock step
        acks = []
        while nxt < t_end:
            await asyncio.sleep(max(0.0, nxt - now()))
            nxt += period
            v = next(values)
            t = now()
            self.r["z0_events"] += 1
            futs = [f for f in (await self.update(ex["canvas"], {"z0": v}), await self.update(ex["z0"], {"value": v}))
                    if f is not None]
            if not futs:
                self.r["z0_coalesced"] += 1
                continue
            acks.append(asyncio.ensure_future(self._ack(futs, t)))
        await asyncio.gather(*acks, return_exceptions=True)

    async def _ack(self, futs, t) -> None:
        try:
            times = await asyncio.wait_for(asyncio.gather(*futs), self.opts.move_timeout)
            self.r["z0_ack_ms"].append(1000 * (max(times) - t))
        except (asyncio.TimeoutError, ConnectionError):
            self.r["errors"].append("z0: no idle status within the move timeout")

    async def _heavy_loop(self, ex, alpha, zr_values, a_values, t_end) -> None:
        period = 1.0 / self.opts.heavy_rate
        nxt = now() + 0.5 + (self.idx % 5) * period / 5
        k = 0
        while nxt < t_end:
            await asyncio.sleep(max(0.0, nxt - now()))
            nxt += period
            use_alpha = alpha is not None and k % 2 == 1
            k += 1
            t = now()
            fut = self.wait_background(ex["canvas"], t)
            if use_alpha:
                await self.update(alpha, {"value": next(a_values)})
            else:
                await self.update(ex["z_range"], {"value": [next(zr_values), 8.0]})
            try:
                t_bg, _ = await asyncio.wait_for(fut, self.opts.move_timeout)
                self.r["alpha_ms" if use_alpha else "z_range_ms"].append(1000 * (t_bg - t))
            except asyncio.TimeoutError:
                self.r["heavy_timeouts"] += 1
                self.r["errors"].append(f"{'alpha' if use_alpha else 'z range'}: no new background within "
                                        f"{self.opts.move_timeout:.0f} s")
            except ConnectionError:
                return

    async def close(self) -> None:
        self.leaving = True
        if self.ws is not None:
            self.ws.close()
        if self.reader is not None:
            try:
                await asyncio.wait_for(self.reader, 5)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001
                pass

    async def run(self, http, start_at: float, seconds: float, activation: str) -> dict:
        await asyncio.sleep(max(0.0, start_at - now()))
        try:
            if await self.open(http):
                if activation:
                    try:
                        await self.pick_activation(activation)
                    except (asyncio.TimeoutError, LookupError, ConnectionError) as e:
                        self.r["errors"].append(f"activation switch: {type(e).__name__}: {e}")
                if seconds > 0:
                    await self.interact(seconds)
        except ConnectionError as e:
            self.r["errors"].append(f"websocket: {e}")
        except Exception as e:  # noqa: BLE001 - one student's failure is a result
            self.r["errors"].append(f"client: {type(e).__name__}: {e}")
        self.r["bytes_in"] = self.bytes_in
        return self.r


# ============================================================================ the class

async def _loop_lag(stop: asyncio.Event, out: list, when: list) -> None:
    """How late the client's own event loop runs (it competes with the server for the CPUs)."""
    t0 = now()
    while not stop.is_set():
        t = now()
        await asyncio.sleep(0.05)
        out.append(1000 * (now() - t - 0.05))
        when.append(round(t - t0, 2))


async def kernel_exists(http, base: str, kid: str, cookies: dict) -> int:
    from tornado.httpclient import HTTPRequest

    hdr = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    resp = await http.fetch(HTTPRequest(f"{base}api/kernels/{kid}", headers=hdr, request_timeout=15), raise_error=False)
    return resp.code


async def shutdown_post(http, base: str, kid: str, cookies: dict) -> tuple[int, bool]:
    """The page's beforeunload handler: POST voila/api/shutdown/<id> (``_xsrf`` form field from the cookie)."""
    from tornado.httpclient import HTTPRequest

    xsrf = cookies.get("_xsrf")
    body = urllib.parse.urlencode({"_xsrf": xsrf} if xsrf else {})
    hdr = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookies:
        hdr["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    resp = await http.fetch(HTTPRequest(f"{base}voila/api/shutdown/{kid}", method="POST", body=body, headers=hdr,
                                        request_timeout=30, follow_redirects=False), raise_error=False)
    return resp.code, bool(xsrf)


async def run_class(server: VoilaServer, sampler: Sampler, n: int, opts) -> dict:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=max(20, 2 * n + 5))
    http = AsyncHTTPClient()
    stop, lag, lag_t = asyncio.Event(), [], []
    lag_task = asyncio.ensure_future(_loop_lag(stop, lag, lag_t))
    t0 = now()
    students = [Student(i, server.url, opts, t0) for i in range(n)]
    ramp = opts.ramp / max(1, n - 1) if n > 1 else 0.0
    cpu_client0 = time.process_time()
    results = await asyncio.gather(*(s.run(http, t0 + i * ramp, opts.seconds, opts.activation)
                                     for i, s in enumerate(students)))
    t_active = now() - t0
    for s in students:
        await s.close()
    stop.set()
    await lag_task
    client_cpu = time.process_time() - cpu_client0
    # students have left: how many kernels remain?
    kids = {s.r.get("kernel_id"): s.cookies for s in students if s.r.get("kernel_id")}
    polls = []
    t_left = now()
    while True:
        codes = await asyncio.gather(*(kernel_exists(http, server.url, k, c) for k, c in kids.items()))
        sampler.sample()
        polls.append({"t_s": round(now() - t_left, 1), "alive_api": sum(c == 200 for c in codes),
                      "kernel_processes": sampler.live_kernels()})
        log(f"N={n}: {polls[-1]['t_s']:.0f} s after leaving: {polls[-1]['alive_api']} of {len(kids)} kernels "
            f"still in /api/kernels/<id>, {polls[-1]['kernel_processes']} kernel processes")
        if polls[-1]["alive_api"] == 0 or now() - t_left >= opts.leave_wait:
            break
        await asyncio.sleep(min(5.0, max(0.0, opts.leave_wait - (now() - t_left))))
    # the page's close handler, for the kernels still there
    shutdown = []
    for k, c in kids.items():
        if await kernel_exists(http, server.url, k, c) == 200:
            code, with_xsrf = await shutdown_post(http, server.url, k, c)
            shutdown.append({"kernel": k, "status": code, "xsrf_cookie": with_xsrf})
    await asyncio.sleep(1.0 if shutdown else 0.0)
    after = await asyncio.gather(*(kernel_exists(http, server.url, k, c) for k, c in kids.items()))
    sampler.sample()
    worst = sorted(zip(lag, lag_t), reverse=True)[:5]
    return {"students": results, "active_s": t_active, "loop_lag_ms": {**stats(lag), "worst_at_s": worst}, "client_cpu_s": client_cpu,
            "leave_polls": polls, "shutdown_posts": shutdown,
            "kernels_after_shutdown_posts": sum(c == 200 for c in after)}


def summarize(n: int, res: dict, sampler: Sampler, server: VoilaServer) -> dict:
    st = res["students"]
    cat = lambda key: [x for s in st for x in s.get(key, [])]  # noqa: E731
    errs = [e for s in st for e in s["errors"]]
    codes = sorted({p["status"] for p in res["shutdown_posts"]})
    polls = res["leave_polls"]
    return {
        "N": n,
        "server_start_s": server.start_seconds,
        "pool_filled_s": server.pool_seconds,
        "page_ttfb_ms": stats(s.get("ttfb_ms") for s in st),
        "page_html_ms": stats(s.get("html_ms") for s in st),
        "page_usable_ms": stats(s.get("usable_ms") for s in st),
        "request_states_ms": stats(s.get("request_states_ms") for s in st),
        "switch_ms": stats(s.get("switch_ms") for s in st),
        "z0_ack_ms": stats(cat("z0_ack_ms")),
        "z_range_ms": stats(cat("z_range_ms")),
        "alpha_ms": stats(cat("alpha_ms")),
        "z0_events": sum(s["z0_events"] for s in st),
        "z0_coalesced": sum(s["z0_coalesced"] for s in st),
        "usable_pages": sum("usable_ms" in s for s in st),
        "empty_pages": sum(bool(s.get("empty_page")) for s in st),
        "http_errors": sum(e.startswith("http") for e in errs),
        "ws_errors": sum(e.startswith("websocket") for e in errs),
        "other_errors": sum(not e.startswith(("http", "websocket", "empty page")) for e in errs),
        "error_samples": sorted(set(errs))[:8],
        "control_comm_over_4s": sum(bool(s.get("control_comm_over_4s")) for s in st),
        "ws_protocols": sorted({s.get("ws_protocol") for s in st if s.get("ws_protocol")}),
        "peak_rss_mb": sampler.peak_rss / 2**20,
        "peak_kernels": sampler.peak_kernels,
        "cpu_server_s": sampler.cpu_seconds("server"),
        "cpu_kernels_s": sampler.cpu_seconds("kernel"),
        "client_cpu_s": res["client_cpu_s"],
        "client_loop_lag_ms": res["loop_lag_ms"],
        "kernels_left": polls[-1]["alive_api"] if polls else None,
        "kernel_procs_left": polls[-1]["kernel_processes"] if polls else None,
        "leave_wait_s": polls[-1]["t_s"] if polls else None,
        "shutdown_status": codes,
        "kernels_after_shutdown": res["kernels_after_shutdown_posts"],
    }


# ============================================================================ browser validation

JS_USABLE = """() => {
  const vis = (e) => !!e && e.getBoundingClientRect().width > 0 && getComputedStyle(e).visibility !== 'hidden';
  const slider = Array.from(document.querySelectorAll('.widget-slider')).some(vis);
  const canvas = document.querySelector('.actviz-tangent-canvas');
  const drawn = !!canvas && Number(canvas.dataset.draws || 0) > 0;
  if (slider && drawn && !window.__usable) window.__usable = performance.now();
  return !!window.__usable;
}"""
JS_COUNTS = """() => {
  const n = (s) => document.querySelectorAll(s).length;
  return {slider: n('.widget-slider'), dropdown: n('.widget-dropdown'), 'select-multiple': n('.widget-select-multiple'),
          html: n('.widget-html'), image: n('.widget-image'), anywidget: n('.actviz-tangent-canvas'),
          vbox: n('.widget-vbox'), hbox: n('.widget-hbox'),
          errors: document.body.innerText.includes('Error displaying widget') ? 1 : 0};
}"""


def _frame_summary(payload, names: dict) -> dict | None:
    """One kernel-websocket frame as (channel, msg_type, comm target / method, state keys, model)."""
    try:
        if isinstance(payload, (bytes, bytearray)):
            try:
                channel, parts = decode_v1(bytes(payload))
                header, content = json.loads(parts[0]), json.loads(parts[3])
                metadata = json.loads(parts[2])
                protocol = "v1"
            except Exception:  # noqa: BLE001 - legacy binary
                msg = decode_legacy_binary(bytes(payload))
                channel, header, content, metadata, protocol = (msg.get("channel"), msg["header"], msg["content"],
                                                                msg.get("metadata", {}), "legacy-binary")
        else:
            msg = json.loads(payload)
            channel, header, content, metadata, protocol = (msg.get("channel"), msg["header"], msg["content"],
                                                            msg.get("metadata", {}), "legacy-json")
    except Exception:  # noqa: BLE001
        return None
    data = content.get("data") or {}
    if data.get("method") == "update_states":
        for mid, st in (data.get("states") or {}).items():
            names[mid] = st.get("model_name")
    if header.get("msg_type") == "comm_open" and content.get("target_name") == "jupyter.widget":
        names[content.get("comm_id")] = (data.get("state") or {}).get("_model_name")
    return {"protocol": protocol, "channel": channel, "msg_type": header.get("msg_type"),
            "target": content.get("target_name"), "method": data.get("method"),
            "state": sorted((data.get("state") or {}).keys()), "comm_id": content.get("comm_id"),
            "metadata": metadata or None}


def browser_pages(url: str, times: int, timeout: float, press_z0: bool = True) -> list[dict]:
    """Open the dashboard ``times`` times (one page at a time) in headless Chromium; record
    page usable, rendered widgets, and what the page sends on its kernel websocket (on load
    and for one ArrowRight on the z0 slider)."""
    from playwright.sync_api import sync_playwright
    from tests.browser import driver

    out = []
    with sync_playwright() as p:
        browser = driver.launch_browser(p)
        try:
            for _ in range(times):
                ctx = driver.new_context(browser)
                page = ctx.new_page()
                rec: dict = {"sent": [], "names": {}}
                phase = {"now": "load"}

                def on_ws(ws, rec=rec, phase=phase):
                    rec.setdefault("websockets", []).append(ws.url.split("?")[0])
                    if "/channels" not in ws.url:
                        return
                    ws.on("framesent", lambda pl: rec["sent"].append((phase["now"], pl)))
                    ws.on("framereceived", lambda pl: _frame_summary(pl, rec["names"])
                          if isinstance(pl, (bytes, bytearray)) or "update_states" in pl or "comm_open" in pl else None)

                page.on("websocket", on_ws)
                try:
                    page.goto(url, wait_until="commit", timeout=timeout * 1000)
                    page.wait_for_function(JS_USABLE, timeout=timeout * 1000, polling="raf")
                    rec["usable_ms"] = page.evaluate("() => window.__usable")
                    nav = page.evaluate("() => { const e = performance.getEntriesByType('navigation')[0];"
                                        " return e ? {ttfb: e.responseStart, html: e.responseEnd} : null; }")
                    rec.update({"ttfb_ms": nav and nav["ttfb"], "html_ms": nav and nav["html"]})
                    page.wait_for_timeout(1000)  # let late views attach, the load traffic end
                    rec["counts"] = page.evaluate(JS_COUNTS)
                    rec["kernel_id"] = page.evaluate(
                        "() => { try { return JSON.parse(document.getElementById('jupyter-config-data')"
                        ".textContent).kernelId } catch (e) { return null } }")
                    rec["cookies"] = sorted(c["name"] for c in ctx.cookies())
                    if press_z0:
                        slider = page.locator(".widget-slider").filter(has_text=re.compile("^\\s*z\u2080"))
                        handle = slider.locator(".noUi-handle").first
                        handle.scroll_into_view_if_needed()
                        handle.focus()
                        page.wait_for_timeout(300)
                        phase["now"] = "z0 key"
                        page.keyboard.press("ArrowRight")
                        page.wait_for_timeout(1000)
                except Exception as e:  # noqa: BLE001 - a failed page is a result
                    rec["error"] = f"{type(e).__name__}: {str(e)[:300]}"
                finally:
                    ctx.close()
                names = rec.pop("names")
                frames = []
                for ph, pl in rec.pop("sent"):
                    f = _frame_summary(pl, {})
                    if f is not None:
                        f["phase"] = ph
                        f["model"] = names.get(f.pop("comm_id"))
                        frames.append(f)
                rec["sent_frames"] = frames
                out.append(rec)
        finally:
            browser.close()
    return out


def describe_frames(frames: list[dict], phase: str) -> list[str]:
    out = []
    for f in frames:
        if f["phase"] != phase:
            continue
        bits = [f"{f['channel']}/{f['msg_type']}"]
        if f["target"]:
            bits.append(f["target"])
        if f["method"]:
            bits.append(f["method"] + (f" {{{', '.join(f['state'])}}}" if f["state"] else ""))
        if f["model"]:
            bits.append("-> " + f["model"])
        if f["metadata"]:
            bits.append(f"metadata {json.dumps(f['metadata'])}")
        out.append(" ".join(bits) + f" [{f['protocol']}]")
    return out


async def protocol_pages(server: VoilaServer, opts, times: int) -> list[Student]:
    from tornado.httpclient import AsyncHTTPClient

    http = AsyncHTTPClient()
    out = []
    for i in range(times):
        s = Student(1000 + i, server.url, opts, now())
        await s.run(http, now(), 0, "")
        await s.close()
        out.append(s)
    return out


def validate(server: VoilaServer, opts, rounds: int = 2) -> dict:
    """Alternate protocol client and browser page loads on an idle server; compare."""
    if not Path(os.environ.get("ACTVIZ_CHROMIUM", "/usr/bin/chromium")).exists():
        return {"error": "no Chromium at /usr/bin/chromium"}
    proto, brow = [], []
    for _ in range(rounds):
        proto += asyncio.run(protocol_pages(server, opts, 1))
        brow += browser_pages(server.url, 1, opts.page_timeout)
    counts_client = proto[-1].rendered_counts() if proto and proto[-1].models else {}
    counts_browser = next((b.get("counts") for b in reversed(brow) if b.get("counts")), {})
    keys = sorted(set(counts_client) | {k for k in counts_browser if k != "errors"})
    mismatch = {k: (counts_client.get(k, 0), counts_browser.get(k, 0)) for k in keys
                if counts_client.get(k, 0) != counts_browser.get(k, 0)}
    return {
        "protocol_usable_ms": [s.r.get("usable_ms") for s in proto],
        "protocol_html_ms": [s.r.get("html_ms") for s in proto],
        "protocol_errors": [e for s in proto for e in s.r["errors"]],
        "protocol_n_models": [s.r.get("n_models") for s in proto],
        "browser_usable_ms": [b.get("usable_ms") for b in brow],
        "browser_html_ms": [b.get("html_ms") for b in brow],
        "browser_errors": [b["error"] for b in brow if b.get("error")],
        "browser_websockets": sorted({u for b in brow for u in b.get("websockets", [])}),
        "browser_cookies": sorted({c for b in brow for c in b.get("cookies", [])}),
        "counts_client": counts_client, "counts_browser": counts_browser, "count_mismatch": mismatch,
        "widget_errors_in_browser": counts_browser.get("errors", 0),
        "browser_kernels": [b.get("kernel_id") for b in brow],
        "browser_sent_on_load": describe_frames(brow[-1].get("sent_frames", []), "load") if brow else [],
        "browser_sent_on_z0_key": describe_frames(brow[-1].get("sent_frames", []), "z0 key") if brow else [],
        "protocol_kernels": [s.r.get("kernel_id") for s in proto],
    }


# ============================================================================ output

def _f(v) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:.2f}s" if v >= 1000 else f"{v:.0f}"


def _ms(s: dict) -> str:
    return f"{_f(s['p50'])}/{_f(s['p95'])}/{_f(s['max'])}" if s["n"] else "-"


TABLE = [
    ("page: first byte (ms, p50/p95/max)", lambda r: _ms(r["page_ttfb_ms"])),
    ("page: whole HTML (ms)", lambda r: _ms(r["page_html_ms"])),
    ("page usable: fetch -> all widget state (ms)", lambda r: _ms(r["page_usable_ms"])),
    ("  of which request_states -> update_states", lambda r: _ms(r["request_states_ms"])),
    ("usable pages / empty / HTTP err / WS err / other", lambda r: f"{r['usable_pages']}/{r['empty_pages']}/{r['http_errors']}/"
                                                                   f"{r['ws_errors']}/{r['other_errors']}"),
    ("pick activation -> new explorer background", lambda r: _ms(r["switch_ms"])),
    ("z0 kernel ack: update -> idle (ms)*", lambda r: _ms(r["z0_ack_ms"])),
    ("z0 events sent+acked / coalesced (1 in flight)", lambda r: f"{r['z0_ack_ms']['n']}/{r['z0_coalesced']}"),
    ("z range move -> new background (ms)", lambda r: _ms(r["z_range_ms"])),
    ("alpha move -> new background (ms)", lambda r: _ms(r["alpha_ms"])),
    ("peak RSS server+kernels (MiB) / kernels", lambda r: f"{r['peak_rss_mb']:.0f} / {r['peak_kernels']}"),
    ("CPU s: server / kernels / this client", lambda r: f"{r['cpu_server_s']:.1f}/{r['cpu_kernels_s']:.1f}/{r['client_cpu_s']:.1f}"),
    ("client loop lag p95/max (ms)", lambda r: f"{_f(r['client_loop_lag_ms']['p95'])}/{_f(r['client_loop_lag_ms']['max'])}"),
    ("kernels left after leaving (api / procs) @ s", lambda r: f"{r['kernels_left']}/{r['kernel_procs_left']} @ {r['leave_wait_s']:.0f}"),
    ("close handler POST /voila/api/shutdown status", lambda r: ",".join(map(str, r["shutdown_status"])) or "-"),
    ("kernels left after those POSTs", lambda r: str(r["kernels_after_shutdown"])),
]


def print_table(summaries: list[dict], opts) -> str:
    w = 50
    cols = [f"N={s['N']}" for s in summaries]
    cw = max(16, *(len(fn(s)) + 2 for s in summaries for _, fn in TABLE))
    lines = [f"{'metric':<{w}}" + "".join(f"{c:>{cw}}" for c in cols), "-" * (w + cw * len(cols))]
    for name, fn in TABLE:
        lines.append(f"{name:<{w}}" + "".join(f"{fn(s):>{cw}}" for s in summaries))
    lines.append(f"* z0 is drawn in the browser (jsdlink slider -> canvas): its pixels come client-side; this row is "
                 f"the kernel's cost per z0 event (slider value + canvas z0 update -> iopub idle).")
    lines.append(f"  {opts.seconds:g} s of moves per student after the page is usable and {opts.activation} is picked: "
                 f"z0 {opts.z0_rate:g}/s, z range / alpha alternating {opts.heavy_rate:g}/s; ramp {opts.ramp:g} s.")
    return "\n".join(lines)


def print_validation(v: dict, n1: dict | None) -> str:
    if "error" in v:
        return f"validation: {v['error']}"
    f = lambda xs: ", ".join(_f(x) for x in xs)  # noqa: E731
    lines = ["validation (same idle server after the run, alternating one protocol client and one Chromium page):",
             f"  page usable, protocol client: {f(v['protocol_usable_ms'])} (whole HTML {f(v['protocol_html_ms'])})",
             f"  page usable, Chromium (slider visible + canvas drawn, performance.now()): {f(v['browser_usable_ms'])} "
             f"(whole HTML {f(v['browser_html_ms'])})"]
    if n1:
        lines.append(f"  N=1 in the run (fresh server, first page): protocol client {_ms(n1['page_usable_ms'])}")
    lines.append(f"  widgets rendered by the browser vs displayed models the client found: "
                 + ("same counts " + json.dumps(v["counts_client"]) if not v["count_mismatch"]
                    else "MISMATCH (client, browser) " + json.dumps(v["count_mismatch"])))
    lines.append(f"  browser websockets: {v['browser_websockets']}; browser cookies: {v['browser_cookies']}")
    lines.append("  the browser sent on its kernel websocket while loading:")
    lines += [f"    {x}" for x in v.get("browser_sent_on_load", [])]
    lines.append("  ... and for one ArrowRight on the z0 slider:")
    lines += [f"    {x}" for x in v.get("browser_sent_on_z0_key", [])]
    for e in v["protocol_errors"] + v["browser_errors"]:
        lines.append(f"  error: {e}")
    if v["widget_errors_in_browser"]:
        lines.append("  the browser page shows 'Error displaying widget'")
    return "\n".join(lines)


def environment() -> dict:
    try:
        from benchmarks.run import environment as env

        return env()
    except Exception as e:  # noqa: BLE001
        return {"error": str(e)}


# ============================================================================ main

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, nargs="+", default=[1, 5], metavar="N", help="class sizes, one fresh Voilà each")
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds of slider moves per student (default 20)")
    ap.add_argument("--config", type=Path, help="a Voilà config file (voila.py / voila.json content), loaded via "
                                                "--Voila.config_file_paths")
    ap.add_argument("--classroom", action="store_true",
                    help="serve as `python3 dev.py voila` does (deploy/voila/classroom.py and its settings); "
                         "students arrive once its preheated pool is full")
    ap.add_argument("--voila-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for voila (repeatable), e.g. --voila-arg=--preheat_kernel=True")
    ap.add_argument("--activation", default="leaky_relu", help="picked in the dropdown first ('' = keep sigmoid, no alpha)")
    ap.add_argument("--z0-rate", type=float, default=5.0, help="z0 moves per second per student (default 5)")
    ap.add_argument("--heavy-rate", type=float, default=1.0, help="z range / alpha moves per second, alternating (default 1)")
    ap.add_argument("--ramp", type=float, default=0.0, help="spread the students' arrivals over this many seconds (default 0)")
    ap.add_argument("--leave-wait", type=float, default=90.0, help="after leaving, poll kernels for up to this many s (default 90)")
    ap.add_argument("--page-timeout", type=float, default=120.0, help="page + widget state time-out per student (s)")
    ap.add_argument("--move-timeout", type=float, default=30.0, help="time-out for one move's answer (s)")
    ap.add_argument("--server-timeout", type=float, default=90.0, help="Voilà must listen within this many s")
    ap.add_argument("--ws-protocol", choices=["v1", "legacy"], default="v1",
                    help="offer the v1 subprotocol like the browser (default), or none (legacy framing)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--validate", dest="validate", action="store_true", default=None,
                   help="compare with headless Chromium (default: on when the smallest N <= 5)")
    g.add_argument("--no-validate", dest="validate", action="store_false")
    ap.add_argument("--json", type=Path, help="default benchmarks/results/bench_class-<date>.json")
    ap.add_argument("--out", help=argparse.SUPPRESS)  # run.py worker mode: rows JSON here
    ap.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.out and args.quick:
        args.students, args.seconds, args.leave_wait = [1, 2], 5.0, 10.0
    elif args.out:
        args.students, args.seconds, args.leave_wait = [1, 2], 10.0, 15.0
    if args.validate is None:
        args.validate = min(args.students) <= 5 and not args.out
    if args.config is not None and not args.config.is_file():
        ap.error(f"--config {args.config}: no such file")
    return args


def run_rows(summaries: list[dict], validation: dict | None) -> list[dict]:
    """run.py's table rows (worker mode)."""
    from benchmarks._common import row

    rows = []
    for s in summaries:
        n = s["N"]
        for key, title in (("page_usable_ms", "page usable"), ("z0_ack_ms", "z0 kernel ack (drawn in the browser)"),
                           ("z_range_ms", "z range -> new background"), ("alpha_ms", "alpha -> new background")):
            st = s[key]
            rows.append(row(GROUP, f"N={n}: {title}", value=st["p50"], p95_value=st["p95"],
                            note=f"max {_f(st['max'])} ms, n={st['n']}"))
        rows.append(row(GROUP, f"N={n}: peak RSS server+kernels", value=s["peak_rss_mb"], unit="MiB",
                        note=f"{s['empty_pages']} empty pages, {s['ws_errors']} ws errors, {s['kernels_left']} kernels left"))
    return rows


def main(argv=None) -> int:
    opts = parse_args(argv)
    try:
        import psutil  # noqa: F401
        import tornado  # noqa: F401
        import voila  # noqa: F401
    except ImportError as e:
        print(f"{e}: run with the project's venv: .venv/bin/python -m benchmarks.bench_class", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = environment()
    print(f"class benchmark: N = {opts.students}, {opts.seconds:g} s of moves each  [{os.cpu_count()} CPUs, load "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}]", file=sys.stderr, flush=True)
    summaries, raw, validation = [], {}, None
    with tempfile.TemporaryDirectory(prefix="actviz-class-") as tmp:
        for n in opts.students:
            work = Path(tmp) / f"n{n}"
            work.mkdir()
            try:
                server = VoilaServer(work, opts.voila_arg, opts.config, opts.server_timeout, opts.classroom)
            except ServerFailed as e:
                print(f"bench_class: the Voilà server did not start (N={n}):\n{e}", file=sys.stderr)
                return 3
            sampler = Sampler(server)
            sampler.start()
            try:
                log(f"N={n}: Voilà on {server.url} in {server.start_seconds:.1f} s" +
                    (f", preheated pool ready (quiet) after {server.pool_seconds:.1f} s" if server.pool_seconds else "") +
                    (f"; log warnings: {server.warnings}" if server.warnings else ""))
                res = asyncio.run(run_class(server, sampler, n, opts))
                s = summarize(n, res, sampler, server)
                summaries.append(s)
                log(f"N={n}: usable {s['usable_pages']}/{n}, page usable {_ms(s['page_usable_ms'])}, "
                    f"z0 ack {_ms(s['z0_ack_ms'])}, z range {_ms(s['z_range_ms'])}, alpha {_ms(s['alpha_ms'])}")
                if opts.validate and validation is None and n <= 5:
                    log(f"N={n}: validating against headless Chromium on the same server ...")
                    validation = validate(server, opts)
                raw[str(n)] = {"summary": s, "students": res["students"], "leave_polls": res["leave_polls"],
                               "shutdown_posts": res["shutdown_posts"], "rss_series": sampler.series,
                               "voila_cmd": server.cmd, "voila_log_tail": server.log_tail(60)}
            finally:
                sampler.stop()
                killed = server.stop()
                if killed:
                    log(f"N={n}: had to kill {len(killed)} kernel processes at server stop")
    text = print_table(summaries, opts)
    print()
    print(text)
    if validation is not None:
        n1 = next((s for s in summaries if s["N"] == 1), None)
        print(print_validation(validation, n1))
    doc = {"benchmark": "bench_class", "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(opts).items()},
           "config_file": opts.config.read_text() if opts.config else None,
           "environment": env, "summaries": summaries, "validation": validation, "raw": raw, "table": text}
    if opts.out:  # run.py worker
        notes = [line.strip() for line in text.splitlines()[-2:]]
        if validation:
            notes.append(print_validation(validation, None).replace("\n", " | "))
        Path(opts.out).write_text(json.dumps({"rows": run_rows(summaries, validation), "raw": doc, "notes": notes}))
        return 0
    path = opts.json or REPO / "benchmarks" / "results" / f"bench_class-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, default=str))
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
