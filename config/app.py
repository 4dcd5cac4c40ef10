"""The composition root: ``build_app(settings)`` builds what a run needs from the settings — the engine,
the services' ``Runtime`` (directory, policy, calendar, templates, channel preferences) and, on demand,
the ``Outbox`` over the configured channels.

Plain Python (no Prefect import): the CLI, the flows, the web application and the tests share it. A flow
run builds it once; the web application once per process.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine

from config.files import load_secret
from config.policy import PolicyConfig, load_policy
from config.settings import SHIPPED_MESSAGES, Settings, get_settings
from models.domain.agencies import Directory
from models.domain.messages import Templates
from models.services.directory_changes import apply_changes
from models.services.runtime import Runtime
from models.store.db import make_engine, upgrade
from notifiers.base import Channel
from notifiers.links import link_preparer
from notifiers.outbox import DispatchStats, Outbox, SendWindow
from notifiers.registry import build_channels, close_channels, file_channels
from notifiers.table import channel_specs


@dataclass
class App:
    settings: Settings
    engine: Engine
    runtime: Runtime

    def outbox(self, channels: dict[str, Channel] | None = None, **kwargs: Any) -> Outbox:
        """The outbox over the configured channels (file channel where no provider is configured)."""
        from datetime import timedelta

        from config.channels import load_channels_config
        from models.services.fallback import fallback_builder

        channels = channels if channels is not None else build_channels(self.settings, self.engine)
        cal = self.runtime.calendar
        chosen = load_channels_config(self.settings.channels_file)
        options: dict[str, Any] = {
            "max_attempts": self.settings.max_attempts,
            "window": SendWindow.parse(self.settings.send_window, cal.is_working_day),
            "fallback": fallback_builder(self.runtime),
            "channel_order": self.settings.channel_order,
            "prepare": link_preparer(self.runtime.link_key, self.engine),
            # After a send with an unknown outcome (config/channels.yaml: on_unknown, unknown_wait_minutes)
            "on_unknown": {name: chosen.on_unknown(name) for name in channels},
            "unknown_wait": timedelta(minutes=chosen.unknown_wait_minutes),
            # Sends in flight at once per channel: a slow provider delays only its own channel.
            "concurrency": {name: chosen.concurrency(name) for name in channels},
        }
        directory = self.runtime.directory
        if getattr(directory, "demo", False):
            options["divert"] = file_channels(self.settings)
            options["divert_addresses"] = demo_addresses(directory)
        options.update(kwargs)
        return Outbox(self.engine, channels, **options)

    def dispatch(self, max_batches: int | None = None) -> DispatchStats:
        """Send what is due in the outbox through the configured channels, then close their connections."""
        channels = build_channels(self.settings, self.engine)
        try:
            return self.outbox(channels=channels).dispatch(max_batches=max_batches)
        finally:
            close_channels(channels)  # pooled SMTP connections, httpx clients


def demo_addresses(directory: Any) -> frozenset[str]:
    """Every contact of a directory marked ``demo: true`` (the shipped one): never sent for real."""
    found: set[str] = set()
    for agency in directory.agencies.values():
        for value in (agency.email, agency.phone, agency.zalo_user_id, agency.head.email, agency.head.phone):
            if value:
                found.add(value)
    return frozenset(found)


def build_app(
    settings: Settings | None = None,
    directory: Directory | None = None,
    policy: PolicyConfig | None = None,
    *,
    migrate: bool = True,
) -> App:
    """Settings → engine (schema upgraded unless ``migrate`` is false), directory, policy, calendar,
    templates. ``directory``/``policy`` given: used instead of reading the configured files again (tests
    and long-lived processes parse them once)."""
    settings = settings or get_settings()
    url = settings.effective_database_url
    if migrate:
        upgrade(url)
    engine = _engine(url)
    config = policy or load_policy(settings.policy_file)
    runtime = Runtime(
        engine=engine,
        # The officers' decisions of /officers/directory (audited rows) over the file's entries.
        directory=apply_changes(engine, directory or Directory.load(settings.agencies_file)),
        config=config,
        policy=config.reporting_policy(),
        calendar=config.calendar(),
        templates=Templates(SHIPPED_MESSAGES),
        public_base_url=settings.public_base_url,
        link_key=signing_key(settings),
        channel_order=list(settings.channel_order),
        email_copy=settings.email_copy,
        channels=channel_specs(),
        reminder_cap=config.messages.reminders_per_day,
        decision_cap=config.messages.decisions_per_day,
        escalation_digest=config.messages.escalation_digest,
    )
    return App(settings=settings, engine=engine, runtime=runtime)


def signing_key(settings: Settings) -> bytes:
    """The secret key of sessions, CSRF and answer links (``config.files.load_secret``)."""
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return load_secret(configured, settings.data_dir)


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return make_engine(url)


def zalo_configured(settings: Settings) -> bool:
    """Whether Zalo has what it needs to send (else its messages go to the file channel)."""
    return bool(settings.zalo_app_id and settings.zalo_secret_key and settings.zalo_refresh_token)


def channel_check(settings: Settings, engine: Engine) -> tuple[str | None, dict[str, str]]:
    """(the problem, or None; each channel's transport) — a provider configured but unusable is a
    problem (``ChannelConfigError``); a channel with no provider is the file channel, which is not."""
    from notifiers.registry import ChannelConfigError

    try:
        channels = build_channels(settings, engine)
    except ChannelConfigError as exc:
        return str(exc), {}
    try:
        return None, {name: channel.transport for name, channel in channels.items()}
    finally:
        close_channels(channels)
