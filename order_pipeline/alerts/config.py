"""Which channels exist and who gets which alert level, from `config/alerts.yaml`.

The file holds no secret: a robot's webhook URL carries its token, so the file names the environment variable
that holds the URL (`url_env`) and, for signed robots, the one that holds the signing secret (`secret_env`).
They are read when a channel is resolved, never stored. A channel whose variable is unset is reported as
`not configured` with the variable's name; that is a normal state (nothing is configured in a fresh checkout),
not an error.

Routing: each alert level goes to roles (defaults: 1 -> operator, 2 -> supervisor, 3 -> supervisor and
warehouse lead); a channel serves some roles at some levels; `channels_for(level)` is every channel that lists
the level and reaches at least one of the level's roles. Alerts that are about stock rather than one order's
escalation go by topic (`topics`: topic -> roles; default inventory -> warehouse lead): `channels_for_topic`
is every channel that reaches one of the topic's roles, whatever levels it lists.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from order_pipeline.alerts.channels import Channel, make_channel
from order_pipeline.alerts.redact import mask_url
from order_pipeline.config_files import describe, read_mapping
from order_pipeline.shops import PROJECT_ROOT

DEFAULT_ALERTS_FILE = PROJECT_ROOT / "config" / "alerts.yaml"
DEFAULT_ROLES = ("operator", "supervisor", "warehouse_lead")
DEFAULT_ROUTING: dict[int, tuple[str, ...]] = {1: ("operator",), 2: ("supervisor",), 3: ("supervisor", "warehouse_lead")}
DEFAULT_TOPICS: dict[str, tuple[str, ...]] = {"inventory": ("warehouse_lead",)}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Level = Literal[1, 2, 3]
Kind = Literal["dingtalk", "wecom", "feishu", "slack", "webhook"]


class AlertConfigError(ValueError):
    """The alerts file is wrong; the message names the file and the field."""


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        hint = " (put the URL in the environment: it carries the robot's token)" if "://" in value else ""
        raise ValueError(f"must name an environment variable, got {value!r}{hint}")
    return value


class ChannelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    kind: Kind
    url_env: str
    secret_env: str | None = None
    require_secret: bool = True  # False: an unset secret_env sends unsigned instead of "not configured"
    levels: list[Level] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    roles: list[str] = Field(min_length=1)

    _check_env = field_validator("url_env", "secret_env")(_env_name)


class _AlertsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(default_factory=lambda: list(DEFAULT_ROLES), min_length=1)
    routing: dict[Level, Annotated[list[str], Field(min_length=1)]] = Field(default_factory=dict)
    channels: list[ChannelSpec] = Field(default_factory=list)
    topics: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Annotated[list[str], Field(min_length=1)]] = (
        Field(default_factory=dict))

    @model_validator(mode="after")
    def _references(self) -> _AlertsFile:
        defined = set(self.roles)
        known = ", ".join(self.roles)
        for level, roles in self.routing.items():
            for role in roles:
                if role not in defined:
                    raise ValueError(f"routing.{level}: role {role!r} is not defined in roles ({known})")
        for topic, roles in self.topics.items():
            for role in roles:
                if role not in defined:
                    raise ValueError(f"topics.{topic}: role {role!r} is not defined in roles ({known})")
        for level in (1, 2, 3):  # a level with no role would drop its alerts without a word
            if not self.routing.get(level) and not set(DEFAULT_ROUTING[level]) <= defined:
                raise ValueError(f"routing.{level}: no roles for level {level} (the default, "
                                 f"{', '.join(DEFAULT_ROUTING[level])}, is not in roles: {known})")
        names: set[str] = set()
        for i, spec in enumerate(self.channels):
            if spec.name in names:
                raise ValueError(f"channels[{i}].name: duplicate channel name {spec.name!r}")
            names.add(spec.name)
            for role in spec.roles:
                if role not in defined:
                    raise ValueError(f"channels[{i}] ({spec.name}).roles: role {role!r} is not defined "
                                     f"in roles ({known})")
        return self


@dataclass(frozen=True)
class ChannelTarget:
    """A channel resolved from the environment: `channel` is None (with `problem` saying why) if unusable."""

    name: str
    kind: str
    roles: tuple[str, ...]
    channel: Channel | None
    problem: str | None = None

    @property
    def configured(self) -> bool:
        return self.channel is not None

    def describe(self) -> str:
        if self.channel is None:
            return f"{self.name} ({self.kind}): not configured: {self.problem}"
        return f"{self.name} ({self.kind}): {self.channel.masked_url}, signed={self.channel.secret is not None}"


class AlertConfig:
    """The validated alerts file: routing of levels to roles, and the channels serving them."""

    def __init__(self, source: Path, parsed: _AlertsFile):
        self.source = source
        self.roles = tuple(parsed.roles)
        self.channels = tuple(parsed.channels)
        self.routing: dict[int, tuple[str, ...]] = {
            level: tuple(parsed.routing.get(level) or default) for level, default in DEFAULT_ROUTING.items()
        }
        defaults = {topic: roles for topic, roles in DEFAULT_TOPICS.items() if set(roles) <= set(self.roles)}
        self.topics: dict[str, tuple[str, ...]] = {
            **defaults, **{topic: tuple(roles) for topic, roles in parsed.topics.items()}}

    def roles_for(self, level: int) -> tuple[str, ...]:
        return self.routing.get(level, ())

    def channels_for(self, level: int) -> list[ChannelTarget]:
        """Every channel that takes `level` and reaches one of its roles, resolved from the environment now."""
        roles = set(self.roles_for(level))
        return [resolve(spec) for spec in self.channels if level in spec.levels and roles & set(spec.roles)]

    def channels_for_topic(self, topic: str) -> list[ChannelTarget]:
        """Every channel reaching one of the topic's roles (its `levels` are the order escalation's, not
        consulted here), resolved from the environment now; none for a topic no role takes."""
        roles = set(self.topics.get(topic, ()))
        return [resolve(spec) for spec in self.channels if roles & set(spec.roles)]

    def describe(self) -> list[str]:
        """One line per channel, configured or not (for run logs and metadata; URLs masked)."""
        return [resolve(spec).describe() for spec in self.channels]


def resolve(spec: ChannelSpec) -> ChannelTarget:
    """Read the channel's URL and secret from the environment; an unset or bad variable is reported."""
    def target(channel: Channel | None, problem: str | None = None) -> ChannelTarget:
        return ChannelTarget(spec.name, spec.kind, tuple(spec.roles), channel, problem)

    url = os.environ.get(spec.url_env, "").strip()
    if not url:
        return target(None, f"environment variable {spec.url_env} (webhook URL) is not set")
    secret = os.environ.get(spec.secret_env, "") if spec.secret_env else ""
    if spec.secret_env and not secret and spec.require_secret:
        return target(None, f"environment variable {spec.secret_env} (signing secret) is not set")
    try:
        return target(make_channel(spec.kind, spec.name, url, secret or None))
    except ValueError:  # never echo the value: it is a secret
        return target(None, f"environment variable {spec.url_env} does not hold an http(s) URL "
                            f"(got {mask_url(url)})")


def _location(loc: tuple[Any, ...], raw: Any) -> str:
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int) and parts and isinstance(node, list):
            parts[-1] += f"[{item}]"
            name = node[item].get("name") if item < len(node) and isinstance(node[item], dict) else None
            if name:
                parts[-1] += f" ({name})"
        else:
            parts.append(str(item))
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def load_alert_config(path: str | Path | None = None) -> AlertConfig:
    """Read and validate the alerts file (default `$ORDER_PIPELINE_ALERTS_FILE` or `config/alerts.yaml`)."""
    source = Path(path or os.environ.get("ORDER_PIPELINE_ALERTS_FILE") or DEFAULT_ALERTS_FILE)
    raw = read_mapping(source, AlertConfigError, "alerts file", "a mapping with roles, routing and channels")
    try:
        parsed = _AlertsFile.model_validate(raw)
    except ValidationError as exc:
        raise AlertConfigError(f"{source}: {describe(exc, raw, _location)}") from None
    return AlertConfig(source, parsed)
