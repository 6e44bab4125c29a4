"""A venue's seat map drawn as SVG for the event page: a square per seat, coloured by price
category, struck out when taken, each with its label as a tooltip."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from core.booking.seating import SEAT_PITCH, Venue

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#eeca3b")
SIZE = SEAT_PITCH - 6
MARGIN = 10


def seat_map_svg(venue: Venue, taken: Collection[UUID]) -> Markup:
    """The whole map; free seats in their category's colour, taken ones grey."""
    colours = {c.code: PALETTE[n % len(PALETTE)] for n, c in enumerate(venue.categories)}
    width = max(s.x for s in venue.seats) + SEAT_PITCH + 2 * MARGIN
    height = max(s.y for s in venue.seats) + SEAT_PITCH + 2 * MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" data-testid="seat-map"'
        f" aria-label={quoteattr(venue.name)}>"
    ]
    for seat in venue.seats:
        state = "taken" if seat.id in taken else "free"
        fill = "#cccccc" if state == "taken" else colours[seat.category]
        parts.append(
            f'<rect x="{seat.x + MARGIN}" y="{seat.y + MARGIN}" width="{SIZE}" height="{SIZE}"'
            f' rx="4" fill="{fill}" data-seat="{seat.id}" data-state="{state}">'
            f"<title>{escape(seat.label)}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
