"""The notebooks are thin: they use the public facade only (``import actviz; actviz.<name>``),
never a submodule, never ``inspect`` to print library source, never a private field."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

import actviz

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def _code(path):
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_uses_the_facade_only(path):
    for source in _code(path):
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("actviz."), f"{path.name}: import {alias.name}"
                    assert alias.name != "inspect", f"{path.name}: prints library source with inspect"
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("actviz"), f"{path.name}: from {node.module} import ..."
                assert node.module != "inspect"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "actviz":
                assert node.attr in actviz.__all__ or node.attr == "__version__", \
                    f"{path.name}: actviz.{node.attr} is not in the facade"
            if isinstance(node, ast.Attribute) and re.fullmatch(r"_[a-z]\w*", node.attr):
                pytest.fail(f"{path.name}: touches the private field .{node.attr}")
            if isinstance(node, ast.keyword) and node.arg and node.arg.startswith("_"):
                pytest.fail(f"{path.name}: passes the private field {node.arg}=")
