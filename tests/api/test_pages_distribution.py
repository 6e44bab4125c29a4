"""The organiser and desk pages over HTTP: sign-in cookie, CSRF, access, desk, import, language.

Each person gets their own cookie jar (an httpx client on the same app); the conference is set
up through the JSON API, then used through the pages (see `pagesite.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import httpx

from adapters.http.pages import i18n
from adapters.memory import FastPasswordHasher
from adapters.memory.database import MemoryDatabase
from adapters.workers.inprocess import InProcessTasks
from entrypoints.container import build_container
from entrypoints.http import create_app
from entrypoints.settings import Settings

from .apiclient import PUBLIC_URL, Api, User
from .pagesite import CONFERENCE, Conference, Site, csrf_of, sign_in, signed_in, staff_of
from .served import free_port, served

# -- signing in --------------------------------------------------------------------------------


async def test_login_sets_a_signed_http_only_lax_session_cookie(
    site: Site, organiser: User
) -> None:
    client = await site.browser()
    page = await client.get("/login?next=/conferences")
    assert page.status_code == 200
    r = await client.post(
        "/login",
        data={
            "email": organiser.email,
            "password": organiser.password,
            "csrf_token": csrf_of(page.text),
            "next": "/conferences",
        },
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/conferences"
    cookie = next(c for c in r.headers.get_list("set-cookie") if "stagedoor_session=" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the service is served over https
    assert organiser.id in cookie  # the account id, signed
    assert (await client.get("/conferences")).status_code == 200


async def test_a_wrong_password_shows_the_form_again_without_a_session(
    site: Site, organiser: User
) -> None:
    client = await site.browser()
    token = csrf_of((await client.get("/login")).text)
    r = await client.post(
        "/login", data={"email": organiser.email, "password": "wrong one!", "csrf_token": token}
    )
    assert r.status_code == 401
    assert 'data-testid="login-error"' in r.text
    assert "stagedoor_session" not in client.cookies


async def test_a_forged_or_expired_session_cookie_is_not_a_session(
    site: Site, organiser: User
) -> None:
    client, _ = await signed_in(site, organiser)
    real = client.cookies["stagedoor_session"]
    _, expiry, mac = real.split(".")
    stranger = str(uuid4())
    client.cookies.set("stagedoor_session", f"{stranger}.{expiry}.{mac}", domain="stagedoor.test")
    assert (await client.get("/conferences")).status_code == 303

    client.cookies.set("stagedoor_session", real, domain="stagedoor.test")
    assert (await client.get("/conferences")).status_code == 200
    site.api.clock.advance(timedelta(hours=12, seconds=1))
    assert (await client.get("/conferences")).status_code == 303


async def test_sign_out_drops_the_session(site: Site, organiser: User) -> None:
    client, token = await signed_in(site, organiser)
    r = await client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 303
    assert (await client.get("/conferences")).status_code == 303


async def test_pages_send_the_signed_out_to_sign_in_and_back(
    site: Site, organiser: User, conference: Conference
) -> None:
    client = await site.browser()
    desk = f"/conferences/{conference.id}/desk?point={conference.point_id}"
    r = await client.get(desk)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=" + quote(desk, safe="")

    htmx = await client.get(
        f"/conferences/{conference.id}/desk/search?point={conference.point_id}",
        headers={"HX-Request": "true"},
    )
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")

    page = await client.get(r.headers["location"])
    token = csrf_of(page.text)
    back = await client.post(
        "/login",
        data={"email": organiser.email, "password": organiser.password, "csrf_token": token,
              "next": desk},
    )  # fmt: skip
    assert back.headers["location"] == desk


async def test_sign_in_never_sends_anyone_to_another_site(site: Site, organiser: User) -> None:
    client = await site.browser()
    token = csrf_of((await client.get("/login")).text)
    for elsewhere in (
        "//evil.example/x",
        "/\t/evil.example",
        "/\\evil.example",
        "https://evil.example",
    ):
        r = await client.post(
            "/login",
            data={"email": organiser.email, "password": organiser.password,
                  "csrf_token": token, "next": elsewhere},
        )  # fmt: skip
        assert r.headers["location"] == "/conferences", elsewhere


async def test_the_json_api_does_not_accept_the_page_cookie(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, _ = await signed_in(site, organiser)
    r = await client.get(f"/api/v1/conferences/{conference.id}")
    assert r.status_code == 401


# -- who may see what ------------------------------------------------------------------------


async def test_a_stranger_gets_the_same_404_page_as_for_a_missing_conference(
    site: Site, conference: Conference
) -> None:
    stranger = await site.api.register("Sergei Stranger")
    client, _ = await signed_in(site, stranger)
    missing = str(uuid4())
    for suffix in ("", "/desk", "/participants", "/live", "/participants/export.csv"):
        theirs = await client.get(f"/conferences/{conference.id}{suffix}")
        nothing = await client.get(f"/conferences/{missing}{suffix}")
        assert theirs.status_code == nothing.status_code == 404, suffix
        # the same page, word for word (only the language links name the address asked for)
        assert theirs.text.replace(conference.id, "ID") == nothing.text.replace(missing, "ID")
        assert 'data-testid="error-title"' in theirs.text


async def test_staff_see_the_dashboard_but_not_the_organisers_forms(
    site: Site, organiser: User, conference: Conference
) -> None:
    helper = await staff_of(site, organiser, conference)
    client, token = await signed_in(site, helper)
    page = await client.get(f"/conferences/{conference.id}")
    assert page.status_code == 200
    assert f'data-testid="handed-out-{conference.point_id}"' in page.text
    assert "/invitations" not in page.text
    r = await client.post(
        f"/conferences/{conference.id}/participants",
        data={"last_name": "Late", "first_name": "Lev", "csrf_token": token},
    )
    assert r.status_code == 403


# -- CSRF ------------------------------------------------------------------------------------


async def test_a_page_post_without_the_csrf_token_is_refused(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    url = f"/conferences/{conference.id}/participants"
    person = {"last_name": "Sidorov", "first_name": "Semyon"}
    assert (await client.post(url, data=person)).status_code == 403
    forged = await client.post(url, data={**person, "csrf_token": "x" + token})
    assert forged.status_code == 403
    assert "Sidorov" not in (await client.get(url)).text

    ok = await client.post(url, data={**person, "csrf_token": token})
    assert ok.status_code == 303
    assert "Sidorov" in (await client.get(url)).text


async def test_the_csrf_token_may_come_in_the_htmx_header(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    body = {"participant": conference.people["Petrov"], "point": conference.point_id}
    url = f"/conferences/{conference.id}/desk/confirm"
    assert (await client.post(url, data=body, headers={"HX-Request": "true"})).status_code == 403
    r = await client.post(url, data=body, headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert r.status_code == 200


async def test_sign_in_itself_needs_the_csrf_token(site: Site, organiser: User) -> None:
    client = await site.browser()
    await client.get("/login")
    r = await client.post("/login", data={"email": organiser.email, "password": organiser.password})
    assert r.status_code == 403
    assert "stagedoor_session" not in client.cookies


# -- the desk --------------------------------------------------------------------------------


async def test_the_desk_search_returns_the_participant_fragment(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, _ = await signed_in(site, organiser)
    r = await client.get(
        f"/conferences/{conference.id}/desk/search",
        params={"point": conference.point_id, "q": "petr"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert "<html" not in r.text
    assert f'data-testid="result-{conference.people["Petrov"]}"' in r.text
    assert "Petrov Pavel" in r.text
    assert conference.people["Ivanov"] not in r.text


async def test_confirming_at_the_desk_hands_the_pack_over_once(
    site: Site, organiser: User, conference: Conference
) -> None:
    helper = await staff_of(site, organiser, conference)
    desk, token = await signed_in(site, organiser)
    pid = conference.people["Ivanova"]
    body = {"participant": pid, "point": conference.point_id}
    url = f"/conferences/{conference.id}/desk/confirm"
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    r = await desk.post(url, data=body, headers=headers)
    assert r.status_code == 200
    assert 'data-state="delivered"' in r.text
    assert "Handed over at 12:00" in r.text

    got = await site.api.client.get(
        f"/api/v1/conferences/{conference.id}/participants/{pid}", headers=organiser.headers
    )
    assert got.json()["delivered"] is True
    assert got.json()["delivered_point_id"] == conference.point_id

    other, other_token = await signed_in(site, helper)
    again = await other.post(
        url,
        data={"participant": pid, "point": conference.other_point_id},
        headers={"HX-Request": "true", "X-CSRF-Token": other_token},
    )
    assert again.status_code == 409
    assert "Already delivered at Hall A at 12:00" in again.text


async def test_the_desk_asks_for_a_point_and_staff_of_one_point_go_straight_there(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, _ = await signed_in(site, organiser)
    chooser = await client.get(f"/conferences/{conference.id}/desk")
    assert 'data-testid="point-chooser"' in chooser.text
    assert f"?point={conference.other_point_id}" in chooser.text

    helper = await staff_of(site, organiser, conference, point_id=conference.other_point_id)
    theirs, _ = await signed_in(site, helper)
    r = await theirs.get(f"/conferences/{conference.id}/desk")
    assert r.status_code == 303
    assert r.headers["location"].endswith(f"/desk?point={conference.other_point_id}")
    page = await theirs.get(r.headers["location"])
    assert 'data-testid="desk-search"' in page.text
    assert "autofocus" in page.text


# -- the participant list --------------------------------------------------------------------


async def test_an_import_upload_shows_the_bad_rows_with_their_lines(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    csv = (
        b"last_name;first_name;email\n"
        b"Smirnov;Sergei;sergei@example.org\n"
        b";Nameless;nameless@example.org\n"
        b"Petrov;Pavel;pavel@example.org\n"
    )
    r = await client.post(
        f"/conferences/{conference.id}/participants/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", csv, "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert "Added: 1." in r.text
    assert 'data-testid="problem-line-3"' in r.text
    assert 'data-testid="problem-line-4"' in r.text
    assert "already in the list" in r.text


async def test_participants_are_added_edited_and_deleted_through_the_page(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    base = f"/conferences/{conference.id}/participants"
    pid = conference.people["Petrov"]
    form = await client.get(f"{base}/{pid}/edit")
    assert 'value="Petrov"' in form.text
    r = await client.post(
        f"{base}/{pid}",
        data={"last_name": "Petrova", "first_name": "Polina", "csrf_token": token},
    )
    assert r.status_code == 303
    assert "Petrova Polina" in (await client.get(base)).text

    bad = await client.post(base, data={"last_name": "", "first_name": "X", "csrf_token": token})
    assert bad.status_code == 422
    assert 'data-testid="form-error"' in bad.text

    gone = await client.post(f"{base}/{pid}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    assert "Petrova" not in (await client.get(base)).text


async def test_the_export_links_give_csv_with_russian_headers_on_request(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, _ = await signed_in(site, organiser)
    r = await client.get(
        f"/conferences/{conference.id}/participants/export.csv?show=missing&lang=ru"
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.startswith("Фамилия;")
    assert "Petrov" in text
    assert 'filename="participants-missing.csv"' in r.headers["content-disposition"]


async def test_the_planner_runs_and_applies_a_plan(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    plan = await client.post(
        f"/conferences/{conference.id}/plan",
        data={"mean_wait": "60", "slot_minutes": "15"},
        headers=headers,
    )
    assert plan.status_code == 200, plan.text
    assert 'data-testid="plan-recommended"' in plan.text
    assert 'data-testid="plan-simulated"' in plan.text
    applied = await client.post(
        f"/conferences/{conference.id}/plan/apply", data={"slot_minutes": "15"}, headers=headers
    )
    assert applied.status_code == 200
    assert "Plan applied: 3 participants" in applied.text
    dashboard = await client.get(f"/conferences/{conference.id}")
    assert 'data-testid="unassigned">0<' in dashboard.text


# -- the list, the dashboard, languages ------------------------------------------------------


async def test_a_conference_is_created_from_the_list_page(site: Site, organiser: User) -> None:
    client, token = await signed_in(site, organiser)
    r = await client.post(
        "/conferences",
        data={
            "title": "DevConf",
            "venue": "Moscow",
            "starts": "2030-02-01T09:00",
            "ends": "2030-02-01T13:00",
            "zone": "Europe/Moscow",
            "service": "30",
            "csrf_token": token,
        },
    )
    assert r.status_code == 303
    dashboard = await client.get(r.headers["location"])
    assert "DevConf" in dashboard.text
    assert "2030-02-01 09:00" in dashboard.text  # shown in the conference's own zone
    assert 'sse-connect="' in dashboard.text


async def test_the_dashboard_shows_each_points_figures_and_the_totals(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    await client.post(
        f"/conferences/{conference.id}/desk/confirm",
        data={"participant": conference.people["Ivanov"], "point": conference.other_point_id},
        headers={"X-CSRF-Token": token},
    )
    page = await client.get(f"/conferences/{conference.id}")
    assert f'data-testid="handed-out-{conference.other_point_id}">1<' in page.text
    assert f'data-testid="handed-out-{conference.point_id}">0<' in page.text
    assert 'data-testid="total-handed-out">1<' in page.text
    assert f'data-testid="stock-{conference.other_point_id}">49<' in page.text


async def test_the_language_is_chosen_by_query_then_cookie_then_browser(
    site: Site, organiser: User
) -> None:
    client, _ = await signed_in(site, organiser)
    assert "My conferences" in (await client.get("/conferences")).text
    russian = await client.get("/conferences?lang=ru")
    assert "Мои конференции" in russian.text
    assert '<html lang="ru">' in russian.text
    assert "Мои конференции" in (await client.get("/conferences")).text  # remembered
    assert "My conferences" in (await client.get("/conferences?lang=en")).text

    fresh = await site.browser()
    login = await fresh.get("/login", headers={"Accept-Language": "de-DE, ru;q=0.8, en;q=0.5"})
    assert "Вход" in login.text


async def test_both_languages_have_every_phrase() -> None:
    assert set(i18n.EN) == set(i18n.RU)
    said = i18n.t("desk.already", "ru", point="Зал 2", time="10:05")
    assert said == "Уже выдано: Зал 2, в 10:05"
    assert i18n.from_accept_language("fr, en-GB;q=0.9, ru;q=0.95") == "ru"
    assert i18n.from_accept_language("fr") is None


async def test_accepting_a_staff_invitation_on_the_page(
    site: Site, organiser: User, conference: Conference
) -> None:
    r = await site.api.client.post(
        f"/api/v1/conferences/{conference.id}/staff/invitations",
        json={"point_id": conference.point_id},
        headers=organiser.headers,
    )
    link = r.json()["url"]
    path = link.removeprefix(PUBLIC_URL)
    helper = await site.api.register("Hanna Helper")
    client = await site.browser()
    assert (await client.get(path)).status_code == 303  # sign in first
    token = await sign_in(client, helper)
    page = await client.get(path)
    assert 'data-testid="accept"' in page.text
    joined = await client.post(
        "/staff/join", data={"token": path.split("token=")[1], "csrf_token": token}
    )
    assert joined.status_code == 303
    assert joined.headers["location"] == f"/conferences/{conference.id}/desk"
    assert (await client.get(f"/conferences/{conference.id}")).status_code == 200


async def test_the_live_stream_sends_fresh_figures_after_a_hand_over(tmp_path: Path) -> None:
    """Over a real socket (the in-process transport cannot stream): the first event at once,
    the next one after a hand-over at a desk."""
    tasks = InProcessTasks()
    port = free_port()
    platform = await build_container(
        Settings(data_dir=tmp_path, public_url=f"http://127.0.0.1:{port}"),
        database=MemoryDatabase.open(after_commit=tasks.kick),
        tasks=tasks,
        hasher=FastPasswordHasher(),
    )
    async with (
        served(create_app(container=platform), port) as url,
        httpx.AsyncClient(base_url=url) as api_client,
        httpx.AsyncClient(base_url=url) as dashboard,
        httpx.AsyncClient(base_url=url) as desk,
    ):
        api = Api(api_client, platform, platform.clock)  # type: ignore[arg-type]
        organiser = await api.register("Olga Organiser")
        headers = organiser.headers
        r = await api_client.post("/api/v1/conferences", json=CONFERENCE, headers=headers)
        cid = r.json()["id"]
        r = await api_client.post(
            f"/api/v1/conferences/{cid}/points",
            json={"name": "Hall A", "stock": 5},
            headers=headers,
        )
        point = r.json()["id"]
        body = {"last_name": "Petrov", "first_name": "Pavel"}
        r = await api_client.post(
            f"/api/v1/conferences/{cid}/participants", json=body, headers=headers
        )
        person = r.json()["id"]
        await sign_in(dashboard, organiser)
        token = await sign_in(desk, organiser)

        async with dashboard.stream("GET", f"/conferences/{cid}/live", timeout=10) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = _events(stream)
            first = await anext(events)
            assert f'data-testid="handed-out-{point}">0<' in first
            r = await desk.post(
                f"/conferences/{cid}/desk/confirm",
                data={"participant": person, "point": point},
                headers={"X-CSRF-Token": token},
            )
            assert r.status_code == 200, r.text
            second = await asyncio.wait_for(anext(events), timeout=5)
            assert f'data-testid="handed-out-{point}">1<' in second
            assert f'data-testid="stock-{point}">4<' in second


async def _events(stream: httpx.Response) -> AsyncIterator[str]:
    """The data of each `figures` event of an SSE stream, lines joined back together."""
    name, data = "", []
    async for line in stream.aiter_lines():
        if line.startswith("event:"):
            name = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data.append(line.partition(":")[2].removeprefix(" "))
        elif not line and data:
            if name == "figures":
                yield "\n".join(data)
            name, data = "", []
