"""The use cases, one transaction each: plan import, the daily evaluation, answers and officers'
decisions, ad hoc rounds, the weekly digest, channel fallback, reports and the read views the pages and
commands show. Edges (``flows``, ``web``, ``cli``) parse their input, call one of these, and render.

May import: ``models.store`` and ``models.domain``. Never ``notifiers``, ``config``, ``flows``, ``web``
or ``cli``: what a use case needs from the configuration arrives in its ``Runtime``.
"""
