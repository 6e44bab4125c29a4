"""The words of the organiser and desk pages, in English and Russian.

A plain catalogue: one dict per language, `t(key, lang, **values)` to look a phrase up (with
`str.format` placeholders), and `choose_language` to pick the language of a request: `?lang=`
first (the page then remembers it in a cookie), then that cookie, then `Accept-Language`,
else English. A phrase missing in Russian falls back to English, and a missing key shows
itself, so a slip is visible on the page rather than an error.
"""

# ruff: noqa: RUF001 - Cyrillic letters and dashes are the data of this module.

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from adapters.http.pages import phrases

LANGUAGES = ("en", "ru")
DEFAULT = "en"
LANG_COOKIE = "stagedoor_lang"

EN: dict[str, str] = {
    "app.name": "Stagedoor",
    "nav.conferences": "My conferences",
    "nav.sign_out": "Sign out",
    "nav.bookings": "My bookings",
    "events.title": "Upcoming events",
    "events.search": "Title or description",
    "events.city": "City",
    "events.find": "Find",
    "events.none": "No upcoming events found.",
    "events.more": "More events",
    "nav.events": "Events",
    "event.price": "Price per seat",
    "event.free": "free",
    "event.seats_left": "Seats left",
    "event.cancelled": "This event is cancelled.",
    "event.started": "This event has started; booking is closed.",
    "event.sold_out": "No seats left.",
    "event.sign_in": "Sign in to book",
    "event.book": "Book",
    "event.seats": "Seats",
    "event.book_and_pay": "Book and pay",
    "event.pay_note": (
        "The seats are held for you while you pay; if the payment does not go through they"
        " are released."
    ),
    "bookings.title": "My bookings",
    "bookings.empty": "No bookings yet.",
    "bookings.event": "Event",
    "bookings.starts": "Starts",
    "bookings.status": "Status",
    "bookings.tickets": "Tickets",
    "bookings.status.pending_payment": "awaiting payment",
    "bookings.status.confirmed": "confirmed",
    "bookings.status.cancelled": "cancelled",
    "bookings.status.expired": "expired: not paid in time",
    "nav.language": "Language",
    "login.title": "Sign in",
    "login.email": "Email",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.failed": "Wrong email or password.",
    "login.signed_out": "You are signed out.",
    "error.not_found.title": "Not found",
    "error.not_found": "There is nothing here, or it is not yours to see.",
    "error.forbidden.title": "Not allowed",
    "error.forbidden": "You may not do this here.",
    "error.csrf": (
        "The form has expired or did not come from this site. Reload the page and try again."
    ),
    "error.invalid.title": "Please check the input",
    "error.conflict.title": "That did not work",
    "error.server.title": "Something went wrong",
    "error.server": "Something went wrong on our side; please try again in a moment.",
    "error.back": "Back to my conferences",
    "conferences.title": "My conferences",
    "conferences.empty": "No conferences yet.",
    "conferences.role.organiser": "organiser",
    "conferences.role.staff": "staff",
    "conferences.open_dashboard": "Dashboard",
    "conferences.open_desk": "Desk",
    "conferences.open_participants": "Participants",
    "conferences.create": "Create a conference",
    "conferences.field.title": "Title",
    "conferences.field.venue": "Venue",
    "conferences.field.starts": "Hand-out starts",
    "conferences.field.ends": "Hand-out ends",
    "conferences.field.zone": "Time zone",
    "conferences.field.service": "Seconds per participant at a desk",
    "conferences.bad_time": "Give the start and the end as date and time.",
    "conferences.handout": "Hand-out {start} – {end} ({zone})",
    "dashboard.title": "Dashboard",
    "dashboard.live": "Updates live",
    "dashboard.totals": "Totals",
    "dashboard.handed_out": "Handed out",
    "dashboard.planned": "Planned",
    "dashboard.remaining": "Remaining",
    "dashboard.for_others": "for other points",
    "dashboard.stock": "Packs in stock",
    "dashboard.stock_short": "Stock is short of the people still due",
    "dashboard.throughput": "Last 5 / 15 min",
    "dashboard.per_minute": "{rate} per min",
    "dashboard.queue": "Estimated queue",
    "dashboard.wait": "Estimated wait",
    "dashboard.closed": "closed",
    "dashboard.desks": "desks",
    "dashboard.unassigned": "Participants without a point",
    "dashboard.participants": "Participants",
    "dashboard.updated": "Updated {time}",
    "dashboard.no_points": "No pickup points yet.",
    "points.add": "Add a pickup point",
    "points.name": "Name",
    "points.location": "Location",
    "points.desks": "Desks",
    "points.stock": "Packs",
    "invite.title": "Invite staff",
    "invite.point": "Pickup point",
    "invite.any_point": "Any point",
    "invite.submit": "Make an invitation link",
    "invite.link": "Send this link (valid for 14 days, for one person):",
    "manage.title": "Pickup points",
    "manage.state": "State",
    "manage.open": "open",
    "manage.closed": "closed",
    "manage.save": "Save",
    "manage.move_title": "Carry packs",
    "manage.from": "From",
    "manage.to": "To",
    "manage.move": "Carry the packs",
    "rebalance.title": "Rebalance",
    "rebalance.hint": (
        "Send the people still due at a closed or overloaded point to the other open points,"
        " with new time slots from now on."
    ),
    "rebalance.from": "Point to relieve",
    "rebalance.propose": "Propose",
    "rebalance.people": "{count} participants still due at {point} would move:",
    "rebalance.nobody": "Nobody is still due at {point}.",
    "rebalance.moved": "{count} participants moved from {point}.",
    "rebalance.to": "To",
    "rebalance.count": "People",
    "rebalance.short": "Packs short",
    "rebalance.apply": "Move them",
    "rebalance.apply_confirm": "Give {count} participants a new point and time slot?",
    "join.title": "Join a conference as staff",
    "join.text": "You were invited to help at a conference. Accept to see it in your list.",
    "join.submit": "Accept the invitation",
    "join.missing": "This link has no invitation token; ask the organiser for a new one.",
    "desk.title": "Desk",
    "desk.choose_point": "Choose your pickup point",
    "desk.point": "Point: {name}",
    "desk.change_point": "change",
    "desk.search": "Surname, name, email or phone",
    "desk.hint": "Type to search. Enter hands over the only result; arrows or Tab pick one.",
    "desk.no_results": "Nobody found.",
    "desk.more_results": "More matches; keep typing.",
    "desk.assigned": "{point}, {slot}",
    "desk.delivered_at": "Got the pack at {time}, {point}",
    "desk.handed_over": "Handed over",
    "desk.handed_over_at": "Handed over at {time}",
    "desk.repeated": "Already handed over here at {time}",
    "desk.already": "Already delivered at {point} at {time}",
    "desk.refused": "Not handed over",
    "desk.confirm": "Hand over",
    "desk.closed_point": "This point is closed.",
    "participants.title": "Participants",
    "participants.search": "Search",
    "participants.filter.all": "Everyone",
    "participants.filter.missing": "Not yet delivered",
    "participants.filter.delivered": "Delivered",
    "participants.name": "Name",
    "participants.contacts": "Contacts",
    "participants.point": "Point and time",
    "participants.status": "Pack",
    "participants.delivered": "delivered {time}",
    "participants.not_delivered": "not yet",
    "participants.edit": "Edit",
    "participants.delete": "Delete",
    "participants.delete_confirm": "Delete this participant?",
    "participants.save": "Save",
    "participants.cancel": "Cancel",
    "participants.next_page": "Next page",
    "participants.empty": "Nobody matches.",
    "participants.add": "Add a participant",
    "participants.last_name": "Last name",
    "participants.first_name": "First name",
    "participants.second_name": "Patronymic",
    "participants.email": "Email",
    "participants.phone": "Phone",
    "participants.preferred": "Preferred point",
    "participants.no_preference": "No preference",
    "participants.added": "Participant added.",
    "participants.saved": "Changes saved.",
    "participants.deleted": "Participant deleted.",
    "participants.edit_title": "Edit participant",
    "import.title": "Import from CSV",
    "import.help": "A header row; UTF-8 or Windows-1251; separated by ; or ,.",
    "import.file": "CSV file",
    "import.submit": "Import",
    "import.added": "Added: {count}.",
    "import.problems": "Rows not imported: {count}",
    "import.line": "Line",
    "import.problem": "Problem",
    "import.no_file": "Choose a CSV file first.",
    "export.title": "Export to CSV",
    "export.all": "Everyone",
    "export.missing": "Not yet delivered",
    "export.russian": "with Russian headers",
    "plan.title": "Planner",
    "plan.mean_wait": "Target mean wait, seconds",
    "plan.slot": "Time slot, minutes",
    "plan.run": "Run the plan",
    "plan.apply": "Apply the plan",
    "plan.apply_confirm": "Give everyone not served yet a point and a time slot?",
    "plan.people": "People to plan: {count}",
    "plan.recommended": "Recommended desks: {desks}",
    "plan.current": "Current points: {desks} desks, load {load}%, mean wait {wait} s",
    "plan.no_points": "Open at least one pickup point to simulate a plan.",
    "plan.simulated": "Simulated waits",
    "plan.ours": "With time slots",
    "plan.alphabetical": "Alphabetical split",
    "plan.mean": "Mean wait, s",
    "plan.p95": "95% wait under, s",
    "plan.max_queue": "Longest queue",
    "plan.loads": "Planned per point",
    "plan.capacity": "capacity",
    "plan.unhonoured": "Preferences not honoured: {count}",
    "plan.applied": "Plan applied: {count} participants have a point and a time slot.",
}

