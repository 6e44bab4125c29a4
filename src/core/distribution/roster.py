"""Participant lists: search keys that find a person fast, and CSV import and export.

Search. Each participant has a set of *tokens* (folded name words, email, phone digits), kept
by repositories in a token table. A query is split into *query tokens*; a participant matches
when **every query token is a prefix of at least one of its tokens** (AND over query tokens,
any token per query token). A repository finds one query token's participants with a range
scan, `token >= q AND token < q || '\\uffff'`, which equals "starts with q" because tokens hold
no character at or above U+FFFF; the comparison must be by code point (SQLite's default
BINARY collation, `COLLATE "C"` on PostgreSQL) for SQLite and PostgreSQL to agree.

Import reads what organisers have: Excel exports in UTF-8 or Windows-1251, `;` or `,`, Russian
or English headers; bad rows are reported by line and the good ones kept. Export writes the
same columns back, safe to open in a spreadsheet.
"""

# ruff: noqa: RUF001, RUF002 - Cyrillic letters are the data of this module.
from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import attrs

from core.identity.model import normalise_email
from core.shared.errors import ValidationFailed

if TYPE_CHECKING:
    from _csv import Reader

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 32
PHONE_MIN_DIGITS = 7

_PHONE_CHARS = frozenset(" +()-.")
_EDGE = " \"'«»„“”()[]{}<>.,;:!?-_"
"""Spaces and punctuation stripped from both ends of name words and query words."""
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
"""A cell a spreadsheet would run as a formula, or one that would look so once unescaped."""
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
"""A cell that `spreadsheet_safe` escaped."""


