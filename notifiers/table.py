"""The channel table: every delivery channel dondoc knows, in one place.

Each line pairs a channel's :class:`~models.domain.channels.ChannelSpec` (its name, the label people
read, which contact field is its address, which rendered form of a message it carries, whether it reaches
a phone at once) with its **factory**: ``factory(settings, engine, channels_config)`` returns the
configured channel, or ``None`` when its settings are absent (the embedded file channel then stands in,
so a fresh install never contacts anyone). A factory raises ``ChannelConfigError`` when a channel is
configured but unusable.

Everything else reads this table: the composition root gives the specs to the services' ``Runtime``
(which contact gets which channel, which body an outbox row carries, how the fallback re-renders), the
registry builds the channels from the factories, the CLI lists and tests them, the pages label them.
**Adding a channel is one module in ``notifiers/`` plus one line here** (a deployment or a test may also
:func:`register` one at run time). Its rate limits, if it has any, are read by the channel itself from
``config/channels.yaml`` (``rate_limits``), like the shipped channels do.

Factories are named ``"module:function"`` and imported when channels are built, so that reading the
table (the CLI's start, the web app) does not import apprise or httpx clients it may not need.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.domain.channels import STANDARD_CHANNELS, ChannelSpec
from notifiers.base import Channel

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from config.channels import ChannelsConfig
    from config.settings import Settings

Factory = Callable[["Settings", "Engine | None", "ChannelsConfig"], Channel | None]


@dataclass(frozen=True)
class ChannelEntry:
    spec: ChannelSpec
    factory: str | Factory  # "module:function", or the function itself

    @property
    def name(self) -> str:
        return self.spec.name

    def build(self, settings: "Settings", engine: "Engine | None", config: "ChannelsConfig") -> Channel | None:
        """The configured channel, or None where its settings are absent."""
        factory = self.factory
        if isinstance(factory, str):
            module, _, function = factory.partition(":")
            factory = getattr(importlib.import_module(module), function)
        return factory(settings, engine, config)


# name → entry, in the order the CLI lists them. One line per channel.
CHANNELS: dict[str, ChannelEntry] = {
    entry.name: entry
    for entry in (
        ChannelEntry(STANDARD_CHANNELS["zalo"], "notifiers.zalo:configured"),
        ChannelEntry(STANDARD_CHANNELS["sms"], "notifiers.sms:configured"),
        ChannelEntry(STANDARD_CHANNELS["email"], "notifiers.email:configured"),
    )
}


def register(entry: ChannelEntry) -> None:
    """Add (or replace) a channel at run time: a deployment's own channel, or a test's."""
    CHANNELS[entry.name] = entry


def unregister(name: str) -> None:
    CHANNELS.pop(name, None)


def channel_specs() -> dict[str, ChannelSpec]:
    """The specs of every channel in the table, by name (what the services' Runtime needs)."""
    return {name: entry.spec for name, entry in CHANNELS.items()}


def channel_names() -> tuple[str, ...]:
    return tuple(CHANNELS)
