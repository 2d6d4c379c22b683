"""Fixtures for the real-browser suite: one JupyterLab, one Voilà, one headless Chromium per
session; one page per notebook. Driving code lives in ``driver.py`` (importable without
pytest, e.g. by a latency benchmark).

Artifacts (repo-root ``test-artifacts/``, gitignored):
  <stem>-lab.png / <stem>-voila.png   final state of every notebook (always written)
  <stem>-lab-FAILED.png / ...         full page at the moment a test failed
  browser-timings.json                seconds per notebook (also printed in the summary)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from .driver import (ARTIFACTS, CHROMIUM, NOTEBOOKS, LabNotebook, VoilaDashboard,
                    launch_browser, new_context, prepare_root, start_lab, start_voila)

_TIMINGS: list[dict] = []
_STRAYS: list[str] = []


# -- outcome of each phase on the item, for failure screenshots ------------------------------
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"_rep_{rep.when}", rep)
    return rep


def _failed(request) -> bool:
    return any(getattr(request.node, f"_rep_{w}", None) is not None
               and getattr(request.node, f"_rep_{w}").failed for w in ("setup", "call"))


# -- servers -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("actviz-browser")


@pytest.fixture(scope="session")
def served_root(browser_tmp) -> Path:
    """Temp COPY of notebooks/ (+ generated demos in _browser_demo/): browsers save here,
    never into the repo."""
    return prepare_root(NOTEBOOKS, browser_tmp / "root")


@pytest.fixture(scope="package")
def lab_server(served_root, browser_tmp):
    srv = start_lab(served_root, browser_tmp / "lab")
    _TIMINGS.append({"test": "(JupyterLab start)", "total": round(srv.start_seconds, 2)})
    yield srv
    strays = srv.stop()
    if strays:
        _STRAYS.append(f"lab: killed leftover pids {strays}")


@pytest.fixture(scope="package")
def voila_server(served_root, browser_tmp):
    srv = start_voila(served_root, browser_tmp / "voila")
    _TIMINGS.append({"test": "(Voilà start)", "total": round(srv.start_seconds, 2)})
    yield srv
    strays = srv.stop()
    if strays:
        _STRAYS.append(f"voila: killed leftover pids {strays}")


# -- browser -------------------------------------------------------------------------------
# Package scope, not session: Playwright's sync API keeps its event loop registered as the
# thread's running loop while it is started, so it must stop when tests/browser ends, before
# tests that call asyncio.run() (tests/widgets) run in the same process.
@pytest.fixture(scope="package")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium "
                    "(or set ACTVIZ_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = launch_browser(pw)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture(scope="package")
def blocked_requests() -> list[str]:
    """Non-loopback URLs the browser tried to fetch (aborted)."""
    return []


# Separate contexts: Lab and Voilà both live on 127.0.0.1 and cookies ignore the port.
@pytest.fixture(scope="package")
def lab_context(chromium, blocked_requests):
    ctx = new_context(chromium, blocked_requests)
    yield ctx
    ctx.close()


@pytest.fixture(scope="package")
def voila_context(chromium, blocked_requests):
    ctx = new_context(chromium, blocked_requests)
    yield ctx
    ctx.close()


# -- one page per notebook ---------------------------------------------------------------------
def _page_fixture(request, context, server, root, cls, suffix):
    opened: list[tuple[object, str, float]] = []

    def open_(nb: str, stem: str | None = None, page=None, **open_kw):
        """*page*: a Playwright page to adopt instead of a new one (see LabNotebook.open)."""
        stem = stem or Path(nb).stem
        (ARTIFACTS / f"{stem}-{suffix}-FAILED.png").unlink(missing_ok=True)
        page = cls(page or context.new_page(), server, nb, root=root)
        opened.append((page, stem, time.monotonic()))
        return page.open(**open_kw)

    yield open_

    for page, stem, t0 in opened:
        try:
            if _failed(request):
                page.screenshot(ARTIFACTS / f"{stem}-{suffix}-FAILED.png", full_page=True)
            page.show_first_slider()
            page.screenshot(ARTIFACTS / f"{stem}-{suffix}.png", full_page=suffix == "voila")
        finally:
            page.page.close()
            if isinstance(page, LabNotebook):
                try:
                    page.shutdown_kernel()  # keep the 2-core CI box free for the next one
                except OSError:
                    pass
        _TIMINGS.append({"test": request.node.nodeid.split("::")[-1], "where": suffix,
                         "total": round(time.monotonic() - t0, 2),
                         **{k: round(v, 2) for k, v in page.timings.items()},
                         "outcome": "failed" if _failed(request) else "passed"})


@pytest.fixture
def open_in_lab(request, lab_context, lab_server, served_root):
    """``open_in_lab("01_sigmoid.ipynb") -> LabNotebook`` (opened, kernel idle). At teardown:
    FAILED screenshot if the test failed, final ``<stem>-lab.png``, page closed, kernel
    shut down."""
    yield from _page_fixture(request, lab_context, lab_server, served_root, LabNotebook,
                             "lab")


@pytest.fixture
def open_in_voila(request, voila_context, voila_server, served_root):
    """``open_in_voila("dashboard.ipynb") -> VoilaDashboard`` (loaded, widgets present)."""
    yield from _page_fixture(request, voila_context, voila_server, served_root,
                             VoilaDashboard, "voila")


# -- report --------------------------------------------------------------------------------
def pytest_terminal_summary(terminalreporter):
    if not _TIMINGS and not _STRAYS:
        return
    tr = terminalreporter
    tr.section("browser timings (s)")
    keys = ["open", "run_all", "sliders", "total"]
    for t in _TIMINGS:
        parts = [f"{k}={t[k]}" for k in keys if k in t]
        if t.get("retries"):
            parts.append(f"retries={t['retries']}")
        tr.write_line(f"{t['test']:<45} {' '.join(parts)}")
    for s in _STRAYS:
        tr.write_line(f"WARNING {s}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-timings.json").write_text(json.dumps(_TIMINGS, indent=1))
