"""Each folder of actviz is one dependency layer: import it in a fresh interpreter and see
which libraries it loaded (a lower layer never imports a higher one)."""

import json
from pathlib import Path

import pytest

import actviz

PACKAGE = Path(actviz.__file__).parent
HEAVY = ("sympy", "matplotlib", "ipywidgets", "anywidget")

# folder -> the heavy libraries it may load: its own and those of the layers below it
# (maths -> symbolic -> figures -> widgets); the ones above it must stay unloaded
LAYERS = {
    "maths": (),
    "symbolic": ("sympy",),
    "figures": ("matplotlib", "sympy"),  # the formula sheet typesets the engine's derivations
    "widgets": ("matplotlib", "ipywidgets", "sympy", "anywidget"),
}


def _modules(folder: str) -> list[str]:
    return sorted(f"actviz.{folder}.{p.stem}" for p in (PACKAGE / folder).glob("*.py") if p.stem != "__init__")


def test_every_folder_is_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(LAYERS)
    flat = {p.name for p in PACKAGE.glob("*.py")}
    assert flat == {"__init__.py"}, f"modules outside the layer folders: {flat - {'__init__.py'}}"


@pytest.mark.parametrize("folder", list(LAYERS))
@pytest.mark.slow
def test_a_layer_loads_only_what_it_may(folder, fresh_python):
    modules = _modules(folder)
    code = (f"import importlib, json, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            f"print(json.dumps([h for h in {HEAVY!r} if h in sys.modules]))")
    loaded = set(json.loads(fresh_python(code)))
    allowed = set(LAYERS[folder])
    assert loaded <= allowed, f"actviz/{folder}/ loaded {sorted(loaded - allowed)}"
    if folder == "figures":
        assert "ipywidgets" not in loaded


@pytest.mark.slow
def test_import_actviz_loads_numpy_only(fresh_python):
    out = json.loads(fresh_python(f"import actviz, json, sys; print(json.dumps([h for h in {HEAVY!r} if h in sys.modules]))"))
    assert out == []


@pytest.mark.slow
def test_facade_names_resolve_and_lazy_ones_load_their_layer(fresh_python):
    for name in actviz.__all__:
        assert getattr(actviz, name) is not None, name
    code = "import actviz, sys; actviz.plot; print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    assert fresh_python(code).split() == ["True", "False"]
