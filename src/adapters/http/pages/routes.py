"""The organiser and desk pages as one router, and the static files they load.

Every page shares the signed-in account (from the session cookie), the CSRF check on POST and
HTML error pages; none of them is part of the API's OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from adapters.http.pages.booking import BookingPages
from adapters.http.pages.conferences import ConferencePages, StaffJoinPages
from adapters.http.pages.dashboard import DashboardPages
from adapters.http.pages.desk import DeskPages
from adapters.http.pages.hosting import HostingPages
from adapters.http.pages.layout import PAGE_ERRORS
from adapters.http.pages.participants import ParticipantPages
from adapters.http.pages.planning import PlanningPages
from adapters.http.pages.points import PointPages
from adapters.http.pages.session import csrf_guard, provide_page_session, provide_signed_in
from adapters.http.pages.signin import SignInPages
from adapters.http.pages.subscriptions import SubscriptionPages

STATIC = Path(__file__).parent / "static"


def distribution_pages() -> Router:
    return Router(
        path="/",
        route_handlers=[
            SignInPages,
            ConferencePages,
            StaffJoinPages,
            DashboardPages,
            DeskPages,
            ParticipantPages,
            PlanningPages,
            PointPages,
            BookingPages,
            HostingPages,
            SubscriptionPages,
        ],
        dependencies={
            "page_session": Provide(provide_page_session, sync_to_thread=False),
            "signed_in": Provide(provide_signed_in, sync_to_thread=False),
        },
        guards=[csrf_guard],
        exception_handlers=PAGE_ERRORS,
        include_in_schema=False,
    )


def static_files() -> Router:
    """`/static/...`: htmx, its SSE extension, the pages' stylesheet and the desk's script."""
    return create_static_files_router(path="/static", directories=[STATIC], name="static")
