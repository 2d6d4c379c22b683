#!/usr/bin/env python3
"""One entry point for people and CI; needs only Python 3.10+ (standard library).

    python3 dev.py lab       set up .venv and launch JupyterLab on notebooks/
    python3 dev.py test      set up .venv (+ Chromium for the browser tests) and run every test
    python3 dev.py record    re-execute every notebook in place (after changing actviz)
    python3 dev.py voila     serve the code-free classroom dashboard to a class (deploy/voila/)
    python3 dev.py hub       a JupyterHub on this machine (deploy/hub/jupyterhub_config.py)
    python3 dev.py bench     run the benchmarks in benchmarks/
    python3 dev.py sheet     build the printable formula sheet, docs/formula-sheet.pdf (+ .png)

Extra arguments after the command go to the tool, e.g. ``python3 dev.py test -k sigmoid``.
Set-up is idempotent: the venv is reinstalled only when requirements.txt or pyproject.toml
change (a hash is kept in .venv/actviz-install.stamp); JupyterHub's proxy
(configurable-http-proxy, from npm, pinned in deploy/hub/package-lock.json) goes into .hub/
when npm is available and is reinstalled only when that lock file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / "actviz-install.stamp"
CHROMIUM = Path("/usr/bin/chromium")
HUB_SRC = ROOT / "deploy" / "hub"  # jupyterhub_config.py, package.json + package-lock.json (the proxy)
HUB_DIR = ROOT / ".hub"  # gitignored: node_modules/ (the proxy), run/ (dev.py hub's database)
CHP = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
#: the project's Jupyter server settings (jupyter_config/jupyter_server_config.py says why)
JUPYTER_CONFIG = ROOT / "jupyter_config"


def jupyter_env(env=None) -> dict:
    """*env* (default: this process's) with jupyter_config/ first on JUPYTER_CONFIG_PATH."""
    env = dict(os.environ if env is None else env)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(JUPYTER_CONFIG), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    return env


def say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def run(cmd, **kw) -> None:
    say(" ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def setup() -> None:
    """Create .venv and install requirements.txt (which installs actviz itself, editable)."""
    if sys.version_info < (3, 10):
        sys.exit(f"actviz needs Python >= 3.10; this is {sys.version.split()[0]}")
    if not PY.exists():
        run([sys.executable, "-m", "venv", VENV])
    digest = hashlib.sha256(b"".join((ROOT / f).read_bytes() for f in ("requirements.txt", "pyproject.toml"))).hexdigest()
    if not (STAMP.exists() and STAMP.read_text() == digest):
        run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([PY, "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements.txt"], cwd=ROOT)
        STAMP.write_text(digest)
    try:  # only `dev.py hub` and the hub test need it: a failure here is not fatal for lab etc.
        ensure_hub_proxy()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        say(f"skipped JupyterHub's proxy (needed by `dev.py hub` and the hub test): {e}")


def ensure_hub_proxy() -> Path:
    """configurable-http-proxy into .hub/ with ``npm ci`` from deploy/hub's lock file; again
    only when the lock file changed (its copy in .hub/ is the stamp). Returns the executable."""
    lock = (HUB_SRC / "package-lock.json").read_bytes()
    if CHP.exists() and (HUB_DIR / "package-lock.json").exists() \
            and (HUB_DIR / "package-lock.json").read_bytes() == lock:
        return CHP
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("JupyterHub's proxy (configurable-http-proxy) needs npm "
                           "(Node.js >= 20): install Node.js and run `python3 dev.py test` again")
    HUB_DIR.mkdir(exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(HUB_SRC / f, HUB_DIR / f)
    run([npm, "ci", "--prefix", HUB_DIR, "--no-audit", "--no-fund", "--loglevel=error"])
    if not CHP.exists():
        raise RuntimeError(f"npm ci finished but {CHP} is missing")
    return CHP


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it when it is missing and we can."""
    if CHROMIUM.exists():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-q"], env=env)
        run(["apt-get", "install", "-y", "-q", "chromium"], env=env)
        return
    sys.exit(
        "The browser tests need Chromium at /usr/bin/chromium. Install it "
        "(Debian/Ubuntu: sudo apt-get install chromium) and run again."
    )


def as_root() -> list[str]:
    """Jupyter refuses to run as root without --allow-root; containers (and CI) often are root."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def lab(args) -> None:
    setup()
    os.execve(PY, [str(PY), "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT / 'notebooks'}",
                   "--LabApp.default_url=/lab/tree/00_start_here.ipynb", *as_root(), *args], jupyter_env())


#: small matrices (the training notebooks): one BLAS thread is ~3x faster than several on 2 cores
QUIET_BLAS = {"OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}


def test(args) -> None:
    setup()
    ensure_chromium()
    try:  # tests/browser/test_browser_hub.py runs the real proxy
        ensure_hub_proxy()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        sys.exit(f"The hub test needs JupyterHub's proxy: {e}")
    cmd = [PY, "-m", "pytest", *PYTEST_ARGS, *args]
    say(" ".join(str(c) for c in cmd))
    sys.exit(subprocess.run([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **QUIET_BLAS}).returncode)


#: The whole suite: unit tests, nbval (strict) on every notebook, browser tests.
PYTEST_ARGS = [
    "tests",
    "notebooks",
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
    "-p", "no:cacheprovider",
]


def record(args) -> None:
    setup()
    sys.exit(subprocess.run([str(PY), str(ROOT / "scripts" / "record_notebooks.py"), *args], cwd=ROOT,
                            env={**os.environ, **QUIET_BLAS}).returncode)


def voila(args) -> None:
    """Voilà set up for a class: deploy/voila/classroom.py with the settings in deploy/voila/voila.py."""
    setup()
    os.execv(PY, [str(PY), str(ROOT / "deploy" / "voila" / "classroom.py"),
                  str(ROOT / "notebooks" / "dashboard.ipynb"), *args])


def hub(args) -> None:
    """JupyterHub on this machine: the config the hub test uses; state in .hub/run/."""
    setup()
    try:
        ensure_hub_proxy()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        sys.exit(str(e))
    if not os.environ.get("ACTVIZ_HUB_PASSWORD"):
        sys.exit("Set ACTVIZ_HUB_PASSWORD (8+ characters): the password students type, e.g.\n"
                 "  ACTVIZ_HUB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(9))')"
                 " python3 dev.py hub")
    (HUB_DIR / "run").mkdir(parents=True, exist_ok=True)
    os.chdir(HUB_DIR / "run")  # jupyterhub.sqlite and the cookie secret are written here
    os.execv(BIN / "jupyterhub", [str(BIN / "jupyterhub"), "-f", str(HUB_SRC / "jupyterhub_config.py"), *args])


def bench(args) -> None:
    setup()
    sys.exit(subprocess.run([str(PY), "-m", "benchmarks.run", *args], cwd=ROOT).returncode)


def sheet(args) -> None:
    setup()
    code = ("from actviz.figures.sheet import write_formula_sheet; "
            "rows = write_formula_sheet('docs/formula-sheet.pdf', 'docs/formula-sheet.png'); "
            "print(f'docs/formula-sheet.pdf: {len(rows)} activations')")
    sys.exit(subprocess.run([str(PY), "-c", code, *args], cwd=ROOT).returncode)


COMMANDS = {"lab": lab, "test": test, "record": record, "voila": voila, "hub": hub, "bench": bench, "sheet": sheet}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
