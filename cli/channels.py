"""``dondoc channels …``: try a delivery channel and see its state.

- ``test --channel zalo|sms|email --to RECIPIENT [--json]`` sends one test message through the channel
  the settings configure (the file channel when none) and prints the provider's answer or the classified
  error. JSON: ``{"channel", "transport", "ok", "provider_message_id", "error_class", "error", "code",
  "detail"}``; exit code 1 when the send failed.
- ``status [--json]`` shows the Zalo token's expiry and last error, today's quota use per bucket and the
  dead notifications (count and latest). Nothing printed carries a token or an address.
"""

import json
import uuid
from datetime import datetime
from typing import Any

import typer
from rich.markup import escape

from cli.common import channel_name, console, fail
from models.domain.clock import day_text, local_text
from models.domain.states import ERROR_CLASS_TEXT

app = typer.Typer(no_args_is_help=True, help="Delivery channels: send a test message, show their state.")


def _styled(text: str) -> None:
    """Print a line whose ``[red]…[/red]`` tags are Rich markup: the shared console prints text literally
    (``markup=False``, so that names and errors are never read as markup), hence markup per line here and
    every value in it passed through ``escape``."""
    console.print(text, markup=True)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _prepare():  # type: ignore[no-untyped-def]
    from config.settings import get_settings
    from models.store.db import make_engine, upgrade

    settings = get_settings()
    upgrade(settings.effective_database_url)
    return settings, make_engine(settings.effective_database_url)


def _test_message(channel: str, to: str, settings: Any) -> Any:
    from models.domain.clock import TZ, local_text
    from notifiers.base import OutgoingMessage
    from notifiers.table import CHANNELS

    now = datetime.now(TZ)
    stamp = local_text(now)
    link = settings.public_base_url.rstrip("/") + "/"
    text = f"Tin nhắn thử của dondoc lúc {stamp}. Hệ thống đôn đốc hoạt động bình thường: {link}"
    html = (
        f"<p>Tin nhắn thử của <b>dondoc</b> lúc {stamp}.</p>"
        f'<p>Hệ thống đôn đốc hoạt động bình thường: <a href="{link}">{link}</a></p>'
    )
    return OutgoingMessage(
        key=f"test:{uuid.uuid4().hex[:20]}",  # every test is a new message (providers dedupe by key)
        channel=channel,
        to=to,
        subject=f"[dondoc] Thử kênh {channel} — {stamp}",
        text=text,
        html=html if CHANNELS[channel].spec.body == "email" else None,
        params={"agency": settings.email_from_name, "sent_at": stamp},
        template="test",
        link=link,
    )


