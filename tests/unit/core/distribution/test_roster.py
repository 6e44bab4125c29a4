"""Search keys for participants: folding, phone digits, tokens and the prefix-AND rule."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.distribution.grouping import surname_key
from core.distribution.roster import fold, matches, phone_digits, query_tokens, search_tokens

IVANOVA = search_tokens(
    "Ёлкина-Иванова", "Анна Мария", "Сергеевна", "Anna.Ivanova@Mail.ru", "+7 (999) 123-45-67"
)


def finds(query: str, tokens: frozenset[str] = IVANOVA) -> bool:
    return matches(tokens, query_tokens(query))


# fold ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["Ёлкина", "ЁЛКИНА", "елкина", "Елкина", "  ёлкина  "])
def test_fold_ignores_case_spacing_and_yo(spelling: str) -> None:
    assert fold(spelling) == "елкина"


def test_fold_collapses_inner_whitespace_of_every_kind() -> None:
    assert fold("Анна \t\n Мария\u00a0Ли") == "анна мария ли"


def test_fold_reads_decomposed_yo_as_ye() -> None:
    assert fold("Е\u0308лкина") == "елкина"


def test_fold_composes_decomposed_latin() -> None:
    assert fold("Jose\u0301") == fold("José") == "josé"


def test_fold_uses_full_case_folding() -> None:
    assert fold("STRASSE") == fold("Straße") == "strasse"


@settings(max_examples=500)
@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@settings(max_examples=500)
@given(st.text())
def test_fold_leaves_no_yo_and_single_spaces_only(text: str) -> None:
    folded = fold(text)
    assert "ё" not in folded
    assert "Ё" not in folded
    assert folded == " ".join(folded.split())


MARKS = st.text(st.sampled_from("еЕёЁ\u0308\u0323\u0301 αΑ\u0345ᾳİßẞ"), max_size=12)


@settings(max_examples=500)
@given(MARKS)
def test_fold_is_idempotent_on_combining_marks(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert "ё" not in fold(text)


@settings(max_examples=300)
@given(st.text(st.characters(codec="utf-8", categories=["L", "Zs"])))
def test_surname_key_is_fold_and_keeps_its_old_meaning(text: str) -> None:
    plain = unicodedata.normalize("NFC", text)
    if unicodedata.normalize("NFD", plain) != plain:
        plain = "".join(c for c in plain if unicodedata.normalize("NFD", c) == c)
    assert surname_key(plain) == fold(plain)
    assert surname_key(plain) == " ".join(plain.split()).casefold().replace("ё", "е")


# phone_digits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["+7 (999) 123-45-67", "8 999 123 45 67", "79991234567", "89991234567", "8(999)1234567"],
)
def test_phone_formats_of_one_russian_number_give_one_digit_string(raw: str) -> None:
    assert phone_digits(raw) == "79991234567"


def test_trunk_prefix_is_rewritten_only_in_eleven_digit_numbers() -> None:
    assert phone_digits("8 999") == "8999"
    assert phone_digits("8999123456") == "8999123456"
    assert phone_digits("899912345678") == "899912345678"


def test_phone_digits_keeps_foreign_numbers_as_digits() -> None:
    assert phone_digits("+44 20 7946 0958") == "442079460958"


def test_phone_digits_reads_digits_of_other_scripts_as_ascii() -> None:
    assert phone_digits("８ ９９９ １２３-４５-６７") == "79991234567"


def test_phone_digits_of_text_without_digits_is_empty() -> None:
    assert phone_digits("нет телефона") == ""


# tokens --------------------------------------------------------------------------------------


def test_tokens_hold_name_parts_words_and_hyphen_pieces() -> None:
    assert {"елкина-иванова", "елкина", "иванова", "анна мария", "анна", "мария"} <= IVANOVA
    assert "сергеевна" in IVANOVA


def test_tokens_hold_folded_email_its_local_part_and_its_pieces() -> None:
    assert {"anna.ivanova@mail.ru", "anna.ivanova", "anna", "ivanova"} <= IVANOVA


def test_tokens_hold_phone_with_and_without_country_code_and_with_trunk_prefix() -> None:
    assert {"79991234567", "9991234567", "89991234567"} <= IVANOVA


def test_foreign_phone_gives_only_its_digits() -> None:
    tokens = search_tokens("Smith", "John", "", "", "+44 20 7946 0958")
    assert {t for t in tokens if t.isdigit()} == {"442079460958"}


def test_empty_fields_give_no_tokens() -> None:
    assert search_tokens("", "", "", "", "") == frozenset()


def test_tokens_drop_characters_a_range_scan_would_miss() -> None:
    tokens = search_tokens("Ан\U0001f600на", "Ли\x00", "", "", "")
    assert tokens == {"анна", "ли"}
    assert all(ord(c) < 0xFFFF for t in tokens for c in t)


def test_tokens_strip_surrounding_punctuation() -> None:
    assert search_tokens("(Вася)", "«Пётр»", "", "", "") == {"вася", "петр"}


# queries -------------------------------------------------------------------------------------


def test_blank_query_has_no_tokens_and_matches_everyone() -> None:
    assert query_tokens("   ") == []
    assert query_tokens("") == []
    assert finds("", frozenset())


def test_query_is_folded_and_split_on_spaces() -> None:
    assert query_tokens("  ЁЛКИНА   Анна ") == ["елкина", "анна"]


def test_query_with_at_sign_stays_one_token() -> None:
    assert query_tokens("Ivan@") == ["ivan@"]
    assert query_tokens("ivan.petrov@ma") == ["ivan.petrov@ma"]


def test_query_initials_become_letters() -> None:
    assert query_tokens("Иванов И.И.") == ["иванов", "и"]


@pytest.mark.parametrize(
    ("query", "token"),
    [
        ("+7 (999) 123-45-67", "79991234567"),
        ("8 999 123 45 67", "79991234567"),
        ("8 999 12", "899912"),
        ("+7 999", "7999"),
        ("999-12", "99912"),
    ],
)
def test_phone_looking_query_is_one_digit_token(query: str, token: str) -> None:
    assert query_tokens(query) == [token]


def test_query_with_letters_and_digits_is_not_a_phone() -> None:
    assert query_tokens("Иванов 999") == ["иванов", "999"]


def test_a_run_of_phone_words_in_a_mixed_query_is_one_digit_token() -> None:
    assert query_tokens("анна 999 123 серг") == ["анна", "999123", "серг"]
    assert query_tokens("Анна 8 999 123 45 67") == ["анна", "79991234567"]
    assert finds("анна 999 123")
    assert finds("+7 999 Ёлкина")


def test_query_drops_lone_punctuation() -> None:
    assert query_tokens("Иванов - Петров, ") == ["иванов", "петров"]


# matching ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["ёлк", "ЕЛКИНА", "иван", "елкина-ив", "анна", "мар", "серг"])
def test_cyrillic_prefixes_of_any_name_part_find_the_participant(query: str) -> None:
    assert finds(query)


@pytest.mark.parametrize(
    "query", ["anna", "ANNA.IV", "anna.ivanova@", "anna.ivanova@mail.r", "ivan", "Anna Ivanova"]
)
def test_email_prefixes_find_the_participant(query: str) -> None:
    assert finds(query)


@pytest.mark.parametrize(
    "query",
    ["+7 999 123", "8 (999) 12", "999 123-4", "79991234567", "8 999 123 45 67", "9991", "8"],
)
def test_phone_prefixes_in_several_formats_find_the_participant(query: str) -> None:
    assert finds(query)


@pytest.mark.parametrize("query", ["иванович", "мариян", "anna@", "+7 998", "1234567", "ivanova@"])
def test_non_prefixes_do_not_find_the_participant(query: str) -> None:
    assert not finds(query)


def test_every_query_word_must_match_some_token() -> None:
    assert finds("Анна Ёлкина")
    assert finds("елк мар серг")
    assert not finds("Анна Петрова")


def test_query_words_may_match_the_same_token() -> None:
    assert finds("ив ива")


def test_mid_word_text_does_not_match() -> None:
    assert not finds("кина")


# properties ----------------------------------------------------------------------------------

LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЕЁЖЗИКЛМНОПРСabcxyzABCXYZ"
NAMES = st.lists(st.text(LETTERS, min_size=1, max_size=8), min_size=0, max_size=3).map(
    lambda words: " ".join(words)
)
HYPHENATED = st.tuples(NAMES, NAMES).map(lambda p: f"{p[0]}-{p[1]}" if p[0] and p[1] else p[0])
LOCAL = st.from_regex(r"[a-z][a-z0-9]{0,6}([._+-][a-z0-9]{1,5}){0,2}", fullmatch=True)
DOMAINS = st.from_regex(r"[a-z]{1,8}\.ru", fullmatch=True)
EMAILS = st.one_of(st.just(""), st.builds("{}@{}".format, LOCAL, DOMAINS))
NATIONAL = st.from_regex(r"9[0-9]{9}", fullmatch=True)
PHONES = st.one_of(
    st.just(""),
    NATIONAL.map(lambda n: f"+7 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}"),
    NATIONAL.map(lambda n: f"8 {n[:3]} {n[3:6]} {n[6:8]} {n[8:]}"),
    NATIONAL.map(lambda n: "7" + n),
    st.from_regex(r"\+44 [0-9]{2} [0-9]{4} [0-9]{4}", fullmatch=True),
)
PEOPLE = st.tuples(HYPHENATED, NAMES, NAMES, EMAILS, PHONES)


@settings(max_examples=300)
@given(PEOPLE, st.data())
def test_any_prefix_of_any_token_finds_the_participant(
    person: tuple[str, str, str, str, str], data: st.DataObject
) -> None:
    tokens = search_tokens(*person)
    if not tokens:
        return
    token = data.draw(st.sampled_from(sorted(tokens)))
    prefix = token[: data.draw(st.integers(1, len(token)))]
    assert matches(tokens, query_tokens(prefix)), (token, prefix, query_tokens(prefix))


@settings(max_examples=300)
@given(PEOPLE, st.data())
def test_prefixes_of_several_tokens_together_find_the_participant(
    person: tuple[str, str, str, str, str], data: st.DataObject
) -> None:
    tokens = search_tokens(*person)
    # words starting with a letter: a run of digit prefixes would be read as one phone
    words = [t for t in sorted(tokens) if " " not in t and "@" not in t and t[0].isalpha()]
    if not words:
        return
    chosen = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=3))
    query = " ".join(t[: data.draw(st.integers(1, len(t)))] for t in chosen)
    assert matches(tokens, query_tokens(query)), query


@settings(max_examples=300)
@given(PEOPLE, st.text(max_size=12))
def test_range_scan_agrees_with_prefix_matching(
    person: tuple[str, str, str, str, str], query: str
) -> None:
    """What a repository's `token >= q AND token < q || U+FFFF` finds is what `matches` says."""
    tokens = search_tokens(*person)
    wanted = query_tokens(query)
    scanned = all(any(q <= t < q + "\uffff" for t in tokens) for q in wanted)
    assert scanned == matches(tokens, wanted)


@settings(max_examples=300)
@given(st.lists(st.text(), min_size=5, max_size=5))
def test_tokens_never_hold_characters_a_token_table_cannot_store(fields: list[str]) -> None:
    for token in search_tokens(*fields):
        assert token
        assert token == token.strip()
        assert all(ord(c) < 0xFFFF and unicodedata.category(c) not in ("Cc", "Cs") for c in token)


@settings(max_examples=300)
@given(st.text())
def test_query_tokens_hold_only_storable_characters(query: str) -> None:
    for token in query_tokens(query):
        assert all(ord(c) < 0xFFFF and unicodedata.category(c) not in ("Cc", "Cs") for c in token)