RU: dict[str, str] = {
    "app.name": "Stagedoor",
    "nav.conferences": "Мои конференции",
    "nav.sign_out": "Выйти",
    "nav.bookings": "Мои бронирования",
    "events.title": "Ближайшие события",
    "events.search": "Название или описание",
    "events.city": "Город",
    "events.find": "Найти",
    "events.none": "Ближайших событий не найдено.",
    "events.more": "Ещё события",
    "nav.events": "События",
    "event.price": "Цена места",
    "event.free": "бесплатно",
    "event.seats_left": "Свободных мест",
    "event.cancelled": "Событие отменено.",
    "event.started": "Событие уже началось, бронирование закрыто.",
    "event.sold_out": "Свободных мест нет.",
    "event.sign_in": "Войти, чтобы забронировать",
    "event.book": "Забронировать",
    "event.seats": "Мест",
    "event.book_and_pay": "Забронировать и оплатить",
    "event.pay_note": (
        "Места держатся за вами, пока вы платите; если оплата не пройдёт, они освободятся."
    ),
    "bookings.title": "Мои бронирования",
    "bookings.empty": "Бронирований пока нет.",
    "bookings.event": "Событие",
    "bookings.starts": "Начало",
    "bookings.status": "Состояние",
    "bookings.tickets": "Билеты",
    "bookings.status.pending_payment": "ждёт оплаты",
    "bookings.status.confirmed": "подтверждено",
    "bookings.status.cancelled": "отменено",
    "bookings.status.expired": "истекло: не оплачено вовремя",
    "nav.language": "Язык",
    "login.title": "Вход",
    "login.email": "Эл. почта",
    "login.password": "Пароль",
    "login.submit": "Войти",
    "login.failed": "Неверная почта или пароль.",
    "login.signed_out": "Вы вышли.",
    "error.not_found.title": "Не найдено",
    "error.not_found": "Здесь ничего нет, или у вас нет к этому доступа.",
    "error.forbidden.title": "Нет доступа",
    "error.forbidden": "Вам нельзя делать это здесь.",
    "error.csrf": (
        "Форма устарела или отправлена не с этого сайта. Обновите страницу и попробуйте снова."
    ),
    "error.invalid.title": "Проверьте введённые данные",
    "error.conflict.title": "Не получилось",
    "error.server.title": "Что-то пошло не так",
    "error.server": "У нас что-то сломалось; попробуйте ещё раз чуть позже.",
    "error.back": "К моим конференциям",
    "conferences.title": "Мои конференции",
    "conferences.empty": "Конференций пока нет.",
    "conferences.role.organiser": "организатор",
    "conferences.role.staff": "сотрудник",
    "conferences.open_dashboard": "Сводка",
    "conferences.open_desk": "Стойка выдачи",
    "conferences.open_participants": "Участники",
    "conferences.create": "Создать конференцию",
    "conferences.field.title": "Название",
    "conferences.field.venue": "Место проведения",
    "conferences.field.starts": "Начало выдачи",
    "conferences.field.ends": "Конец выдачи",
    "conferences.field.zone": "Часовой пояс",
    "conferences.field.service": "Секунд на участника у стойки",
    "conferences.bad_time": "Укажите дату и время начала и конца.",
    "conferences.handout": "Выдача {start} – {end} ({zone})",
    "dashboard.title": "Сводка",
    "dashboard.live": "Обновляется сама",
    "dashboard.totals": "Итого",
    "dashboard.handed_out": "Выдано",
    "dashboard.planned": "Запланировано",
    "dashboard.remaining": "Осталось",
    "dashboard.for_others": "участникам других точек",
    "dashboard.stock": "Комплектов на точке",
    "dashboard.stock_short": "Комплектов меньше, чем ожидается участников",
    "dashboard.throughput": "За 5 / 15 мин",
    "dashboard.per_minute": "{rate} в минуту",
    "dashboard.queue": "Очередь (оценка)",
    "dashboard.wait": "Ожидание (оценка)",
    "dashboard.closed": "закрыта",
    "dashboard.desks": "стоек",
    "dashboard.unassigned": "Участники без точки",
    "dashboard.participants": "Участники",
    "dashboard.updated": "Обновлено в {time}",
    "dashboard.no_points": "Точек выдачи пока нет.",
    "points.add": "Добавить точку выдачи",
    "points.name": "Название",
    "points.location": "Где находится",
    "points.desks": "Стоек",
    "points.stock": "Комплектов",
    "invite.title": "Пригласить сотрудника",
    "invite.point": "Точка выдачи",
    "invite.any_point": "Любая точка",
    "invite.submit": "Создать ссылку-приглашение",
    "invite.link": "Отправьте эту ссылку (действует 14 дней, для одного человека):",
    "manage.title": "Точки выдачи",
    "manage.state": "Состояние",
    "manage.open": "открыта",
    "manage.closed": "закрыта",
    "manage.save": "Сохранить",
    "manage.move_title": "Перенести комплекты",
    "manage.from": "Откуда",
    "manage.to": "Куда",
    "manage.move": "Перенести",
    "rebalance.title": "Перераспределение",
    "rebalance.hint": (
        "Отправить тех, кто ещё не получил комплект на закрытой или перегруженной точке,"
        " на другие открытые точки, с новым временем начиная с этого момента."
    ),
    "rebalance.from": "Разгрузить точку",
    "rebalance.propose": "Предложить",
    "rebalance.people": "Участников, ещё ожидаемых на точке {point}, к переносу: {count}",
    "rebalance.nobody": "На точке {point} больше никого не ждут.",
    "rebalance.moved": "Перенесено участников с точки {point}: {count}.",
    "rebalance.to": "Куда",
    "rebalance.count": "Человек",
    "rebalance.short": "Не хватит комплектов",
    "rebalance.apply": "Перенести",
    "rebalance.apply_confirm": "Назначить {count} участникам новую точку и время?",
    "join.title": "Присоединиться к конференции",
    "join.text": (
        "Вас пригласили помогать на конференции. Примите приглашение, чтобы увидеть её в списке."
    ),
    "join.submit": "Принять приглашение",
    "join.missing": "В ссылке нет приглашения; попросите организатора прислать новую.",
    "desk.title": "Стойка выдачи",
    "desk.choose_point": "Выберите свою точку выдачи",
    "desk.point": "Точка: {name}",
    "desk.change_point": "сменить",
    "desk.search": "Фамилия, имя, почта или телефон",
    "desk.hint": (
        "Начните вводить. Enter выдаёт единственному найденному; стрелки или Tab — выбрать."
    ),
    "desk.no_results": "Никого не нашлось.",
    "desk.more_results": "Есть ещё совпадения; уточните запрос.",
    "desk.assigned": "{point}, {slot}",
    "desk.delivered_at": "Получил(а) комплект в {time}, {point}",
    "desk.handed_over": "Выдано",
    "desk.handed_over_at": "Выдано в {time}",
    "desk.repeated": "Уже выдано здесь в {time}",
    "desk.already": "Уже выдано: {point}, в {time}",
    "desk.refused": "Не выдано",
    "desk.confirm": "Выдать",
    "desk.closed_point": "Эта точка закрыта.",
    "participants.title": "Участники",
    "participants.search": "Искать",
    "participants.filter.all": "Все",
    "participants.filter.missing": "Ещё не получили",
    "participants.filter.delivered": "Получили",
    "participants.name": "ФИО",
    "participants.contacts": "Контакты",
    "participants.point": "Точка и время",
    "participants.status": "Комплект",
    "participants.delivered": "выдан {time}",
    "participants.not_delivered": "ещё нет",
    "participants.edit": "Изменить",
    "participants.delete": "Удалить",
    "participants.delete_confirm": "Удалить этого участника?",
    "participants.save": "Сохранить",
    "participants.cancel": "Отмена",
    "participants.next_page": "Следующая страница",
    "participants.empty": "Никого не нашлось.",
    "participants.add": "Добавить участника",
    "participants.last_name": "Фамилия",
    "participants.first_name": "Имя",
    "participants.second_name": "Отчество",
    "participants.email": "Эл. почта",
    "participants.phone": "Телефон",
    "participants.preferred": "Желаемая точка",
    "participants.no_preference": "Без предпочтения",
    "participants.added": "Участник добавлен.",
    "participants.saved": "Изменения сохранены.",
    "participants.deleted": "Участник удалён.",
    "participants.edit_title": "Изменить участника",
    "import.title": "Загрузить из CSV",
    "import.help": "Первая строка — заголовки; UTF-8 или Windows-1251; разделитель ; или ,.",
    "import.file": "Файл CSV",
    "import.submit": "Загрузить",
    "import.added": "Добавлено: {count}.",
    "import.problems": "Строк не загружено: {count}",
    "import.line": "Строка",
    "import.problem": "Что не так",
    "import.no_file": "Сначала выберите файл CSV.",
    "export.title": "Выгрузить в CSV",
    "export.all": "Всех",
    "export.missing": "Ещё не получивших",
    "export.russian": "с русскими заголовками",
    "plan.title": "Планирование",
    "plan.mean_wait": "Целевое среднее ожидание, секунд",
    "plan.slot": "Интервал, минут",
    "plan.run": "Рассчитать план",
    "plan.apply": "Применить план",
    "plan.apply_confirm": "Назначить всем, кто ещё не получил комплект, точку и время?",
    "plan.people": "Участников в плане: {count}",
    "plan.recommended": "Рекомендуется стоек: {desks}",
    "plan.current": "Сейчас: стоек {desks}, загрузка {load}%, среднее ожидание {wait} с",
    "plan.no_points": "Откройте хотя бы одну точку выдачи, чтобы смоделировать план.",
    "plan.simulated": "Моделирование ожидания",
    "plan.ours": "С интервалами",
    "plan.alphabetical": "По алфавиту",
    "plan.mean": "Среднее ожидание, с",
    "plan.p95": "95% ждут меньше, с",
    "plan.max_queue": "Самая длинная очередь",
    "plan.loads": "План по точкам",
    "plan.capacity": "вместимость",
    "plan.unhonoured": "Не учтено пожеланий: {count}",
    "plan.applied": "План применён: участников с точкой и временем — {count}.",
}


