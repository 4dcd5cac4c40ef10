"""The officers' overview shows this month's messages per channel with the estimated cost (issue 11)."""

import pytest
from support.web import Web

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_overview_shows_messages_and_estimated_cost(officer: Web) -> None:
    html = officer.client.get("/officers").text
    assert 'id="tin-nhan"' in html and f"Tin nhắn tháng {officer.today.month}/{officer.today.year}" in html
    assert "ước tính" in html and "VND" in html
