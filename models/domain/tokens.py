"""Response links: ``{public_base_url}/r/{token}`` — what a token is, how long it lives, and why no stored
copy of a message can be used to answer.

**The token** has 128 bits (22 characters of URL-safe base64: short enough for an SMS), is stored only as
its SHA-256 hash (``models.store.tokens``), is scoped to one agency's cycle, and can be revoked.

**No usable copy is stored.** A message is queued with a *reference* in place of its token: the link in
``notification.link``, in the stored bodies (text, HTML, Zalo parameters) and in the stored template
context reads ``{base}/r/.{ref}`` — a dot and 21 random characters, as long as a token (the SMS
lengths computed at queue time stay right), never a token (a token has no dot), so presenting it
answers nothing. The token is derived from the reference when the message is sent
(:func:`reveal`, called by the outbox through ``notifiers.links``)::

    token = base64url(HMAC-SHA256(secret key, "dondoc-answer-link|" + ref)[:16])

Why derived and not regenerated or encrypted: a message sent again (a retry after a lost answer, the
outcome-unknown re-send, the channel fallback, a provider-side duplicate) must carry the *same* link —
a new token per send would leave one of two copies the person got with a dead link, and would need a
write per send. Encryption would need the ciphertext stored and a cipher library; an HMAC needs neither
and leaves nothing to decrypt: whoever reads the database (a backup, ``dondoc outbox --json``, an
operator) sees references and hashes only. Whoever has the database *and* the secret key can rebuild the
links — the key (``DONDOC_SECRET_KEY``, or ``data_dir/secret_key``) is what the links rest on, and every
process that queues or sends messages (the daily run, the web application's decisions) must share it.
Changing it breaks the links of messages queued before and not yet sent (the outbox then refuses to
send them with a wrong link: ``notifiers.links``).

**Lifetime follows the cycle** (:func:`token_expiry`): until the end of the due date — or of the day the
message is queued, when the cycle is already overdue — plus ``GRACE``; an extension moves every live
token of the cycle to the new due date plus ``GRACE``; closing the cycle shortens them to close + ``GRACE``.
"The day it is queued" is the real clock's: a run simulating a past day (the demo, the tests) gives
links that work for ``GRACE`` from now, as production does on an overdue cycle.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta

from models.domain.clock import TZ

TOKEN_BYTES = 16  # 128 bits
GRACE = timedelta(days=30)  # after the due date (or a cycle's close), its links still work this long
REF_MARK = "."  # a reference starts with it: never in a token (URL-safe base64 has no dot)
REF_LENGTH = 22  # the mark + 21 random characters: as long as a token, so texts keep their length
_PURPOSE = b"dondoc-answer-link|"
# A reference inside a link, wherever it was rendered (text, HTML, a template parameter).
REF_IN_LINK = re.compile(r"/r/(\.[A-Za-z0-9_-]{21})(?![A-Za-z0-9_-])")


def new_token_value() -> str:
    """A fresh random token (links made outside the outbox, tests): never stored, only its hash."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_link_ref() -> str:
    """A fresh reference: what a queued message keeps instead of its token."""
    return REF_MARK + secrets.token_urlsafe(TOKEN_BYTES)[: REF_LENGTH - 1]


def token_for(key: bytes, ref: str) -> str:
    """The token a reference stands for under the secret ``key`` (22 characters, like a random one)."""
    if not key:
        raise ValueError("answer links need the secret key (DONDOC_SECRET_KEY or data_dir/secret_key)")
    digest = hmac.new(key, _PURPOSE + ref.encode("ascii", "replace"), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_for(base_url: str, token: str) -> str:
    """The link for a token — or, given a reference, the placeholder stored in its place."""
    return f"{base_url.rstrip('/')}/r/{token}"


def reveal(text: str, key: bytes) -> str:
    """``text`` with every reference link replaced by its real link (texts without one come back as is)."""
    if REF_MARK not in text:
        return text
    return REF_IN_LINK.sub(lambda m: "/r/" + token_for(key, m.group(1)), text)


def refs_in(text: str | None) -> list[str]:
    """The references ``text`` carries (a stored link or body)."""
    return REF_IN_LINK.findall(text or "")


def token_expiry(due: date, now: datetime) -> datetime:
    """When a link made at ``now`` (the real clock, not a simulated day) for a cycle due ``due`` expires:
    the end of the due date — or of the day it is made, when the cycle is already overdue: the reminder
    being sent must work — plus ``GRACE``, in UTC."""
    last_day = max(due, now.astimezone(TZ).date())
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=TZ)
    return (end + GRACE).astimezone(UTC)
