"""Typed settings from `STAGEDOOR_*` environment variables (and an optional `.env` file).

Every setting has an embedded default so that `stagedoor serve` runs with no servers: a
SQLite file under `./.stagedoor/`, an in-process worker and a console notifier. A wrong value
stops the start with a message naming the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import attrs
from dotenv import dotenv_values

from adapters.security.barcodes import new_key

PREFIX = "STAGEDOOR_"
DEFAULT_DATABASE_URL = "sqlite:///./.stagedoor/stagedoor.db"
DEFAULT_REDIS_NAMESPACE = "stagedoor"
_NAMESPACE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_PLUGIN = re.compile(r"[a-z][a-z0-9-]{0,38}[a-z0-9]")


class SettingsError(ValueError):
    """Raised at start-up when a setting is missing or wrong; the message names the variable."""


@attrs.frozen
class Settings:
    env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    redis_namespace: str = DEFAULT_REDIS_NAMESPACE
    secret_key: str = attrs.field(default="", repr=False)
    data_dir: Path = Path(".stagedoor")
    public_url: str = "http://127.0.0.1:8000"
    test_phones: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    db_pool_min: int = 2
    db_pool_max: int = 20
    log_level: str = "INFO"
    log_json: bool = False
    payment_provider: Literal["sandbox", "stripe"] = "sandbox"
    payment_hold_minutes: int = 15
    sandbox_webhook_secret: str = attrs.field(default="", repr=False)
    stripe_api_key: str = attrs.field(default="", repr=False)
    stripe_webhook_secret: str = attrs.field(default="", repr=False)
    plugins: tuple[str, ...] = ()
    plugin_settings: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict, repr=False)
    barcode_keys: str = attrs.field(default="", repr=False)
    barcode_digest_key: str = attrs.field(default="", repr=False)
    notifier: Literal["console", "smtp"] = "console"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "Stagedoor <no-reply@stagedoor.local>"
    smtp_username: str = ""
    smtp_password: str = attrs.field(default="", repr=False)
    smtp_security: Literal["none", "starttls", "tls"] = "none"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def database_engine(self) -> Literal["sqlite", "postgres"]:
        return "sqlite" if self.database_url.startswith("sqlite:") else "postgres"

    @property
    def sqlite_path(self) -> Path:
        """The file of a `sqlite:///relative` or `sqlite:////absolute` URL."""
        return Path(self.database_url.removeprefix("sqlite://").removeprefix("/") or "x")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")
    ) -> Settings:
        values: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        raw = {k.removeprefix(PREFIX).lower(): v for k, v in values.items() if k.startswith(PREFIX)}
        return cls.parse(raw)

    @classmethod
    def parse(cls, raw: Mapping[str, str]) -> Settings:
        env = raw.get("env", "development").strip().lower()
        if env not in ("development", "production"):
            raise SettingsError(f"STAGEDOOR_ENV must be 'development' or 'production', got {env!r}")
        data_dir = Path(raw.get("data_dir", ".stagedoor"))
        settings = cls(
            env=env,  # type: ignore[arg-type]
            database_url=_database_url(raw.get("database_url", DEFAULT_DATABASE_URL)),
            redis_url=_redis_url(raw.get("redis_url") or None),
            redis_namespace=_redis_namespace(raw.get("redis_namespace", DEFAULT_REDIS_NAMESPACE)),
            secret_key=raw.get("secret_key", ""),
            data_dir=data_dir,
            public_url=raw.get("public_url", "http://127.0.0.1:8000").rstrip("/"),
            test_phones=_test_phones(raw.get("test_phones", "")),
            db_pool_min=_int(raw, "db_pool_min", 2, low=1),
            db_pool_max=_int(raw, "db_pool_max", 20, low=1),
            log_level=_choice(raw, "log_level", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            log_json=_bool(raw, "log_json", env == "production"),
            payment_provider=_choice(  # type: ignore[arg-type]
                raw, "payment_provider", "sandbox", ("SANDBOX", "STRIPE")
            ).lower(),
            payment_hold_minutes=_int(raw, "payment_hold_minutes", 15, low=1),
            sandbox_webhook_secret=raw.get("sandbox_webhook_secret", ""),
            stripe_api_key=raw.get("stripe_api_key", ""),
            stripe_webhook_secret=raw.get("stripe_webhook_secret", ""),
            plugins=_plugins(raw.get("plugins", "")),
            plugin_settings=_plugin_settings(raw),
            barcode_keys=raw.get("barcode_keys", ""),
            barcode_digest_key=raw.get("barcode_digest_key", ""),
            notifier=_choice(raw, "notifier", "console", ("CONSOLE", "SMTP")).lower(),  # type: ignore[arg-type]
            smtp_host=raw.get("smtp_host", "").strip(),
            smtp_port=_int(raw, "smtp_port", 25, low=1),
            smtp_from=raw.get("smtp_from", "Stagedoor <no-reply@stagedoor.local>"),
            smtp_username=raw.get("smtp_username", ""),
            smtp_password=raw.get("smtp_password", ""),
            smtp_security=_choice(  # type: ignore[arg-type]
                raw, "smtp_security", "none", ("NONE", "STARTTLS", "TLS")
            ).lower(),
        )
        if settings.notifier == "smtp" and not settings.smtp_host:
            raise SettingsError("STAGEDOOR_NOTIFIER=smtp needs STAGEDOOR_SMTP_HOST")
        if settings.payment_provider == "stripe" and not (
            settings.stripe_api_key and settings.stripe_webhook_secret
        ):
            raise SettingsError(
                "STAGEDOOR_PAYMENT_PROVIDER=stripe needs STAGEDOOR_STRIPE_API_KEY and "
                "STAGEDOOR_STRIPE_WEBHOOK_SECRET"
            )
        if settings.payment_hold_minutes > 24 * 60:
            raise SettingsError("STAGEDOOR_PAYMENT_HOLD_MINUTES must be at most 1440 (a day)")
        if bool(settings.barcode_keys) != bool(settings.barcode_digest_key):
            raise SettingsError(
                "STAGEDOOR_BARCODE_KEYS and STAGEDOOR_BARCODE_DIGEST_KEY are set together"
            )
        if settings.db_pool_min > settings.db_pool_max:
            raise SettingsError("STAGEDOOR_DB_POOL_MIN must not exceed STAGEDOOR_DB_POOL_MAX")
        if settings.is_production:
            if len(settings.secret_key) < 32:
                raise SettingsError(
                    "STAGEDOOR_SECRET_KEY must be set to at least 32 characters in production"
                )
            if settings.test_phones:
                raise SettingsError(
                    "STAGEDOOR_TEST_PHONES is refused when STAGEDOOR_ENV=production"
                )
        return settings

    def with_secret(self) -> Settings:
        """Fill in the secrets left unset with ones kept in the data dir, made once and reused."""
        filled = self
        if not filled.secret_key:
            filled = attrs.evolve(filled, secret_key=stored_secret(self.data_dir / "secret_key"))
        if not filled.sandbox_webhook_secret:
            secret = stored_secret(self.data_dir / "sandbox_webhook_secret")
            filled = attrs.evolve(filled, sandbox_webhook_secret=secret)
        if not filled.barcode_keys:
            filled = attrs.evolve(
                filled,
                barcode_keys=stored_secret(self.data_dir / "barcode_keys", _barcode_key),
                barcode_digest_key=stored_secret(self.data_dir / "barcode_digest_key", new_key),
            )
        return filled


def _barcode_key() -> str:
    return f"k1:{new_key()}"


def stored_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """A random secret kept in `path` (0600), made by `make` on first use."""
    if path.is_file():
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _database_url(url: str) -> str:
    url = url.strip()
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or len(url) <= len("sqlite:///"):
            raise SettingsError(
                "STAGEDOOR_DATABASE_URL: a SQLite URL looks like sqlite:///./path/file.db"
            )
        return url
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(url)
        if not parts.hostname or not parts.path.strip("/"):
            raise SettingsError(
                "STAGEDOOR_DATABASE_URL: a PostgreSQL URL looks like "
                "postgresql://user:password@host:5432/database"
            )
        return url
    raise SettingsError(
        f"STAGEDOOR_DATABASE_URL must start with sqlite:/// or postgresql://, got {scheme!r}"
    )


def _redis_url(url: str | None) -> str | None:
    if url is None:
        return None
    if urlsplit(url).scheme not in ("redis", "rediss") or not urlsplit(url).hostname:
        raise SettingsError("STAGEDOOR_REDIS_URL must look like redis://127.0.0.1:6379/0")
    return url


def _redis_namespace(namespace: str) -> str:
    namespace = namespace.strip()
    if not _NAMESPACE.fullmatch(namespace):
        raise SettingsError(
            "STAGEDOOR_REDIS_NAMESPACE is 1 to 64 letters, digits, '_', '-' or '.', "
            f"got {namespace!r}"
        )
    return namespace


def _plugins(raw: str) -> tuple[str, ...]:
    """STAGEDOOR_PLUGINS: the allow-list, comma-separated; no plugin loads unless named."""
    names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    for name in names:
        if not _PLUGIN.fullmatch(name):
            raise SettingsError(
                "STAGEDOOR_PLUGINS lists plugin names (lowercase letters, digits and inner "
                f"hyphens) separated by commas, got {name!r}"
            )
    return names


def _plugin_settings(raw: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """STAGEDOOR_PLUGIN_<NAME>__<KEY>=value: plugin `name` (hyphens written as underscores)
    gets setting `key`."""
    found: dict[str, dict[str, str]] = {}
    for variable, value in raw.items():
        if not variable.startswith("plugin_"):
            continue
        name, separator, key = variable.removeprefix("plugin_").partition("__")
        if not separator or not name or not key:
            raise SettingsError(
                f"{PREFIX}{variable.upper()}: plugin settings look like "
                "STAGEDOOR_PLUGIN_<NAME>__<KEY>, e.g. STAGEDOOR_PLUGIN_TELEGRAM__BOT_TOKEN"
            )
        found.setdefault(name.replace("_", "-"), {})[key] = value
    return found


def _test_phones(raw: str) -> dict[str, str]:
    phones: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        phone, _, code = item.partition(":")
        if not (
            phone.startswith("+") and phone[1:].isdigit() and code.isdigit() and len(code) == 6
        ):
            raise SettingsError(
                "STAGEDOOR_TEST_PHONES must look like +79990000001:123456,+79990000002:654321"
            )
        phones[phone] = code
    return phones


def _int(raw: Mapping[str, str], name: str, default: int, *, low: int) -> int:
    value = raw.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if number < low:
        raise SettingsError(f"{PREFIX}{name.upper()} must be an integer >= {low}, got {value!r}")
    return number


def _bool(raw: Mapping[str, str], name: str, default: bool) -> bool:
    value = raw.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{PREFIX}{name.upper()} must be true or false, got {value!r}")


def _choice(raw: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = raw.get(name, default).upper()
    if value not in allowed:
        raise SettingsError(f"{PREFIX}{name.upper()} must be one of {', '.join(allowed)}")
    return value
