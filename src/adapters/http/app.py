"""Assembles the Litestar application from this adapter's controllers, errors and OpenAPI.

The composition (which container, which lifespan) belongs to `entrypoints.http`; this module
only knows how the HTTP side fits together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, cast

import msgspec
import structlog
from litestar import Litestar
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.types import (
    HTTPScope,
    LifeSpanReceive,
    LifeSpanScope,
    LifeSpanSend,
    Message,
    Receive,
    Scope,
    Send,
)
from litestar.typing import FieldDefinition

from adapters.http.auth import AUTH_DEPENDENCIES, AuthController
from adapters.http.billing import BillingController
from adapters.http.bookings import BookingsController
from adapters.http.conferences import ConferencesController
from adapters.http.deps import STATE_KEY, provide_platform
from adapters.http.events import EventsController
from adapters.http.health import VERSION_KEY, HealthController
from adapters.http.pages.pay import PayPages
from adapters.http.pages.routes import distribution_pages, static_files
from adapters.http.participants import ParticipantsController
from adapters.http.partners import (
    AvailabilityController,
    PartnerController,
    PartnerKeysController,
)
from adapters.http.payments import PaymentsController
from adapters.http.plugins import (
    AdminPluginsController,
    PluginsController,
    plugin_routers,
    report_plugin_failure,
)
from adapters.http.privacy import mask_path
from adapters.http.problems import EXCEPTION_HANDLERS
from adapters.http.reviews import ReviewsController
from adapters.http.subscriptions import PlansController, SubscriptionsController
from adapters.http.venues import VenuesController
from adapters.http.waitlist import WaitlistController

access_log = structlog.get_logger("stagedoor.http")

TEMPLATES = Path(__file__).parent / "pages" / "templates"

MAX_BODY_BYTES = 256 * 1024
"""Every request body of the API fits easily; anything bigger is refused with 413."""


class StagedoorApp(Litestar):
    """Litestar plus one access-log line per request.

    Done here rather than in middleware because route middleware never sees the requests
    that match no route (404, 405), and those are worth a line too.
    """

    async def __call__(
        self,
        scope: Scope | LifeSpanScope,
        receive: Receive | LifeSpanReceive,
        send: Send | LifeSpanSend,
    ) -> None:
        if scope["type"] != ScopeType.HTTP:
            await super().__call__(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        http_scope, http_send = cast(HTTPScope, scope), cast(Send, send)

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await http_send(message)

        try:
            await super().__call__(scope, receive, send_and_note)
        finally:
            access_log.info(
                "http.request",
                method=http_scope["method"],
                path=mask_path(http_scope["path"]),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Says `additionalProperties: false` for bodies that refuse unknown fields.

    Litestar's own plugin leaves it out, and a client (or a fuzzer) would then believe that
    extra fields are welcome when they are answered with a 400.
    """

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Any:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Stagedoor",
        version=version,
        description=(
            "Live events: accounts, events, bookings, conferences, subscriptions. Errors are"
            " RFC 9457 problems."
        ),
        path="/schema",
        render_plugins=[SwaggerRenderPlugin()],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                "partnerKey": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A partner key (`sdpk_...`) an organiser issued",
                ),
            }
        ),
    )


Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


def build_app(
    *,
    version: str,
    lifespan: Sequence[Lifespan] = (),
    container: Any = None,
    debug: bool = False,
    plugin_routes: Mapping[str, Sequence[object]] | None = None,
) -> Litestar:
    """The HTTP application. The container goes in `app.state` now or from the lifespan;
    `plugin_routes` (by plugin name) are served under /plugins/<name>/."""
    state: dict[str, Any] = {VERSION_KEY: version}
    if container is not None:
        state[STATE_KEY] = container
    return StagedoorApp(
        route_handlers=[
            HealthController,
            AuthController,
            EventsController,
            ReviewsController,
            BookingsController,
            WaitlistController,
            VenuesController,
            PaymentsController,
            PayPages,
            ConferencesController,
            ParticipantsController,
            PlansController,
            SubscriptionsController,
            BillingController,
            AvailabilityController,
            PartnerKeysController,
            PartnerController,
            PluginsController,
            AdminPluginsController,
            *plugin_routers(plugin_routes or {}),
            distribution_pages(),
            static_files(),
        ],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
        dependencies={
            "platform": Provide(provide_platform, sync_to_thread=False),
            **AUTH_DEPENDENCIES,
        },
        exception_handlers=EXCEPTION_HANDLERS,
        after_exception=[report_plugin_failure],
        plugins=[StrictStructSchemaPlugin()],
        lifespan=list(lifespan),
        openapi_config=openapi_config(version),
        state=State(state),
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,
        debug=debug,
    )
