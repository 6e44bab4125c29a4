"""Finding and loading partner plugins: entry points in the group `stagedoor.plugins`.

Only plugins named in STAGEDOOR_PLUGINS load, in that order; each reads its own settings
(STAGEDOOR_PLUGIN_<NAME>__<KEY>). A plugin that fails to load is logged and skipped, and the
admin endpoint reports it; the service starts all the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points

import structlog

from core.partners.registry import Candidate, PluginRegistry
from core.shared.catalogue import EVENT_TYPES
from entrypoints.settings import Settings

log = structlog.get_logger("stagedoor.plugins")

GROUP = "stagedoor.plugins"
BUILT_IN_PROVIDERS = ("sandbox", "stripe")


def installed() -> list[Candidate]:
    """Every installed plugin's entry point, by name; nothing is imported yet."""
    return [(point.name, point.load) for point in entry_points(group=GROUP)]


def load_plugins(
    settings: Settings, candidates: Iterable[Candidate] | None = None
) -> PluginRegistry:
    """Load the allowed plugins (from `candidates`, by default the installed ones)."""
    registry = PluginRegistry.load(
        installed() if candidates is None else candidates,
        allowed=settings.plugins,
        settings=settings.plugin_settings,
        public_url=settings.public_url,
        event_types=EVENT_TYPES,
        taken_providers=BUILT_IN_PROVIDERS,
    )
    for plugin in registry.loaded.values():
        log.info(
            "plugin.loaded",
            plugin=plugin.name,
            version=plugin.version,
            **plugin.registrations.summary(),
        )
    for failure in registry.failures:
        log.error("plugin.failed", plugin=failure.name, stage=failure.stage, error=failure.error)
    return registry
