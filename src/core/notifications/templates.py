"""Message texts in English and Russian, keyed by template name; `data` fills the placeholders.

A notification stores plain string facts (`data`); the text is made at delivery, in the
language the recipient reads. Two kinds of facts are more than placeholders:

* `change.<field>` — one line per changed field of an event ("Starts: ..."), with the field's
  name in the recipient's language (`{changes}` in the text);
* `calendar.*` — an entry for the recipient's calendar (uid, start, end, location, sequence),
  which `calendar_entry` turns into an attachment.
"""

# ruff: noqa: RUF001 - Cyrillic letters are the data of this module.
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from core.identity.model import Language
from core.notifications.model import CalendarEntry
from core.shared.errors import ValidationFailed

EN: dict[str, tuple[str, str]] = {
    "booking_confirmed": (
        "Booked: {title}",
        "Your {seats} seat(s) for {title} on {starts_at} are confirmed.{seat_list}\n"
        "The event is attached for your calendar.",
    ),
    "booking_cancelled": (
        "Booking cancelled: {title}",
        "Your booking for {title} was cancelled and the seats released.",
    ),
    "event_changed": (
        "Changed: {title}",
        "The host changed {title}. The new terms:\n{changes}",
    ),
    "event_cancelled": (
        "Cancelled: {title}",
        "The host cancelled {title} planned for {starts_at}. {reason}",
    ),
    "booking_expired": (
        "Not booked: {title}",
        "Your seats for {title} on {starts_at} were held for you, but the payment did not come "
        "through in time, so they were released. You can book again if seats are left.",
    ),
    "reminder": (
        "Reminder: {title} {lead}",
        "{title} starts {lead}, on {starts_at}, at {place}. Your seats: {seats}.",
    ),
    "host_reminder": (
        "Reminder: you host {title} {lead}",
        "{title}, which you host, starts {lead}, on {starts_at}, at {place}. "
        "Guests booked: {guests}.",
    ),
    "waitlist_offer": (
        "Seats for you: {title}",
        "{seats} seat(s) for {title} on {starts_at} freed up and are held for you until "
        "{expires_at}. Book them here: {link}",
    ),
    "refund_succeeded": (
        "Refund of {amount}",
        "We refunded {amount} to you ({reason}). Depending on your bank it may take a few "
        "days to appear.",
    ),
    "resale_sold": (
        "Sold: {event_name}",
        "Your ticket for {event_name} sold for {price}. You receive {proceeds} (the price less "
        "the platform fee) once the transfer is safe.",
    ),
    "resale_bought": (
        "Your ticket: {event_name}",
        "You bought a ticket for {event_name} for {price}. Open it under My tickets on "
        "Stagedoor; only you can see its barcode.",
    ),
    "registration_attempted": (
        "Someone tried to register with your email",
        "Somebody tried to create a new Stagedoor account with your email. If it was you, "
        "log in or reset your password instead; otherwise you can ignore this message.",
    ),
}

RU: dict[str, tuple[str, str]] = {
    "booking_confirmed": (
        "Бронь подтверждена: {title}",
        "Ваши места ({seats}) на «{title}» {starts_at} подтверждены.{seat_list}\n"
        "Мероприятие приложено для вашего календаря.",
    ),
    "booking_cancelled": (
        "Бронь отменена: {title}",
        "Ваша бронь на «{title}» отменена, места освобождены.",
    ),
    "event_changed": (
        "Изменения: {title}",
        "Организатор изменил «{title}». Новые условия:\n{changes}",
    ),
    "event_cancelled": (
        "Отменено: {title}",
        "Организатор отменил «{title}», назначенное на {starts_at}. {reason}",
    ),
    "booking_expired": (
        "Бронь не состоялась: {title}",
        "Места на «{title}» {starts_at} были придержаны для вас, но оплата не пришла вовремя, "
        "и они освобождены. Если места остались, можно забронировать снова.",
    ),
    "reminder": (
        "Напоминание: {title} {lead}",
        "«{title}» начинается {lead}, {starts_at}, по адресу: {place}. Ваши места: {seats}.",
    ),
    "host_reminder": (
        "Напоминание: ваше мероприятие {title} {lead}",
        "«{title}», которое вы проводите, начинается {lead}, {starts_at}, по адресу: {place}. "
        "Гостей записалось: {guests}.",
    ),
    "waitlist_offer": (
        "Места для вас: {title}",
        "Освободились места ({seats}) на «{title}» {starts_at}; они придержаны для вас до "
        "{expires_at}. Забронировать: {link}",
    ),
    "refund_succeeded": (
        "Возврат {amount}",
        "Мы вернули вам {amount} ({reason}). В зависимости от банка деньги появятся в течение "
        "нескольких дней.",
    ),
    "resale_sold": (
        "Билет продан: {event_name}",
        "Ваш билет на «{event_name}» продан за {price}. Вы получите {proceeds} (цена за вычетом "
        "комиссии площадки), как только передача билета станет безопасной.",
    ),
    "resale_bought": (
        "Ваш билет: {event_name}",
        "Вы купили билет на «{event_name}» за {price}. Он в разделе «Мои билеты» на Stagedoor; "
        "его штрихкод видите только вы.",
    ),
    "registration_attempted": (
        "Кто-то пытался зарегистрироваться с вашей почтой",
        "Кто-то пытался создать новый аккаунт Stagedoor с вашей почтой. Если это были вы, "
        "войдите или восстановите пароль; иначе просто не обращайте внимания на это письмо.",
    ),
}

