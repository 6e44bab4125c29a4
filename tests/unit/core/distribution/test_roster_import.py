"""Reading participant lists from CSV: encodings, delimiters, headers, bad rows and limits."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

import pytest

from core.distribution import roster
from core.distribution.roster import RosterRow, RowProblem, parse_roster
from core.shared.errors import ValidationFailed

RU_HEADER = "Фамилия;Имя;Отчество;Эл. почта;Телефон;Точка выдачи"


def csv_bytes(*lines: str, encoding: str = "utf-8", end: str = "\n") -> bytes:
    return end.join(lines).encode(encoding) + end.encode()


def lines_of(problems: tuple[RowProblem, ...]) -> list[int]:
    return [p.line for p in problems]


# encodings and delimiters --------------------------------------------------------------------


def test_utf8_semicolon_file_with_russian_header_is_read() -> None:
    data = csv_bytes(RU_HEADER, "Ёлкина;Анна;Сергеевна;anna@mail.ru;+7 999 123-45-67;Север")
    result = parse_roster(data)
    assert (result.encoding, result.delimiter, result.problems) == ("utf-8", ";", ())
    assert result.rows == (
        RosterRow(2, "Ёлкина", "Анна", "Сергеевна", "anna@mail.ru", "+7 999 123-45-67", "Север"),
    )


def test_utf8_file_with_bom_is_read_and_the_bom_is_not_part_of_the_first_column() -> None:
    result = parse_roster(csv_bytes("Фамилия;Имя", "Иванов;Иван", encoding="utf-8-sig"))
    assert result.encoding == "utf-8-sig"
    assert [(r.last_name, r.first_name) for r in result.rows] == [("Иванов", "Иван")]


def test_cp1251_comma_file_with_english_header_is_read() -> None:
    data = csv_bytes("Last Name,First Name,Email", "Щукина,Фёкла,f@x.ru", encoding="cp1251")
    result = parse_roster(data)
    assert (result.encoding, result.delimiter) == ("cp1251", ",")
    assert [(r.last_name, r.first_name, r.email) for r in result.rows] == [
        ("Щукина", "Фёкла", "f@x.ru")
    ]


def test_cp1251_semicolon_file_with_russian_header_is_read() -> None:
    data = csv_bytes("Фамилия;Имя;Отчество", "Жуков;Юрий;Эдуардович", encoding="cp1251")
    result = parse_roster(data)
    assert result.encoding == "cp1251"
    assert result.rows[0].second_name == "Эдуардович"


def test_bytes_that_are_neither_utf8_nor_cp1251_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="neither UTF-8 nor Windows-1251"):
        parse_roster(b"\xd4\xe0\xec\xe8\xeb\xe8\xff;\x98\n")


def test_semicolon_wins_a_tie_of_delimiters_in_the_header() -> None:
    assert parse_roster(csv_bytes("Фамилия;Имя,Отчество", "А;Б,В")).delimiter == ";"
    assert parse_roster(csv_bytes("Фамилия Имя", "А")).delimiter == ";"


def test_commas_inside_quoted_header_names_do_not_count() -> None:
    result = parse_roster(csv_bytes('Фамилия;Имя;"Заметка, для, всех, нас"', "А;Б;c"))
    assert result.delimiter == ";"


def test_crlf_line_ends_are_read() -> None:
    result = parse_roster(csv_bytes("Фамилия;Имя", "А;Б", ";", "В;Г", end="\r\n"))
    assert [r.line for r in result.rows] == [2, 4]
    assert result.problems == ()


# headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field", "value"),
    [
        ("second_name", "second_name", "Ильич"), ("Middle Name", "second_name", "Ильич"),
        ("patronymic", "second_name", "Ильич"), ("ОТЧЕСТВО", "second_name", "Ильич"),
        ("E-mail", "email", "o@x.ru"), ("email", "email", "o@x.ru"),
        ("Почта", "email", "o@x.ru"), ("Эл. почта", "email", "o@x.ru"),
        ("Phone", "phone", "8 999 000 11 22"), ("telephone", "phone", "8 999 000 11 22"),
        ("Mobile", "phone", "8 999 000 11 22"), ("Телефон", "phone", "8 999 000 11 22"),
        ("preferred_point", "preferred_point", "Юг"), ("Point", "preferred_point", "Юг"),
        ("Точка выдачи", "preferred_point", "Юг"), (" точка ", "preferred_point", "Юг"),
    ],
)  # fmt: skip
def test_column_names_are_recognised_in_english_and_russian(
    header: str, field: str, value: str
) -> None:
    result = parse_roster(csv_bytes(f"Фамилия;Имя;{header}", f"Орлов;Олег;{value}"))
    assert result.problems == ()
    assert getattr(result.rows[0], field) == value


@pytest.mark.parametrize(
    "header", ["last_name", "LastName", "Last Name", "surname", " ФАМИЛИЯ ", "фамилия"]
)
def test_last_name_column_names_are_recognised(header: str) -> None:
    result = parse_roster(csv_bytes(f"{header};Имя", "Орлов;Олег"))
    assert result.rows[0].last_name == "Орлов"


@pytest.mark.parametrize("header", ["first_name", "FirstName", "First Name", "name", "Имя"])
def test_first_name_column_names_are_recognised(header: str) -> None:
    result = parse_roster(csv_bytes(f"Фамилия;{header}", "Орлов;Олег"))
    assert result.rows[0].first_name == "Олег"


def test_unknown_columns_are_ignored() -> None:
    result = parse_roster(csv_bytes("№;Фамилия;Компания;Имя", "1;Орлов;ООО Ромашка;Олег"))
    assert result.problems == ()
    assert (result.rows[0].last_name, result.rows[0].first_name) == ("Орлов", "Олег")


@pytest.mark.parametrize("header", ["Имя;Отчество;Email", "Фамилия;Отчество;Email"])
def test_missing_name_column_is_a_problem_at_line_1_and_no_rows_are_read(header: str) -> None:
    result = parse_roster(csv_bytes(header, "Орлов;Олег;o@x.ru"))
    assert result.rows == ()
    assert lines_of(result.problems) == [1]
    assert "column" in result.problems[0].message


def test_empty_file_has_no_header_row() -> None:
    result = parse_roster(b"")
    assert result.rows == ()
    assert result.problems == (RowProblem(1, "the file has no header row"),)


def test_a_repeated_column_is_reported_and_the_first_one_is_used() -> None:
    result = parse_roster(csv_bytes("Фамилия;Имя;Email;Почта", "Орлов;Олег;a@x.ru;b@x.ru"))
    assert result.rows[0].email == "a@x.ru"
    assert lines_of(result.problems) == [1]


# rows ----------------------------------------------------------------------------------------


def test_values_are_trimmed_email_normalised_and_phone_kept_as_typed() -> None:
    data = csv_bytes(RU_HEADER, "  Орлов ; Олег  Петрович ;; Oleg@X.RU ; +7 (999)  000-11-22 ; ")
    (row,) = parse_roster(data).rows
    assert (row.last_name, row.first_name, row.second_name) == ("Орлов", "Олег Петрович", "")
    assert (row.email, row.phone, row.preferred_point) == ("oleg@x.ru", "+7 (999)  000-11-22", None)


def test_rows_shorter_than_the_header_have_empty_optional_fields() -> None:
    (row,) = parse_roster(csv_bytes(RU_HEADER, "Орлов;Олег")).rows
    assert (row.second_name, row.email, row.phone, row.preferred_point) == ("", "", "", None)


def test_quoted_fields_may_hold_delimiters_quotes_and_line_breaks() -> None:
    data = csv_bytes(
        "Фамилия;Имя;Комментарий;Точка",
        '"Орлов; мл.";"Олег ""Лёлик""";"первая строка',
        'вторая; строка";"Север, вход 2"',
        "Петров;Пётр;;",
    )
    result = parse_roster(data)
    assert result.problems == ()
    assert [(r.line, r.last_name, r.first_name, r.preferred_point) for r in result.rows] == [
        (2, "Орлов; мл.", 'Олег "Лёлик"', "Север, вход 2"),
        (4, "Петров", "Пётр", None),
    ]


