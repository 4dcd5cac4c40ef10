"""The files shipped in ``config/``, by path: the one place that knows where they live.

The pure domain (``models.domain``) reads whatever file it is given; the settings default to these.
"""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent

#: The agency directory reviewed by people (agencies, groups, aliases, succession, matching rules).
SHIPPED_AGENCIES = CONFIG_DIR / "agencies.yaml"