def _merge(domains: tuple[ModuleType, ...]) -> None:
    """Add each domain's own phrases; two definitions of one key are a mistake."""
    for domain in domains:
        for ours, theirs in ((EN, domain.EN), (RU, domain.RU)):
            twice = ours.keys() & theirs.keys()
            if twice:
                raise ValueError(f"{domain.__name__} defines phrases again: {sorted(twice)}")
            ours.update(theirs)


_merge(phrases.DOMAINS)

CATALOGUE: dict[str, dict[str, str]] = {"en": EN, "ru": RU}


def t(key: str, lang: str, **values: object) -> str:
    """The phrase `key` in `lang` (English when missing), with `{name}` places filled in."""
    phrase = CATALOGUE.get(lang, EN).get(key) or EN.get(key) or key
    return phrase.format(**values) if values else phrase


def pick(value: str | None) -> str | None:
    """`value` when it names a language the pages speak, else None."""
    code = (value or "").strip().lower()[:2]
    return code if code in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language of `Accept-Language` (by its q weights) that the pages speak."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        code = pick(tag.split("-")[0])
        if code is not None and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else None


def choose_language(
    query: Mapping[str, str], cookies: Mapping[str, str], accept: str | None
) -> str:
    """`?lang=`, else the remembered choice, else the browser's preference, else English."""
    return (
        pick(query.get("lang"))
        or pick(cookies.get(LANG_COOKIE))
        or from_accept_language(accept)
        or DEFAULT
    )
