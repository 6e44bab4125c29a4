"""Organisers switch plugins on and off; platform admins read what went wrong with them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from core.identity.model import AccountId, Role
from core.partners.api import AvailabilityExchange, PartnerOffer
from core.partners.commands import SwitchPlugin
from core.partners.model import PluginActivation
from core.partners.ports import PartnersUnitOfWork, PluginProblem
from core.shared.clock import Clock
from core.shared.errors import Conflict, DomainError, NotFound, PermissionDenied


class PartnerUnavailable(DomainError):
    """Raised when a partner platform cannot be reached or answers with an error; retry."""

    code = "partner-unavailable"


async def switch_plugin(
    cmd: SwitchPlugin, *, installed: Collection[str], uow: PartnersUnitOfWork, clock: Clock
) -> PluginActivation:
    """Switch a loaded plugin on or off for the organiser's events; repeating is harmless."""
    if cmd.plugin not in installed:
        raise NotFound(f"no plugin named {cmd.plugin!r} runs here")
    activation = PluginActivation(cmd.organiser_id, cmd.plugin, cmd.active, clock.now())
    async with uow:
        await uow.plugin_activations.put(activation)
        await uow.commit()
    return activation


async def active_plugins(organiser_id: AccountId, *, uow: PartnersUnitOfWork) -> frozenset[str]:
    async with uow:
        return await uow.plugin_activations.active(organiser_id)


async def ensure_platform_admin(actor_id: AccountId, *, uow: PartnersUnitOfWork) -> None:
    async with uow:
        account = await uow.accounts.get(actor_id)
    if Role.PLATFORM_ADMIN not in account.roles:
        raise PermissionDenied("only platform administrators may see this")


async def plugin_problems(actor_id: AccountId, *, uow: PartnersUnitOfWork) -> list[PluginProblem]:
    """How often each plugin failed at what, for platform admins."""
    await ensure_platform_admin(actor_id, uow=uow)
    async with uow:
        return await uow.plugin_problems.all()


async def partner_offers(
    organiser_id: AccountId,
    plugin: str,
    *,
    exchanges: Mapping[str, AvailabilityExchange],
    uow: PartnersUnitOfWork,
) -> Sequence[PartnerOffer]:
    """What a partner platform offers for the organiser, asked now (never in a transaction)."""
    exchange = exchanges.get(plugin)
    if exchange is None:
        raise NotFound(f"no plugin named {plugin!r} exchanges availability here")
    async with uow:
        active = await uow.plugin_activations.active(organiser_id)
    if plugin not in active:
        raise Conflict(f"switch {plugin!r} on for your events first")
    try:
        return await exchange.pull(organiser_id)
    except Exception as exc:  # the partner's trouble, told as such
        raise PartnerUnavailable(
            f"the partner platform of {plugin!r} did not answer: {type(exc).__name__}"
        ) from exc
