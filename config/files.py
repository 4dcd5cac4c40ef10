"""The files shipped in ``config/``, by path: the one place that knows where they live — and the secret key
file of the data folder (:func:`load_secret`).

The pure domain (``models.domain``) reads whatever file it is given; the settings default to these.
"""

import os
import secrets
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent

#: The agency directory reviewed by people (agencies, groups, aliases, succession, matching rules).
SHIPPED_AGENCIES = CONFIG_DIR / "agencies.yaml"


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The secret key (sessions, CSRF, answer links): the configured one (``DONDOC_SECRET_KEY``), or the
    one persisted in the data folder, ``data_dir/secret_key`` (mode 0600, created once). Every process
    that queues or sends messages, and every web server, must read the same one."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago: read theirs
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode("utf-8")
