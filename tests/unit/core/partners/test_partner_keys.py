"""Partner keys: shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import pytest
from tests.unit.core.partners.conftest import IssueHelper
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.identity.model import Account
from core.partners import services
from core.partners.commands import RevokeKey
from core.partners.model import KEY_PREFIX, KeyScope, hash_key
from core.shared.errors import NotFound, PermissionDenied, Unauthenticated, ValidationFailed


async def test_a_key_is_returned_once_and_only_its_hash_is_stored(
    issue: IssueHelper, new_uow: NewUow
) -> None:
    key, secret = await issue("Kassir.ru")

    assert secret.startswith(KEY_PREFIX)
    assert len(secret) > 40
    assert key.hint == secret[:9]
    assert key.name == "Kassir.ru"
    async with new_uow() as uow:
        stored = await uow.partner_keys.get(key.id)
    assert stored.key_hash == hash_key(secret)
    assert secret not in repr(stored)
    assert stored.key_hash not in repr(stored)


async def test_two_keys_never_share_a_secret(issue: IssueHelper) -> None:
    secrets = {(await issue())[1] for _ in range(5)}
    assert len(secrets) == 5


async def test_a_key_authenticates_for_its_scopes_only(issue: IssueHelper, new_uow: NewUow) -> None:
    key, secret = await issue(scopes=frozenset({KeyScope.AVAILABILITY_READ}))

    found = await services.authenticate(secret, KeyScope.AVAILABILITY_READ, uow=new_uow())
    assert found.id == key.id
    with pytest.raises(PermissionDenied, match="lacks the holds:write scope"):
        await services.authenticate(secret, KeyScope.HOLDS_WRITE, uow=new_uow())


@pytest.mark.parametrize("presented", ["", "Bearer x", "sdpk_unknown", "sdpk_" + "x" * 300])
async def test_unknown_or_malformed_keys_are_refused(
    presented: str, issue: IssueHelper, new_uow: NewUow
) -> None:
    await issue()
    with pytest.raises(Unauthenticated):
        await services.authenticate(presented, KeyScope.AVAILABILITY_READ, uow=new_uow())


async def test_a_revoked_key_stops_working_and_revoking_again_changes_nothing(
    issue: IssueHelper, new_uow: NewUow, clock: SteppingClock, organiser: Account
) -> None:
    key, secret = await issue()

    revoked = await services.revoke_key(RevokeKey(key.id, organiser.id), uow=new_uow(), clock=clock)
    again = await services.revoke_key(RevokeKey(key.id, organiser.id), uow=new_uow(), clock=clock)

    assert revoked.revoked_at is not None
    assert again.revoked_at == revoked.revoked_at
    with pytest.raises(Unauthenticated, match="revoked"):
        await services.authenticate(secret, KeyScope.AVAILABILITY_READ, uow=new_uow())


async def test_only_the_organiser_revokes_a_key_and_others_do_not_learn_it_exists(
    issue: IssueHelper, new_uow: NewUow, clock: SteppingClock, register_account: RegisterAccount
) -> None:
    key, _ = await issue()
    stranger = await register_account()
    with pytest.raises(NotFound, match="partner key not found"):
        await services.revoke_key(RevokeKey(key.id, stranger.id), uow=new_uow(), clock=clock)


async def test_keys_are_listed_newest_first_for_their_organiser_only(
    issue: IssueHelper, new_uow: NewUow, register_account: RegisterAccount
) -> None:
    first, _ = await issue("First")
    second, _ = await issue("Second")
    other = await register_account()
    await issue("Someone else's", organiser_id=other.id)

    listed = await services.list_keys(first.organiser_id, uow=new_uow())

    assert [k.name for k in listed] == ["Second", "First"]
    assert [k.id for k in listed] == [second.id, first.id]


@pytest.mark.parametrize(
    ("name", "scopes", "field"),
    [
        ("", frozenset(KeyScope), "name"),
        ("x" * 101, frozenset(KeyScope), "name"),
        ("Bad\x00name", frozenset(KeyScope), "name"),
        ("Kassir", frozenset(), "scopes"),
    ],
)
async def test_a_key_needs_a_name_and_a_scope(
    name: str, scopes: frozenset[KeyScope], field: str, issue: IssueHelper
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await issue(name, scopes)
    assert caught.value.field == field


async def test_a_key_name_is_tidied(issue: IssueHelper) -> None:
    key, _ = await issue("  Ticket   Shop  ")
    assert key.name == "Ticket Shop"