def test_bad_rows_are_reported_by_physical_line_and_good_rows_are_kept() -> None:
    data = csv_bytes(
        "Фамилия;Имя;Email;Телефон;Заметка",  # 1
        "Орлов;Олег;o@x.ru;;",  # 2
        "Петров;;p@x.ru;;",  # 3: no first name
        "",  # 4: blank, skipped
        'Сидоров;Сидор;s@x.ru;;"две',  # 5
        'строки"',  # 6
        "Козлов;Кирилл;не почта;;",  # 7: bad email
        "Зайцев;Захар;;12-34;",  # 8: too few digits
        f"{'Я' * 101};Яков;;;",  # 9: too long
        "Волков;Виктор;v@x.ru;+7 999 000-11-22;",  # 10
    )
    result = parse_roster(data)
    assert [r.line for r in result.rows] == [2, 5, 10]
    assert lines_of(result.problems) == [3, 7, 8, 9]
    messages = [p.message for p in result.problems]
    assert "first name is required" in messages[0]
    assert "email" in messages[1]
    assert "7 digits" in messages[2]
    assert "longer than 100" in messages[3]


def test_every_problem_of_a_row_is_reported() -> None:
    result = parse_roster(csv_bytes("Фамилия;Имя;Email", ";;bad"))
    assert lines_of(result.problems) == [2, 2, 2]


