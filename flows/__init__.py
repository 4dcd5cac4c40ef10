"""Prefect flows: ``daily``, ``round``, ``dispatch``, ``digest``, ``watch`` (dondoc's own alerts), and
``simulate`` for rehearsals.

Prefect only: each flow builds the app once (``config.app.build_app``) and calls ``models.services``; the
dispatch task all flows share and the generic task wrapper are in ``flows.tasks``; ``flows.serve`` serves
the deployments of ``prefect.yaml``. May import ``config``, ``models.services`` and ``notifiers``; never
``web`` or ``cli``.

Why the granularity is coarse: a Prefect task run costs 3–7 ms and the local server drops events past
10,000 queued, so one task per message or per cycle would make a 100,000-cycle run pay that overhead
100,000 times and lose its history. Each flow therefore runs a few coarse tasks — one per *batch* of
cycles or messages, at most a couple of hundred per run — and keeps per-message state and idempotency
in dondoc's own tables (unique keys, conditional UPDATEs), never in Prefect's caching or transactions.
"""

import os

# Route dondoc's own loggers (models.*, notifiers.*) through Prefect's run logger. Must be set before
# Prefect configures logging, i.e. before the first `import prefect`.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "dondoc")
