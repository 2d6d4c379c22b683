"""A real ipykernel driven over jupyter_client, the way a front end drives it.

A reader thread timestamps every iopub message on arrival (``time.perf_counter``), so the
main thread can send slider updates at any pace and still get exact arrival times.
"""

from __future__ import annotations

import json
import queue
import threading
import time

from jupyter_client.manager import start_new_kernel


class KernelError(RuntimeError):
    pass


class Kernel:
    def __init__(self, startup_timeout: float = 60):
        self.km, self.kc = start_new_kernel(kernel_name="python3", startup_timeout=startup_timeout)
        self.q: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(proc, "pid", None)

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.kc.iopub_channel.get_msg(timeout=0.1)
            except queue.Empty:
                continue
            except Exception:  # channel closed at shutdown
                if self._stop.is_set():
                    return
                continue
            self.q.put((time.perf_counter(), msg))

    def close(self) -> None:
        self._stop.set()
        self._reader.join(2)
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ messages

    def drain(self) -> list:
        out = []
        while True:
            try:
                out.append(self.q.get_nowait())
            except queue.Empty:
                return out

    def next(self, timeout: float):
        return self.q.get(timeout=timeout)

    def _pop(self, deadline: float):
        """The next ``(arrival_time, msg)``, or TimeoutError once ``deadline`` has passed."""
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError("no matching iopub message")
        try:
            return self.q.get(timeout=left)
        except queue.Empty:
            raise TimeoutError("no matching iopub message") from None

    def wait_for(self, pred, timeout: float = 30):
        """Pop messages until ``pred(msg)``; returns ``(arrival_time, msg)``."""
        deadline = time.perf_counter() + timeout
        while True:
            t, msg = self._pop(deadline)
            if pred(msg):
                return t, msg

    def wait_all(self, preds, timeout: float = 30) -> list[float]:
        """Pop messages until each predicate has matched once (in any order); their arrival times."""
        times = [None] * len(preds)
        deadline = time.perf_counter() + timeout
        while None in times:
            t, msg = self._pop(deadline)
            for i, pred in enumerate(preds):
                if times[i] is None and pred(msg):
                    times[i] = t
                    break
        return times

    def execute(self, code: str, timeout: float = 120) -> str:
        """Run code, return its stdout; raise KernelError on an error."""
        self.drain()
        msg_id = self.kc.execute(code)
        out, err = [], None
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"execute timed out: {code[:80]!r}")
            try:
                _, m = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            kind = m["msg_type"]
            if kind == "stream":
                out.append(m["content"]["text"])
            elif kind == "error":
                err = "\n".join(m["content"]["traceback"])
            elif kind == "status" and m["content"]["execution_state"] == "idle":
                break
        if err:
            raise KernelError(err)
        return "".join(out)

    def execute_json(self, code: str, timeout: float = 120):
        return json.loads(self.execute(code, timeout).strip().splitlines()[-1])

    def send_update(self, comm_id: str, state: dict) -> str:
        """What the widget front end sends when a slider moves; returns the msg id."""
        content = {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        msg = self.kc.session.msg("comm_msg", content)
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]


def is_image_update(comm_id: str, attr: str = "value"):
    """A binary update of ``attr`` for this model: an ``ipywidgets.Image``'s value, or the
    explorer canvas's ``background``."""

    def pred(m):
        if m["msg_type"] != "comm_msg" or m["content"].get("comm_id") != comm_id:
            return False
        data = m["content"].get("data", {})
        return data.get("method") in ("update", "echo_update") and [attr] in data.get("buffer_paths", [])

    return pred


def is_png_display(m) -> bool:
    """A display_data carrying a PNG (what ``plt.show()`` inside ``interact`` sends)."""
    return m["msg_type"] == "display_data" and "image/png" in m["content"].get("data", {})


def is_idle_for(msg_id: str):
    def pred(m):
        return (m["msg_type"] == "status" and m["content"].get("execution_state") == "idle"
                and m["parent_header"].get("msg_id") == msg_id)

    return pred
