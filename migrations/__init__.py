"""Alembic migrations of dondoc's schema. Run them with ``dondoc db upgrade``."""
