"""Conferences over HTTP: who sees what, staff, the participant list, search, CSV in and out.

The desk, live figures, planning and rebalancing are in test_api_distribution_desk.py.
"""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

import csv
import io
from datetime import timedelta
from uuid import uuid4

import pytest

from .apiclient import Api, User, assert_problem
from .distribution_steps import (
    CONFERENCES,
    conference_body,
    deliver,
    join_as_staff,
    new_conference,
    new_participant,
    new_point,
    ok,
    search,
)

# --- conferences and who may see them -------------------------------------------------------


async def test_creating_a_conference_makes_the_caller_its_organiser(api: Api, host: User) -> None:
    r = await api.client.post(CONFERENCES, json=conference_body(), headers=host.headers)

    made = ok(r, 201)
    assert made["role"] == "organiser"
    assert (made["title"], made["venue"], made["time_zone"]) == (
        "DevConf 2030", "Expo hall", "Europe/Moscow",
    )  # fmt: skip
    assert made["service_seconds"] == 30
    assert made["handout_starts_at"].startswith("2030-01-01T12:00:00")


async def test_my_conferences_are_listed_newest_first_and_nobody_elses(
    api: Api, host: User, guest: User
) -> None:
    first = await new_conference(api, host, title="First")
    api.clock.advance(timedelta(seconds=1))  # ids order by creation time, to the millisecond
    second = await new_conference(api, host, title="Second")
    await new_conference(api, guest, title="Not mine")

    listed = ok(await api.client.get(CONFERENCES, headers=host.headers))["items"]

    assert [(c["id"], c["title"], c["role"]) for c in listed] == [
        (second, "Second", "organiser"),
        (first, "First", "organiser"),
    ]


async def test_a_hand_out_that_ends_before_it_starts_is_422(api: Api, host: User) -> None:
    body = conference_body(handout_ends_at="2030-01-01T11:00:00Z")
    r = await api.client.post(CONFERENCES, json=body, headers=host.headers)
    assert assert_problem(r, 422, "validation-failed")["field"] == "handout_ends_at"


async def test_a_stranger_gets_404_on_every_route_of_a_conference(
    api: Api, host: User, guest: User
) -> None:
    cid = await new_conference(api, host)
    point = (await new_point(api, host, cid, "Hall A"))["id"]
    pid = (await new_participant(api, host, cid, "Иванов", "Иван"))["id"]
    base = f"{CONFERENCES}/{cid}"
    routes = [
        ("GET", base, None), ("PATCH", base, {"title": "Mine now"}),
        ("GET", f"{base}/points", None), ("POST", f"{base}/points", {"name": "Mine"}),
        ("PATCH", f"{base}/points/{point}", {"is_open": False}),
        ("GET", f"{base}/participants", None),
        ("POST", f"{base}/participants", {"last_name": "X", "first_name": "Y"}),
        ("GET", f"{base}/participants/{pid}", None),
        ("PATCH", f"{base}/participants/{pid}", {"last_name": "X", "first_name": "Y"}),
        ("DELETE", f"{base}/participants/{pid}", None),
        ("POST", f"{base}/participants/{pid}/deliver", {"point_id": point}),
        ("GET", f"{base}/participants/export.csv", None),
        ("GET", f"{base}/stats", None), ("GET", f"{base}/stats/stream", None),
        ("POST", f"{base}/plan", {}), ("POST", f"{base}/plan/apply", {}),
        ("POST", f"{base}/rebalance", {"from_point_id": point}),
        ("GET", f"{base}/staff", None), ("POST", f"{base}/staff/invitations", {}),
    ]  # fmt: skip
    for method, url, body in routes:
        r = await api.client.request(method, url, json=body, headers=guest.headers)
        assert_problem(r, 404, "not-found")
    r = await api.client.post(f"{base}/participants/import", content=b"last_name;first_name\n",
                              headers=guest.headers)  # fmt: skip
    assert_problem(r, 404, "not-found")
    assert (await search(api, host, cid))[0]["last_name"] == "Иванов"  # all still in place
    assert ok(await api.client.get(CONFERENCES, headers=guest.headers))["items"] == []


async def test_an_unknown_conference_is_404(api: Api, host: User) -> None:
    r = await api.client.get(f"{CONFERENCES}/{uuid4()}", headers=host.headers)
    assert_problem(r, 404, "not-found")


