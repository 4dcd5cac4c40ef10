"""Vietnamese mobile numbers: parse what people typed, validate with ``phonenumbers``, format per provider.

Agency directories hold numbers as "0912 345 678", "+84 912.345.678", "84912345678" or even
"912345678" (Excel drops the leading 0). Zalo and SpeedSMS want "84912345678", eSMS "0912345678".
Only mobile numbers reach SMS and Zalo: a landline is refused as permanently undeliverable.
"""

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from notifiers.base import PermanentError

_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class VnPhone:
    """A valid Vietnamese mobile number."""

    national_number: str  # "912345678"

    @property
    def e164(self) -> str:
        return f"+84{self.national_number}"

    @property
    def intl(self) -> str:
        """84… without "+": Zalo, SpeedSMS."""
        return f"84{self.national_number}"

    @property
    def national(self) -> str:
        """0… : eSMS, what Vietnamese people write."""
        return f"0{self.national_number}"


def parse_vn_mobile(raw: str) -> VnPhone:
    """Parse and validate ``raw`` as a Vietnamese mobile number; PermanentError if it is not one."""
    text = (raw or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        raise PermanentError("not a phone number", code="invalid-phone")
    if not text.startswith("+"):
        if digits.startswith("84") and len(digits) in (11, 12):
            text = "+" + digits
        elif not digits.startswith("0") and len(digits) == 9:
            text = "0" + digits  # Excel dropped the leading zero
        else:
            text = digits
    try:
        number = phonenumbers.parse(text, "VN")
    except NumberParseException:
        raise PermanentError("not a phone number", code="invalid-phone") from None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise PermanentError("not a valid Vietnamese phone number", code="invalid-phone")
    if phonenumbers.number_type(number) not in _MOBILE:
        raise PermanentError("not a mobile number (SMS and Zalo need a mobile)", code="not-mobile")
    return VnPhone(str(number.national_number))
