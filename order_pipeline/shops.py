"""The shops the pipeline pulls, from `config/shops.yaml`.

The file names shops and the environment variables that hold their credentials; it never holds a secret.
Both the pipeline and the simulator read it (the simulator to know which merchant it plays), but a secret is
only ever read from the environment, at the moment a client or server needs it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

PLATFORMS = ("taobao", "jd", "douyin", "shopee")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHOPS_FILE = PROJECT_ROOT / "config" / "shops.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ShopConfigError(ValueError):
    """The shops file is wrong; the message says which shop and which field."""


class MissingSecretError(RuntimeError):
    """A credential's environment variable is not set."""


@dataclass(frozen=True)
class Credentials:
    """Names of the environment variables holding a shop's credentials (never the values)."""

    app_key: str
    app_secret: str
    access_token: str

    def resolve(self) -> tuple[str, str, str]:
        """Read the three values from the environment, failing loudly on a missing one."""
        values = []
        for field in ("app_key", "app_secret", "access_token"):
            name = getattr(self, field)
            value = os.environ.get(name)
            if not value:
                raise MissingSecretError(f"environment variable {name} ({field}) is not set")
            values.append(value)
        return values[0], values[1], values[2]


@dataclass(frozen=True)
class Shop:
    key: str
    platform: str
    name: str
    platform_shop_id: str
    region: str
    timezone: str
    currency: str
    base_url_template: str
    credentials: Credentials

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_url(self) -> str:
        """The base URL with ${VAR} / ${VAR:-default} expanded from the environment at call time."""
        return expand_env(self.base_url_template).rstrip("/")


def expand_env(template: str) -> str:
    def replace(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1))
        if value:
            return value
        if match.group(2) is not None:
            return match.group(2)
        raise MissingSecretError(f"environment variable {match.group(1)} is not set")

    return _ENV_REF.sub(replace, template)


def shops_file() -> Path:
    return Path(os.environ.get("ORDER_PIPELINE_SHOPS_FILE", DEFAULT_SHOPS_FILE))


def load_shops(path: Path | None = None) -> list[Shop]:
    """Load and validate the shops file; every error names the shop and the field."""
    path = path or shops_file()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ShopConfigError(f"shops file {path} does not exist") from exc
    entries = document.get("shops")
    if not isinstance(entries, list) or not entries:
        raise ShopConfigError(f"{path}: expected a non-empty list under 'shops'")
    shops = [_parse_shop(entry, index, path) for index, entry in enumerate(entries)]
    keys = [shop.key for shop in shops]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ShopConfigError(f"{path}: duplicate shop keys {duplicates}")
    return shops


def _parse_shop(entry: object, index: int, path: Path, platforms: tuple[str, ...] = PLATFORMS) -> Shop:
    """One validated entry; `platforms` are the ones the file may name (the stock systems file reuses this)."""
    if not isinstance(entry, dict):
        raise ShopConfigError(f"{path}: shop #{index} is not a mapping")
    where = f"{path}: shop {entry.get('key', f'#{index}')!r}"
    required = ("key", "platform", "platform_shop_id", "timezone", "currency", "base_url", "credentials")
    missing = [name for name in required if not entry.get(name)]
    if missing:
        raise ShopConfigError(f"{where}: missing {', '.join(missing)}")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", str(entry["key"])):
        raise ShopConfigError(f"{where}: key must be lower_snake_case (it names files and partitions)")
    if entry["platform"] not in platforms:
        raise ShopConfigError(f"{where}: platform must be one of {platforms}")
    try:
        ZoneInfo(str(entry["timezone"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ShopConfigError(f"{where}: unknown timezone {entry['timezone']!r}") from exc
    creds = entry["credentials"]
    if not isinstance(creds, dict) or any(not creds.get(f) for f in ("app_key", "app_secret", "access_token")):
        raise ShopConfigError(f"{where}: credentials must name app_key, app_secret and access_token variables")
    return Shop(
        key=str(entry["key"]),
        platform=str(entry["platform"]),
        name=str(entry.get("name", entry["key"])),
        platform_shop_id=str(entry["platform_shop_id"]),
        region=str(entry.get("region", "CN")),
        timezone=str(entry["timezone"]),
        currency=str(entry["currency"]),
        base_url_template=str(entry["base_url"]),
        credentials=Credentials(
            app_key=str(creds["app_key"]), app_secret=str(creds["app_secret"]), access_token=str(creds["access_token"])
        ),
    )


def load_env_file(path: Path, *, override: bool = False) -> dict[str, str]:
    """Read KEY=VALUE lines (the demo's simulator-only credentials) into os.environ."""
    loaded: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        name, value = name.strip(), value.strip()
        if override or name not in os.environ:
            os.environ[name] = value
        loaded[name] = value
    return loaded
