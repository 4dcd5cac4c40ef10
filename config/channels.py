"""The channel configuration file (``config/channels.yaml``) → typed, validated objects.

:func:`load_channels_config` reads the shipped file or ``settings.channels_file`` and returns a
:class:`ChannelsConfig`: the Zalo templates (id and parameter names per logical template), the quota
policy, SMS and email options and the per-provider rate limits. Any problem raises
:class:`ChannelsConfigError` naming the file and the key, so the person who edited the YAML can fix it.
"""

from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SHIPPED_CHANNELS = Path(__file__).resolve().parent / "channels.yaml"

# The logical templates the reminder engine uses; each must resolve to a Zalo template.
REQUIRED_TEMPLATES = ("reminder", "overdue", "escalation", "round", "test")


# What the outbox does after a send whose outcome is unknown (a timeout after the request left, a lost
# connection during SMTP DATA, a worker killed mid-send) — see config/channels.yaml and notifiers/outbox.py:
#   resend_once  wait (unknown_wait_minutes), send once more with the same key, then stop (at most one
#                duplicate per unknown outcome, nothing lost) — the default;
#   assume_sent  never send it again: the row is "unconfirmed" and listed (no duplicate; the officer checks);
#   resend       send again with the same key, within max_attempts (for providers that drop a repeated key).
OnUnknown = Literal["resend_once", "assume_sent", "resend"]


class ChannelsConfigError(ValueError):
    """The channel file cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateParam(_Strict):
    """One parameter of an approved Zalo template."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)
    max_length: int | None = Field(default=None, ge=1)
    truncate: bool = True
    default: str | None = None


