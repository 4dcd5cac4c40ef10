"""One masking format for logs, CLI listings and officers' pages (models/domain/masking.py)."""

import pytest

from models.domain.masking import mask_address, mask_email, mask_phone, scrub


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("+84912345678", "+849****678"),
        ("0912 345 678", "091****678"),
        ("84912345678", "849****678"),
        ("12345", "***"),  # too short to keep any digit
        ("le.thi@sotc.example.gov.vn", "l***@sotc.example.gov.vn"),
        ("mailtos://user:secret@smtp.x.vn:587?from=a@b.vn&pass=x", "mailtos://***@smtp.x.vn:587?from=***&pass=***"),
        ("", "<none>"),
        (None, "<none>"),
    ],
)
def test_mask_address(value: str | None, shown: str) -> None:
    assert mask_address(value) == shown


def test_opaque_ids_become_a_stable_fingerprint() -> None:
    shown = mask_address("zalo-user-8841")
    assert shown.startswith("id#") and len(shown) == 11 and "8841" not in shown
    assert mask_address("zalo-user-8841") == shown != mask_address("zalo-user-8842")


def test_phone_and_email_helpers_agree_with_mask_address() -> None:
    assert mask_phone("+84900000001") == mask_address("+84900000001") == "+849****001"
    assert mask_email("so-khcn@thainguyen.example") == mask_address("so-khcn@thainguyen.example")
    assert mask_phone(None) == mask_email("") == ""
    assert mask_email("broken") == "b***"


def test_scrub_masks_everything_personal_or_secret_in_free_text() -> None:
    text = scrub(
        "twilio://AC123:secret@+15551234567/+84912345678 sent to nguyen.van@sokhcn.gov.vn "
        "via https://api.example/send?access_token=abc123&x=1 on 20/06/2025"
    )
    assert "secret" not in text and "abc123" not in text
    assert "nguyen.van" not in text and "n***@sokhcn.gov.vn" in text
    assert "84912345678" not in text and "+849****678" in text
    assert "20/06/2025" in text  # dates are not phone numbers
