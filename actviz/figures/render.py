"""The one render and encode path of every figure (matplotlib + Pillow).

A figure class derives from :class:`FigureView`: it owns ``figure`` and ``canvas`` and
brings the canvas up to date in :meth:`FigureView.draw` (a full ``canvas.draw()`` by
default; the activation figure blits). :meth:`FigureView.render` draws and encodes the
pixels as PNG, which is what widgets show and what static views (nbconvert, nbviewer)
fall back to.
"""

from __future__ import annotations

import io

__all__ = ["FigureView", "png_bytes", "StaticFigure"]

#: zlib level for live frames: level 1 encodes ~5x faster than the default 6, a little larger.
PNG_LEVEL = 1


def png_bytes(canvas, compress_level: int = PNG_LEVEL) -> bytes:
    """The canvas's current pixels as PNG (RGB; no re-render)."""
    from PIL import Image

    width, height = canvas.get_width_height(physical=True)
    img = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="png", compress_level=compress_level)
    return buf.getvalue()


class FigureView:
    """Base of every actviz figure: ``figure``, ``canvas``, ``draw()``, ``render()``."""

    figure = None
    canvas = None

    def draw(self) -> None:
        """Bring the canvas pixels up to date with the figure's state."""
        self.canvas.draw()

    def render(self) -> bytes:
        """PNG bytes of the current state."""
        self.draw()
        return png_bytes(self.canvas)


class StaticFigure:
    """A PNG that displays itself in a notebook (``image/png`` + a stable text repr)."""

    def __init__(self, png: bytes, text: str):
        self.png, self.text = png, text

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return self.text
