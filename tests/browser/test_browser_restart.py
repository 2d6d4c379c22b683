"""Restart Kernel and Run All Cells right after opening a notebook, as a student does at once.

The restart race of issue 12 is still OPEN. Seen here: the server logs "Replacing stale
connection" after "Kernel restarted"; the kernel runs the cells (it is idle) but their replies
never reach the page, whose prompts stay at [*]. (The issue also saw v1 frames parsed as legacy
ones, ``struct.error``.) This test reproduces the hang (1 try in 2 or 3 on the 2-core machine),
so it fails today, with a 90 s time-out; it runs only on demand:

    ACTVIZ_REPRO_RESTART=1 .venv/bin/python -m pytest tests/browser/test_browser_restart.py

and is reported as skipped otherwise (not as a pass). Forcing the legacy kernel protocol
(``ZMQChannelsWebsocketConnection.kernel_ws_protocol = ""``) is no fix: Chromium then fails the
websocket handshake ("Sent non-empty 'Sec-WebSocket-Protocol' header but no response").
"""

import os

import pytest

from .driver import code_cells

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(
    not os.environ.get("ACTVIZ_REPRO_RESTART"),
    reason="reproduces the open restart race of issue 12 (fails today); ACTVIZ_REPRO_RESTART=1 runs it")]

NB = "00_start_here.ipynb"
TRIES = 3  # each is ~15 s on the 2-core CI machine; the bug showed in 1-2 of 5


def test_restart_and_run_all_at_once_never_leaves_a_dead_kernel(open_in_lab, lab_server):
    cells = None
    for attempt in range(TRIES):
        seen = len(lab_server.log_path.read_text(errors="replace"))
        nb = open_in_lab(NB, stem=f"restart-at-once-{attempt}", wait_kernel=False)
        cells = cells or code_cells(nb._nb_path())
        nb.restart_and_run_all()  # no wait for the kernel: the race a student can hit
        nb.wait_run_complete(cells, timeout=90)
        assert nb.kernel_status() == "idle"
        log = lab_server.log_path.read_text(errors="replace")[seen:]
        for sign in ("struct.error", "unpack requires a buffer", "Traceback"):
            assert sign not in log, f"attempt {attempt + 1}: the server log shows {sign!r}:\n{log[-3000:]}"
        nb.shutdown_kernel()
