"""Voilà for a class: the launcher behind ``python3 dev.py voila`` (settings in ``voila.py`` beside it).

Voilà 0.5 (pinned in requirements.txt) already offers a preheated kernel pool and culling of
idle kernels; ``voila.py`` turns them on. This module adds the three things a class needs
that Voilà does not offer:

* **a cap**: ``ClassroomVoila.class_size`` students at once. Student ``class_size + 1`` gets a
  page (HTTP 503) saying the class is full and when to retry, instead of a kernel that pushes
  the server into swap. The pool is never refilled beyond the cap.
* **the close handler works**: the page's ``beforeunload`` beacon posts the ``_xsrf`` cookie to
  ``/voila/api/shutdown/<kernel>``, but Voilà never sets that cookie, so every beacon got a
  403 and closed tabs kept their kernels. The page handler now sets it (XSRF protection stays
  on for the whole server).
* **refill after a student leaves**: a freed place is preheated again, so a reload or a late
  student gets a ready kernel.

Run as ``python deploy/voila/classroom.py notebooks/dashboard.ipynb [voila options]``.
"""

from __future__ import annotations

import inspect
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# run as a script, this folder is sys.path[0], and its voila.py (the settings) would shadow
# the voila package
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import voila.app as voila_app  # noqa: E402
from tornado import web  # noqa: E402
from traitlets import Int  # noqa: E402
from voila.tornado.handler import TornadoVoilaHandler  # noqa: E402
from voila.utils import ENV_VARIABLE  # noqa: E402

FULL_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>The class is full</title><meta http-equiv="refresh" content="{retry}"></head>
<body style="font: 1.4em/1.5 system-ui, sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em">
<h1>The class is full</h1>
<p>This dashboard is serving {size} students, as many as this server can keep fast.
This page tries again by itself every {retry} seconds; a place frees up when someone closes
their tab.</p><p>Or ask your teacher.</p></body></html>"""


class ClassroomKernels:
    """Mixed in above Voilà's pooled kernel manager: counts kernels handed to students.

    A request first *reserves* a place (``reserve``); the place turns into a kernel id when
    the request takes a preheated kernel or starts a cold one; ``release`` frees a reservation
    that never got a kernel. ``busy()`` = reservations + live student kernels.
    """

    class_size = 30

    def __init__(self, **kwargs):
        self._reservations: list[object] = []
        self._students: set[str] = set()
        self._stopping = False
        super().__init__(**kwargs)

    # -- accounting ---------------------------------------------------------------------
    def busy(self) -> int:
        live = set(self.list_kernel_ids())
        self._students &= live
        return len(self._reservations) + len(self._students)

    def reserve(self) -> object | None:
        """A place for one student, or None when the class is full."""
        if self.busy() >= self.class_size:
            return None
        token = object()
        self._reservations.append(token)
        return token

    def release(self, token: object) -> None:
        if token in self._reservations:
            self._reservations.remove(token)

    def _handed_out(self, kernel_id: str) -> None:
        if self._reservations:
            self._reservations.pop(0)
        self._students.add(kernel_id)

    def _pooled(self) -> int:
        return sum(len(pool) for pool in getattr(self, "_pools", {}).values())

    # -- Voilà's hooks --------------------------------------------------------------------
    async def get_rendered_notebook(self, *args, **kwargs):
        result = await super().get_rendered_notebook(*args, **kwargs)
        self._handed_out(result[2])  # (render task, rendered cells, kernel id)
        return result

    async def start_kernel(self, *args, **kwargs):
        # pool fills start their kernels below this class; what arrives here is a cold start
        kernel_id = await super().start_kernel(*args, **kwargs)
        if kwargs.get("env", {}).get(ENV_VARIABLE.VOILA_PREHEAT) == "False":
            self._handed_out(kernel_id)
        return kernel_id

    def fill_if_needed(self, *args, **kwargs):
        # never preheat a kernel no student could get: the pool holds at most the free places
        room = self.class_size - self.busy()
        if getattr(self, "_stopping", False) or room <= 0:
            return None
        pools = self.kernel_pools_config
        self.kernel_pools_config = {name: {**cfg, "pool_size": min(cfg.get("pool_size", 1), room)}
                                    for name, cfg in pools.items()}
        try:  # Voilà reads the size here, synchronously, and schedules the starts
            return super().fill_if_needed(*args, **kwargs)
        finally:
            self.kernel_pools_config = pools

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
        self._students.discard(kernel_id)
        notebook = getattr(self, "notebook_path", None)
        if not kwargs.get("restart") and notebook is not None and hasattr(self, "_pools"):
            self.fill_if_needed(notebook_name=notebook)

    async def shutdown_all(self, *args, **kwargs):
        self._stopping = True
        return await super().shutdown_all(*args, **kwargs)


class ClassroomPageHandler(TornadoVoilaHandler):
    """The dashboard page: sets the _xsrf cookie, admits at most ``class_size`` students."""

    async def prepare(self):
        res = super().prepare()
        if inspect.isawaitable(res):
            await res
        self.xsrf_token  # noqa: B018 -- reading it sets the _xsrf cookie the close handler posts back

    @web.authenticated
    async def get(self, path=None):
        km = self.kernel_manager
        token = km.reserve()
        if token is None:
            self.log.warning("class full: %d students; refusing a page", km.class_size)
            self.set_status(503)
            self.set_header("Retry-After", "30")
            self.set_header("Cache-Control", "no-store")
            self.finish(FULL_PAGE.format(size=km.class_size, retry=30))
            return
        try:
            await super().get(path)
        finally:
            km.release(token)


class ClassroomVoila(voila_app.Voila):
    """Voilà with ``ClassroomKernels`` and ``ClassroomPageHandler`` (see the module docstring)."""

    name = "voila"  # reads voila.py / voila.json like Voilà itself
    class_size = Int(30, config=True, help="Students served at once; the next one gets a 'class is full' page.")

    def init_settings(self):
        factory = voila_app.voila_kernel_manager_factory
        size = self.class_size

        def classroom_factory(base, *args, **kwargs):
            pooled = factory(base, *args, **kwargs)
            return type("ClassroomKernelManager", (ClassroomKernels, pooled), {"class_size": size})

        voila_app.voila_kernel_manager_factory = classroom_factory
        try:
            return super().init_settings()
        finally:
            voila_app.voila_kernel_manager_factory = factory

    def init_handlers(self):
        return [(h[0], ClassroomPageHandler, *h[2:]) if h[1] is TornadoVoilaHandler else h
                for h in super().init_handlers()]


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not any(a.startswith("--Voila.config_file_paths") for a in argv):
        argv.append(f"--Voila.config_file_paths={[HERE]}")
    ClassroomVoila.launch_instance(argv)


if __name__ == "__main__":
    main()
