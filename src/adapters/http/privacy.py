"""Keeping personal data and secrets out of logs: masks for paths and error text.

Routes of this API carry only ids, but a caller can type anything into a URL, and an
unexpected error's message may quote the data it choked on (a driver's "duplicate key
(email)=(...)"). Emails, phone-like digit runs and long token-like strings are masked.
"""

from __future__ import annotations

import re

_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"[^\s@/'\"(),;:<>=]+@[^\s@/'\"(),;:<>=]+")
_DIGITS = re.compile(r"(?<![0-9a-fA-F-])\d{7,}(?![0-9a-fA-F-])")  # not inside hex ids
_WORD = re.compile(r"[A-Za-z0-9_\-.]{24,}")


def _mask_digits(text: str) -> str:
    return _DIGITS.sub(lambda m: m.group()[:2] + "***", text)


def _mask_segment(segment: str) -> str:
    if _UUID.match(segment):
        return segment
    if "@" in segment:
        return "***@***"
    if len(segment) > 40:
        return segment[:6] + "***"
    return _mask_digits(segment)


def mask_path(path: str) -> str:
    """A URL path safe to log; ids (UUIDs) stay readable."""
    return "/".join(_mask_segment(segment) for segment in path.split("/"))


def _mask_token(match: re.Match[str]) -> str:
    """Long runs of letters and digits look like tokens; names and ids are left alone."""
    word = match.group()
    has_both = any(c.isdigit() for c in word) and any(c.isalpha() for c in word)
    if not has_both or _UUID.match(word) or "/" in word:
        return word
    return word[:6] + "***"


def scrub(text: str) -> str:
    """Free text (an error message, a traceback) with emails, phones and tokens masked."""
    text = _EMAIL.sub("***@***", text)
    text = _WORD.sub(_mask_token, text)
    return _mask_digits(text)
