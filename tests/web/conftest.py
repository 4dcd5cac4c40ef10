"""Fixtures of the web tests: ``web`` (the application over the seeded database, its clock on 20/06/2025)
and ``officer`` (the same with an officer logged in)."""

from pathlib import Path

import pytest
from support.web import Web, make_web


@pytest.fixture
def web(seeded_url: str, tmp_path: Path) -> Web:
    return make_web(seeded_url, tmp_path)


@pytest.fixture
def officer(web: Web) -> Web:
    web.login()
    return web
