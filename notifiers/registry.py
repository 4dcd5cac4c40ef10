"""Building the channels of a run from the channel table (``notifiers/table.py``).

:func:`build_channels` gives ``name → Channel`` for every channel of the table: the real provider where
its settings are configured (the entry's factory returns it), otherwise the embedded
:class:`~notifiers.file.FileChannel` (the demo and a fresh install never contact anyone).
:func:`close_channels` closes the connections they hold.

The helpers every channel shares live in their own modules: ``notifiers.http`` (HTTP errors → classified
errors, idempotency ids), ``models.domain.masking`` and ``notifiers.masking`` (addresses and secrets out
of the logs).
"""

import logging
from typing import TYPE_CHECKING

from notifiers.base import Channel, ChannelConfigError
from notifiers.file import FileChannel
from notifiers.table import CHANNELS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from config.channels import ChannelsConfig
    from config.settings import Settings

__all__ = ["ChannelConfigError", "build_channels", "close_channels", "file_channels"]

log = logging.getLogger("dondoc.notifiers")


def file_channels(settings: "Settings") -> dict[str, Channel]:
    """The embedded file channel for every channel of the table (under ``<data dir>/outbox/<name>/``)."""
    folder = settings.data_dir / "outbox"
    sender = settings.email_from_address or "dondoc@localhost"
    return {
        name: FileChannel(name, folder, settings.email_from_name, sender, as_email=entry.spec.body == "email")
        for name, entry in CHANNELS.items()
    }


def build_channels(
    settings: "Settings",
    engine: "Engine | None" = None,
    *,
    config: "ChannelsConfig | None" = None,
) -> dict[str, Channel]:
    """The channel of each name in the table: a real provider where configured, else the file channel.

    A provider that is configured but unusable raises :class:`ChannelConfigError` (never a silent file
    channel in production)."""
    from config.channels import load_channels_config

    config = config or load_channels_config(settings.channels_file)
    fallback = file_channels(settings)
    channels: dict[str, Channel] = {}
    for name, entry in CHANNELS.items():
        channels[name] = entry.build(settings, engine, config) or fallback[name]
    log.info("channels: %s", ", ".join(f"{name}={channel.transport}" for name, channel in channels.items()))
    return channels


def close_channels(channels: dict[str, Channel]) -> None:
    """Close the HTTP clients and SMTP connections the channels hold (file channels hold none)."""
    for channel in channels.values():
        close = getattr(channel, "close", None)
        if callable(close):
            close()
