"""What every command shares: the console, settings-driven engine and directory, error exits."""

from functools import lru_cache

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import Engine

console = Console(highlight=False, soft_wrap=True, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> "typer.Exit":
    """Print ``message`` to stderr and return an Exit to raise."""
    err_console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


@lru_cache
def _engine(url: str) -> Engine:
    from models.store.db import make_engine

    return make_engine(url)


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
    from models.store.db import upgrade

    upgrade(get_settings().effective_database_url)
    return get_engine(), load_directory()


def prefect_env() -> None:
    """Environment for running flows from the CLI, set before Prefect is imported: Prefect's own home
    (and its SQLite database) inside dondoc's data folder unless PREFECT_HOME is set; no telemetry."""
    import os

    from config.settings import get_settings

    settings = get_settings()
    if "PREFECT_HOME" not in os.environ and "PREFECT_API_URL" not in os.environ:
        os.environ["PREFECT_HOME"] = str(settings.data_dir / "prefect")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "dondoc")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
