"""The ``dondoc`` command line (Typer), an edge: each sub-command group lives in its own module, parses
its options, calls ``config.app`` / ``models.services`` (or the notifiers' registry for ``channels``) and
prints — text for people, ``--json`` for scripts. No SQL and no business rule here.

May import anything below it: ``flows`` (to run a flow), ``web`` (to serve), ``config``, ``models``,
``notifiers``.
"""
