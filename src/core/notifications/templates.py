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
        "{expires_at}. Open the event on Stagedoor to book them before then; after that they "
        "go to the next person waiting.",
    ),
    "refund_succeeded": (
        "Refund of {amount}",
        "We refunded {amount} to you ({reason}). Depending on your bank it may take a few "
        "days to appear.",
    ),
    "subscription_activated": (
        "Welcome to {plan}",
        "Your {plan} subscription is active and your perks apply from now on. It renews on {date}.",
    ),
    "pass_activated": (
        "Welcome to {plan}",
        "Your {plan} pass is active until {date}; your perks apply from now on.",
    ),
    "subscription_receipt": (
        "Receipt: {amount} for {plan}",
        "We charged {amount} for {plan}, for {period}. Payment reference: {payment}.",
    ),
    "renewal_receipt": (
        "Receipt: {amount} for {plan}",
        "We renewed {plan} and charged {amount}, for {period}. Payment reference: {payment}.",
    ),
    "upgrade_receipt": (
        "Receipt: {amount} for {plan}",
        "We charged {amount} to move you to {plan} for the rest of the period ({period}). "
        "Payment reference: {payment}.",
    ),
    "renewal_failed": (
        "Payment for {plan} did not go through",
        "We could not charge {amount} to renew {plan} ({reason}). We will try again on "
        "{retry_at}; your perks stay meanwhile. You can also pay now, with another card if "
        "need be, on your subscriptions page.",
    ),
    "subscription_past_due": (
        "{plan}: payment needed",
        "We tried several times but could not charge {amount} to renew {plan}. Your perks are "
        "paused. Pay on your subscriptions page before {cancel_at}, or the subscription will be "
        "cancelled then.",
    ),
    "subscription_cancelled": (
        "{plan} cancelled",
        "Your {plan} subscription is cancelled, as you asked.",
    ),
    "subscription_cancelled_refund": (
        "{plan} cancelled",
        "Your {plan} subscription is cancelled, as you asked. We are refunding {refund} for the "
        "unused time; depending on your bank it may take a few days to appear.",
    ),
    "subscription_cancelled_unpaid": (
        "{plan} cancelled",
        "Your {plan} subscription is cancelled: its renewal was not paid. You can subscribe "
        "again at any time.",
    ),
    "subscription_ending": (
        "{plan} will end on {date}",
        "As you asked, {plan} will not renew: your perks last until {date}, then it ends. "
        "Changed your mind? Resume it on your subscriptions page before then.",
    ),
    "subscription_resumed": (
        "{plan} will renew",
        "{plan} will renew on {date} as before.",
    ),
    "subscription_ended": (
        "{plan} has ended",
        "Your {plan} subscription has ended. You can subscribe again at any time.",
    ),
    "plan_changed": (
        "You moved to {plan}",
        "Your subscription moved from {previous} to {plan}.",
    ),
    "plan_changed_charged": (
        "You moved to {plan}",
        "Your subscription moved from {previous} to {plan}. We charged {amount} for the rest "
        "of this period.",
    ),
    "plan_changed_refunded": (
        "You moved to {plan}",
        "Your subscription moved from {previous} to {plan}. We are refunding {amount} for the "
        "rest of this period.",
    ),
    "plan_change_declined": (
        "Could not move to {wanted}",
        "We could not charge the difference to move to {wanted} ({reason}); you stay on {plan}.",
    ),
    "invoice_issued": (
        "Invoice for {conference}: {amount}",
        "{conference} now lists {participants} participants, which needs the {tier} tier. "
        "Please pay {amount} on your billing page. Nothing stops meanwhile.",
    ),
    "invoice_paid": (
        "Receipt: {amount} for {conference}",
        "Thank you: we received {amount} for the {tier} tier of {conference}.",
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
        "{expires_at}. Откройте мероприятие в Stagedoor и забронируйте их до этого времени, "
        "потом они перейдут следующему в очереди.",
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
    "subscription_activated": (
        "Добро пожаловать в {plan}",
        "Подписка {plan} действует, преимущества уже работают. Она продлится {date}.",
    ),
    "pass_activated": (
        "Добро пожаловать в {plan}",
        "Абонемент {plan} действует до {date}; преимущества уже работают.",
    ),
    "subscription_receipt": (
        "Чек: {amount} за {plan}",
        "Мы списали {amount} за {plan}, за период {period}. Номер платежа: {payment}.",
    ),
    "renewal_receipt": (
        "Чек: {amount} за {plan}",
        "Мы продлили {plan} и списали {amount}, за период {period}. Номер платежа: {payment}.",
    ),
    "upgrade_receipt": (
        "Чек: {amount} за {plan}",
        "Мы списали {amount} за переход на {plan} до конца периода ({period}). Номер платежа: "
        "{payment}.",
    ),
    "renewal_failed": (
        "Платёж за {plan} не прошёл",
        "Не удалось списать {amount} за продление {plan} ({reason}). Попробуем снова "
        "{retry_at}; преимущества пока сохраняются. Можно оплатить и сейчас, при необходимости "
        "другой картой, на странице подписок.",
    ),
    "subscription_past_due": (
        "{plan}: нужна оплата",
        "Мы несколько раз пытались списать {amount} за продление {plan}, но не смогли. "
        "Преимущества приостановлены. Оплатите на странице подписок до {cancel_at}, иначе "
        "подписка будет отменена.",
    ),
    "subscription_cancelled": (
        "{plan}: подписка отменена",
        "Ваша подписка {plan} отменена, как вы просили.",
    ),
    "subscription_cancelled_refund": (
        "{plan}: подписка отменена",
        "Ваша подписка {plan} отменена, как вы просили. Мы возвращаем {refund} за "
        "неиспользованное время; в зависимости от банка деньги придут через несколько дней.",
    ),
    "subscription_cancelled_unpaid": (
        "{plan}: подписка отменена",
        "Ваша подписка {plan} отменена: продление не было оплачено. Оформить её снова можно в "
        "любой момент.",
    ),
    "subscription_ending": (
        "{plan} закончится {date}",
        "Как вы просили, {plan} не будет продлеваться: преимущества действуют до {date}, потом "
        "подписка закончится. Передумали? Возобновите её на странице подписок до этой даты.",
    ),
    "subscription_resumed": (
        "{plan} будет продлеваться",
        "{plan} продлится {date}, как раньше.",
    ),
    "subscription_ended": (
        "{plan}: подписка закончилась",
        "Ваша подписка {plan} закончилась. Оформить её снова можно в любой момент.",
    ),
    "plan_changed": (
        "Вы перешли на {plan}",
        "Ваша подписка переведена с {previous} на {plan}.",
    ),
    "plan_changed_charged": (
        "Вы перешли на {plan}",
        "Ваша подписка переведена с {previous} на {plan}. Мы списали {amount} за остаток периода.",
    ),
    "plan_changed_refunded": (
        "Вы перешли на {plan}",
        "Ваша подписка переведена с {previous} на {plan}. Мы возвращаем {amount} за остаток "
        "периода.",
    ),
    "plan_change_declined": (
        "Не удалось перейти на {wanted}",
        "Не удалось списать разницу за переход на {wanted} ({reason}); вы остаётесь на {plan}.",
    ),
    "invoice_issued": (
        "Счёт за {conference}: {amount}",
        "В {conference} уже {participants} участников, для этого нужен тариф «{tier}». "
        "Оплатите {amount} на странице оплаты конференций. Работа при этом не "
        "останавливается.",
    ),
    "invoice_paid": (
        "Чек: {amount} за {conference}",
        "Спасибо: мы получили {amount} за тариф «{tier}» конференции {conference}.",
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