@app.command("test")
def test_cmd(
    channel: str = typer.Option(..., "--channel", help="zalo | sms | email (a channel of notifiers/table.py)"),
    to: str = typer.Option(..., "--to", help="Recipient: phone number (zalo, sms) or email address."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Send one test message through the configured channel and print the answer."""
    from models.domain.masking import mask_address
    from notifiers.base import ChannelConfigError, ChannelError
    from notifiers.registry import build_channels, close_channels
    from notifiers.table import channel_names

    if channel not in channel_names():
        raise fail(f"--channel must be one of {', '.join(channel_names())}", 2)

    settings, engine = _prepare()
    try:
        channels = build_channels(settings, engine)
    except (ChannelConfigError, ValueError) as exc:
        raise fail(f"channel configuration: {exc}", 2) from None
    target = channels[channel]
    out: dict[str, Any] = {
        "channel": channel,
        "transport": target.transport,
        "ok": False,
        "provider_message_id": None,
        "error_class": None,
        "error": None,
        "code": None,
        "detail": None,
    }
    try:
        result = target.send(_test_message(channel, to, settings))
        out.update(
            ok=True,
            transport=result.transport,
            provider_message_id=result.provider_message_id,
            detail=result.detail,
        )
    except ChannelError as exc:
        out.update(error_class=exc.kind, error=str(exc), code=exc.code)
        if exc.retry_after:
            out["retry_after_seconds"] = int(exc.retry_after.total_seconds())
    finally:
        close_channels(channels)
        engine.dispose()
    if as_json:
        _print_json(out)
    elif out["ok"]:
        _styled(
            f"[green]OK[/green] {escape(channel)} → {escape(mask_address(to))} via {escape(out['transport'])}: "
            f"id {escape(out['provider_message_id'] or '-')} {escape(out['detail'] or '')}"
        )
    else:
        _styled(
            f"[red]{escape(str(out['error_class']))}[/red] {escape(channel)} via {escape(out['transport'])}: "
            f"{escape(str(out['error']))}"
        )
    if not out["ok"]:
        raise typer.Exit(1)


def channel_status(settings: Any, engine: Any) -> dict[str, Any]:
    """The data of ``dondoc channels status`` (also usable by the web app)."""
    from config.app import zalo_configured
    from models.domain.clock import utcnow
    from models.services.listings import dead_summary
    from notifiers.ratelimit import RateLimiter
    from notifiers.zalo_tokens import PROVIDER, token_status

    configured = zalo_configured(settings)
    token = token_status(engine, has_seed=bool(settings.zalo_refresh_token))
    quotas = RateLimiter(engine).quotas_today()
    return {
        "zalo": {
            "provider": PROVIDER,
            "configured": configured,
            "has_access_token": token.has_access_token,
            "access_expires_at": token.access_expires_at,
            "refreshed_at": token.refreshed_at,
            "has_refresh_token": token.has_refresh_token,
            "token_version": token.version,
            "last_error": token.last_error,
            "paused_until": token.paused_until if token.paused_until and token.paused_until > utcnow() else None,
        },
        "quotas": [
            {
                "name": q.name,
                "day": q.day,
                "used_today": q.used_today,
                "remaining": q.remaining,
                "exhausted": q.exhausted,
            }
            for q in quotas
        ],
        "dead": dead_summary(engine),
    }


@app.command("status")
def status_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Zalo token expiry, today's quota use, dead notifications."""
    settings, engine = _prepare()
    try:
        data = channel_status(settings, engine)
    finally:
        engine.dispose()
    if as_json:
        _print_json(data)
        return
    z = data["zalo"]
    if not z["configured"]:
        console.print("Zalo: chưa cấu hình (not configured) — messages go to the file channel")
    else:
        console.print(
            f"Zalo token: hết hạn / expires {local_text(z['access_expires_at'])}, làm mới / refreshed "
            f"{local_text(z['refreshed_at'])} (v{z['token_version']})"
        )
    if z["last_error"]:
        _styled(f"[red]Zalo token error / lỗi token Zalo:[/red] {escape(z['last_error'])}")
    if z["paused_until"]:
        _styled(
            f"[red]Zalo tạm dừng đến / paused until {local_text(z['paused_until'])}[/red] "
            "— tin nhắn chờ trong hàng đợi / messages wait in the outbox"
        )
    if data["quotas"]:
        for q in data["quotas"]:
            remaining = "?" if q["remaining"] is None else q["remaining"]
            flag = " [red]HẾT / exhausted[/red]" if q["exhausted"] else ""
            used = q["used_today"]
            name = escape(channel_name(q["name"]))
            _styled(f"Hạn mức / quota {name} {day_text(q['day'])}: đã dùng {used}, còn {remaining}{flag}")
    else:
        console.print("Quota: chưa dùng hôm nay (nothing used today)")
    dead = data["dead"]
    console.print(f"Tin không gửi được / undeliverable messages: {dead['count']}")
    if dead["latest"]:
        d = dead["latest"]
        kind = ERROR_CLASS_TEXT.get(d["error_class"], d["error_class"] or "—")
        console.print(f"  gần nhất / latest: #{d['id']} {channel_name(d['channel'])} ({kind}): {d['last_error']}")
