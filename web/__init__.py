"""dondoc's web side (FastAPI, an edge): the answer links (``web.answer``), the officers' pages
(``web.officers``, one module per group of pages), the provider webhooks (``web.webhooks``); what the pages
share in ``web.pages``, the defences in ``web.security``, attachments in ``web.uploads``; ``web.app`` builds
the application.

Routes parse the request, call one use case of ``models.services`` and render: no SQL and no business
rule here. May import ``config.app``, ``models.services``, ``models.domain`` and ``notifiers``; never
``flows`` or ``cli``.
"""
