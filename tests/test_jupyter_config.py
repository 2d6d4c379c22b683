"""The project's Jupyter server settings (jupyter_config/) reach the servers people and tests
start: the kernel websocket connection class that fixes the restart race of issue 12.3."""

import os
import subprocess
import sys
from pathlib import Path

import dev
from tests.browser.driver import _isolated_env

ROOT = Path(__file__).resolve().parent.parent
CLASS = "actviz_kernel_ws.StaleSafeZMQChannelsWebsocketConnection"


def _connection_class(env: dict) -> str:
    # the configured value (the trait's default needs a fully initialised app)
    code = ("from jupyter_server.serverapp import ServerApp; a = ServerApp(); "
            "a.load_config_file(); "
            "print(a.config.ServerApp.get('kernel_websocket_connection_class', 'default'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_lab_and_the_browser_tests_use_the_stale_safe_connection(tmp_path):
    assert _connection_class(dev.jupyter_env()) == CLASS
    assert _connection_class(_isolated_env(tmp_path)) == CLASS
    sys.path.insert(0, str(ROOT / "jupyter_config"))
    try:
        from actviz_kernel_ws import StaleSafeZMQChannelsWebsocketConnection as cls
        from jupyter_server.services.kernels.connection.channels import (
            ZMQChannelsWebsocketConnection)
        assert issubclass(cls, ZMQChannelsWebsocketConnection)
    finally:
        sys.path.remove(str(ROOT / "jupyter_config"))


def test_without_the_settings_the_upstream_class_is_used(tmp_path):
    env = {k: v for k, v in _isolated_env(tmp_path).items() if k != "JUPYTER_CONFIG_PATH"}
    assert _connection_class(env) == "default"  # so the check above can fail


def test_binder_start_puts_the_settings_on_the_config_path():
    start = ROOT / "binder" / "start"
    assert start.stat().st_mode & 0o111, "binder/start must be executable"
    out = subprocess.run([str(start), "sh", "-c", 'echo "$JUPYTER_CONFIG_PATH"'],
                         env={**os.environ, "JUPYTER_CONFIG_PATH": ""}, capture_output=True,
                         text=True)
    assert out.stdout.strip().split(os.pathsep)[0] == str(ROOT / "jupyter_config")