# --- staff ----------------------------------------------------------------------------------


async def test_invited_staff_see_the_conference_and_hand_packs_out(
    api: Api, host: User, guest: User
) -> None:
    cid = await new_conference(api, host)
    point = (await new_point(api, host, cid, "Hall A", stock=5))["id"]
    pid = (await new_participant(api, host, cid, "Иванов", "Иван"))["id"]

    await join_as_staff(api, host, guest, cid)

    listed = ok(await api.client.get(CONFERENCES, headers=guest.headers))["items"]
    assert [(c["id"], c["role"]) for c in listed] == [(cid, "staff")]
    assert (
        ok(await api.client.get(f"{CONFERENCES}/{cid}", headers=guest.headers))["role"] == "staff"
    )
    handed = ok(await deliver(api, guest, cid, pid, point))
    assert (handed["repeated"], handed["participant"]["delivered_point_id"]) == (False, point)
    staff = ok(await api.client.get(f"{CONFERENCES}/{cid}/staff", headers=host.headers))["items"]
    assert [(m["account_id"], m["role"]) for m in staff] == [(guest.id, "staff")]


async def test_an_invitation_link_works_once(api: Api, host: User, guest: User) -> None:
    cid = await new_conference(api, host)
    r = await api.client.post(f"{CONFERENCES}/{cid}/staff/invitations", json={},
                              headers=host.headers)  # fmt: skip
    invitation = ok(r, 201)
    assert invitation["token"] in invitation["url"]
    late = await api.register("Late Comer")
    accept = f"{CONFERENCES}/staff/accept"

    first = await api.client.post(accept, json={"token": invitation["token"]},
                                  headers=guest.headers)  # fmt: skip
    again = await api.client.post(accept, json={"token": invitation["token"]},
                                  headers=late.headers)  # fmt: skip

    assert ok(first)["account_id"] == guest.id
    assert_problem(again, 409, "conflict")
    r = await api.client.get(f"{CONFERENCES}/{cid}", headers=late.headers)
    assert_problem(r, 404, "not-found")


async def test_staff_get_403_on_the_organisers_changes(api: Api, host: User, guest: User) -> None:
    cid = await new_conference(api, host)
    point = (await new_point(api, host, cid, "Hall A"))["id"]
    pid = (await new_participant(api, host, cid, "Иванов", "Иван"))["id"]
    await join_as_staff(api, host, guest, cid)
    base = f"{CONFERENCES}/{cid}"
    routes = [
        ("PATCH", base, {"title": "Staff's now"}), ("POST", f"{base}/points", {"name": "B"}),
        ("PATCH", f"{base}/points/{point}", {"stock": 0}),
        ("POST", f"{base}/participants", {"last_name": "X", "first_name": "Y"}),
        ("PATCH", f"{base}/participants/{pid}", {"last_name": "X", "first_name": "Y"}),
        ("DELETE", f"{base}/participants/{pid}", None),
        ("POST", f"{base}/plan", {}), ("POST", f"{base}/plan/apply", {}),
        ("POST", f"{base}/rebalance", {"from_point_id": point}),
        ("GET", f"{base}/staff", None), ("POST", f"{base}/staff/invitations", {}),
        ("DELETE", f"{base}/staff/{guest.id}", None),
    ]  # fmt: skip
    for method, url, body in routes:
        r = await api.client.request(method, url, json=body, headers=guest.headers)
        assert_problem(r, 403, "permission-denied")
    r = await api.client.post(f"{base}/participants/import", content=b"last_name;first_name\n",
                              headers=guest.headers)  # fmt: skip
    assert_problem(r, 403, "permission-denied")
    conference = ok(await api.client.get(base, headers=host.headers))
    assert conference["title"] == "DevConf 2030"
    assert [p["last_name"] for p in await search(api, guest, cid)] == ["Иванов"]


async def test_staff_of_one_point_cannot_hand_out_at_another(
    api: Api, host: User, guest: User
) -> None:
    cid = await new_conference(api, host)
    a = (await new_point(api, host, cid, "Hall A"))["id"]
    b = (await new_point(api, host, cid, "Hall B"))["id"]
    pid = (await new_participant(api, host, cid, "Иванов", "Иван"))["id"]
    await join_as_staff(api, host, guest, cid, point_id=a)

    assert_problem(await deliver(api, guest, cid, pid, b), 403, "permission-denied")
    assert ok(await deliver(api, guest, cid, pid, a))["participant"]["delivered_point_id"] == a


