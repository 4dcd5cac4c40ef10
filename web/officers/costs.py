"""The officers' overview's small block of messages and their estimated cost (issue 11): today's and this
month's messages per channel, priced from ``config/channels.yaml`` ``prices`` — the same figures as
``dondoc outbox --summary``."""

from datetime import date
from typing import Any

from config.channels import load_channels_config
from models.domain.costs import Prices, summarise
from models.services.listings import outbox_texts


def messages_block(ctx: Any, today: date) -> dict[str, Any]:
    """{"currency", "day": channel → tally, "month": channel → tally, "labels": channel → its name} for
    ``today`` (the page names channels as people do: "Zalo", "SMS", "Email")."""
    p = load_channels_config(ctx.settings.channels_file).prices
    prices = Prices(p.currency, p.zalo_message, p.sms_segment, p.email_message)
    summary = summarise(outbox_texts(ctx.core.engine), prices)
    return {
        "currency": p.currency,
        "day": summary.days.get(f"{today:%Y-%m-%d}", {}),
        "month": summary.months.get(f"{today:%Y-%m}", {}),
        "labels": {name: spec.label for name, spec in ctx.core.runtime.channels.items()},
    }