class ZaloTemplate(_Strict):
    template_id: str = Field(min_length=1, max_length=32)
    params: list[TemplateParam] = Field(min_length=1)

    @field_validator("template_id", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 400001 as an integer; Zalo template ids are compared as text.
        return str(value) if isinstance(value, int) else value

    @field_validator("params")
    @classmethod
    def _unique(cls, value: list[TemplateParam]) -> list[TemplateParam]:
        names = [p.name for p in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"parameter names repeated: {', '.join(dupes)}")
        return value

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    def fill(self, values: dict[str, Any]) -> dict[str, Any]:
        """The ``template_data`` for ``values``: declared parameters only, shortened where allowed.

        Raises ``KeyError`` naming the missing parameters and ``ValueError`` for a value too long that
        may not be shortened. Extra values are left out (Zalo refuses undeclared parameters)."""
        data: dict[str, Any] = {}
        missing: list[str] = []
        for param in self.params:
            value = _param_value(values.get(param.name))
            if value in (None, ""):
                if param.default is None:
                    missing.append(param.name)
                    continue
                value = param.default
            if isinstance(value, str) and param.max_length and len(value) > param.max_length:
                if not param.truncate:
                    raise ValueError(f"parameter {param.name!r} is longer than {param.max_length} characters")
                value = value[: param.max_length - 1].rstrip() + "…"
            data[param.name] = value
        if missing:
            raise KeyError(", ".join(missing))
        return data


def _param_value(value: Any) -> Any:
    """Zalo takes strings and numbers; dates are written the Vietnamese way."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).lower()
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.strftime("%H:%M %d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


class ZaloSection(_Strict):
    templates: dict[str, ZaloTemplate] = Field(default_factory=dict)
    aliases: dict[str, str] = Field(default_factory=dict)
    quota_exhausted: Literal["retry", "fallback"] = "retry"
    daily_quota: int | None = Field(default=None, ge=1)
    timeout_seconds: float = Field(default=10, gt=0)
    refresh_margin_minutes: float = Field(default=60, ge=0)
    auth_pause_minutes: float = Field(default=30, gt=0)
    on_unknown: OnUnknown = "resend_once"
    concurrency: int = Field(default=4, ge=1, le=64)

    @model_validator(mode="after")
    def _resolvable(self) -> "ZaloSection":
        for alias, target in self.aliases.items():
            if target not in self.templates:
                raise ValueError(f"aliases.{alias}: no template named {target!r}")
        missing = [name for name in REQUIRED_TEMPLATES if self.template_for(name) is None]
        if missing:
            raise ValueError(f"templates: missing {', '.join(missing)} (each needs template_id and params)")
        return self

    def template_for(self, logical: str | None) -> ZaloTemplate | None:
        """The template of a logical name (directly or through an alias), or None."""
        if logical is None:
            return None
        if logical in self.templates:
            return self.templates[logical]
        target = self.aliases.get(logical)
        return self.templates.get(target) if target else None


class EsmsOptions(_Strict):
    sms_type: str = "2"
    sandbox: bool = False

    @field_validator("sms_type", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class SpeedSmsOptions(_Strict):
    sms_type: int = 3


class SmsSection(_Strict):
    unaccent: bool = True
    timeout_seconds: float = Field(default=10, gt=0)
    on_unknown: OnUnknown = "resend_once"
    concurrency: int = Field(default=4, ge=1, le=64)
    esms: EsmsOptions = Field(default_factory=EsmsOptions)
    speedsms: SpeedSmsOptions = Field(default_factory=SpeedSmsOptions)


class EmailSection(_Strict):
    transport: Literal["auto", "smtp", "apprise"] = "auto"
    timeout_seconds: float = Field(default=20, gt=0)
    pool_size: int = Field(default=4, ge=1, le=64)
    on_unknown: OnUnknown = "resend_once"
    concurrency: int = Field(default=4, ge=1, le=64)


class RateLimit(_Strict):
    """A token bucket: ``rate`` tokens per second on average, at most ``burst`` at once."""

    per_second: float | None = Field(default=None, gt=0)
    per_minute: float | None = Field(default=None, gt=0)
    burst: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _one_rate(self) -> "RateLimit":
        if (self.per_second is None) == (self.per_minute is None):
            raise ValueError("give exactly one of per_second or per_minute")
        return self

    @property
    def rate(self) -> float:
        return self.per_second if self.per_second is not None else (self.per_minute or 0) / 60.0


class PricesSection(_Strict):
    """``prices:`` — unit prices for the cost estimate of ``dondoc outbox --summary`` (not billing)."""

    currency: str = Field(default="VND", max_length=8)
    zalo_message: float = Field(default=300, ge=0)
    sms_segment: float = Field(default=750, ge=0)
    email_message: float = Field(default=0, ge=0)


class ChannelsConfig(_Strict):
    """The whole channel file."""

    prices: PricesSection = Field(default_factory=PricesSection)

    zalo: ZaloSection = Field(default_factory=lambda: _shipped_zalo())
    sms: SmsSection = Field(default_factory=SmsSection)
    email: EmailSection = Field(default_factory=EmailSection)
    rate_limits: dict[str, RateLimit] = Field(default_factory=dict)
    max_wait_seconds: float = Field(default=10, ge=0)
    # How long a row whose send had an unknown outcome waits before its re-send (delivery reports and
    # a slow provider's late work arrive meanwhile); jittered like the other backoffs.
    unknown_wait_minutes: float = Field(default=15, ge=0)

    def rate_limit(self, name: str) -> RateLimit | None:
        return self.rate_limits.get(name)

    def _section(self, channel: str) -> ZaloSection | SmsSection | EmailSection | None:
        return {"zalo": self.zalo, "sms": self.sms, "email": self.email}.get(channel)

    def on_unknown(self, channel: str) -> str:
        """The channel's policy after a send whose outcome is unknown (``resend_once`` by default)."""
        section = self._section(channel)
        return section.on_unknown if section is not None else "resend_once"

    def concurrency(self, channel: str) -> int:
        """How many sends of the channel may be in flight at once in one worker (default 4)."""
        section = self._section(channel)
        return section.concurrency if section is not None else 4


def _shipped_zalo() -> ZaloSection:
    return load_channels_config(SHIPPED_CHANNELS).zalo


def parse_channels_config(data: Any, source: str = "<channels>") -> ChannelsConfig:
    """Validate already-loaded YAML data; errors name ``source`` and the key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ChannelsConfigError(f"{source}: expected a mapping at the top level")
    try:
        return ChannelsConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors())
        raise ChannelsConfigError(f"{source}: {problems}") from None


_cache: dict[tuple[str, float], ChannelsConfig] = {}


def load_channels_config(path: Path | None = None) -> ChannelsConfig:
    """Load ``path`` (default: the shipped ``config/channels.yaml``); cached per file and mtime."""
    path = (path or SHIPPED_CHANNELS).expanduser()
    try:
        stamp = (str(path.resolve()), path.stat().st_mtime)
    except OSError as exc:
        raise ChannelsConfigError(f"{path}: cannot read the channel file ({exc.strerror})") from None
    if stamp not in _cache:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ChannelsConfigError(f"{path}: not valid YAML: {exc}") from None
        _cache[stamp] = parse_channels_config(data, str(path))
    return _cache[stamp]
