"""dondoc's data and domain core.

Pure modules (no database, no Prefect, no network): ``text``, ``plan_reader``, ``agencies``, ``deadlines``.
Persistence modules (SQLModel, no network): ``tables``, ``db``, ``importer``.
"""
