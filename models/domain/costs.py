"""What the messages cost: SMS segments and the estimated price of a day's or a month's messages.

Every Zalo template message and every SMS segment is billed (unit prices: ``config/channels.yaml``
``prices``). An SMS is one segment up to 160 GSM-7 characters (70 when one character needs Unicode);
longer texts are sent concatenated, 153 (67) characters per segment. Email is counted, priced as set
(0 by default).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def sms_segments(text: str) -> int:
    """How many SMS segments ``text`` is sent as (at least 1)."""
    unicode = any(ch not in GSM7 for ch in text)
    single, part = (70, 67) if unicode else (160, 153)
    if len(text) <= single:
        return 1
    return -(-len(text) // part)


@dataclass(frozen=True)
class Prices:
    """Unit prices (config/channels.yaml ``prices``), in ``currency``."""

    currency: str = "VND"
    zalo_message: float = 300.0
    sms_segment: float = 750.0
    email_message: float = 0.0

    def units(self, channel: str, text: str) -> tuple[int, float]:
        """(billed units, cost) of one message on ``channel``."""
        if channel == "sms":
            n = sms_segments(text)
            return n, n * self.sms_segment
        if channel == "zalo":
            return 1, self.zalo_message
        if channel == "email":
            return 1, self.email_message
        return 1, 0.0  # the file channel, a test channel: nothing billed


@dataclass
class Tally:
    messages: int = 0
    units: int = 0
    cost: float = 0.0


@dataclass
class Summary:
    """Messages per channel per day and per month, with the estimated cost."""

    currency: str
    days: dict[str, dict[str, Tally]] = field(default_factory=dict)  # "2026-12-02" → channel → tally
    months: dict[str, dict[str, Tally]] = field(default_factory=dict)  # "2026-12" → channel → tally

    def as_json(self) -> dict[str, object]:
        def plain(table: dict[str, dict[str, Tally]]) -> dict[str, dict[str, dict[str, float]]]:
            return {
                k: {ch: {"messages": t.messages, "units": t.units, "cost": round(t.cost, 2)} for ch, t in v.items()}
                for k, v in sorted(table.items())
            }

        return {"currency": self.currency, "days": plain(self.days), "months": plain(self.months)}


def summarise(rows: Iterable[tuple[str, str, str]], prices: Prices) -> Summary:
    """``rows``: (local day "YYYY-MM-DD", channel, sent text) of each message."""
    out = Summary(prices.currency)
    for day, channel, text in rows:
        units, cost = prices.units(channel, text)
        for table, key in ((out.days, day), (out.months, day[:7])):
            tally = table.setdefault(key, {}).setdefault(channel, Tally())
            tally.messages += 1
            tally.units += units
            tally.cost += cost
    return out
