"""The pages' phrases of each domain that keeps its own: a module per domain with `EN` and
`RU` dicts, listed in `DOMAINS`; `adapters.http.pages.i18n` merges them into its catalogue
and refuses a key defined twice."""

from __future__ import annotations

from types import ModuleType

from adapters.http.pages.phrases import booking, subscriptions

DOMAINS: tuple[ModuleType, ...] = (booking, subscriptions)
