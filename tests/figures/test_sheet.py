"""The printable formula sheet: one page, one row per registered activation, numbers from the package."""

import re

import pytest

import actviz
from actviz.figures.sheet import sheet_rows, write_formula_sheet


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("sheet")
    rows = write_formula_sheet(out / "sheet.pdf", out / "sheet.png")
    return out, rows


def test_the_pdf_exists_with_one_page(built):
    out, _ = built
    data = (out / "sheet.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    assert (out / "sheet.png").stat().st_size > 10_000


def test_one_row_per_activation_with_the_measured_numbers(built):
    _, rows = built
    assert [r.name for r in rows] == [actviz.get(n).label for n in actviz.names()]
    for r, n in zip(rows, actviz.names()):
        p = actviz.properties(n)
        assert r.range == p.range_text and r.mean == f"{actviz.mean_output(n):+.3f}"
        assert (r.dg_from_g == "none") == (not actviz.get(n).has_identity)
        assert r.at_zero.startswith("smooth" if p.dg_continuous_at_0 else "kink")


def test_the_pdf_is_the_same_on_every_build(tmp_path):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    write_formula_sheet(a)
    write_formula_sheet(b)
    assert a.read_bytes() == b.read_bytes()  # no creation date: the committed sheet can be rebuilt exactly


def test_rows_can_be_built_without_writing():
    assert len(sheet_rows()) == len(actviz.names())
