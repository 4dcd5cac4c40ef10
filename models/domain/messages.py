"""Rendering reminder messages from the Vietnamese templates in ``config/messages.yaml``.

One render gives every channel's form of the same message: the email (subject, plain text, HTML), the
SMS (unaccented, at most 160 characters, the answer link always kept whole), and the Zalo template
parameters. Templates are Jinja2 in a sandbox: an officer editing the YAML cannot run code.
"""

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from models.domain.consolidated import cut_words
from models.domain.text import nfc, strip_diacritics

SMS_LIMIT = 160
ZALO_SUMMARY = 100  # characters of a consolidated message's summary parameter (config/channels.yaml)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    params: dict[str, str]


class Templates:
    """The loaded template set (the shipped ``config/messages.yaml``, or another file of the same shape)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)
        try:
            self.prefix = env.from_string(data["subject_prefix"])
            self.kinds = {
                kind: {part: env.from_string(src) for part, src in parts.items()}
                for kind, parts in data["kinds"].items()
            }
            sms = data["sms"]
            self.sms_prefix = env.from_string(sms["prefix"])
            self.sms_kinds = {kind: env.from_string(src) for kind, src in sms["kinds"].items()}
            self.sms_sender = sms.get("sender", "")
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{self.path}: missing or malformed template entry {exc}") from exc

    def render(self, kind: str, ctx: dict[str, Any], *, html: bool = True, sms: bool = True) -> Rendered:
        """Render ``kind`` ("open", "reminder", "due", "overdue", "escalation", "round", "digest", or an
        officer's decision: "returned", "extended", "refused", "resend").

        ``html``/``sms`` False skip forms no channel of the recipient needs (rendering is most of the
        cost of queueing a large day)."""
        parts = self.kinds.get(kind)
        if parts is None:
            raise KeyError(f"no message template for {kind!r} in {self.path}")
        subject = nfc(f"{self.prefix.render(**ctx)} {parts['subject'].render(**ctx)}")
        body = "\n".join(line.rstrip() for line in parts["text"].render(**ctx).strip().splitlines())
        body = _squeeze_blank_lines(nfc_lines(body))
        return Rendered(
            subject=subject,
            text=body,
            html=_html(body, ctx.get("link")) if html else "",
            sms=self._sms(kind, ctx) if sms else "",
            params=_zalo_params(kind, ctx),
        )

    def _sms(self, kind: str, ctx: dict[str, Any]) -> str:
        template = self.sms_kinds.get(kind)
        if template is None:
            return ""
        link = ctx.get("link") or ""
        short = dict(ctx, subject_short=ctx.get("subject_short", ""), agency_short=ctx.get("agency_short", ""))
        short.setdefault("sender", self.sms_sender)
        head = strip_diacritics(nfc(f"{self.sms_prefix.render(**short)}{template.render(**short)}"))
        tail = f" {link}" if link else ""
        room = SMS_LIMIT - len(tail)
        if len(head) > room:  # shorten the words (at a word), never the link
            head = cut_words(head, room) if room > 1 else ""
            head = head.replace("…", ".")  # "…" is not GSM-7: it would make the SMS Unicode
        return (head + tail).strip()


def nfc_lines(text: str) -> str:
    return "\n".join(nfc(line) if line.strip() else "" for line in text.splitlines())


def _squeeze_blank_lines(text: str) -> str:
    out: list[str] = []
    for line in text.splitlines():
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def _html(text: str, link: str | None) -> str:
    """A plain, accessible HTML version of the text: escaped, paragraphs kept, the link clickable."""
    body = html.escape(text)
    if link:
        safe = html.escape(link)
        body = body.replace(safe, f'<a href="{safe}">{safe}</a>')
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip())
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"></head>'
        f'<body style="font-family:Arial,sans-serif;font-size:15px;line-height:1.5">{paragraphs}</body></html>'
    )


def _zalo_params(kind: str, ctx: dict[str, Any]) -> dict[str, str]:
    """Zalo template parameters (short strings; the template's own text is approved by Zalo)."""
    return {
        "agency": str(ctx.get("agency", ""))[:100],
        "subject": str(ctx.get("subject_name", ""))[:30],
        "title": str(ctx.get("title", ""))[:100],
        "label": str(ctx.get("label", ""))[:30],
        "due_date": str(ctx.get("due", "")),
        "status": kind,
        "link": str(ctx.get("link") or ""),
        "plan": str(ctx.get("plan", "")),
        # A consolidated message's short form: "Sở X có 12 nhiệm vụ quá hạn, …", cut at a word.
        "summary": cut_words(str(ctx.get("summary", "")), ZALO_SUMMARY),
    }
