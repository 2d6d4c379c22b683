"""The Binder set-up, checked without Docker: repo2docker writes its Dockerfile, pins agree."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import pins

ROOT = Path(__file__).resolve().parent.parent


def test_binder_pins_agree_with_requirements():
    binder, main = pins(ROOT / "binder" / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert {"jupyterlab", "ipywidgets", "jupyterlab-widgets", "voila", "matplotlib", "numpy"} <= set(binder)
    disagree = {k: (v, main.get(k)) for k, v in binder.items() if main.get(k) != v}
    assert not disagree, f"binder/requirements.txt and requirements.txt differ: {disagree}"


def test_binder_installs_actviz_itself():
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install" in post and "-e ." in post
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def _repo2docker(repo):
    exe = Path(sys.executable).parent / "repo2docker"
    return subprocess.run([str(exe), "--no-build", "--debug", str(repo)], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_repo2docker_generates_a_dockerfile_with_our_environment(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "binder", repo / "binder")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    run = _repo2docker(repo)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout + run.stderr
    assert "python=3.11" in out
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in out
    assert "./binder/postBuild" in out


@pytest.mark.slow
def test_repo2docker_rejects_a_broken_runtime(tmp_path):
    """The check above can fail: a bad runtime.txt makes repo2docker refuse."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "binder", repo / "binder")
    (repo / "binder" / "runtime.txt").write_text("python-2.1\n")
    run = _repo2docker(repo)
    assert run.returncode != 0 and "not supported" in run.stderr


@pytest.mark.parametrize("url_part", ["urlpath=lab/tree/notebooks/00_start_here.ipynb", "urlpath=voila/render/notebooks/dashboard.ipynb"])
def test_readme_has_both_binder_badges(url_part):
    assert url_part in (ROOT / "README.md").read_text()
