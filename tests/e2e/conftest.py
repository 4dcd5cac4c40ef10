"""End-to-end fixtures: a real uvicorn on 127.0.0.1 (a random free port, its own process) and Debian's
headless Chromium driven by Playwright at a 360×740 phone viewport.

The tests are marked ``e2e`` and skip, saying why, when ``/usr/bin/chromium`` or the ``playwright`` package
is missing — unless ``DONDOC_TEST_REQUIRE_BROWSER=1``, where they fail instead. Screenshots go to
``$DONDOC_SCREENSHOTS`` (default ``/tmp/dondoc-screenshots``), outside the repository.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("DONDOC_TEST_CHROMIUM", "/usr/bin/chromium"))
REQUIRE = os.environ.get("DONDOC_TEST_REQUIRE_BROWSER") == "1"
# Read when the tests are collected: the suite's autouse fixture clears DONDOC_* variables before each test.
SCREENSHOTS = Path(os.environ.get("DONDOC_SCREENSHOTS", "/tmp/dondoc-screenshots"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end test in a real browser against a real server")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright; its browser download is not needed)"
    return None


# Module scope, not session: Playwright's sync API keeps an event loop running in the main thread while it
# is open, and later tests that call asyncio.run() (the Prefect flow tests) would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if REQUIRE:
            pytest.fail(f"DONDOC_TEST_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
