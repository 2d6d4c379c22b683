"""nbval must have teeth: a broken formula in actviz makes the notebook suite fail.

Each case copies the package, breaks one formula in the copy, and runs nbval (strict) on
a copy of the notebook with the broken package first on PYTHONPATH. The control case runs
the same procedure on an unbroken copy and must pass, so a failure is due to the break.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = {
    "control": ("01_sigmoid", None, None, None),
    # sigma' without the square in the denominator
    "sigmoid-dg": ("01_sigmoid", "kernels.py", "return e / (1.0 + e) ** 2", "return e / (1.0 + e)"),
    # relu convention at the kink flipped to 1
    "relu-kink": ("03_relu", "definitions.py", "(z > 0).astype(np.float64)),\n    dg_from_g",
                  "(z >= 0).astype(np.float64)),\n    dg_from_g"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.slow
def test_nbval_fails_on_a_broken_formula(case, tmp_path):
    notebook, module, old, new = CASES[case]
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "actviz", pkg / "actviz", ignore=shutil.ignore_patterns("__pycache__"))
    if old is not None:
        source = pkg / "actviz" / "maths" / module
        text = source.read_text()
        assert text.count(old) == 1, f"the mutation target moved: {old!r}"
        source.write_text(text.replace(old, new))
    shutil.copy(ROOT / "notebooks" / f"{notebook}.ipynb", tmp_path / f"{notebook}.ipynb")
    env = {**os.environ, "PYTHONPATH": str(pkg)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), f"{notebook}.ipynb"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    report = run.stdout + run.stderr
    if old is None:
        assert run.returncode == 0, report[-3000:]
        assert " passed" in report and "failed" not in report
    else:
        assert run.returncode == 1, report[-3000:]
        assert "mismatch" in report.lower() or "failed" in report