TEMPLATES: dict[Language, dict[str, tuple[str, str]]] = {Language.EN: EN, Language.RU: RU}

FIELD_NAMES: dict[Language, dict[str, str]] = {
    Language.EN: {
        "title": "Title",
        "description": "Description",
        "starts_at": "Starts",
        "ends_at": "Ends",
        "city": "City",
        "address": "Address",
        "time_zone": "Time zone",
        "capacity": "Seats in total",
        "visibility": "Visibility",
    },
    Language.RU: {
        "title": "Название",
        "description": "Описание",
        "starts_at": "Начало",
        "ends_at": "Окончание",
        "city": "Город",
        "address": "Адрес",
        "time_zone": "Часовой пояс",
        "capacity": "Всего мест",
        "visibility": "Видимость",
    },
}

LEADS: dict[Language, dict[str, str]] = {
    Language.EN: {"24h": "tomorrow", "1h": "in an hour"},
    Language.RU: {"24h": "завтра", "1h": "через час"},
}
SEAT_LIST: dict[Language, str] = {Language.EN: "\nSeats: {}.", Language.RU: "\nМеста: {}."}


def render(
    template: str, data: Mapping[str, str], language: Language = Language.EN
) -> tuple[str, str]:
    """Subject and body for a template in a language, or ValidationFailed for an unknown one."""
    try:
        subject, body = TEMPLATES[language][template]
    except KeyError:
        raise ValidationFailed(f"no notification template named {template!r}") from None
    fields = _Missing(data)
    fields["changes"] = _changes(data, language)
    fields["lead"] = LEADS[language].get(data.get("lead", ""), data.get("lead", "?"))
    fields["seat_list"] = (
        SEAT_LIST[language].format(data["seat_list"]) if "seat_list" in data else ""
    )
    return subject.format_map(fields), body.format_map(fields).strip()


def _changes(data: Mapping[str, str], language: Language) -> str:
    names = FIELD_NAMES[language]
    lines = [
        f"- {names.get(key.removeprefix('change.'), key.removeprefix('change.'))}: {value}"
        for key, value in sorted(data.items())
        if key.startswith("change.")
    ]
    return "\n".join(lines)


def calendar_facts(entry: CalendarEntry) -> dict[str, str]:
    """The `calendar.*` facts that `calendar_entry` reads back."""
    return {
        "calendar.uid": entry.uid,
        "calendar.title": entry.title,
        "calendar.starts_at": entry.starts_at.isoformat(),
        "calendar.ends_at": entry.ends_at.isoformat(),
        "calendar.location": entry.location,
        "calendar.description": entry.description,
        "calendar.sequence": str(entry.sequence),
        "calendar.cancelled": "1" if entry.cancelled else "",
    }


def calendar_entry(data: Mapping[str, str]) -> CalendarEntry | None:
    """The calendar entry a notification's facts describe, if they describe one."""
    if "calendar.uid" not in data:
        return None
    return CalendarEntry(
        uid=data["calendar.uid"],
        title=data.get("calendar.title", ""),
        starts_at=datetime.fromisoformat(data["calendar.starts_at"]),
        ends_at=datetime.fromisoformat(data["calendar.ends_at"]),
        location=data.get("calendar.location", ""),
        description=data.get("calendar.description", ""),
        sequence=int(data.get("calendar.sequence", "0")),
        cancelled=bool(data.get("calendar.cancelled")),
    )


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"
