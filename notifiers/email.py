"""The email channel: ``DONDOC_EMAIL_URL`` is an apprise URL; mail goes by SMTP directly or through apprise.

Measured on this machine (aiosmtpd on 127.0.0.1, November 2026, see ``bench/bench_channels.py``):

- one Apprise object, three ``notify()`` calls: 11.1 s — the email plugin sleeps 5.5 s between sends;
- a new Apprise object per message: ≈ 50 ms per message, mostly spent building a new TLS context
  (``set_default_verify_paths``) on every send, even for plain ``mailto://``;
- ``smtplib`` with a new connection per message ≈ 5 ms; with a reused connection ≈ 3 ms.

So for ``mailto://``/``mailtos://`` URLs (transport ``auto`` or ``smtp``) dondoc speaks SMTP itself:
a small pool of reused connections, and — what apprise cannot give — the SMTP reply code of a failure
(4xx → RetryableError, 5xx recipient refused → PermanentError, authentication → AuthError) and our own
plain-text part beside the HTML (apprise derives the text from the HTML). Other apprise email services
(``sendgrid://``, ``ses://``, …) or ``transport: apprise`` go through apprise with **one Apprise object
per message** (no throttle); its result is true only on full success; a failure is retryable because
apprise does not say why (its per-service logs are read, scrubbed, into the error text).

``mailto://`` (no TLS: the password crosses the network in clear) is refused unless the server is
127.0.0.1/localhost; use ``mailtos://user:pass@host?mode=starttls|ssl``.
"""

import base64
import hashlib
import logging
import queue
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from sqlalchemy.engine import Engine

from config.channels import ChannelsConfig
from models.domain.masking import mask_address, scrub
from notifiers.base import (
    AuthError,
    ChannelConfigError,
    ChannelError,
    OutgoingMessage,
    PermanentError,
    RetryableError,
    SendResult,
)
from notifiers.masking import scrub_library_logs
from notifiers.ratelimit import RateLimiter

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger("dondoc.notifiers.email")

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
WIRE = compat32.clone(linesep="\r\n")  # smtplib sends bytes as given: they must have CRLF already


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to submit mail, parsed from an apprise ``mailto(s)://`` URL."""

    host: str
    port: int
    mode: str  # "plain" | "starttls" | "ssl"
    user: str | None
    password: str | None
    from_address: str | None
    verify: bool = True


def parse_mail_url(url: str) -> SmtpTarget:
    """Parse ``mailto://`` / ``mailtos://`` as apprise does: ``user:pass@host[:port]``, query ``smtp=``,
    ``mode=starttls|ssl``, ``from=``, ``user=``, ``pass=``, ``verify=no``. Raises ChannelConfigError."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("mailto", "mailtos"):
        raise ChannelConfigError(f"not an SMTP mail URL: {scheme}://")
    query = {k.lower(): v for k, v in parse_qsl(parts.query)}
    host = query.get("smtp") or parts.hostname or ""
    if not host:
        raise ChannelConfigError("the email URL names no server")
    user = query.get("user") or (unquote(parts.username) if parts.username else None)
    password = query.get("pass") or (unquote(parts.password) if parts.password else None)
    if scheme == "mailto":
        if host not in LOCAL_HOSTS:
            raise ChannelConfigError(
                "mailto:// sends the password and the mail unencrypted: it is allowed only for a server on "
                "127.0.0.1/localhost; use mailtos://user:pass@host?mode=starttls (or mode=ssl)"
            )
        mode = "plain"
    else:
        mode = query.get("mode", "starttls").lower()
        if mode not in ("starttls", "ssl"):
            raise ChannelConfigError(f"mode={mode}: use mode=starttls or mode=ssl")
    default_port = {"plain": 25, "starttls": 587, "ssl": 465}[mode]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ChannelConfigError("the email URL has an invalid port") from None
    from_address = query.get("from")
    if not from_address and user and parts.hostname:
        from_address = user if "@" in user else f"{user}@{parts.hostname}"
    verify = query.get("verify", "yes").lower() not in ("no", "false", "0")
    return SmtpTarget(host, port, mode, user, password, from_address, verify)


def build_email(message: OutgoingMessage, *, from_name: str, from_address: str, reply_to: str | None) -> Message:
    """The MIME message: UTF-8 subject (RFC 2047), text part, HTML alternative, stable Message-ID.

    Built with the compat32 API (``Header``), not ``EmailMessage``: Python 3.11's default policy folds a
    long non-ASCII subject into encoded words and drops the space at the fold ("12: còn" arrives as
    "12:còn"); ``Header`` keeps every space inside the encoded words."""
    text = message.text
    if message.link and message.link not in text:
        text = text.rstrip("\n") + "\n\n" + message.link + "\n"
    mail: Message
    if message.html:
        mail = MIMEMultipart("alternative")
        mail.attach(MIMEText(text, "plain", "utf-8"))
        mail.attach(MIMEText(message.html, "html", "utf-8"))
    else:
        mail = MIMEText(text, "plain", "utf-8")
    mail["Subject"] = Header(message.subject, "utf-8")
    mail["From"] = formataddr((from_name, from_address), charset="utf-8")
    mail["To"] = message.to
    if reply_to:
        mail["Reply-To"] = reply_to
    mail["Date"] = formatdate(localtime=False)
    # The same outbox key gives the same Message-ID: a re-send is recognisable as the same mail.
    domain = from_address.rpartition("@")[2] or "dondoc.local"
    mail["Message-ID"] = f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@{domain}>"
    mail["X-Dondoc-Key"] = message.key
    return mail


_QUEUED = re.compile(r"queued as\s+<?([A-Za-z0-9][A-Za-z0-9._@-]{0,100})>?", re.IGNORECASE)


def smtp_queue_id(reply: str) -> str | None:
    """The server's queue id in its answer to DATA ("250 2.0.0 Ok: queued as 4XyZ12" — Postfix, Exim,
    Sendmail and Exchange all say it so), or None when it gives none. Kept with the row: the one thing a
    mail administrator can search the server's log by when an officer asks whether a mail left."""
    found = _QUEUED.search(reply or "")
    return found.group(1)[:128] if found else None


