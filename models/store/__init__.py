"""Persistence: the SQLModel tables, the engine and sessions, schema upgrades, and the few write
primitives every use case shares (one insert-ignore, one conditional status change with its history
row, one outbox-row builder, token storage).

May import: ``models.domain`` (and SQLAlchemy/SQLModel). Never ``models.services``, ``notifiers``,
``config``, ``flows``, ``web`` or ``cli``.
"""
