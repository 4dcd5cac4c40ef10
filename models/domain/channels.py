"""What the rules need to know of a delivery channel, apart from how it sends.

A :class:`ChannelSpec` says which contact field is the channel's address and which rendered form of a
message it carries. The daily run picks channels by spec (``channels_for``), the outbox row takes its body
by spec (``body_for``), and the fallback re-renders by spec — nothing compares channel names. How a channel
sends (its class, settings, limits) is ``notifiers``' business: ``notifiers/table.py`` pairs each spec
with its factory, and adding a channel is one module there plus one line in that table.
"""

from dataclasses import dataclass
from typing import Any, Literal

# Which field of a contact is the address: the phone (SMS, Zalo ZNS go to the phone number), the email
# address, or the recipient's code itself (a channel that addresses an agency by its code, e.g. a webhook).
AddressField = Literal["phone", "email", "recipient"]
# Which rendered form a channel carries: plain text, the email (text + HTML), the short unaccented SMS,
# or an approved template's parameters (plus the text, for the file channel and logs).
BodyKind = Literal["text", "email", "sms", "template"]


@dataclass(frozen=True)
class ChannelSpec:
    name: str  # the logical channel: "zalo" | "sms" | "email" | …
    label: str  # as people read it: "Zalo", "SMS", "Email"
    address: AddressField
    body: BodyKind
    instant: bool = True  # reaches a phone at once (False: a written trail, like email)


STANDARD_CHANNELS: dict[str, ChannelSpec] = {
    "zalo": ChannelSpec("zalo", "Zalo", address="phone", body="template"),
    "sms": ChannelSpec("sms", "SMS", address="phone", body="sms"),
    "email": ChannelSpec("email", "Email", address="email", body="email", instant=False),
}


@dataclass(frozen=True)
class Body:
    """The columns of an outbox row that depend on the channel."""

    text: str
    html: str | None
    params: dict[str, Any]


def body_for(spec: ChannelSpec, *, text: str, html: str | None, sms: str, params: dict[str, Any]) -> Body:
    """The form of a rendered message that ``spec``'s channel carries."""
    return Body(
        text=sms if spec.body == "sms" else text,
        html=html if spec.body == "email" else None,
        params=dict(params) if spec.body == "template" else {},
    )


def label_of(channels: dict[str, ChannelSpec], name: str) -> str:
    spec = channels.get(name)
    return spec.label if spec else name