# --- participants ---------------------------------------------------------------------------


async def test_participant_is_added_read_renamed_and_removed(api: Api, host: User) -> None:
    cid = await new_conference(api, host)
    made = await new_participant(api, host, cid, "Ёлкина", "Анна", second_name="Сергеевна",
                                 email="Anna@Example.org", phone="+7 999 123-45-67")  # fmt: skip
    url = f"{CONFERENCES}/{cid}/participants/{made['id']}"
    assert made["email"] == "anna@example.org"
    assert (made["delivered"], made["delivered_at"], made["assigned_point_id"]) == (
        False, None, None,
    )  # fmt: skip
    assert ok(await api.client.get(url, headers=host.headers)) == made

    r = await api.client.patch(url, json={"last_name": "Соколова", "first_name": "Анна"},
                               headers=host.headers)  # fmt: skip
    renamed = ok(r)
    assert (renamed["last_name"], renamed["second_name"], renamed["email"]) == ("Соколова", "", "")
    assert [p["id"] for p in await search(api, host, cid, q="соколова")] == [made["id"]]
    assert await search(api, host, cid, q="ёлкина") == []

    assert (await api.client.delete(url, headers=host.headers)).status_code == 204
    assert_problem(await api.client.get(url, headers=host.headers), 404, "not-found")
    assert await search(api, host, cid) == []


async def test_an_email_already_in_the_list_is_422(api: Api, host: User) -> None:
    cid = await new_conference(api, host)
    await new_participant(api, host, cid, "Иванов", "Иван", email="ivan@example.org")
    r = await api.client.post(
        f"{CONFERENCES}/{cid}/participants",
        json={"last_name": "Другой", "first_name": "Иван", "email": "IVAN@example.org"},
        headers=host.headers,
    )
    assert assert_problem(r, 422, "validation-failed")["field"] == "email"


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("елкина", ["Ёлкина"]),
        ("ЁЛК", ["Ёлкина"]),
        ("иван", ["Иванов", "Иванова"]),
        ("иван иванович", ["Иванов"]),
        ("петр серг", ["Петров-Водкин"]),
        ("водк", ["Петров-Водкин"]),
        ("+7 (999) 123", ["Ёлкина"]),
        ("8 999 123-45", ["Ёлкина"]),
        ("999123", ["Ёлкина"]),
        ("+7 912", ["Петров-Водкин"]),
        ("k.petrov", ["Петров-Водкин"]),
        ("smith", ["Smith"]),
        ("нет такого", []),
    ],
)
async def test_search_finds_by_name_email_or_phone_prefixes(
    api: Api, host: User, q: str, found: list[str]
) -> None:
    cid = await new_conference(api, host)
    for last, first, second, email, phone in [
        ("Ёлкина", "Анна", "Сергеевна", "anna@example.org", "+7 (999) 123-45-67"),
        ("Петров-Водкин", "Кузьма", "Сергеевич", "k.petrov@mail.ru", "8 912 000 11 22"),
        ("Иванов", "Иван", "Иванович", "", ""),
        ("Иванова", "Мария", "", "", ""),
        ("Smith", "John", "", "john@example.com", ""),
    ]:
        await new_participant(api, host, cid, last, first, second_name=second, email=email,
                              phone=phone)  # fmt: skip

    assert [p["last_name"] for p in await search(api, host, cid, q=q)] == found


async def test_search_pages_follow_the_cursor_without_gaps(api: Api, host: User) -> None:
    cid = await new_conference(api, host)
    made = [(await new_participant(api, host, cid, "Иванов", f"Гость{n:02}"))["id"]
            for n in range(7)]  # fmt: skip

    pages = []
    params: dict[str, object] = {"q": "иван", "limit": 3}
    for _ in range(5):
        r = await api.client.get(f"{CONFERENCES}/{cid}/participants", params=params,
                                 headers=host.headers)  # fmt: skip
        page = ok(r)
        pages.append([p["id"] for p in page["items"]])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert pages == [made[0:3], made[3:6], made[6:7]]
    r = await api.client.get(f"{CONFERENCES}/{cid}/participants", params={"cursor": "forged!"},
                             headers=host.headers)  # fmt: skip
    assert assert_problem(r, 422, "validation-failed")["field"] == "cursor"