# Search keys ------------------------------------------------------------------------------
def fold(text: str) -> str:
    """The form in which two spellings count as the same: case, Unicode composition and
    spacing ignored, ё read as е ("Ёлкина", "ЕЛКИНА " and "елкина": lists often type ё as е).

    Unicode canonical caseless matching (NFD of casefold of NFD), then the diaeresis of ё is
    dropped in decomposed form, which keeps `fold` idempotent on any input, then NFC.
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())
    kept: list[str] = []
    base = ""
    for char in decomposed:
        if not unicodedata.combining(char):
            base = char
        elif char == "\u0308" and base == "е":
            continue
        kept.append(char)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def phone_digits(raw: str) -> str:
    """The digits of a phone number (any script's decimal digits, as ASCII).

    An 11-digit number starting with the Russian trunk prefix 8 is rewritten to the country
    code 7: "+7 (999) 123-45-67", "8 999 123 45 67" and "79991234567" are one number.
    """
    digits = "".join(str(unicodedata.decimal(c)) for c in raw if c.isdecimal())
    if len(digits) == 11 and digits.startswith("8"):
        return "7" + digits[1:]
    return digits


def search_tokens(
    last_name: str, first_name: str, second_name: str, email: str, phone: str
) -> frozenset[str]:
    """Everything a participant can be found by; any prefix of a token finds them.

    - each folded name part, each of its words, and each word's pieces between `.` and `-`
      ("Петров-Водкин" gives "петров-водкин", "петров" and "водкин");
    - the folded email, its local part and the local part's pieces ("ivan.petrov" → "petrov");
    - the phone digits; for an 11-digit 7… number (Russia, Kazakhstan) also the 10 digits
      without the country code and the same with the trunk prefix 8, so that "999 12",
      "8 999 12" and "+7 999 12" all find +7 999 123-45-67 while it is being typed.
    """
    tokens: set[str] = set()
    for part in (last_name, first_name, second_name):
        tokens |= _name_tokens(part)
    address = "".join(_token_text(email).split())
    if address:
        local = address.split("@", 1)[0]
        tokens |= {address, *_pieces(local)}
    digits = phone_digits(phone)
    if digits:
        tokens.add(digits)
    if len(digits) == 11 and digits.startswith("7"):
        tokens |= {digits[1:], "8" + digits[1:]}
    return frozenset(t for t in tokens if _useful(t))


def query_tokens(q: str) -> list[str]:
    """A person's query as prefix tokens, in order; a blank query gives [] (matches everyone).

    The query is folded and split on spaces. A run of words made only of digits and `+()-.`
    is one phone token of its digits: "+7 (999) 123-45-67" → "79991234567", "анна 999 12" →
    "анна", "99912"; the 8→7 rule applies only to a whole 11-digit number, so "8 999" stays
    "8999" (found through the trunk-prefix token). A word with `@` ("ivan@") stays whole;
    other words are split on `.` so initials work ("Иванов И.И." → "иванов", "и"). Repeated
    tokens are given once.
    """
    tokens: list[str] = []
    for phone, group in itertools.groupby(_token_text(q).split(), key=_phone_word):
        words = list(group)
        if phone:
            pieces = [phone_digits("".join(words))]
        else:
            pieces = [p for word in words for p in ([word] if "@" in word else word.split("."))]
        for piece in pieces:
            token = piece.strip(_EDGE)
            if _useful(token) and token not in tokens:
                tokens.append(token)
    return tokens


def matches(tokens: frozenset[str], query: list[str]) -> bool:
    """Whether a participant with `tokens` matches `query`: every query token is a prefix
    of one of the tokens. The in-memory repository's version of the range scans."""
    return all(any(token.startswith(q) for token in tokens) for q in query)


def _name_tokens(part: str) -> set[str]:
    folded = _token_text(part)
    tokens = {folded.strip(_EDGE)}
    for word in folded.split():
        tokens |= _pieces(word)
    return tokens


def _pieces(word: str) -> set[str]:
    """The word and its pieces between dots, and between dots and hyphens."""
    pieces = {word, *word.split("."), *word.split("-"), *re.split(r"[.\-]", word)}
    return {piece.strip(_EDGE) for piece in pieces}


def _token_text(text: str) -> str:
    """Folded, without characters a token table cannot hold or a range scan would miss:
    control characters, lone surrogates and anything at or above U+FFFF (the scan's bound)."""
    kept = (c for c in fold(text) if ord(c) < 0xFFFF and unicodedata.category(c) != "Cs")
    return " ".join("".join(c for c in kept if unicodedata.category(c) != "Cc").split())


def _useful(token: str) -> bool:
    """A token worth keeping: a lone dash or quote would match nothing a person means."""
    return any(c.isalnum() for c in token)


def _phone_word(word: str) -> bool:
    return all(c.isdecimal() or c in _PHONE_CHARS for c in word)


def _phone_like(text: str, min_digits: int) -> bool:
    """Only decimal digits, spaces and `+()-.`, with at least `min_digits` digits."""
    stripped = text.strip()
    digits = sum(c.isdecimal() for c in stripped)
    return digits >= min_digits and all(c.isdecimal() or c in _PHONE_CHARS for c in stripped)


# CSV import -------------------------------------------------------------------------------
@attrs.frozen
class RosterRow:
    """One good participant row: trimmed, email normalised, phone as typed."""

    line: int
    last_name: str
    first_name: str
    second_name: str
    email: str
    phone: str
    preferred_point: str | None


@attrs.frozen
class RowProblem:
    """What is wrong at one line, said so that the organiser can fix the file."""

    line: int
    message: str


@attrs.frozen
class RosterImport:
    """The good rows, the problems (a row with any problem is not in `rows`), and how the
    file was read: `encoding` is "utf-8", "utf-8-sig" (with BOM) or "cp1251"."""

    rows: tuple[RosterRow, ...]
    problems: tuple[RowProblem, ...]
    encoding: str
    delimiter: str


_ALIASES = {
    "last_name": ("lastname", "surname", "familyname", "фамилия"),
    "first_name": ("firstname", "name", "givenname", "имя"),
    "second_name": ("secondname", "middlename", "patronymic", "отчество"),
    "email": ("email", "mail", "почта", "эл.почта", "электроннаяпочта"),
    "phone": ("phone", "telephone", "mobile", "phonenumber", "телефон", "тел.", "мобильный"),
    "preferred_point": ("preferredpoint", "point", "pickuppoint", "точкавыдачи", "точка"),
}
_COLUMN_OF = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
_REQUIRED = {"last_name": "last name (Фамилия)", "first_name": "first name (Имя)"}


def parse_roster(data: bytes) -> RosterImport:
    """Read a participant list from a CSV file.

    Line numbers are physical lines of the file, counting from 1 with the header on line 1;
    a row whose quoted field spans lines is reported at the line where the row starts, and
    the rows after it keep their true line numbers. A leading `'` that `spreadsheet_safe`
    added is taken off again. Raises ValidationFailed for a file over `MAX_FILE_BYTES`, with
    over `MAX_ROWS` rows, or in neither UTF-8 nor Windows-1251.
    """
    if len(data) > MAX_FILE_BYTES:
        limit = f"a roster file may be at most {MAX_FILE_BYTES // 2**20} MB"
        raise ValidationFailed(f"{limit}; split this one into smaller files", field="file")
    text, encoding = _decode(data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = (item for item in _physical_rows(reader) if not _blank(item[1]))
    header = next(lines, None)
    if header is None or isinstance(header[1], str):
        problem = RowProblem(header[0] if header else 1, "the file has no header row")
        return RosterImport((), (problem,), encoding, delimiter)
    columns, problems = _columns(header[0], header[1])
    if not all(field in columns for field in _REQUIRED):
        return RosterImport((), tuple(problems), encoding, delimiter)
    rows = _read_rows(lines, columns, problems)
    return RosterImport(tuple(rows), tuple(problems), encoding, delimiter)


def _read_rows(
    lines: Iterator[tuple[int, list[str] | str]],
    columns: dict[str, int],
    problems: list[RowProblem],
) -> list[RosterRow]:
    """The good rows; each bad row's problems are appended to `problems`."""
    rows: list[RosterRow] = []
    seen: dict[tuple[str, ...], int] = {}
    for count, (line, cells) in enumerate(lines, start=1):
        if count > MAX_ROWS:
            limit = f"a roster file may hold at most {MAX_ROWS} participants"
            raise ValidationFailed(f"{limit}; split this one into smaller files", field="file")
        if isinstance(cells, str):
            message = f"cannot read this line ({cells}); check for a quote that is never closed"
            problems.append(RowProblem(line, message))
            continue
        row, messages = _read_row(line, cells, columns)
        if row is not None:
            messages += _duplicate(row, seen)
        problems += [RowProblem(line, message) for message in messages]
        if row is not None and not messages:
            rows.append(row)
    return rows


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 when the bytes are valid UTF-8 (with or without BOM), else Windows-1251."""
    for codec in ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", "cp1251"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    message = "the file is neither UTF-8 nor Windows-1251 text; save it as CSV (UTF-8)"
    raise ValidationFailed(message, field="file")


def _sniff_delimiter(text: str) -> str:
    """`;` or `,`, whichever the header line has more of outside quotes; `;` on a tie."""
    first = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    return "," if unquoted.count(",") > unquoted.count(";") else ";"


def _physical_rows(reader: Reader) -> Iterator[tuple[int, list[str] | str]]:
    """(line where the row starts, its cells or the reader's error) for every row."""
    line = 1
    while True:
        try:
            cells: list[str] | str = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            cells = str(error)
        yield line, cells
        line = reader.line_num + 1  # physical lines read so far


def _blank(cells: list[str] | str) -> bool:
    return isinstance(cells, list) and not any(cell.strip() for cell in cells)


def _columns(line: int, header: list[str]) -> tuple[dict[str, int], list[RowProblem]]:
    """Which cell holds which field; unknown columns are ignored, the first of twins used."""
    columns: dict[str, int] = {}
    problems: list[RowProblem] = []
    for index, name in enumerate(header):
        field = _COLUMN_OF.get(re.sub(r"[\s_\-*:]", "", fold(name)))
        if field is None:
            continue
        if field in columns:
            twice = f"column {name.strip()!r} appears twice; column {columns[field] + 1} is used"
            problems.append(RowProblem(line, twice))
        else:
            columns[field] = index
    example = "Фамилия;Имя;Отчество;Email;Телефон"
    for field, label in _REQUIRED.items():
        if field not in columns:
            missing = f"no {label} column; the first row must name the columns, e.g. {example}"
            problems.append(RowProblem(line, missing))
    return columns, problems


_FIELDS = (  # field, label, longest, required, inner spacing collapsed (phones kept as typed)
    ("last_name", "last name", NAME_MAX, True, True),
    ("first_name", "first name", NAME_MAX, True, True),
    ("second_name", "second name", NAME_MAX, False, True),
    ("email", "email", EMAIL_MAX, False, True),
    ("phone", "phone", PHONE_MAX, False, False),
    ("preferred_point", "pickup point", NAME_MAX, False, True),
)


def _read_row(
    line: int, cells: list[str], columns: dict[str, int]
) -> tuple[RosterRow | None, list[str]]:
    """The row and its problems; the row is None when there is any problem."""
    problems: list[str] = []
    value: dict[str, str] = {}
    for field, label, longest, required, collapse in _FIELDS:
        index = columns.get(field)
        raw = cells[index] if index is not None and index < len(cells) else ""
        value[field] = _field(raw, label, longest, required, collapse, problems)
    if value["email"]:
        try:
            value["email"] = normalise_email(value["email"])
        except ValidationFailed as error:
            problems.append(error.detail)
    if value["phone"] and len(phone_digits(value["phone"])) < PHONE_MIN_DIGITS:
        problems.append(f"phone must have at least {PHONE_MIN_DIGITS} digits")
    if problems:
        return None, problems
    point = value.pop("preferred_point") or None
    return RosterRow(line=line, preferred_point=point, **value), problems


def _field(
    raw: str, label: str, longest: int, required: bool, collapse: bool, problems: list[str]
) -> str:
    """The trimmed value, or "" with a problem appended to `problems`."""
    if _ESCAPED.match(raw.lstrip()):
        raw = raw.lstrip()[1:]  # undo the export's formula escape
    if "\n" in raw or "\r" in raw:
        problems.append(f"{label} runs over several lines; check for a quote never closed")
        return ""
    if any(unicodedata.category(c) == "Cc" and c != "\t" for c in raw):
        problems.append(f"{label} contains control characters")
        return ""
    value = " ".join(raw.split()) if collapse else raw.strip()
    if required and not value:
        problems.append(f"{label} is required")
    if len(value) > longest:
        problems.append(f"{label} is longer than {longest} characters")
        return ""
    return value


def _duplicate(row: RosterRow, seen: dict[tuple[str, ...], int]) -> list[str]:
    """A problem when an earlier good row is the same person, by email or else name+phone."""
    key: tuple[str, ...]
    if row.email:
        key, what = ("email", row.email), "the same email"
    else:
        names = (fold(row.last_name), fold(row.first_name), fold(row.second_name))
        key, what = ("person", *names, phone_digits(row.phone)), "the same name and phone"
    first = seen.setdefault(key, row.line)
    return [] if first == row.line else [f"duplicate of line {first} ({what})"]


# CSV export -------------------------------------------------------------------------------
@attrs.frozen
class ExportRow:
    """One participant as written to a CSV file; times already formatted by the caller."""

    last_name: str
    first_name: str
    second_name: str
    email: str
    phone: str
    point: str
    slot: str
    delivered_at: str
    delivered_point: str


EXPORT_HEADERS = {
    "en": ("last_name", "first_name", "second_name", "email", "phone", "point", "slot",
           "delivered_at", "delivered_point"),
    "ru": ("Фамилия", "Имя", "Отчество", "Эл. почта", "Телефон", "Точка выдачи", "Время",
           "Выдано", "Где выдано"),
}  # fmt: skip
"""Column names by language; `parse_roster` reads both back (unknown columns ignored)."""


def roster_csv(rows: Iterable[ExportRow], *, delimiter: str = ";", lang: str = "en") -> str:
    """The participants as CSV text (RFC 4180 quoting, CRLF line ends), header first.

    The caller encodes the text with `export_encoding(lang)`: "utf-8-sig" for "ru", so that
    Excel sees the BOM and shows Cyrillic right, plain "utf-8" for "en". Cells that a
    spreadsheet would run as a formula are escaped (see `spreadsheet_safe`).
    """
    if delimiter not in (";", ","):
        raise ValidationFailed("the delimiter must be ';' or ','", field="delimiter")
    if lang not in EXPORT_HEADERS:
        raise ValidationFailed("the language must be 'en' or 'ru'", field="lang")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS[lang])
    for row in rows:
        writer.writerow(spreadsheet_safe(str(value)) for value in attrs.astuple(row))
    return out.getvalue()


def export_encoding(lang: str) -> str:
    """The codec for `roster_csv(..., lang=lang)` text: with a BOM for Russian Excel."""
    return "utf-8-sig" if lang == "ru" else "utf-8"


def spreadsheet_safe(value: str) -> str:
    """The cell, prefixed with `'` when a spreadsheet would read it as a formula.

    A value starting with `=`, `+`, `-`, `@`, tab or CR is escaped, except a phone-looking
    one (only digits, spaces and `+()-.`, at least 7 digits): "+7 999 123-45-67" holds no
    letters, so no function or reference, and stays readable. A value that already starts
    with `'` before such a character gets one more, so `parse_roster` can undo it exactly.
    """
    if _FORMULA_START.match(value) and not _phone_like(value, PHONE_MIN_DIGITS):
        return "'" + value
    return value
