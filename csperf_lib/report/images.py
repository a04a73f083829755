"""Smaller chart images for the pages: PNG outputs re-encoded with an 8-bit palette.

Hand-written because it is a few lines over Pillow (already installed with matplotlib); kept apart
from :mod:`csperf_lib.report.plots` so the runner does not import the plotting stack.
"""

from __future__ import annotations

import io

__all__ = ["compact_png"]


def compact_png(data: bytes, *, colours: int = 256) -> bytes:
    """A chart PNG re-encoded with a palette of at most ``colours`` colours (Pillow's fast octree
    quantiser), when that is smaller; else ``data`` unchanged.

    Matplotlib charts use few distinct colours apart from anti-aliased edges, so an 8-bit palette
    keeps them visually identical at about a quarter of the size of the 32-bit RGBA PNG the
    inline backend writes: this is what keeps a page of charts under 2 MB.
    """
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError):
        return data
    if image.mode not in ("RGBA", "RGB"):
        return data
    quantised = image.quantize(colours, method=Image.Quantize.FASTOCTREE) if image.mode == "RGBA" else image.quantize(colours)
    out = io.BytesIO()
    quantised.save(out, format="PNG", optimize=True)
    smaller = out.getvalue()
    return smaller if len(smaller) < len(data) else data
