"""Partners: the plugin API (v1), availability for partner platforms, partner keys and holds.

Plugins import what they need from here:

    from core.partners import PartnerPlugin, PluginContext, AvailabilityUpdate
"""

from core.partners.api import (
    API_VERSION,
    AvailabilityExchange,
    AvailabilityUpdate,
    Caller,
    PartnerOffer,
    PartnerPlugin,
    PlatformView,
    PluginContext,
    PluginError,
    PluginEventHandler,
    PluginStore,
)
from core.partners.availability import Availability, AvailabilitySnapshot

__all__ = [
    "API_VERSION",
    "Availability",
    "AvailabilityExchange",
    "AvailabilitySnapshot",
    "AvailabilityUpdate",
    "Caller",
    "PartnerOffer",
    "PartnerPlugin",
    "PlatformView",
    "PluginContext",
    "PluginError",
    "PluginEventHandler",
    "PluginStore",
]
