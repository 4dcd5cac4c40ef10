"""Keeping addresses and secrets out of the logs of libraries we do not control.

apprise logs "Sent Email to <address>" and the URLs it posts to; :func:`scrub_library_logs` installs a
filter on such a logger that passes every record through ``models.domain.masking.scrub``. The masking
rules themselves (one format for logs, CLI and pages) live in ``models/domain/masking.py``.
"""

import logging

from models.domain.masking import scrub


class ScrubFilter(logging.Filter):
    """Masks addresses and secrets in the records of a library logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        record.msg, record.args = scrub(text), None
        return True


def scrub_library_logs(name: str) -> None:
    """Install :class:`ScrubFilter` on logger ``name`` once."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, ScrubFilter) for f in logger.filters):
        logger.addFilter(ScrubFilter())
