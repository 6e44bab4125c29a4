"""Piccolo configuration, for the `piccolo` CLI and for `adapters.db.migrate`.

    PICCOLO_CONF=adapters.db.piccolo_conf STAGEDOOR_DATABASE_URL=sqlite:///./dev.db \
        piccolo migrations new stagedoor --auto

`DB` is not a fixed engine: it is looked up on every access (module `__getattr__`, PEP 562)
so that `migrate(engine)` can point Piccolo at the database being migrated, per task. See
`adapters.db.engines`. Importing this module opens nothing.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

from adapters.db.engines import current_engine

APP_REGISTRY = AppRegistry(apps=["adapters.db.piccolo_app"])


def __getattr__(name: str) -> Any:
    if name == "DB":
        return current_engine()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
