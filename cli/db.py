"""``dondoc db …``: schema management (Alembic)."""

import typer

from cli.common import console

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (creates the SQLite file when needed)."""
    from config.settings import get_settings
    from models.store.db import current_revision, upgrade

    url = get_settings().effective_database_url
    upgrade(url, revision)
    console.print(f"schema at revision {current_revision(url)}")


@app.command("current")
def current_cmd() -> None:
    """Print the schema revision the database is at."""
    from config.settings import get_settings
    from models.store.db import current_revision

    console.print(current_revision(get_settings().effective_database_url) or "(empty database)")
