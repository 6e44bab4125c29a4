"""Writing participant lists to CSV: headers, quoting, formula escaping and the round trip."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.distribution.roster import (
    ExportRow,
    export_encoding,
    parse_roster,
    roster_csv,
    spreadsheet_safe,
)
from core.shared.errors import ValidationFailed

ORLOV = ExportRow(
    last_name="Ёлкин",
    first_name="Олег",
    second_name="Петрович",
    email="o@x.ru",
    phone="+7 (999) 000-11-22",
    point="Север",
    slot="09:00–09:15",
    delivered_at="2025-06-02 09:07",
    delivered_point="Север",
)


def cells(text: str, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def people(rows: list[ExportRow]) -> list[tuple[str, str, str, str, str, str | None]]:
    return [
        (r.last_name, r.first_name, r.second_name, r.email, r.phone, r.point or None) for r in rows
    ]


def test_english_header_names_the_columns() -> None:
    assert cells(roster_csv([]))[0] == [
        "last_name", "first_name", "second_name", "email", "phone", "point", "slot",
        "delivered_at", "delivered_point",
    ]  # fmt: skip


def test_russian_header_names_the_columns_in_russian() -> None:
    assert cells(roster_csv([], lang="ru"))[0][:6] == [
        "Фамилия", "Имя", "Отчество", "Эл. почта", "Телефон", "Точка выдачи",
    ]  # fmt: skip


def test_rows_follow_the_header_in_column_order_with_crlf_line_ends() -> None:
    text = roster_csv([ORLOV])
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 2
    assert cells(text)[1] == [
        "Ёлкин", "Олег", "Петрович", "o@x.ru", "+7 (999) 000-11-22", "Север", "09:00–09:15",
        "2025-06-02 09:07", "Север",
    ]  # fmt: skip


def test_comma_delimiter_is_used_when_asked() -> None:
    text = roster_csv([ORLOV], delimiter=",")
    assert text.splitlines()[1].startswith("Ёлкин,Олег,")


def test_values_holding_delimiters_quotes_or_line_breaks_are_quoted() -> None:
    row = ExportRow("Орлов; мл.", 'Олег "Лёлик"', "", "", "", "Север,\nвход 2", "", "", "")
    written = cells(roster_csv([row]))[1]
    assert written[:6] == ["Орлов; мл.", 'Олег "Лёлик"', "", "", "", "Север,\nвход 2"]


@pytest.mark.parametrize(("delimiter", "lang"), [(";", "de"), ("\t", "en"), ("|", "ru")])
def test_unknown_delimiter_or_language_is_refused(delimiter: str, lang: str) -> None:
    with pytest.raises(ValidationFailed):
        roster_csv([ORLOV], delimiter=delimiter, lang=lang)


def test_russian_export_is_encoded_with_a_bom_and_english_without() -> None:
    assert export_encoding("ru") == "utf-8-sig"
    assert export_encoding("en") == "utf-8"
    text = roster_csv([ORLOV], lang="ru")
    assert not text.startswith("\ufeff")  # the codec adds the one BOM
    assert text.encode(export_encoding("ru")).startswith(b"\xef\xbb\xbf\xd0\xa4")


# formula injection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("+7 99", "'+7 99"),
        ("'=1", "''=1"),
    ],
)
def test_values_a_spreadsheet_would_run_are_prefixed_with_an_apostrophe(
    value: str, written: str
) -> None:
    assert spreadsheet_safe(value) == written


@pytest.mark.parametrize(
    "value", ["+7 (999) 123-45-67", "+79991234567", "-123 45 67", "Орлов", "O'Neil", "a=b", ""]
)
def test_phone_looking_and_ordinary_values_are_left_alone(value: str) -> None:
    assert spreadsheet_safe(value) == value


def test_every_exported_column_is_escaped() -> None:
    evil = ExportRow(*["=1+1"] * 9)
    assert cells(roster_csv([evil]))[1] == ["'=1+1"] * 9


# round trip ----------------------------------------------------------------------------------

EXAMPLES = [
    ORLOV,
    ExportRow("=Хакер", "-Анна", "", "", "+44 20 7946 0958", "", "", "", ""),
    ExportRow("Ли", "Ян", "", "li@x.ru", "", "Юг, вход 2", "", "", ""),
]


@pytest.mark.parametrize(
    ("delimiter", "lang"), [(";", "ru"), (",", "ru"), (";", "en"), (",", "en")]
)
def test_export_then_import_gives_the_same_people(delimiter: str, lang: str) -> None:
    text = roster_csv(EXAMPLES, delimiter=delimiter, lang=lang)
    result = parse_roster(text.encode(export_encoding(lang)))
    assert result.problems == ()
    assert (result.delimiter, result.encoding) == (delimiter, export_encoding(lang))
    assert [r.line for r in result.rows] == [2, 3, 4]
    assert people(EXAMPLES) == [
        (r.last_name, r.first_name, r.second_name, r.email, r.phone, r.preferred_point)
        for r in result.rows
    ]


LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЖЯabcXYZ0'\";,=+-@()."
NAMES = st.lists(st.text(LETTERS, min_size=1, max_size=10), min_size=1, max_size=3).map(" ".join)
PHONES = st.one_of(
    st.just(""),
    st.from_regex(r"\+7 \(9[0-9]{2}\) [0-9]{3}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.from_regex(r"8 9[0-9]{2} [0-9]{3} [0-9]{2} [0-9]{2}", fullmatch=True),
)


@st.composite
def export_rows(draw: st.DrawFn) -> list[ExportRow]:
    size = draw(st.integers(0, 8))
    rows = []
    for n in range(size):
        email = draw(st.sampled_from(["", f"p{n}@x.ru"]))
        extra = draw(st.lists(st.one_of(st.just(""), NAMES), min_size=5, max_size=5))
        rows.append(ExportRow(draw(NAMES), draw(NAMES), extra[0], email or f"q{n}@x.ru",
                              draw(PHONES), extra[1], extra[2], extra[3], extra[4]))  # fmt: skip
    return rows


@settings(max_examples=200)
@given(export_rows(), st.sampled_from([";", ","]), st.sampled_from(["en", "ru"]))
def test_any_exported_roster_imports_as_the_same_people(
    rows: list[ExportRow], delimiter: str, lang: str
) -> None:
    text = roster_csv(rows, delimiter=delimiter, lang=lang)
    result = parse_roster(text.encode(export_encoding(lang)))
    assert result.problems == ()
    assert result.delimiter == delimiter
    assert people(rows) == [
        (r.last_name, r.first_name, r.second_name, r.email, r.phone, r.preferred_point)
        for r in result.rows
    ]