@pytest.mark.parametrize(
    ("column", "value", "ok"),
    [
        ("Фамилия", "Ф" * 100, True), ("Фамилия", "Ф" * 101, False),
        ("Отчество", "О" * 101, False), ("Точка", "Т" * 101, False),
        ("Email", "e" * 246 + "@mail.ru", True), ("Email", "e" * 247 + "@mail.ru", False),
        ("Телефон", "+7 999 000 11 22" + " " * 16 + "0", False),
        ("Телефон", "+7 999 000 11 22 доб. 12345678", True),
    ],
)  # fmt: skip
def test_fields_longer_than_their_limit_are_problems(column: str, value: str, ok: bool) -> None:
    header = "Фамилия;Имя" if column == "Фамилия" else f"Фамилия;Имя;{column}"
    row = f"{value};Имя" if column == "Фамилия" else f"Орлов;Имя;{value}"
    result = parse_roster(csv_bytes(header, row))
    assert (len(result.rows) == 1) is ok
    assert (result.problems == ()) is ok


def test_a_name_running_over_lines_points_at_an_unclosed_quote() -> None:
    result = parse_roster(csv_bytes("Фамилия;Имя", 'Орлов;"Олег', "Петров;Пётр", "Сидоров;Сидор"))
    assert result.rows == ()
    assert lines_of(result.problems) == [2]
    assert "quote" in result.problems[0].message


def test_a_line_the_reader_cannot_read_is_reported_and_later_rows_kept() -> None:
    huge = '"' + "x" * 200_000 + '"'
    result = parse_roster(csv_bytes("Фамилия;Имя;Заметка", f"Орлов;Олег;{huge}", "Петров;Пётр"))
    assert lines_of(result.problems) == [2]
    assert [r.line for r in result.rows] == [3]


def test_control_characters_in_a_name_are_a_problem() -> None:
    result = parse_roster(csv_bytes("Фамилия;Имя", "Орлов\x00;Олег"))
    assert result.rows == ()
    assert "control" in result.problems[0].message


def test_rows_of_only_delimiters_are_skipped_silently() -> None:
    result = parse_roster(csv_bytes("Фамилия;Имя", ";", " ; ", "Орлов;Олег"))
    assert result.problems == ()
    assert [r.line for r in result.rows] == [4]