# --- CSV import and export ------------------------------------------------------------------

ROSTER = (
    "Фамилия;Имя;Отчество;Email;Телефон\r\n"  # line 1
    "Иванов;Иван;Иванович;ivan@example.org;+7 999 111-22-33\r\n"  # 2: good
    ";Пётр;;petr@example.org;\r\n"  # 3: no last name
    "Сидорова;Анна;;not-an-email;\r\n"  # 4: bad email
    "Ёлкина;Ольга;;olga@example.org;8 (912) 000-11-22\r\n"  # 5: good
    "Кузнецов;Олег;;;12\r\n"  # 6: phone too short
    "Смирнов;Павел;;IVAN@example.org;\r\n"  # 7: the same email as line 2
    ";;;;\r\n"  # 8: blank, skipped
    "Павлова;Мария;Петровна;;\r\n"  # 9: good
    "Старый;Гость;;known@example.org;\r\n"  # 10: already in the list
)


async def test_import_keeps_good_rows_and_reports_bad_ones_by_line(api: Api, host: User) -> None:
    cid = await new_conference(api, host)
    await new_participant(api, host, cid, "Известный", "Гость", email="known@example.org")

    r = await api.client.post(f"{CONFERENCES}/{cid}/participants/import",
                              content=ROSTER.encode("cp1251"), headers=host.headers)  # fmt: skip

    report = ok(r)
    assert (report["added"], report["encoding"], report["delimiter"]) == (3, "cp1251", ";")
    assert [p["line"] for p in report["problems"]] == [3, 4, 6, 7, 10]
    assert "duplicate of line 2" in report["problems"][3]["message"]
    assert "already in the list" in report["problems"][4]["message"]
    everyone = await search(api, host, cid)
    assert sorted(p["last_name"] for p in everyone) == ["Ёлкина", "Иванов", "Известный", "Павлова"]
    (olga,) = await search(api, host, cid, q="елкина")
    assert (olga["email"], olga["phone"]) == ("olga@example.org", "8 (912) 000-11-22")


async def test_export_writes_the_list_as_csv_with_english_or_russian_headers(
    api: Api, host: User
) -> None:
    cid = await new_conference(api, host)
    point = (await new_point(api, host, cid, "Hall A"))["id"]
    served = await new_participant(api, host, cid, "Иванов", "Иван", email="ivan@example.org")
    await new_participant(api, host, cid, "Ёлкина", "Анна", phone="+7 999 123-45-67")
    await new_participant(api, host, cid, "Smith", "John")
    ok(await deliver(api, host, cid, served["id"], point))
    url = f"{CONFERENCES}/{cid}/participants/export.csv"

    english = await api.client.get(url, headers=host.headers)
    russian = await api.client.get(url, params={"lang": "ru"}, headers=host.headers)
    missing = await api.client.get(url, params={"delivered": "false"}, headers=host.headers)

    assert english.status_code == 200, english.text
    assert english.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(english.content.decode("utf-8")), delimiter=";"))
    assert rows[0] == ["last_name", "first_name", "second_name", "email", "phone", "point",
                       "slot", "delivered_at", "delivered_point"]  # fmt: skip
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Иванов", "Ёлкина", "Smith"}
    assert by_name["Иванов"][7] == "2030-01-01 15:00"  # 12:00 UTC in Moscow
    assert by_name["Иванов"][8] == "Hall A"
    assert by_name["Ёлкина"][4] == "+7 999 123-45-67"
    assert russian.content.startswith(b"\xef\xbb\xbf")
    header = russian.content.decode("utf-8-sig").split("\r\n")[0]
    assert header == "Фамилия;Имя;Отчество;Эл. почта;Телефон;Точка выдачи;Время;Выдано;Где выдано"
    assert missing.status_code == 200
    assert "participants-missing.csv" in missing.headers["content-disposition"]
    left = list(csv.reader(io.StringIO(missing.content.decode("utf-8")), delimiter=";"))[1:]
    assert sorted(row[0] for row in left) == ["Smith", "Ёлкина"]
