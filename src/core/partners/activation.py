"""Organisers switch plugins on and off; platform admins read what went wrong with them."""

from __future__ import annotations

from collections.abc import Collection

from core.identity.model import AccountId, Role
from core.partners.commands import SwitchPlugin
from core.partners.model import PluginActivation
from core.partners.ports import PartnersUnitOfWork, PluginProblem
from core.shared.clock import Clock
from core.shared.errors import NotFound, PermissionDenied


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
