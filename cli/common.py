"""What every command shares: the console, settings-driven engine, directory and policy, error exits."""

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from config.app import App
    from config.policy import PolicyConfig

console = Console(highlight=False, soft_wrap=True, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> "typer.Exit":
    """Print ``message`` to stderr and return an Exit to raise."""
    err_console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def day_option(value: str, option: str) -> "date":
    """A date typed on the command line (YYYY-MM-DD or DD/MM/YYYY); a bad one is a usage error (exit 2)
    naming the option."""
    from models.domain.clock import parse_day

    try:
        return parse_day(value)
    except ValueError as exc:
        raise fail(f"{option}: {exc} (ngày không hợp lệ)", 2) from None


def choice_option(value: str | None, option: str, choices: "Iterable[str]") -> None:
    """An option taking one of a known set: anything else is a usage error (exit 2) listing the set —
    an unknown filter is an error, never an empty list."""
    allowed = list(choices)
    if value is not None and value not in allowed:
        raise fail(
            f"{option}: unknown value {value!r}; expected one of: {', '.join(allowed)} (giá trị không hợp lệ)", 2
        )


@lru_cache
def _engine(url: str) -> Engine:
    from models.store.db import make_engine

    return make_engine(url)


def agency_marks(review: str | None, sample: bool) -> str:
    """ " [cần xác nhận]" / " [mẫu]" after an agency's name, as the officers' pages badge it."""
    return (" [cần xác nhận]" if review else "") + (" [mẫu]" if sample else "")


def get_engine() -> Engine:
    """The engine of the configured database (not upgraded: see ``prepare_database``)."""
    from config.settings import get_settings

    return _engine(get_settings().effective_database_url)


def load_directory():  # type: ignore[no-untyped-def]
    """The agency directory named by the settings (or the shipped one)."""
    from config.settings import get_settings
    from models.domain.agencies import Directory

    return Directory.load(get_settings().agencies_file)


def prepare_database():  # type: ignore[no-untyped-def]
    """Bring the configured database up to the newest schema; return (engine, directory)."""
    from config.settings import get_settings
    from models.services.directory_changes import apply_changes
    from models.store.db import upgrade

    upgrade(get_settings().effective_database_url)
    engine = get_engine()
    return engine, apply_changes(engine, load_directory())


def load_policy_config(path: Path | None = None) -> "PolicyConfig":
    """The policy file ``path``, else the configured one (``DONDOC_POLICY_FILE``), else the shipped one; a
    file that cannot be used exits with code 2 and a message naming the file and the key."""
    from config.policy import PolicyError, load_policy
    from config.settings import get_settings

    try:
        return load_policy(path if path is not None else get_settings().policy_file)
    except PolicyError as exc:
        raise fail(str(exc), 2) from None


def prepare_app() -> "App":
    """What the flows get too, built from the settings by the composition root (``config.app.build_app``):
    the engine of the upgraded database, the configured directory and policy (``app.runtime``). A policy
    file that cannot be used exits with code 2 and a message naming the file and the key."""
    from config.app import build_app
    from config.policy import PolicyError
    from config.settings import get_settings

    try:
        return build_app(get_settings())
    except PolicyError as exc:
        raise fail(str(exc), 2) from None


def run_flow(flow: Any, **params: Any) -> Any:
    """Run one of dondoc's flows for a CLI command, the way the settings say (``DONDOC_PREFECT_MODE``).

    Through Prefect when a Prefect server is configured (``PREFECT_API_URL`` or a Prefect profile) or the
    mode is ``server``: the run is in Prefect's history, as a deployment's would be. Otherwise (``auto``
    with no server, or ``direct``) the same flow code runs directly (``flow.fn``): a throwaway Prefect
    server would cost 20-36 s on every command and keep no history worth having (it dies with the
    command). Nothing of dondoc's own safety depends on Prefect: the claims, ledger and outbox keys make
    a rerun or a concurrent run send nothing twice either way. A dict result gets ``"prefect"``: the mode
    used (``"server"`` or ``"direct"``)."""
    if uses_prefect_server():
        prefect_env()
        result = flow(**params)
        mode = "server"
    else:
        result = flow.fn(**params)
        mode = "direct"
    if isinstance(result, dict):
        result.setdefault("prefect", mode)
    return result


def uses_prefect_server() -> bool:
    """Whether CLI flow commands go through a Prefect server (see :func:`run_flow`)."""
    from config.settings import get_settings

    mode = get_settings().prefect_mode
    if mode != "auto":
        return mode == "server"
    _prefect_home()
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def direct_note(result: Any) -> str:
    """The line human output adds when a flow ran without Prefect (empty otherwise)."""
    if isinstance(result, dict) and result.get("prefect") == "direct":
        return (
            "(chạy trực tiếp, không qua máy chủ Prefect — đặt PREFECT_API_URL để lưu lịch sử chạy / "
            "ran directly, no Prefect server configured)"
        )
    return ""


def channel_name(name: str) -> str:
    """A channel as people read it ("Zalo", "SMS", "Email"): its label in the channel table."""
    from models.domain.channels import STANDARD_CHANNELS, label_of

    return label_of(STANDARD_CHANNELS, name)


def channels_text(by_channel: dict[str, int]) -> str:
    """ "Zalo 12, Email 3" (or "—") for a count per channel."""
    return ", ".join(f"{channel_name(ch)} {n}" for ch, n in by_channel.items()) or "—"


def dispatch_text(stats: dict[str, Any]) -> str:
    """What a dispatch did, in words: sent, waiting to retry, undeliverable, sent by another channel."""
    parts = [f"đã gửi {stats.get('sent', 0)}"]
    for key, words in (
        ("retry", "chờ gửi lại"),
        ("dead", "không gửi được"),
        ("fallback", "chuyển sang kênh khác"),
        ("unknown", "chưa rõ kết quả, sẽ gửi lại cùng mã"),
        ("unconfirmed", "đã gửi, chưa rõ kết quả"),
    ):
        if stats.get(key):
            parts.append(f"{words} {stats[key]}")
    if stats.get("by_channel"):
        parts.append(f"theo kênh: {channels_text(stats['by_channel'])}")
    return ", ".join(parts)


def _prefect_home() -> None:
    """Prefect's own home (and its SQLite database) inside dondoc's data folder unless PREFECT_HOME or a
    server is set; set before Prefect is imported, since Prefect reads it then."""
    import os

    from config.settings import get_settings

    if "PREFECT_HOME" not in os.environ and "PREFECT_API_URL" not in os.environ:
        os.environ["PREFECT_HOME"] = str(get_settings().data_dir / "prefect")


def prefect_env() -> None:
    """Prefect for a CLI flow command. The environment is set before Prefect is imported: Prefect's own
    home (and its SQLite database) inside dondoc's data folder unless PREFECT_HOME is set; no telemetry.

    Then, when no Prefect server is configured (``PREFECT_API_URL``, a Prefect profile, or a settings
    context of the caller), the temporary server is dondoc's (``cli.prefect_server``), which dies with
    this process even when it is killed — Prefect's own one outlives a ``kill -9``. Runs left *Running*
    by a dead CLI process are marked *Crashed* (``flows.abandoned``), and every flow run of this command
    carries the tag naming this process, for the next command to do the same."""
    import os

    _prefect_home()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "dondoc")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")  # dondoc logs outside flows
    _guarded_prefect_server()
    _mark_abandoned_and_tag()


def _guarded_prefect_server() -> None:
    """Start dondoc's temporary Prefect server when Prefect would otherwise start its own."""
    import os

    import prefect.context
    from prefect.settings import get_current_settings

    current = get_current_settings()
    if current.api.url or not current.server.ephemeral.enabled:
        return  # a configured server (or none allowed: Prefect says so itself)
    from cli import prefect_server

    os.environ["PREFECT_API_URL"] = prefect_server.start(current.server.ephemeral.startup_timeout_seconds)
    prefect.context.refresh_global_settings_context()


_RUN_TAGS: list[object] = []  # the tags context of this command's flow runs, entered once


def _mark_abandoned_and_tag() -> None:
    import logging

    from prefect import tags

    from flows.abandoned import mark_abandoned_runs, process_tag

    try:
        mark_abandoned_runs()
    except Exception:  # housekeeping of Prefect's history: never a reason not to run today's work
        logging.getLogger("dondoc.cli").warning("could not check for abandoned flow runs", exc_info=True)
    if not _RUN_TAGS:
        context = tags(process_tag())
        context.__enter__()  # for the rest of this command (one command per process)
        _RUN_TAGS.append(context)
