"""The project's Jupyter server settings reach the servers people and tests start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dev
from tests.browser.driver import _isolated_env

ROOT = Path(__file__).resolve().parent.parent


def _effective_protocol(env: dict) -> object:
    out = subprocess.run([sys.executable, "-m", "jupyter", "server", "--show-config-json"],
                         env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout).get("ZMQChannelsWebsocketConnection", {}).get("kernel_ws_protocol")


def test_lab_and_the_browser_tests_speak_the_legacy_kernel_protocol(tmp_path):
    assert _effective_protocol(dev.jupyter_env()) == ""
    assert _effective_protocol(_isolated_env(tmp_path)) == ""


def test_without_the_settings_the_protocol_is_left_to_the_front_end(tmp_path):
    env = {k: v for k, v in _isolated_env(tmp_path).items() if k != "JUPYTER_CONFIG_PATH"}
    assert _effective_protocol(env) is None  # so the check above can fail


def test_binder_start_puts_the_settings_on_the_config_path():
    start = ROOT / "binder" / "start"
    assert start.stat().st_mode & 0o111, "binder/start must be executable"
    out = subprocess.run([str(start), "sh", "-c", 'echo "$JUPYTER_CONFIG_PATH"'],
                         env={**os.environ, "JUPYTER_CONFIG_PATH": ""}, capture_output=True, text=True)
    assert out.stdout.strip().split(os.pathsep)[0] == str(ROOT / "jupyter_config")
