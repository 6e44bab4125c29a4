"""Participants, the hand-over of a pack, and staff invitations, as the model rules them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from core.distribution.events import PackDelivered
from core.distribution.model import (
    Access,
    AlreadyDelivered,
    Conference,
    ConferenceId,
    Participant,
    Person,
    PickupPoint,
    PointChanges,
    PointId,
    Role,
    Slot,
    StaffInvitation,
    StaffMember,
    hash_token,
)
from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
ORGANISER = AccountId(UUID(int=1))
CONF = ConferenceId(UUID(int=2))
HELPER = AccountId(UUID(int=3))
OTHER_HELPER = AccountId(UUID(int=4))


def refusal(call: object, *args: object, **kwargs: object) -> ValidationFailed:
    """The ValidationFailed that `call(*args, **kwargs)` raises, for its message and field."""
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def point(name: str = "Hall A", stock: int = 10, conference_id: UUID = CONF) -> PickupPoint:
    return PickupPoint.create(ConferenceId(conference_id), name, "", 2, stock, NOW)


def ivanov() -> Participant:
    return Participant.register(CONF, Person("Иванов", "Иван", "Иванович"), NOW)


# -- people ----------------------------------------------------------------------------------


def test_a_checked_person_has_tidy_spacing_and_a_lower_case_email() -> None:
    checked = Person(
        " Петров-Водкин ", "  Кузьма\t", " Сергеевич  ", " K.Petrov@Example.ORG ", " +7 999 100 "
    ).checked()
    assert checked == Person(
        "Петров-Водкин", "Кузьма", "Сергеевич", "k.petrov@example.org", "+7 999 100"
    )
    assert Person("Ли", "Мин").checked() == Person("Ли", "Мин", "", "", "")


@pytest.mark.parametrize(
    ("person", "field", "detail"),
    [
        (Person(" ", "Иван"), "last_name", "last_name must not be empty"),
        (Person("Иванов", ""), "first_name", "first_name must not be empty"),
        (Person("x" * 101, "Иван"), "last_name", "last_name must be at most 100 characters"),
        (Person("Иванов", "x" * 101), "first_name", "first_name must be at most 100 characters"),
        (
            Person("Иванов", "Иван", "x" * 101),
            "second_name",
            "second_name must be at most 100 characters",
        ),
        (
            Person("Иванов", "Иван", email="e" * 255),
            "email",
            "email must be at most 254 characters",
        ),
        (Person("Иванов", "Иван", phone="1" * 33), "phone", "phone must be at most 32 characters"),
    ],
)
def test_a_person_is_refused_naming_the_field_at_fault(
    person: Person, field: str, detail: str
) -> None:
    error = refusal(person.checked)
    assert (error.field, error.detail) == (field, detail)


def test_every_person_field_may_be_exactly_as_long_as_its_limit() -> None:
    email = "E" * 64 + "@" + "D" * 181 + ".example"  # 254 characters
    longest = Person("l" * 100, "f" * 100, "s" * 100, email, "1" * 32).checked()
    assert longest == Person("l" * 100, "f" * 100, "s" * 100, email.lower(), "1" * 32)


def test_a_full_name_leaves_out_a_missing_second_name() -> None:
    assert Person("Иванов", "Иван", "Иванович").full_name == "Иванов Иван Иванович"
    assert Person("Smith", "Ann").full_name == "Smith Ann"


# -- participants ----------------------------------------------------------------------------


def test_a_registered_participant_is_checked_and_not_yet_served() -> None:
    wish = PointId(UUID(int=7))
    made = Participant.register(CONF, Person(" Иванов ", "Иван", email="I@X.ORG"), NOW, wish)
    assert made.person == Person("Иванов", "Иван", "", "i@x.org", "")
    assert (made.conference_id, made.preferred_point_id) == (CONF, wish)
    assert made.created_at == made.updated_at == NOW
    assert (made.assigned_point_id, made.slot, made.delivered_at) == (None, None, None)
    assert (made.delivered_point_id, made.delivered_by, made.delivered) == (None, None, False)
    assert made.id.version == 7
    assert ivanov().preferred_point_id is None
    with pytest.raises(ValidationFailed):
        Participant.register(CONF, Person("", "Иван"), NOW)


def test_renaming_checks_the_new_name_and_touches_the_update_time() -> None:
    made = ivanov()
    later = NOW + timedelta(hours=1)
    made.rename(Person(" Петров ", "Пётр", email="P@X.ORG"), later)
    assert made.person == Person("Петров", "Пётр", "", "p@x.org", "")
    assert (made.created_at, made.updated_at) == (NOW, later)
    error = refusal(made.rename, Person("Петров", " "), later)
    assert error.field == "first_name"
    assert made.person.first_name == "Пётр"


def test_a_hand_over_takes_a_pack_and_records_who_where_and_when() -> None:
    made, at = ivanov(), point("Hall A", stock=2)
    made.assign(at.id, Slot(NOW, NOW + timedelta(minutes=15)), NOW)
    when = NOW + timedelta(hours=2)
    assert made.deliver(at, HELPER, when) is True
    assert at.stock == 1
    assert made.delivered is True
    assert (made.delivered_at, made.delivered_point_id, made.delivered_by) == (when, at.id, HELPER)
    assert made.updated_at == when
    [event] = made.pull_events()
    assert isinstance(event, PackDelivered)
    assert (event.conference_id, event.participant_id, event.point_id) == (CONF, made.id, at.id)
    assert (event.assigned_point_id, event.occurred_at) == (at.id, when)
    assert event.event_id.version == 7


def test_the_same_desk_confirming_again_is_a_harmless_retry() -> None:
    made, at = ivanov(), point(stock=5)
    made.deliver(at, HELPER, NOW)
    made.pull_events()
    assert made.deliver(at, HELPER, NOW + timedelta(minutes=1)) is False
    assert at.stock == 4
    assert made.delivered_at == NOW
    assert made.pull_events() == []


def test_a_second_hand_over_says_where_and_when_the_first_happened() -> None:
    made, here, there = ivanov(), point("Hall A"), point("Hall B")
    when = datetime(2025, 6, 2, 9, 30, 15, 123456, tzinfo=UTC)
    made.deliver(here, HELPER, when)
    with pytest.raises(AlreadyDelivered) as same_point:
        made.deliver(here, OTHER_HELPER, when + timedelta(minutes=5))
    assert same_point.value.detail == (
        "Иванов Иван Иванович already got their pack at this point at 2025-06-02T09:30:15+00:00"
    )
    assert (same_point.value.delivered_at, same_point.value.point_id) == (when, here.id)
    assert same_point.value.code == "already-delivered"
    assert isinstance(same_point.value, Conflict)
    with pytest.raises(AlreadyDelivered) as elsewhere:
        made.deliver(there, HELPER, when + timedelta(minutes=5))
    assert "already got their pack at another point at 2025-06-02T09:30:15" in str(elsewhere.value)
    assert (elsewhere.value.delivered_at, elsewhere.value.point_id) == (when, here.id)
    assert (here.stock, there.stock) == (9, 10)
    assert (made.delivered_at, made.delivered_by) == (when, HELPER)


def test_a_pack_is_not_handed_over_at_another_conference_or_a_point_that_cannot_give() -> None:
    made = ivanov()
    foreign = point("Elsewhere", conference_id=UUID(int=99))
    with pytest.raises(NotFound) as caught:
        made.deliver(foreign, HELPER, NOW)
    assert caught.value.detail == "pickup point not found"
    assert foreign.stock == 10
    empty = point("Empty", stock=0)
    with pytest.raises(Conflict, match="no packs left"):
        made.deliver(empty, HELPER, NOW)
    closed = point("Closed")
    closed.edit(PointChanges(is_open=False))
    with pytest.raises(Conflict, match="is closed"):
        made.deliver(closed, HELPER, NOW)
    assert (made.delivered, made.delivered_point_id, made.pull_events()) == (False, None, [])


# -- staff invitations -----------------------------------------------------------------------


def invitation(point_id: PointId | None = None) -> StaffInvitation:
    return StaffInvitation(
        id=UUID(int=5),
        conference_id=CONF,
        token_hash=hash_token("secret"),
        role=Role.STAFF,
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
        point_id=point_id,
    )


def test_accepting_an_invitation_makes_the_account_staff() -> None:
    at = PointId(UUID(int=8))
    invite = invitation(at)
    when = NOW + timedelta(days=1)
    member = invite.accept(HELPER, when)
    assert member == StaffMember(CONF, HELPER, Role.STAFF, when, at)
    assert invite.used_by == HELPER
    # the same person opening the link again is let in again
    assert invite.accept(HELPER, when + timedelta(hours=1)).account_id == HELPER


def test_an_invitation_serves_one_account_only() -> None:
    invite = invitation()
    invite.accept(HELPER, NOW)
    with pytest.raises(Conflict) as caught:
        invite.accept(OTHER_HELPER, NOW)
    assert caught.value.detail == (
        "this invitation was already used; ask the organiser for another"
    )
    assert invite.used_by == HELPER


def test_an_invitation_expires_at_its_expiry_instant() -> None:
    invite = invitation()
    last_moment = invite.expires_at - timedelta(microseconds=1)
    assert invitation().accept(HELPER, last_moment).added_at == last_moment
    with pytest.raises(Conflict) as caught:
        invite.accept(HELPER, invite.expires_at)
    assert caught.value.detail == "this invitation has expired; ask the organiser for another"
    assert invite.used_by is None


def test_a_token_is_stored_as_its_sha256() -> None:
    assert hash_token("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


# -- who may do what -------------------------------------------------------------------------


def test_the_organiser_and_the_conference_staff_have_standing_and_nobody_else() -> None:
    made = Conference.create(ORGANISER, "PyCon", "", NOW, NOW + timedelta(hours=1), now=NOW)
    at = PointId(UUID(int=8))
    assert made.access_of(ORGANISER, None) == Access(Role.ORGANISER, None)
    assert made.access_of(HELPER, StaffMember(made.id, HELPER, Role.STAFF, NOW, at)) == Access(
        Role.STAFF, at
    )
    strangers = [
        (HELPER, None),
        (HELPER, StaffMember(CONF, HELPER, Role.STAFF, NOW)),  # staff of another conference
        (HELPER, StaffMember(made.id, OTHER_HELPER, Role.STAFF, NOW)),  # someone else's record
    ]
    for account, staff in strangers:
        with pytest.raises(NotFound) as caught:
            made.access_of(account, staff)
        assert caught.value.detail == "conference not found"


def test_only_the_organiser_passes_the_organiser_check() -> None:
    Access(Role.ORGANISER).ensure_organiser()
    assert Access(Role.ORGANISER).is_organiser is True
    assert Access(Role.STAFF).is_organiser is False
    with pytest.raises(PermissionDenied) as caught:
        Access(Role.STAFF).ensure_organiser()
    assert caught.value.detail == "only the conference's organiser may do this"


def test_staff_tied_to_a_point_are_let_in_only_there() -> None:
    here, there = PointId(UUID(int=8)), PointId(UUID(int=9))
    Access(Role.STAFF).ensure_at(there)
    Access(Role.STAFF, here).ensure_at(here)
    with pytest.raises(PermissionDenied) as caught:
        Access(Role.STAFF, here).ensure_at(there)
    assert caught.value.detail == "you work at another pickup point of this conference"
