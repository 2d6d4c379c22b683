"""Re-execute notebooks on a fresh kernel and save them in place (Restart & Run All).

    python3 dev.py record                  # every notebook in notebooks/
    python3 dev.py record 01_sigmoid       # only those whose name contains a word

The kernel runs with this interpreter (the project's .venv), in notebooks/ as its cwd,
the same as nbval. Widget state is *not* stored: with it, static renderers (nbconvert,
nbviewer) emit a widget script that needs a CDN and show nothing; without it they fall
back to the PNG each actviz view puts in its display bundle.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def record(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # see the module docstring
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   record_timing=False, store_widget_state=False).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(words: list[str]) -> int:
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    paths = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not words or any(w in p.name for w in words))
    if not paths:
        print(f"no notebook in {NOTEBOOKS} matches {words}")
        return 1
    for p in paths:
        print(f"recording {p.relative_to(ROOT)} ...", end=" ", flush=True)
        print(f"{record(p):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
