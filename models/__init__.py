"""dondoc's core, in three layers (each may import only the ones below it; ``tests/test_layers.py`` checks):

- ``models.domain``: the pure rules — plan reading, deadline rules, the agency directory, the cycle state
  machine, reminder decisions, message templates, answer-form checks. Standard library and pure libraries
  only: no database, no Prefect, no network.
- ``models.store``: the tables (SQLModel), engine and sessions, and the few write primitives every use
  case shares (insert-ignore, the one conditional status change, the one outbox row, token storage).
- ``models.services``: the use cases, one transaction each (import, the daily evaluation, answers and
  decisions, rounds, digest, reports, read views).
"""
