"""QR codes of ticket barcodes, drawn as SVG by `segno`, for the holder's screen or printout."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str, *, title: str = "Ticket barcode") -> str:
    """A standalone SVG document (with its XML namespace, so a browser renders it as an
    image) of a QR code holding `text`; black on white, four pixels a module."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, title=title, light="#fff"
    )
    return buffer.getvalue().decode()
