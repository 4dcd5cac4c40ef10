"""Masking of personal data for logs and listings: phone numbers and email addresses are never shown
in clear outside the outbox table itself."""


def mask_address(address: str | None) -> str:
    """ "+84900000001" → "+8490*****01"; "van.thu@so.example" → "v***@so.example"; other ids keep 3+2."""
    if not address:
        return ""
    if "@" in address:
        user, _, domain = address.partition("@")
        return f"{user[:1]}***@{domain}"
    if len(address) <= 5:
        return "*" * len(address)
    return address[:4] + "*" * (len(address) - 6) + address[-2:]