def _valid_recipient(address: str) -> str:
    _name, addr = parseaddr(address or "")
    local, _, domain = addr.partition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in addr):
        raise PermanentError("not an email address", code="invalid-address")
    return addr


def _classify_smtp(exc: BaseException, stage: str) -> ChannelError:
    """SMTP failure → classified error (text scrubbed: replies often echo the address)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return AuthError(f"smtp: authentication refused ({exc.smtp_code})", code=str(exc.smtp_code))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return AuthError(f"smtp: server does not support {stage}: {scrub(str(exc))}", code="not-supported")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        return _by_code(int(code), reply, "recipient refused")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, exc.smtp_error, f"{stage} refused")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        unknown = stage == "data"
        if unknown:
            log.warning("smtp: disconnected during DATA: the mail may have been accepted")
        return RetryableError(
            f"smtp: server disconnected during {stage}", code="outcome-unknown" if unknown else "disconnected"
        )
    if isinstance(exc, ssl.SSLError):
        return RetryableError(f"smtp: TLS failure ({type(exc).__name__}: {scrub(str(exc))[:200]})", code="tls")
    if isinstance(exc, TimeoutError | socket.timeout):
        unknown = stage == "data"
        return RetryableError(f"smtp: timeout during {stage}", code="outcome-unknown" if unknown else "timeout")
    if isinstance(exc, OSError):
        if stage == "data":
            log.warning("smtp: connection lost during DATA: the mail may have been accepted")
            return RetryableError(f"smtp: connection lost during DATA ({type(exc).__name__})", code="outcome-unknown")
        if stage in ("connect", "STARTTLS", "AUTH"):
            return RetryableError(f"smtp: cannot connect ({type(exc).__name__})", code="connect")
        return RetryableError(f"smtp: connection lost during {stage} ({type(exc).__name__})", code="disconnected")
    return RetryableError(f"smtp: {type(exc).__name__}: {scrub(str(exc))[:200]}", code="smtp")


def _by_code(code: int, reply: Any, what: str) -> ChannelError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = scrub(text)[:200]
    if code in (530, 534, 535, 538):
        return AuthError(f"smtp: {what}: {code} {text}", code=str(code))
    if 500 <= code < 600:
        return PermanentError(f"smtp: {what}: {code} {text}", code=str(code))
    return RetryableError(f"smtp: {what}: {code} {text}", code=str(code))


class _SmtpPool:
    """Open SMTP sessions reused by concurrent sends (each used by one thread at a time)."""

    MAX_IDLE = 30.0  # servers drop idle sessions after a minute or so; reconnect before that

    def __init__(self, target: SmtpTarget, size: int, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self.idle: queue.LifoQueue[tuple[smtplib.SMTP, float]] = queue.LifoQueue(maxsize=size)
        self.tls = ssl.create_default_context()  # once: building it costs ~40 ms
        if not target.verify:
            self.tls.check_hostname = False
            self.tls.verify_mode = ssl.CERT_NONE
        self.helo = "localhost" if target.host in LOCAL_HOSTS else socket.getfqdn()

    def connect(self) -> smtplib.SMTP:
        t = self.target
        stage = "connect"
        try:
            if t.mode == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    t.host, t.port, local_hostname=self.helo, timeout=self.timeout, context=self.tls
                )
            else:
                conn = smtplib.SMTP(t.host, t.port, local_hostname=self.helo, timeout=self.timeout)
            conn.ehlo()
            if t.mode == "starttls":
                stage = "STARTTLS"
                conn.starttls(context=self.tls)
                conn.ehlo()
            if t.user:
                stage = "AUTH"
                _login(conn, t.user, t.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            raise _classify_smtp(exc, stage) from None
        return conn

    def get(self) -> tuple[smtplib.SMTP, bool]:
        """A session and whether it was reused (a reused one may have been dropped by the server)."""
        while True:
            try:
                conn, since = self.idle.get_nowait()
            except queue.Empty:
                return self.connect(), False
            if time.monotonic() - since < self.MAX_IDLE:
                return conn, True
            _quit(conn)

    def put(self, conn: smtplib.SMTP) -> None:
        try:
            self.idle.put_nowait((conn, time.monotonic()))
        except queue.Full:
            _quit(conn)

    def close(self) -> None:
        while True:
            try:
                conn, _ = self.idle.get_nowait()
            except queue.Empty:
                return
            _quit(conn)


def _login(conn: smtplib.SMTP, user: str, password: str) -> None:
    """``login`` — except that smtplib encodes credentials as ASCII; a password with Vietnamese letters
    goes as AUTH PLAIN in UTF-8 (RFC 4616)."""
    if user.isascii() and password.isascii():
        conn.login(user, password)
        return
    if not conn.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = conn.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


class EmailChannel:
    """Email by SMTP (``transport = "smtp"``) or apprise (``transport = "apprise"``)."""

    name = "email"
    # The same key gives the same Message-ID, but SMTP servers do not drop a repeated one.
    dedupes_by_key = False

    def __init__(
        self,
        url: str,
        *,
        from_name: str = "dondoc",
        from_address: str | None = None,
        reply_to: str | None = None,
        transport: str = "auto",
        timeout: float = 20.0,
        pool_size: int = 4,
        limiter: RateLimiter | None = None,
        rate: tuple[float, float] | None = None,
        max_wait: float = 10.0,
    ) -> None:
        scheme = urlsplit(url).scheme.lower()
        if not scheme:
            raise ChannelConfigError("DONDOC_EMAIL_URL is not an apprise URL (mailtos://user:pass@host …)")
        smtp_capable = scheme in ("mailto", "mailtos")
        if transport == "smtp" and not smtp_capable:
            raise ChannelConfigError(f"transport smtp needs a mailto(s):// URL, not {scheme}://")
        self.url = url
        self.from_name = from_name
        self.reply_to = reply_to
        self.timeout = timeout
        self.limiter = limiter
        self.rate = rate
        self.max_wait = max_wait
        self._pool: _SmtpPool | None = None
        target = parse_mail_url(url) if smtp_capable else None  # refuses a remote plain mailto:// here
        self.from_address = from_address or (target.from_address if target else None) or "dondoc@localhost"
        if transport == "apprise" or not smtp_capable:
            self.transport = "apprise"
        else:
            assert target is not None
            self.transport = "smtp"
            self._pool = _SmtpPool(target, pool_size, timeout)

    @classmethod
    def from_settings(cls, settings: "Settings", engine: Engine | None, config: ChannelsConfig) -> "EmailChannel":
        assert settings.email_url is not None
        limit = config.rate_limit("email")
        return cls(
            settings.email_url.get_secret_value(),
            from_name=settings.email_from_name,
            from_address=settings.email_from_address,
            reply_to=settings.email_reply_to,
            transport=config.email.transport,
            timeout=config.email.timeout_seconds,
            pool_size=config.email.pool_size,
            limiter=RateLimiter(engine) if engine is not None and limit else None,
            rate=(limit.rate, limit.burst) if limit else None,
            max_wait=config.max_wait_seconds,
        )

    def close(self) -> None:
        if self._pool:
            self._pool.close()

    def send(self, message: OutgoingMessage) -> SendResult:
        recipient = _valid_recipient(message.to)
        if self.limiter and self.rate:
            self.limiter.acquire("email", self.rate[0], self.rate[1], max_wait=self.max_wait)
        if self.transport == "smtp":
            return self._send_smtp(message, recipient)
        return self._send_apprise(message, recipient)

    # -- SMTP ---------------------------------------------------------------------------------------
    def _send_smtp(self, message: OutgoingMessage, recipient: str) -> SendResult:
        assert self._pool is not None
        mail = build_email(message, from_name=self.from_name, from_address=self.from_address, reply_to=self.reply_to)
        data = mail.as_bytes(policy=WIRE)  # CRLF line ends; smtplib dot-stuffs
        conn, reused = self._pool.get()
        stage = "MAIL FROM"
        try:
            try:
                code, reply = conn.mail(self.from_address)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:
                    raise
                # The server dropped an idle session: nothing of this mail was sent yet; reconnect once.
                conn.close()
                conn, reused = self._pool.connect(), False
                code, reply = conn.mail(self.from_address)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.from_address)
            stage = "RCPT TO"
            code, reply = conn.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            stage = "data"
            code, reply = conn.data(data)
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except (smtplib.SMTPException, OSError) as exc:
            error = _classify_smtp(exc, stage)
            self._release(conn, healthy=isinstance(exc, smtplib.SMTPResponseException))
            log.warning("email to %s key=%s failed: %s", mask_address(recipient), message.key, error)
            raise error from None
        self._pool.put(conn)
        answer = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        queue_id = smtp_queue_id(answer)
        log.info("email sent key=%s to=%s queue=%s", message.key, mask_address(recipient), queue_id or "-")
        return SendResult("smtp", mail["Message-ID"], f"250 {scrub(answer)[:200]}", provider_ref=queue_id)

    def _release(self, conn: smtplib.SMTP, *, healthy: bool) -> None:
        """After a refused transaction the session is still good once reset; otherwise drop it."""
        assert self._pool is not None
        if healthy:
            try:
                conn.rset()
                self._pool.put(conn)
                return
            except (smtplib.SMTPException, OSError):
                pass
        conn.close()

    # -- apprise ------------------------------------------------------------------------------------
    def apprise_url(self, recipient: str) -> str:
        """The configured URL aimed at one recipient, with From name and Reply-To."""
        url = self.url
        if "{to}" in url:
            return url.replace("{to}", quote(recipient, safe="@"))
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        keys = {k.lower() for k, _ in query}
        if parts.scheme.lower() in ("mailto", "mailtos"):
            query.append(("to", recipient))
            if "name" not in keys and self.from_name:
                query.append(("name", self.from_name))
            if "from" not in keys and self.from_address:
                query.append(("from", self.from_address))
            if "reply" not in keys and self.reply_to:
                query.append(("reply", self.reply_to))
            return urlunsplit(parts._replace(query=urlencode(query)))
        path = parts.path.rstrip("/") + "/" + quote(recipient, safe="@")
        return urlunsplit(parts._replace(path=path))

    def _send_apprise(self, message: OutgoingMessage, recipient: str) -> SendResult:
        import apprise

        scrub_library_logs("apprise")
        # A new Apprise object per message: the email plugin throttles 5.5 s between sends of one object.
        notifier = apprise.Apprise()
        if not notifier.add(self.apprise_url(recipient)):
            raise PermanentError("email: apprise does not accept the configured URL", code="bad-url")
        body = message.html or message.text
        fmt = apprise.NotifyFormat.HTML if message.html else apprise.NotifyFormat.TEXT
        result = notifier.notify(body=body, title=message.subject, body_format=fmt)
        if bool(result):  # true only on full success (PARTIAL is false)
            log.info("email sent via apprise key=%s to=%s", message.key, mask_address(recipient))
            return SendResult("apprise", None, "apprise: delivered to the mail service")
        problems = []
        for service in getattr(result, "results", ()):
            # service.url is privacy-masked but still names the recipient: never logged.
            lines = [entry.message for entry in service.logs() if entry.level in ("WARNING", "ERROR")]
            problems.append(f"{service.name}: {getattr(service.status, 'name', service.status)} {' '.join(lines)}")
        text = scrub("; ".join(problems))[:300] or "apprise reported a failure"
        log.warning("email via apprise key=%s to=%s failed: %s", message.key, mask_address(recipient), text)
        raise RetryableError(f"email (apprise): {text}", code="apprise")


def configured(settings: "Settings", engine: Engine | None, config: ChannelsConfig) -> EmailChannel | None:
    """The channel table's factory: email when ``DONDOC_EMAIL_URL`` is set, else None."""
    return EmailChannel.from_settings(settings, engine, config) if settings.email_url else None
