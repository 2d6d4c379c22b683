"""A real JupyterHub, as students meet it: deploy/hub/jupyterhub_config.py (the README's hub
section) with its real proxy (configurable-http-proxy from npm, in .hub/), the shared-password
log-in and local single-user servers from the project venv.

Two students each click the README's nbgitpuller link (its ``repo=`` pointed at a local bare
copy of this repository, branch main, file:// URL) while logged out: log-in form -> their
server starts -> nbgitpuller clones the repository into their home -> JupyterLab opens the
notebook. Then, in each student's own browser context, the driver's checks: Restart & Run All,
every slider moved by keyboard changes its plot; plus one slider dragged with the mouse. And
one student cannot reach the other's server.

Ports are random, homes and the hub's database live in the pytest temp dir; the proxy is
installed (``npm ci``, once) by dev.py's ``ensure_hub_proxy`` if dev.py's set-up has not.
"""

from __future__ import annotations

import importlib.util
import re
import secrets
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import _STRAYS, _TIMINGS, _page_fixture
from .driver import (REPO, HubUser, LabNotebook, _check_moves, check_lab_notebook,
                     has_widgets, new_context, start_hub)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HUB_CONFIG = REPO / "deploy" / "hub" / "jupyterhub_config.py"
README = REPO / "README.md"
STUDENTS = ("ada", "grace")
# the README's link, with the hub's address as a placeholder
README_LINK = re.compile(r"https://<your-hub>/(hub/user-redirect/git-pull\?[^`\s)]+)")
# Lab settings a student's home starts with (as driver.LAB_OVERRIDES for the plain Lab):
# no news pop-up, every cell attached to the DOM so off-screen sliders can be driven.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        '{"fetchNews": "false", "checkForUpdates": false}',
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
}


def _ensure_proxy() -> Path:
    spec = importlib.util.spec_from_file_location("actviz_dev", REPO / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    try:
        return dev.ensure_hub_proxy()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        pytest.fail(f"JupyterHub's proxy could not be installed: {e}")


def readme_link(hub_url: str, repo_url: str) -> tuple[str, str]:
    """The README's nbgitpuller link on this hub, ``repo=`` swapped for *repo_url*; and the
    notebook it names (``urlpath`` after ``lab/tree/``)."""
    m = README_LINK.search(README.read_text())
    assert m, "README.md has no https://<your-hub>/hub/user-redirect/git-pull?... link"
    path, _, query = m.group(1).partition("?")
    params = urllib.parse.parse_qsl(query, strict_parsing=True)
    assert [k for k, _ in params] == ["repo", "branch", "urlpath"], params
    params = [(k, repo_url if k == "repo" else v) for k, v in params]
    urlpath = dict(params)["urlpath"]
    assert urlpath.startswith("lab/tree/"), urlpath
    return hub_url + path + "?" + urllib.parse.urlencode(params), urlpath[len("lab/tree/"):]


@dataclass
class Hub:
    server: object  # driver.Server
    password: str
    remote: Path  # bare copy of this repository (branch main)
    homes: Path
    link: str  # the README's link on this hub
    nb: str  # the notebook it opens, relative to a student's home


@dataclass
class Student:
    name: str
    context: object
    server: HubUser
    home: Path
    page: object  # where the link landed: Lab showing the link's notebook
    landed: str  # its URL
    seconds: float  # link followed -> notebook shown


@pytest.fixture(scope="module")
def hub(browser_tmp):
    _ensure_proxy()
    work = browser_tmp / "hub"
    # named like the GitHub repository, so nbgitpuller's folder is actviz/ as in the README
    remote = work / "remote" / "actviz"
    subprocess.run(["git", "init", "-q", "--bare", remote], check=True)
    subprocess.run(["git", "-C", remote, "config", "receive.shallowUpdate", "true"], check=True)
    subprocess.run(["git", "-C", REPO, "push", "-q", remote, "HEAD:refs/heads/main"], check=True)
    homes = work / "homes"
    for name in STUDENTS:
        for rel, text in USER_SETTINGS.items():
            f = homes / name / ".jupyter" / "lab" / "user-settings" / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text)
    password = secrets.token_urlsafe(12)
    srv = start_hub(HUB_CONFIG, work, homes, password)
    _TIMINGS.append({"test": "(JupyterHub start)", "total": round(srv.start_seconds, 2)})
    link, nb = readme_link(srv.url, remote.as_uri())
    yield Hub(srv, password, remote, homes, link, nb)
    strays = srv.stop()
    if strays:
        _STRAYS.append(f"hub: killed leftover pids {strays}")


def _follow_the_link_logged_out(hub: Hub, context, name: str):
    """Logged out, follow the link and submit the hub's log-in form; returns the page, which
    goes on to spawn the server, pull, and open Lab (see :func:`_landed`)."""
    page = context.new_page()
    page.goto(hub.link, wait_until="domcontentloaded", timeout=60_000)
    page.fill("#username_input", name)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    return page