def test_escaped_formula_cells_are_read_back_without_the_apostrophe() -> None:
    (row,) = parse_roster(csv_bytes("Фамилия;Имя;Отчество", "'=Орлов;'-Олег;''@x")).rows
    assert (row.last_name, row.first_name, row.second_name) == ("=Орлов", "-Олег", "'@x")


def test_an_apostrophe_before_ordinary_text_is_kept() -> None:
    (row,) = parse_roster(csv_bytes("Фамилия;Имя", "'Орлов;О'Нил")).rows
    assert (row.last_name, row.first_name) == ("'Орлов", "О'Нил")


# duplicates ----------------------------------------------------------------------------------


def test_a_repeated_email_is_a_problem_naming_the_first_line() -> None:
    data = csv_bytes("Фамилия;Имя;Email", "Орлов;Олег;o@x.ru", "Орлова;Ольга;O@X.ru ")
    result = parse_roster(data)
    assert [r.line for r in result.rows] == [2]
    assert result.problems == (RowProblem(3, "duplicate of line 2 (the same email)"),)


def test_without_email_the_same_name_and_phone_is_a_duplicate() -> None:
    data = csv_bytes(
        "Фамилия;Имя;Отчество;Email;Телефон",
        "Ёлкин;Олег;;;+7 999 000-11-22",
        "Петров;Пётр;;;",
        "ЕЛКИН;олег;;;8 (999) 000 11 22",
    )
    result = parse_roster(data)
    assert [r.line for r in result.rows] == [2, 3]
    assert result.problems == (RowProblem(4, "duplicate of line 2 (the same name and phone)"),)


def test_namesakes_with_different_phones_or_emails_are_kept() -> None:
    data = csv_bytes(
        "Фамилия;Имя;Email;Телефон",
        "Орлов;Олег;;+7 999 000-11-22",
        "Орлов;Олег;;+7 999 000-11-23",
        "Орлов;Олег;a@x.ru;+7 999 000-11-22",
        "Орлов;Олег;b@x.ru;+7 999 000-11-22",
    )
    result = parse_roster(data)
    assert result.problems == ()
    assert len(result.rows) == 4


def test_a_bad_first_row_does_not_make_a_good_later_one_a_duplicate() -> None:
    data = csv_bytes("Фамилия;Имя;Email;Телефон", "Орлов;Олег;o@x.ru;12", "Орлов;Олег;o@x.ru;")
    result = parse_roster(data)
    assert [r.line for r in result.rows] == [3]
    assert lines_of(result.problems) == [2]


# limits --------------------------------------------------------------------------------------


def test_a_file_over_10_mb_is_refused_naming_the_limit() -> None:
    data = csv_bytes("Фамилия;Имя") + b"x" * (10 * 1024 * 1024)
    with pytest.raises(ValidationFailed, match="10 MB"):
        parse_roster(data)


def test_a_file_of_exactly_the_size_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    data = csv_bytes("Фамилия;Имя", "Орлов;Олег")
    monkeypatch.setattr(roster, "MAX_FILE_BYTES", len(data))
    assert len(parse_roster(data).rows) == 1
    monkeypatch.setattr(roster, "MAX_FILE_BYTES", len(data) - 1)
    with pytest.raises(ValidationFailed):
        parse_roster(data)


def test_a_file_over_100000_rows_is_refused_naming_the_limit() -> None:
    lines = [f"Ф{n};И" for n in range(100_001)]
    with pytest.raises(ValidationFailed, match="100000"):
        parse_roster(csv_bytes("Фамилия;Имя", *lines))


def test_the_row_limit_counts_rows_not_blank_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster, "MAX_ROWS", 2)
    assert len(parse_roster(csv_bytes("Фамилия;Имя", "А;Б", "", "", "В;Г")).rows) == 2
    with pytest.raises(ValidationFailed, match="at most 2 participants"):
        parse_roster(csv_bytes("Фамилия;Имя", "А;Б", "В;Г", "Д;Е"))
