"""Delivery: the channels (one module each behind the small interface in ``notifiers.base``), the channel
table that declares them (``notifiers.table``: adding a channel is a module plus one line there), the
registry that builds them from the settings, the outbox dispatcher that sends each queued message exactly
once (``notifiers.outbox``), shared rate limits, delivery webhooks' parsing, and the helpers channels
share (``notifiers.http``, ``notifiers.masking``).

May import: ``models.store``, ``models.domain`` and ``config`` (settings, the channel file). Never
``models.services``, ``flows``, ``web`` or ``cli``.
"""
