"""Where widgets are not live (GitHub, nbviewer, nbconvert), every view still shows a picture."""

from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"


def widget_outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if WIDGET in o.get("data", {})]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_widget_output_carries_a_png_and_no_widget_state_is_stored(path):
    nb = nbformat.read(path, as_version=4)
    # with stored widget state, nbconvert/nbviewer render a CDN script instead of the PNG
    assert "widgets" not in nb.metadata, f"{path.name}: re-record with python3 dev.py record"
    for out in widget_outputs(nb):
        assert out["data"]["image/png"].startswith("iVBORw0KGgo"), f"{path.name}: a widget output without a PNG fallback"


@pytest.mark.slow
def test_nbconvert_html_shows_the_png_instead_of_a_widget_script():
    with_widgets = [p for p in NOTEBOOKS if widget_outputs(nbformat.read(p, as_version=4))]
    assert len(with_widgets) >= 5
    exporter = HTMLExporter()
    for path in with_widgets:
        nb = nbformat.read(path, as_version=4)
        body, _ = exporter.from_notebook_node(nb)
        assert f'type="{WIDGET}"' not in body, f"{path.name}: nbconvert emitted a live-widget script"
        shown = body.count('class="jp-RenderedImage jp-OutputArea-output')
        assert shown >= len(widget_outputs(nb)), f"{path.name}: {shown} images for {len(widget_outputs(nb))} views"