def _landed(hub: Hub, context, name: str, page, t0: float) -> Student:
    want = re.compile(re.escape(f"{hub.server.url}user/{name}/lab/tree/{hub.nb}"))
    try:
        page.wait_for_url(want, timeout=120_000)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    except Exception:
        raise AssertionError(f"{name}: the link did not end in Lab on {hub.nb}; at "
                             f"{page.url}\n{page.inner_text('body')[:800]}\n"
                             f"hub log:\n{hub.server.log_tail()}") from None
    seconds = time.monotonic() - t0
    # an API token, made as the hub's token page makes one (cookie + the page's XSRF token)
    tp = context.new_page()
    tp.goto(hub.server.url + "hub/token", wait_until="domcontentloaded")
    token = tp.evaluate("""async (name) => {
        const r = await fetch(`${window.jhdata.base_url}api/users/${name}/tokens`, {
            method: 'POST', credentials: 'same-origin',
            headers: {'X-XSRFToken': window.jhdata.xsrf_token,
                      'Content-Type': 'application/json'},
            body: JSON.stringify({note: 'actviz hub test', expires_in: 3600})});
        if (!r.ok) throw new Error(`token request: ${r.status} ${await r.text()}`);
        return (await r.json()).token; }""", name)
    tp.close()
    srv = hub.server
    user = HubUser(f"hub:{name}", srv.proc, f"{srv.url}user/{name}/", srv.log_path, srv.work,
                   token)
    return Student(name, context, user, hub.homes / name, page, page.url, seconds)


@pytest.fixture(scope="module")
def students(hub, chromium, blocked_requests):
    """Both students follow the link at once (one browser context each: own cookies), so
    their servers start and pull side by side, as in a class."""
    t0 = time.monotonic()
    contexts = {name: new_context(chromium, blocked_requests) for name in STUDENTS}
    try:
        pages = {n: _follow_the_link_logged_out(hub, c, n) for n, c in contexts.items()}
        out = {n: _landed(hub, contexts[n], n, pages[n], t0) for n in STUDENTS}
        for s in out.values():
            _TIMINGS.append({"test": f"(hub: {s.name} link -> log-in, spawn, pull, Lab)",
                             "total": round(s.seconds, 2)})
        yield out
    finally:
        for c in contexts.values():
            c.close()


@pytest.fixture
def open_in_hub(request, students):
    """``open_in_hub(student, nb) -> LabNotebook`` in that student's Lab on the hub; the
    teardown of conftest's ``open_in_lab`` (screenshots ``<stem>-hub-<name>.png``, kernel
    shut down, timings)."""
    gens = []

    def open_(name: str, nb: str, **kw) -> LabNotebook:
        s = students[name]
        gen = _page_fixture(request, s.context, s.server, s.home, LabNotebook, f"hub-{name}")
        gens.append(gen)
        return next(gen)(nb, **kw)

    yield open_
    for gen in gens:
        for _ in gen:
            pass


def test_the_link_logs_each_student_in_and_pulls_the_repository(hub, students):
    head = subprocess.run(["git", "-C", hub.remote, "rev-parse", "main"], check=True,
                          capture_output=True, text=True).stdout.strip()
    for name, s in students.items():
        assert s.landed.startswith(f"{hub.server.url}user/{name}/lab/tree/{hub.nb}"), s.landed
        clone = s.home / "actviz"
        assert (clone / hub.nb.removeprefix("actviz/")).is_file(), f"{name}: no {hub.nb}"
        got = subprocess.run(["git", "-C", clone, "rev-parse", "HEAD"], check=True,
                             capture_output=True, text=True).stdout.strip()
        assert got == head, f"{name}'s clone is at {got}, the repository's main at {head}"


# ada goes on in the Lab the link opened (the README's notebook); grace opens the sigmoid
# explorer from the same clone in a new page, as the other browser tests open notebooks
@pytest.mark.parametrize("name, nb", [("ada", None),
                                      ("grace", "actviz/notebooks/01_sigmoid.ipynb")])
def test_student_runs_the_notebook_and_moves_sliders_by_keyboard_and_mouse(
        hub, students, open_in_hub, name, nb):
    s = students[name]
    if nb is None:
        page = open_in_hub(name, hub.nb, page=s.page, navigate=False)
    else:
        for sess in s.server.api("api/sessions"):  # the link's notebook: leave the CPU free
            s.server.api(f"api/sessions/{sess['id']}", method="DELETE")
        s.page.close()
        page = open_in_hub(name, nb)
    assert has_widgets(REPO / page.nb.removeprefix("actviz/"))
    check_lab_notebook(page)  # Restart & Run All, [1]..[n], no errors, every slider by keys
    drag = page.drag_slider(0)
    _check_moves([drag], f"{page.nb} on the hub ({name}), mouse")


def test_a_student_cannot_reach_another_students_server(students):
    ada, grace = students["ada"], students["grace"]
    assert ada.server.api("api/status")  # her own token works on her own server
    req = urllib.request.Request(ada.server.url + "api/sessions",
                                 headers={"Authorization": f"token {grace.server.token}"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    e.value.close()
    assert e.value.code in (403, 404), e.value.code
