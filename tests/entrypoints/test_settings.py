"""Settings: embedded defaults, and a wrong value names its variable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from entrypoints.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_defaults_are_the_embedded_ones() -> None:
    settings = Settings.from_env({}, dotenv=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_engine == "sqlite"
    assert settings.redis_url is None
    assert settings.env == "development"
    assert settings.test_phones == {}
    assert settings.redis_namespace == "stagedoor"


def test_the_redis_namespace_is_read_and_trimmed() -> None:
    settings = Settings.from_env({"STAGEDOOR_REDIS_NAMESPACE": " tenant-a.prod_2 "}, dotenv=None)
    assert settings.redis_namespace == "tenant-a.prod_2"


def test_postgres_url_selects_postgres() -> None:
    settings = Settings.from_env(
        {"STAGEDOOR_DATABASE_URL": "postgresql://u:p@127.0.0.1:5432/db"}, dotenv=None
    )
    assert settings.database_engine == "postgres"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STAGEDOOR_ENV", "staging"),
        ("STAGEDOOR_DATABASE_URL", "mysql://x/y"),
        ("STAGEDOOR_DATABASE_URL", "postgresql://"),
        ("STAGEDOOR_DATABASE_URL", "sqlite://relative.db"),
        ("STAGEDOOR_REDIS_URL", "http://127.0.0.1:6379"),
        ("STAGEDOOR_TEST_PHONES", "+7999:12"),
        ("STAGEDOOR_DB_POOL_MAX", "many"),
        ("STAGEDOOR_DB_POOL_MIN", "0"),
        ("STAGEDOOR_LOG_LEVEL", "LOUD"),
        ("STAGEDOOR_LOG_JSON", "maybe"),
        ("STAGEDOOR_REDIS_NAMESPACE", "two words"),
        ("STAGEDOOR_REDIS_NAMESPACE", "x" * 65),
        ("STAGEDOOR_REDIS_NAMESPACE", " "),
        ("STAGEDOOR_PLUGINS", "telegram,Bad_Name"),
        ("STAGEDOOR_PLUGIN_TELEGRAM_BOT_TOKEN", "x"),
        ("STAGEDOOR_PLUGIN___TOKEN", "x"),
    ],
)
def test_a_wrong_value_fails_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value}, dotenv=None)


def test_production_requires_a_long_secret_key() -> None:
    with pytest.raises(SettingsError, match="STAGEDOOR_SECRET_KEY"):
        Settings.from_env({"STAGEDOOR_ENV": "production"}, dotenv=None)
    ok = Settings.from_env(
        {"STAGEDOOR_ENV": "production", "STAGEDOOR_SECRET_KEY": "k" * 40}, dotenv=None
    )
    assert ok.is_production


def test_test_phones_are_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="STAGEDOOR_TEST_PHONES"):
        Settings.from_env(
            {
                "STAGEDOOR_ENV": "production",
                "STAGEDOOR_SECRET_KEY": "k" * 40,
                "STAGEDOOR_TEST_PHONES": "+79990000001:123456",
            },
            dotenv=None,
        )


def test_test_phones_parse() -> None:
    settings = Settings.from_env(
        {"STAGEDOOR_TEST_PHONES": "+79990000001:123456, +79990000002:654321"}, dotenv=None
    )
    assert settings.test_phones == {"+79990000001": "123456", "+79990000002": "654321"}


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("STAGEDOOR_LOG_LEVEL=DEBUG\nSTAGEDOOR_PUBLIC_URL=http://a.example/\n")
    settings = Settings.from_env({"STAGEDOOR_LOG_LEVEL": "ERROR"}, dotenv=env_file)
    assert settings.log_level == "ERROR"
    assert settings.public_url == "http://a.example"


def test_development_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).with_secret()
    second = Settings(data_dir=tmp_path).with_secret()
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_sqlite_path_of_relative_and_absolute_urls() -> None:
    assert Settings(database_url="sqlite:///./x/db.sqlite").sqlite_path == Path("x/db.sqlite")
    assert Settings(database_url="sqlite:////tmp/db.sqlite").sqlite_path == Path("/tmp/db.sqlite")


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"STAGEDOOR_PAYMENT_PROVIDER": "paypal"}, "STAGEDOOR_PAYMENT_PROVIDER"),
        ({"STAGEDOOR_PAYMENT_PROVIDER": "stripe"}, "STAGEDOOR_STRIPE_API_KEY"),
        (
            {"STAGEDOOR_PAYMENT_PROVIDER": "stripe", "STAGEDOOR_STRIPE_API_KEY": "sk_test_x"},
            "STAGEDOOR_STRIPE_WEBHOOK_SECRET",
        ),
        ({"STAGEDOOR_PAYMENT_HOLD_MINUTES": "0"}, "STAGEDOOR_PAYMENT_HOLD_MINUTES"),
        ({"STAGEDOOR_PAYMENT_HOLD_MINUTES": "2000"}, "STAGEDOOR_PAYMENT_HOLD_MINUTES"),
    ],
)
def test_wrong_payment_settings_name_their_variable(variables: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(variables, dotenv=None)


def test_the_sandbox_webhook_secret_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).with_secret()
    again = Settings(data_dir=tmp_path).with_secret()
    assert len(first.sandbox_webhook_secret) >= 32
    assert again.sandbox_webhook_secret == first.sandbox_webhook_secret
    assert first.sandbox_webhook_secret != first.secret_key
    given = Settings(data_dir=tmp_path, sandbox_webhook_secret="s" * 40).with_secret()
    assert given.sandbox_webhook_secret == "s" * 40


async def test_stripe_settings_add_the_stripe_provider_beside_the_sandbox(tmp_path: Path) -> None:
    from adapters.memory.database import MemoryDatabase
    from entrypoints.container import build_container

    settings = Settings.from_env(
        {
            "STAGEDOOR_PAYMENT_PROVIDER": "stripe",
            "STAGEDOOR_STRIPE_API_KEY": "sk_test_123",
            "STAGEDOOR_STRIPE_WEBHOOK_SECRET": "whsec_123",
            "STAGEDOOR_DATA_DIR": str(tmp_path),
        },
        dotenv=None,
    )
    platform = await build_container(settings, database=MemoryDatabase.open())
    assert sorted(platform.payment_providers) == ["sandbox", "stripe"]
    assert platform.payment_terms.provider == "stripe"
    await platform.close()


def test_plugins_load_only_when_listed_and_read_their_own_settings() -> None:
    assert Settings.from_env({}, dotenv=None).plugins == ()
    settings = Settings.from_env(
        {
            "STAGEDOOR_PLUGINS": " telegram , partner-webhook,telegram ",
            "STAGEDOOR_PLUGIN_TELEGRAM__BOT_TOKEN": "123:abc",
            "STAGEDOOR_PLUGIN_PARTNER_WEBHOOK__URL": "https://partner.example/hooks",
            "STAGEDOOR_PLUGIN_PARTNER_WEBHOOK__SECRET": "s3cret",
        },
        dotenv=None,
    )
    assert settings.plugins == ("telegram", "partner-webhook")
    assert settings.plugin_settings == {
        "telegram": {"bot_token": "123:abc"},
        "partner-webhook": {"url": "https://partner.example/hooks", "secret": "s3cret"},
    }
    assert "123:abc" not in repr(settings)


def test_barcode_keys_are_made_once_in_the_data_dir_and_reused(tmp_path: Path) -> None:
    from adapters.security.barcodes import BarcodeVault

    first = Settings(data_dir=tmp_path).with_secret()
    again = Settings(data_dir=tmp_path).with_secret()
    assert first.barcode_keys.startswith("k1:")
    assert (first.barcode_keys, first.barcode_digest_key) == (
        again.barcode_keys,
        again.barcode_digest_key,
    )
    assert (tmp_path / "barcode_keys").stat().st_mode & 0o777 == 0o600
    vault = BarcodeVault.parse(first.barcode_keys, first.barcode_digest_key)
    assert vault.current == "k1"
    assert first.barcode_keys not in repr(first)


def test_barcode_keys_come_with_their_digest_key() -> None:
    with pytest.raises(SettingsError, match="set together"):
        Settings.parse({"barcode_keys": "k1:x"})
    given = Settings.parse({"barcode_keys": "k2:a,k1:b", "barcode_digest_key": "d"})
    assert given.with_secret().barcode_keys == "k2:a,k1:b"
