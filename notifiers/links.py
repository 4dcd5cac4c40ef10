"""The real answer link goes into a message at the last moment: just before the outbox hands it to its
channel (``Outbox(prepare=…)``, built by ``config.app``).

A queued row keeps a reference where its link goes (``models.domain.tokens``): in ``link``, in the text,
the HTML and the Zalo parameters. :func:`link_preparer` gives the outbox the function that turns the
``OutgoingMessage`` it built from a row into the one to send, each reference replaced by the link whose
token it stands for under the secret key. Nothing is written: the same row sent again (a retry, an
outcome-unknown re-send, a provider's duplicate) carries the same link, and the file channel's files
hold the working link.

Before the first send of a reference, the rebuilt token is looked up by its hash: a process whose secret
key differs from the one that queued the message (``DONDOC_SECRET_KEY`` set on the web server but not
on the worker, another ``data_dir``) would otherwise send links that answer nothing. Such a message is
not sent; it fails with a retryable error saying so, and goes once the key is right.
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.tokens import refs_in, reveal, token_for
from models.store.tokens import token_known
from notifiers.base import ChannelError, OutgoingMessage

Prepare = Callable[[OutgoingMessage], OutgoingMessage]
KNOWN_MAX = 50_000  # references already checked in this process (a day's messages, several channels each)


def link_preparer(key: bytes, engine: Engine | None = None) -> Prepare:
    """The outbox's ``prepare``: real links in, under ``key``; with ``engine``, each reference checked once."""
    known: set[str] = set()

    def check(ref: str) -> None:
        if engine is None or ref in known:
            return
        with Session(engine) as session:
            found = token_known(session, token_for(key, ref))
        if not found:
            raise ChannelError(
                "answer link cannot be rebuilt: the secret key differs from the one the message was queued "
                "with (DONDOC_SECRET_KEY / data_dir/secret_key must be the same for the web server and workers)"
            )
        if len(known) >= KNOWN_MAX:
            known.clear()
        known.add(ref)

    def prepare(message: OutgoingMessage) -> OutgoingMessage:
        texts = [message.link, message.text, message.html, *(v for v in message.params.values() if isinstance(v, str))]
        refs = dict.fromkeys(ref for text in texts for ref in refs_in(text))
        if not refs:
            return message  # no link, or one queued before references (a real link already)
        for ref in refs:
            check(ref)
        return replace(
            message,
            subject=reveal(message.subject, key),
            text=reveal(message.text, key),
            html=reveal(message.html, key) if message.html else message.html,
            params=_reveal_params(message.params, key),
            link=reveal(message.link, key) if message.link else message.link,
        )

    return prepare


def _reveal_params(params: dict[str, Any], key: bytes) -> dict[str, Any]:
    return {name: reveal(value, key) if isinstance(value, str) else value for name, value in params.items()}
