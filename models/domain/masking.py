"""Masking personal data and secrets for logs and listings — one format everywhere.

A phone number, an email address, a Zalo user id or a provider URL never appears in clear outside the
outbox table itself: the channels' log lines, the CLI's listings and the officers' pages all show
:func:`mask_address`'s form, and free text from a provider (an error message) goes through :func:`scrub`.

- ``+84912345678`` → ``+849****678``; ``0912 345 678`` → ``091****678`` (the first and last three digits:
  enough for an officer to tell two numbers apart, not enough to call one);
- ``nguyen.van@sokhcn.gov.vn`` → ``n***@sokhcn.gov.vn`` (the domain says which agency);
- a URL keeps scheme, host and path; user:password and secret-looking query values become ``***``;
- anything else (a Zalo user id) becomes a short stable fingerprint ``id#1a2b3c4d``.

Pure: standard library only (the logging filter that applies :func:`scrub` to a library's logs is
``notifiers.masking``).
"""

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Phone-like: +<country>…, 84…, or 0… followed by 7–12 more digits (dates and codes do not match).
_PHONE = re.compile(r"(?<![\w.\-])(?:(?:\+|%2[Bb])\d{1,3}[ .\-]?|84|0)\d(?:[ .\-]?\d){6,11}(?![\w/])")
_URL_CREDS = re.compile(r"([a-z][a-z0-9+.\-]*://)[^/\s@]*@", re.IGNORECASE)
_SECRET_QUERY = re.compile(
    r"((?:access_token|refresh_token|token|secret(?:_?key)?|apikey|api_key|key|pass(?:word)?|pwd|auth)=)[^&\s]+",
    re.IGNORECASE,
)
_PHONE_LIKE = re.compile(r"[+\d][\d .\-()]*")


def mask_email(value: str | None) -> str:
    """``nguyen.van@sokhcn.gov.vn`` → ``n***@sokhcn.gov.vn``; without ``@``: its first letter and ``***``."""
    if not value:
        return ""
    local, at, domain = value.strip().partition("@")
    return f"{local[:1]}***{at}{domain}"


def mask_phone(value: str | None) -> str:
    """``+84912345678`` → ``+849****678``: the first and last three digits; short numbers → ``***``."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) <= 6:
        return "***"
    plus = "+" if value.strip().startswith("+") else ""
    return f"{plus}{digits[:3]}****{digits[-3:]}"


def mask_url(url: str) -> str:
    """A URL without its credentials: user:password and secret-looking query values become ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<url>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = urlencode(
        [(k, "***" if _SECRET_QUERY.match(f"{k}=x") or "@" in v else v) for k, v in parse_qsl(parts.query)],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def mask_address(value: str | None) -> str:
    """The shown form of any recipient address: phone, email, URL, or an opaque id (a fingerprint)."""
    if not value:
        return "<none>"
    value = str(value).strip()
    if "://" in value:
        return mask_url(value)
    if "@" in value:
        return mask_email(value)
    if _PHONE_LIKE.fullmatch(value):
        return mask_phone(value)
    # A Zalo user id or anything else personal: keep a short stable fingerprint only.
    return "id#" + hashlib.sha256(value.encode()).hexdigest()[:8]


def scrub(text: str) -> str:
    """``text`` with any email address, phone number, URL credentials or secret query value masked."""
    text = _URL_CREDS.sub(r"\1***@", text)
    text = _SECRET_QUERY.sub(r"\1***", text)
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
